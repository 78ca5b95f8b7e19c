"""The Förderdatenbank spider on the recorded pages (../shared/captures), on hand-written edge cases
(tests/fixtures/foerderdatenbank) and on the bundled demo site.

Parsing is tested by handing responses to the spider's callbacks directly; the crawl through Scrapy,
the runner and the store is tested in test_crawl.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request

from foerderradar.crawler import vocab
from foerderradar.crawler.kinds.foerderdatenbank.config import FDB_DEFAULT_START_URLS, FoerderdatenbankPortal
from foerderradar.crawler.kinds.foerderdatenbank.spider import FoerderdatenbankSpider
from foerderradar.crawler.selectors import LayoutError, maybe, one, text_of
from foerderradar.demo import DEMO_SITE
from foerderradar.fixture_server import FixtureSite
from foerderradar.model import FundingCall

FDB = "https://www.foerderdatenbank.de/"
PROGRAMMES = FDB + "FDB/Content/DE/Foerderprogramm/"
TODAY = date(2026, 11, 25)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "foerderdatenbank"


def make_spider(**portal: Any) -> FoerderdatenbankSpider:
    config = FoerderdatenbankPortal.model_validate({"key": "foerderdatenbank", "kind": "foerderdatenbank", **portal})
    return FoerderdatenbankSpider(portal=config, today=TODAY)


@pytest.fixture
def spider() -> FoerderdatenbankSpider:
    return make_spider()


def response(path: Path, url: str = FDB + "x.html", request: Request | None = None) -> HtmlResponse:
    return HtmlResponse(url=url, body=path.read_bytes(), encoding="utf-8", request=request or Request(url))


def detail(spider: FoerderdatenbankSpider, path: Path, url: str = FDB + "x.html") -> dict[str, Any]:
    [item] = list(spider.parse_detail(response(path, url)))
    FundingCall.model_validate(item)  # every item passes the pipeline's validation
    return item


def requests_of(results: Iterable[Any]) -> list[Request]:
    out = list(results)
    assert all(isinstance(r, Request) for r in out)
    return out


# -- recorded list page --------------------------------------------------------------------------

RECORDED_DETAIL_URLS = [
    PROGRAMMES + "Land/Sachsen/buergschaft-sachsen-beteiligung.html",
    PROGRAMMES + "Land/NRW/garantien-von-beteiligungen-an-kmu-der-gewerbliche.html",
    PROGRAMMES + "Land/Sachsen/foerderrichtlinie-ausgleichszulage-sachsen.html",
    PROGRAMMES + "Land/Sachsen/rettung-umstrukturier-kleine-mittlere-unternehmen.html",
    PROGRAMMES + "Land/Sachsen/investitionen-teilhabe.html",
    PROGRAMMES + "Land/Sachsen/foerderung-der-kommunale-praevention-rl-komm-praev.html",
    PROGRAMMES + "Land/Sachsen/foerderung-sicherung-weiterentwickl-qualitaet-kita.html",
    PROGRAMMES + "Land/Thueringen/guw-thueringen.html",
    PROGRAMMES + "Land/Thueringen/foerderung-von-kleinklaeranlagen.html",
    PROGRAMMES + "Land/Thueringen/beteiligungen-thueringen-mbg-express.html",
]
RECORDED_NEXT_PAGE = (
    FDB + "SiteGlobals/FDB/Forms/Suche/Foederprogrammsuche_Formular.html"
    "?gtp=%2526816beae2-d57e-4bdc-b55d-392bc1e17027_list%253D2&filterCategories=FundingProgram"
)


def recorded_list(captures: Path) -> HtmlResponse:
    return response(captures / "foerderdatenbank" / "list_page1.html", FDB_DEFAULT_START_URLS[0])


def test_recorded_list_page_links_ten_programmes(spider: FoerderdatenbankSpider, captures: Path) -> None:
    requests = requests_of(spider.parse(recorded_list(captures)))
    details = [r for r in requests if r.callback == spider.parse_detail]
    assert [r.url for r in details] == RECORDED_DETAIL_URLS  # absolute via <base href>, in page order


def test_recorded_list_page_follows_the_next_page(spider: FoerderdatenbankSpider, captures: Path) -> None:
    requests = requests_of(spider.parse(recorded_list(captures)))
    [next_page] = [r for r in requests if r.callback == spider.parse]
    assert next_page.url == RECORDED_NEXT_PAGE  # the portal's own link, not a rebuilt gtp value
    assert next_page.cb_kwargs == {"page": 2}


def test_recorded_list_page_hit_count(spider: FoerderdatenbankSpider, captures: Path) -> None:
    assert spider._parse_hit_count(recorded_list(captures)) == 2395


def test_pagination_stops_at_max_pages(captures: Path) -> None:
    spider = make_spider(max_pages=2)
    page = recorded_list(captures)
    assert any(r.callback == spider.parse for r in spider.parse(page, page=1))
    requests = requests_of(spider.parse(page, page=2))
    assert len(requests) == 10 and all(r.callback == spider.parse_detail for r in requests)


# -- recorded detail pages -----------------------------------------------------------------------

RECORDED: list[tuple[str, str, Any]] = [
    # (file, field, expected)
    ("detail_1.html", "source", "foerderdatenbank"),
    ("detail_1.html", "source_id", "Land/Thueringen/beteiligungen-thueringen-mbg-express"),
    ("detail_1.html", "url", PROGRAMMES + "Land/Thueringen/beteiligungen-thueringen-mbg-express.html"),
    (
        "detail_1.html",
        "title",
        "Beteiligungen der Mittelständischen Beteiligungsgesellschaft Thüringen mbH (MBG express)",
    ),
    ("detail_1.html", "level", "land"),
    ("detail_1.html", "regions", ["DE-TH"]),
    ("detail_1.html", "applicants", ["unternehmen"]),
    ("detail_1.html", "funding_type", ["beteiligung"]),
    ("detail_1.html", "topics", ["Unternehmensfinanzierung"]),
    ("detail_1.html", "funding_body", None),  # only an Ansprechpunkt (a contact), no Fördergeber
    ("detail_1.html", "language", "de"),
    ("detail_1.html", "status", None),  # the text names neither a deadline nor "laufend"
    ("detail_2.html", "source_id", "Bund/BMWi/exist-women-2024"),
    ("detail_2.html", "url", PROGRAMMES + "Bund/BMWi/exist-women-2024.html"),
    (
        "detail_2.html",
        "title",
        "Förderung von Unternehmerinnen in der Vorgründungsphase (EXIST-Women) im Rahmen des Förderprogramms "
        "„Existenzgründungen aus der Wissenschaft“",
    ),
    ("detail_2.html", "level", "bund"),
    ("detail_2.html", "regions", ["DE"]),
    ("detail_2.html", "applicants", ["forschung", "hochschule"]),
    ("detail_2.html", "funding_type", ["zuschuss"]),
    (
        "detail_2.html",
        "topics",
        ["Beratung", "Existenzgründung & -festigung", "Frauenförderung", "Forschung & Innovation (themenoffen)"],
    ),
    ("detail_2.html", "funding_body", "Bundesministerium für Wirtschaft und Klimaschutz (BMWK)"),
    ("detail_2.html", "summary", None),  # neither meta description nor Kurztext on this page
    ("detail_2.html", "open_date", None),  # "Richtlinie … vom 04.11.2024" dates the directive
    ("detail_3.html", "source_id", "Bund/BMBF/foerderung-forschende-fachaerztinnen-unimedizin"),
    ("detail_3.html", "title", "Förderung von forschenden Fachärztinnen und Fachärzten in der Universitätsmedizin"),
    ("detail_3.html", "level", "bund"),
    ("detail_3.html", "regions", None),  # no Fördergebiet on the page: unknown, not "nowhere"
    ("detail_3.html", "applicants", ["forschung", "hochschule"]),
    ("detail_3.html", "funding_type", None),
    (
        "detail_3.html",
        "topics",
        ["Aus- & Weiterbildung", "Forschung & Innovation (themenspezifisch)", "Gesundheit & Soziales"],
    ),
    ("detail_3.html", "funding_body", "Bundesministerium für Bildung und Forschung (BMBF)"),
    ("detail_3.html", "status", "closed"),
    ("detail_3.html", "deadline", "2024-11-28"),
    ("detail_3.html", "deadline_text", "Die Frist zur Einreichung von Projektskizzen endete am 28.11.2024"),
    ("detail_4.html", "source_id", "Bund/BKM/deutsch-franzoesische-kooperationen-film-ffa"),
    ("detail_4.html", "url", PROGRAMMES + "Bund/BKM/deutsch-franzoesische-kooperationen-film-ffa.html"),
    (
        "detail_4.html",
        "title",
        "Förderung Deutsch-Französischer Koproduktionen im Rahmen des Filmförderungsgesetzes 2025 "
        "(Minitraité-Förderung)",
    ),
    ("detail_4.html", "level", "bund"),
    ("detail_4.html", "regions", ["DE"]),
    ("detail_4.html", "applicants", ["unternehmen"]),
    ("detail_4.html", "funding_type", ["darlehen", "buergschaft"]),
    ("detail_4.html", "topics", ["Kultur, Medien & Sport"]),  # one facet label with a comma inside
    ("detail_4.html", "funding_body", "FFA Filmförderungsanstalt"),
]


@pytest.mark.parametrize(("name", "field", "expected"), RECORDED)
def test_recorded_detail_field(
    spider: FoerderdatenbankSpider, captures: Path, name: str, field: str, expected: Any
) -> None:
    item = detail(spider, captures / "foerderdatenbank" / name)
    assert item[field] == expected


def test_recorded_summary_is_the_meta_description(spider: FoerderdatenbankSpider, captures: Path) -> None:
    summary = detail(spider, captures / "foerderdatenbank" / "detail_1.html")["summary"]
    assert summary.startswith("Wenn Sie Investitionen planen") and summary.endswith("eine Beteiligung erhalten.")


TEXTS = [
    # (file, heading kept as a line, phrase from the body)
    ("detail_1.html", "Kurzzusammenfassung", "Sie erhalten die Förderung als stille Beteiligung bis zu EUR 140.000."),
    ("detail_1.html", "Rechtsgrundlage", "Beteiligungsrichtlinien der Mittelständischen Beteiligungsgesellschaft"),
    ("detail_2.html", "Rechtsgrundlage", "spätestens bis zum 30.09. jeden Jahres stellen."),
    ("detail_3.html", "Rechtsgrundlage", "Die Frist zur Einreichung von Projektskizzen endete am 28.11.2024"),
    (
        "detail_4.html",
        "Rechtsgrundlage",
        "Gesetz über Maßnahmen zur Förderung des deutschen Films (Filmförderungsgesetz",
    ),
]


@pytest.mark.parametrize(("name", "heading", "phrase"), TEXTS)
def test_recorded_description(
    spider: FoerderdatenbankSpider, captures: Path, name: str, heading: str, phrase: str
) -> None:
    description = detail(spider, captures / "foerderdatenbank" / name)["description"]
    assert heading in description.splitlines()  # section headings stay lines of their own
    assert phrase in description  # sentences are not broken at the HTML source's line breaks
    assert not re.search(r"<\w|ET_Event|javascript:|Merkzettel|Drucken", description)


def test_recorded_tab_layout_keeps_the_three_sections_in_order(spider: FoerderdatenbankSpider, captures: Path) -> None:
    lines = detail(spider, captures / "foerderdatenbank" / "detail_1.html")["description"].splitlines()
    positions = [lines.index(h) for h in ("Kurzzusammenfassung", "Zusatzinfos", "Rechtsgrundlage")]
    assert positions == sorted(positions)
    assert "Investitionen," in lines  # list items on their own lines


# -- layout changes and edge cases (tests/fixtures/foerderdatenbank) -----------------------------


def test_detail_page_without_title_raises_layout_error(spider: FoerderdatenbankSpider) -> None:
    url = PROGRAMMES + "Bund/BMWK/neu-gestaltet.html"
    with pytest.raises(LayoutError, match=r"neu-gestaltet\.html: page layout changed, title \(h1\.title\)"):
        list(spider.parse_detail(response(FIXTURES / "detail_no_title.html", url)))


LIST_LAYOUT_ERRORS = [
    ("list_layout_changed.html", "result cards .* and hit count"),  # neither cards nor a hit count
    ("list_cards_renamed.html", "result cards .* for 87 hits"),  # hits, but the cards look different
]


@pytest.mark.parametrize(("name", "message"), LIST_LAYOUT_ERRORS)
def test_list_page_without_result_structure_raises(spider: FoerderdatenbankSpider, name: str, message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        list(spider.parse(response(FIXTURES / name, FDB_DEFAULT_START_URLS[1])))


def test_list_page_with_zero_hits_is_fine(spider: FoerderdatenbankSpider) -> None:
    page = response(FIXTURES / "list_no_hits.html")
    assert list(spider.parse(page)) == [] and spider._parse_hit_count(page) == 0


def test_card_without_link_is_skipped_and_session_ids_are_dropped(
    spider: FoerderdatenbankSpider, caplog: pytest.LogCaptureFixture
) -> None:
    page = response(FIXTURES / "list_card_without_link.html")
    with caplog.at_level(logging.WARNING):
        urls = [r.url for r in requests_of(spider.parse(page))]
    assert urls == [PROGRAMMES + "Land/NRW/beispiel-programm.html", PROGRAMMES + "EU/beispiel-eu-programm.html"]
    assert "card without link" in caplog.text
    assert spider._parse_hit_count(page) == 1203  # "1.203": German thousands separator


def test_page_without_canonical_link_uses_its_own_url(spider: FoerderdatenbankSpider) -> None:
    url = PROGRAMMES + "EU/beispiel-eu-programm.html"
    body = b"<html><body><main><h1 class='title'>EU-Programm</h1></main></body></html>"
    [item] = list(spider.parse_detail(HtmlResponse(url=url, body=body, encoding="utf-8", request=Request(url))))
    assert (item["url"], item["source_id"], item["level"]) == (url, "EU/beispiel-eu-programm", "eu")
    assert item["description"] is None and item["status"] is None and item["regions"] is None


def test_archived_programme_is_closed(spider: FoerderdatenbankSpider, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        item = detail(spider, FIXTURES / "detail_archived.html", FDB + "FDB/Content/DE/Archiv/beispiel-archiviert.html")
    assert item["status"] == "closed"  # although the text says "laufend"
    assert item["deadline_text"] == "laufend"
    assert item["source_id"] == "Archiv/beispiel-archiviert" and item["level"] is None
    assert item["url"] == FDB + "FDB/Content/DE/Archiv/beispiel-archiviert.html"
    assert item["summary"] == "Ein beendetes Beispielprogramm."  # from "Kurztext": no meta description
    # Unknown labels are dropped and logged, never guessed; an unknown Förderart still is funding.
    assert item["regions"] == ["DE-NW"] and item["applicants"] == ["kommune"]
    assert item["funding_type"] == ["zuschuss", "sonstiges"]
    assert item["topics"] == ["Kultur, Medien & Sport", "Digitalisierung"]
    for label in ("Landkreis Musterhausen", "Kirchengemeinde", "Zinsverbilligung"):
        assert label in caplog.text


def test_unknown_label_is_reported_once_per_run(
    spider: FoerderdatenbankSpider, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            detail(spider, FIXTURES / "detail_archived.html")
    assert caplog.text.count("'Kirchengemeinde'") == 1


def test_archived_programme_keeps_its_id_when_reached_by_redirect(spider: FoerderdatenbankSpider) -> None:
    """The store must see the programme close, not vanish and reappear under a new id."""
    original = PROGRAMMES + "Land/NRW/beispiel-archiviert.html"
    archived = FDB + "FDB/Content/DE/Archiv/beispiel-archiviert.html"
    request = Request(archived, meta={"redirect_urls": [original]})
    [item] = list(spider.parse_detail(response(FIXTURES / "detail_archived.html", archived, request)))
    assert item["source_id"] == "Land/NRW/beispiel-archiviert" and item["level"] == "land"
    assert item["status"] == "closed" and item["url"] == archived


def test_status_line_is_read_without_inner_markup(spider: FoerderdatenbankSpider) -> None:
    item = detail(spider, FIXTURES / "detail_status_line_plain.html")
    assert item["status"] == "closed"
    assert item["description"] is None  # the status line is passed to the extractor, not the description
    assert item["applicants"] is None  # only an unknown label: unknown, not "nobody"
    assert item["regions"] == ["DE-BY"]


def test_start_requests_are_the_configured_urls_unchanged() -> None:
    urls = [FDB_DEFAULT_START_URLS[0], "https://www.foerderdatenbank.de/SiteGlobals/x.html?a=1&b=%C3%BC"]
    spider = make_spider(start_urls=urls)
    assert [r.url for r in spider.start_requests()] == urls

    async def collect() -> list[scrapy.Request]:
        return [r async for r in spider.start()]

    started = asyncio.run(collect())
    assert [r.url for r in started] == urls and all(r.callback == spider.parse for r in started)


def test_default_start_urls() -> None:
    assert [r.url for r in make_spider().start_requests()] == FDB_DEFAULT_START_URLS


# -- selectors -----------------------------------------------------------------------------------


def test_text_of_keeps_blocks_and_joins_inline_markup() -> None:
    html = (
        "<div><h3>Volltext</h3><p>Bis zu 50\n  <abbr title='Millionen'>Mio.</abbr> EUR,\nmaximal</p>"
        "<ul><li>erstens</li><li><p>zweitens</p></li></ul><p>Zeile<br/>neue Zeile</p>"
        "<script>ET_Event()</script><svg><text>icon</text></svg></div>"
    )
    assert text_of(html) == "Volltext\nBis zu 50 Mio. EUR, maximal\nerstens\nzweitens\nZeile\nneue Zeile"


def test_one_and_maybe() -> None:
    page = scrapy.Selector(text="<h1 class='title'> Titel\u00a0mit\u00adTrenn <span>(Teil)</span></h1>")
    assert one(page, "h1.title ::text", "title", "u", sep="") == "Titel mitTrenn (Teil)"
    assert maybe(page, "h2 ::text") is None
    with pytest.raises(LayoutError, match=r"^u: page layout changed, subtitle not found$"):
        one(page, "h2 ::text", "subtitle", "u")


# -- vocabulary ----------------------------------------------------------------------------------

REGIONS = [
    ("bundesweit", "DE"),
    ("Baden-Württemberg", "DE-BW"),
    ("Bayern", "DE-BY"),
    ("Berlin", "DE-BE"),
    ("Brandenburg", "DE-BB"),
    ("Bremen", "DE-HB"),
    ("Hamburg", "DE-HH"),
    ("Hessen", "DE-HE"),
    ("Mecklenburg-Vorpommern", "DE-MV"),
    ("Niedersachsen", "DE-NI"),
    ("Nordrhein-Westfalen", "DE-NW"),
    ("Rheinland-Pfalz", "DE-RP"),
    ("Saarland", "DE-SL"),
    ("Sachsen", "DE-SN"),
    ("Sachsen-Anhalt", "DE-ST"),
    ("Schleswig-Holstein", "DE-SH"),
    ("Thüringen", "DE-TH"),
    ("EU", "EU"),
    (" nordrhein-westfalen ", "DE-NW"),
]


@pytest.mark.parametrize(("label", "code"), REGIONS)
def test_region_labels(label: str, code: str) -> None:
    assert vocab.regions([label]) == ([code], [])


APPLICANTS = [
    ("Kommune", "kommune"),
    ("Öffentliche Einrichtung", "oeffentliche_einrichtung"),
    ("Bildungseinrichtung", "oeffentliche_einrichtung"),
    ("Unternehmen", "unternehmen"),
    ("Existenzgründer/in", "unternehmen"),
    ("Verband/Vereinigung", "verein"),
    ("Hochschule", "hochschule"),
    ("Forschungseinrichtung", "forschung"),
    ("Privatperson", "privatperson"),
]


@pytest.mark.parametrize(("label", "value"), APPLICANTS)
def test_applicant_labels(label: str, value: str) -> None:
    assert vocab.applicants([label]) == ([value], [])


FUNDING_TYPES = [
    ("Zuschuss", "zuschuss"),
    ("Darlehen", "darlehen"),
    ("Bürgschaft", "buergschaft"),
    ("Garantie", "buergschaft"),
    ("Beteiligung", "beteiligung"),
    ("Preis", "preis"),
    ("Beratung", "beratung"),
    ("Sonstige", "sonstiges"),
]


@pytest.mark.parametrize(("label", "value"), FUNDING_TYPES)
def test_funding_type_labels(label: str, value: str) -> None:
    assert vocab.funding_types([label]) == ([value], [])


def test_unknown_labels_are_reported_not_guessed() -> None:
    assert vocab.regions(["Oberbayern", "Bayern"]) == (["DE-BY"], ["Oberbayern"])
    assert vocab.applicants(["Kirchengemeinde"]) == ([], ["Kirchengemeinde"])
    assert vocab.funding_types(["Zinszuschuss"]) == (["sonstiges"], ["Zinszuschuss"])
    assert vocab.level("Bund") == "bund" and vocab.level("Kreis") is None


SPLITS = [
    ("Kultur, Medien & Sport", ["Kultur, Medien & Sport"]),
    (
        "Digitalisierung, Kultur, Medien & Sport, Infrastruktur",
        ["Digitalisierung", "Kultur, Medien & Sport", "Infrastruktur"],
    ),
    (
        "Forschung & Innovation (themenoffen, test), Beratung",
        ["Forschung & Innovation (themenoffen, test)", "Beratung"],
    ),
    (" Kommune ,  Kommune,, ", ["Kommune"]),
]


@pytest.mark.parametrize(("text", "labels"), SPLITS)
def test_split_labels(text: str, labels: list[str]) -> None:
    assert vocab.split_labels(text) == labels


# -- demo site -----------------------------------------------------------------------------------

DEMO_PAGES = sorted((DEMO_SITE / "FDB").rglob("*.html"))


def demo_crawl(spider: FoerderdatenbankSpider) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Crawl the demo site offline, as Scrapy would: requests resolved through routes.json, repeated
    URLs dropped like the dupefilter does. Returns (items, list page URLs, detail links incl. repeats)."""
    site = FixtureSite(DEMO_SITE)
    queue: list[Request] = list(spider.start_requests())
    seen: set[str] = set()
    items: list[dict[str, Any]] = []
    lists: list[str] = []
    links: list[str] = []
    while queue:
        request = queue.pop(0)
        if request.callback == spider.parse_detail:
            links.append(request.url)
        if request.url in seen:
            continue
        seen.add(request.url)
        parts = urlsplit(request.url)
        assert parts.netloc == "www.foerderdatenbank.de", request.url
        path = site.resolve(f"{parts.path}?{parts.query}" if parts.query else parts.path)
        assert path is not None, f"demo site has no page for {request.url}"
        page = HtmlResponse(url=request.url, body=path.read_bytes(), encoding="utf-8", request=request)
        if request.callback == spider.parse:
            lists.append(request.url)
        assert request.callback is not None
        for result in request.callback(page, **request.cb_kwargs):
            if isinstance(result, Request):
                queue.append(result)
            else:
                items.append(result)
    return items, lists, links


def test_demo_routes_cover_the_default_start_urls_and_pagination() -> None:
    routes = json.loads((DEMO_SITE / "routes.json").read_text(encoding="utf-8"))
    for url in FDB_DEFAULT_START_URLS:
        assert url.removeprefix(FDB.rstrip("/")) in routes
    assert sum("gtp=" in key for key in routes) >= 2
    assert all((DEMO_SITE / name).exists() for name in routes.values())  # a file, or a folder served as a zip
    assert (DEMO_SITE / "robots.txt").read_text(encoding="utf-8").split() == ["User-agent:", "*", "Allow:", "/"]


def test_demo_crawl_reaches_every_programme_once() -> None:
    items, lists, links = demo_crawl(make_spider())
    assert len(lists) == 9  # 3 + 3 + 1 + 2 list pages, every one routed
    assert len(links) == 30 and len(set(links)) == 14  # facets overlap: the dupefilter's work
    assert sorted(i["url"] for i in items) == sorted(FDB + p.relative_to(DEMO_SITE).as_posix() for p in DEMO_PAGES)
    assert max(links.count(u) for u in links) >= 3  # one programme on three facets


def test_demo_crawl_honours_max_pages() -> None:
    items, lists, _ = demo_crawl(make_spider(max_pages=1))
    assert len(lists) == 4 and 0 < len(items) < 14


def test_demo_card_titles_match_the_programme_pages(spider: FoerderdatenbankSpider) -> None:
    titles = {p.relative_to(DEMO_SITE).as_posix(): detail(spider, p)["title"] for p in DEMO_PAGES}
    for page in sorted(DEMO_SITE.glob("list_*.html")):
        selector = scrapy.Selector(text=page.read_text(encoding="utf-8"))
        for card in selector.css(spider.card_css):
            href = card.css(spider.card_link_css).get("")
            assert maybe(card, "p.card--title ::text") == titles[href], (page.name, href)


@pytest.mark.parametrize("page", DEMO_PAGES, ids=lambda p: p.stem)
def test_every_demo_page_parses_into_a_valid_call(spider: FoerderdatenbankSpider, page: Path) -> None:
    item = detail(spider, page)
    assert item["url"] == FDB + page.relative_to(DEMO_SITE).as_posix()
    assert item["source_id"] == page.relative_to(DEMO_SITE / "FDB/Content/DE/Foerderprogramm").as_posix()[:-5]
    assert item["level"] in ("bund", "land") and item["regions"] and item["applicants"] and item["funding_type"]
    assert item["topics"] and item["summary"] and len(item["description"]) > 150
    assert item["status"] in ("open", "upcoming", "closed")


# (source_id, should a municipality in NRW be offered it on 2026-11-25?, status)
DEMO_PROGRAMMES = [
    ("Bund/BMDV/gigabit-aufruf-kommunen-2027", True, "open"),
    ("Bund/BMDV/wlan-oeffentliche-einrichtungen", True, "upcoming"),
    ("Bund/BMI/ozg-umsetzung-kommunen", True, "open"),
    ("Bund/BMWSB/smart-cities-strategieberatung", True, "open"),
    ("Land/NRW/digitale-modellkommunen-smart-region", True, "open"),
    ("Land/NRW/gigabit-kofinanzierung-nrw", True, "open"),
    ("Land/NRW/kommunale-e-akte-nrw", True, "open"),
    ("Land/NRW/kommunalkredit-infrastruktur-nrw", True, "open"),
    ("Land/NRW/schul-it-administration-nrw", True, "open"),
    ("Bund/BMBF/digitale-lernorte-schulen-2021", False, "closed"),  # status line only
    ("Land/Bayern/breitband-bayern-gigabit", False, "open"),
    ("Bund/BMBF/forschung-ki-hochschulen", False, "open"),
    ("Bund/BMWK/digitalisierungszuschuss-kmu", False, "open"),
    ("Land/Sachsen/sachsen-transfergutschein", False, "closed"),  # deadline 30.09.2026 passed
]


@pytest.fixture(scope="module")
def demo_calls() -> dict[str, FundingCall]:
    items, _, _ = demo_crawl(make_spider())
    return {i["source_id"]: FundingCall.model_validate(i) for i in items}


def test_demo_programme_table_is_complete(demo_calls: dict[str, FundingCall]) -> None:
    assert sorted(demo_calls) == sorted(p for p, _, _ in DEMO_PROGRAMMES)


@pytest.mark.parametrize(("source_id", "for_nrw_city", "status"), DEMO_PROGRAMMES)
def test_demo_programme(demo_calls: dict[str, FundingCall], source_id: str, for_nrw_city: bool, status: str) -> None:
    call = demo_calls[source_id]
    assert call.status == status
    eligible = bool(set(call.applicants or []) & {"kommune", "oeffentliche_einrichtung"})
    in_region = bool(set(call.regions or []) & {"DE", "DE-NW"})
    assert (eligible and in_region and call.effective_status(TODAY) != "closed") == for_nrw_city


def test_demo_covers_the_portal_layouts(demo_calls: dict[str, FundingCall]) -> None:
    lernorte = demo_calls["Bund/BMBF/digitale-lernorte-schulen-2021"]  # July 2025 layout, status line
    assert lernorte.deadline is None and lernorte.funding_body and "Antragsstellung" in (lernorte.deadline_text or "")
    assert demo_calls["Land/Sachsen/sachsen-transfergutschein"].funding_body is None  # Ansprechpunkt only
    assert demo_calls["Land/NRW/kommunalkredit-infrastruktur-nrw"].funding_type == ["darlehen"]
    assert demo_calls["Land/NRW/kommunale-e-akte-nrw"].summary.startswith("Kleine und mittlere Kommunen")  # type: ignore[union-attr]
    laufend = [c for c in demo_calls.values() if c.deadline_text == "laufend"]
    assert len(laufend) >= 2 and all(c.deadline is None for c in laufend)
