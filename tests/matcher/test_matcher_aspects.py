"""A measure's core and frame (matcher/aspects.py), and words that must not meet (issue 15, part 2).

Tables of input → expected; the end-to-end cases run the real matcher on calls written here.
"""

from __future__ import annotations

from datetime import date

import pytest

from foerderradar.matcher import match_calls
from foerderradar.matcher.aspects import DIGITAL_FRAME_SHARE, digital_words, open_text
from foerderradar.matcher.relevance import Index, score
from foerderradar.matcher.text import Analyzer
from foerderradar.model import FundingCall
from foerderradar.profile import City, Measure, MeasuresFile

AS_OF = date(2026, 12, 1)


@pytest.mark.parametrize(("description", "kept"), [
    ("Neue Fahrzeuge und der Umbau des Gerätehauses sind bereits finanziert; es fehlt die Technik.",
     "es fehlt die Technik."),
    ("Wir brauchen Tablets. Das WLAN ist schon vorhanden. Dazu Schulungen.", "Wir brauchen Tablets. Dazu Schulungen."),
    ("Die Server wurden bereits 2025 beschafft. Es fehlt ein Notfallhandbuch.", "Es fehlt ein Notfallhandbuch."),
    ("Geplant ist ein Geoportal mit digitalem Stadtplan.", "Geplant ist ein Geoportal mit digitalem Stadtplan."),
    # "bereits" alone reports nothing done
    ("Bereits heute arbeiten wir mit dem Kreis zusammen; gemeinsam wollen wir eine App.",
     "Bereits heute arbeiten wir mit dem Kreis zusammen; gemeinsam wollen wir eine App."),
])
def test_what_is_already_done_is_not_asked_for(description: str, kept: str) -> None:
    assert open_text(description) == kept


@pytest.mark.parametrize(("text", "named", "qualified"), [
    ("Funknetz und Sensoren für Daten aus dem Stadtgebiet", {"Funknetz", "Sensoren", "Daten"}, set()),
    ("eine Alarmierungs-App und Tablets für die Feuerwehr", {"Alarmierungs-App", "Tablets"}, set()),
    ("eine digitale Einsatzdokumentation und digital ansteuerbare Sirenen", set(), {"Einsatzdokumentation", "Sirenen"}),
    ("Ausleihe von E-Books und ein IT-Notfallhandbuch", {"E-Books", "IT-Notfallhandbuch"}, set()),
    ("Winterdienst, Bauhof und Parkplätze am Bahnhof", set(), set()),
    ("Funktionen, Apparate und Einwohnerinnen", set(), set()),  # no "Funk", no "App"
])
def test_core_words_of_a_measure(text: str, named: set[str], qualified: set[str]) -> None:
    found_named, found_qualified = digital_words().core_words(text)
    assert set(found_named) == named and found_qualified == qualified


def test_a_digital_compound_points_at_its_object() -> None:
    named, _ = digital_words().core_words("Ein Digitalisierungsfahrplan und Digitalfunkgeräte")
    assert named == {"Digitalisierungsfahrplan": "fahrplan", "Digitalfunkgeräte": "funkgeraete"}


@pytest.mark.parametrize(("text", "digital"), [
    ("Förderung kommunaler Stadt-Apps", True), ("IT-Sicherheit in Kommunen", True),
    ("Open Data für kleine Kommunen", True), ("Emissionsarme Fahrzeuge für Bauhof und Winterdienst", False),
    ("Interkommunale Gewerbeflächen – gemeinsame Erschließung", False), ("Funktionsgebäude für Sportvereine", False),
    ("Forschung zu Künstlicher Intelligenz", True),  # a phrase of a digital thesaurus group, inflected
])
def test_a_call_is_a_digitalisation_programme_by_its_own_words(text: str, digital: bool) -> None:
    as_title = call("t", text, "Zuschüsse.")
    as_summary = call("s", "Förderprogramm", text)
    as_description = call("d", "Förderprogramm", "Zuschüsse.").model_copy(update={"description": text})
    index = Index([as_title, as_summary, as_description], [MEASURE])
    assert index.digital.tolist() == [digital, digital, False]  # the description does not count


# Words that must not meet: a shared stem or a compound part made them one term before.
@pytest.mark.parametrize(("a", "b"), [
    ("Schulungen", "Schule"), ("Funktionen", "Funknetz"), ("Einwohnerinnen", "Innenstadt"),
    ("Markierung", "Märkisch-Oderland"), ("Umsetzungsstrategie", "Digitalisierungsstrategie"),
    ("Landesbehörde", "Stadtverwaltung"), ("Bewilligungsbehörde", "Rathaus"), ("Kreisvolkshochschule", "Grundschule"),
    ("Hochschulen", "Schulen"), ("Brandenburg", "Brandschutz"), ("Landschaft", "Gesellschaft"),
])
def test_different_words_are_different_terms(a: str, b: str) -> None:
    analyzer = Analyzer([f"{a} {b} Funk Innen Mark Strategie Schaft Brand Burg Gesell"])
    terms_a, terms_b = analyzer.word_terms(a), analyzer.word_terms(b)
    assert not set(terms_a) & set(terms_b), (terms_a, terms_b)


@pytest.mark.parametrize(("a", "b"), [
    ("Glasfaseranbindung", "Glasfaser"), ("Verwaltungen", "Verwaltung"), ("Schulträgern", "Schulträger"),
    ("Sensornetze", "Sensoren"), ("Digitalisierungsstrategie", "Digitalstrategien"), ("Grundschulen", "Schule"),
])
def test_the_same_word_in_other_shapes_still_meets(a: str, b: str) -> None:
    analyzer = Analyzer([f"{a} {b}"])
    assert set(analyzer.word_terms(a)) & set(analyzer.word_terms(b))


MEASURE = Measure(
    id="sensornetz", title="Funknetz und Sensoren für Daten aus dem Stadtgebiet",
    description="Ein LoRaWAN-Funknetz mit Sensoren für Wasserstände, damit der Bauhof den Winterdienst gezielter "
                "einsetzen kann. Neue Streufahrzeuge sind bereits finanziert.",
)
CITY = City(name="Musterstadt", region="DE-BB", applicant_types=["kommune"])


def call(source_id: str, title: str, summary: str) -> FundingCall:
    return FundingCall(source="other", source_id=source_id, url=f"https://example.org/{source_id}", title=title,
                       summary=summary, regions=["DE-BB"], applicants=["kommune"], status="open")


CALLS = [
    call("bauhof", "Emissionsarme Fahrzeuge für Bauhof und Winterdienst", "Zuschüsse für Streufahrzeuge des Bauhofs."),
    call("sensoren", "Sensoren für Wasserstände", "Zuschüsse für Messnetze mit Sensoren."),
    call("alter", "Digital im Alter – Treffpunkte", "Tablet-Kurse im Stadtgebiet und beim Bauhof-Fest."),
]


def test_a_call_that_meets_only_the_frame_counts_half_and_says_so() -> None:
    matches = {m.call_id: m for m in match_calls(CALLS, MeasuresFile(city=CITY, measures=[MEASURE]), AS_OF)}
    bauhof, sensoren, alter = matches["other:bauhof"], matches["other:sensoren"], matches["other:alter"]
    assert "Passt zum Kern: Sensoren" in sensoren.reasons
    assert "Nur Rahmen: Winterdienst, Bauhof – kein Kernbegriff der Maßnahme, Wertung halbiert" in bauhof.reasons
    # a digitalisation programme that meets only the frame is lowered less: × DIGITAL_FRAME_SHARE
    assert "Nur Rahmen: Stadtgebiet, Bauhof – in einem Digitalisierungsprogramm, Wertung × 0,8" in alter.reasons
    assert sensoren.score > bauhof.score
    # The halving is exactly CONTEXT_SHARE of the uncapped score, the array path agreeing with the exact one.
    index = Index(CALLS, [MEASURE])
    query = index.query(MEASURE)
    hit = index.hit(0, query)
    assert hit.capped and not hit.core
    assert index.score(hit, query) == bauhof.score
    assert "streufahrzeug" not in query.weights  # "bereits finanziert": not asked for
    docs, approx = index.candidates(query, 0)
    assert abs(dict(zip(docs.tolist(), approx.tolist(), strict=True))[0] - bauhof.score) <= 0.05 + 1e-6
    digital = index.hit(2, query)
    assert digital.digital_frame and not digital.capped
    assert index.score(digital, query) == score(digital.raw, query.reference, share=DIGITAL_FRAME_SHARE) == alter.score
    assert abs(dict(zip(docs.tolist(), approx.tolist(), strict=True))[2] - alter.score) <= 0.05 + 1e-6


def test_a_measure_without_a_digital_object_has_no_frame_cap() -> None:
    plain = Measure(id="bauhof", title="Neue Fahrzeuge für den Bauhof", description="Winterdienst und Grünpflege.")
    index = Index(CALLS, [plain])
    query = index.query(plain)
    assert query.core == frozenset()
    assert not index.hit(0, query).capped
