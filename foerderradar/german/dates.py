"""The one reader of dates in German (and EU English, ISO) text.

Every spelling the portals use: "28.11.2024", "28.11.24", "30.09." (no year), "15. März 2026",
"1. Feb. 2027", "Maerz", "18 February 2027", "February 18, 2027", "3rd March 2027", "18/02/2027",
"2027-02-18T17:00", "Ende März 2027", "Mitte Juni 2027", "bis Ende Juni", "Ende 2026".

Decisions (documented because they change what users see):

- A month without a day means its last day ("bis März 2027" → 31.03.2027) when read as a deadline,
  its first day when read as an opening ("ab März 2027" → 01.03.2027). "Ende 2026" → 31.12.2026,
  "Anfang/Mitte März" → the 1st/15th; "Anfang/Mitte 2027" → January/June.
- A day without a year ("Stichtag 30.09.") is the next such day on or after the reference: a yearly
  cut-off date; so is a part of a month without a year ("bis Ende Juni", "Mitte März"). A month
  name alone ("im Juni") is not read without a year. Two-digit years are this century ("28.11.24").
- A year alone ("bis 2030") is not a date: it names strategy horizons far more often than deadlines.
- Years outside 1990–2100 and days that do not exist (31.02.) are no dates.
- Where readings overlap, the one that starts first and is longest wins ("1. März 2027" is one
  date, not "1." and "März 2027").

Which date of a text is the deadline is not decided here (see ``crawler/textextract.py`` and
``matcher/deadlines.py``). Every pattern is linear (no nested quantifiers); callers bound the text.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

MONTHS = {
    "januar": 1, "jan": 1, "january": 1, "jänner": 1, "jaenner": 1,
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
}  # fmt: skip
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")(?:\.|\b)"
_PART = r"(?P<part>anfang|beginn|mitte|ende|end of|early|mid)"
_PART_DAY = {"anfang": 1, "beginn": 1, "early": 1, "mitte": 15, "mid": 15}  # others ("Ende"): the last day
_YEAR_PART_MONTH = {"anfang": 1, "beginn": 1, "early": 1, "mitte": 6, "mid": 6}  # others ("Ende"): December

_DATE_PATTERNS = [
    # 2027-02-18, 2027-02-18T17:00
    re.compile(r"(?<![\d-])(?P<year>\d{4})-(?P<mnum>\d{1,2})-(?P<day>\d{1,2})(?!\d)"),
    # 28.11.2024, 28.11.24, 30.09.
    re.compile(r"(?<![\d.])(?P<day>\d{1,2})\.\s?(?P<mnum>\d{1,2})\.(?:\s?(?P<year>\d{4})|(?P<yy>\d{2}))?(?!\d)"),
    # 18/02/2027 (EU portals, day first)
    re.compile(r"(?<![\d/])(?P<day>\d{1,2})/(?P<mnum>\d{1,2})/(?P<year>\d{4})(?![\d/])"),
    # 15. März 2026, 1. Feb. 2027, 31. Dezember, 18 February 2027, 3rd March 2027
    re.compile(
        r"(?<!\d)(?P<day>\d{1,2})(?:\.|st|nd|rd|th)?\s{0,3}" + _MONTH + r"(?:\s{0,3}(?P<year>\d{4})(?!\d))?",
        re.IGNORECASE,
    ),
    # February 18, 2027
    re.compile(_MONTH + r"\s{1,3}(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s{1,3}(?P<year>\d{4})(?!\d)", re.IGNORECASE),
    # (Ende) März 2027: no day
    re.compile(r"\b(?:" + _PART + r"\s{1,3})?" + _MONTH + r"\s{0,3}(?P<year>\d{4})(?!\d)", re.IGNORECASE),
    # Ende 2026: a part of a year, never a bare year
    re.compile(r"\b" + _PART + r"\s{1,3}(?P<year>\d{4})(?!\d)", re.IGNORECASE),
    # bis Ende Juni: a part of a month without a year, the next one
    re.compile(r"\b" + _PART + r"\s{1,3}" + _MONTH + r"(?!\s{0,3}\d)", re.IGNORECASE),
]


@dataclass(frozen=True)
class DateHit:
    """One date in a text, with both readings and how much of it was written."""

    day: date  # the reading for a deadline: a month alone is its last day
    first: date  # the reading for an opening: a month alone is its first day
    start: int
    end: int
    has_year: bool  # False: a yearly date ("30.09."), placed on or after the reference
    has_day: bool = True  # False: a month or a part of a year ("März 2027", "Ende 2026")

    @property
    def complete(self) -> bool:
        """Day, month and year all written: a date that means the same whatever the reference."""
        return self.has_day and self.has_year


def valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:  # 31.02., 29.02. of a common year
        return None


def _next_yearly(month: int, day: int, reference: date) -> date | None:
    """A yearly date ("Stichtag 30.09.") on or after the reference; leap days may wait four years."""
    for year in range(reference.year, reference.year + 5):
        found = valid_date(year, month, day)
        if found is not None and found >= reference:
            return found
    return None


def _next_month_part(month: int, last_day: int | None, first_day: int, reference: date) -> tuple[date, date]:
    """ "Ende Juni" without a year: the next one whose deadline reading is on or after the reference."""

    def deadline(year: int) -> date:
        return date(year, month, last_day or calendar.monthrange(year, month)[1])

    year = reference.year if deadline(reference.year) >= reference else reference.year + 1
    return deadline(year), date(year, month, first_day)


def _month_and_days(groups: dict[str, str | None]) -> tuple[int, int | None, int]:
    """Month, day for a deadline (None: the month's last day) and day for an opening."""
    part = (groups.get("part") or "").lower()
    if groups.get("mnum"):
        month = int(groups["mnum"] or 0)
    elif groups.get("month"):
        month = MONTHS[(groups["month"] or "").lower().rstrip(".")]
    else:  # a part of a year: "Anfang 2027" → 1 January, "Mitte 2027" → June, "Ende 2027" → 31 December
        month = _YEAR_PART_MONTH.get(part, 12)
        return month, (1 if month == 1 else None), 1
    if groups.get("day"):
        day = int(groups["day"] or 0)
        return month, day, day
    part_day = _PART_DAY.get(part)
    return month, part_day, part_day or 1


def _year(groups: dict[str, str | None]) -> int | None:
    if groups.get("year"):
        return int(groups["year"] or 0)
    if groups.get("yy"):
        return 2000 + int(groups["yy"] or 0)  # "28.11.24"
    return None


def _hit_from_match(match: re.Match[str], reference: date) -> DateHit | None:
    groups = match.groupdict()
    month, last_day, first_day = _month_and_days(groups)
    year = _year(groups)
    if not 1 <= month <= 12 or (year is not None and not 1990 <= year <= 2100):
        return None
    if year is not None:
        day = valid_date(year, month, last_day or calendar.monthrange(year, month)[1])
        first = valid_date(year, month, first_day)
    elif groups.get("day"):
        day = first = _next_yearly(month, last_day or 0, reference)
    elif groups.get("month"):
        day, first = _next_month_part(month, last_day, first_day, reference)
    else:
        return None
    if day is None or first is None:
        return None
    return DateHit(day, first, match.start(), match.end(), has_year=year is not None, has_day=bool(groups.get("day")))


def find_dates(text: str, reference: date) -> list[DateHit]:
    """All dates, left to right; where readings overlap, the one that starts first and is longest wins.

    ``reference`` places the dates written without a year. The caller bounds the text.
    """
    candidates = [m for pattern in _DATE_PATTERNS for m in pattern.finditer(text)]
    candidates.sort(key=lambda m: (m.start(), -m.end()))
    hits: list[DateHit] = []
    taken_until = 0
    for match in candidates:
        if match.start() < taken_until:
            continue
        hit = _hit_from_match(match, reference)
        if hit is not None:
            hits.append(hit)
            taken_until = match.end()
    return hits


MAX_TEXT = 200_000  # characters read by parse_german_date: a date field or a call's first pages


def parse_german_date(text: str, reference: date | None = None) -> date | None:
    """The first date in ``text`` (German, English or ISO), or None; a month alone is its last day."""
    try:
        hits = find_dates(text[:MAX_TEXT], reference or date.today())
    except (TypeError, ValueError, OverflowError):  # defensive: a crawler must never die on a page
        return None
    return hits[0].day if hits else None


_DAY_GERMAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_DAY_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_day(text: str) -> date | None:
    """A day a person typed (``--as-of``, a form's date field): TT.MM.JJJJ or JJJJ-MM-TT, nothing
    else; None when neither or no such day (32.12.2026, 29.02.2026). Unlike :func:`parse_german_date`
    it reads no date out of prose: the whole input must be the date."""
    text = text.strip()
    if found := _DAY_GERMAN.fullmatch(text):
        return valid_date(int(found[3]), int(found[2]), int(found[1]))
    if found := _DAY_ISO.fullmatch(text):
        return valid_date(int(found[1]), int(found[2]), int(found[3]))
    return None


__all__ = ["MONTHS", "DateHit", "find_dates", "parse_day", "parse_german_date", "valid_date"]
