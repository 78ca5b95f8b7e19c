"""Kind ``feed``: config model and spider."""
