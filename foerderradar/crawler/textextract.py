"""Deadline, status, rate and amount from German (and English) free text.

Most portals have no structured fields for these: the Förderdatenbank writes "Die Frist zur
Einreichung von Projektskizzen endete am 28.11.2024", NRW.BANK "Zuschüsse bis 80 % …". The
extractor finds every date, percentage and euro amount (read by :mod:`foerderradar.german.dates`
and :mod:`foerderradar.german.numbers`), and decides from the few words around each one what it is.
The words nearest to a value win ("Anträge ab sofort, spätestens bis 31.03.2027": the date is a
deadline, not an opening).

Decisions (documented because they change what users see):

Dates (how each spelling reads: :mod:`foerderradar.german.dates`)
- A month without a day is its last day for a deadline, its first day for an opening.
- In a range ("vom 1. Februar bis 31. März 2027") the start borrows the end's year.
- Not application deadlines, hence ignored: dates of documents ("Richtlinie vom …", "Stand: …",
  "veröffentlicht am …"), of a directive's validity ("tritt … außer Kraft", "gilt bis", "befristet
  bis", "Laufzeit"), and of the projects ("Durchführungszeitraum", "müssen bis … abgeschlossen sein").
- Several deadlines (rounds, stages): the next one on or after ``reference``; if all have passed, the
  latest one, so the call reads as closed with its last date. Openings are chosen the same way.

Status (the words: :mod:`foerderradar.german.status`)
- A future opening date → "upcoming" (a new round announced after the money ran out counts too).
- Explicit closing words ("Antragstellung nicht mehr möglich", "Mittel ausgeschöpft") → "closed", even
  with a future deadline: the money is gone before the date. "bis die Mittel ausgeschöpft sind" is a
  condition, not a closing.
- A past deadline → "closed"; a coming deadline or "laufend"/"jederzeit" → "open". Otherwise None:
  the text does not say (an opening in the past alone does not prove the call is still open).
- "laufend", "jederzeit" … count only in a sentence about applications: cookie banners also say
  "jederzeit". ``deadline_text`` is then the normalised "laufend".

Rates and amounts
- Rate: the highest funding rate named (portals list "bis 50 %, für Kommunen bis 80 %"), preferring
  percentages that a funding word points at; interest rates, own contributions and minimums
  ("Einsparung von mindestens 20 %") are not funding rates.
- Amount: the highest per-project amount a limit word points at (maximal, bis zu, höchstens,
  Höchstbetrag, up to, Pauschale); exceptions ("in Ausnahmefällen bis 2,5 Mio. EUR") only when no
  regular limit is named; without any limit, the highest plain amount. Programme budgets
  ("stehen insgesamt 50 Mio. Euro zur Verfügung"), turnover limits, fees, minimums and per-unit
  amounts ("pro Einwohner", "p. a.") are not per-project amounts.

The module is longer than most (~550 lines) because deadline, status, rate and amount share one
clause and context machinery; the German words and value readers themselves live in
:mod:`foerderradar.german`.

Only the first ``_MAX_TEXT`` characters and ``_MAX_VALUES`` dates/rates/amounts of each kind are
read, every regex is linear (no nested quantifiers) and every context window is bounded, so a
megabyte of garbage costs well under a second.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from itertools import islice
from typing import Any, Literal

from foerderradar.german.dates import DateHit, find_dates, valid_date
from foerderradar.german.fold import cues
from foerderradar.german.numbers import AMOUNT_PATTERNS, PERCENT, amount_value, percent_value
from foerderradar.german.status import (
    APPLICATION_WORD,
    CLOSED,
    CLOSED_WEAK,
    CONDITION,
    ONGOING,
    REVOCATION,
    UPCOMING,
)
from foerderradar.model import Status

_MAX_TEXT = 200_000  # characters examined: deadlines and rates sit in the first pages of any call
_MAX_VALUES = 1_000  # dates, rates or amounts examined each: a real call names a few dozen at most
_OWN_WINDOW = 80  # characters before a value that may explain it
_AFTER_WINDOW = 80  # characters after a date that may explain it (German puts the verb last)
_AMOUNT_AFTER_WINDOW = 40  # after a rate or amount only the next words matter ("je Vorhaben", "p. a.")
_SNIPPET_MAX = 200


# ---------------------------------------------------------------------------------------------
# Clauses: a value is explained by words in its own clause only
# ---------------------------------------------------------------------------------------------

_BOUNDARY = re.compile(r"\n|[!?;](?=\s|\Z)|\.(?=\s|\Z)")
_ABBREVIATIONS = frozenset({
    "max", "min", "ca", "bzw", "nr", "abs", "inkl", "zzgl", "ggf", "evtl", "gem", "vgl", "usw", "etc", "mio", "mrd",
    "tsd", "str", "dr", "prof", "art", "ziff", "bspw", "sog", "ff", "lit", "tel", "fax", "jan", "feb", "mär", "apr",
    "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dez", "dec", "oct", "mrz",
})  # fmt: skip


def _is_boundary(text: str, pos: int, semicolons: bool = True) -> bool:
    """A full stop ends a clause unless it closes an ordinal ("1. Februar") or an abbreviation ("max.").

    A line break after a label ("Antragsfrist:⏎30.06.2027") does not: label and value belong together.
    """
    if text[pos] == "\n":
        return text[max(0, pos - 20) : pos].rstrip()[-1:] != ":"
    if text[pos] == ";":
        return semicolons
    if text[pos] != ".":
        return True
    start = pos
    while start > 0 and pos - start < 12 and text[start - 1].isalnum():
        start -= 1
    token = text[start:pos]
    if token.isdigit():
        return len(token) > 2
    return len(token) != 1 and token.lower() not in _ABBREVIATIONS


class _Clauses:
    """Clause boundaries of one text, found once so that every lookup is a binary search.

    With ``semicolons=False`` the units are whole sentences, which read better as ``deadline_text``.
    """

    def __init__(self, text: str, semicolons: bool = True) -> None:
        self._marks = [m.start() for m in _BOUNDARY.finditer(text) if _is_boundary(text, m.start(), semicolons)]
        self._length = len(text)

    def start(self, pos: int) -> int:
        i = bisect_left(self._marks, pos) - 1  # last boundary before pos
        return self._marks[i] + 1 if i >= 0 else 0

    def end(self, pos: int) -> int:
        i = bisect_left(self._marks, pos)  # first boundary at or after pos
        return self._marks[i] if i < len(self._marks) else self._length


@dataclass(frozen=True)
class _Context:
    own: str  # before the value, back to the clause start or the previous value of the same kind
    after: str  # after the value, up to the clause end
    clause_before: str  # before the value, back to the clause start


def _context(
    text: str, clauses: _Clauses, start: int, end: int, previous_end: int, after_window: int = _AFTER_WINDOW
) -> _Context:
    clause_start = max(clauses.start(start), start - 2 * _OWN_WINDOW)
    own_start = max(clause_start, previous_end, start - _OWN_WINDOW)
    after_end = min(clauses.end(end), end + after_window)
    return _Context(text[own_start:start], text[end:after_end], text[clause_start:start])


def _last(pattern: re.Pattern[str], text: str) -> int:
    """Start of the last match, -1 if none: the cue nearest to the value is the one that explains it."""
    position = -1
    for match in pattern.finditer(text):
        position = match.start()
    return position


# ---------------------------------------------------------------------------------------------
# Deadlines, openings and status
# ---------------------------------------------------------------------------------------------

_CLOSING_DAY = r"(?:antrags|einsende|bewerbungs|einreichungs|abgabe|annahme|melde|teilnahme)schluss"
_FRIST = r"(?<!be)(?<!kurz)(?<!lang)(?<!mittel)frist"  # not "befristet", "langfristig"
_STRONG_DEADLINE = cues(
    _FRIST, r"stichtag", r"einzureichen", r"einreichung", r"eingereicht", _CLOSING_DAY, r"abgabetermin",
    r"spätestens", r"vorzulegen", r"vorgelegt", r"eingegangen", r"eingehen", r"letzter termin", r"deadline",
    r"closing date", r"cut-?off", r"submission", r"submitted", r"einsendung",
)  # fmt: skip
_WEAK_DEADLINE = cues(r"\bbis\b", r"\buntil\b", r"\bendet(?:e|en)?\b", r"\bends\b", r"\bended\b", r"\bdue\b")
_OPENING = cues(
    r"\bab\b", r"\bstartet", r"\bstartete", r"\bbeginnt", r"\bbeginn\b", r"frühestens", r"öffnet", r"\bfrom\b",
    r"\bopening\b", r"\bopens\b", r"\bstarts\b",
)  # fmt: skip
_OPENING_AFTER = cues(r"\bstartet", r"gestartet", r"\bbeginnt", r"eröffnet", r"geöffnet", r"\bopens\b")
_DEADLINE_AFTER = cues(
    r"einzureichen", r"eingereicht", r"vorzulegen", r"eingegangen", r"\bstichtag", _CLOSING_DAY, r"\bfrist\b",
    r"gestellt werden", r"zu stellen",
)  # fmt: skip
_PROJECT_PERIOD = r"(?:durchführungs|bewilligungs|förder|projekt|umsetzungs|maßnahmen|realisierungs)zeitraum"
_VALIDITY_BEFORE = cues(
    r"laufzeit", r"kraft", r"gültig", r"\bgilt\b", r"geltungsdauer", r"befristet", r"\bstand\b", r"veröffentlicht",
    r"publiziert", r"aktualisiert", r"geändert", r"fassung", _PROJECT_PERIOD, r"umzusetzen", r"abzuschließen",
    r"fertigzustellen", r"verwendungsnachweis", r"mittelabruf", r"abzurufen", r"bewilligung erfolgt",
    r"auszahlung", r"published", r"valid until", r"expires", r"\bduration\b",
)  # fmt: skip
_VALIDITY_AFTER = cues(
    r"außer kraft", r"in kraft", r"abgeschlossen", r"umgesetzt", r"fertiggestellt", r"beendet sein",
    r"veröffentlicht", r"published", r"in force", r"\bbefristet\b", r"\bgültig\b",
)  # fmt: skip
_DOCUMENT_DATE = re.compile(r"\b(?:vom|von|dated|datiert)\s{0,3}:?\s{0,3}(?:den\s)?\s{0,3}\Z", re.IGNORECASE)
_RANGE_LINK = re.compile(r"\s{0,3}(?:bis(?: zum)?|–|-|—|to|until|till)\s{0,3}", re.IGNORECASE)
_RANGE_CUE = cues(
    r"\bvom\b", r"\bvon\b", r"zwischen", r"\bfrom\b", r"antrag", r"einreich", r"zeitraum", r"fenster", r"window",
    r"period", r"frist", r"aufruf", r"call", r"bewerbung",
)  # fmt: skip
_LIST_LINK = re.compile(
    r"\s{0,3}(?:,|und|and|sowie|oder|or|bzw\.?|/|&)?\s{0,3}(?:(?:der|den|die|am|the)\s{1,3})?\Z", re.IGNORECASE
)

_Role = Literal["deadline", "open", "ignore"]


def _role(context: _Context) -> _Role | None:
    """What a date is, from the words nearest to it (the cue closest to the date wins)."""
    own, after = context.own, context.after
    if _DOCUMENT_DATE.search(own) or _VALIDITY_AFTER.search(after):
        return "ignore"  # "Richtlinie vom 12.01.2023", "tritt am 31.12.2027 außer Kraft"
    strong = _last(_STRONG_DEADLINE, own)
    if _last(_VALIDITY_BEFORE, own) > strong:
        return "ignore"  # "Laufzeit bis", "gilt bis" — unless a deadline word follows ("…, Frist: …")
    deadline = max(strong, _last(_WEAK_DEADLINE, own))
    if _last(_OPENING, own) > deadline:
        return "open"
    if deadline >= 0:
        return "deadline"
    if _OPENING_AFTER.search(after):
        return "open"
    if _DEADLINE_AFTER.search(after):
        return "deadline"
    return None


def _is_range(text: str, first: DateHit, second: DateHit) -> bool:
    return _RANGE_LINK.fullmatch(text, first.end, second.start) is not None


def _range_roles(context: _Context) -> tuple[_Role, _Role] | None:
    """An application window "vom 1. Februar bis 31. März 2027" opens and closes; a Laufzeit does neither."""
    if _VALIDITY_BEFORE.search(context.own) and not _STRONG_DEADLINE.search(context.own):
        return ("ignore", "ignore")
    if _RANGE_CUE.search(context.clause_before):
        return ("open", "deadline")
    return None


def _borrow_year(start: DateHit, end: DateHit) -> DateHit:
    """ "vom 1. Februar bis 31. März 2027": the start has the end's year (or the one before)."""
    if start.has_year or not end.has_year:
        return start
    for year in (end.day.year, end.day.year - 1):
        moved = valid_date(year, start.day.month, start.day.day)
        if moved is not None and moved <= end.day:
            return replace(start, day=moved, first=moved, has_year=True)
    return start


def _classify_dates(text: str, clauses: _Clauses, hits: list[DateHit]) -> list[tuple[DateHit, _Role | None]]:
    result: list[tuple[DateHit, _Role | None]] = []
    i = 0
    while i < len(hits):
        hit = hits[i]
        previous_end = result[-1][0].end if result else 0
        context = _context(text, clauses, hit.start, hit.end, previous_end)
        if i + 1 < len(hits) and _is_range(text, hit, hits[i + 1]):
            roles = _range_roles(context)
            if roles is not None:
                result.append((_borrow_year(hit, hits[i + 1]), roles[0]))
                result.append((hits[i + 1], roles[1]))
                i += 2
                continue
        role = _role(context)
        previous = result[-1] if result else None
        same_clause = previous is not None and previous[0].end >= clauses.start(hit.start)
        if role is None and previous and same_clause and _LIST_LINK.fullmatch(text, previous[0].end, hit.start):
            role = previous[1]  # "Stichtage: 31.01.2027 und 31.07.2027"
        if role is None and _STRONG_DEADLINE.search(context.clause_before):
            role = "deadline"  # "Stichtag für Anträge nach der Richtlinie vom … ist der 30.06.2027"
        result.append((hit, role))
        i += 1
    return result


def _pick(days: Iterable[DateHit], reference: date, opening: bool = False) -> DateHit | None:
    """The next date on or after the reference; if all have passed, the latest."""
    candidates = list(days)
    if not candidates:
        return None

    def reading(hit: DateHit) -> date:
        return hit.first if opening else hit.day

    coming = [h for h in candidates if reading(h) >= reference]
    if coming:
        return min(coming, key=reading)
    return max(candidates, key=reading)


def _qualified(
    pattern: re.Pattern[str],
    text: str,
    clauses: _Clauses,
    *,
    needs_application_word: bool,
    veto_before: re.Pattern[str] | None = None,
    veto_in_clause: re.Pattern[str] | None = None,
) -> re.Match[str] | None:
    """The first cue that speaks about applications and is not vetoed by its clause.

    Vetoes: a condition before a closing word ("bis die Mittel ausgeschöpft sind"), a revocation
    around "jederzeit" ("kann jederzeit widerrufen werden").
    """
    for match in islice(pattern.finditer(text), _MAX_VALUES):
        clause_start = clauses.start(match.start())
        clause = text[max(clause_start, match.start() - 160) : min(clauses.end(match.end()), match.end() + 160)]
        before = text[max(clause_start, match.start() - 40) : match.start()]
        if (veto_before and veto_before.search(before)) or (veto_in_clause and veto_in_clause.search(clause)):
            continue
        alone = len(clause.strip()) <= len(match.group()) + 3  # a field value: "laufend"
        if not needs_application_word or alone or APPLICATION_WORD.search(clause):
            return match
    return None


def _first_of(*found: re.Match[str] | None) -> re.Match[str] | None:
    return next((m for m in found if m is not None), None)


def _shorten(snippet: str) -> str:
    snippet = " ".join(snippet.split()).strip(" ,:-–")
    if len(snippet) <= _SNIPPET_MAX:
        return snippet
    cut = snippet.rfind(" ", 0, _SNIPPET_MAX)
    return snippet[: cut if cut > 0 else _SNIPPET_MAX]


_CUT_DATE = re.compile(r"(?:\s+(?:bis|zum|am|vom|ab|und|oder))*\s+\d{1,2}\.?$")  # "… oder bis zum 30."


def _snippet(text: str, sentences: _Clauses, start: int, end: int) -> str:
    """The portal's own sentence around a value: whole when it fits, else a window around the value
    that uses the length budget (more after the value where the text before is short), cut at words
    and marked "…" where it was cut, never ending in half a date ("bis zum 30." of "30. September")."""
    sentence_start, sentence_end = sentences.start(start), min(sentences.end(end) + 1, len(text))
    if len(" ".join(text[sentence_start:sentence_end].split())) <= _SNIPPET_MAX:
        return _shorten(text[sentence_start:sentence_end])
    budget = max(_SNIPPET_MAX - 4 - (end - start), 0)  # room for the two "…"
    before = min(start - sentence_start, budget // 2)
    after = min(sentence_end - end, budget - before)
    before = min(start - sentence_start, budget - after)  # what the text after did not need
    left, right = start - before, end + after
    piece = text[left:right]
    cut_left = left > sentence_start and " " in text[left:start]
    cut_right = right < sentence_end and " " in text[end:right]
    if cut_left:
        piece = piece[piece.index(" ") :]
    if cut_right:
        piece = _CUT_DATE.sub("", piece[: piece.rindex(" ")])
    piece = _shorten(piece)
    return f"{'… ' if cut_left else ''}{piece}{' …' if cut_right else ''}"


# ---------------------------------------------------------------------------------------------
# Funding rate
# ---------------------------------------------------------------------------------------------

_RATE_CUE = cues(
    r"förderquote", r"fördersatz", r"förderhöchstsatz", r"förderanteil", r"zuschuss", r"zuschüsse",
    r"zuwendung", r"förderung", r"gefördert", r"förderfähig", r"zuwendungsfähig", r"finanziert",
    r"übernimmt", r"übernommen", r"erstattet", r"bezuschusst", r"anteilfinanzierung", r"\bkosten\b",
    r"\bausgaben\b", r"eligible", r"funding rate", r"\bfunded\b", r"reimburs", r"\bgrant", r"co-financ",
    r"\bbis zu\b", r"\bup to\b",
)  # fmt: skip
_NOT_RATE = cues(
    r"zins", r"eigenanteil", r"eigenmittel", r"eigenbeteiligung", r"eigenleistung", r"tilgung", r"gebühr",
    r"provision", r"mehrwertsteuer", r"mwst", r"umsatzsteuer", r"disagio", r"interest", r"own contribution",
    r"kapital", r"stimmrecht", r"mindestens", r"at least", r"minimum", r"einspar", r"reduktion", r"senkung",
    r"rabatt", r"skonto", r"inflation", r"wachstum", r"steigerung",
)  # fmt: skip
_NOT_RATE_AFTER = cues(
    r"p\.\s?a\.", r"per annum", r"zins", r"interest", r"gezeichnet", r"kapital", r"einspar", r"co2", r"eigenanteil",
)  # fmt: skip


def _extract_rate(text: str, clauses: _Clauses) -> float | None:
    cued: list[float] = []
    plain: list[float] = []
    previous_end = 0
    for match in islice(PERCENT.finditer(text), _MAX_VALUES):
        context = _context(text, clauses, match.start(), match.end(), previous_end, _AMOUNT_AFTER_WINDOW)
        previous_end = match.end()
        next_words = context.after.split(",", 1)[0][:25]  # "3,5 % p. a." — not the next item of a list
        if _NOT_RATE.search(context.own) or _NOT_RATE_AFTER.search(next_words):
            continue
        value = percent_value(match.group("rate"))
        if not 0 < value <= 100:
            continue
        has_cue = _RATE_CUE.search(context.clause_before[-_OWN_WINDOW:]) or _RATE_CUE.search(context.after)
        (cued if has_cue else plain).append(value)
    if cued:
        return max(cued)
    return max(plain) if plain else None


# ---------------------------------------------------------------------------------------------
# Maximum amount
# ---------------------------------------------------------------------------------------------

_STRONG_MAX = cues(
    r"maximal", r"\bmax\b", r"höchst", r"obergrenze", r"begrenzt", r"gedeckelt", r"\bmaximum\b", r"at most",
    r"capped", r"ceiling", r"pauschal", r"festbetrag", r"lump sum", r"flat rate",
)  # fmt: skip
_WEAK_MAX = cues(r"\bbis\b", r"\bup to\b")
_MAX_AFTER = cues(r"nicht übersteigen", r"nicht überschreiten", r"\bmaximal\b", r"\bhöchstens\b", r"\bmaximum\b")
_NOT_AMOUNT = cues(
    r"gebühr", r"entgelt", r"umsatz", r"bilanzsumme", r"turnover", r"balance sheet", r"mindest", r"minimum",
    r"at least", r"\bab\b", r"\büber\b", r"more than", r"mehr als", r"bagatell", r"eigenanteil", r"eigenmittel",
    r"eigenbeteiligung", r"investitionsvolumen", r"gesamtkosten", r"projektkosten", r"investitionskosten",
    r"gesamtausgaben", r"projektvolumen", r"stammkapital", r"schwellenwert", r"threshold", r"minimis",
    # programme budgets
    r"volumen", r"budget", r"insgesamt", r"haushaltsmittel", r"mittel in höhe", r"\btotal\b", r"overall",
    r"\bstehen\b", r"stellt", r"bereitgestellt",
)  # fmt: skip
_NOT_AMOUNT_AFTER = cues(
    r"zur verfügung", r"bereitgestellt", r"bereit\b", r"\bavailable\b", r"p\.\s?a\.", r"pro jahr", r"per year",
    r"per annum", r"jährlich", r"(?:pro|je|per) (?:einwohner|kopf|stunde|tag|monat|m²|m2|qm|km|meter|teilnehm|"
    r"platz|anschluss|hour|day|month|inhabitant|person)",
)  # fmt: skip
_EXCEPTION = cues(
    r"ausnahme", r"ausnahmsweise", r"einzelfällen", r"einzelfall", r"exceptional", r"by way of derogation",
)  # fmt: skip
_PER_PROJECT = cues(
    r"(?:je|pro|per) (?:vorhaben|projekt|project|antrag|kommune|zuwendungsempfänger|unternehmen|beneficiary|"
    r"applicant|maßnahme|einzelprojekt)",
)  # fmt: skip


_AmountKind = Literal["max", "exception", "plain"]
_AMOUNT_TIERS: tuple[_AmountKind, ...] = ("max", "exception", "plain")  # the first tier with values wins


def _amount_kind(context: _Context) -> _AmountKind | None:
    own, after = context.own, context.after
    per_project = _PER_PROJECT.search(after)
    if _NOT_AMOUNT_AFTER.search(after) and not per_project:
        return None
    strong = _last(_STRONG_MAX, own)
    if _last(_NOT_AMOUNT, own) > strong and not per_project:
        return None  # "Jahresumsatz bis zu 50 Mio. EUR" — but "der Gesamtkosten, maximal 100.000 EUR" counts
    if _EXCEPTION.search(own):
        return "exception"  # "(in Ausnahmefällen bis 2,5 Mio. EUR)" does not replace the regular maximum
    if strong >= 0 or _WEAK_MAX.search(own) or _MAX_AFTER.search(after):
        return "max"
    return "plain"


def _extract_amount(text: str, clauses: _Clauses) -> float | None:
    matches = sorted((m for p in AMOUNT_PATTERNS for m in p.finditer(text)), key=lambda m: (m.start(), -m.end()))
    found: dict[_AmountKind, list[float]] = {kind: [] for kind in _AMOUNT_TIERS}
    previous: tuple[int, _AmountKind | None] = (0, None)  # end and kind of the previous amount
    for match in matches[: 2 * _MAX_VALUES]:  # each amount may be read by both patterns
        if match.start() < previous[0]:
            continue  # the same amount read by the other pattern
        value = amount_value(match.group("num"), match.group("scale"))
        context = _context(text, clauses, match.start(), match.end(), previous[0], _AMOUNT_AFTER_WINDOW)
        kind = _amount_kind(context)
        if kind == "plain" and previous[1] == "max" and _LIST_LINK.fullmatch(context.own):
            kind = "max"  # "lump sum of EUR 30,000 or EUR 60,000"
        previous = (match.end(), kind)
        if value is None or value <= 0 or kind is None:
            continue
        found[kind].append(value)
    return next((max(found[kind]) for kind in _AMOUNT_TIERS if found[kind]), None)


# ---------------------------------------------------------------------------------------------
# Putting it together
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    deadline: date | None = None
    deadline_text: str | None = None
    status: Status | None = None
    open_date: date | None = None
    funding_rate_pct: float | None = None
    max_amount_eur: float | None = None

    def fields(self) -> dict[str, Any]:
        """The call fields these terms fill, dates as ISO strings (as a spider yields them)."""
        return {
            "open_date": self.open_date.isoformat() if self.open_date else None,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_text": self.deadline_text,
            "status": self.status,
            "funding_rate_pct": self.funding_rate_pct,
            "max_amount_eur": self.max_amount_eur,
        }


def _status(
    deadline: date | None, opening: date | None, closed: bool, upcoming: bool, ongoing: bool, reference: date
) -> Status | None:
    if opening is not None and opening > reference:
        return "upcoming"
    if closed or (deadline is not None and deadline < reference):
        return "closed"
    if upcoming:
        return "upcoming"
    if deadline is not None or ongoing:
        return "open"
    return None


def _extract(text: str, reference: date) -> Terms:
    text = text[:_MAX_TEXT].replace("\u00ad", "")  # soft hyphens split "Antrags­frist"
    clauses = _Clauses(text)
    roles = _classify_dates(text, clauses, find_dates(text, reference)[:_MAX_VALUES])
    chosen = _pick((h for h, r in roles if r == "deadline"), reference)
    opening = _pick((h for h, r in roles if r == "open"), reference, opening=True)
    closed = _first_of(
        _qualified(CLOSED, text, clauses, needs_application_word=False, veto_before=CONDITION),
        _qualified(CLOSED_WEAK, text, clauses, needs_application_word=True, veto_before=CONDITION),
    )
    ongoing = _qualified(ONGOING, text, clauses, needs_application_word=True, veto_in_clause=REVOCATION)
    upcoming = _qualified(UPCOMING, text, clauses, needs_application_word=True)

    if chosen is not None:
        deadline_text: str | None = _snippet(text, _Clauses(text, semicolons=False), chosen.start, chosen.end)
    elif ongoing is not None:
        deadline_text = "laufend"
    elif closed is not None:
        deadline_text = _snippet(text, _Clauses(text, semicolons=False), closed.start(), closed.end())
    else:
        deadline_text = None

    deadline = chosen.day if chosen else None
    open_date = opening.first if opening else None
    return Terms(
        deadline=deadline,
        deadline_text=deadline_text or None,
        status=_status(deadline, open_date, closed is not None, upcoming is not None, ongoing is not None, reference),
        open_date=open_date,
        funding_rate_pct=_extract_rate(text, clauses),
        max_amount_eur=_extract_amount(text, clauses),
    )


def extract_terms(text: str, reference: date | None = None) -> Terms:
    """Everything extractable from one call's text; fields stay None when the text does not say.

    Never raises: one odd page must not stop a crawl, so an unexpected failure yields empty Terms.
    """
    if not text or not isinstance(text, str):
        return Terms()
    try:
        return _extract(text, reference or date.today())
    except (ValueError, OverflowError, IndexError, KeyError):  # pragma: no cover - defensive
        return Terms()


# parse_german_date: only until crawler/mapping.py imports it from foerderradar.german.dates (issue 11).
__all__ = ["Terms", "extract_terms"]
