"""Kind ``json``: config model and spider."""
