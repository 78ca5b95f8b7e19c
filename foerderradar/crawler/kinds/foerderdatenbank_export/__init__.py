"""Kind ``foerderdatenbank_export``: config model, reader and spider."""
