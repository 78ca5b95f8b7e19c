"""Kind ``eu_sedia``: config model and spider."""
