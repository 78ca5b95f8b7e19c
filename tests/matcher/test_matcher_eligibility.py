"""The eligibility helpers on their own: reading who may apply, closing phrases, dates, areas."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from foerderradar.german.fold import fold
from foerderradar.matcher.applicants import check_applicants, mentioned_types
from foerderradar.matcher.deadlines import assess_deadline, closing_phrase, parse_dates
from foerderradar.matcher.eligibility import assess_call, check_area
from foerderradar.matcher.text import CallText
from foerderradar.model import FundingCall
from foerderradar.settings import City

AS_OF = date(2026, 12, 1)
CITY = City(name="Schloß Holte-Stukenbrock", region="DE-NW", applicant_types=["kommune", "schultraeger"],
            areas=["Kreis Gütersloh", "Ostwestfalen-Lippe"])


def call(**kw: Any) -> FundingCall:
    data = {"source": "t", "source_id": "x", "url": "https://example.org/x", "title": "Aufruf", **kw}
    return FundingCall.model_validate(data)


@pytest.mark.parametrize(("sentence", "types"), [
    ("antragsberechtigt sind kommunen und landkreise", {"kommune", "landkreis"}),
    ("antragsberechtigt sind kleine und mittlere unternehmen", {"kmu", "unternehmen"}),
    ("gefoerdert werden projekte in kommunen", set()),  # a place, not an applicant
    ("antragsberechtigt sind unternehmen, die leistungen fuer kommunen erbringen", {"unternehmen"}),
    ("eligible: public bodies and non-profit associations", {"oeffentliche_einrichtung", "verein"}),
    ("antragsberechtigt sind schultraeger oeffentlicher schulen", {"schultraeger"}),
    ("antragsberechtigt sind mobilfunknetzbetreiber", {"unternehmen"}),
])
def test_mentioned_types(sentence: str, types: set[str]) -> None:
    assert mentioned_types(sentence) == types


@pytest.mark.parametrize(("description", "ok"), [
    ("Antragsberechtigte\nStädte, Gemeinden und Landkreise.\n\nArt der Förderung\nZuschuss.", True),
    ("Wer wird gefördert?\nGewerbliche Unternehmen und Freiberufler.", False),
    ("Antragsberechtigt sind Kommunen. Kommunen mit mehr als 100.000 Einwohnern sind nicht antragsberechtigt.",
     True),
    ("Kommunen und öffentliche Einrichtungen sind nicht antragsberechtigt.", False),
    ("Antragsberechtigt sind ausschließlich gemeinnützige Vereine. Kommunen und Unternehmen können keinen Antrag "
     "stellen; sie können als Kooperationspartner mitwirken.", False),
    ("Antragsberechtigt sind Vereine. Gemeinden können mitwirken, aber keinen eigenen Antrag stellen.", False),
    ("Antragsberechtigt sind Kommunen. Vereine können keine Anträge stellen.", True),
    # The municipality owns the applicant and may only cooperate (a real 2026 call's wording, paraphrased).
    ("Antragsberechtigt sind ausschließlich Einrichtungen der Weiterbildung, insbesondere Volkshochschulen in "
     "Trägerschaft der Landkreise und kreisfreien Städte. Gemeinden können als Kooperationspartner mitwirken, "
     "aber keinen eigenen Antrag stellen.", False),
    ("Die Stadtwerke berichten über Kommunen, die Glasfaser verlegen.", None),
    ("Eligibility\nConsortia led by a public authority.", True),
    ("Only SMEs established in the EU can apply.", False),
])
def test_applicants_read_from_text(description: str, ok: bool | None) -> None:
    assert check_applicants(call(description=description), ["kommune"]).ok is ok


@pytest.mark.parametrize(("text", "closed"), [
    ("Mittel ausgeschöpft", True),
    ("Die Restmittel sind inzwischen vollständig vergeben; eine Antragstellung ist nicht mehr möglich.", True),
    ("Es werden keine neuen Anträge mehr angenommen.", True),
    ("Der Förderaufruf ist beendet.", True),
    ("The call is now closed.", True),
    ("Laufend, bis die Fondsmittel ausgeschöpft sind.", False),
    ("Anträge sind möglich, solange die Mittel nicht ausgeschöpft sind.", False),
    ("Sobald die Mittel ausgeschöpft sind, ist keine Antragstellung mehr möglich.", False),
    ("Die Mittel werden anteilig vergeben.", False),
    ("laufend bis zur Ausschöpfung der Mittel", False),
])
def test_closing_phrases(text: str, closed: bool) -> None:
    assert (closing_phrase(CallText(call(description=text))) is not None) is closed


@pytest.mark.parametrize(("text", "dates"), [
    ("15.03.2027", [date(2027, 3, 15)]),
    ("Projektskizzen bis 1. März 2027", [date(2027, 3, 1)]),
    ("18 February 2027 17:00:00 Brussels time", [date(2027, 2, 18)]),
    ("March 5, 2027", [date(2027, 3, 5)]),
    ("2027-04-30", [date(2027, 4, 30)]),
    ("laufend seit 01.01.2024", []),
    ("1. Stichtag 15.03.2027, 2. Stichtag 15.09.2027", [date(2027, 3, 15), date(2027, 9, 15)]),
    ("31.02.2027", []),
    ("laufend", []),
])
def test_parse_dates(text: str, dates: list[date]) -> None:
    assert parse_dates(text) == dates


@pytest.mark.parametrize(("fields", "status", "deadline"), [
    ({"deadline_text": "1. Stichtag 15.11.2026, 2. Stichtag 15.03.2027"}, "open", date(2027, 3, 15)),
    ({"deadline_text": "laufend"}, "open", None),
    ({"deadline_text": "jederzeit"}, "open", None),
    ({}, "unknown", None),
    ({"deadline": "2027-01-01", "status": "closed"}, "closed", date(2027, 1, 1)),
    ({"deadline": "2027-01-01", "open_date": "2026-12-15"}, "upcoming", date(2027, 1, 1)),
])
def test_deadline_status(fields: dict[str, Any], status: str, deadline: date | None) -> None:
    verdict = assess_deadline(call(**fields), AS_OF)
    assert (verdict.status, verdict.deadline) == (status, deadline)


@pytest.mark.parametrize(("fields", "ok"), [
    ({"description": "Kein Gebietsbezug."}, None),
    ({"funding_body": "LAG LEADER-Region Eifel", "description": "Lokale Aktionsgruppe Eifel."}, False),
    ({"description": "Gefördert werden nur Vorhaben in den Kommunen Verl, Harsewinkel und Rietberg."}, False),
    ({"description": "Gefördert werden nur Vorhaben in den Kommunen mit weniger als 20.000 Einwohnern."}, None),
    ({"description": "Mitgliedskommunen der LAG: Hövelhof, Schloß Holte-Stukenbrock, Verl."}, True),
    ({"description": "Mitgliedskommunen der LAG: Hövelhof, Schloss Holte Stukenbrock, Verl."}, True),
    ({"description": "Die LEADER-Region umfasst Ostwestfalen-Lippe."}, True),
    ({"description": "The project leader reports to the consortium."}, None),
    ({"description": "LAG Soziokultur NRW berät Vereine."}, None),
])
def test_area_gate(fields: dict[str, Any], ok: bool | None) -> None:
    assert check_area(call(**fields), CITY).ok is ok


def test_call_level_verdict_is_measure_independent() -> None:
    verdict = assess_call(call(regions=["DE-NW"], applicants=["kommune"], deadline="2027-02-01"), CITY, AS_OF)
    assert verdict.eligible and verdict.status == "open"
    assert verdict.reasons == ("Antragsberechtigt: Kommune", "Region: NRW", "Frist: 01.02.2027 (noch 62 Tage)")
    assert fold("Aufruf") in verdict.texts.whole



# The Förderdatenbank's own wording: it addresses who may apply ("Wenn Sie als … tätig sind").
@pytest.mark.parametrize(("summary", "ok", "reason"), [
    ("Wenn Sie als Bundessportfachverband im Leistungssport tätig sind, können Sie eine Förderung erhalten.",
     False, "nur Vereine/Verbände"),
    ("Das Programm unterstützt Sie als Landwirtin oder Landwirt bei Investitionen in Ställe.",
     False, "nur Unternehmen"),
    ("Wenn Sie als kleines oder mittleres Unternehmen investieren, erhalten Sie einen Zuschuss.", False, "nur"),
    ("Sie als Kommune können Zuschüsse für Glasfaser beantragen.", True, "Kommunen"),
    ("Wenn Sie als Stadt oder Gemeinde Ihre Verwaltung digitalisieren, erhalten Sie Zuschüsse.", True, "Kommunen"),
    ("Wenn Sie als Unternehmen oder Kommune investieren, erhalten Sie einen Kredit.", True, "Kommunen"),
    ("Wenn Sie als Zweckverband Breitband ausbauen, erhalten Sie einen Zuschuss.", False, "Zweckverb"),
    # a generic role or none says nothing: still "nicht angegeben"
    ("Sie als Antragsteller müssen den Antrag bis März stellen.", None, "nicht angegeben"),
    ("Die Förderung unterstützt Sie bei Investitionen.", None, "nicht angegeben"),
    # a denial in the same phrasing
    ("Wenn Sie als Kommune tätig sind, können Sie keinen Antrag stellen.", False, "ausgeschlossen"),
])  # fmt: skip
def test_sie_als_names_the_applicant(summary: str, ok: bool | None, reason: str) -> None:
    verdict = check_applicants(call(summary=summary), ["kommune"])
    assert verdict.ok is ok and reason in verdict.reason, verdict
