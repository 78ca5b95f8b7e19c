"""Kind ``feed``: RSS/Atom portals configured in portals.yaml only (mapping, filter, defaults, errors).

The service.bund.de capture is read from ../shared (third-party, never copied); the RSS 2.0 and Atom
fixtures under tests/fixtures/feed/ are invented.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from config_files import assert_entry_mistake_named, crawl_config, write_portals
from scrapy.http import Request, XmlResponse

from foerderradar.crawler.kinds.feed.config import FeedPortal
from foerderradar.crawler.kinds.feed.spider import FeedSpider
from foerderradar.crawler.mapping import SourceError
from foerderradar.crawler.runner import check_portal, crawl
from foerderradar.fixture_server import FixtureServer
from foerderradar.model import FundingCall
from foerderradar.settings import load_portals
from foerderradar.storage import Store

FIXTURES = Path(__file__).parent.parent / "fixtures" / "feed"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "portal-kinds.md"
FEED_URL = "https://foerderung.example.org/rss/aufrufe.xml"
ATOM_URL = "https://foerderagentur.example.org/feeds/aufrufe.atom"
SERVICE_BUND_URL = "https://www.service.bund.de/Content/Globals/Functions/RSSFeed/RSSGenerator_Ausschreibungen.xml"
TODAY = date(2026, 11, 25)
CET = timezone(timedelta(hours=1))


def portal(url: str = FEED_URL, **keys: Any) -> FeedPortal:
    return FeedPortal.model_validate({"key": "aufrufe", "kind": "feed", "url": url, **keys})


def parse(p: FeedPortal, body: bytes, today: date = TODAY) -> list[dict[str, Any]]:
    spider = FeedSpider(portal=p)
    spider.today = today
    response = XmlResponse(url=p.url, body=body, request=Request(p.url))
    items = list(spider.parse(response))
    for item in items:
        FundingCall.model_validate(item)  # every item passes the pipeline's validation
    return items


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# -- the recorded service.bund.de tenders feed --------------------------------------------------------


def test_service_bund_capture(captures: Path) -> None:
    body = (captures / "service-bund" / "servicebund_rss_ausschreibungen_1.xml").read_bytes()
    items = parse(portal(SERVICE_BUND_URL, defaults={"level": "bund"}), body, today=date(2026, 5, 2))
    assert [i["title"] for i in items] == ["OTH MZH Heizunganlagen", "00 PH 2023-01/D.04 Blitzschutzarbeiten"]
    assert [i["url"] for i in items] == [
        "https://www.service.bund.de/IMPORTE/Ausschreibungen/obb/2026/05/193785.html#track=feed-callforbids",
        "https://www.service.bund.de/IMPORTE/Ausschreibungen/abc/2026/05/432613G349409.html#track=feed-callforbids",
    ]
    # The guid where there is one, else the link without its tracking fragment.
    assert [i["source_id"] for i in items] == [
        "https://www.service.bund.de/IMPORTE/Ausschreibungen/obb/2026/05/193785.html",
        "https://www.service.bund.de/IMPORTE/Ausschreibungen/abc/2026/05/432613G349409.html",
    ]
    # "Angebotsfrist: <strong>22.05.2026 08:30</strong>" inside the HTML description.
    assert [i["deadline"] for i in items] == [date(2026, 5, 22), date(2026, 5, 15)]
    assert items[0]["deadline_text"] == "Angebotsfrist: 22.05.2026 08:30"
    assert [i["status"] for i in items] == ["open", "open"]
    assert "Erfüllungsort: 92224 Amberg" in items[0]["description"]  # entities decoded, tags stripped
    assert "<strong>" not in items[0]["description"]
    assert items[0]["published_at"] == datetime(2026, 5, 1, 13, 6, 33, tzinfo=UTC)
    assert all(i["source"] == "aufrufe" and i["level"] == "bund" for i in items)


# -- own fixtures: RSS 2.0 and Atom ---------------------------------------------------------------------

RSS_CASES = [
    # (item index, field, expected)
    (0, "title", "Förderaufruf „Digitale Modellkommunen 2027“"),
    (0, "url", "https://foerderung.example.org/foerderung/aufrufe/modellkommunen-2027.html"),  # relative link
    (0, "source_id", "aufruf-2027-01"),  # the guid, even when it is no permalink
    (0, "topics", ["Digitalisierung", "Kommunen"]),
    (0, "language", "de"),  # <language>de-de</language> of the channel
    (0, "published_at", datetime(2026, 11, 2, 9, 0, tzinfo=CET)),
    (0, "summary", "Gefördert werden Kommunen und Landkreise, die Verwaltungsleistungen digitalisieren.\n"
                   "Die Förderquote beträgt bis zu 80 %, maximal 200.000 Euro je Vorhaben.\n"
                   "Projektskizzen sind bis zum 31.03.2027 einzureichen."),
    (0, "deadline", date(2027, 3, 31)),
    (0, "status", "open"),
    (0, "funding_rate_pct", 80.0),
    (0, "max_amount_eur", 200_000.0),
    (0, "funding_body", None),  # <dc:creator> only when mapped
    (1, "source_id", "https://foerderung.example.org/foerderung/breitband-lueckenschluss.html"),
    (1, "url", "https://foerderung.example.org/foerderung/breitband-lueckenschluss.html#track=rss"),
    (1, "summary", "Kurzinfo: Glasfaser für Gewerbegebiete, Anträge laufend möglich."),
    (1, "description", "Worum geht es?\nGlasfaser für Gewerbegebiete, die bisher unterversorgt sind.\nAntrag\n"
                       "Anträge können laufend gestellt werden, bis die Mittel ausgeschöpft sind."),  # content:encoded
    (1, "deadline_text", "laufend"),
    (1, "deadline", None),
    (1, "status", "open"),
    (2, "source_id", "https://foerderung.example.org/presse/messe-2026.html"),
    (2, "topics", None),
    (2, "status", None),
]  # fmt: skip


@pytest.mark.parametrize(("index", "name", "expected"), RSS_CASES)
def test_rss2_fixture(index: int, name: str, expected: object) -> None:
    items = parse(portal(), fixture("rss2.xml"))
    assert len(items) == 3
    assert items[index].get(name) == expected


ATOM_CASES = [
    (0, "title", "Smart-City-Strategien kleiner Städte"),  # type="html": markup stripped
    (0, "url", "https://foerderagentur.example.org/aufrufe/smart-city-2027"),  # rel=alternate, not the PDF
    (0, "source_id", "tag:foerderagentur.example.org,2026:aufruf-17"),
    (0, "topics", ["Smart City", "strategie"]),  # label, else term
    (0, "summary", "Zuschuss für Smart-City-Strategien von Städten unter 50.000 Einwohnern."),
    (0, "description", "Antragsberechtigt sind Kommunen.\nDie Antragsfrist endet am 15. Februar 2027.\n"
                       "Förderquote: bis zu 90 %."),  # type="xhtml" content
    (0, "deadline", date(2027, 2, 15)),
    (0, "funding_rate_pct", 90.0),
    (0, "language", "de"),
    (0, "published_at", datetime(2026, 11, 19, 9, 0, tzinfo=UTC)),
    (0, "updated_at", datetime(2026, 11, 20, 8, 0, tzinfo=UTC)),
    (1, "url", "https://foerderagentur.example.org/aufrufe/dorfplaetze"),  # a link without rel
    (1, "summary", "Preisgeld für Ideen zu digitalen Treffpunkten. Einsendeschluss: 31.01.2027."),
    (1, "description", "Preisgeld für Ideen zu digitalen Treffpunkten. Einsendeschluss: 31.01.2027."),
    (1, "deadline", date(2027, 1, 31)),
    (1, "published_at", None),
]  # fmt: skip


@pytest.mark.parametrize(("index", "name", "expected"), ATOM_CASES)
def test_atom_fixture(index: int, name: str, expected: object) -> None:
    items = parse(portal(ATOM_URL), fixture("atom.xml"))
    assert len(items) == 2
    assert items[index].get(name) == expected


def test_rss1_rdf_feed() -> None:
    body = b"""<?xml version="1.0"?>
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
             xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://x.example.org/"><title>X</title><dc:language>de</dc:language></channel>
      <item rdf:about="https://x.example.org/a"><title>Aufruf A</title><link>https://x.example.org/a</link>
        <dc:date>2026-10-01</dc:date><dc:subject>Kultur</dc:subject></item>
    </rdf:RDF>"""
    [item] = parse(portal(), body)
    assert (item["title"], item["source_id"], item["topics"]) == ("Aufruf A", "https://x.example.org/a", ["Kultur"])
    assert item["published_at"] == datetime(2026, 10, 1, tzinfo=UTC) and item["language"] == "de"


# -- filter, defaults, explicit fields ----------------------------------------------------------------

FILTERS = [
    ([], [0, 1, 2]),
    (["förder"], [0]),  # case-insensitive: "Förderaufruf"
    (["GLASFASER", "modellkommunen"], [0, 1]),  # any keyword; content:encoded counts as description
    (["Pressemitteilung"], [2]),  # description only, not in the title
    (["Wasserstoff"], []),
]


@pytest.mark.parametrize(("keywords", "kept"), FILTERS)
def test_filter_keywords(keywords: list[str], kept: list[int]) -> None:
    titles = [i["title"] for i in parse(portal(), fixture("rss2.xml"))]
    assert [i["title"] for i in parse(portal(filter=keywords), fixture("rss2.xml"))] == [titles[k] for k in kept]


DEFAULTS = {
    "level": "land",
    "regions": "DE-NW",  # one value where a list belongs
    "applicants": ["kommune", "landkreis"],
    "funding_type": ["zuschuss"],
    "status": "unknown",
    "funding_body": "Ministerium für Digitales (Beispiel)",
}
DEFAULT_CASES = [
    (0, "level", "land"),
    (0, "regions", ["DE-NW"]),
    (0, "applicants", ["kommune", "landkreis"]),
    (0, "funding_type", ["zuschuss"]),
    (0, "funding_body", "Ministerium für Digitales (Beispiel)"),
    (0, "status", "open"),  # what the text says wins over a default
    (2, "status", "unknown"),  # the text says nothing: the default
]


@pytest.mark.parametrize(("index", "name", "expected"), DEFAULT_CASES)
def test_defaults_fill_what_the_feed_does_not_say(index: int, name: str, expected: object) -> None:
    items = parse(portal(defaults=DEFAULTS), fixture("rss2.xml"))
    assert items[index][name] == expected


def test_explicit_fields_win_and_switch_off_text_extraction() -> None:
    fields = {
        "funding_body": "author",
        "topics": [],  # switches the default mapping off
        "deadline": {"value": "2027-06-30"},  # mapped: not read from the text ("bis zum 31.03.2027")
        "summary": ["content", "summary"],
        "level": {"value": "land"},
    }
    first, second, _ = parse(portal(fields=fields), fixture("rss2.xml"))
    assert first["funding_body"] == "Referat Digitale Verwaltung"
    assert first.get("topics") is None and first["level"] == "land"
    assert first["deadline"] == date(2027, 6, 30)
    assert first["deadline_text"] == "Projektskizzen sind bis zum 31.03.2027 einzureichen."  # not mapped: from text
    assert second["summary"].startswith("Worum geht es?")


def test_entry_without_title_is_reported_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    body = b"""<rss version="2.0"><channel>
      <item><title>Aufruf A</title><link>https://foerderung.example.org/a</link></item>
      <item><description>ohne Titel</description><link>https://foerderung.example.org/b</link></item>
      <item><title>Aufruf C</title><link>https://foerderung.example.org/c</link></item>
    </channel></rss>"""
    with caplog.at_level(logging.ERROR):
        items = parse(portal(), body)
    assert [i["title"] for i in items] == ["Aufruf A", "Aufruf C"]
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.getMessage() == f"{FEED_URL}: feed entry [1] skipped: title missing (source: 'title')"


BROKEN = [
    (b"<rss><channel><item><title>x</title></channel></rss>", "not well-formed XML"),
    (b"<!DOCTYPE html><html><body>Wartung</body></html>", "not an RSS or Atom feed (the document is <html>)"),
    (b'{"items": []}', "not well-formed XML"),
    (b"   ", "empty response"),
    (b'<rss version="2.0"></rss>', "feed layout changed: <rss> without <channel>"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "problem"), BROKEN)
def test_not_a_feed_is_an_error_naming_the_url(body: bytes, problem: str) -> None:
    with pytest.raises(SourceError) as info:
        parse(portal(), body)
    assert str(info.value).startswith(f"{FEED_URL}: ") and problem in str(info.value)


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("GEHEIM", encoding="utf-8")
    body = f"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>
    <rss version="2.0"><channel><item><title>A &xxe;</title><link>https://x.example.org/a</link></item>
    </channel></rss>""".encode()
    [item] = parse(portal(), body)
    assert "GEHEIM" not in repr(item)


def test_empty_feed_yields_nothing_without_error() -> None:
    assert parse(portal(), b'<rss version="2.0"><channel><title>leer</title></channel></rss>') == []


# -- config validation ----------------------------------------------------------------------------------

GOOD = {"key": "ok", "kind": "feed", "url": FEED_URL}
MISTAKES = [
    ({"url": "ftp://example.org/feed"}, "portals[1].url: 'ftp://example.org/feed' ist keine http(s)-Adresse"),
    ({"url": None}, "portals[1].url: erwartet wird ein Text; hier steht nichts"),
    ({"feed_url": FEED_URL}, "portals[1].feed_url: unbekannter Schlüssel"),
    ({"defaults": {"applicants": ["gemeinde"]}},
     "portals[1].defaults.applicants[0]: 'gemeinde' ist nicht erlaubt; möglich sind: kommune"),
    ({"defaults": {"level": "kreis"}},
     "portals[1].defaults.level: 'kreis' ist nicht erlaubt; möglich sind: eu, bund, land, regional"),
    ({"defaults": {"regions": ["NRW"]}}, "portals[1].defaults.regions: 'NRW' ist kein Regionskürzel nach ISO 3166-2"),
    ({"defaults": {"title": "x"}}, "portals[1].defaults.title: unbekannter Schlüssel"),
    ({"defaults": {"funding_rate_pct": 150}},
     "portals[1].defaults.funding_rate_pct: darf höchstens 100 sein, nicht 150"),
    ({"fields": {"titel": "title"}}, "portals[1].fields.titel: unbekannter Schlüssel"),
    ({"fields": {"title": "headline"}}, "portals[1].fields.title: 'headline' ist kein Feed-Element"),
    ({"fields": {"title": {"value": "Aufruf"}}},
     "portals[1].fields.title: ein fester Wert für title wäre bei jedem Eintrag gleich"),
    ({"fields": {"level": {"value": "kreis"}}},
     "portals[1].fields.level: 'kreis' ist nicht erlaubt; möglich sind: eu, bund, land"),
    ({"fields": {"level": {"wert": "land"}}}, "portals[1].fields.level: einen festen Wert als {value: …} schreiben"),
    ({"fields": {"topics": 5}}, "portals[1].fields.topics: erwartet wird ein Feed-Element, eine Liste davon"),
    ({"filter": ["Glasfaser", " "]}, "portals[1].filter: ein Stichwort darf nicht leer sein"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), MISTAKES)
def test_config_mistakes_are_named(tmp_path: Path, change: dict[str, Any], expected: str) -> None:
    assert_entry_mistake_named(tmp_path, GOOD, change, expected)


def test_plain_feed_needs_only_url_and_survives_the_worker_round_trip(tmp_path: Path) -> None:
    full = {**GOOD, "key": "full", "fields": {"level": {"value": "land"}, "funding_body": "author"},
            "defaults": {"deadline": "2027-01-31", "regions": "DE"}, "filter": "Glasfaser"}  # fmt: skip
    [plain, configured] = load_portals(write_portals(tmp_path, GOOD, full))
    assert isinstance(plain, FeedPortal) and plain.fields.mapped() == {} and plain.filter == []
    assert isinstance(configured, FeedPortal) and configured.filter == ["Glasfaser"]
    assert configured.defaults.deadline == date(2027, 1, 31) and configured.defaults.regions == ["DE"]
    # The runner hands the entry to the worker as JSON; it must come back the same.
    assert FeedPortal.model_validate(configured.model_dump(mode="json")) == configured


# -- end to end: runner → worker → Scrapy → spider → pipeline → store -----------------------------------

def test_feed_crawl_stores_items_with_defaults_and_text_deadlines(tmp_path: Path, store: Store) -> None:
    """Load, repeat, portals check and failures: tests/crawler/test_kind_contract.py (every kind)."""
    routes = {"/rss/aufrufe.xml": "rss2.xml"}
    with FixtureServer(FIXTURES, routes) as server:
        p = portal(base_url=server.base_url, defaults={"level": "land", "regions": ["DE-NW"]})
        [first] = crawl(crawl_config(tmp_path, p), store, cache_dir=tmp_path / "cache")
    assert first.ok and first.errors == 0, first.messages
    assert (first.items, first.new, first.changed) == (3, 3, 0)
    assert store.count_calls() == 3
    call = store.get_call("aufrufe:aufruf-2027-01")
    assert call is not None and call.deadline == date(2027, 3, 31) and call.regions == ["DE-NW"]
    # base_url is invisible to the data: the stored URL is the portal's real one.
    assert call.url == "https://foerderung.example.org/foerderung/aufrufe/modellkommunen-2027.html"


def test_feed_that_is_no_feed_fails_the_portal_naming_the_url(tmp_path: Path, store: Store) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "wartung.html").write_text("<html><body>Wartungsarbeiten</body></html>", encoding="utf-8")
    with FixtureServer(site, {"/rss/aufrufe.xml": "wartung.html"}) as server:
        [result] = crawl(crawl_config(tmp_path, portal(base_url=server.base_url)), store, cache_dir=tmp_path / "c")
    assert not result.ok and result.items == 0
    assert any(FEED_URL in m and "not an RSS or Atom feed" in m for m in result.messages), result.messages


def test_portals_check_shows_items_and_warns_on_none(tmp_path: Path) -> None:
    with FixtureServer(FIXTURES, {"/feeds/aufrufe.atom": "atom.xml"}) as server:
        good = portal(ATOM_URL, base_url=server.base_url)
        filtered = portal(ATOM_URL, key="leer", base_url=server.base_url, filter=["Wasserstoff"])
        cfg = crawl_config(tmp_path, good, filtered)
        result = check_portal(good, cfg, cache_dir=tmp_path / "c")
        empty = check_portal(filtered, cfg, cache_dir=tmp_path / "c")
    assert result.ok and result.items == 2 and result.filled["deadline"] == 2
    assert result.sample[0]["url"] == "https://foerderagentur.example.org/aufrufe/smart-city-2027"
    assert empty.ok and empty.items == 0
    assert any("Keine Einträge gefunden" in w for w in empty.warnings())
