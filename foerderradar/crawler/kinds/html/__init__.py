"""Kind ``html``: config model and spider."""
