"""Calls limited below the Land, judged per municipality: named Kreise, Landkreise and kreisfreie
Städte only (or kreisangehörige only), population limits, LEADER areas with the city's Kreis.

One table per gate: (call text, city) → expected answer (True in, False out, None kept) and a
fragment of the German reason. An empty fragment with None means "no limit found, nothing said".
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from foerderradar.matcher.area import check_area, check_kreis
from foerderradar.matcher.bezirk import check_bezirk
from foerderradar.matcher.eligibility import assess_call
from foerderradar.matcher.gate import Gate
from foerderradar.matcher.kreisstatus import check_kreisstatus
from foerderradar.matcher.passages import call_sentences
from foerderradar.matcher.population import check_population
from foerderradar.model import FundingCall
from foerderradar.profile import City

AS_OF = date(2026, 12, 1)


def city(name: str = "Lindenfelde", region: str = "DE-BB", **keys: Any) -> City:
    return City(name=name, region=region, applicant_types=["kommune", "schultraeger"], **keys)


LINDENFELDE = city(kreis="Märkisch-Oderland", einwohner=8600)  # kreisangehörig, small
UNKNOWN = city("Musterstadt", "DE-NW")  # no kreis, ags or einwohner
BIELEFELD = city("Bielefeld", "DE-NW", ags="05711000", einwohner=340_000)  # kreisfrei by its AGS
SHS_AGS = city("Schloß Holte-Stukenbrock", "DE-NW", ags="05754028", einwohner=27_000)  # kreisangehörig, Kreis unknown
SHS_AREAS = city("Schloß Holte-Stukenbrock", "DE-NW", areas=["Kreis Gütersloh"])  # the Kreis only in areas
COTTBUS = city("Cottbus", ags="12052000")
OFFENBACH = city("Offenbach", "DE-HE", ags="06413000")  # kreisfreie Stadt, not in the Kreis Offenbach


def call(description: str = "", title: str = "Förderaufruf", summary: str = "", **kw: Any) -> FundingCall:
    return FundingCall.model_validate({"source": "t", "source_id": "x", "url": "https://example.org/x",
                                       "title": title, "summary": summary, "description": description, **kw})


def check(rows: list[tuple[str, City, bool | None, str]], gate: Gate, row: int) -> None:
    _, _, ok, reason = rows[row]
    assert gate.ok is ok, gate
    assert reason in gate.reason, gate
    if ok is None and not reason:
        assert gate.reason == "", gate  # no limit: no reason either


# -- named Kreise --------------------------------------------------------------------------------

ONLY_GUETERSLOH = "Antragsberechtigt sind nur Kommunen im Kreis Gütersloh."
LIPPE_HOEXTER = "Antragsberechtigt sind die Städte und Gemeinden der Kreise Lippe und Höxter."
PROGRAMME_AREA = (
    "Antragsberechtigte\nGebietskörperschaften aus dem Programmgebiet. Auf deutscher Seite umfasst es die "
    "Landkreise Märkisch-Oderland, Oder-Spree und Spree-Neiße sowie die kreisfreien Städte Frankfurt (Oder) "
    "und Cottbus."
)
KREIS = [
    (ONLY_GUETERSLOH, LINDENFELDE, False, "Nur für Kommunen in: Kreis Gütersloh; Märkisch-Oderland ist dort nicht"),
    (ONLY_GUETERSLOH, UNKNOWN, None, "Kreis von Musterstadt nicht angegeben (bitte prüfen)"),
    (ONLY_GUETERSLOH, SHS_AGS, None, "bitte prüfen"),  # kreisangehörig, but which Kreis?
    (ONLY_GUETERSLOH, SHS_AREAS, True, "Gebiet: Kreis Gütersloh ist genannt"),  # areas name the Kreis
    (ONLY_GUETERSLOH, city(kreis="Kreis Gütersloh"), True, "Gebiet: Kreis Gütersloh ist genannt"),
    (ONLY_GUETERSLOH, BIELEFELD, False, "Bielefeld ist kreisfrei und dort nicht genannt"),
    (LIPPE_HOEXTER, city(kreis="Höxter"), True, "Gebiet: Kreis Höxter ist genannt"),
    (LIPPE_HOEXTER, city(kreis="Gütersloh"), False, "Kreis Lippe, Kreis Höxter; Gütersloh ist dort nicht"),
    ("Fördergebiet\nGefördert werden Vorhaben im Landkreis Märkisch-Oderland.", LINDENFELDE, True,
     "Gebiet: Landkreis Märkisch-Oderland ist genannt"),
    ("Gefördert werden nur Vorhaben im Landkreis Märkisch-Oderland.", city(kreis="Landkreis Barnim"), False,
     "Landkreis Märkisch-Oderland; Landkreis Barnim ist dort nicht genannt"),
    (PROGRAMME_AREA, LINDENFELDE, True, "Gebiet: Landkreis Märkisch-Oderland ist genannt"),
    (PROGRAMME_AREA, COTTBUS, True, "Gebiet: Cottbus ist genannt"),  # a kreisfreie Stadt listed beside them
    (PROGRAMME_AREA, city(kreis="Barnim"), False, "Landkreis Märkisch-Oderland, Landkreis Oder-Spree, "
                                                  "Landkreis Spree-Neiße; Barnim ist dort nicht genannt"),
    ("Antragsberechtigt sind ausschließlich Kommunen im Rhein-Sieg-Kreis.", city(kreis="Rhein-Sieg-Kreis"), True,
     "Rhein-Sieg-Kreis ist genannt"),
    ("Antragsberechtigt sind ausschließlich Kommunen im Rhein-Sieg-Kreis.", LINDENFELDE, False, "Rhein-Sieg-Kreis"),
    ("Gefördert werden nur Gemeinden im Hochsauerlandkreis.", city(kreis="Hochsauerlandkreis"), True, "genannt"),
    ("Antragsberechtigt sind die Städte und Gemeinden im Märkischen Kreis.", city(kreis="Märkischer Kreis"), True,
     "Märkischen Kreis ist genannt"),
    # "Kreis Offenbach" does not name the kreisfreie Stadt Offenbach
    ("Antragsberechtigt sind nur Gemeinden im Kreis Offenbach.", OFFENBACH, False, "Offenbach ist kreisfrei"),
    # no limit: a contact address, a channel, an example, Land-wide Kreise, a text without a heading or cue
    ("Ansprechpartner\nKreis Gütersloh, Abteilung Wirtschaftsförderung, Herzebrocker Straße 140, 33334 Gütersloh",
     LINDENFELDE, None, ""),
    ("Antragsberechtigt sind alle Gemeinden in Brandenburg. Anträge sind über den Landkreis Märkisch-Oderland "
     "einzureichen.", city(kreis="Barnim"), None, ""),
    ("Antragsberechtigt sind Gemeinden über den Landkreis Oder-Spree.", LINDENFELDE, None, ""),
    ("Antragsberechtigt sind Kommunen in NRW, insbesondere im Kreis Lippe.", city(kreis="Gütersloh"), None, ""),
    ("Antragsberechtigt sind die Kreise Nordrhein-Westfalens.", city(kreis="Gütersloh"), None, ""),
    ("Antragsberechtigt sind Städte, Gemeinden und Kreise in Nordrhein-Westfalen.", UNKNOWN, None, ""),
    ("Die Kommunen im Kreis Gütersloh haben gute Erfahrungen gemacht.", LINDENFELDE, None, ""),
    ("Die Arbeit im Arbeitskreis ist nur im Kreis der Mitglieder möglich.", LINDENFELDE, None, ""),
]


@pytest.mark.parametrize("row", range(len(KREIS)))
def test_kreis_gate(row: int) -> None:
    text, town, _, _ = KREIS[row]
    check(KREIS, check_kreis(call(text), town), row)


def test_kreis_in_the_title_with_a_limiting_word() -> None:
    gate = check_kreis(call(title="Nur für Kommunen im Kreis Lippe: Digitalbonus"), LINDENFELDE)
    assert gate.ok is False and "Kreis Lippe" in gate.reason


# -- Landkreise and kreisfreie Städte only, or kreisangehörige only -------------------------------

ONLY_KREISLEVEL = "Antragsberechtigt sind nur Landkreise und kreisfreie Städte."
STATUS = [
    (ONLY_KREISLEVEL, LINDENFELDE, False, "Laut Text nur Landkreise und kreisfreie Städte antragsberechtigt; "
                                          "Lindenfelde ist kreisangehörig (Märkisch-Oderland)"),
    (ONLY_KREISLEVEL, SHS_AGS, False, "Schloß Holte-Stukenbrock ist kreisangehörig"),  # from the AGS
    (ONLY_KREISLEVEL, BIELEFELD, True, "Bielefeld ist kreisfrei"),
    (ONLY_KREISLEVEL, UNKNOWN, None, "ob Musterstadt kreisfrei ist, steht nicht im Profil (bitte prüfen)"),
    ("Antragsberechtigt sind ausschließlich die vier kreisfreien Städte Brandenburg an der Havel, Cottbus, "
     "Frankfurt (Oder) und Potsdam.", LINDENFELDE, False, "Laut Text nur kreisfreie Städte antragsberechtigt"),
    ("Antragsberechtigte\nLandkreise. Kreisangehörige Gemeinden sind ausgeschlossen.", LINDENFELDE, False,
     "kreisangehörige Kommunen ausgeschlossen"),
    ("Kreisangehörige Gemeinden, Ämter und Verbandsgemeinden sind nicht antragsberechtigt.", LINDENFELDE, False,
     "kreisangehörige Kommunen ausgeschlossen"),
    ("Antragsberechtigt sind Kommunen. Eine eigene Antragstellung kreisangehöriger Städte ist nicht vorgesehen.",
     LINDENFELDE, False, "kreisangehörige Kommunen ausgeschlossen"),
    ("Antragsberechtigte\nLandkreise und kreisfreie Städte als untere Katastrophenschutzbehörden.", LINDENFELDE,
     False, "Laut Text antragsberechtigt: Landkreise und kreisfreie Städte"),
    ("Antragsberechtigt sind ausschließlich kreisangehörige Städte und Gemeinden.", BIELEFELD, False,
     "Laut Text nur kreisangehörige Kommunen antragsberechtigt; Bielefeld ist kreisfrei"),
    ("Antragsberechtigt sind ausschließlich kreisangehörige Städte und Gemeinden.", LINDENFELDE, True,
     "Lindenfelde ist kreisangehörig"),
    ("Antragsberechtigte\nKreisangehörige Städte und Gemeinden in Nordrhein-Westfalen.", BIELEFELD, False,
     "Laut Text antragsberechtigt: kreisangehörige Kommunen"),
    ("Antragsberechtigt sind Gemeinden. Kreisfreie Städte sind nicht antragsberechtigt.", BIELEFELD, False,
     "kreisfreie Städte ausgeschlossen"),
    # negations, both named, owners and places: no limit
    ("Antragsberechtigt sind Landkreise. Kreisangehörige Gemeinden sind nicht ausgeschlossen.", LINDENFELDE, None,
     ""),
    ("Antragsberechtigt sind nicht nur Landkreise und kreisfreie Städte, sondern auch kreisangehörige Gemeinden.",
     LINDENFELDE, None, ""),
    ("Antragsberechtigt sind Landkreise, kreisfreie und kreisangehörige Städte und Gemeinden.", LINDENFELDE, None,
     ""),
    ("Antragsberechtigt sind Landkreise, kreisfreie Städte und Gemeinden.", LINDENFELDE, None, ""),
    ("Antragsberechtigte\nLandkreise und kreisfreie Städte sowie Ämter und amtsfreie Gemeinden.", LINDENFELDE, None,
     ""),
    ("Antragsberechtigt sind Volkshochschulen in Trägerschaft der Landkreise und kreisfreien Städte.", LINDENFELDE,
     None, ""),
    ("Das Land unterstützt Landkreise und kreisfreie Städte seit Jahren beim Katastrophenschutz.", LINDENFELDE,
     None, ""),
    ("Antragsberechtigt sind Kommunen. Kreisangehörige Gemeinden sind nicht allein antragsberechtigt.", LINDENFELDE,
     None, ""),
    # a text that says both: nothing is said rather than a guess
    ("Antragsberechtigt sind ausschließlich die Landkreise und kreisfreien Städte. Kreisfreie Städte sind "
     "ausgeschlossen.", LINDENFELDE, None, ""),
]


@pytest.mark.parametrize("row", range(len(STATUS)))
def test_kreisstatus_gate(row: int) -> None:
    text, town, _, _ = STATUS[row]
    check(STATUS, check_kreisstatus(town, call_sentences(text)), row)


# -- population ------------------------------------------------------------------------------------

SMALL = city("Kleinort", einwohner=3_000)
BELOW_10K = "Antragsberechtigt sind Gemeinden mit weniger als 10.000 Einwohnern."
POPULATION = [
    (BELOW_10K, LINDENFELDE, True,
     "Einwohnergrenze: Kommunen mit weniger als 10.000 Einwohnern; Lindenfelde hat 8.600"),
    (BELOW_10K, SHS_AGS, False, "Nur für Kommunen mit weniger als 10.000 Einwohnern; Schloß Holte-Stukenbrock hat "
                                "27.000 Einwohner"),
    (BELOW_10K, UNKNOWN, None, "Einwohnerzahl von Musterstadt steht nicht im Profil (bitte prüfen)"),
    ("Antragsberechtigt sind Städte und Gemeinden mit bis zu 25.000 Einwohnern.", SHS_AGS, False, "bis zu 25.000"),
    ("Antragsberechtigt sind Städte und Gemeinden mit bis zu 25.000 Einwohnern.", city(einwohner=25_000), True,
     "bis zu 25.000"),
    ("Antragsberechtigt sind Städte ab 50.000 Einwohnern.", LINDENFELDE, False, "ab 50.000 Einwohnern"),
    ("Antragsberechtigt sind Städte ab 50.000 Einwohnern.", BIELEFELD, True, "Bielefeld hat 340.000"),
    ("Antragsberechtigt sind Kommunen unter 20 000 Einwohnern.", LINDENFELDE, True, "weniger als 20.000"),
    ("Antragsberechtigt sind Kommunen unter 20 000 Einwohnern.", SHS_AGS, False, "weniger als 20.000"),
    ("Antragsberechtigt sind Kommunen unter 20000 Einwohnern.", SHS_AGS, False, "weniger als 20.000"),
    ("Antragsberechtigt sind Kommunen mit weniger als 10 Tsd. Einwohnern.", SHS_AGS, False, "weniger als 10.000"),
    ("Antragsberechtigt sind Kommunen mit weniger als 10 Tsd. Einwohnern.", LINDENFELDE, True, "weniger als 10.000"),
    ("Antragsberechtigt sind Gemeinden mit einer Einwohnerzahl von unter 10.000.", SHS_AGS, False, "10.000"),
    ("Antragsberechtigt sind Gemeinden mit 10.000 oder weniger Einwohnern.", SHS_AGS, False, "bis zu 10.000"),
    ("Antragsberechtigt sind Gemeinden zwischen 5.000 und 20.000 Einwohnern.", LINDENFELDE, True,
     "5.000 bis 20.000"),
    ("Antragsberechtigt sind Gemeinden zwischen 5.000 und 20.000 Einwohnern.", SMALL, False, "Kleinort hat 3.000"),
    ("Antragsberechtigte\nStädte und Gemeinden mit bis zu 20.000 Einwohnerinnen und Einwohnern (Stand 31.12.2025) "
     "sowie Ämter, deren Mitgliedsgemeinden diese Grenze jeweils einhalten.", LINDENFELDE, True, "bis zu 20.000"),
    ("Antragsberechtigt sind Kommunen. Städte mit mehr als 100.000 Einwohnern sind ausgeschlossen.", LINDENFELDE,
     True, "außer Kommunen mit mehr als 100.000"),
    ("Antragsberechtigt sind Kommunen. Städte mit mehr als 100.000 Einwohnern sind ausgeschlossen.", BIELEFELD,
     False, "außer Kommunen mit mehr als 100.000"),
    ("Antragsberechtigt sind Kommunen. Nicht antragsberechtigt sind Städte mit mehr als 50.000 Einwohnern.",
     BIELEFELD, False, "außer Kommunen mit mehr als 50.000"),
    # no limit: a higher rate for small towns, amounts per inhabitant, villages, an unclear denial
    ("Art und Umfang\nZuschuss von 70 %. Kommunen mit weniger als 10.000 Einwohnern erhalten 85 %.", SHS_AGS, None,
     ""),
    ("Antragsberechtigte\nAlle Kommunen. Kommunen mit weniger als 10.000 Einwohnern erhalten einen Fördersatz "
     "von 90 Prozent.", SHS_AGS, None, ""),
    ("Antragsberechtigt sind Kommunen; gefördert werden 2 Euro je Einwohner.", SHS_AGS, None, ""),
    ("Gefördert werden nur Vorhaben in Orten mit bis zu 2.000 Einwohnern.", LINDENFELDE, None, ""),
    ("Antragsberechtigt sind Gemeinden mit bis zu 20.000 Einwohnern, ausgenommen Gemeinden, die bereits gefördert "
     "wurden.", SHS_AGS, None, ""),
    ("Die Stadt hat 27.000 Einwohner und ist antragsberechtigt.", LINDENFELDE, None, ""),
]


@pytest.mark.parametrize("row", range(len(POPULATION)))
def test_population_gate(row: int) -> None:
    text, town, _, _ = POPULATION[row]
    check(POPULATION, check_population(town, call_sentences(text), []), row)


def test_population_in_the_title() -> None:
    head = call_sentences("Förderprogramm für Kommunen unter 20.000 Einwohnern")
    assert check_population(SHS_AGS, head, head).ok is False
    assert check_population(LINDENFELDE, head, head).ok is True


# -- LEADER areas and listed towns: the city's Kreis counts as a named area ------------------------

AREA = [
    ("Die LEADER-Region umfasst den Landkreis Märkisch-Oderland.", LINDENFELDE, True,
     "Gebiet: Landkreis Märkisch-Oderland ist genannt"),
    ("Die LEADER-Region umfasst den Landkreis Märkisch-Oderland.", city(kreis="Barnim"), False,
     "Nur für ein bestimmtes Gebiet"),
    # a town named like the Kreis is not the Kreis
    ("LEADER-Region Ems: Mitgliedskommunen: Gütersloh, Verl und Harsewinkel.",
     city("Steinhagen", "DE-NW", kreis="Gütersloh"), False, "Steinhagen ist dort nicht genannt"),
    ("Antragsberechtigte\nStädte und Gemeinden sowie Ämter, deren Mitgliedsgemeinden die Grenze einhalten.",
     LINDENFELDE, None, ""),
    ("Gefördert werden nur Vorhaben im Gebiet der LAG: Bad Freienwalde (Oder), Letschin, Lindenfelde und Seelow.",
     LINDENFELDE, True, "Gebiet: Lindenfelde ist genannt"),
]


@pytest.mark.parametrize("row", range(len(AREA)))
def test_area_gate_with_the_kreis(row: int) -> None:
    text, town, _, _ = AREA[row]
    check(AREA, check_area(call(text), town), row)


# -- all gates together ----------------------------------------------------------------------------


@pytest.mark.parametrize(("description", "town", "eligible", "reason"), [
    ("Antragsberechtigte\nAntragsberechtigt sind ausschließlich die Landkreise und kreisfreien Städte als untere "
     "Katastrophenschutzbehörden. Kreisangehörige Gemeinden sind nicht antragsberechtigt.", LINDENFELDE, False,
     "Lindenfelde ist kreisangehörig"),
    ("Antragsberechtigte\nAntragsberechtigt sind ausschließlich die Landkreise und kreisfreien Städte.", UNKNOWN,
     True, "bitte prüfen"),
    ("Antragsberechtigte\nStädte und Gemeinden mit bis zu 20.000 Einwohnern. Größere Städte und Landkreise können "
     "nicht gefördert werden.", LINDENFELDE, True, "Einwohnergrenze"),
    ("Antragsberechtigte\nGemeinden im Kreis Lippe mit weniger als 10.000 Einwohnern.", LINDENFELDE, False,
     "Kreis Lippe"),
])
def test_assess_call_combines_the_gates(description: str, town: City, eligible: bool, reason: str) -> None:
    fields = {"regions": [town.region], "applicants": ["kommune"], "deadline": "2027-06-30"}
    verdict = assess_call(call(description, **fields), town, AS_OF)
    assert verdict.eligible is eligible, verdict.reasons
    assert any(reason in r for r in verdict.reasons), verdict.reasons


# -- named Regierungsbezirke ------------------------------------------------------------------------

SHS_BEZIRK = city("Schloß Holte-Stukenbrock", "DE-NW", areas=["Regierungsbezirk Detmold"])
BEZIRK: list[tuple[str, City, bool | None, str]] = [
    ("Antragsberechtigt sind ausschließlich Kommunen im Regierungsbezirk Arnsberg.", SHS_BEZIRK, False,
     "Nur für Kommunen im Regierungsbezirk Arnsberg; Schloß Holte-Stukenbrock liegt nicht dort"),
    ("Antragsberechtigt sind Kommunen im Regierungsbezirk Detmold.", SHS_BEZIRK, True,
     "Gebiet: Regierungsbezirk Detmold ist genannt"),
    ("Gefördert werden nur Gemeinden des Regierungsbezirks Münster.", SHS_BEZIRK, False, "Regierungsbezirk Münster"),
    ("Antragsberechtigt sind Kommunen in den Regierungsbezirken Münster und Detmold.", SHS_BEZIRK, True,
     "Regierungsbezirk Detmold ist genannt"),
    # the Bezirk from the AGS (third digit 7 in NRW: Detmold), or not known at all
    ("Antragsberechtigt sind nur Kommunen im Regierungsbezirk Detmold.", SHS_AGS, True, "Detmold ist genannt"),
    ("Antragsberechtigt sind nur Kommunen im Regierungsbezirk Köln.", BIELEFELD, False, "Bielefeld liegt nicht dort"),
    ("Antragsberechtigt sind nur Kommunen im Regierungsbezirk Köln.", UNKNOWN, None, "bitte prüfen"),
    # no limit: the authority to apply to, an example, a sentence not about who may apply
    ("Anträge sind bei der Bezirksregierung Arnsberg einzureichen.", SHS_BEZIRK, None, ""),
    ("Antragsberechtigt sind Kommunen in NRW, insbesondere im Regierungsbezirk Arnsberg.", SHS_BEZIRK, None, ""),
    ("Das Projekt wurde 2024 im Regierungsbezirk Köln erprobt.", SHS_BEZIRK, None, ""),
]


@pytest.mark.parametrize("row", range(len(BEZIRK)))
def test_bezirk_gate(row: int) -> None:
    text, town, _, _ = BEZIRK[row]
    check(BEZIRK, check_bezirk(town, call_sentences(text)), row)


def test_a_call_for_another_bezirk_is_not_listed() -> None:
    verdict = assess_call(call(BEZIRK[0][0], regions=["DE-NW"], applicants=["kommune"]), SHS_BEZIRK, AS_OF)
    assert not verdict.eligible and any("Regierungsbezirk Arnsberg" in r for r in verdict.reasons)
