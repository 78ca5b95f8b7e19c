"""German/English deadline, status, rate and amount extraction: a table of phrasings → expected."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foerderradar.crawler.textextract import extract_terms, parse_german_date

REF = date(2026, 11, 25)

DATES = [
    ("28.11.2024", date(2024, 11, 28)),
    ("28.11.24", date(2024, 11, 28)),
    ("1. März 2026", date(2026, 3, 1)),
    ("15.03.2026", date(2026, 3, 15)),
    ("Freitag, 15. März 2026", date(2026, 3, 15)),
    ("15. Jan. 2026", date(2026, 1, 15)),
    ("3. Sept. 2027", date(2027, 9, 3)),
    ("30. Maerz 2027", date(2027, 3, 30)),
    ("31. Dezember", date(2026, 12, 31)),
    ("30.09.", date(2027, 9, 30)),  # no year: the next 30 September on or after the reference
    ("1. Dezember", date(2026, 12, 1)),
    ("18 February 2027", date(2027, 2, 18)),
    ("February 18, 2027", date(2027, 2, 18)),
    ("2027-02-18", date(2027, 2, 18)),
    ("März 2027", date(2027, 3, 31)),  # month only: its last day
    ("Juni 2027", date(2027, 6, 30)),
    ("Ende 2026", date(2026, 12, 31)),
    ("31.02.2026", None),  # impossible date: ignored
    ("kein Datum", None),
    ("Version 3.5.1", None),
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_parse_german_date(text: str, expected: date | None) -> None:
    assert parse_german_date(text, REF) == expected


# (text, deadline, status, open_date)
DEADLINES = [
    ("Die Frist zur Einreichung von Projektskizzen endete am 28.11.2024.", date(2024, 11, 28), "closed", None),
    ("Anträge können bis zum 15. März 2027 gestellt werden.", date(2027, 3, 15), "open", None),
    ("Anträge konnten bis zum 15. März 2026 gestellt werden.", date(2026, 3, 15), "closed", None),
    ("Antragsfrist: 30.06.2027", date(2027, 6, 30), "open", None),
    ("Stichtag 30.09.", date(2027, 9, 30), "open", None),
    ("Einreichungsfrist ist der 1. Oktober 2027.", date(2027, 10, 1), "open", None),
    ("Projektskizzen sind bis spätestens 31.01.2027 einzureichen.", date(2027, 1, 31), "open", None),
    ("Deadline: 5 March 2027 12:00:00 Brussels time", date(2027, 3, 5), "open", None),
    ("Bewerbungsschluss ist der 12. Februar 2027.", date(2027, 2, 12), "open", None),
    ("Anträge sind bis Ende März 2027 beim Projektträger einzureichen.", date(2027, 3, 31), "open", None),
    ("Anträge können laufend gestellt werden.", None, "open", None),
    ("Eine Antragstellung ist jederzeit möglich.", None, "open", None),
    ("Förderprogramm aktiv, Antragsstellung nicht mehr möglich", None, "closed", None),
    ("Die Mittel sind ausgeschöpft.", None, "closed", None),
    ("Das Programm ist ausgelaufen.", None, "closed", None),
    ("Die Mittel sind ausgeschöpft. Anträge bis 31.12.2027.", date(2027, 12, 31), "closed", None),
    ("Der Förderaufruf startet am 1. Februar 2027.", None, "upcoming", date(2027, 2, 1)),
    ("Anträge ab dem 1. Februar 2027.", None, "upcoming", date(2027, 2, 1)),
    ("Anträge können vom 1. Februar bis 31. März 2027 gestellt werden.", date(2027, 3, 31), "upcoming",
     date(2027, 2, 1)),
    ("Richtlinie vom 12. Januar 2023. Anträge bis 30.04.2027.", date(2027, 4, 30), "open", None),
    ("Die Richtlinie tritt am 31.12.2027 außer Kraft.", None, None, None),
    ("Laufzeit der Richtlinie bis 31.12.2028.", None, None, None),
    ("Stand: 01.10.2026", None, None, None),
    ("1. Stichtag 31.03.2026, 2. Stichtag 30.09.2027", date(2027, 9, 30), "open", None),
    ("Stichtage: 31.01.2027 und 31.07.2027", date(2027, 1, 31), "open", None),
    ("Stichtage waren der 31.01.2026 und 31.07.2026.", date(2026, 7, 31), "closed", None),
    ("Wir fördern Glasfaser in weißen Flecken.", None, None, None),
]


@pytest.mark.parametrize(("text", "deadline", "status", "opens"), DEADLINES)
def test_deadlines_and_status(text: str, deadline: date | None, status: str | None, opens: date | None) -> None:
    terms = extract_terms(text, REF)
    assert (terms.deadline, terms.status, terms.open_date) == (deadline, status, opens)
    if deadline is not None:
        assert terms.deadline_text and len(terms.deadline_text) <= 200


RATES = [
    ("bis zu 90 Prozent der zuwendungsfähigen Ausgaben", 90.0),
    ("Förderquote 75 %", 75.0),
    ("Förderquote von 50 v. H.", 50.0),
    ("Fördersatz 40–60 %", 60.0),
    ("zwischen 50 und 70 Prozent", 70.0),
    ("Zuschüsse bis 50% der Ausgaben, bis 80% für Kommunen. Zinssatz 3,5 %", 80.0),
    ("Der Eigenanteil beträgt 10 %.", None),
    ("Zinssatz ab 1,25 % p. a.", None),
    ("up to 100% of eligible costs", 100.0),
    ("Förderung 100 Prozent", 100.0),
    ("keine Angabe", None),
]


@pytest.mark.parametrize(("text", "rate"), RATES)
def test_funding_rate(text: str, rate: float | None) -> None:
    assert extract_terms(text, REF).funding_rate_pct == rate


AMOUNTS = [
    ("maximal jedoch EUR 200.000", 200_000.0),
    ("bis zu 200.000 Euro", 200_000.0),
    ("höchstens 1,5 Mio. Euro", 1_500_000.0),
    ("bis zu 2 Millionen Euro je Projekt", 2_000_000.0),
    ("Höchstbetrag: 50.000 €", 50_000.0),
    ("maximal € 15.000", 15_000.0),
    ("bis zu EUR 1.000.000", 1_000_000.0),
    ("max. 10 Tsd. EUR", 10_000.0),
    ("lump sum of EUR 30,000 or EUR 60,000", 60_000.0),
    ("up to EUR 2.5 million", 2_500_000.0),
    ("Für das Programm stehen insgesamt 50 Mio. Euro zur Verfügung.", None),
    ("Fördervolumen: 300 Mio. Euro. Der Zuschuss beträgt bis zu 100.000 Euro.", 100_000.0),
    ("höchstens 1,5 Mio. Euro; Fördervolumen insgesamt 50 Mio. Euro", 1_500_000.0),
    ("Die Gebühr beträgt 25 Euro.", None),
]


@pytest.mark.parametrize(("text", "amount"), AMOUNTS)
def test_max_amount(text: str, amount: float | None) -> None:
    assert extract_terms(text, REF).max_amount_eur == amount


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_never_raises_and_stays_in_range(text: str) -> None:
    terms = extract_terms(text, REF)
    parse_german_date(text, REF)
    assert terms.funding_rate_pct is None or 0 < terms.funding_rate_pct <= 100
    assert terms.max_amount_eur is None or terms.max_amount_eur > 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["bis", "zum", "31.", "12.", "2027", "Frist", "%", "Euro", "1.000", " ", "\n", "vom"]),
                max_size=60))
def test_never_raises_on_near_miss_phrases(parts: list[str]) -> None:
    terms = extract_terms(" ".join(parts), REF)
    assert terms.deadline is None or date(1990, 1, 1) <= terms.deadline <= date(2100, 12, 31)


def test_a_megabyte_of_noise_is_handled() -> None:
    text = "1.1. 2. bis 3 % EUR 4 " * 50_000 + "Antragsfrist: 30.06.2027"
    terms = extract_terms(text, REF)  # the examined prefix holds no deadline cue + valid date pair
    assert terms.funding_rate_pct is None or terms.funding_rate_pct <= 100


def test_recorded_status_line(captures: Path) -> None:
    """The recorded Förderdatenbank page whose programme no longer takes applications."""
    from bs4 import BeautifulSoup

    html = (captures / "foerderdatenbank" / "detail_3.html").read_text(encoding="utf-8")
    text = BeautifulSoup(html, "lxml").get_text(" ")
    terms = extract_terms(text, REF)
    assert terms.status == "closed"
    assert terms.deadline == date(2024, 11, 28)


DIRECTIVE_DATES = [
    "Richtlinie zur Förderung von Unternehmerinnen in der Vorgründungsphase im Rahmen des Programms "
    "„Gründungen aus der Wissenschaft“ vom 04.11.2024",
    "Gesetz über Maßnahmen zur Förderung des Films vom: 23.12.2024",
    "Ausgeschlossen sind Vorhaben, die bereits begonnen wurden.",  # "geschlossen" inside a word
    "Es ist eine laufende Provision zu entrichten.",  # "laufende" is not "laufend"
]


@pytest.mark.parametrize("text", DIRECTIVE_DATES)
def test_directive_dates_and_lookalike_words_are_ignored(text: str) -> None:
    terms = extract_terms(text, REF)
    assert (terms.open_date, terms.deadline, terms.status) == (None, None, None)
