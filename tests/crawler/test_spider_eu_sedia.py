"""The EU Funding & Tenders (SEDIA) spider: recorded API answers, own fixture pages, a real crawl.

Recorded answers come from ../shared/captures/eu-sedia/ (third-party, never copied here); the
fixture pages in tests/fixtures/eu_sedia/ are invented in the same structure to cover what the
recordings do not: two pages, a topic's language rows split across them, a row without identifier,
a forthcoming call, a stale "open" flag, a call with two actions and a two-stage procedure.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import logging
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any, get_args
from urllib.parse import parse_qs, urlsplit

import pytest
from config_files import crawl_config
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from sedia_pages import TOPIC, Item, api_response, by_id, make_spider, page_of, parse_page
from twisted.python.failure import Failure

from foerderradar.crawler.kinds.eu_sedia.config import (
    SEDIA_API_URL,
    SEDIA_PROGRAMME_CODES,
    SEDIA_STATUS_CODES,
    EuSediaPortal,
    SediaProgramme,
    SediaStatus,
)
from foerderradar.crawler.kinds.eu_sedia.spider import EuSediaSpider, SediaResponseError
from foerderradar.crawler.registry import KINDS
from foerderradar.crawler.runner import crawl
from foerderradar.fixture_server import FixtureServer
from foerderradar.settings import ConfigError, load_portals
from foerderradar.storage import Store

PROJECT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eu_sedia"
API_PATH = urlsplit(SEDIA_API_URL).path
PUBLIC = ["kommune", "oeffentliche_einrichtung"]


def topic_row(identifier: str, language: str = "en", **metadata: Any) -> Item:
    meta = {"identifier": [identifier], "title": [f"Topic {identifier}"], **metadata}
    return {"language": language, "metadata": meta}


# -- recorded answers (../shared/captures/eu-sedia) ---------------------------------------------------


@pytest.fixture
def sedia(captures: Path) -> Path:
    return captures / "eu-sedia"


def recorded_search_1(sedia: Path) -> dict[str, Item]:
    # max_pages=1: the recorded page is the last one, so the held-back rows are yielded at its end.
    items, requests = parse_page(make_spider(max_pages=1), (sedia / "eu_sedia_search_1.json").read_bytes())
    assert requests == []
    return by_id(items)


SEARCH_1 = [
    # (identifier, field, expected)
    ("SC1-PHE-CORONAVIRUS-2020-2D", "title", "Pan-European COVID-19 cohorts"),
    ("SC1-PHE-CORONAVIRUS-2020-2D", "url", TOPIC + "SC1-PHE-CORONAVIRUS-2020-2D"),
    # actions say 11 June 2020; deadlineDate says 2026-12-31 (a placeholder) and status says open.
    ("SC1-PHE-CORONAVIRUS-2020-2D", "deadline", date(2020, 6, 11)),
    ("SC1-PHE-CORONAVIRUS-2020-2D", "deadline_text", "11 June 2020 (single-stage)"),
    ("SC1-PHE-CORONAVIRUS-2020-2D", "status", "closed"),
    ("SC1-PHE-CORONAVIRUS-2020-2D", "open_date", date(2020, 5, 19)),
    ("SC1-PHE-CORONAVIRUS-2020-2D", "funding_body", "European Commission (Horizon 2020)"),
    ("SC1-PHE-CORONAVIRUS-2020-2D", "max_amount_eur", None),  # budgetOverview is cut off in the recording
    ("SC1-PHE-CORONAVIRUS-2020-2D", "applicants", None),
    ("ENG-GLOBALLY-01-2017", "title",
     "Strengthening Europe's position in the global context: science diplomacy and intercultural relations"),
    ("ENG-GLOBALLY-01-2017", "deadline", date(2017, 2, 2)),
    ("ENG-GLOBALLY-01-2017", "status", "closed"),
    ("S2R-CFM-IP5-03-2015", "title", "Freight Propulsion concepts"),
    ("S2R-CFM-IP5-03-2015", "deadline", date(2016, 3, 17)),
    ("S2R-CFM-IP5-03-2015", "open_date", date(2015, 12, 17)),
]


@pytest.mark.parametrize(("identifier", "field", "expected"), SEARCH_1)
def test_recorded_search_page(sedia: Path, identifier: str, field: str, expected: object) -> None:
    assert recorded_search_1(sedia)[identifier][field] == expected


def test_recorded_search_page_common_fields(sedia: Path) -> None:
    items = recorded_search_1(sedia)
    assert list(items) == ["SC1-PHE-CORONAVIRUS-2020-2D", "ENG-GLOBALLY-01-2017", "S2R-CFM-IP5-03-2015"]
    for item in items.values():
        assert (item["source"], item["level"], item["regions"], item["language"]) == ("eu", "eu", ["EU"], "en")
        assert item["funding_type"] == ["zuschuss"]
        assert item["description"].startswith("Specific Challenge:\n")  # HTML gone, paragraphs kept
        assert "<" not in item["description"]
        assert "Research and Innovation action" in item["topics"]
    assert "Coronavirus" in items["SC1-PHE-CORONAVIRUS-2020-2D"]["topics"]


def test_recorded_page_holds_non_english_rows_until_the_last_page(sedia: Path) -> None:
    """The recorded rows are all Bulgarian: their English rows may still come on page 2."""
    spider = make_spider()
    items, requests = parse_page(spider, (sedia / "eu_sedia_search_1.json").read_bytes())
    assert items == []
    assert [r.cb_kwargs for r in requests] == [{"page": 2}]
    assert parse_qs(urlsplit(requests[0].url).query)["pageNumber"] == ["2"]
    # Page 2 fails: what was held back is not lost.
    failure = Failure(HttpError(TextResponse(requests[0].url, status=503, request=requests[0])))
    flushed = list(spider.parse_failure(failure))
    assert [i["source_id"] for i in flushed] == list(recorded_search_1(sedia))


def test_recorded_language_rows_english_row_wins(sedia: Path) -> None:
    """Three of 24 language rows; cs and bg carry the dates shifted to UTC (26 Nov 23:00), en the portal's."""
    body = (sedia / "eu_sedia_search_2_trimmed.json").read_bytes()
    [item], requests = parse_page(make_spider(today=date(2024, 6, 10)), body)
    assert requests == []
    assert item["source_id"] == "HORIZON-MSCA-2024-DN-01-01"
    assert item["title"] == "MSCA Doctoral Networks 2024"
    assert item["deadline"] == date(2024, 11, 27)  # the en row, although the cs row came first
    assert item["open_date"] == date(2024, 5, 29)
    assert item["deadline_text"] == "27 November 2024 17:00 Brussels time (single-stage)"
    assert item["status"] == "open"


def test_recorded_language_rows_without_english_row_fall_back_to_the_first(sedia: Path) -> None:
    data = json.loads((sedia / "eu_sedia_search_2_trimmed.json").read_text(encoding="utf-8"))
    data["results"] = [r for r in data["results"] if r["metadata"]["language"] != ["en"]]
    [item], _ = parse_page(make_spider(today=date(2024, 6, 10)), json.dumps(data).encode())
    # Documented trade-off: without an English row the call is kept, with the cs row's UTC date.
    assert item["deadline"] == date(2024, 11, 26)
    assert item["language"] == "en"


@pytest.fixture
def recorded_item(sedia: Path) -> bytes:
    row = json.loads((sedia / "eu_sedia_result_item_2.json").read_text(encoding="utf-8"))
    return page_of(row)


# metadata.status of this topic says forthcoming (31094501); the dates decide.
ITEM_2_STATUS = [
    (date(2023, 12, 1), "upcoming"),
    (date(2024, 1, 15), "open"),
    (date(2024, 4, 18), "open"),  # the deadline day itself
    (date(2024, 4, 19), "closed"),
]


@pytest.mark.parametrize(("today", "status"), ITEM_2_STATUS)
def test_recorded_item_status_derived_from_dates(recorded_item: bytes, today: date, status: str) -> None:
    [item], _ = parse_page(make_spider(today=today), recorded_item)
    assert item["status"] == status


def test_recorded_item_fields(recorded_item: bytes) -> None:
    [item], _ = parse_page(make_spider(), recorded_item)
    assert item["source_id"] == "HORIZON-CL5-2024-D2-01-03"
    assert item["title"].startswith("Development of technical and business solutions to optimise the circularity")
    assert item["deadline"] == date(2024, 4, 18)  # no actions: deadlineDate, the local date as written
    assert item["deadline_text"] == "18 April 2024 19:00 Brussels time (single-stage)"
    assert item["open_date"] == date(2023, 12, 7)
    assert item["funding_body"] == "European Commission (Horizon Europe)"
    # keywords are one JSON string in this API version; typesOfAction has a double space.
    assert item["topics"][:4] == ["Horizon Europe", "HORIZON Research and Innovation Actions", "Energy storage",
                                  "Social Innovation"]
    assert item["description"] is None and item["summary"] is None


# -- own fixture pages (tests/fixtures/eu_sedia) ----------------------------------------------------


def fixture_crawl(spider: EuSediaSpider) -> list[Item]:
    items1, next1 = parse_page(spider, (FIXTURES / "search_page1.json").read_bytes(), 1)
    assert [r.cb_kwargs for r in next1] == [{"page": 2}]
    items2, next2 = parse_page(spider, (FIXTURES / "search_page2.json").read_bytes(), 2)
    assert next2 == []  # 2 pages × 4 rows cover totalResults 8
    return items1 + items2


FIXTURE_IDS = [
    "DIGITAL-2099-SMARTCOM-01", "LIFE-2024-STALE-01",  # page 1 (the CEF topic's de row waits)
    "CEF-2098-FORTH-01", "HORIZON-2099-TWOACT-01",  # page 2
    "ERASMUS-2099-BGONLY-01",  # no English row anywhere: yielded after the last page
]

FIXTURE_FIELDS = [
    ("DIGITAL-2099-SMARTCOM-01", "status", "open"),
    ("DIGITAL-2099-SMARTCOM-01", "deadline", date(2099, 3, 15)),
    ("DIGITAL-2099-SMARTCOM-01", "deadline_text", "15 March 2099 17:00 Brussels time (single-stage)"),
    ("DIGITAL-2099-SMARTCOM-01", "open_date", date(2024, 1, 10)),
    ("DIGITAL-2099-SMARTCOM-01", "max_amount_eur", 2_000_000.0),  # its own line, not the other topic's 9 M
    ("DIGITAL-2099-SMARTCOM-01", "applicants", PUBLIC),  # "Consortia must include … public authorities"
    ("DIGITAL-2099-SMARTCOM-01", "funding_body", "European Commission (Digital Europe Programme)"),
    ("DIGITAL-2099-SMARTCOM-01", "topics", ["Digital Europe Programme", "DIGITAL Simple Grants",
                                            "Smart communities", "Data spaces", "Local digital twins"]),
    # the English row on page 2 wins over the German row (a day early, UTC) on page 1 …
    ("CEF-2098-FORTH-01", "deadline", date(2098, 10, 15)),
    ("CEF-2098-FORTH-01", "open_date", date(2098, 6, 1)),
    ("CEF-2098-FORTH-01", "status", "upcoming"),
    ("CEF-2098-FORTH-01", "deadline_text", "15 October 2098 17:00 Brussels time (single-stage)"),
    # … and the German row fills what the English row lacks (keywords).
    ("CEF-2098-FORTH-01", "topics", ["Connecting Europe Facility", "CEF Infrastructure Projects",
                                     "Alternative fuels", "Urban nodes"]),
    ("CEF-2098-FORTH-01", "applicants", None),
    ("LIFE-2024-STALE-01", "status", "closed"),  # metadata.status and the action still say open
    ("LIFE-2024-STALE-01", "deadline", date(2024, 9, 17)),
    # two actions: a two-stage one whose first stage has passed, a multiple cut-off one with one to come
    ("HORIZON-2099-TWOACT-01", "deadline", date(2099, 1, 20)),
    ("HORIZON-2099-TWOACT-01", "status", "open"),
    ("HORIZON-2099-TWOACT-01", "deadline_text",
     "20 January 2099; deadlines: 20 January 2099, 20 September 2099 (multiple cut-off)"),
    ("ERASMUS-2099-BGONLY-01", "deadline", date(2099, 4, 29)),
    ("ERASMUS-2099-BGONLY-01", "deadline_text", "29 April 2099 (single-stage)"),  # "22:00" is UTC: left out
    ("ERASMUS-2099-BGONLY-01", "funding_body", "European Commission (Erasmus+)"),
    ("ERASMUS-2099-BGONLY-01", "funding_type", ["zuschuss"]),
]


@pytest.mark.parametrize(("identifier", "field", "expected"), FIXTURE_FIELDS)
def test_fixture_pages(identifier: str, field: str, expected: object) -> None:
    assert by_id(fixture_crawl(make_spider(page_size=4)))[identifier][field] == expected


def test_fixture_pages_one_call_per_identifier(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        items = fixture_crawl(make_spider(page_size=4))
    assert [i["source_id"] for i in items] == FIXTURE_IDS  # the repeated SMARTCOM row on page 2 is dropped
    assert any("without identifier" in r.getMessage() and "99999999BrokenRow" in r.getMessage() for r in caplog.records)


def test_description_plain_text_with_paragraphs() -> None:
    item = by_id(fixture_crawl(make_spider(page_size=4)))["DIGITAL-2099-SMARTCOM-01"]
    lines = item["description"].split("\n")
    assert lines[:2] == ["Expected Outcome:", lines[1]] and lines[1].startswith("Municipalities across the EU")
    assert "connect at least three local data platforms;" in lines
    assert item["summary"] == " ".join(item["description"].split())  # short: the whole text on one line


def test_description_is_capped() -> None:
    row = topic_row("X-1", descriptionByte=["<p>" + "word " * 10_000 + "</p>"])
    [item], _ = parse_page(make_spider(), page_of(row))
    assert len(item["description"]) <= EuSediaSpider.description_limit
    assert len(item["summary"]) <= EuSediaSpider.summary_limit + 2 and item["summary"].endswith("word …")


def test_page_failure_keeps_held_back_rows_and_reraises_other_errors() -> None:
    spider = make_spider(page_size=4)
    parse_page(spider, (FIXTURES / "search_page1.json").read_bytes(), 1)
    flushed: list[Item] = []
    with pytest.raises(ConnectionRefusedError):
        for item in spider.parse_failure(Failure(ConnectionRefusedError("refused"))):
            flushed.append(item)
    # Without page 2 the CEF topic is built from its German row: a day early, but not lost.
    assert [(i["source_id"], i["deadline"]) for i in flushed] == [("CEF-2098-FORTH-01", date(2098, 10, 14))]
    assert list(spider.parse_failure(Failure(IgnoreRequest()))) == []  # nothing left, robots refusal not re-raised


BAD_ANSWERS = [
    (b"<html><body>Service temporarily unavailable</body></html>", "not JSON"),
    (b'{"message": "apiKey invalid"}', "no 'results' list"),
    (b'{"results": null, "totalResults": 0}', "no 'results' list"),
    (b"[]", "no 'results' list"),
]


@pytest.mark.parametrize(("body", "problem"), BAD_ANSWERS)
def test_bad_answer_raises_naming_the_url(body: bytes, problem: str) -> None:
    spider = make_spider(page_size=4)
    parse_page(spider, (FIXTURES / "search_page1.json").read_bytes(), 1)
    flushed: list[Item] = []
    with pytest.raises(SediaResponseError) as info:
        for out in spider.parse(api_response(spider, body, 2), page=2):
            flushed.append(out)
    assert str(info.value).startswith(SEDIA_API_URL + "?apiKey=SEDIA&text=***&pageSize=4&pageNumber=2: ")
    assert problem in str(info.value)
    assert [i["source_id"] for i in flushed] == ["CEF-2098-FORTH-01"]  # held-back rows still yielded


def test_unknown_identifier_empty_results_is_fine() -> None:
    assert parse_page(make_spider(), (FIXTURES / "search_empty.json").read_bytes()) == ([], [])


# -- deadlines, status, applicants, amounts --------------------------------------------------------------


def action(procedure: str, *deadlines: str) -> dict[str, Any]:
    return {"submissionProcedure": {"abbreviation": procedure}, "deadlineDates": list(deadlines)}


DEADLINES = [
    # (actions, deadlineDate, startDate, expected deadline, expected status)
    ([action("single-stage", "10 June 2025")], [], ["2025-01-01"], date(2025, 6, 10), "open"),
    ([action("single-stage", "10 June 2025")], ["2099-12-31T00:00:00.000+0000"], [], date(2025, 6, 10), "open"),
    ([action("single-stage", "31 May 2025")], [], ["2025-01-01"], date(2025, 5, 31), "closed"),
    ([action("single-stage", "1 June 2025")], [], [], date(2025, 6, 1), "open"),  # the day itself
    ([action("multiple cut-off", "01 March 2025", "01 October 2025", "01 March 2026")], [], [],
     date(2025, 10, 1), "open"),
    ([action("single-stage", "2025-02-01"), action("single-stage", "2025-09-30")], [], [], date(2025, 9, 30), "open"),
    ([action("single-stage", "2025-09-30"), action("single-stage", "2025-02-01")], [], [], date(2025, 9, 30), "open"),
    ([action("single-stage", "2024-02-01"), action("single-stage", "2025-02-01")], [], [], date(2025, 2, 1), "closed"),
    # two-stage: the second stage is for those invited after stage one, not for newcomers
    ([action("two-stage", "15 January 2025", "15 September 2025")], [], [], date(2025, 1, 15), "closed"),
    ([action("two-stage", "15 September 2025", "15 February 2026")], [], [], date(2025, 9, 15), "open"),
    ([], ["2025-09-15T17:00:00.000+0200", "2026-02-15T17:00:00.000+0100"], [], date(2025, 9, 15), "open"),
    ([], ["2026-04-18T19:00:00.000+0200"], ["2026-01-10T00:00:00.000+0100"], date(2026, 4, 18), "upcoming"),
    ([], [], ["2025-01-10T00:00:00.000+0100"], None, "open"),
    ([], [], [], None, "unknown"),
]


@pytest.mark.parametrize(("actions", "deadline_dates", "start", "deadline", "status"), DEADLINES)
def test_deadline_and_status(
    actions: list[Any], deadline_dates: list[str], start: list[str], deadline: date | None, status: str
) -> None:
    meta: dict[str, Any] = {"deadlineDate": deadline_dates, "startDate": start}
    if actions:
        meta["actions"] = [json.dumps(actions)]
    [item], _ = parse_page(make_spider(), page_of(topic_row("T-1", status=["31094501"], **meta)))
    assert (item["deadline"], item["status"]) == (deadline, status)


def test_cut_off_json_in_metadata_falls_back() -> None:
    meta = {
        "actions": ['[{"deadlineDates":["10 June 20'],
        "deadlineDate": ["2025-07-01T17:00:00.000+0200"],
        "budgetOverview": ['{"budgetTopicActionMap":{"1":[{"action":"T-1 - RIA","maxContribution":'],
        "deadlineModel": ["multiple cut-off"],
    }
    [item], _ = parse_page(make_spider(), page_of(topic_row("T-1", **meta)))
    assert item["deadline"] == date(2025, 7, 1) and item["max_amount_eur"] is None


def test_deadline_text_without_dates_is_the_deadline_model() -> None:
    [item], _ = parse_page(make_spider(), page_of(topic_row("T-1", deadlineModel=["multiple cut-off"])))
    assert (item["deadline"], item["deadline_text"]) == (None, "multiple cut-off")


APPLICANTS = [
    # (descriptionByte, topicConditions, expected)
    ("<p>Eligible applicants are local and regional authorities.</p>", "", PUBLIC),
    ("<p>Consortia must include at least one municipality.</p>", "", PUBLIC),
    ("", "<p><strong>Eligible participants:</strong> public bodies established in a Member State.</p>", PUBLIC),
    ("<p>Applicants must be public authorities or their associations.</p>", "", PUBLIC),
    ("<p>Local authorities are not eligible for funding under this topic.</p>", "", None),
    ("<p>Cities face challenges; public authorities need better data.</p>", "", None),  # no eligibility statement
    ("<p>Applicants are encouraged to involve local authorities.</p>", "", None),  # encouraged, not required
    ("<p>Eligible costs include travel.</p><p>Municipalities benefit from the results.</p>", "", None),
    ("", "<p>1. Eligible countries: described in Annex B of the Work Programme.</p>", None),
]


@pytest.mark.parametrize(("description", "conditions", "expected"), APPLICANTS)
def test_applicants_only_when_stated(description: str, conditions: str, expected: list[str] | None) -> None:
    row = topic_row("T-1", descriptionByte=[description], topicConditions=[conditions])
    [item], _ = parse_page(make_spider(), page_of(row))
    assert item["applicants"] == expected


def budget(*lines: tuple[str, Any]) -> list[str]:
    table = {str(i): [{"action": name, "maxContribution": amount, "budgetYearMap": {"2025": 9_999_999}}]
             for i, (name, amount) in enumerate(lines)}
    return [json.dumps({"budgetTopicActionMap": table})]


AMOUNTS = [
    (budget(("T-1 - RIA Research and Innovation action", 3_000_000)), 3_000_000.0),
    (budget(("T-1 - RIA", 1_000_000), ("T-1 - CSA", "2000000")), 2_000_000.0),
    (budget(("T-10 - RIA", 5_000_000), ("T-2 - RIA", 4_000_000)), None),  # other topics of the call
    (budget(("T-1 - RIA", None)), None),  # only the budget total: not a per-project amount
    ([], None),
]


@pytest.mark.parametrize(("overview", "expected"), AMOUNTS)
def test_max_amount_from_budget_overview(overview: list[str], expected: float | None) -> None:
    [item], _ = parse_page(make_spider(), page_of(topic_row("T-1", budgetOverview=overview)))
    assert item["max_amount_eur"] == expected


def test_row_without_identifier_is_skipped_others_parsed(caplog: pytest.LogCaptureFixture) -> None:
    rows = [{"reference": "ref-1", "metadata": {"title": ["No id"]}}, "not a row", topic_row("T-1")]
    with caplog.at_level(logging.WARNING):
        items, _ = parse_page(make_spider(), page_of(*rows))
    assert [i["source_id"] for i in items] == ["T-1"]
    assert sum("without identifier" in r.getMessage() for r in caplog.records) == 2


def test_funding_type_only_for_grant_types() -> None:
    rows = [topic_row("T-1", type=["1"]), topic_row("T-2", type=["8"]), topic_row("T-3", type=["0"])]
    items, _ = parse_page(make_spider(), page_of(*rows))
    assert [i["funding_type"] for i in items] == [["zuschuss"], ["zuschuss"], None]


# -- requests -----------------------------------------------------------------------------------------


def multipart_parts(request: Request) -> dict[str, tuple[str, Any]]:
    """Parse the body with the standard library's MIME parser: name → (content type, JSON)."""
    ctype = request.headers[b"Content-Type"].decode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {ctype}\r\n\r\n".encode() + request.body
    )
    assert message.is_multipart() and not message.defects
    parts: dict[str, tuple[str, Any]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        parts[str(name)] = (part.get_content_type(), json.loads(part.get_payload(decode=True)))
    return parts


def test_search_request_is_a_multipart_post() -> None:
    request = make_spider(page_size=20).search_request(3)
    assert request.method == "POST"
    assert request.headers[b"Content-Type"].startswith(b"multipart/form-data; boundary=")
    url = urlsplit(request.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == SEDIA_API_URL
    assert parse_qs(url.query) == {"apiKey": ["SEDIA"], "text": ["***"], "pageSize": ["20"], "pageNumber": ["3"]}
    parts = multipart_parts(request)
    assert list(parts) == ["query", "languages", "sort"]
    assert {ctype for ctype, _ in parts.values()} == {"application/json"}
    assert parts["languages"][1] == ["en"]
    assert request.meta["dont_cache"] is True


CODES = [
    # (programmes, statuses, frameworkProgramme codes, status codes)
    (None, None, ["43152860", "43251567", "43108390", "43353764", "43252405"], ["31094502", "31094501"]),
    (["CEF"], ["open"], ["43251567"], ["31094502"]),
    (["LIFE", "CERV"], ["forthcoming"], ["43252405", "43251589"], ["31094501"]),
    (["horizon", "Digital", "HORIZON"], ["Open"], ["43108390", "43152860"], ["31094502"]),
]


@pytest.mark.parametrize(("programmes", "statuses", "programme_codes", "status_codes"), CODES)
def test_query_codes(
    programmes: list[str] | None, statuses: list[str] | None, programme_codes: list[str], status_codes: list[str]
) -> None:
    config = {k: v for k, v in {"programmes": programmes, "statuses": statuses}.items() if v is not None}
    _, query = multipart_parts(make_spider(**config).search_request(1))["query"]
    assert query == {
        "bool": {
            "must": [
                {"terms": {"type": ["1", "2", "8"]}},
                {"terms": {"status": status_codes}},
                {"terms": {"frameworkProgramme": programme_codes}},
            ]
        }
    }


PAGINATION = [
    # (totalResults, page_size, max_pages, this page, rows on it, next page or None)
    (8, 4, 50, 1, 4, 2),
    (8, 4, 50, 2, 4, None),  # 2 × 4 = 8: all seen
    (9, 4, 50, 2, 4, 3),
    (9, 4, 2, 2, 4, None),  # max_pages reached
    (9, 4, 3, 2, 4, 3),
    (100, 4, 50, 1, 0, None),  # an empty page ends it, whatever totalResults says
    (None, 4, 50, 1, 4, None),  # no totalResults: nothing to page through
]


@pytest.mark.parametrize(("total", "size", "max_pages", "page", "rows", "expected"), PAGINATION)
def test_pagination(total: int | None, size: int, max_pages: int, page: int, rows: int, expected: int | None) -> None:
    spider = make_spider(page_size=size, max_pages=max_pages)
    data: dict[str, Any] = {"results": [topic_row(f"T-{i}") for i in range(rows)]}
    if total is not None:
        data["totalResults"] = total
    _, requests = parse_page(spider, json.dumps(data).encode(), page)
    assert [r.cb_kwargs["page"] for r in requests] == ([] if expected is None else [expected])


def test_page_limit_with_results_left_is_an_error(caplog: pytest.LogCaptureFixture) -> None:
    """Otherwise the crawl counts as complete and every call beyond the limit would be marked gone."""
    data = {"totalResults": 9, "results": [topic_row(f"T-{i}") for i in range(4)]}
    with caplog.at_level(logging.ERROR):
        parse_page(make_spider(page_size=4, max_pages=2), json.dumps(data).encode(), 2)
        parse_page(make_spider(page_size=4, max_pages=3), json.dumps({**data, "totalResults": 8}).encode(), 2)
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "page limit reached, 8 of 9 results read (max_pages 2, page_size 4)" in record.getMessage()


# -- configuration ------------------------------------------------------------------------------------


def write_portals(tmp_path: Path, entry: str) -> Path:
    (tmp_path / "portals.yaml").write_text(f"portals:\n  - {entry}\n", encoding="utf-8")
    return tmp_path


def test_defaults(tmp_path: Path) -> None:
    [portal] = load_portals(write_portals(tmp_path, "{key: eu, kind: eu_sedia}"))
    assert isinstance(portal, EuSediaPortal)
    assert (portal.api_url, portal.api_key, portal.text, portal.page_size) == (SEDIA_API_URL, "SEDIA", "***", 50)
    assert portal.programmes == ["DIGITAL", "CEF", "HORIZON", "ERASMUS", "LIFE"]
    assert portal.statuses == ["open", "forthcoming"]


def test_unknown_programme_is_a_clear_error(tmp_path: Path) -> None:
    write_portals(tmp_path, "{key: eu, kind: eu_sedia, programmes: [HORIZON, ERASMUSPLUS]}")
    with pytest.raises(ConfigError) as info:
        load_portals(tmp_path)
    assert info.value.problems == [
        f"{tmp_path / 'portals.yaml'}: portals[0].programmes[1]: "
        "'ERASMUSPLUS' ist nicht erlaubt; möglich sind: DIGITAL, CEF, HORIZON, LIFE, ERASMUS, CERV; "
        "meinten Sie 'ERASMUS'?"
    ]


BAD_CONFIG = [
    ("statuses: [closed]", "portals[0].statuses[0]: 'closed' ist nicht erlaubt; möglich sind: open, forthcoming"),
    ("page_size: 101", "portals[0].page_size: darf höchstens 100 sein, nicht 101"),
    ("page_size: 0", "portals[0].page_size: muss mindestens 1 sein, nicht 0"),
    ("programmes: []", "portals[0].programmes: darf nicht leer sein"),
    ("api_url: ftp://example.org/search", "portals[0].api_url: 'ftp://example.org/search' ist keine http(s)-Adresse"),
    ("programme: [CEF]", "portals[0].programme: unbekannter Schlüssel"),
    ("api_key: ''", "portals[0].api_key: darf nicht leer sein"),
]


@pytest.mark.parametrize(("keys", "message"), BAD_CONFIG)
def test_bad_config(tmp_path: Path, keys: str, message: str) -> None:
    write_portals(tmp_path, f"{{key: eu, kind: eu_sedia, {keys}}}")
    with pytest.raises(ConfigError) as info:
        load_portals(tmp_path)
    assert any(message in p for p in info.value.problems), info.value.problems


def test_registry_vocabulary_matches_codes() -> None:
    assert set(get_args(SediaProgramme)) == set(SEDIA_PROGRAMME_CODES)
    assert set(get_args(SediaStatus)) == set(SEDIA_STATUS_CODES)
    assert KINDS["eu_sedia"].spider_class() is EuSediaSpider


# -- loopback server and the real crawl path --------------------------------------------------------


def test_fixture_server_answers_post_like_get(tmp_path: Path) -> None:
    (tmp_path / "page.json").write_text('{"results": []}', encoding="utf-8")
    routes = {"/search?apiKey=SEDIA&text=***&pageNumber=1": "page.json"}
    with FixtureServer(tmp_path, routes) as server:
        target = "/search?pageNumber=1&apiKey=SEDIA&text=%2A%2A%2A"
        post = urllib.request.Request(server.base_url + target, data=b"--x\r\nbody", method="POST")
        with urllib.request.urlopen(post) as resp:
            assert resp.read() == b'{"results": []}'
            assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
        with urllib.request.urlopen(server.base_url + target) as resp:
            assert resp.read() == b'{"results": []}'
        assert server.site.hits == [target, target]
        assert server.site.posts == [(target, b"--x\r\nbody")]


def eu_portal(base_url: str) -> EuSediaPortal:
    return EuSediaPortal.model_validate({"key": "eu", "kind": "eu_sedia", "base_url": base_url, "page_size": 4})


def routes(*files: str) -> dict[str, str]:
    return {f"{API_PATH}?apiKey=SEDIA&text=***&pageSize=4&pageNumber={n}": f for n, f in enumerate(files, 1)}


def test_crawl_stores_each_topic_once_and_is_idempotent(tmp_path: Path, store: Store) -> None:
    with FixtureServer(FIXTURES, routes("search_page1.json", "search_page2.json")) as server:
        cfg = crawl_config(tmp_path, eu_portal(server.base_url))
        [first] = crawl(cfg, store, cache_dir=tmp_path / "cache")
        [second] = crawl(cfg, store, cache_dir=tmp_path / "cache")
        posts = list(server.site.posts)
    assert first.ok and first.errors == 0, first.messages
    assert (first.items, first.new) == (5, 5)
    assert (second.items, second.new, second.changed) == (5, 0, 0)
    assert store.count_calls() == 5
    records = {r.source_id: r for r in store.iter_calls()}
    assert sorted(records) == sorted(FIXTURE_IDS)
    assert all(r.url == TOPIC + r.source_id for r in records.values())  # real host, not 127.0.0.1
    forth = records["CEF-2098-FORTH-01"]
    assert (forth.deadline, forth.status, forth.language) == (date(2098, 10, 15), "upcoming", "en")
    assert records["LIFE-2024-STALE-01"].status == "closed"
    # Two POSTs per crawl, page 1 then page 2, each carrying the multipart search.
    assert [parse_qs(urlsplit(target).query)["pageNumber"] for target, _ in posts] == [["1"], ["2"]] * 2
    for _, body in posts:
        assert b'name="query"' in body and b'"frameworkProgramme":["43152860","43251567"' in body
    run = store.last_runs()["eu"]
    assert run.ok and run.items == 5


def test_crawl_of_a_non_json_answer_fails_naming_the_url(tmp_path: Path, store: Store) -> None:
    with FixtureServer(FIXTURES, routes("maintenance.html")) as server:
        [result] = crawl(crawl_config(tmp_path, eu_portal(server.base_url)), store, cache_dir=tmp_path / "cache")
    assert not result.ok and result.items == 0 and result.errors >= 1
    assert any(SEDIA_API_URL in m and "not JSON" in m for m in result.messages), result.messages
    assert store.count_calls() == 0
    assert store.last_runs()["eu"].ok is False
