"""foerderradar.german: every form the former copies in crawler and matcher read, input → expected.

The tables cover what ``crawler/textextract.py`` (dates, amounts, rates, page status words),
``crawler/vocab.py`` and ``crawler/sections.py`` (folding, applicant names), ``matcher/text.py``
(folding, stemming), ``matcher/deadlines.py`` (deadline dates, closing sentences) and
``crawler/mapping.py`` (field numbers, status labels) read before they were moved here.
"""

from __future__ import annotations

import ast
import re
import sys
from datetime import date
from pathlib import Path

import pytest

import foerderradar.german
from foerderradar.german.applicants import applicants_in_text, mentioned_types
from foerderradar.german.dates import find_dates, parse_day, parse_german_date
from foerderradar.german.fold import cues, fold, spell_out
from foerderradar.german.numbers import AMOUNT_PATTERNS, PERCENT, amount_value, parse_number, percent_value
from foerderradar.german.status import (
    CLOSED,
    CLOSED_WEAK,
    CONDITION,
    ONGOING,
    ONGOING_WORDING,
    REVOCATION,
    STATUS_LABELS,
    UPCOMING,
    closing_words,
)
from foerderradar.german.stem import stem
from foerderradar.matcher.deadlines import parse_dates

REF = date(2026, 6, 15)

# -- folding ----------------------------------------------------------------------------------------

FOLD = [
    ("Förderung", "foerderung"),
    ("SCHULTRÄGER", "schultraeger"),
    ("Ärger Öl Übung", "aerger oel uebung"),
    ("Straße", "strasse"),
    ("GROẞ", "gross"),  # capital sharp s
    ("Minitraité", "minitraite"),  # other accents dropped
    ("ﬁnanzierung", "finanzierung"),  # ligature
    ("Online\u2010Dienste", "online-dienste"),  # Unicode hyphen
    ("E\u2011Akte", "e-akte"),  # non-breaking hyphen
    ("𝐀mt", "amt"),  # a compatibility capital still ends lower case
    ("İstanbul", "istanbul"),
    ("Kommunen … Kreise", "kommunen ... kreise"),
    ("a\u00a0b", "a b"),  # no-break space
    ("already ascii", "already ascii"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), FOLD)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected
    assert fold(expected) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Förderberechtigte", "Foerderberechtigte"),
    ("Weiterführende Links", "Weiterfuehrende Links"),
    ("ÄÖÜ äöü ß", "AeOeUe aeoeue ss"),
    ("Foerderart", "Foerderart"),
])  # fmt: skip
def test_spell_out_keeps_case(text: str, expected: str) -> None:
    assert spell_out(text) == expected


@pytest.mark.parametrize(("cue", "text", "found"), [
    ("märz", "31. März 2027", True),
    ("märz", "31. Maerz 2027", True),
    ("märz", "31. MAERZ 2027", True),
    ("ausgeschöpft", "Mittel ausgeschoepft", True),
    ("schulträger", "Schultraeger", True),
    ("schulträger", "Schultrager", False),
    (r"\bfrist\b", "Antragsfrist", False),
])  # fmt: skip
def test_cues_match_either_spelling_in_text_as_written(cue: str, text: str, found: bool) -> None:
    assert bool(cues(cue).search(text)) is found


# -- stemming ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("word", "expected"), [
    ("verwaltungen", "verwalt"), ("verwaltung", "verwalt"), ("verwalten", "verwalt"),
    ("oeffentlichen", "offent"), ("oeffentlich", "offent"),
    ("plaetze", "platz"), ("anschluesse", "anschluss"), ("anschluss", "anschluss"), ("ablaeufe", "ablauf"),
    ("digitalisierung", "digitalisier"), ("process", "process"), ("haus", "haus"), ("5g", "5g"),
])  # fmt: skip
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


# -- dates ------------------------------------------------------------------------------------------

DATES = [
    # numeric
    ("28.11.2024", date(2024, 11, 28)),
    ("28.11.24", date(2024, 11, 28)),
    ("1.3.2027", date(2027, 3, 1)),
    ("1. 3. 2027", date(2027, 3, 1)),
    ("30.09.", date(2026, 9, 30)),  # no year: the next one
    ("Stichtag 31.05.", date(2027, 5, 31)),
    ("29.02.", date(2028, 2, 29)),  # the next leap day
    ("2027-02-18", date(2027, 2, 18)),
    ("2027-02-18T17:00:00+01:00", date(2027, 2, 18)),
    ("18/02/2027", date(2027, 2, 18)),
    # month names, German
    ("31. März 2027", date(2027, 3, 31)),
    ("31. Maerz 2027", date(2027, 3, 31)),
    ("31. MÄRZ 2027", date(2027, 3, 31)),
    ("1. Feb. 2027", date(2027, 2, 1)),
    ("1. Jan 2027", date(2027, 1, 1)),
    ("3. Sept. 2027", date(2027, 9, 3)),
    ("3. Okt. 2027", date(2027, 10, 3)),
    ("15. Jänner 2027", date(2027, 1, 15)),
    ("15. Jaenner 2027", date(2027, 1, 15)),
    ("31. Dezember", date(2026, 12, 31)),
    # month names, English
    ("18 February 2027", date(2027, 2, 18)),
    ("3rd March 2027", date(2027, 3, 3)),
    ("February 18, 2027", date(2027, 2, 18)),
    ("March 5 2027", date(2027, 3, 5)),
    ("Mon, 23 Nov 2026 08:00:30 GMT", date(2026, 11, 23)),
    # a month or a part of one: the deadline reading
    ("bis März 2027", date(2027, 3, 31)),
    ("Ende März 2027", date(2027, 3, 31)),
    ("Mitte März 2027", date(2027, 3, 15)),
    ("Anfang März 2027", date(2027, 3, 1)),
    ("end of March 2027", date(2027, 3, 31)),
    ("mid March 2027", date(2027, 3, 15)),
    ("early March 2027", date(2027, 3, 1)),
    ("bis Ende Juni", date(2026, 6, 30)),  # no year: the next one
    ("Mitte März", date(2027, 3, 15)),
    ("Anfang Juni", date(2027, 6, 1)),  # 1 June 2026 has passed on REF
    # parts of a year
    ("Ende 2026", date(2026, 12, 31)),
    ("Mitte 2027", date(2027, 6, 30)),
    ("Anfang 2027", date(2027, 1, 1)),
    # no dates
    ("bis 2030", None),
    ("im Juni", None),
    ("31.02.2027", None),
    ("01.01.1970", None),
    ("Ende Juni 15", None),
    ("Nr. 123.12.2027", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_parse_german_date(text: str, expected: date | None) -> None:
    assert parse_german_date(text, REF) == expected


@pytest.mark.parametrize(("text", "deadline", "opening"), [
    ("März 2027", date(2027, 3, 31), date(2027, 3, 1)),
    ("Ende 2026", date(2026, 12, 31), date(2026, 12, 1)),
    ("Ende Juni", date(2026, 6, 30), date(2026, 6, 1)),
    ("Mitte März 2027", date(2027, 3, 15), date(2027, 3, 15)),
    ("1. März 2027", date(2027, 3, 1), date(2027, 3, 1)),  # one date, not "1." and "März 2027"
])  # fmt: skip
def test_a_month_reads_as_its_last_day_for_deadlines_and_first_day_for_openings(
    text: str, deadline: date, opening: date
) -> None:
    [hit] = find_dates(text, REF)
    assert (hit.day, hit.first) == (deadline, opening)


@pytest.mark.parametrize(("text", "dates"), [
    ("15.03.2027", [date(2027, 3, 15)]),
    ("Projektskizzen bis 1. März 2027", [date(2027, 3, 1)]),
    ("Projektskizzen bis 1. Maerz 2027", [date(2027, 3, 1)]),
    ("15. Jänner 2027", [date(2027, 1, 15)]),
    ("18 February 2027 17:00:00 Brussels time", [date(2027, 2, 18)]),
    ("March 5, 2027", [date(2027, 3, 5)]),
    ("2027-04-30", [date(2027, 4, 30)]),
    ("28.11.24", [date(2024, 11, 28)]),
    ("1. Stichtag 15.03.2027, 2. Stichtag 15.09.2027", [date(2027, 3, 15), date(2027, 9, 15)]),
    ("vom 01.02.2027 bis 31.03.2027", [date(2027, 3, 31)]),  # the start is skipped
    ("laufend seit 01.01.2024", []),
    ("ab 1. März 2027", []),
    ("Stichtag 30.09.", []),  # the matcher keeps complete dates only
    ("Ende März 2027", []),
    ("31.02.2027", []),
    ("laufend", []),
])  # fmt: skip
def test_deadline_wording_dates(text: str, dates: list[date]) -> None:
    assert parse_dates(text) == dates


# -- numbers ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "scale", "expected"), [
    ("1.500.000,00", None, 1_500_000.0),
    ("1.500.000", None, 1_500_000.0),
    ("1 500 000", None, 1_500_000.0),
    ("1\u00a0500\u00a0000", None, 1_500_000.0),
    ("1,500,000.50", None, 1_500_000.5),
    ("200.000", None, 200_000.0),
    ("1,500", None, 1_500.0),  # running text: three digits group thousands (English EU pages)
    ("1,500", "Mio.", 1_500_000.0),  # … unless a scale follows
    ("1,5", "Mio.", 1_500_000.0),
    ("1.5", None, 1.5),
    ("12,50", None, 12.5),
    ("2.500,-", None, 2_500.0),
    ("2.500,--", None, 2_500.0),
    ("250", "T", 250_000.0),
    ("30", "k", 30_000.0),
    ("5", "Tsd.", 5_000.0),
    ("5", "Tausend", 5_000.0),
    ("5", "Millionen", 5_000_000.0),
    ("2", "Mrd.", 2e9),
    ("3", "Milliarden", 3e9),
])  # fmt: skip
def test_amount_value(raw: str, scale: str | None, expected: float) -> None:
    assert amount_value(raw, scale) == expected


@pytest.mark.parametrize(("text", "num", "scale"), [
    ("bis zu 1,5 Mio. Euro", "1,5", "Mio."),
    ("höchstens 1.500.000,00 €", "1.500.000,00", None),
    ("EUR 250.000", "250.000", None),
    ("EUR 1,5 Mio.", "1,5", "Mio."),
    ("250 T€", "250", "T"),
    ("30k€", "30", "k"),
    ("2.500,- EUR", "2.500", None),
])  # fmt: skip
def test_amounts_in_running_text(text: str, num: str, scale: str | None) -> None:
    match = next(m for pattern in AMOUNT_PATTERNS if (m := pattern.search(text)))
    assert (match.group("num").rstrip(",-"), match.group("scale")) == (num, scale)


@pytest.mark.parametrize(("text", "expected"), [
    ("50 %", 50.0), ("50%", 50.0), ("12,5 Prozent", 12.5), ("50 v. H.", 50.0), ("50 v.H.", 50.0),
    ("80 vom Hundert", 80.0), ("50 per cent", 50.0), ("50 percent", 50.0), ("Jahr 2050", None), ("1.000 %", None),
])  # fmt: skip
def test_percentages(text: str, expected: float | None) -> None:
    match = PERCENT.search(text)
    assert (percent_value(match.group("rate")) if match else None) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("1.250.000,50 €", 1_250_000.5),
    ("1,5 Mio.", 1_500_000.0),
    ("80 %", 80.0),
    ("200000", 200_000.0),
    ("200.000", 200_000.0),
    ("1,500", 1.5),  # a field: one comma is a German decimal comma
    ("1.5", 1.5),
    ("1'000", 1_000.0),
    ("1’000", 1_000.0),
    ("1,500,000", 1_500_000.0),
    ("2 Mrd", 2e9),
    ("3 Milliarden", 3e9),
    ("5 Tsd.", 5_000.0),
    ("30k", 30_000.0),
    ("bis zu 90 %, mindestens 10 %", 90.0),
    ("keine Angabe", None),
    ("1.599,99.50", None),
])  # fmt: skip
def test_parse_number_of_a_field(text: str, expected: float | None) -> None:
    assert parse_number(text) == expected


# -- applicants -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("section", "codes"), [
    ("Kreise und kreisfreie Städte in NRW", ["landkreis"]),
    ("kreisfreie Städte", ["landkreis"]),
    ("Unternehmen in ausschließlich öffentlicher Trägerschaft", ["oeffentliche_einrichtung"]),
    ("kommunale Unternehmen", ["oeffentliche_einrichtung"]),
    ("Kommunen und kommunale Zweckverbände", ["kommune", "zweckverband"]),
    ("Gebietskörperschaften", ["kommune", "landkreis"]),
    ("Städte und Gemeinden", ["kommune"]),
    ("Landkreise", ["landkreis"]),
    ("Schulträger", ["schultraeger"]),
    ("Fachhochschulen und Universitäten", ["hochschule"]),
    ("Forschungseinrichtungen", ["forschung"]),
    ("öffentliche Einrichtungen, Bildungseinrichtungen", ["oeffentliche_einrichtung"]),
    ("Körperschaften und Anstalten des öffentlichen Rechts", ["oeffentliche_einrichtung"]),
    ("kleine und mittlere Unternehmen (KMU)", ["kmu"]),
    ("Existenzgründerinnen und Existenzgründer", ["unternehmen"]),
    ("Vereine, Verbände und Stiftungen", ["verein"]),
    ("Privatpersonen", ["privatperson"]),
    ("Unternehmen in Kommunen", ["unternehmen"]),  # a place, not an applicant
    ("Kommunen sind nicht antragsberechtigt.", []),
    ("Schultraeger", ["schultraeger"]),
])  # fmt: skip
def test_names_in_an_applicant_section(section: str, codes: list[str]) -> None:
    assert applicants_in_text(section) == codes


@pytest.mark.parametrize(("sentence", "types"), [
    ("antragsberechtigt sind kommunen, staedte und gemeinden", {"kommune"}),
    ("kreisfreie staedte", {"kommune"}),
    ("local and regional authorities", {"kommune", "landkreis"}),  # "regional authorities" too
    ("landkreise und counties", {"landkreis"}),
    ("zweckverbaende", {"zweckverband"}),
    ("school authorities", {"schultraeger"}),
    ("oeffentliche einrichtungen", {"oeffentliche_einrichtung"}),
    ("public bodies", {"oeffentliche_einrichtung"}),
    ("freiberufler und start-ups", {"unternehmen"}),
    ("kleine und mittlere unternehmen", {"kmu", "unternehmen"}),
    ("smes", {"kmu"}),
    ("stiftungen und ngos", {"verein"}),
    ("universities", {"hochschule"}),
    ("research organisations", {"forschung"}),
    ("natuerliche personen", {"privatperson"}),
    ("leistungen fuer kommunen", set()),  # a beneficiary
    # the owner or operator of the applicant is not an applicant
    ("antragsberechtigt sind volkshochschulen in traegerschaft der landkreise und kreisfreien staedte", set()),
    ("einrichtungen, die von gemeinden betrieben werden, oder getragen von zweckverbaenden", set()),
    ("antragsberechtigt sind traeger der jugendhilfe und kommunen", {"kommune"}),  # "Träger der" alone: no owner
])  # fmt: skip
def test_types_a_sentence_mentions(sentence: str, types: set[str]) -> None:
    assert mentioned_types(sentence) == types


# -- status wording ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "text", "found"), [
    (ONGOING, "laufend", True), (ONGOING, "fortlaufend", True), (ONGOING, "jederzeit", True),
    (ONGOING, "ganzjährig", True), (ONGOING, "ganzjaehrig", True), (ONGOING, "ohne Antragsfrist", True),
    (ONGOING, "keine Einreichungsfrist", True), (ONGOING, "continuously", True), (ONGOING, "rolling basis", True),
    (ONGOING, "open-ended", True), (ONGOING, "permanently open", True), (ONGOING, "ständig", True),
    (ONGOING, "die laufende Förderperiode", False),
    (CLOSED, "Antragstellung nicht mehr möglich", True), (CLOSED, "Mittel ausgeschoepft", True),
    (CLOSED, "ausgelaufen", True), (CLOSED, "abgelaufen", True), (CLOSED, "verstrichen", True),
    (CLOSED, "keine neuen Anträge mehr", True), (CLOSED, "Antragsstopp", True), (CLOSED, "Annahmestopp", True),
    (CLOSED, "no longer accepting", True), (CLOSED, "exhausted", True), (CLOSED, "Förderaufruf (beendet)", True),
    (CLOSED, "beendet", False),
    (CLOSED_WEAK, "beendet", True), (CLOSED_WEAK, "geschlossen", True), (CLOSED_WEAK, "eingestellt", True),
    (CLOSED_WEAK, "ausgesetzt", True), (CLOSED_WEAK, "closed", True), (CLOSED_WEAK, "abgeschlossen", False),
    (CONDITION, "bis die Mittel", True), (CONDITION, "solange", True), (CONDITION, "sobald", True),
    (CONDITION, "as long as", True), (CONDITION, "bis 31.03.", False),
    (REVOCATION, "kann jederzeit widerrufen werden", True), (REVOCATION, "Einwilligung", True),
    (UPCOMING, "noch nicht freigeschaltet", True), (UPCOMING, "in Vorbereitung", True),
    (UPCOMING, "forthcoming", True),
])  # fmt: skip
def test_page_status_words(pattern: re.Pattern[str], text: str, found: bool) -> None:
    assert bool(pattern.search(text)) is found


@pytest.mark.parametrize(("text", "words"), [
    ("Mittel ausgeschöpft", "mittel ausgeschoepft"),
    ("Die Restmittel sind inzwischen vollständig vergeben.", "restmittel sind inzwischen vollstaendig vergeben"),
    ("Eine Antragstellung ist nicht mehr möglich.", "antragstellung ist nicht mehr moeglich"),
    ("Es werden keine neuen Anträge mehr angenommen.", "keine neuen antraege mehr"),
    ("Derzeit ist keine Antragstellung möglich.", "derzeit ist keine antragstellung moeglich"),
    ("Die Antragsfrist ist abgelaufen.", "antragsfrist ist abgelaufen"),
    ("Der Förderaufruf ist beendet.", "foerderaufruf ist beendet"),
    ("The call is now closed.", "call is now closed"),
    ("Funds have been fully allocated.", "funds have been fully allocated"),
    ("Laufend, bis die Fondsmittel ausgeschöpft sind.", None),  # a condition
    ("Sobald die Mittel ausgeschöpft sind, ist keine Antragstellung mehr möglich.", None),
    ("Die Mittel werden anteilig vergeben.", None),
    ("Die Veranstaltung ist beendet.", None),  # a bare "beendet" is about something else
])  # fmt: skip
def test_closing_words(text: str, words: str | None) -> None:
    assert closing_words(fold(text)) == words


@pytest.mark.parametrize(("wording", "ongoing"), [
    ("laufend", True), ("jederzeit", True), ("ganzjährig", True), ("ohne Frist", True), ("keine Antragsfrist", True),
    ("bis auf Weiteres", True), ("ongoing", True), ("rolling", True), ("no deadline", True), ("31.03.2027", False),
])  # fmt: skip
def test_deadline_wording_that_runs(wording: str, ongoing: bool) -> None:
    assert bool(ONGOING_WORDING.search(fold(wording))) is ongoing


@pytest.mark.parametrize(("label", "status"), [
    ("offen", "open"), ("laufend", "open"), ("ongoing", "open"), ("geplant", "upcoming"), ("demnächst", "upcoming"),
    ("forthcoming", "upcoming"), ("geschlossen", "closed"), ("abgelaufen", "closed"), ("beendet", "closed"),
    ("expired", "closed"),
])  # fmt: skip
def test_status_labels(label: str, status: str) -> None:
    assert STATUS_LABELS[label] == status


# -- the layer --------------------------------------------------------------------------------------

PACKAGE = Path(foerderradar.german.__file__).parent


@pytest.mark.parametrize("module", sorted(p.name for p in PACKAGE.glob("*.py")))
def test_the_package_imports_only_the_standard_library_and_the_model(module: str) -> None:
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    outside = [
        name for name in imported
        if name.split(".")[0] not in sys.stdlib_module_names
        and name not in ("foerderradar.model",) and not name.startswith("foerderradar.german")
    ]  # fmt: skip
    assert outside == []


# What a person types as a day (--as-of, the search form's "Frist bis"): the whole input, two forms.
DAYS_TYPED = [
    ("01.12.2026", date(2026, 12, 1)), ("1.2.2027", date(2027, 2, 1)), (" 2026-12-01 ", date(2026, 12, 1)),
    ("29.02.2028", date(2028, 2, 29)),
    ("29.02.2026", None), ("32.12.2026", None), ("2026-13-01", None), ("1.12.26", None), ("12/01/2026", None),
    ("am 01.12.2026", None), ("morgen", None), ("", None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), DAYS_TYPED)
def test_parse_day_reads_a_typed_day_and_nothing_else(text: str, expected: date | None) -> None:
    assert parse_day(text) == expected
