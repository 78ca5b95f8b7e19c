"""Matching funding calls against the city's measures: eligibility gates, then relevance."""

from foerderradar.matcher.evaluate import evaluate
from foerderradar.matcher.match import match_calls
from foerderradar.matcher.report import render_report
from foerderradar.matcher.types import Match

__all__ = ["Match", "evaluate", "match_calls", "render_report"]
