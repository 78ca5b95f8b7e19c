"""Kind ``foerderdatenbank``: config model and spider."""
