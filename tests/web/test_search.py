"""*Suche* over real HTTP (``/k/<slug>/suche``), on SQLite and PostgreSQL: folded free text (case,
umlauts, ß, accents — on both sides), every filter, one result per programme, the measures each
result fits, relevance and deadline order, pagination that keeps the filters, hostile text
escaped, German messages at a bad field, and another municipality's search → 404."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import requests
from web_site import SHS_DM, SHS_SLUG, VERL_DM, Site, get

from foerderradar.model import FundingCall
from foerderradar.web.calls import status_of

TODAY = date.today()
SITE_CALLS = {"nrw:gigabit", "nrw:wlan-schule", "nrw:e-akte", "nrw:boese"}  # tests/web_site.py, due 2027-03-31
# source, source id, title, summary, funding body, level, deadline (days from today), opens in, portal status
EXTRA: list[tuple[str, str, str, str, str | None, str | None, int | None, int | None, str | None]] = [
    ("nrw", "strasse", "Sanierung der Straßenbeleuchtung", "Förderung kommunaler Straßen; Glasfaser-Leerrohre mit.",
     "Ministerium für Verkehr", "land", 20, None, None),
    ("bund", "cafe", "Café-Programm für Innenstädte", "Quote bis 100%", "BMWK", "bund", 200, None, None),
    ("nrw", "geschlossen", "Altes Förderprogramm Glasfaser", "Vorbei.", None, "eu", -10, None, None),
    ("nrw", "demnaechst", "Zukünftige Förderung Glasfaser", "Kommt bald.", None, "regional", 120, 30, None),
    ("nrw", "ohnefrist", "Beratungsprogramm ohne Frist", "Laufend.", None, None, None, None, None),
    ("nrw", "laufend", "Dauerprogramm Beratung", "Ohne Stichtag.", None, None, None, None, "open"),
    ("nrw", "portal-zu", "Vorzeitig beendetes Programm", "Mittel erschöpft.", None, None, 60, None, "closed"),
]
SONDER = {"strasse", "cafe", "geschlossen", "demnaechst", "ohnefrist"}  # descriptions say "Sonderaufruf"
OTHER_PAGE = "bund:gigabit-sonder"  # nrw:gigabit on another portal, under another title


def seed(site: Site) -> None:
    calls = []
    for source, sid, title, summary, body, level, due, opens, status in EXTRA:
        calls.append(FundingCall.model_validate({
            "source": source, "source_id": sid, "url": f"https://www.example.org/{sid}", "title": title,
            "summary": summary, "funding_body": body, "level": level, "status": status,
            "description": "Ein Sonderaufruf." if sid in SONDER else None, "regions": ["DE-NW"],
            "applicants": ["kommune"], "deadline": TODAY + timedelta(days=due) if due is not None else None,
            "open_date": TODAY + timedelta(days=opens) if opens is not None else None,
        }))
    calls.append(FundingCall.model_validate({
        "source": "bund", "source_id": "gigabit-sonder", "url": "https://bund.example/gigabit",
        "title": "Breitband-Sonderaufruf Äquator", "regions": ["DE"], "applicants": ["kommune"],
    }))
    site.store.upsert_calls(calls)
    site.store.set_duplicate_of({"nrw:gigabit": [OTHER_PAGE]})


@pytest.fixture
def verl(site: Site, signed_in: Callable[[str], requests.Session]) -> requests.Session:
    seed(site)
    return signed_in(VERL_DM)


def search(site: Site, client: requests.Session, slug: str = "verl", **params: Any) -> requests.Response:
    return get(client, site.url(f"/k/{slug}/suche"), params=params)


def found(page: requests.Response, slug: str = "verl") -> list[str]:
    """The call ids of the results, in order (each result's title links to its Aufruf page)."""
    assert page.status_code == 200, page.text
    results = page.text.split('id="ergebnisse"', 1)[1]
    return re.findall(rf'<h3><a href="/k/{slug}/aufruf/([^"]+)">', results)


def ids(*names: str) -> set[str]:
    return {n if ":" in n else f"nrw:{n}" for n in names}


# query → the calls it finds (folding on both sides; words are ANDed; a programme once)
FOLDING = [
    ("foerder", ids("strasse", "geschlossen", "demnaechst")),
    ("FÖRDER", ids("strasse", "geschlossen", "demnaechst")),
    ("Foerderung", ids("strasse", "demnaechst")),
    ("strasse", ids("strasse")),
    ("STRASSENBELEUCHTUNG", ids("strasse")),
    ("Straßenbeleuchtung", ids("strasse")),
    ("cafe", {"bund:cafe"}),
    ("CAFÉ", {"bund:cafe"}),
    ("schultraeger", ids("wlan-schule")),
    ("Schulträger", ids("wlan-schule")),
    ("ministerium verkehr", ids("strasse")),  # the funding body; both words
    ("ministerium glasfaser", ids("strasse")),
    ("ministerium tablets", set()),
    ("aequator", ids("gigabit")),  # only on the programme's other page: its representative, once
    ("100%", {"bund:cafe"}),  # no wildcard: % is a character
    ("%", {"bund:cafe"}),
    ("_", set()),
    ("gibtesnicht", set()),
]


@pytest.mark.parametrize(("query", "expected"), FOLDING, ids=[q for q, _ in FOLDING])
def test_free_text_is_folded_on_both_sides(site: Site, verl: requests.Session, query: str,
                                            expected: set[str]) -> None:
    results = found(search(site, verl, q=query))
    assert set(results) == expected
    assert len(results) == len(set(results))  # each programme once
    assert OTHER_PAGE not in results


def test_without_words_every_programme_is_listed_once(site: Site, verl: requests.Session) -> None:
    page = search(site, verl)
    results = found(page)
    assert set(results) == SITE_CALLS | {f"{s}:{sid}" for s, sid, *_ in EXTRA}
    assert len(results) == len(set(results)) and OTHER_PAGE not in results
    assert f"{len(results)} Förderaufrufe gefunden." in page.text


def test_relevance_puts_title_hits_first_then_deadlines(site: Site, verl: requests.Session) -> None:
    # Title hits (by deadline: the next first, the past last), then a hit in the summary only.
    assert found(search(site, verl, q="glasfaser")) == [
        "nrw:gigabit", "nrw:demnaechst", "nrw:geschlossen", "nrw:strasse"]
    # Equal relevance: the next deadlines soonest, then none, then the past ones.
    assert found(search(site, verl, q="sonderaufruf")) == [
        "nrw:strasse", "nrw:gigabit", "nrw:demnaechst", "bund:cafe", "nrw:ohnefrist", "nrw:geschlossen"]


def german(days: int) -> str:
    return (TODAY + timedelta(days=days)).strftime("%d.%m.%Y")


# one filter at a time → the calls it finds
FILTERS: list[tuple[dict[str, str], set[str]]] = [
    ({"ebene": "land"}, ids("strasse")),
    ({"ebene": "bund"}, {"bund:cafe"}),
    ({"ebene": "eu"}, ids("geschlossen")),
    ({"ebene": "regional"}, ids("demnaechst")),
    ({"status": "closed"}, ids("geschlossen", "portal-zu")),
    ({"status": "upcoming"}, ids("demnaechst")),
    ({"status": "open"}, SITE_CALLS | ids("strasse", "laufend") | {"bund:cafe"}),
    ({"frist_bis": german(30)}, ids("strasse", "geschlossen")),
    ({"frist_bis": (TODAY + timedelta(days=30)).isoformat()}, ids("strasse", "geschlossen")),
    ({"frist_bis": german(70)}, ids("strasse", "geschlossen", "portal-zu")),
    ({"portal": "bund"}, {"bund:cafe", "nrw:gigabit"}),  # gigabit: its other page is on bund
    ({"q": "sonderaufruf", "ebene": "land"}, ids("strasse")),
    ({"q": "glasfaser", "status": "upcoming", "portal": "nrw"}, ids("demnaechst")),
]


@pytest.mark.parametrize(("params", "expected"), FILTERS, ids=[str(p) for p, _ in FILTERS])
def test_each_filter(site: Site, verl: requests.Session, params: dict[str, str], expected: set[str]) -> None:
    page = search(site, verl, **params)
    assert set(found(page)) == expected
    for name, value in params.items():  # the form shows what was asked
        assert f'value="{value}" selected' in page.text or f'value="{value}"' in page.text, name


def test_status_filters_follow_the_aufruf_pages_rule(site: Site, verl: requests.Session) -> None:
    """The SQL of each status filter and web.calls.status_of agree on every stored programme."""
    records = list(site.store.iter_calls(representatives_only=True))
    for status in ("open", "upcoming", "closed"):
        expected = {r.id for r in records if status_of(r, TODAY) == status}
        assert expected and set(found(search(site, verl, status=status))) == expected, status


def test_measure_filters_read_this_municipalitys_verdicts(site: Site, verl: requests.Session,
                                                          signed_in: Callable[[str], requests.Session]) -> None:
    breitband = set(found(search(site, verl, massnahme="breitband")))
    schulen = set(found(search(site, verl, massnahme="schulen")))
    treffer = set(found(search(site, verl, nur_treffer="1")))
    assert "nrw:gigabit" in breitband and "nrw:wlan-schule" not in breitband
    assert "nrw:wlan-schule" in schulen and "nrw:gigabit" not in schulen
    assert treffer == breitband | schulen
    assert not treffer & ids("e-akte", "ohnefrist", "laufend") and "bund:cafe" not in treffer
    # Each result names the measures it fits, and a call that fits none says so.
    page = html.unescape(search(site, verl, q="gigabit").text)
    assert "Passt zu: Glasfaser und Gigabit" in page
    assert "Passt zu keiner offenen Maßnahme." in html.unescape(search(site, verl, q="e-akte").text)
    # The neighbour's verdicts are its own: its E-Akte measure fits the E-Akte call.
    shs = search(site, signed_in(SHS_DM), SHS_SLUG, nur_treffer="1")
    assert "nrw:e-akte" in found(shs, SHS_SLUG)
    assert "nrw:e-akte" in found(search(site, signed_in(SHS_DM), SHS_SLUG, massnahme="verwaltung"), SHS_SLUG)


def test_pagination_keeps_the_filters(site: Site, verl: requests.Session) -> None:
    site.store.upsert_calls([FundingCall.model_validate({
        "source": "nrw", "source_id": f"masse-{n:02d}", "url": f"https://www.example.org/masse/{n}",
        "title": f"Massenprogramm Nummer {n}", "level": "land", "deadline": TODAY + timedelta(days=n + 1),
    }) for n in range(57)] + [FundingCall.model_validate({  # the filter keeps this one away
        "source": "nrw", "source_id": "masse-bund", "url": "https://www.example.org/masse/bund",
        "title": "Massenprogramm des Bundes", "level": "bund"})])
    first = search(site, verl, q="massenprogramm", ebene="land")
    one = found(first)
    assert len(one) == 50 and "57 Förderaufrufe gefunden, Nr. 1 bis 50 auf Seite 1 von 2" in first.text
    assert one == [f"nrw:masse-{n:02d}" for n in range(50)]  # by deadline
    nxt = re.search(r'<a href="([^"]+)" rel="next">Weiter</a>', first.text)
    assert nxt and 'rel="prev"' not in first.text
    link = html.unescape(nxt.group(1))
    assert "q=massenprogramm" in link and "ebene=land" in link and "seite=2" in link
    second = get(verl, site.url(link))
    two = found(second)
    assert two == [f"nrw:masse-{n:02d}" for n in range(50, 57)] and not set(one) & set(two)
    assert "Nr. 51 bis 57 auf Seite 2 von 2" in second.text and 'rel="next"' not in second.text
    back = re.search(r'<a href="([^"]+)" rel="prev">Zurück</a>', second.text)
    assert back and "ebene=land" in back.group(1) and "seite=1" in back.group(1)
    # A page past the end shows the last one; nonsense shows the first.
    assert found(search(site, verl, q="massenprogramm", ebene="land", seite="9")) == two
    assert found(search(site, verl, q="massenprogramm", ebene="land", seite="x")) == one


def test_hostile_text_is_escaped_and_never_a_link(site: Site, verl: requests.Session) -> None:
    import sqlalchemy as sa

    from foerderradar.storage.tables import CallRecord

    with site.store.session() as session:  # a row an older, laxer version wrote
        session.execute(sa.update(CallRecord).where(CallRecord.id == "nrw:boese").values(  # type: ignore[arg-type]
            url="javascript:alert(3)", funding_body='<img src=x onerror="alert(4)">'))
        session.commit()
    hostile = '"><script>alert(5)</script>'
    for params in ({"q": "script"}, {"q": "tablets"}, {"q": hostile}, {"frist_bis": hostile}, {"ebene": hostile}):
        page = search(site, verl, **params)
        assert "<script" not in page.text.lower() and "<img" not in page.text
        assert "javascript:" not in page.text.lower()
    page = search(site, verl, q="script")
    assert found(page) == ["nrw:boese"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "&lt;img src=x" in page.text


# bad input → the field it belongs to and its German message
BAD = [
    ({"frist_bis": "32.13.2026"}, "frist_bis", "ist kein gültiges Datum"),
    ({"frist_bis": "31.02.2027"}, "frist_bis", "ist kein gültiges Datum"),
    ({"frist_bis": "morgen"}, "frist_bis", "Bitte als TT.MM.JJJJ angeben"),
    ({"frist_bis": "2027-13-01"}, "frist_bis", "ist kein gültiges Datum"),
    ({"ebene": "mars"}, "ebene", "Diese Ebene gibt es nicht"),
    ({"status": "bald"}, "status", "Diesen Status gibt es nicht"),
    ({"portal": "unbekannt"}, "portal", "Von diesem Portal ist kein Förderaufruf gespeichert"),
    ({"massnahme": "verwaltung"}, "massnahme", "Diese Maßnahme gibt es nicht"),  # the neighbour's measure
]


@pytest.mark.parametrize(("params", "field", "message"), BAD, ids=[str(p) for p, _, _ in BAD])
def test_bad_input_gets_a_german_message_at_its_field(site: Site, verl: requests.Session, params: dict[str, str],
                                                      field: str, message: str) -> None:
    page = search(site, verl, q="glasfaser", **params)
    assert page.status_code == 400
    text = html.unescape(page.text)
    at_field = re.search(rf'<p class="feldfehler" id="{field}-fehler">([^<]+)</p>', text)
    assert at_field and message in at_field.group(1)
    assert f'id="{field}" name="{field}"' in text and f'aria-describedby="{field}-fehler"' in text
    assert 'role="alert"' in text and f'href="#{field}"' in text
    assert 'id="ergebnisse"' not in text  # no results for a question that could not be read
    assert 'value="glasfaser"' in text  # what was typed stays


def test_another_municipality_and_an_unknown_one_are_not_found(site: Site, verl: requests.Session,
                                                               signed_in: Callable[[str], requests.Session]) -> None:
    shs = signed_in(SHS_DM)
    page = search(site, shs, q="glasfaser")
    assert page.status_code == 404 and "Gigabit" not in page.text and "Verl" not in page.text
    assert search(site, verl, "unbekannt").status_code == 404
    # The navigation of a municipality's pages leads here, and marks the page as current.
    own = search(site, verl)
    assert '<a href="/k/verl/suche" aria-current="page">Suche</a>' in own.text
    assert '<a href="/k/verl/suche">Suche</a>' in get(verl, site.url("/k/verl/fristen")).text


# what is typed into the box → the Aufruf page it opens (its short id, "{gigabit}" for nrw:gigabit's), or
# None: searched as before, with these results
SHORT_IDS: list[tuple[str, str | None, set[str]]] = [
    ("{gigabit}", "{gigabit}", set()),
    ("{gigabit_lower}", "{gigabit}", set()),  # any case
    ("  {gigabit_lower} ", "{gigabit}", set()),
    ("{other}", "{other}", set()),  # a programme's other page opens itself, as by its address
    ("verke", None, ids("strasse")),  # five letters a short id could have, but none has: words
    ("ZZZZZ", None, set()),
    ("{gigabit_o}", None, set()),  # "O" for "0" is forgiven in an address, not in a search: "solar" ≠ S01AR
    ("{gigabit} glasfaser", None, set()),  # more than the id: a search (that finds nothing here)
]


@pytest.mark.parametrize(("typed", "opens", "results"), SHORT_IDS, ids=[t for t, _, _ in SHORT_IDS])
def test_a_short_id_opens_its_aufruf_page(site: Site, verl: requests.Session, typed: str, opens: str | None,
                                          results: set[str]) -> None:
    short = site.store.short_ids(["nrw:gigabit", OTHER_PAGE])
    names = {"gigabit": short["nrw:gigabit"], "gigabit_lower": short["nrw:gigabit"].lower(),
             "gigabit_o": short["nrw:gigabit"].replace("0", "O"), "other": short[OTHER_PAGE]}
    assert "0" in names["gigabit"]  # else the look-alike row would test nothing
    if opens is None:
        assert set(found(search(site, verl, q=typed.format(**names)))) == results
        return
    page = search(site, verl, q=typed.format(**names), ebene="land")  # whatever the filters say
    assert page.status_code == 303 and page.headers["Location"] == f"/k/verl/aufruf/{opens.format(**names)}"
    aufruf = get(verl, site.url(page.headers["Location"]))
    assert aufruf.status_code == 200 and f'<span class="kennung">{opens.format(**names)}</span>' in aufruf.text


def test_a_short_id_never_opens_another_municipalitys_page(site: Site, verl: requests.Session,
                                                           signed_in: Callable[[str], requests.Session]) -> None:
    short = site.store.short_ids(["nrw:gigabit"])["nrw:gigabit"]
    shs = signed_in(SHS_DM)
    # Verl's search is not Schloß Holte-Stukenbrock's: 404 as for any other query, no address given away.
    for query in (short, "glasfaser"):
        page = search(site, shs, q=query)
        assert page.status_code == 404 and "Location" not in page.headers and "Gigabit" not in page.text
    # In its own search the short id opens its own Aufruf page, with its own measures.
    own = search(site, shs, SHS_SLUG, q=short.lower())
    assert own.status_code == 303 and own.headers["Location"] == f"/k/{SHS_SLUG}/aufruf/{short}"
    aufruf = html.unescape(get(shs, site.url(own.headers["Location"])).text)
    assert "Breitband im Gewerbegebiet" in aufruf and "Glasfaser und Gigabit" not in aufruf
