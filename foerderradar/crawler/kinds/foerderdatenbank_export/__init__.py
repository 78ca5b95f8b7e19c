"""Kind ``foerderdatenbank_export``: config model and spider."""
