"""Open or closed on the as-of day, and the deadline as a person reads it ("noch 20 Tage").

The structured fields decide first (:meth:`FundingCall.effective_status`). Portals also close calls
in words only — „Mittel ausgeschöpft“, „keine Antragstellung mehr möglich“ — while the very same
words in a condition („laufend, bis die Mittel ausgeschöpft sind“) mean the call is open. So a
closing phrase counts only outside a clause that starts with bis/solange/sobald/wenn/until/once.
The words and the date reader are German text, shared with the crawler: :mod:`foerderradar.german`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from foerderradar.german.dates import find_dates
from foerderradar.german.fold import fold
from foerderradar.german.status import ONGOING_WORDING, closing_words
from foerderradar.matcher.text import CallText
from foerderradar.model import FundingCall, Status

SOON_DAYS = 14

# Starts, not deadlines: "seit 01.01.2024", "ab 1. März 2027".
_START_BEFORE = re.compile(r"\b(?:seit|ab|von|vom|beginn\w*|start\w*|from|since|opens?|oeffnet)\s*$")
_ANY_DAY = date(2000, 1, 1)  # places dates written without a year, which parse_dates does not keep


@dataclass(frozen=True)
class DeadlineVerdict:
    open: bool
    status: Status
    deadline: date | None  # the call's deadline, or one read from its deadline text
    reasons: list[str] = field(default_factory=list)


def closing_phrase(texts: CallText) -> str | None:
    """The words that close the call, if its text closes it outright (not in a condition)."""
    for folded in (texts.deadline_text, texts.summary, texts.description):
        phrase = closing_words(folded)
        if phrase is not None:
            return phrase
    return None


def parse_dates(text: str | None) -> list[date]:
    """Deadline-like dates in a portal's deadline wording: complete dates (day, month, year), in
    text order; start dates ("seit", "ab", "von") skipped."""
    folded = fold(text or "")
    try:
        hits = find_dates(folded, _ANY_DAY)
    except (TypeError, ValueError, OverflowError):  # defensive, like every reader of portal text
        return []
    return [
        hit.day for hit in hits
        if hit.complete and not _START_BEFORE.search(folded[max(0, hit.start - 12) : hit.start])
    ]  # fmt: skip


def _due(day: date, as_of: date) -> list[str]:
    days = (day - as_of).days
    left = "endet heute" if days == 0 else "noch 1 Tag" if days == 1 else f"noch {days} Tage"
    reasons = [f"Frist: {day:%d.%m.%Y} ({left})"]
    if days <= SOON_DAYS:
        reasons.append("Schließt bald")
    return reasons


def assess_deadline(call: FundingCall, as_of: date, texts: CallText | None = None) -> DeadlineVerdict:
    status = call.effective_status(as_of)
    deadline = call.deadline
    if deadline is None:
        # "1. Stichtag 15.03.2027, 2. Stichtag 15.09.2027": the next one counts; all past → closed.
        dates = parse_dates(call.deadline_text)
        ahead = [d for d in dates if d >= as_of]
        deadline = min(ahead) if ahead else max(dates) if dates else None
        if deadline is not None and status != "closed":
            status = "closed" if deadline < as_of else "upcoming" if status == "upcoming" else "open"
        elif status == "unknown" and ONGOING_WORDING.search(fold(call.deadline_text or "")):
            status = "open"
    if status == "closed":
        if deadline is not None and deadline < as_of:
            return DeadlineVerdict(False, "closed", deadline, [f"Geschlossen (Frist endete am {deadline:%d.%m.%Y})"])
        said = f": {call.deadline_text[:80]}" if call.deadline_text else ""
        return DeadlineVerdict(False, "closed", deadline, [f"Geschlossen laut Portal{said}"])
    phrase = closing_phrase(texts or CallText(call))
    if phrase:
        return DeadlineVerdict(False, "closed", deadline, [f"Geschlossen laut Text: „{phrase}“"])
    reasons: list[str] = []
    if status == "upcoming" and call.open_date is not None:
        reasons.append(f"Öffnet am {call.open_date:%d.%m.%Y}")
    if deadline is not None:
        reasons += _due(deadline, as_of)
    elif call.deadline_text:
        reasons.append(f"Frist: {call.deadline_text[:80]}")
    else:
        reasons.append("Frist: keine Angabe")
    return DeadlineVerdict(True, status, deadline, reasons)
