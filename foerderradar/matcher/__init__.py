"""Matching funding calls against the city's measures: eligibility gates, then relevance."""

from foerderradar.matcher.match import match_calls
from foerderradar.matcher.types import Match

__all__ = ["Match", "match_calls"]
