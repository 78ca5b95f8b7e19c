"""The Förderdatenbank spider on the recorded pages (../shared/captures) and on the demo site."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request

from foerderradar.crawler.registry import FDB_DEFAULT_START_URLS, FoerderdatenbankPortal
from foerderradar.crawler.selectors import LayoutError
from foerderradar.crawler.spiders.foerderdatenbank import FoerderdatenbankSpider
from foerderradar.demo import DEMO_SITE
from foerderradar.model import FundingCall

FDB = "https://www.foerderdatenbank.de/"


@pytest.fixture
def spider() -> FoerderdatenbankSpider:
    return FoerderdatenbankSpider(portal=FoerderdatenbankPortal(key="foerderdatenbank", kind="foerderdatenbank"))


def response(path: Path, url: str = FDB + "x.html") -> HtmlResponse:
    return HtmlResponse(url=url, body=path.read_bytes(), encoding="utf-8", request=Request(url))


def detail(spider: FoerderdatenbankSpider, path: Path) -> dict[str, Any]:
    [item] = list(spider.parse_detail(response(path)))
    FundingCall.model_validate(item)  # every item passes the pipeline's validation
    return item


def test_recorded_list_page(spider: FoerderdatenbankSpider, captures: Path) -> None:
    requests = list(spider.parse(response(captures / "foerderdatenbank" / "list_page1.html")))
    details = [r.url for r in requests if r.callback == spider.parse_detail]
    pages = [r for r in requests if r.callback == spider.parse]
    assert len(details) == 10
    assert details[0] == FDB + "FDB/Content/DE/Foerderprogramm/Land/Sachsen/buergschaft-sachsen-beteiligung.html"
    assert all(u.startswith(FDB + "FDB/Content/DE/Foerderprogramm/") for u in details)
    assert len(pages) == 1 and "gtp=" in pages[0].url and pages[0].cb_kwargs == {"page": 2}


def test_pagination_stops_at_max_pages(captures: Path) -> None:
    portal = FoerderdatenbankPortal(key="fdb", kind="foerderdatenbank", max_pages=1)
    page = response(captures / "foerderdatenbank" / "list_page1.html")
    requests = list(FoerderdatenbankSpider(portal=portal).parse(page))
    assert len(requests) == 10  # details only: the one allowed list page was this one


RECORDED = [
    # (file, field, expected)
    ("detail_1.html", "source_id", "Land/Thueringen/beteiligungen-thueringen-mbg-express"),
    ("detail_1.html", "title",
     "Beteiligungen der Mittelständischen Beteiligungsgesellschaft Thüringen mbH (MBG express)"),
    ("detail_1.html", "level", "land"),
    ("detail_1.html", "regions", ["DE-TH"]),
    ("detail_1.html", "applicants", ["unternehmen"]),
    ("detail_1.html", "funding_type", ["beteiligung"]),
    ("detail_1.html", "topics", ["Unternehmensfinanzierung"]),
    ("detail_1.html", "max_amount_eur", 1_250_000.0),  # "Höchstbetrag von 1,25 Mio. EUR", not the turnover limit
    ("detail_1.html", "status", None),
    ("detail_2.html", "url", FDB + "FDB/Content/DE/Foerderprogramm/Bund/BMWi/exist-women-2024.html"),
    ("detail_2.html", "level", "bund"),
    ("detail_2.html", "regions", ["DE"]),
    ("detail_2.html", "applicants", ["forschung", "hochschule"]),
    ("detail_2.html", "funding_body", "Bundesministerium für Wirtschaft und Klimaschutz (BMWK)"),
    ("detail_2.html", "funding_type", ["zuschuss"]),
    ("detail_2.html", "open_date", None),  # "Richtlinie … vom 04.11.2024" dates the directive
    ("detail_3.html", "status", "closed"),
    ("detail_3.html", "deadline", "2024-11-28"),
    ("detail_3.html", "deadline_text", "Die Frist zur Einreichung von Projektskizzen endete am 28.11.2024"),
    ("detail_3.html", "funding_body", "Bundesministerium für Bildung und Forschung (BMBF)"),
    ("detail_3.html", "regions", None),
    ("detail_4.html", "title", "Förderung Deutsch-Französischer Koproduktionen im Rahmen des Filmförderungsgesetzes "
                               "2025 (Minitraité-Förderung)"),
    ("detail_4.html", "funding_type", ["darlehen", "buergschaft"]),
    ("detail_4.html", "funding_body", "FFA Filmförderungsanstalt"),
    ("detail_4.html", "topics", ["Kultur", "Medien & Sport"]),
    ("detail_4.html", "source_id", "Bund/BKM/deutsch-franzoesische-kooperationen-film-ffa"),
]


@pytest.mark.parametrize(("name", "field", "expected"), RECORDED)
def test_recorded_detail_field(  # type: ignore[no-untyped-def]
    spider: FoerderdatenbankSpider, captures: Path, name: str, field: str, expected
) -> None:
    item = detail(spider, captures / "foerderdatenbank" / name)
    value = item[field]
    assert (value.isoformat() if hasattr(value, "isoformat") else value) == expected


TEXTS = [
    ("detail_1.html", "Kurzzusammenfassung", "Mittelständische Beteiligungsgesellschaft Thüringen"),
    ("detail_2.html", "Rechtsgrundlage", "spätestens bis zum 30.09. jeden Jahres"),
    ("detail_3.html", "Rechtsgrundlage", "Projektskizzen"),
    ("detail_4.html", "Filmförderungsgesetz", "Filmabkommen"),
]


@pytest.mark.parametrize(("name", "heading", "phrase"), TEXTS)
def test_recorded_description(
    spider: FoerderdatenbankSpider, captures: Path, name: str, heading: str, phrase: str
) -> None:
    description = detail(spider, captures / "foerderdatenbank" / name)["description"]
    assert heading in description and phrase in description
    assert "<p" not in description and "<div" not in description and "ET_Event" not in description


def test_page_without_title_raises_layout_error(spider: FoerderdatenbankSpider, tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text("<html><body><dl class='document-info-fundingprogram'></dl></body></html>", encoding="utf-8")
    with pytest.raises(LayoutError, match="title"):
        list(spider.parse_detail(response(page)))


def test_list_page_without_results_structure_raises(spider: FoerderdatenbankSpider, tmp_path: Path) -> None:
    page = tmp_path / "l.html"
    page.write_text("<html><body><p>Wartungsarbeiten</p></body></html>", encoding="utf-8")
    with pytest.raises(LayoutError, match="result cards"):
        list(spider.parse(response(page)))


def test_empty_result_list_is_fine(spider: FoerderdatenbankSpider, tmp_path: Path) -> None:
    page = tmp_path / "l.html"
    page.write_text('<html><body><span id="hits--count">0</span></body></html>', encoding="utf-8")
    assert list(spider.parse(response(page))) == []


def test_demo_site_routes_cover_the_default_start_urls() -> None:
    routes = json.loads((DEMO_SITE / "routes.json").read_text(encoding="utf-8"))
    for url in FDB_DEFAULT_START_URLS:
        assert url.removeprefix(FDB.rstrip("/")) in routes
    assert any("gtp=" in key for key in routes)  # pagination is exercised


@pytest.mark.parametrize("page", sorted((DEMO_SITE / "FDB").rglob("*.html")), ids=lambda p: p.stem)
def test_every_demo_page_parses_into_a_valid_call(spider: FoerderdatenbankSpider, page: Path) -> None:
    item = detail(spider, page)
    assert item["url"].startswith(FDB) and item["regions"] and item["applicants"] and item["description"]
