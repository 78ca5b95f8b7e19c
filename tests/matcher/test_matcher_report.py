"""Match reports: every format, empty results, hostile scraped text."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from foerderradar.matcher import render_report
from foerderradar.matcher.report import EMPTY
from foerderradar.model import Match

CONTRACT_KEYS = ["measure_id", "call_id", "title", "url", "score", "eligible", "deadline", "status", "reasons"]
# Appended, so the contract's keys keep their place: cross-portal de-duplication, several municipalities,
# short call ids.
ADDED_KEYS = ["sources", "kommune", "short_id"]
OK = Match("breitband", "t:2", "Gigabit für alle", "https://example.org/g", 80.04, True, date(2027, 1, 31), "open",
           ["Treffer im Titel: Gigabit", "Frist: 31.01.2027 (noch 61 Tage)"], short_id="K7Q2M")
# Match objects can be built directly, bypassing FundingCall's URL check.
HOSTILE = Match("breitband", "t:1", "<script>alert(1)</script> | [x](y)", "javascript:alert(1)", 50, False, None,
                "closed", ["a|b", "<img src=x onerror=alert(1)>"])
OTHER = Match("wlan", "t:3", "=HYPERLINK(\"http://evil\")", "https://example.org/w", 40, True, None, "unknown", [])
MATCHES = [OK, HOSTILE, OTHER]


def test_json_has_the_contract_shape() -> None:
    rows = json.loads(render_report(MATCHES, "json"))
    assert [list(r) for r in rows] == [CONTRACT_KEYS + ADDED_KEYS] * 3
    assert rows[0] == {"measure_id": "breitband", "call_id": "t:2", "title": "Gigabit für alle",
                       "url": "https://example.org/g", "score": 80.0, "eligible": True, "deadline": "2027-01-31",
                       "status": "open", "reasons": OK.reasons, "sources": [], "kommune": "", "short_id": "K7Q2M"}
    assert "für" in render_report(MATCHES, "json")  # ensure_ascii=False


def test_csv_parses_with_the_contract_header() -> None:
    text = render_report(MATCHES, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0] == ",".join(CONTRACT_KEYS + ADDED_KEYS)
    assert rows[0]["reasons"] == "Treffer im Titel: Gigabit; Frist: 31.01.2027 (noch 61 Tage)"
    assert rows[1]["reasons"] == "a|b; <img src=x onerror=alert(1)>" and rows[1]["deadline"] == ""
    assert rows[2]["title"].startswith("'=")  # no formula when opened in a spreadsheet
    assert [row["short_id"] for row in rows] == ["K7Q2M", "", ""]


def test_html_escapes_and_links_only_http() -> None:
    html = render_report(MATCHES, "html")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="de">' in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=x" in html
    assert 'href="javascript' not in html and "javascript:alert(1)" not in html
    assert '<a href="https://example.org/g" rel="noopener noreferrer">Gigabit für alle</a>' in html
    assert "Maßnahme: breitband" in html and "Maßnahme: wlan" in html
    assert html.count("<table") == 2 and "<style>" in html and "<script>" in html  # self-contained


def test_markdown_is_a_table_per_measure_and_escapes() -> None:
    md = render_report(MATCHES, "md")
    assert md.count("## Maßnahme: ") == 2 and md.count("|---:|") == 2
    assert "[Gigabit für alle](<https://example.org/g>)" in md
    assert "javascript:" not in md and "<script>" not in md and "a\\|b" in md


def test_table_is_plain_text() -> None:
    table = render_report(MATCHES, "table")
    assert "Maßnahme: breitband (2 Treffer)" in table and " 80.0  31.01.2027  offen" in table
    assert "[nicht antragsberechtigt]" in table and "\x1b" not in table


# (format, how the short id K7Q2M shows, how a match without one shows)
SHORT_ID_SHOWN = [
    ("table", "offen        K7Q2M    Gigabit für alle", "geschlossen  –        <script>"),
    ("md", "| 80 | K7Q2M | [Gigabit für alle]", "| 50 | – | &lt;script&gt;"),
    ("html", '<td class="id">K7Q2M</td>', '<td class="id">–</td>'),
]


@pytest.mark.parametrize(("fmt", "shown", "without"), SHORT_ID_SHOWN)
def test_the_short_id_is_shown_beside_the_title(fmt: str, shown: str, without: str) -> None:
    text = render_report(MATCHES, fmt)
    assert shown in text and without in text
    assert "Kennung" in text  # the column's German heading


@pytest.mark.parametrize(("fmt", "expected"), [
    ("table", EMPTY + "\n"), ("md", EMPTY + "\n"), ("json", "[]\n"),
    ("csv", ",".join(CONTRACT_KEYS + ADDED_KEYS) + "\n"),
])
def test_empty_reports(fmt: str, expected: str) -> None:
    assert render_report([], fmt) == expected


def test_empty_html_says_so() -> None:
    html = render_report([], "html")
    assert f"<p>{EMPTY}</p>" in html and "<table" not in html


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="Unbekanntes Format 'xml'"):
        render_report([OK], "xml")


def test_the_kreis_overview_shows_the_short_id() -> None:
    from dataclasses import replace

    from foerderradar.matcher.overview import as_overview_html, by_call

    page = as_overview_html(by_call([replace(OK, kommune="verl")], {"verl": "Verl"}, {}), "Kreis Gütersloh", 1)
    assert "Kennung K7Q2M · t:2</div>" in page


@pytest.mark.parametrize(
    ("deadline", "reasons", "shown"),
    [
        (date(2027, 1, 31), ["Frist: laufend"], "31.01.2027"),  # a date wins
        (None, ["Treffer im Titel: WLAN", "Frist: laufend"], "laufend"),  # the portal's wording, as the digest
        (None, ["Frist: bis auf Weiteres"], "bis auf Weiteres"),
        (None, ["Frist: keine Angabe"], "–"),
        (None, [], "–"),
    ],
)
def test_the_deadline_reads_as_in_the_digest(deadline: date | None, reasons: list[str], shown: str) -> None:
    m = Match("wlan", "t:9", "WLAN", "https://example.org/x", 50, True, deadline, "open", reasons)
    for fmt in ("table", "md"):
        row = next(line for line in render_report([m], fmt).splitlines() if "WLAN" in line and "50" in line)
        assert f" {shown} " in row, (fmt, row)
