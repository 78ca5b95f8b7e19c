"""The German question headings of NRW pages ("Wer wird gefördert?" …) read into call fields.

Tables of invented lines and texts, then every recorded NRW text excerpt in
../shared/captures/nrw-text/ (third-party, read in place, never copied) with what it must yield.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from foerderradar.crawler.sections import heading_of, read_sections, split_sections
from foerderradar.german.applicants import applicants_in_text

TODAY = date(2026, 11, 25)

HEADINGS = [
    # (line, expected (topic, past) or None for an ordinary line)
    ("Wer wird gefördert?", ("applicants", False)),
    ("Wer war antragsberechtigt?", ("applicants", True)),
    ("Wer ist antragsberechtigt?", ("applicants", False)),
    ("Wer kann einen Antrag stellen?", ("applicants", False)),
    ("Antragsberechtigte", ("applicants", False)),
    ("Antragsberechtigt sind:", ("applicants", False)),
    ("Fördernehmer:", ("applicants", False)),
    ("Förderberechtigte:", ("applicants", False)),
    ("Was wird gefördert?", ("purpose", False)),
    ("Was wurde gefördert?", ("purpose", True)),
    ("Welche Vorhaben werden gefördert?", ("purpose", False)),
    ("Verwendungszweck", ("purpose", False)),
    ("Wie viel Förderung gibt es?", ("terms", False)),
    ("Wie sind die Konditionen?", ("terms", False)),
    ("Wie hoch ist die Förderung?", ("terms", False)),
    ("Wie hoch war die Förderung?", ("terms", True)),
    ("In welcher Höhe wird gefördert?", ("terms", False)),
    ("Konditionen", ("terms", False)),
    ("Wo ist der Antrag zu stellen?", ("where", False)),
    ("Wo sind die Anträge einzureichen?", ("where", False)),
    ("Wann ist der Antrag zu stellen?", ("when", False)),
    ("Bis wann kann ich den Antrag stellen?", ("when", False)),
    ("Antragsfrist:", ("when", False)),
    ("Welche Rechtsgrundlage besteht?", ("legal", False)),
    ("Rechtsgrundlage", ("legal", False)),
    ("Welche Voraussetzungen gelten?", ("other", False)),  # a question that ends the section before it
    ("Wer berät mich?", ("other", False)),
    ("Fördergeber:", ("other", False)),
    ("• Wer wird gefördert?", ("applicants", False)),  # a bullet from rendered text
    ("WER WIRD GEFOERDERT?", ("applicants", False)),  # capitals, umlaut spelt out
    # ordinary lines
    ("Kreise und kreisfreie Städte in NRW", None),
    ("Sie planen ein Projekt?", None),  # a question, but no question word
    ("Die Modellregionen der einzelnen Regierungsbezirke sind:", None),  # introduces a list
    ("Die Rechtsgrundlage ist die Richtlinie vom 26. Juni 2022.", None),  # a sentence, not a label
    ("Kommunen", None),
    ("Was wird gefördert? " + "Sehr lange Zeile " * 10, None),  # too long for a heading
]


@pytest.mark.parametrize(("line", "expected"), HEADINGS)
def test_heading_of(line: str, expected: tuple[str, bool] | None) -> None:
    heading = heading_of(line)
    assert (None if heading is None else (heading.topic, heading.past)) == expected


def test_split_sections_keeps_intro_and_order() -> None:
    text = (
        "Gigabitkoordination\nDas Land fördert Koordinierungsstellen.\n"
        "Wer wird gefördert?\nKreise\n"
        "Welche Voraussetzungen gelten?\nEin Konzept liegt vor.\n"
        "Wie hoch ist die Förderung?\n• Bis zu 100 %\n• höchstens 90.000 Euro\n"
    )
    sections = split_sections(text)
    assert sections.intro == "Gigabitkoordination\nDas Land fördert Koordinierungsstellen."
    assert sections.topics() == ["applicants", "other", "terms"]
    assert sections.text("applicants") == "Kreise"  # the "other" heading ends it
    assert sections.text("terms") == "Bis zu 100 %\nhöchstens 90.000 Euro"  # bullets removed
    assert sections.text("when") == ""


APPLICANTS = [
    # (text of an applicant section, expected codes in the order named)
    ("Kreise und kreisfreie Städte in NRW", ["landkreis"]),  # Kreis-level authorities only
    ("Kommunen\nLandkreise\nBegünstigte sind die Betreiber von Breitbandnetzen.", ["kommune", "landkreis"]),
    ("Gemeinden und Städte", ["kommune"]),
    ("Kommunen und kommunale Zweckverbände", ["kommune", "zweckverband"]),
    ("kommunale Unternehmen", ["oeffentliche_einrichtung"]),  # not "unternehmen"
    ("Ein Unternehmen in ausschließlich öffentlicher Trägerschaft", ["oeffentliche_einrichtung"]),
    ("Gebietskörperschaften", ["kommune", "landkreis"]),
    ("Schulträger von Schulen in öffentlicher Trägerschaft", ["schultraeger"]),
    ("Schultraeger", ["schultraeger"]),  # umlaut spelt out
    ("Hochschulen und außeruniversitäre Forschungseinrichtungen", ["hochschule", "forschung"]),
    ("Kleine und mittlere Unternehmen (KMU)", ["kmu"]),
    ("Wohnungsunternehmen und Privatpersonen", ["unternehmen", "privatperson"]),
    ("Verbände, Vereine und gemeinnützige Organisationen", ["verein"]),
    ("Unternehmen in Kommunen des ländlichen Raums", ["unternehmen"]),  # "in Kommunen" is a place
    ("Antragsberechtigt sind Unternehmen. Kommunen sind nicht antragsberechtigt.", ["unternehmen"]),
    ("Ausgenommen sind Kreise.\nGemeinden", ["kommune"]),
    ("Einrichtungen zur Wirtschaftsförderung", []),  # no entry: left to the matcher and the reader
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), APPLICANTS)
def test_applicants_in_text(text: str, expected: list[str]) -> None:
    assert applicants_in_text(text) == expected


READINGS = [
    # (page text, field, expected)
    ("Wer wird gefördert?\nGemeinden\nWie hoch ist die Förderung?\nBis zu 80 %", "applicants", ["kommune"]),
    ("Intro mit Kommunen.\nWas wird gefördert?\nWLAN", "applicants", None),  # no section: unknown, not []
    ("Was wird gefördert?\nWLAN in Schulen\nDigitale Tafeln", "summary", "WLAN in Schulen\nDigitale Tafeln"),
    ("Gemeinden erhalten Zuschüsse.", "summary", None),
    # the rate under the terms heading wins over the federal share the introduction names
    ("Der Bund trägt 50 % der Kosten.\nWie sind die Konditionen?\nDer Fördersatz beträgt 30 %.", "funding_rate_pct",
     30.0),
    ("Zuschüsse bis 60 % der Ausgaben.\nWer wird gefördert?\nKommunen", "funding_rate_pct", 60.0),  # else whole text
    ("Wie viel Förderung gibt es?\nHöchstens 150.000 Euro je Vorhaben.", "max_amount_eur", 150_000.0),
    # under "Wann …" the heading is the cue: a bare date is the deadline
    ("Wann ist der Antrag zu stellen?\n30.09.2027", "deadline", date(2027, 9, 30)),
    ("Wann ist der Antrag zu stellen?\n30.09.2027", "deadline_text", "30.09.2027"),
    ("Wann ist der Antrag zu stellen?\n30.09.2027", "status", "open"),
    ("Wann ist der Antrag zu stellen?\nVor Maßnahmenbeginn.", "deadline", None),
    ("Wann ist der Antrag zu stellen?\nAnträge können jederzeit gestellt werden.", "deadline_text", "laufend"),
    # a closing by words elsewhere still closes the call
    ("Die Mittel sind ausgeschöpft, eine Antragstellung ist nicht mehr möglich.\n"
     "Wann ist der Antrag zu stellen?\nBis zum 31.12.2027.", "status", "closed"),
    # past-tense headings mark an ended programme when the text says nothing else
    ("Wer war antragsberechtigt?\nKommunen\nWas wurde gefördert?\nWLAN", "status", "closed"),
    ("Wer war antragsberechtigt?\nKommunen\nWas wird gefördert?\nWLAN", "status", None),  # mixed tenses
    ("Wer war antragsberechtigt?\nKommunen", "status", None),  # one heading is not enough
]  # fmt: skip


@pytest.mark.parametrize(("text", "name", "expected"), READINGS)
def test_read_sections(text: str, name: str, expected: object) -> None:
    reading = read_sections(text, TODAY)
    value = getattr(reading, name) if name in ("applicants", "summary") else getattr(reading.terms, name)
    assert value == expected


def test_summary_is_cut_at_a_line() -> None:
    lines = [f"Vorhaben Nummer {i} mit einer etwas längeren Beschreibung der Maßnahme" for i in range(20)]
    reading = read_sections("Was wird gefördert?\n" + "\n".join(lines), TODAY)
    assert reading.summary is not None and len(reading.summary) <= 500
    assert reading.summary.splitlines() == lines[: len(reading.summary.splitlines())]


# -- every recorded NRW text excerpt ----------------------------------------------------------------

ANY = object()  # not asserted: what the whole text yields there is textextract's business, not the headings'

CAPTURES = {
    # file: (topics of the headings, applicants, rate, amount, deadline, status)
    "bezreg_arnsberg_foerderung_partial_1.txt": (
        ["applicants", "purpose", "terms", "where", "when", "legal"], ["landkreis"], 100.0, 210_000.0, None, None,
    ),
    "bezreg_koeln_digitalpakt_partial_1.txt": (
        ["applicants", "purpose", "terms"], ["schultraeger"], 90.0, None, date(2022, 7, 31), "closed",
    ),
    "bezreg_muenster_foerderung_partial_1.txt": (
        ["applicants", "purpose"], ["kommune", "landkreis", "zweckverband", "oeffentliche_einrichtung"],
        None, None, None, None,
    ),
    "foerderdatenbank_detail_text_partial_nrw_1.txt": (
        ["other", "other", "other", "applicants", "other", "other", "other"],
        ["oeffentliche_einrichtung", "unternehmen", "forschung", "hochschule", "kommune", "verein"],
        90.0, 200_000.0, None, None,
    ),
    # an overview of several calls, one of them "(beendet)": see the Gigabit entries in config/portals.yaml
    "gigabit_projekttraeger_partial_1.txt": ([], None, None, None, None, "closed"),
    "gigabitnrw_news_partial_1.txt": ([], None, None, None, date(2018, 6, 1), "closed"),
    "nrwbank_foerderlotse_detail_partial_1.txt": (
        ["applicants", "other", "other", "other", "other", "applicants", "applicants", "purpose"],
        ["unternehmen", "kommune", "oeffentliche_einrichtung", "verein", "zweckverband", "hochschule", "forschung"],
        None, None, None, None,
    ),
    "nrwbank_foerderprodukt_partial_1.txt": (["applicants"], ["kommune", "landkreis"], ANY, None, None, None),
    "nrwbank_foerderprodukt_partial_2.txt": (
        ["applicants", "purpose"],
        ["kommune", "zweckverband", "oeffentliche_einrichtung", "unternehmen", "hochschule", "forschung", "verein"],
        ANY, None, None, None,
    ),
}  # fmt: skip


def test_every_capture_has_expectations(captures: Path) -> None:
    assert sorted(p.name for p in (captures / "nrw-text").glob("*.txt")) == sorted(CAPTURES)


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_nrw_capture(captures: Path, name: str) -> None:
    topics, applicants, rate, amount, deadline, status = CAPTURES[name]
    reading = read_sections((captures / "nrw-text" / name).read_text(encoding="utf-8"), TODAY)
    got = (
        reading.sections.topics(), reading.applicants, reading.terms.funding_rate_pct, reading.terms.max_amount_eur,
        reading.terms.deadline, reading.terms.status,
    )  # fmt: skip
    expected = (topics, applicants, rate, amount, deadline, status)
    assert [g for g, e in zip(got, expected, strict=True) if e is not ANY] == [e for e in expected if e is not ANY]


def test_koeln_capture_reads_as_ended_and_closed_by_words(captures: Path) -> None:
    text = (captures / "nrw-text" / "bezreg_koeln_digitalpakt_partial_1.txt").read_text(encoding="utf-8")
    reading = read_sections(text, TODAY)
    assert reading.sections.ended  # "Wer war …", "Was wurde …", "Wie hoch war …"
    assert reading.terms.deadline_text == "Die Antragstellung endete nach einer Fristverlängerung zum 31.07.2022."
    # the directive's end ("tritt zum 31.12.2025 außer Kraft") is not the deadline
    assert reading.terms.deadline == date(2022, 7, 31)
