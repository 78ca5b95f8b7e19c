"""Kind ``csv``: config model, reader and spider."""
