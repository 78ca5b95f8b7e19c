"""Deadline, status, rate and amount from German (and English) free text.

INTERFACE STUB — implementation in progress. Signatures are fixed; see the helper's task.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from foerderradar.model import Status


@dataclass(frozen=True)
class Terms:
    deadline: date | None = None
    deadline_text: str | None = None
    status: Status | None = None
    open_date: date | None = None
    funding_rate_pct: float | None = None
    max_amount_eur: float | None = None


def parse_german_date(text: str, reference: date | None = None) -> date | None:
    raise NotImplementedError


def extract_terms(text: str, reference: date | None = None) -> Terms:
    return Terms()
