"""Kind ``watch``: config model and spider."""
