"""Deadline, status, rate and amount from German (and English) free text.

Most portals have no structured fields for these: the Förderdatenbank writes "Die Frist zur
Einreichung von Projektskizzen endete am 28.11.2024", NRW.BANK "Zuschüsse bis 80 % …". The
extractor finds every date in the text, keeps those a deadline word points at, and ignores the
dates that only name a directive ("Richtlinie vom …", "tritt … außer Kraft", "Laufzeit").

Decisions (documented because they change what users see):
- A month without a day ("bis März 2027", "Ende 2026") means its last day.
- A day without a year ("Stichtag 30.09.") is the next such day on or after ``reference``.
- Several deadlines (rounds, stages): the next one on or after ``reference``; if all have passed,
  the latest one (so the call reads as closed with its last date).
- Explicit closing words ("Antragstellung nicht mehr möglich", "Mittel ausgeschöpft") win over
  a future date: the money is gone even if the directive's date has not come.
- Rates: the highest funding rate named (portals list "bis 50 %, für Kommunen bis 80 %"); interest
  rates and own contributions are not funding rates.
- Amounts: the highest per-project amount tied to a limit word (maximal, bis zu, höchstens, up to);
  programme budgets ("stehen insgesamt 50 Mio. Euro zur Verfügung") are not per-project amounts.

Every regex here is linear (no nested quantifiers), so a megabyte of garbage costs milliseconds.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from foerderradar.model import Status

MONTHS = {
    "januar": 1, "jan": 1, "january": 1, "jänner": 1,
    "februar": 2, "feb": 2, "february": 2,
    "märz": 3, "maerz": 3, "mär": 3, "mrz": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "okt": 10, "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "dezember": 12, "dez": 12, "december": 12, "dec": 12,
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"

_DATE_PATTERNS = [
    # 2027-02-18
    re.compile(r"\b(?P<year>\d{4})-(?P<mnum>\d{2})-(?P<day>\d{2})\b"),
    # 28.11.2024, 28.11.24, 30.09.
    re.compile(r"(?<![\d.])(?P<day>\d{1,2})\.\s?(?P<mnum>\d{1,2})\.(?:\s?(?P<year>\d{4}|\d{2}))?(?!\d)"),
    # 15. März 2026, 1. Feb. 2027, 31. Dezember; 18 February 2027
    re.compile(r"(?<!\d)(?P<day>\d{1,2})\.?\s{0,3}" + _MONTH + r"(?:\s{0,3}(?P<year>\d{4}))?\b", re.IGNORECASE),
    # February 18, 2027
    re.compile(_MONTH + r"\s(?P<day>\d{1,2}),?\s(?P<year>\d{4})\b", re.IGNORECASE),
    # März 2027 (no day: last day of the month)
    re.compile(r"(?<![\d.]\s)(?<!\d\.)\b" + _MONTH + r"\s{1,3}(?P<year>\d{4})\b", re.IGNORECASE),
    # Ende 2026 / end of 2026
    re.compile(r"\b(?:Ende|end of)\s+(?P<year>\d{4})\b", re.IGNORECASE),
]

_DEADLINE_CUE = re.compile(
    r"(frist|bis\b|bis zum|bis spätestens|spätestens|stichtag|einzureichen|eingereicht|einreichung|"
    r"endet|endete|antragsschluss|bewerbungsschluss|einsendeschluss|vorzulegen|deadline|closing|"
    r"submission|until|cut-off|letzter termin|beantragt werden)",
    re.IGNORECASE,
)
_OPEN_CUE = re.compile(r"(\bab dem\b|\bab\b|startet|beginnt|ab sofort|opening|opens|\bvom\b|\bvon\b)", re.IGNORECASE)
_IGNORE_CUE = re.compile(
    r"(richtlinie vom|fassung vom|bekanntmachung vom|erlass vom|außer kraft|in kraft|laufzeit|gültig bis|"
    r"befristet bis|veröffentlicht|stand:|stand vom|zuletzt geändert|geltungsdauer|projektlaufzeit|"
    r"durchführungszeitraum|bewilligungszeitraum|umzusetzen bis|abgeschlossen sein)",
    re.IGNORECASE,
)
_DATED_ACT = re.compile(r"\bvom:?\s*$", re.IGNORECASE)
_LEGAL_ACT = re.compile(r"(richtlinie|gesetz|verordnung|bekanntmachung|erlass|fassung|satzung|aufruf)", re.IGNORECASE)
_CLOSED = re.compile(
    r"(nicht mehr möglich|ausgeschöpft|ausgelaufen|ist beendet|wurde beendet|eingestellt|\bgeschlossen\b|"
    r"keine anträge mehr|keine neuen anträge|no longer open|call closed|closed for submission)",
    re.IGNORECASE,
)
_ONGOING = re.compile(
    r"(\blaufend\b|jederzeit|fortlaufend|ganzjährig|ohne frist|keine frist|keine antragsfrist|"
    r"ständig möglich|continuous|open-ended|rolling basis)",
    re.IGNORECASE,
)

_NUMBER = r"(?P<num>\d{1,3}(?:[.,\s]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)"
_SCALE = r"(?P<scale>Mio\.?|Millionen|Million|million|Mrd\.?|Milliarden|billion|Tsd\.?|Tausend|thousand|k\b)?"
_AMOUNT_PATTERNS = [
    re.compile(r"(?:EUR|€|Euro)\s?" + _NUMBER + r"\s?" + _SCALE, re.IGNORECASE),
    re.compile(_NUMBER + r"\s?" + _SCALE + r"\s?(?:EUR\b|€|Euro\b)", re.IGNORECASE),
]
_MAX_CUE = re.compile(
    r"(maximal|max\.|höchstens|bis zu|bis zur höhe|höchstbetrag|obergrenze|begrenzt auf|up to|maximum|"
    r"at most|lump sum|pauschale|festbetrag)",
    re.IGNORECASE,
)
_BUDGET_CUE = re.compile(
    r"(fördervolumen|gesamtbudget|budget|insgesamt|zur verfügung|programmvolumen|mittel in höhe|"
    r"haushaltsmittel|total|overall|volume|umsatz|bilanzsumme|turnover|stammkapital|gezeichnete)",
    re.IGNORECASE,
)
_RATE = re.compile(
    r"(?:(?P<low>\d{1,3})(?:,\d+)?\s?(?:%|prozent)?\s?(?:–|-|bis|und)\s?)?"
    r"(?P<rate>\d{1,3}(?:,\d+)?)\s?(?:%|prozent\b|v\.\s?h\.|vom hundert|per ?cent\b|percent\b)",
    re.IGNORECASE,
)
_NOT_A_RATE = re.compile(
    r"(zins|eigenanteil|eigenmittel|eigenbeteiligung|tilgung|gebühr|provision|mehrwertsteuer|mwst|"
    r"umsatzsteuer|disagio|interest|co-financing by the beneficiary|quote der|anteil der bevölkerung|"
    r"kapital|stimmrecht|arbeitslos)",
    re.IGNORECASE,
)
# A sentence ends at . ! ? ; or a line break — but not after a day number ("vom 1. Februar").
_SENTENCE_END = re.compile(r"(?<!\b\d)(?<!\b\d\d)[.!?;]\s|\n")
_AFTER_BUDGET = re.compile(r"(zur verfügung|bereitgestellt|available)", re.IGNORECASE)
_MAX_TEXT = 200_000  # characters examined: deadlines and rates sit in the first pages of any call


@dataclass(frozen=True)
class Terms:
    deadline: date | None = None
    deadline_text: str | None = None
    status: Status | None = None
    open_date: date | None = None
    funding_rate_pct: float | None = None
    max_amount_eur: float | None = None


@dataclass(frozen=True)
class _DateHit:
    day: date
    start: int
    end: int


def _make_date(year: int | None, month: int, day: int | None, reference: date | None) -> date | None:
    if not 1 <= month <= 12:
        return None
    if year is not None and year < 100:
        year += 2000
    if year is None:
        ref = reference or date.today()
        for candidate_year in (ref.year, ref.year + 1):
            found = _make_date(candidate_year, month, day, None)
            if found is not None and found >= ref:
                return found
        return None
    if not 1990 <= year <= 2100:
        return None
    if day is None:
        day = calendar.monthrange(year, month)[1]
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _hit_date(match: re.Match[str], reference: date | None) -> date | None:
    groups = match.groupdict()
    year = int(groups["year"]) if groups.get("year") else None
    if groups.get("mnum"):
        month = int(groups["mnum"])
    elif groups.get("month"):
        month = MONTHS[groups["month"].lower().rstrip(".")]
    else:  # "Ende 2026"
        month = 12
    day = int(groups["day"]) if groups.get("day") else None
    return _make_date(year, month, day, reference)


def _find_dates(text: str, reference: date | None) -> list[_DateHit]:
    hits: list[_DateHit] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:  # most specific first; later patterns skip covered spans
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            day = _hit_date(match, reference)
            if day is not None:
                hits.append(_DateHit(day, match.start(), match.end()))
                taken.append((match.start(), match.end()))
    return sorted(hits, key=lambda h: h.start)


def parse_german_date(text: str, reference: date | None = None) -> date | None:
    """The first date in ``text`` (German, English or ISO), or None."""
    hits = _find_dates(text[:_MAX_TEXT], reference)
    return hits[0].day if hits else None


def _clause_before(text: str, start: int, width: int = 90) -> str:
    window = text[max(0, start - width) : start]
    ends = list(_SENTENCE_END.finditer(window))
    return window[ends[-1].end() :] if ends else window


def _clause_after(text: str, start: int, width: int) -> str:
    window = text[start : start + width]
    stop = _SENTENCE_END.search(window)
    return window[: stop.start()] if stop else window


def _sentence_around(text: str, start: int, end: int) -> str:
    left = text[max(0, start - 160) : start]
    ends = list(_SENTENCE_END.finditer(left))
    left = left[ends[-1].end() :] if ends else left
    right = text[end : end + 120]
    stop = _SENTENCE_END.search(right)
    right = right[: stop.start() + 1] if stop else right
    return " ".join(f"{left}{text[start:end]}{right}".split())[:200]


def _classify(text: str, hit: _DateHit) -> str | None:
    before = _clause_before(text, hit.start)
    tail = before[-45:]
    if _IGNORE_CUE.search(tail):
        return None
    if _DATED_ACT.search(tail) and _LEGAL_ACT.search(_clause_before(text, hit.start, 300)):
        return None  # "Richtlinie zur Förderung von … vom 04.11.2024" dates a directive
    between = text[hit.end : hit.end + 12].lower()
    # "vom 1. Februar bis 31. März 2027": the first date opens, the second closes.
    opens = _OPEN_CUE.search(tail) and not _DEADLINE_CUE.search(tail[-12:])
    if opens and ("bis" in between or _OPEN_CUE.search(tail[-25:])):
        return "open"
    if _DEADLINE_CUE.search(before):
        return "deadline"
    return None


def _choose_deadline(candidates: list[_DateHit], reference: date) -> _DateHit | None:
    if not candidates:
        return None
    upcoming = [h for h in candidates if h.day >= reference]
    if upcoming:
        return min(upcoming, key=lambda h: h.day)
    return max(candidates, key=lambda h: h.day)


def _parse_number(raw: str, scale: str | None) -> float | None:
    raw = raw.replace(" ", "")
    has_scale = bool(scale)
    if "." in raw and "," in raw:
        decimal = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        raw = raw.replace(thousands, "").replace(decimal, ".")
    elif "," in raw:
        head, _, tail = raw.rpartition(",")
        raw = raw.replace(",", "") if len(tail) == 3 and not has_scale else f"{head.replace(',', '')}.{tail}"
    elif "." in raw:
        head, _, tail = raw.rpartition(".")
        raw = raw.replace(".", "") if len(tail) == 3 and not has_scale else f"{head.replace('.', '')}.{tail}"
    try:
        value = float(raw)
    except ValueError:
        return None
    factor = 1.0
    s = (scale or "").lower().rstrip(".")
    if s in ("mio", "millionen", "million"):
        factor = 1e6
    elif s in ("mrd", "milliarden", "billion"):
        factor = 1e9
    elif s in ("tsd", "tausend", "thousand", "k"):
        factor = 1e3
    return value * factor


def _extract_amount(text: str) -> float | None:
    limited: list[float] = []
    for pattern in _AMOUNT_PATTERNS:
        for match in pattern.finditer(text):
            value = _parse_number(match.group("num"), match.group("scale"))
            if value is None or value <= 0:
                continue
            before = _clause_before(text, match.start(), 70)
            if _BUDGET_CUE.search(before) or _AFTER_BUDGET.search(_clause_after(text, match.end(), 40)):
                continue
            near = text[max(0, match.start() - 50) : match.start()]  # abbreviations ("max.") end no clause here
            if _MAX_CUE.search(near) or re.search(r"\bor\b|\boder\b", near[-12:]):
                limited.append(value)
    return max(limited) if limited else None


def _extract_rate(text: str) -> float | None:
    rates: list[float] = []
    for match in _RATE.finditer(text):
        context = _clause_before(text, match.start(), 60) + _clause_after(text, match.start(), 40)
        if _NOT_A_RATE.search(context):
            continue
        value = float(match.group("rate").replace(",", "."))
        if 0 < value <= 100:
            rates.append(value)
    return max(rates) if rates else None


def extract_terms(text: str, reference: date | None = None) -> Terms:
    """Everything extractable from one call's text; fields stay None when the text does not say."""
    if not text:
        return Terms()
    text = text[:_MAX_TEXT]
    ref = reference or date.today()
    hits = _find_dates(text, ref)
    deadlines = [h for h in hits if _classify(text, h) == "deadline"]
    openings = [h for h in hits if _classify(text, h) == "open"]
    chosen = _choose_deadline(deadlines, ref)
    opening = min(openings, key=lambda h: h.day) if openings else None
    ongoing = _ONGOING.search(text)
    closed = _CLOSED.search(text)

    deadline = chosen.day if chosen else None
    if chosen:
        deadline_text = _sentence_around(text, chosen.start, chosen.end)
    elif ongoing:
        deadline_text = "laufend"
    elif closed:
        deadline_text = _sentence_around(text, closed.start(), closed.end())
    else:
        deadline_text = None

    status: Status | None
    if closed or (deadline is not None and deadline < ref):
        status = "closed"
    elif opening is not None and opening.day > ref:
        status = "upcoming"
    elif deadline is not None or ongoing:
        status = "open"
    else:
        status = None
    return Terms(
        deadline=deadline,
        deadline_text=deadline_text,
        status=status,
        open_date=opening.day if opening else None,
        funding_rate_pct=_extract_rate(text),
        max_amount_eur=_extract_amount(text),
    )
