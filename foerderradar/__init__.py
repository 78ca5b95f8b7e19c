"""Förderradar: finds funding calls for a municipality's digitalisation measures."""

__version__ = "0.1.0"
