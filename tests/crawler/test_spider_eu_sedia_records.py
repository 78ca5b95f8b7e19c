"""The SEDIA spider against every recorded answer, the stale duplicate records, the shipped entry.

Every capture in ../shared/captures/eu-sedia/ is read from there (never copied) and its calls are
checked field by field. The 2026 capture holds a stale copy of a 2024 topic from a second data
source (SEDIA_PRD_CENTRICITY); the pages that combine it with a SEDIA row of the same topic are
built here at test time from the capture (see ``sedia_twin``), in both orders and across two pages.
The end-to-end tests run the portal entry exactly as config/portals.yaml ships it (only
``base_url`` added) against a loopback server, through the code paths of ``foerderradar portals
check eu`` and ``foerderradar crawl``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from config_files import crawl_config
from scrapy import Request
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from sedia_pages import TOPIC, Item, by_id, make_spider, page_of, parse_page
from twisted.python.failure import Failure

from foerderradar.crawler.kinds.eu_sedia.config import SEDIA_API_URL, SEDIA_PROGRAMME_CODES, EuSediaPortal
from foerderradar.crawler.kinds.eu_sedia.spider import EuSediaSpider
from foerderradar.crawler.runner import check_portal, crawl_portal
from foerderradar.fixture_server import FixtureServer
from foerderradar.settings import load_portals
from foerderradar.storage import Store

PROJECT = Path(__file__).resolve().parents[2]
API_PATH = urlsplit(SEDIA_API_URL).path
CAPTURE_3 = "eu_sedia_search_3_horizon_2026.json"
SOIL = "HORIZON-MISS-2027-05-SOIL-01-two-stage"  # SEDIA row, forthcoming, two-stage
STALE = "HORIZON-CL2-2024-TRANSFORMATIONS-01-08"  # SEDIA_PRD_CENTRICITY copy only

# The entry config/portals.yaml ships (the integrator enables it there); tests add base_url.
SHIPPED_EU = """\
- key: eu
  kind: eu_sedia
  name: EU Funding & Tenders Portal
  enabled: true
  page_size: 100
  max_pages: 100
  programmes: [DIGITAL, CEF, HORIZON, ERASMUS, LIFE]
  statuses: [open, forthcoming]
"""


@pytest.fixture
def sedia(captures: Path) -> Path:
    return captures / "eu-sedia"


# -- every capture, call by call ----------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    title: str
    open_date: date | None
    deadline: date | None
    status: str  # on the capture's day (CAPTURES)
    funding_body: str
    has_description: bool  # descriptionByte recorded
    has_topics: bool  # programme, types of action or keywords recorded


H2020 = "European Commission (Horizon 2020)"
HEU = "European Commission (Horizon Europe)"

# capture → (the day statuses are judged on, spider keys, {identifier: expected call})
CAPTURES: dict[str, tuple[date, dict[str, Any], dict[str, Expected]]] = {
    # 3 topics, only their Bulgarian rows; max_pages 1 makes the recorded page the last one.
    "eu_sedia_search_1.json": (date(2025, 6, 1), {"max_pages": 1}, {
        "SC1-PHE-CORONAVIRUS-2020-2D": Expected(
            "Pan-European COVID-19 cohorts", date(2020, 5, 19), date(2020, 6, 11), "closed", H2020, True, True),
        "ENG-GLOBALLY-01-2017": Expected(
            "Strengthening Europe's position in the global context: science diplomacy and intercultural relations",
            date(2016, 10, 4), date(2017, 2, 2), "closed", H2020, True, True),
        "S2R-CFM-IP5-03-2015": Expected(
            "Freight Propulsion concepts", date(2015, 12, 17), date(2016, 3, 17), "closed", H2020, True, True),
    }),
    # one results[] element, no descriptionByte recorded; metadata.status says forthcoming.
    "eu_sedia_result_item_2.json": (date(2024, 1, 15), {}, {
        "HORIZON-CL5-2024-D2-01-03": Expected(
            "Development of technical and business solutions to optimise the circularity, resilience, and "
            "sustainability of the European battery value chain (Batt4EU Partnership)",
            date(2023, 12, 7), date(2024, 4, 18), "open", HEU, False, True),
    }),
    # three language rows of one topic, trimmed to dates and title: no programme, no topics.
    "eu_sedia_search_2_trimmed.json": (date(2024, 6, 10), {}, {
        "HORIZON-MSCA-2024-DN-01-01": Expected(
            "MSCA Doctoral Networks 2024", date(2024, 5, 29), date(2024, 11, 27), "open", "European Commission",
            False, False),
    }),
    # 2 of 9 results of apiVersion 2.151: a current topic and a stale copy of a 2024 one (alone).
    CAPTURE_3: (date(2026, 3, 1), {"page_size": 100}, {
        SOIL: Expected(
            "Living labs to enhance soil health in Continental, Black Sea, Pannonian and Steppic "
            "biogeographical regions",
            date(2027, 2, 4), date(2027, 4, 8), "upcoming", HEU, True, True),
        # status flag "forthcoming", deadline 7 Feb 2024: closed; no description in the record.
        STALE: Expected(
            "Arts and cultural awareness and expression in education and training",
            date(2023, 10, 4), date(2024, 2, 7), "closed", HEU, False, True),
    }),
}


def recorded_calls(sedia: Path, name: str, today: date | None = None) -> dict[str, Item]:
    day, keys, _ = CAPTURES[name]
    data = json.loads((sedia / name).read_text(encoding="utf-8"))
    body = page_of(data) if "results" not in data else json.dumps(data).encode()  # item 2 is one row
    items, requests = parse_page(make_spider(today=today or day, **keys), body)
    assert requests == []  # each capture is read as the last page
    return by_id(items)  # asserts one call per identifier


def call_fields(name: str) -> list[tuple[str, str, str, object]]:
    rows: list[tuple[str, str, str, object]] = []
    for identifier, expected in CAPTURES[name][2].items():
        fields: dict[str, object] = {
            "source_id": identifier,
            "url": TOPIC + identifier,  # the topic page, never the row's topicDetails/….json
            "language": "en",
            "source": "eu",
            **{k: v for k, v in asdict(expected).items() if not k.startswith("has_")},
            "description present": expected.has_description,
            "topics present": expected.has_topics,
        }
        rows += [(name, identifier, field, value) for field, value in fields.items()]
    return rows


RECORDED_FIELDS = [row for name in CAPTURES for row in call_fields(name)]


@pytest.mark.parametrize(("capture", "identifier", "field", "expected"), RECORDED_FIELDS,
                         ids=[f"{r[0].split('.')[0]}-{r[1]}-{r[2]}" for r in RECORDED_FIELDS])
def test_recorded_call_fields(sedia: Path, capture: str, identifier: str, field: str, expected: object) -> None:
    call = recorded_calls(sedia, capture)[identifier]
    if field == "description present":
        assert bool(call["description"] and call["summary"]) is expected
        assert "<" not in (call["description"] or "")  # HTML gone
    elif field == "topics present":
        assert bool(call["topics"]) is expected
    else:
        assert call[field] == expected


@pytest.mark.parametrize("capture", list(CAPTURES))
def test_recorded_capture_gives_exactly_the_expected_calls(sedia: Path, capture: str) -> None:
    assert list(recorded_calls(sedia, capture)) == list(CAPTURES[capture][2])


# Capture 3's current topic: two-stage, 8 April and 14 September 2027. Stage two is only for those
# invited after stage one, so after 8 April the topic is closed for a city. The stale copy stays closed.
SEARCH_3_STATUS = [
    # (day, SOIL status, SOIL deadline, STALE status)
    (date(2026, 3, 1), "upcoming", date(2027, 4, 8), "closed"),
    (date(2027, 2, 4), "open", date(2027, 4, 8), "closed"),
    (date(2027, 4, 8), "open", date(2027, 4, 8), "closed"),
    (date(2027, 4, 9), "closed", date(2027, 4, 8), "closed"),
    (date(2027, 9, 15), "closed", date(2027, 4, 8), "closed"),
]


@pytest.mark.parametrize(("today", "status", "deadline", "stale_status"), SEARCH_3_STATUS)
def test_capture_3_status_from_dates(sedia: Path, today: date, status: str, deadline: date, stale_status: str) -> None:
    calls = recorded_calls(sedia, CAPTURE_3, today)
    assert (calls[SOIL]["status"], calls[SOIL]["deadline"], calls[STALE]["status"]) == (status, deadline, stale_status)


def test_capture_3_deadline_text_lists_both_stages(sedia: Path) -> None:
    # The dates are written as midnight UTC: no clock time is claimed.
    assert recorded_calls(sedia, CAPTURE_3)[SOIL]["deadline_text"] == (
        "8 April 2027; deadlines: 8 April 2027, 14 September 2027 (two-stage)"
    )


TOPIC_CHECKS = [
    # (identifier, in topics, not in topics)
    (SOIL, ["Horizon Europe", "HORIZON Research and Innovation Actions", "Soil biodiversity",
            "Digital Agenda", "Artificial Intelligence"],  # crossCuttingPriorities DigitalAgenda, AI
     [SOIL, "HORIZON-MISS-2027-05-two-stage"]),  # the keywords repeat the topic's and call's identifiers
    # keywords as one JSON string; its entries cut at 50 characters go where the full one is there too
    (STALE, ["Gender research", "New European Bauhaus", "Education: systems and institutions, teaching and learning"],
     [STALE, "Education: systems and institutions, teaching and", "NEB", "SSH"]),
]


@pytest.mark.parametrize(("identifier", "present", "absent"), TOPIC_CHECKS)
def test_capture_3_topics(sedia: Path, identifier: str, present: list[str], absent: list[str]) -> None:
    topics = recorded_calls(sedia, CAPTURE_3)[identifier]["topics"]
    assert [t for t in present if t not in topics] == []
    assert [t for t in absent if t in topics] == []
    folded = [t.casefold() for t in topics]
    assert len(folded) == len(set(folded))  # "Studies on Film, Radio and Television" once, whatever the case


# -- the stale duplicate record ------------------------------------------------------------------------


def capture_3(sedia: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((sedia / CAPTURE_3).read_text(encoding="utf-8"))
    return data


def capture_3_row(sedia: Path, identifier: str) -> Item:
    [row] = [r for r in capture_3(sedia)["results"] if r["metadata"]["identifier"] == [identifier]]
    return row


TWIN_TITLE = "Title only the SEDIA row has"
TWIN_DEADLINE = date(2098, 2, 7)
UNKNOWN_PRIORITY = "NotARealPriority"


def sedia_twin(stale: Item, language: str = "en") -> Item:
    """The SEDIA row of the stale copy's topic: the copy with DATASOURCE changed to SEDIA.

    Title and deadline differ and keywords are left out, so a call shows which row it came from
    (and that the copy does not even fill the SEDIA row's gaps).
    """
    row = copy.deepcopy(stale)
    meta = row["metadata"]
    meta["DATASOURCE"] = meta["datasource"] = ["SEDIA"]
    row["database"] = row["databaseLabel"] = "SEDIA"
    row["language"], meta["language"] = language, [language]
    meta["title"] = [TWIN_TITLE]
    meta["deadlineDate"] = [f"{TWIN_DEADLINE.isoformat()}T17:00:00.000+0100"]
    del meta["keywords"]
    return row


# Pages of rows: "soil" is capture 3's current topic, "stale" its stale copy, "twin"/"twin_de" the
# SEDIA row of the stale copy's topic in English/German.
LAYOUTS = [
    [["soil", "stale", "twin"]],
    [["soil", "twin", "stale"]],
    [["soil", "stale"], ["twin"]],
    [["soil", "twin"], ["stale"]],
    [["soil", "stale", "twin_de"]],
    [["soil", "twin_de"], ["stale"]],
    [["soil", "stale"], ["twin_de"]],
]


def layout_rows(sedia: Path) -> dict[str, Item]:
    stale = capture_3_row(sedia, STALE)
    return {"soil": capture_3_row(sedia, SOIL), "stale": stale, "twin": sedia_twin(stale),
            "twin_de": sedia_twin(stale, "de")}


@pytest.mark.parametrize("pages", LAYOUTS, ids=[" | ".join(",".join(p) for p in pages) for pages in LAYOUTS])
def test_stale_copy_and_sedia_row_make_one_call_from_the_sedia_row(sedia: Path, pages: list[list[str]]) -> None:
    rows = layout_rows(sedia)
    spider = make_spider(today=date(2026, 3, 1), page_size=max(len(p) for p in pages))
    total = sum(len(p) for p in pages)
    items: list[Item] = []
    for number, names in enumerate(pages, 1):
        found, requests = parse_page(spider, page_of(*(rows[n] for n in names), total=total), number)
        items += found
        assert len(requests) == (number < len(pages))
    calls = by_id(items)  # exactly one call per identifier
    assert sorted(calls) == sorted([SOIL, STALE])
    call = calls[STALE]
    assert (call["title"], call["deadline"], call["status"]) == (TWIN_TITLE, TWIN_DEADLINE, "open")
    assert call["url"] == TOPIC + STALE
    assert "Gender research" not in call["topics"]  # the copy's keywords did not fill the gap
    assert calls[SOIL]["title"].startswith("Living labs to enhance soil health")


def test_stale_copy_is_kept_when_the_page_with_its_sedia_row_fails(sedia: Path) -> None:
    """Page 2 fails: the copy alone is yielded (sound: title and deadline), closed by its date."""
    rows = layout_rows(sedia)
    spider = make_spider(today=date(2026, 3, 1), page_size=2)
    items, [request] = parse_page(spider, page_of(rows["soil"], rows["stale"], total=3))
    assert [i["source_id"] for i in items] == [SOIL]
    [flushed] = spider.parse_failure(failure_of(request))
    assert (flushed["source_id"], flushed["status"], flushed["url"]) == (STALE, "closed", TOPIC + STALE)


def failure_of(request: Request) -> Failure:
    return Failure(HttpError(TextResponse(request.url, status=503, request=request)))


def without_title(row: Item) -> None:
    row["metadata"]["title"] = []
    row.pop("summary")


STALE_ALONE = [
    # (what is changed in the copy, expected status or None for no call)
    ("as recorded", lambda row: None, "closed"),  # flag says forthcoming, deadline 2024
    ("deadline to come", lambda row: row["metadata"].update(deadlineDate=["2026-09-17T17:00:00.000+0200"]), "open"),
    ("start to come", lambda row: row["metadata"].update(
        startDate=["2026-05-01T00:00:00.000+0000"], deadlineDate=["2026-09-17T17:00:00.000+0200"]), "upcoming"),
    ("no deadline", lambda row: row["metadata"].update(deadlineDate=[]), None),  # would be "open" for ever
    ("unreadable deadline", lambda row: row["metadata"].update(deadlineDate=["soon"]), None),
    ("no title", without_title, None),
    ("German copy", lambda row: row.update(language="de"), "closed"),
]


@pytest.mark.parametrize(("change", "status"), [(c, s) for _, c, s in STALE_ALONE], ids=[n for n, _, _ in STALE_ALONE])
def test_stale_copy_alone_is_a_call_only_when_sound(sedia: Path, change: Any, status: str | None) -> None:
    row = capture_3_row(sedia, STALE)
    change(row)
    items, _ = parse_page(make_spider(today=date(2026, 3, 1)), page_of(row))
    if status is None:
        assert items == []
        return
    [call] = items
    assert (call["source_id"], call["status"], call["url"], call["language"]) == (STALE, status, TOPIC + STALE, "en")


DATASOURCES = [
    # (metadata DATASOURCE, metadata datasource, row database, a SEDIA row?)
    (["SEDIA"], None, "SEDIA", True),
    (None, None, "SEDIA", True),  # apiVersion 2.101 names only the database
    (None, None, None, True),  # the trimmed transcription names nothing
    (["SEDIA_PRD_CENTRICITY"], ["SEDIA_PRD_CENTRICITY"], None, False),
    (["SEDIA"], ["SEDIA_PRD_CENTRICITY"], "SEDIA", False),  # contradicting: not trusted
    (["sedia"], None, None, True),
]


@pytest.mark.parametrize(("upper", "lower", "database", "trusted"), DATASOURCES)
def test_which_rows_are_sedia_rows(upper: list[str] | None, lower: list[str] | None, database: str | None,
                                   trusted: bool) -> None:
    meta = {k: v for k, v in {"DATASOURCE": upper, "datasource": lower}.items() if v is not None}
    row: Item = {"metadata": meta, **({"database": database} if database else {})}
    assert make_spider()._is_trusted(row) is trusted


# -- keywords and cross-cutting priorities --------------------------------------------------------------

CUT = "Education: systems and institutions, teaching and"  # 49 characters, as the index cuts them
FULL = CUT + " learning"

KEYWORDS = [
    # (metadata keywords, topics)
    (["Smart cities", "Data spaces"], ["Smart cities", "Data spaces"]),
    (['["Smart cities","Data spaces"]'], ["Smart cities", "Data spaces"]),
    (['["Smart cities","Data sp'], ["Smart cities"]),  # cut-off JSON: the complete entries
    (['["Smart cities",'], ["Smart cities"]),
    (['["Sm'], None),
    (['["a \\"quoted\\" word","x'], ['a "quoted" word']),
    (["T-1", "call-1", "Smart cities"], ["Smart cities"]),  # the topic's and call's identifiers
    (["Smart cities", "smart cities", "SMART CITIES"], ["Smart cities"]),
    ([CUT, FULL], [FULL]),  # a cut copy next to its full form
    ([CUT], [CUT]),  # cut, but nothing better
    (["Energy", "Energy storage"], ["Energy", "Energy storage"]),  # a short keyword is no cut copy
]


@pytest.mark.parametrize(("keywords", "topics"), KEYWORDS)
def test_keywords(keywords: list[str], topics: list[str] | None) -> None:
    row = {"language": "en", "metadata": {"identifier": ["T-1"], "title": ["T"], "callIdentifier": ["CALL-1"],
                                          "keywords": keywords}}
    [item], _ = parse_page(make_spider(), page_of(row))
    assert item["topics"] == topics


PRIORITIES = [
    # (crossCuttingPriorities, keywords, topics)
    (["DigitalAgenda", "AI"], [], ["Digital Agenda", "Artificial Intelligence"]),
    (["SocInnov", "PART-COPROGR"], ["Social innovation"], ["Social innovation", "Co-programmed European Partnerships"]),
    ([UNKNOWN_PRIORITY, "SSH"], [], ["Social sciences and humanities"]),  # unknown: a note, not a guess
    ([], [], None),
]


@pytest.mark.parametrize(("priorities", "keywords", "topics"), PRIORITIES)
def test_cross_cutting_priorities_as_topics(
    priorities: list[str], keywords: list[str], topics: list[str] | None
) -> None:
    row = {"language": "en", "metadata": {"identifier": ["T-1"], "title": ["T"], "keywords": keywords,
                                          "crossCuttingPriorities": priorities}}
    [item], _ = parse_page(make_spider(), page_of(row))
    assert item["topics"] == topics


def test_every_json_path_is_a_class_attribute() -> None:
    """A renamed key is one line to change; the paths are where the recordings put them."""
    paths = {k: v for k, v in vars(EuSediaSpider).items() if k.endswith(("_key", "_keys"))}
    assert paths["identifier_key"] == "identifier" and paths["datasource_keys"] == ("DATASOURCE", "datasource")
    assert paths["priorities_key"] == "crossCuttingPriorities" and paths["keywords_key"] == "keywords"
    assert len(paths) >= 30


# -- the shipped entry, end to end ------------------------------------------------------------------------

NOW = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
CHECK_NOW = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)


def shipped_portal(tmp_path: Path, base_url: str) -> EuSediaPortal:
    """The shipped entry with base_url, loaded as `foerderradar` loads config/portals.yaml."""
    directory = tmp_path / "config"
    directory.mkdir(exist_ok=True)
    entry = SHIPPED_EU + f"  base_url: {base_url}\n"
    (directory / "portals.yaml").write_text("portals:\n" + entry, encoding="utf-8")
    [portal] = load_portals(directory)
    assert isinstance(portal, EuSediaPortal)
    return portal


def route(page: int) -> str:
    return f"{API_PATH}?apiKey=SEDIA&text=***&pageSize=100&pageNumber={page}"


def json_fields(identifier: str) -> dict[str, object]:
    """The expected fields as a dry run reports them (JSON: dates as ISO strings)."""
    expected = CAPTURES[CAPTURE_3][2][identifier]
    fields = {k: v for k, v in asdict(expected).items() if not k.startswith("has_")}
    return {"source_id": identifier, "url": TOPIC + identifier, "language": "en",
            **{k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}}


def test_portals_check_with_the_shipped_entry_on_capture_3(tmp_path: Path, sedia: Path) -> None:
    with FixtureServer(sedia, {route(1): CAPTURE_3}) as server:
        portal = shipped_portal(tmp_path, server.base_url)
        result = check_portal(portal, crawl_config(tmp_path, portal), cache_dir=tmp_path / "cache", now=CHECK_NOW)
        posts = list(server.site.posts)
    assert result.ok and result.errors == 0 and result.messages == [], result.messages
    assert (result.items, result.notes) == (2, [])  # one call per identifier, no second call from the copy
    sample = {s["source_id"]: s for s in result.sample}
    assert sorted(sample) == sorted([SOIL, STALE])
    for identifier, call in sample.items():
        # The crawl's clock decides: on 1 March 2027 the soil topic is open (it opened 4 February).
        expected = {**json_fields(identifier), "status": {SOIL: "open", STALE: "closed"}[identifier]}
        assert {k: call[k] for k in expected} == expected
        assert call["topics"]
    assert bool(sample[SOIL]["description"]) and sample[STALE]["description"] is None
    assert result.warnings() == ["Feld 'applicants' (Antragsberechtigte) ist bei keinem Eintrag gefüllt."]
    # One POST: 2 rows, totalResults 9, page size 100; the query asks for the five shipped programmes.
    [(target, body)] = posts
    assert parse_qs(urlsplit(target).query)["pageSize"] == ["100"]
    codes = [SEDIA_PROGRAMME_CODES[p] for p in ("DIGITAL", "CEF", "HORIZON", "ERASMUS", "LIFE")]
    assert ('"frameworkProgramme":' + json.dumps(codes, separators=(",", ":"))).encode() in body


def test_crawl_with_the_shipped_entry_stores_each_topic_once(tmp_path: Path, sedia: Path) -> None:
    """Capture 3 on page 1, the SEDIA row of its stale copy on page 2: two calls, stored once."""
    data = capture_3(sedia)
    twin = sedia_twin(capture_3_row(sedia, STALE))
    twin["metadata"]["crossCuttingPriorities"] = ["DigitalAgenda", UNKNOWN_PRIORITY]
    site = tmp_path / "site"
    site.mkdir()
    (site / "page1.json").write_text(json.dumps({**data, "totalResults": 101}), encoding="utf-8")
    (site / "page2.json").write_text(json.dumps({**data, "totalResults": 101, "pageNumber": 2, "results": [twin]}),
                                     encoding="utf-8")
    store = Store(f"sqlite:///{tmp_path / 'calls.db'}")
    try:
        with FixtureServer(site, {route(1): "page1.json", route(2): "page2.json"}) as server:
            portal = shipped_portal(tmp_path, server.base_url)
            cfg = crawl_config(tmp_path, portal)
            first = crawl_portal(portal, cfg, store, cache_dir=tmp_path / "cache", now=NOW)
            second = crawl_portal(portal, cfg, store, cache_dir=tmp_path / "cache", now=NOW)
            pages = [parse_qs(urlsplit(target).query)["pageNumber"] for target, _ in server.site.posts]
        assert first.ok and first.errors == 0, first.messages
        assert (first.items, first.new, first.changed) == (2, 2, 0)
        assert (second.items, second.new, second.changed, second.gone) == (2, 0, 0, 0)
        assert pages == [["1"], ["2"]] * 2
        assert first.notes == [
            f"EU Funding & Tenders: Querschnittspriorität {UNKNOWN_PRIORITY!r} ist unbekannt "
            "und wurde nicht als Thema übernommen."
        ]
        assert store.count_calls() == 2
        records = {r.source_id: r for r in store.iter_calls()}
        assert sorted(records) == sorted([SOIL, STALE])
        stale = records[STALE]  # from the SEDIA row on page 2, not from the copy on page 1
        assert (stale.title, stale.deadline, stale.status, stale.url) == (TWIN_TITLE, TWIN_DEADLINE, "open",
                                                                         TOPIC + STALE)
        assert "Digital Agenda" in (stale.topics or []) and "Gender research" not in (stale.topics or [])
        soil = records[SOIL]
        assert (soil.status, soil.deadline, soil.open_date, soil.url) == ("upcoming", date(2027, 4, 8),
                                                                         date(2027, 2, 4), TOPIC + SOIL)
    finally:
        store.close()


def project_eu_entry() -> dict[str, Any]:
    """The eu entry of config/portals.yaml: live once enabled there, else the commented example."""
    text = (PROJECT / "config" / "portals.yaml").read_text(encoding="utf-8")
    for entry in yaml.safe_load(text)["portals"] or []:
        if entry.get("key") == "eu":
            return dict(entry)
    lines = text.splitlines()
    start = lines.index("  # - key: eu")
    block = []
    for line in lines[start:]:
        if not line.startswith("  #   ") and line != "  # - key: eu":
            break
        block.append(line.replace("  # ", "  ", 1))
    [entry] = yaml.safe_load("portals:\n" + "\n".join(block))["portals"]
    return dict(entry)


def test_project_config_has_the_entry_these_tests_run() -> None:
    shipped = EuSediaPortal.model_validate(yaml.safe_load(SHIPPED_EU)[0])
    assert EuSediaPortal.model_validate(project_eu_entry()) == shipped
    assert (shipped.page_size, shipped.max_pages, shipped.enabled) == (100, 100, True)
