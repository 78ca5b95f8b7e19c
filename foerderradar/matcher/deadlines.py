"""Open or closed on the as-of day, and the deadline as a person reads it ("noch 20 Tage").

The structured fields decide first (:meth:`FundingCall.effective_status`). Portals also close calls
in words only — „Mittel ausgeschöpft“, „keine Antragstellung mehr möglich“ — while the very same
words in a condition („laufend, bis die Mittel ausgeschöpft sind“) mean the call is open. So a
closing phrase counts only outside a clause that starts with bis/solange/sobald/wenn/until/once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from foerderradar.matcher.text import CallText, fold
from foerderradar.model import FundingCall, Status

SOON_DAYS = 14

_CLOSED = re.compile(
    r"\w*mittel\w* (?:sind|ist|wurden|wurde|waren) (?:\w+ ){0,2}(?:ausgeschoepft|erschoepft|aufgebraucht|vergeben)"
    r"|\w*mittel\w* ausgeschoepft|(?:budget|kontingent)\w* (?:ist )?(?:\w+ )?(?:ausgeschoepft|erschoepft)"
    r"|keine (?:neuen )?(?:antraege|projektskizzen|antragstellung|einreichung)\w* (?:\w+ ){0,2}mehr"
    r"|antragstellung (?:ist )?(?:\w+ )?nicht mehr moeglich"
    r"|(?:derzeit|zurzeit|aktuell) (?:ist )?keine antragstellung moeglich"
    r"|antragstellung ist (?:derzeit|zurzeit|aktuell) nicht moeglich"
    r"|(?:antrags|einreichungs)frist (?:ist )?(?:\w+ )?(?:abgelaufen|beendet|verstrichen)"
    r"|(?:foerderaufruf|aufruf|foerderprogramm|programm|antragsfenster|ausschreibung) (?:ist|wurde) (?:\w+ )?"
    r"(?:beendet|geschlossen|abgeschlossen|ausgelaufen|eingestellt)"
    r"|(?:call|programme|program) (?:is|has been|was) (?:now )?closed|no longer (?:open|accepting)"
    r"|applications are (?:now )?closed|funds (?:are|have been) (?:fully )?(?:exhausted|allocated)"
)
_CLOSED_HINT = re.compile(r"schoepft|aufgebraucht|vergeben|mehr|abgelaufen|beendet|verstrichen|geschlossen|"
                          r"ausgelaufen|eingestellt|derzeit|zurzeit|aktuell|closed|no longer|exhausted|allocated")
_ONGOING = re.compile(r"laufend|jederzeit|ganzjaehrig|ohne (?:antrags)?frist|keine (?:antrags)?frist|bis auf weiteres"
                      r"|ongoing|open-ended|continuous|rolling|no deadline")
_CONDITION = re.compile(r"\b(?:bis|solange|sobald|wenn|falls|sofern|until|once|if|when|as soon as)\b")
_CLAUSE_START = re.compile(r"[.!?;:\n–]")

_MONTHS = {
    "januar": 1, "jaenner": 1, "februar": 2, "maerz": 3, "april": 4, "mai": 5, "juni": 6, "juli": 7,
    "august": 8, "september": 9, "oktober": 10, "november": 11, "dezember": 12,
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10, "december": 12,
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATES = re.compile(
    rf"(?P<d>\d{{1,2}})\.\s?(?P<m>\d{{1,2}})\.\s?(?P<y>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})\.?\s(?P<mn>{_MONTH})\s(?P<y2>\d{{4}})"
    rf"|(?P<mn3>{_MONTH})\s(?P<d3>\d{{1,2}}),?\s(?P<y3>\d{{4}})"
    rf"|(?P<y4>\d{{4}})-(?P<m4>\d{{2}})-(?P<d4>\d{{2}})"
)
# "seit 01.01.2024", "ab 1. März": a start, not a deadline.
_START_BEFORE = re.compile(r"\b(?:seit|ab|von|vom|beginn\w*|start\w*|from|since|opens?|oeffnet)\s*$")


@dataclass(frozen=True)
class DeadlineVerdict:
    open: bool
    status: Status
    deadline: date | None  # the call's deadline, or one read from its deadline text
    reasons: list[str] = field(default_factory=list)


def closing_phrase(texts: CallText) -> str | None:
    """The words that close the call, if its text closes it outright (not in a condition)."""
    for folded in (texts.deadline_text, texts.summary, texts.description):
        if not _CLOSED_HINT.search(folded):  # cheap test first: the full pattern is slow on long texts
            continue
        for match in _CLOSED.finditer(folded):
            starts = [m.end() for m in _CLAUSE_START.finditer(folded, 0, match.start())]
            clause = folded[starts[-1] if starts else 0 : match.start()]
            if not _CONDITION.search(clause):
                return match.group(0)
    return None


def parse_dates(text: str | None) -> list[date]:
    """Deadline-like dates in a portal's deadline wording (German or English); start dates skipped."""
    found: list[date] = []
    folded = fold(text or "")
    for m in _DATES.finditer(folded):
        if _START_BEFORE.search(folded[max(0, m.start() - 12) : m.start()]):
            continue
        g = m.groupdict()
        try:
            if g["d"]:
                found.append(date(int(g["y"]), int(g["m"]), int(g["d"])))
            elif g["d2"]:
                found.append(date(int(g["y2"]), _MONTHS[g["mn"]], int(g["d2"])))
            elif g["d3"]:
                found.append(date(int(g["y3"]), _MONTHS[g["mn3"]], int(g["d3"])))
            else:
                found.append(date(int(g["y4"]), int(g["m4"]), int(g["d4"])))
        except ValueError:
            continue
    return found


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
        elif status == "unknown" and _ONGOING.search(fold(call.deadline_text or "")):
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
