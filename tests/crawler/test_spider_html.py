"""Kind ``html``: list and detail pages read by CSS selectors, configured in portals.yaml only.

The pages under tests/fixtures/nrw/ are invented in the structure of NRW.BANK-like product lists and
product pages with question headings; they are crawled through the real worker (runner → worker
process → Scrapy → spider → pipeline → store) from a loopback FixtureServer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from config_files import assert_entry_mistake_named, crawl_config, write_portals
from parsel import Selector

from foerderradar.crawler.kinds.html.config import HtmlPortal
from foerderradar.crawler.kinds.html.spider import href_of, values_of
from foerderradar.crawler.runner import check_portal, crawl
from foerderradar.fixture_server import FixtureServer
from foerderradar.settings import load_portals
from foerderradar.storage import Store

FIXTURES = Path(__file__).parent.parent / "fixtures" / "nrw"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "portal-kinds.md"
HOST = "https://foerderbank.example.org"
LIST_URL = f"{HOST}/de/foerderung/foerderprodukte.html"
PRODUCT = f"{HOST}/de/foerderung/foerderprodukte"


def portal(**keys: Any) -> HtmlPortal:
    entry = {
        "key": "foerderbank",
        "kind": "html",
        "list_urls": [LIST_URL],
        "item": "article.product-teaser:not(.product-teaser--promo)",
        "link": "h3 a",
        "next_page": "a.pagination__next",
        "sections": True,
        "fields": {"title": "h1 ::text"},
        "defaults": {"level": "land", "regions": ["DE-NW"], "funding_type": ["zuschuss"]},
        **keys,
    }
    return HtmlPortal.model_validate(entry)


# -- selector values ------------------------------------------------------------------------------------

PAGE = """<main><h1>Digitale <em>Schule</em></h1>
<ul class="who"><li>Kommunen</li><li>Kreise <b>und</b> Städte</li></ul>
<div class="text"><p>Erster Absatz.</p><p>Zweiter   Absatz.</p></div>
<a class="more" href="/detail/1.html">mehr</a><a class="pdf" href="">PDF</a><span class="n"> 80 % </span></main>"""

VALUES = [
    # (selector, values: one per match)
    ("h1", ["Digitale Schule"]),  # an element: all its text
    ("h1 ::text", ["Digitale Schule"]),  # all text below each h1, still one value per h1
    ("h1::text", ["Digitale"]),  # only the h1's own text nodes
    ("ul.who li", ["Kommunen", "Kreise und Städte"]),  # list fields take each value
    ("ul.who li::text", ["Kommunen", "Kreise Städte"]),
    ("div.text", ["Erster Absatz.\nZweiter Absatz."]),  # paragraphs kept as lines
    ("a.more::attr(href)", ["/detail/1.html"]),
    ("a::attr(href)", ["/detail/1.html"]),  # empty attributes are no value
    ("span.n::text", ["80 %"]),  # whitespace collapsed
    ("h1::text, span.n::text", ["Digitale", "80 %"]),  # a group: flat values
    ("table", []),
]


@pytest.mark.parametrize(("query", "expected"), VALUES)
def test_values_of(query: str, expected: list[str]) -> None:
    assert values_of(Selector(text=PAGE), query) == expected


HREFS = [("a.more", "/detail/1.html"), ("a.more::attr(href)", "/detail/1.html"), ("a.pdf", None), ("nav a", None)]


@pytest.mark.parametrize(("query", "expected"), HREFS)
def test_href_of(query: str, expected: str | None) -> None:
    assert href_of(Selector(text=PAGE), query) == expected


# -- config validation ----------------------------------------------------------------------------------

GOOD = {"key": "ok", "kind": "html", "list_urls": [LIST_URL], "item": "article"}
MISTAKES = [
    ({"item": "div.teaser["}, "portals[1].item: 'div.teaser[' ist kein gültiger CSS-Selektor"),
    ({"item": "article::text"}, "portals[1].item: 'article::text' muss Elemente auswählen"),
    ({"item": ""}, "portals[1].item: ein CSS-Selektor darf nicht leer sein"),
    ({"link": "a::href"}, "portals[1].link: 'a::href' ist kein gültiger CSS-Selektor"),
    ({"next_page": "a.next["}, "portals[1].next_page: 'a.next[' ist kein gültiger CSS-Selektor"),
    ({"fields": {"title": "h1::txt"}}, "portals[1].fields.title: 'h1::txt' ist kein gültiger CSS-Selektor"),
    ({"fields": {"deadline": ["p.frist", "dd["]}}, "portals[1].fields.deadline: 'dd[' ist kein gültiger CSS-Selektor"),
    ({"fields": {"titel": "h1"}}, "portals[1].fields.titel: unbekannter Schlüssel"),
    ({"fields": {"title": {"value": "x"}}},
     "portals[1].fields.title: ein fester Wert für title wäre bei jedem Eintrag gleich"),
    ({"sections": "main::text"}, "portals[1].sections: 'main::text' muss Elemente auswählen"),
    ({"list_url": LIST_URL}, "portals[1].list_url: unbekannter Schlüssel"),
    ({"list_urls": []}, "portals[1].list_urls: darf nicht leer sein"),
    ({"list_urls": ["ftp://x.example.org/"]}, "portals[1].list_urls: 'ftp://x.example.org/' ist keine http(s)-Adresse"),
    ({"item": None}, "portals[1].item: erwartet wird ein Text"),
    ({"defaults": {"applicants": ["gemeinde"]}}, "portals[1].defaults.applicants[0]: 'gemeinde' ist nicht erlaubt"),
    ({"filter": [""]}, "portals[1].filter: ein Stichwort darf nicht leer sein"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), MISTAKES)
def test_config_mistakes_are_named(tmp_path: Path, change: dict[str, Any], expected: str) -> None:
    assert_entry_mistake_named(tmp_path, GOOD, change, expected)


def test_config_survives_the_worker_round_trip(tmp_path: Path) -> None:
    full = {**GOOD, "list_urls": LIST_URL, "link": "a", "next_page": "a.next", "sections": "div.content",
            "fields": {"url": ["link[rel=canonical]::attr(href)", "@page"], "level": {"value": "land"}},
            "filter": "digital"}  # fmt: skip
    [p] = load_portals(write_portals(tmp_path, full))
    assert isinstance(p, HtmlPortal) and p.list_urls == [LIST_URL] and p.sections == "div.content"
    assert p.fields.url == ["link[rel=canonical]::attr(href)", "@page"] and p.filter == ["digital"]
    assert HtmlPortal.model_validate(p.model_dump(mode="json")) == p


# -- end to end: runner → worker → Scrapy → spider → pipeline → store -----------------------------------

STORED = [
    # (product path, field, expected)
    ("90001/glasfaser-eigenanteil.html", "title", "Glasfaser-Eigenanteil Kommunal"),  # <span> inside the h1
    ("90001/glasfaser-eigenanteil.html", "applicants", ["kommune", "landkreis"]),  # not the "Betreiber"
    ("90001/glasfaser-eigenanteil.html", "funding_rate_pct", 100.0),  # the terms section, not the 0,75 % interest
    ("90001/glasfaser-eigenanteil.html", "max_amount_eur", 2_500_000.0),
    ("90001/glasfaser-eigenanteil.html", "deadline_text", "laufend"),
    ("90001/glasfaser-eigenanteil.html", "status", "open"),
    ("90001/glasfaser-eigenanteil.html", "summary",
     "Der kommunale Eigenanteil an Glasfaserprojekten nach der Gigabit-Förderung des Bundes."),
    ("90001/glasfaser-eigenanteil.html", "level", "land"),  # defaults fill what the page does not say
    ("90001/glasfaser-eigenanteil.html", "regions", ["DE-NW"]),
    ("90002/digitale-dorfmitte.html", "applicants", ["kommune", "zweckverband"]),  # "Unternehmen … nicht"
    ("90002/digitale-dorfmitte.html", "deadline", date(2027, 9, 30)),  # a bare date under "Wann …"
    ("90002/digitale-dorfmitte.html", "funding_rate_pct", 80.0),
    ("90002/digitale-dorfmitte.html", "max_amount_eur", 150_000.0),
    ("90004/kommunal-invest-digital.html", "applicants", ["kommune", "landkreis", "oeffentliche_einrichtung"]),
    ("90004/kommunal-invest-digital.html", "deadline", None),  # "vor Beginn des Vorhabens" is no date
    ("90005/schulnetz.html", "status", "closed"),  # "nicht mehr möglich, die Mittel sind ausgeschöpft"
    ("90005/schulnetz.html", "applicants", ["schultraeger"]),
]  # fmt: skip


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The product list crawled twice (idempotence) with a keyword filter that drops the housing loan.

    Once per module (SQLite): the table below asserts on one crawl instead of running one per row.
    """
    tmp_path = tmp_path_factory.mktemp("html")
    store = Store(f"sqlite:///{tmp_path / 'crawl.db'}")
    with FixtureServer(FIXTURES) as server:
        p = portal(base_url=server.base_url, filter=["Glasfaser", "digital", "Schul"])
        cfg = crawl_config(tmp_path, p)
        first, second = crawl(cfg, store, cache_dir=tmp_path / "c"), crawl(cfg, store, cache_dir=tmp_path / "c")
        hits = list(server.site.hits)
    yield {"first": first[0], "second": second[0], "hits": hits, "store": store}
    store.close()


@pytest.mark.parametrize(("path", "name", "expected"), STORED)
def test_crawl_stores_fields(crawled: dict[str, Any], path: str, name: str, expected: object) -> None:
    call = crawled["store"].get_call(f"foerderbank:{PRODUCT}/{path}")
    assert call is not None
    assert getattr(call, name) == expected


def test_crawl_follows_pages_reports_broken_detail_and_is_idempotent(crawled: dict[str, Any]) -> None:
    first, second, store = crawled["first"], crawled["second"], crawled["store"]
    # 5 products linked (one twice), the housing loan filtered out, the page without <h1> reported.
    assert first.ok and (first.items, first.new, first.errors) == (4, 4, 1), first.messages
    assert first.messages == [
        f"{PRODUCT}/90006/ohne-titel.html: detail page skipped: title missing (source: 'h1 ::text')"
    ]
    assert (second.items, second.new, second.changed) == (4, 0, 0)
    assert store.count_calls() == 4
    assert store.get_call(f"foerderbank:{PRODUCT}/90003/wohnraum-modernisierung.html") is None
    # page 2 links page 3 relative to itself; "#top" fragments never make a second request
    first_run = crawled["hits"][: len(crawled["hits"]) // 2]
    assert "/de/foerderung/foerderprodukte.html?seite=3" in first_run
    assert first_run.count("/de/foerderung/foerderprodukte/90001/glasfaser-eigenanteil.html") == 1
    assert [c.url for c in store.iter_calls() if "127.0.0.1" in c.url] == []  # base_url is invisible


def test_max_pages_bounds_the_list(tmp_path: Path, store: Store) -> None:
    with FixtureServer(FIXTURES) as server:
        p = portal(base_url=server.base_url, max_pages=2)
        [result] = crawl(crawl_config(tmp_path, p), store, cache_dir=tmp_path / "c")
        hits = list(server.site.hits)
    assert result.ok and result.errors == 0, result.messages  # page 3 (with the broken product) not read
    assert "/de/foerderung/foerderprodukte.html?seite=2" in hits
    assert "/de/foerderung/foerderprodukte.html?seite=3" not in hits


def test_item_without_link_is_reported_with_url_and_selector(tmp_path: Path, store: Store) -> None:
    with FixtureServer(FIXTURES) as server:
        p = portal(base_url=server.base_url, item="article.product-teaser", max_pages=2)
        [result] = crawl(crawl_config(tmp_path, p), store, cache_dir=tmp_path / "c")
    assert result.ok and result.errors == 1 and result.items == 5
    assert result.messages == [f"{LIST_URL}?seite=2: item [1] skipped: link selector 'h3 a' matches nothing"]


def test_list_that_lost_its_items_fails_naming_url_and_selector(tmp_path: Path, store: Store) -> None:
    with FixtureServer(FIXTURES) as server:
        p = portal(base_url=server.base_url, list_urls=[f"{HOST}/de/foerderung/relaunch.html"])
        [result] = crawl(crawl_config(tmp_path, p), store, cache_dir=tmp_path / "c")
    assert not result.ok and result.items == 0 and result.errors >= 1
    expected = (
        f"{HOST}/de/foerderung/relaunch.html: layout changed: item selector "
        "'article.product-teaser:not(.product-teaser--promo)' matches nothing"
    )
    assert any(expected in m for m in result.messages), result.messages


ITEM_MODE = {
    "list_urls": [f"{HOST}/de/foerderung/aufrufe.html"],
    "item": "section.call",
    "link": None,
    "next_page": None,
    "sections": False,
    "fields": {"title": "h2", "summary": "p.lead", "description": "div.body"},
    "defaults": {"applicants": ["kommune"]},
}


def test_list_items_without_detail_pages_are_calls(tmp_path: Path, store: Store) -> None:
    with FixtureServer(FIXTURES) as server:
        [result] = crawl(crawl_config(tmp_path, portal(base_url=server.base_url, **ITEM_MODE)), store,
                         cache_dir=tmp_path / "c")  # fmt: skip
    assert result.ok and (result.items, result.errors) == (2, 1), result.messages
    assert result.messages == [f"{HOST}/de/foerderung/aufrufe.html: item [2] skipped: title missing (source: 'h2')"]
    smart = store.get_call(f"foerderbank:{HOST}/de/foerderung/aufrufe.html#aufruf-smarte-region-2027")
    assert smart is not None and smart.url == f"{HOST}/de/foerderung/aufrufe.html"
    assert (smart.deadline, smart.funding_rate_pct) == (date(2027, 3, 15), 70.0)
    assert smart.summary == "Kreise und kreisfreie Städte entwickeln gemeinsame digitale Dienste."
    assert smart.applicants == ["kommune"]  # sections off: the default
    daten = store.get_call(f"foerderbank:{HOST}/de/foerderung/aufrufe.html#aufruf-offene-daten-im-rathaus")
    assert daten is not None and daten.deadline_text == "laufend" and daten.status == "open"


def test_portals_check_shows_sample_and_filled_fields(tmp_path: Path) -> None:
    with FixtureServer(FIXTURES) as server:
        p = portal(base_url=server.base_url, max_pages=1)
        result = check_portal(p, crawl_config(tmp_path, p), cache_dir=tmp_path / "c")
    assert result.ok and result.items == 3 and result.errors == 0, result.messages
    assert {s["title"] for s in result.sample} == {
        "Glasfaser-Eigenanteil Kommunal", "Digitale Dorfmitte", "Wohnraum modernisieren",
    }  # fmt: skip
    assert result.filled["title"] == result.filled["applicants"] == result.filled["description"] == 3
    assert result.filled["funding_rate_pct"] == 2
    assert not any("applicants" in w for w in result.warnings())
