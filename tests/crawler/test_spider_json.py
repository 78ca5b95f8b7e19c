"""Kind ``json``: JSON APIs configured in portals.yaml only (paths, coercion, pagination, errors).

The API answers under tests/fixtures/json/ are invented, in the style of a search API whose values
are nested and often lists.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from config_files import assert_entry_mistake_named, crawl_config, write_portals
from scrapy import Request
from scrapy.http import TextResponse

from foerderradar.crawler.entry.mapping import (
    IDENTITY_FIELDS,
    LIST_FIELDS,
    MAPPABLE_FIELDS,
    CallDefaults,
    FieldMap,
)
from foerderradar.crawler.kinds.json.config import JsonPortal
from foerderradar.crawler.kinds.json.spider import JsonApiSpider
from foerderradar.crawler.mapping import (
    DATE_FIELDS,
    DATETIME_FIELDS,
    LINE_FIELDS,
    MISSING,
    NUMBER_FIELDS,
    TEXT_FIELDS,
    CoercionError,
    SourceError,
    coerce,
    parse_number,
    resolve_path,
)
from foerderradar.crawler.runner import crawl
from foerderradar.fixture_server import FixtureServer
from foerderradar.model import FundingCall
from foerderradar.settings import ConfigError, load_portals
from foerderradar.storage import Store

FIXTURES = Path(__file__).parent.parent / "fixtures" / "json"
API_URL = "https://api.foerderung.example.org/v1/calls"
TODAY = date(2026, 11, 25)
FIELDS = {
    "source_id": "identifier",
    "title": "metadata.title.0",
    "summary": "summary",
    "deadline": "metadata.deadlineDate.0",
    "open_date": "metadata.startDate",  # a list without an index: its first element
    "topics": "metadata.keywords",
    "applicants": "metadata.applicants",
    "status": "metadata.status.0",
    "max_amount_eur": "budget",
    "funding_rate_pct": "rate",
}
TEMPLATE = "https://foerderung.example.org/aufruf/{identifier}"


def portal(**keys: Any) -> JsonPortal:
    entry = {"key": "api", "kind": "json", "url": API_URL, "items": "data.results", "fields": FIELDS}
    return JsonPortal.model_validate({**entry, "url_template": TEMPLATE, **keys})


def spider_for(p: JsonPortal) -> JsonApiSpider:
    spider = JsonApiSpider(portal=p)
    spider.today = TODAY
    return spider


def respond(request: Request, body: bytes) -> TextResponse:
    return TextResponse(url=request.url, body=body, encoding="utf-8", request=request)


def run(spider: JsonApiSpider, body: bytes, page: int | None = None) -> tuple[list[dict[str, Any]], list[Request]]:
    request = spider.page_request(page)
    out = list(spider.parse(respond(request, body), page=page))
    items = [o for o in out if isinstance(o, dict)]
    for item in items:
        FundingCall.model_validate(item)  # every item passes the pipeline's validation
    return items, [o for o in out if isinstance(o, Request)]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# -- mapping the fixture pages --------------------------------------------------------------------------

CASES = [
    # (page file, item index, field, expected)
    ("page1.json", 0, "source", "api"),
    ("page1.json", 0, "source_id", "DIGI-2027-KOMMUNE-01"),
    ("page1.json", 0, "title", "KI-Assistenz für kommunale Bürgerdienste"),  # list index
    ("page1.json", 0, "url", "https://foerderung.example.org/aufruf/DIGI-2027-KOMMUNE-01"),  # url_template
    ("page1.json", 0, "summary", "Pilotprojekte für KI-gestützte Bürgerdienste in Kommunen."),  # HTML stripped
    ("page1.json", 0, "deadline", date(2027, 2, 18)),  # ISO with time and offset
    ("page1.json", 0, "open_date", date(2026, 11, 1)),
    ("page1.json", 0, "topics", ["Künstliche Intelligenz", "Verwaltung"]),
    ("page1.json", 0, "applicants", ["kommune", "landkreis"]),  # portal labels → vocabulary
    ("page1.json", 0, "status", "open"),  # "Offen"
    ("page1.json", 0, "max_amount_eur", 1_500_000.0),  # "1,5 Mio. EUR"
    ("page1.json", 0, "funding_rate_pct", 70.0),  # "70 %"
    ("page1.json", 1, "deadline", date(2027, 3, 15)),  # German date
    ("page1.json", 1, "applicants", ["schultraeger"]),  # already a code
    ("page1.json", 1, "status", "upcoming"),  # "forthcoming"
    ("page1.json", 1, "max_amount_eur", 250_000.0),  # a JSON number
    ("page1.json", 1, "funding_rate_pct", None),  # mapped but absent: never read from the text
    ("page2.json", 0, "deadline", date(2026, 12, 31)),  # "31. Dezember 2026"
    ("page2.json", 0, "topics", ["Breitband"]),  # a scalar where a list belongs
    ("page2.json", 0, "applicants", ["oeffentliche_einrichtung"]),  # "Stadtwerk" is unknown: dropped
    ("page2.json", 0, "status", "closed"),  # "Abgelaufen"
    ("page2.json", 0, "max_amount_eur", None),  # null
]


@pytest.mark.parametrize(("page", "index", "name", "expected"), CASES)
def test_fixture_pages(page: str, index: int, name: str, expected: object) -> None:
    items, _ = run(spider_for(portal()), fixture(page), page=None)
    assert items[index].get(name) == expected


def test_unknown_labels_are_logged_not_guessed(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        run(spider_for(portal()), fixture("page2.json"))
    assert any("data.results[0]: applicants from 'metadata.applicants': unknown 'Stadtwerk'" in r.getMessage()
               for r in caplog.records), caplog.text  # fmt: skip


def test_default_fields_id_url_title_and_top_level_list() -> None:
    body = json.dumps([
        {"id": 7, "url": "/calls/7", "title": "Sieben", "text": "Antragsfrist: 30.06.2027"},
        {"url": "https://api.foerderung.example.org/calls/8", "title": "Acht"},
    ]).encode()  # fmt: skip
    p = JsonPortal.model_validate({"key": "api", "kind": "json", "url": API_URL, "items": "", "fields":
                                   {"description": "text"}, "defaults": {"level": "land"}})  # fmt: skip
    items, _ = run(spider_for(p), body)
    assert [(i["source_id"], i["url"]) for i in items] == [
        ("7", "https://api.foerderung.example.org/calls/7"),  # numbers become text; relative URLs absolute
        ("https://api.foerderung.example.org/calls/8", "https://api.foerderung.example.org/calls/8"),  # no id: the URL
    ]
    assert items[0]["deadline"] == date(2027, 6, 30) and items[0]["level"] == "land"  # text, then defaults


def test_url_template_values_are_percent_encoded() -> None:
    body = json.dumps({"data": {"results": [{"identifier": "A B/ü", "metadata": {"title": ["T"]}}]}}).encode()
    items, _ = run(spider_for(portal()), body)
    assert items[0]["url"] == "https://foerderung.example.org/aufruf/A%20B/%C3%BC"


def test_filter_applies_to_json_items_too() -> None:
    items, _ = run(spider_for(portal(filter=["lernräume", "glasfaser"])), fixture("page1.json"))
    assert [i["source_id"] for i in items] == ["DIGI-2027-SCHULE-02"]


def test_missing_required_field_skips_only_that_item(caplog: pytest.LogCaptureFixture) -> None:
    results = [
        {"identifier": "A", "metadata": {"title": ["Erster"]}},
        {"identifier": "B", "metadata": {"title": []}},
        {"metadata": {"title": ["Ohne Kennung"]}},
        {"identifier": "D", "metadata": {"title": ["Vierter"]}},
    ]
    body = json.dumps({"data": {"results": results}}).encode()
    with caplog.at_level(logging.ERROR):
        items, _ = run(spider_for(portal()), body)
    assert [i["source_id"] for i in items] == ["A", "D"]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        f"{API_URL}: item data.results[1] skipped: title missing (source: 'metadata.title.0')",
        f"{API_URL}: item data.results[2] skipped: url missing (url_template placeholder {{identifier}} "
        "is empty or not there)",
    ]


LAYOUT_ERRORS = [
    (b"<html><body>Wartung</body></html>", "data.results", "response is not JSON"),
    (b'{"data": {"items": []}}', "data.results",
     "layout changed: items path 'data.results' not found: 'results' not in data (keys there: items)"),
    (b'{"daten": {}}', "data.results", "'data' not in the top level (keys there: daten)"),
    (b'{"data": {"results": {"a": 1}}}', "data.results", "items path 'data.results' is a dict, not a list"),
    (b'{"data": []}', "", "items path the top level is a dict, not a list"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "items_path", "problem"), LAYOUT_ERRORS)
def test_changed_source_is_an_error_naming_url_and_path(body: bytes, items_path: str, problem: str) -> None:
    with pytest.raises(SourceError) as info:
        run(spider_for(portal(items=items_path)), body)
    assert str(info.value).startswith(f"{API_URL}: ") and problem in str(info.value)


def test_null_items_is_an_empty_page() -> None:
    assert run(spider_for(portal()), b'{"data": {"results": null}}') == ([], [])


# -- requests and pagination ----------------------------------------------------------------------------


def test_get_request_with_page_parameter() -> None:
    p = portal(url=f"{API_URL}?lang=de&page=9", pagination={"param": "page", "start": 1})
    request = spider_for(p).page_request(1)
    assert request.method == "GET" and request.body == b""
    assert request.url == f"{API_URL}?lang=de&page=1"  # an existing value is replaced, other parameters kept
    assert request.headers["Accept"] == b"application/json"


def test_post_request_carries_the_json_body() -> None:
    body = {"query": {"bool": {"must": [{"terms": {"status": ["open"]}}]}}, "sprache": "deutsch"}
    p = portal(method="post", body=body, pagination={"param": "pageNumber"})
    request = spider_for(p).page_request(3)
    assert request.method == "POST" and request.url == f"{API_URL}?pageNumber=3"
    assert json.loads(request.body) == body
    assert request.headers["Content-Type"] == b"application/json"
    assert request.meta["dont_cache"] is True


def test_no_pagination_means_one_request() -> None:
    spider = spider_for(portal())
    request = spider.page_request(None)
    assert request.url == API_URL and request.cb_kwargs == {"page": None}
    assert run(spider, fixture("page1.json"))[1] == []


PAGINATION = [
    # (pagination, pages served in order, expected pages requested after each)
    ({"param": "page"}, ["page1.json", "page2.json", "page3.json"], [2, 3, None]),  # stops at the empty page
    ({"param": "page", "max_pages": 2}, ["page1.json", "page2.json"], [2, None]),
    ({"param": "page", "start": 0}, ["page1.json", "page2.json", "page3.json"], [1, 2, None]),
    ({"param": "page"}, ["page1.json", "page1.json"], [2, None]),  # the API ignores the parameter
]


@pytest.mark.parametrize(("pagination", "pages", "expected"), PAGINATION)
def test_pagination(pagination: dict[str, Any], pages: list[str], expected: list[int | None]) -> None:
    spider = spider_for(portal(pagination=pagination))
    page: int | None = pagination.get("start", 1)
    requested: list[int | None] = []
    for name in pages:
        _, follow = run(spider, fixture(name), page=page)
        page = follow[0].cb_kwargs["page"] if follow else None
        if follow:
            assert f"{pagination['param']}={page}" in follow[0].url
        requested.append(page)
    assert requested == expected


def test_entry_max_pages_applies_without_pagination_max_pages() -> None:
    spider = spider_for(portal(max_pages=1, pagination={"param": "page"}))
    assert run(spider, fixture("page1.json"), page=1)[1] == []


# -- value coercion and paths ---------------------------------------------------------------------------

BASE = "https://api.foerderung.example.org/v1/calls"
COERCE = [
    ("topics", "Breitband", ["Breitband"]),
    ("topics", ["A", "", None, " B "], ["A", "B"]),
    ("regions", ["Nordrhein-Westfalen", "de-by", "Mars"], ["DE-NW", "DE-BY"]),
    ("funding_type", "Darlehen", ["darlehen"]),
    ("applicants", ["KMU", "Kommunen"], ["kmu", "kommune"]),
    ("title", ["Erster", "Zweiter"], "Erster"),  # a list where one value belongs: the first
    ("title", "  Zwei\n Zeilen ", "Zwei Zeilen"),
    ("description", ["<p>Eins</p>", "Zwei"], "Eins\n\nZwei"),  # free text: all paragraphs
    ("source_id", 4711, "4711"),
    ("url", "/call/1", "https://api.foerderung.example.org/call/1"),
    ("deadline", "2027-02-18T17:00:00.000+0100", date(2027, 2, 18)),
    ("deadline", "18.02.2027", date(2027, 2, 18)),
    ("deadline", "18. Februar 2027", date(2027, 2, 18)),
    ("deadline", ["2027-02-18", "2027-05-01"], date(2027, 2, 18)),
    ("published_at", "2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
    ("published_at", "2026-11-01T10:00:00Z", datetime(2026, 11, 1, 10, tzinfo=UTC)),
    ("published_at", "Fri, 1 May 2026 15:06:33 +0200", datetime(2026, 5, 1, 13, 6, 33, tzinfo=UTC)),
    ("published_at", 1_700_000_000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
    ("published_at", 1_700_000_000_000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),  # milliseconds
    ("max_amount_eur", "1.250.000,50 €", 1_250_000.5),
    ("max_amount_eur", "200.000 EUR", 200_000.0),
    ("max_amount_eur", "1,5 Mio. EUR", 1_500_000.0),
    ("max_amount_eur", "2 Mrd", 2e9),
    ("max_amount_eur", "1,000,000", 1_000_000.0),
    ("max_amount_eur", "2.5", 2.5),
    ("max_amount_eur", 12, 12.0),
    ("funding_rate_pct", "80 %", 80.0),
    ("status", "Forthcoming", "upcoming"),
    ("status", "irgendwas", None),
    ("level", "BUND", "bund"),
    ("language", "de-DE", "de"),
    ("language", "Deutsch", "de"),
    ("summary", "   ", None),
    ("topics", [], None),
]


def test_field_tables_cover_the_canonical_call() -> None:
    """A field added to FundingCall must get a shape here, or the config could not map it."""
    shapes = [LIST_FIELDS, TEXT_FIELDS, LINE_FIELDS, DATE_FIELDS, DATETIME_FIELDS, NUMBER_FIELDS]
    assert sorted(name for shape in shapes for name in shape) == sorted(MAPPABLE_FIELDS)  # each exactly once
    assert set(FieldMap.model_fields) == set(MAPPABLE_FIELDS)
    assert set(CallDefaults.model_fields) == set(MAPPABLE_FIELDS) - set(IDENTITY_FIELDS)


@pytest.mark.parametrize(("name", "raw", "expected"), COERCE)
def test_coerce(name: str, raw: object, expected: object) -> None:
    assert coerce(name, raw, base_url=BASE, today=TODAY).value == expected


@pytest.mark.parametrize(("name", "raw"), [("title", {"de": "x"}), ("deadline", "demnächst"),
                                           ("max_amount_eur", "keine Angabe"), ("published_at", "bald")])  # fmt: skip
def test_unusable_values_are_coercion_errors(name: str, raw: object) -> None:
    with pytest.raises(CoercionError):
        coerce(name, raw, today=TODAY)


def test_parse_number_reads_the_first_number() -> None:
    assert parse_number("bis zu 90 %, mindestens 10 %") == 90.0


DATA = {"a": {"b": [{"c": 1}, {"c": 2}]}, "0": "null als Schlüssel"}
PATHS = [
    ("a.b.1.c", 2),
    ("a.b.-1.c", 2),
    ("a.b.5.c", MISSING),
    ("a.x", MISSING),
    ("a.b.c", MISSING),  # a key on a list
    ("0", "null als Schlüssel"),  # a numeric key on a mapping
    ("", DATA),
]


@pytest.mark.parametrize(("path", "expected"), PATHS)
def test_resolve_path(path: str, expected: object) -> None:
    assert resolve_path(DATA, path) is expected or resolve_path(DATA, path) == expected


# -- config validation ----------------------------------------------------------------------------------

GOOD = {"key": "ok", "kind": "json", "url": API_URL, "items": "data.results"}
MISTAKES = [
    ({"item_path": "data"}, "portals[1].item_path: unbekannter Schlüssel"),
    ({"items": 5}, "portals[1].items: erwartet wird ein Text; hier steht die Zahl 5"),
    ({"items": ["data", "results"]}, "portals[1].items: erwartet wird ein Text; hier steht eine Liste mit 2 Einträgen"),
    ({"items": "data..results"}, "portals[1].items: 'data..results' ist kein Punkt-Pfad zur Liste der Einträge"),
    ({"items": None}, "portals[1].items: erwartet wird ein Text; hier steht nichts"),
    ({"url": "file:///tmp/calls.json"}, "portals[1].url: 'file:///tmp/calls.json' ist keine http(s)-Adresse"),
    ({"method": "PUT"}, "portals[1].method: 'PUT' ist nicht erlaubt; möglich sind: GET, POST"),
    ({"body": {"q": 1}}, "portals[1].body: body wird nur mit method: POST gesendet"),
    ({"method": "POST", "body": {"seit": date(2026, 1, 1)}}, "portals[1].body: muss reines JSON sein"),
    ({"fields": {"title": "metadata..title"}}, "portals[1].fields.title: 'metadata..title' ist kein Punkt-Pfad"),
    ({"fields": {"titel": "title"}}, "portals[1].fields.titel: unbekannter Schlüssel"),
    ({"fields": {"title": []}}, "portals[1].fields.title: jeder Förderaufruf braucht title"),
    ({"fields": {"url": "link"}, "url_template": "https://x.example.org/{id}"},
     "portals[1].url_template: entweder url_template oder fields.url angeben, nicht beides"),
    ({"url_template": "https://x.example.org/call"},
     "portals[1].url_template: 'https://x.example.org/call' enthält keinen Platzhalter"),
    ({"url_template": "https://x.example.org/{}"}, "portals[1].url_template: '' ist kein Punkt-Pfad in {…}"),
    ({"url_template": "ftp://x.example.org/{id}"},
     "portals[1].url_template: 'ftp://x.example.org/x' ist keine http(s)-Adresse"),
    ({"pagination": {"page": "p"}}, "portals[1].pagination.page: unbekannter Schlüssel"),
    ({"pagination": {"page": "p"}}, "portals[1].pagination.param: fehlt"),
    ({"pagination": {"param": "p", "max_pages": 0}},
     "portals[1].pagination.max_pages: muss mindestens 1 sein, nicht 0"),
    ({"defaults": {"funding_type": ["foerderung"]}},
     "portals[1].defaults.funding_type[0]: 'foerderung' ist nicht erlaubt; möglich sind: zuschuss"),
    ({"defaults": {"applicants": "gemeinde"}},
     "portals[1].defaults.applicants[0]: 'gemeinde' ist nicht erlaubt; möglich sind: kommune"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), MISTAKES)
def test_config_mistakes_are_named(tmp_path: Path, change: dict[str, Any], expected: str) -> None:
    assert_entry_mistake_named(tmp_path, GOOD, change, expected)


def test_missing_items_key_is_named(tmp_path: Path) -> None:
    write_portals(tmp_path, {"key": "bad", "kind": "json", "url": API_URL})
    with pytest.raises(ConfigError, match=r"portals\[0\]\.items: fehlt"):
        load_portals(tmp_path)


def test_config_survives_the_worker_round_trip(tmp_path: Path) -> None:
    full = {
        **GOOD,
        "method": "post",
        "body": {"q": ["a"]},
        "fields": {**FIELDS, "level": {"value": "eu"}},
        "url_template": TEMPLATE,
        "pagination": {"param": "page"},
        "defaults": {"open_date": "2026-01-01"},
    }
    [p] = load_portals(write_portals(tmp_path, full))
    assert isinstance(p, JsonPortal) and p.method == "POST" and p.fields.level is not None
    assert JsonPortal.model_validate(p.model_dump(mode="json")) == p


# -- end to end: runner → worker → Scrapy → spider → pipeline → store -----------------------------------

ROUTES = {"/v1/calls?page=1": "page1.json", "/v1/calls?page=2": "page2.json", "/v1/calls?page=3": "page3.json"}


def test_json_crawl_pages_until_an_empty_one_and_stores_mapped_fields(tmp_path: Path, store: Store) -> None:
    """Load, repeat, portals check and failures: tests/crawler/test_kind_contract.py (every kind)."""
    with FixtureServer(FIXTURES, ROUTES) as server:
        p = portal(base_url=server.base_url, pagination={"param": "page"}, defaults={"level": "bund"})
        [first] = crawl(crawl_config(tmp_path, p), store, cache_dir=tmp_path / "cache")
        hits = [h for h in server.site.hits if h.startswith("/v1/")]
    assert first.ok and first.errors == 0, first.messages
    assert (first.items, first.new, first.changed) == (3, 3, 0)
    assert hits == ["/v1/calls?page=1", "/v1/calls?page=2", "/v1/calls?page=3"]  # stops at the empty page
    assert store.count_calls() == 3
    call = store.get_call("api:DIGI-2027-KOMMUNE-01")
    assert call is not None and call.deadline == date(2027, 2, 18) and call.level == "bund"
    assert call.url == "https://foerderung.example.org/aufruf/DIGI-2027-KOMMUNE-01"


def test_json_post_crawl_end_to_end(tmp_path: Path, store: Store) -> None:
    body = {"query": {"programme": "DIGI"}, "languages": ["de"]}
    with FixtureServer(FIXTURES, ROUTES) as server:
        if not hasattr(server.site, "posts"):
            pytest.skip("this FixtureServer does not answer POST")
        p = portal(base_url=server.base_url, method="POST", body=body, pagination={"param": "page"})
        [result] = crawl(crawl_config(tmp_path, p), store, cache_dir=tmp_path / "cache")
        posts = list(server.site.posts)
    assert result.ok and result.errors == 0 and result.items == 3, result.messages
    assert [target for target, _ in posts] == ["/v1/calls?page=1", "/v1/calls?page=2", "/v1/calls?page=3"]
    assert all(json.loads(sent) == body for _, sent in posts)


def test_changed_api_fails_the_portal_naming_url_and_path(tmp_path: Path, store: Store) -> None:
    with FixtureServer(FIXTURES, {"/v1/calls": "page1.json"}) as server:
        p = portal(base_url=server.base_url, items="data.calls")
        [result] = crawl(crawl_config(tmp_path, p), store, cache_dir=tmp_path / "cache")
    assert not result.ok and result.items == 0
    assert any(API_URL in m and "items path 'data.calls' not found" in m for m in result.messages), result.messages
