"""Matching funding calls against the city's measures: eligibility gates, then relevance.

The verdict type, :class:`foerderradar.model.Match`, lives in the model: the store keeps verdicts
and must not import the matcher.
"""

from foerderradar.matcher.evaluate import evaluate
from foerderradar.matcher.match import match_calls
from foerderradar.matcher.report import render_report

__all__ = ["evaluate", "match_calls", "render_report"]
