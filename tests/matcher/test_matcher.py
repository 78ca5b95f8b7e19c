"""The matcher's public API: gates in both directions, ordering, limits, reasons."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from foerderradar.matcher import match_calls
from foerderradar.matcher import relevance as relevance_module
from foerderradar.model import FundingCall, Match
from foerderradar.settings import MeasuresFile

AS_OF = date(2026, 12, 1)


def measures(*extra_measures: dict[str, Any], city: dict[str, Any] | None = None, **first: Any) -> MeasuresFile:
    return MeasuresFile.model_validate(
        {
            "city": city or {"name": "Schloß Holte-Stukenbrock", "region": "DE-NW",
                             "applicant_types": ["kommune", "schultraeger"], "areas": ["Kreis Gütersloh"]},
            "measures": [
                {"id": "breitband", "title": "Glasfaser für Gewerbegebiete", "keywords": ["Gigabit", "Breitband"],
                 **first},
                {"id": "wlan", "title": "WLAN in der Stadtbibliothek", "keywords": ["Hotspot"]},
                {"id": "alt", "title": "Glasfaser im Altbaugebiet (erledigt)", "status": "done"},
                *extra_measures,
            ],
        }
    )


def call(source_id: str, title: str, **kw: Any) -> FundingCall:
    data = {"source": "t", "source_id": source_id, "url": f"https://example.org/{source_id}", "title": title,
            "regions": ["DE"], "applicants": ["kommune"], "deadline": "2027-06-30", **kw}
    return FundingCall.model_validate(data)


GIGABIT = "Gigabitförderung für den Breitbandausbau"
FILLER = [call("y", "Förderung von Streuobstwiesen"), call("z", "Sportstätten sanieren")]

# (call overrides, eligible?, a reason that must be given)
GATES: list[tuple[dict[str, Any], bool, str]] = [
    # applicant type, structured
    ({}, True, "Antragsberechtigt: Kommune"),
    ({"applicants": ["schultraeger", "verein"]}, True, "Antragsberechtigt: Schulträger"),
    ({"applicants": ["oeffentliche_einrichtung"]}, True, "Antragsberechtigt: öffentliche Einrichtung"),
    ({"applicants": ["unternehmen", "kmu"]}, False, "Nicht antragsberechtigt (nur Unternehmen, KMU)"),
    ({"applicants": ["landkreis"]}, False, "Nicht antragsberechtigt (nur Landkreis)"),
    # applicant type, read from the text when the field is missing
    ({"applicants": None, "description": "Antragsberechtigt sind ausschließlich Infrastrukturunternehmen."},
     False, "Nicht antragsberechtigt laut Text (nur Unternehmen)"),
    ({"applicants": None, "description": "Antragsberechtigt sind Unternehmen mit Sitz in Deutschland."},
     False, "Nicht antragsberechtigt laut Text (nur Unternehmen)"),
    ({"applicants": None, "description": "Wer wird gefördert?\nGewerbliche Unternehmen. Kommunen sind nicht "
                                         "antragsberechtigt."}, False, "Kommunen ausgeschlossen"),
    ({"applicants": None, "description": "Antragsberechtigt sind Kommunen und Landkreise."}, True,
     "Antragsberechtigt laut Text: Kommunen"),
    ({"applicants": None, "description": "Antragsberechtigte\nStädte und Gemeinden in allen Ländern."}, True,
     "Antragsberechtigt laut Text: Kommunen"),
    ({"applicants": None, "description": "Zuwendungsempfänger sind Schulträger öffentlicher Schulen."}, True,
     "Antragsberechtigt laut Text: Schulträger"),
    ({"applicants": None, "description": "Eligible applicants: local and regional authorities."}, True,
     "Antragsberechtigt laut Text: Kommunen"),
    ({"applicants": None, "description": "Who can apply: public authorities and non-profit bodies."}, True,
     "öffentliche Stellen"),
    ({"applicants": None, "description": "Antragsberechtigt sind Unternehmen, die Leistungen für Kommunen "
                                         "erbringen."}, False, "nur Unternehmen"),
    ({"applicants": None, "summary": "Zinsgünstige Kredite für kleine Unternehmen."}, False,
     "laut Kurztext (für Unternehmen)"),
    ({"applicants": None}, True, "Antragsberechtigung nicht angegeben"),
    # region
    ({"regions": ["DE-NW"]}, True, "Region: NRW"),
    ({"regions": ["EU"]}, True, "Region: EU"),
    ({"regions": ["DE"]}, True, "Region: bundesweit"),
    ({"regions": ["DE-BY"]}, False, "Anderes Fördergebiet: Bayern"),
    ({"regions": ["DE-NI", "DE-HB"]}, False, "Anderes Fördergebiet: Niedersachsen, Bremen"),
    ({"regions": None}, True, "Fördergebiet nicht angegeben"),
    ({"regions": None, "description": "Antragsberechtigt sind bayerische Kommunen."}, False,
     "Anderes Fördergebiet laut Text: Bayern"),
    ({"regions": None, "description": "Antragsberechtigt sind Kommunen in Nordrhein-Westfalen."}, True,
     "Region laut Text: NRW"),
    # a named area smaller than a Land
    ({"description": "Gefördert werden ausschließlich Projekte im Gebiet der LAG, also in den Kommunen Lage, "
                     "Detmold und Horn."}, False, "Nur für ein bestimmtes Gebiet"),
    ({"summary": "Aufruf der LEADER-Region Senne.",
      "description": "Mitgliedskommunen: Hövelhof und Schloß Holte-Stukenbrock."}, True, "Gebiet: Schloß"),
    ({"description": "Die Lokale Aktionsgruppe fördert Projekte im Kreis Gütersloh."}, True,
     "Gebiet: Kreis Gütersloh ist genannt"),
    ({"description": "Europe needs a leader in gigabit networks."}, True, "Region: bundesweit"),
    # open / closed
    ({"deadline": "2026-11-30"}, False, "Geschlossen (Frist endete am 30.11.2026)"),
    ({"deadline": "2026-12-01"}, True, "Frist: 01.12.2026 (endet heute)"),
    ({"deadline": "2026-12-10"}, True, "Frist: 10.12.2026 (noch 9 Tage)"),
    ({"deadline": "2026-12-10"}, True, "Schließt bald"),
    ({"deadline": "2027-03-15"}, True, "Frist: 15.03.2027 (noch 104 Tage)"),
    ({"deadline": None, "status": "closed", "deadline_text": "Mittel ausgeschöpft"}, False,
     "Geschlossen laut Portal: Mittel ausgeschöpft"),
    ({"deadline": None, "deadline_text": "laufend"}, True, "Frist: laufend"),
    ({"deadline": None, "deadline_text": "Projektskizzen bis 15.02.2026"}, False, "Frist endete am 15.02.2026"),
    ({"deadline": None, "deadline_text": "Projektskizzen bis 15.02.2027"}, True, "Frist: 15.02.2027"),
    ({"deadline": None, "description": "Die Mittel sind vollständig ausgeschöpft."}, False, "Geschlossen laut Text"),
    ({"deadline": None, "description": "Laufend, bis die Mittel ausgeschöpft sind."}, True, "Frist: keine Angabe"),
    ({"open_date": "2027-01-15"}, True, "Öffnet am 15.01.2027"),
]


@pytest.mark.parametrize(("overrides", "eligible", "reason"), GATES)
def test_eligibility_gates(overrides: dict[str, Any], eligible: bool, reason: str) -> None:
    calls = [call("x", GIGABIT, **overrides), *FILLER]
    [m] = match_calls(calls, measures(), AS_OF, measure_id="breitband", include_ineligible=True)
    assert m.eligible is eligible, m.reasons
    assert any(reason in r for r in m.reasons), m.reasons
    shown = match_calls(calls, measures(), AS_OF, measure_id="breitband")
    assert [x.call_id for x in shown] == (["t:x"] if eligible else [])  # ineligible: only with --all


def test_status_of_the_match_is_the_effective_one() -> None:
    calls = [call("a", GIGABIT, deadline="2026-01-01", status="open"), call("b", GIGABIT, deadline=None,
                                                                           deadline_text="laufend"), *FILLER]
    found = {m.call_id: m for m in match_calls(calls, measures(), AS_OF, measure_id="breitband",
                                                include_ineligible=True)}
    assert (found["t:a"].status, found["t:b"].status) == ("closed", "open")


@pytest.mark.parametrize(("exclude", "eligible"), [(["Mobilfunkmasten"], False), (["Mobilfunk"], False),
                                                   (["funkmast"], True), ([], True)])
def test_exclude_terms_rule_a_call_out(exclude: list[str], eligible: bool) -> None:
    calls = [call("x", GIGABIT, description="Auch für Mobilfunkmasten."), *FILLER]
    [m] = match_calls(calls, measures(exclude=exclude), AS_OF, measure_id="breitband", include_ineligible=True)
    assert m.eligible is eligible
    assert any(r.startswith("Ausschlussbegriff der Maßnahme") for r in m.reasons) is not eligible


def test_a_city_in_another_land() -> None:
    munich = {"name": "Musterstadt", "region": "DE-BY", "applicant_types": ["kommune"]}
    calls = [call("by", GIGABIT, regions=["DE-BY"]), call("nw", GIGABIT, regions=["DE-NW"]), *FILLER]
    found = match_calls(calls, measures(city=munich), AS_OF, measure_id="breitband", include_ineligible=True)
    assert {m.call_id: m.eligible for m in found} == {"t:by": True, "t:nw": False}
    assert any(r == "Region: Bayern" for r in found[0].reasons + found[1].reasons)


def test_english_eu_call_reaches_german_measure() -> None:
    calls = [call("eu", "Connecting Europe: very high capacity networks and fibre for rural areas", regions=["EU"],
                  language="en"), *FILLER]
    [m] = match_calls(calls, measures(), AS_OF, measure_id="breitband")
    assert m.call_id == "t:eu"
    assert any(r.startswith("Treffer im Titel: ") and "≈" in r for r in m.reasons), m.reasons


def test_relevance_ranks_specific_over_passing_mentions() -> None:
    calls = [
        call("strong", "Glasfaser für Gewerbegebiete", summary="Gigabitanschlüsse für Gewerbegebiete."),
        call("medium", "Breitbandausbau in ländlichen Räumen"),
        call("passing", "Klimaanpassung in Kommunen", description="Auch Sensoren mit Glasfaseranbindung."),
        *FILLER,
    ]
    found = match_calls(calls, measures(), AS_OF, measure_id="breitband")
    assert [m.call_id for m in found] == ["t:strong", "t:medium", "t:passing"]
    assert found[0].score > 60 > found[2].score


def test_boilerplate_alone_is_no_match() -> None:
    calls = [call("x", "Förderprogramm: Zuschuss für Kommunen", description="Digitalisierung und Förderung."),
             *FILLER]
    assert match_calls(calls, measures(), AS_OF) == []


def test_done_measures_order_limit_min_score() -> None:
    calls = [call("a", GIGABIT), call("b", "Glasfaser"), call("c", "WLAN-Hotspots für Bibliotheken"),
             call("d", "Glasfaser und WLAN für Gewerbegebiete"), *FILLER]
    found = match_calls(calls, measures(), AS_OF)
    order = [m.measure_id for m in found]
    assert order == sorted(order, key=["breitband", "wlan"].index)  # measures.yaml order, "alt" is done
    for measure_id in ("breitband", "wlan"):
        scores = [m.score for m in found if m.measure_id == measure_id]
        assert scores == sorted(scores, reverse=True) and all(0 < s <= 100 for s in scores)
    limited = match_calls(calls, measures(), AS_OF, limit=1)
    assert [m.measure_id for m in limited] == ["breitband", "wlan"]
    assert [m.call_id for m in limited] == [next(m.call_id for m in found if m.measure_id == i)
                                            for i in ("breitband", "wlan")]
    floor = sorted(m.score for m in found)[len(found) // 2]
    high = match_calls(calls, measures(), AS_OF, min_score=floor)
    assert high and all(m.score >= floor for m in high) and len(high) < len(found)
    assert match_calls(calls, measures(), AS_OF, measure_id="alt") == []  # a done measure is not matched


def test_ties_go_to_the_sooner_deadline() -> None:
    calls = [call("late", "Glasfaser", deadline="2027-09-01"), call("soon", "Glasfaser", deadline="2027-01-15"),
             *FILLER]
    assert [m.call_id for m in match_calls(calls, measures(), AS_OF, measure_id="breitband")] == ["t:soon", "t:late"]


def test_unknown_measure_lists_the_known_ones() -> None:
    expected = "Unbekannte Maßnahme 'x'. Bekannte Maßnahmen: breitband, wlan, alt"
    with pytest.raises(ValueError, match=re.escape(expected)):
        match_calls([call("a", GIGABIT)], measures(), AS_OF, measure_id="x")


def test_no_calls_no_matches() -> None:
    assert match_calls([], measures(), AS_OF) == []


def test_match_json_has_the_contract_keys() -> None:
    [m] = match_calls([call("a", GIGABIT), *FILLER], measures(), AS_OF, measure_id="breitband")
    assert isinstance(m, Match)
    assert m.to_json().keys() == {"measure_id", "call_id", "title", "url", "score", "eligible", "deadline",
                                  "status", "reasons", "sources", "kommune", "short_id"}
    # added after the contract's keys: de-duplication, municipalities, short ids
    assert m.to_json()["sources"] == [{"call_id": m.call_id, "source": "t", "url": m.url, "title": m.title}]


def test_each_call_is_analysed_once_however_many_measures(monkeypatch: pytest.MonkeyPatch) -> None:
    analysed: list[str] = []
    original = relevance_module.Analyzer.analyse

    def counting(self: Any, text: str | None) -> Any:
        analysed.append(text or "")
        return original(self, text)

    monkeypatch.setattr(relevance_module.Analyzer, "analyse", counting)
    many = measures(*({"id": f"m{i}", "title": f"Glasfaser Variante {i}"} for i in range(20)))
    calls = [call(str(i), f"Glasfaser {i}", summary="Kurz", description="Lang") for i in range(30)]
    match_calls(calls, many, AS_OF)
    per_call_fields = 4
    query_texts = sum(2 + len(m.keywords) for m in many.measures if m.status != "done")
    assert len(analysed) == len(calls) * per_call_fields + query_texts
