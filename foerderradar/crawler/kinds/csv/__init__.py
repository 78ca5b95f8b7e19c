"""Kind ``csv``: config model and spider."""
