"""Kind ``csv``: CSV tables configured in portals.yaml only (detection, mapping, errors, end to end).

The tables under tests/fixtures/csv/ are invented programmes in the column shapes such tables have:
an Excel export (``;``, Windows-1252, CRLF, German dates and amounts), an open-data republication of
the Förderdatenbank (``,``, UTF-8 with BOM, multi-line Markdown cells, lists joined with ", ", a
``deleted`` column) and a tab-separated list.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import logging
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from config_files import crawl_config, write_portals
from conftest import REDIS_URL
from doc_examples import doc_examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import MemoryStatsCollector

from foerderradar.crawler.kinds.csv.config import CsvPortal
from foerderradar.crawler.kinds.csv.reader import open_table
from foerderradar.crawler.kinds.csv.spider import CsvSpider, split_cell
from foerderradar.crawler.mapping import SourceError
from foerderradar.crawler.netguard import NetworkGuardMiddleware
from foerderradar.crawler.registry import KINDS
from foerderradar.crawler.runner import check_portal, crawl, crawl_portal
from foerderradar.fixture_server import FixtureServer
from foerderradar.model import FundingCall
from foerderradar.netpolicy import RefusedAddress
from foerderradar.portals_io import add_portals, validate_new
from foerderradar.settings import ConfigError, load_portals
from foerderradar.storage import Store

FIXTURES = Path(__file__).parent.parent / "fixtures" / "csv"
URL = "https://www.foerderung.example.org/export/programme.csv"
TODAY = date(2026, 11, 25)

EXCEL_FIELDS = {
    "source_id": "id",
    "summary": "kurztext",
    "funding_type": "foerderart",
    "regions": "foerdergebiet",
    "applicants": "foerderberechtigte",
    "updated_at": "stand",
    "deadline": "frist",
    "max_amount_eur": "foerdersumme",
    "funding_rate_pct": "foerderquote",
}
REPUBLICATION_FIELDS = {
    "source_id": "id_hash",
    "description": "description",
    "funding_type": "funding_type",
    "topics": "funding_area",
    "regions": "funding_location",
    "applicants": "eligible_applicants",
    "funding_body": "funding_body",
    "published_at": "on_website_from",
}


def portal(**keys: Any) -> CsvPortal:
    return CsvPortal.model_validate({"key": "tabelle", "kind": "csv", "url": URL, **keys})


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(p: CsvPortal, body: bytes) -> list[dict[str, Any]]:
    spider = CsvSpider(portal=p)
    spider.today = TODAY
    request = Request(p.source_url)
    items = list(spider.parse(Response(url=p.source_url, body=body, request=request)))
    for item in items:
        FundingCall.model_validate(item)  # every item passes the pipeline's validation
    return items


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


REPUBLICATION_ZIP = zipped({"LICENSE-DATA": b"CC BY-ND 3.0 DE", "min_data_format.csv": fixture("republication.csv")})


# -- reading: encoding, delimiter, header, rows -----------------------------------------------------

QUOTED = (
    'id;titel;kurztext\r\n'
    '1;"Smart City; Phase 2";"Erste Zeile\r\nzweite Zeile mit ""Zitat"""\r\n'
    '2;Radwege;ohne Anführungszeichen\r\n'
).encode("cp1252")

DETECTION: list[tuple[str, bytes, dict[str, Any], str, str, list[str], list[str], list[int]]] = [
    # (case, body, keys, delimiter, encoding, first columns, first row's first cells, lines of the rows)
    ("excel: ';' cp1252 CRLF umlauts", fixture("foerderprogramme_excel.csv"), {}, ";", "cp1252",
     ["id", "titel", "kurztext"], ["FP-1001", "Digitale Bürgerdienste in Kommunen"], [2, 3, 4, 5, 6]),
    ("republication: ',' UTF-8 with BOM, cells over lines", fixture("republication.csv"), {}, ",", "utf-8-sig",
     ["id_hash", "deleted", "on_website_from"], ["a1f3c2", "false"], [2, 7, 8, 9, 10]),
    ("tab, UTF-8 without BOM", fixture("landesprogramme.tsv"), {}, "\t", "utf-8",
     ["id", "title", "url"], ["T-1", "Schulhöfe öffnen"], [2, 3]),
    ("quoted delimiters, line breaks and quotes", QUOTED, {}, ";", "cp1252",
     ["id", "titel", "kurztext"], ["1", "Smart City; Phase 2", "Erste Zeile\r\nzweite Zeile mit \"Zitat\""], [2, 4]),
    ("pipe", b"id|title|url\n1|A, B; C|https://x.example.org/1\n", {}, "|", "utf-8",
     ["id", "title", "url"], ["1", "A, B; C"], [2]),
    ("comma beats a semicolon inside cells", b"id,title\n1,\"a;b;c\"\n2,d\n", {}, ",", "utf-8",
     ["id", "title"], ["1", "a;b;c"], [2, 3]),
    ("latin-1 text reads as cp1252", "id;titel\n1;Gemeindestraße\n".encode("latin-1"), {}, ";", "cp1252",
     ["id", "titel"], ["1", "Gemeindestraße"], [2]),
    ("UTF-16 with BOM (Excel 'Unicode-Text')", "id\ttitel\n1\tStraße\n".encode("utf-16"), {}, "\t", "utf-16",
     ["id", "titel"], ["1", "Straße"], [2]),
    ("gzip", gzip.compress(fixture("foerderprogramme_excel.csv")), {}, ";", "cp1252",
     ["id", "titel", "kurztext"], ["FP-1001", "Digitale Bürgerdienste in Kommunen"], [2, 3, 4, 5, 6]),
    ("zip with one table and a licence", REPUBLICATION_ZIP, {}, ",", "utf-8-sig", ["id_hash", "deleted"], ["a1f3c2"],
     [2, 7, 8, 9, 10]),
    ("zip_member picks one of two", zipped({"a.csv": b"x;y\n1;2\n", "daten/b.csv": b"id,titel\n7,Sieben\n"}),
     {"member": "daten/b.csv"}, ",", "utf-8", ["id", "titel"], ["7", "Sieben"], [2]),
    ("header_row skips an export preamble", b"Export vom 01.12.2026\n\nid;titel\n1;A\n\n2;B\n", {"header_row": 3},
     ";", "utf-8", ["id", "titel"], ["1", "A"], [4, 6]),
    ("old Mac line ends", b"id;titel\r1;A\r2;B\r", {}, ";", "utf-8", ["id", "titel"], ["1", "A"], [2, 3]),
    ("configured delimiter and encoding win", "id,titel\n1,Straße\n".encode("cp1252"),
     {"delimiter": ";", "encoding": "latin-1"}, ";", "latin-1", ["id,titel"], ["1,Straße"], [2]),
    ("configured utf-8 with a BOM drops the BOM", b"\xef\xbb\xbfid;titel\n1;A\n", {"encoding": "utf-8"}, ";",
     "utf-8-sig", ["id", "titel"], ["1", "A"], [2]),
    ("one column, no delimiter to find", b"titel\nA\nB\n", {}, ";", "utf-8", ["titel"], ["A"], [2, 3]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "body", "keys", "delimiter", "encoding", "columns", "first", "lines"),
    DETECTION,
    ids=[d[0] for d in DETECTION],
)
def test_detection(
    case: str, body: bytes, keys: dict[str, Any], delimiter: str, encoding: str, columns: list[str],
    first: list[str], lines: list[int],
) -> None:
    table = open_table(body, URL, **keys)
    rows = list(table.rows)
    assert (table.delimiter, table.encoding) == (delimiter, encoding)
    assert table.columns[: len(columns)] == columns
    assert rows[0].cells[: len(first)] == first
    assert [row.line for row in rows] == lines  # blank and all-empty rows are left out


def test_zip_messages_name_the_member() -> None:
    assert open_table(REPUBLICATION_ZIP, URL).where == f"{URL} (Datei min_data_format.csv im Zip-Archiv)"


# -- mapping: row → call ----------------------------------------------------------------------------

EXCEL = portal(fields=EXCEL_FIELDS)
REPUBLICATION = portal(fields=REPUBLICATION_FIELDS, where={"deleted": False})
MAPPING: list[tuple[str, CsvPortal, str, str, Any]] = [
    # (fixture, entry, source_id of the row, field, expected)
    ("foerderprogramme_excel.csv", EXCEL, "FP-1001", "source", "tabelle"),
    ("foerderprogramme_excel.csv", EXCEL, "FP-1001", "title", "Digitale Bürgerdienste in Kommunen"),
    ("foerderprogramme_excel.csv", EXCEL, "FP-1001", "url", "https://www.foerderung.example.org/programme/fp-1001"),
    ("foerderprogramme_excel.csv", EXCEL, "FP-1001", "summary",
     "Zuschuss für Online-Anträge; gefördert werden Software und Schulungen."),  # ';' inside quotes: one text
    ("foerderprogramme_excel.csv", EXCEL, "FP-1001", "applicants", ["kommune", "oeffentliche_einrichtung"]),  # "; "
    ("foerderprogramme_excel.csv", EXCEL, "FP-1001", "regions", ["DE-NW"]),
    ("foerderprogramme_excel.csv", EXCEL, "FP-1001", "funding_type", ["zuschuss"]),
    ("foerderprogramme_excel.csv", EXCEL, "FP-1001", "deadline", date(2026, 12, 31)),  # 31.12.2026
    ("foerderprogramme_excel.csv", EXCEL, "FP-1001", "max_amount_eur", 1_500_000.0),  # "1.500.000,00 €" (cp1252 €)
    ("foerderprogramme_excel.csv", EXCEL, "FP-1001", "funding_rate_pct", 80.0),  # "80 %"
    ("foerderprogramme_excel.csv", EXCEL, "FP-1001", "updated_at", datetime(2026, 11, 15, tzinfo=UTC)),
    ("foerderprogramme_excel.csv", EXCEL, "FP-1002", "regions", ["DE"]),  # "bundesweit"
    ("foerderprogramme_excel.csv", EXCEL, "FP-1002", "deadline", None),  # mapped, empty: not read from the text
    ("foerderprogramme_excel.csv", EXCEL, "FP-1002", "max_amount_eur", 250_000.0),  # "250.000 €"
    ("foerderprogramme_excel.csv", EXCEL, "FP-1003", "summary",
     'Förderung von Entsiegelung, Begrünung und "Schwammstadt"-Maßnahmen.'),  # "" → "
    ("foerderprogramme_excel.csv", EXCEL, "FP-1003", "updated_at", datetime(2026, 9, 30, tzinfo=UTC)),  # ISO
    ("foerderprogramme_excel.csv", EXCEL, "FP-1003", "deadline", date(2027, 6, 30)),
    ("foerderprogramme_excel.csv", EXCEL, "FP-1003", "funding_rate_pct", 50.0),
    ("foerderprogramme_excel.csv", EXCEL, "FP-1005", "url", "https://www.foerderung.example.org/programme/fp-1005"),
    ("foerderprogramme_excel.csv", EXCEL, "FP-1005", "applicants", ["verein"]),  # "Verband/Vereinigung"
    ("republication.csv", REPUBLICATION, "a1f3c2", "title", "Smart-City-Werkstatt NRW"),
    ("republication.csv", REPUBLICATION, "a1f3c2", "description",
     "**Ziel**\nDie Werkstatt fördert Pilotprojekte, in denen Städte digitale Dienste erproben.\n"
     "Anträge sind bis zum 31.03.2027 einzureichen."),
    ("republication.csv", REPUBLICATION, "a1f3c2", "deadline", date(2027, 3, 31)),  # not mapped: from the text
    ("republication.csv", REPUBLICATION, "a1f3c2", "topics", ["Smart Cities & Regionen", "Digitalisierung"]),
    ("republication.csv", REPUBLICATION, "a1f3c2", "applicants", ["kommune", "oeffentliche_einrichtung"]),
    ("republication.csv", REPUBLICATION, "a1f3c2", "published_at", datetime(2025, 6, 19, tzinfo=UTC)),
    ("republication.csv", REPUBLICATION, "a1f3c2", "funding_body", "Ministerium für Digitales (Beispiel)"),
    ("republication.csv", REPUBLICATION, "c3a5e4", "topics", ["Kultur, Medien & Sport"]),  # a label with a comma
    ("republication.csv", REPUBLICATION, "c3a5e4", "applicants", ["kommune", "verein", "unternehmen"]),
    ("republication.csv", REPUBLICATION, "c3a5e4", "regions", ["DE"]),
    ("republication.csv", REPUBLICATION, "d4b6f5", "funding_type", ["darlehen", "buergschaft"]),
    ("landesprogramme.tsv", portal(fields={"topics": "topics", "applicants": "applicants"}), "T-1", "topics",
     ["Bildung", "Sport"]),  # "|"
    ("landesprogramme.tsv", portal(fields={"applicants": "applicants"}), "T-1", "applicants",
     ["kommune", "schultraeger"]),
    ("landesprogramme.tsv", portal(fields={"summary": "summary"}), "T-2", "funding_rate_pct", 75.0),  # from the text
    ("landesprogramme.tsv", portal(), "T-2", "funding_rate_pct", None),  # summary not mapped by default
]  # fmt: skip


@pytest.mark.parametrize(("name", "entry", "source_id", "field", "expected"), MAPPING,
                         ids=[f"{m[0]}:{m[2]}:{m[3]}" for m in MAPPING])  # fmt: skip
def test_mapping(name: str, entry: CsvPortal, source_id: str, field: str, expected: Any) -> None:
    items = {item["source_id"]: item for item in parse(entry, fixture(name))}
    assert items[source_id].get(field) == expected


def test_rows_kept_and_skipped_with_their_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        excel = parse(EXCEL, fixture("foerderprogramme_excel.csv"))
        republication = parse(REPUBLICATION, fixture("republication.csv"))
    assert [i["source_id"] for i in excel] == ["FP-1001", "FP-1002", "FP-1003", "FP-1005"]
    assert [i["source_id"] for i in republication] == ["a1f3c2", "c3a5e4", "d4b6f5"]  # deleted row left out
    assert errors(caplog) == [
        f"{URL}: Zeile 5 übersprungen: Titel (title) fehlt (Spalte 'titel' leer)",
        # the row starts on line 10: the first row's description spans lines 2–6
        f"{URL}: Zeile 10 übersprungen: Adresse (url) fehlt (Spalte 'url' leer)",
    ]


SPLIT = [
    ("Kommune, Unternehmen", ["Kommune", "Unternehmen"]),
    ("Kommune; Öffentliche Einrichtung", ["Kommune", "Öffentliche Einrichtung"]),
    ("Kommune | Landkreis", ["Kommune", "Landkreis"]),
    ("Kommune\nLandkreis", ["Kommune", "Landkreis"]),
    ("Kultur, Medien & Sport, Bildung", ["Kultur, Medien & Sport", "Bildung"]),
    ("Forschung & Innovation (themenoffen, anwendungsnah), Umwelt",
     ["Forschung & Innovation (themenoffen, anwendungsnah)", "Umwelt"]),
    ("Kultur, Medien & Sport; Bildung", ["Kultur, Medien & Sport", "Bildung"]),  # ';' wins over ','
    ('["Kommune", "Landkreis"]', ["Kommune", "Landkreis"]),
    ("[kein JSON", ["[kein JSON"]),
    ("Kommune", ["Kommune"]),
    (" ; ", []),
]  # fmt: skip


@pytest.mark.parametrize(("cell", "expected"), SPLIT)
def test_split_cell(cell: str, expected: list[str]) -> None:
    assert split_cell(cell) == expected


OPTIONS_BODY = (
    "Nr.;Programm;Beschreibung;Status;Frist\n"
    "A 1;Digitale Schule;Tablets für Schulen;offen;30.06.2027\n"
    "B/2;Glasfaser;Ausbau in Gewerbegebieten;geschlossen;\n"
    "C3;Klimaschutz;Wärmeplanung für Kommunen;Offen;\n"
).encode()
OPTIONS: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    ("url_template, percent-encoded", {"fields": {"source_id": "Nr.", "title": "Programm"},
     "url_template": "https://www.land.example.org/programm/{Nr.}"},
     [("A 1", "https://www.land.example.org/programm/A%201"), ("B/2", "https://www.land.example.org/programm/B/2"),
      ("C3", "https://www.land.example.org/programm/C3")]),
    ("where ignores case", {"fields": {"source_id": "Nr.", "title": "Programm"}, "where": {"status": "offen"},
     "url_template": "https://x.example.org/{Nr.}"},
     [("A 1", "https://x.example.org/A%201"), ("C3", "https://x.example.org/C3")]),
    ("filter keywords", {"fields": {"title": "Programm", "summary": "Beschreibung"}, "filter": ["kommunen"],
     "url_template": "https://x.example.org/{Nr.}"}, [("https://x.example.org/C3", "https://x.example.org/C3")]),
    ("column names ignore case, fallbacks in order", {"fields": {"source_id": "nr.", "title": ["Titel", "PROGRAMM"]},
     "url_template": "https://x.example.org/{NR.}", "where": {"Frist": "30.06.2027"}},
     [("A 1", "https://x.example.org/A%201")]),
]  # fmt: skip


@pytest.mark.parametrize(("case", "keys", "expected"), OPTIONS, ids=[o[0] for o in OPTIONS])
def test_entry_options(case: str, keys: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    items = parse(portal(**keys), OPTIONS_BODY)
    assert [(i["source_id"], i["url"]) for i in items] == expected


def test_defaults_fill_and_literals_apply() -> None:
    p = portal(
        fields={"title": "Programm", "level": {"value": "land"}, "deadline": "Frist"},
        url_template="https://x.example.org/{Nr.}",
        defaults={"regions": "DE-NW", "applicants": ["kommune"]},
    )
    first, second, _ = parse(p, OPTIONS_BODY)
    assert (first["level"], first["regions"], first["applicants"]) == ("land", ["DE-NW"], ["kommune"])
    assert first["deadline"] == date(2027, 6, 30) and second.get("deadline") is None


def test_malformed_row_is_skipped_and_the_next_kept(caplog: pytest.LogCaptureFixture) -> None:
    body = b'id;titel;url\n1;"A"x;https://x.example.org/1\n2;B;https://x.example.org/2\n3;;https://x.example.org/3\n'
    with caplog.at_level(logging.ERROR):
        items = parse(portal(), body)
    assert [i["source_id"] for i in items] == ["2"]
    assert errors(caplog) == [
        f"{URL}: Zeile 2 übersprungen: nach einem schließenden Anführungszeichen folgt nicht das Trennzeichen ';'; "
        'Anführungszeichen in einem Feld werden verdoppelt ("")',
        f"{URL}: Zeile 4 übersprungen: Titel (title) fehlt (Spalte 'titel' leer)",
    ]


def test_empty_url_template_column_names_the_column(caplog: pytest.LogCaptureFixture) -> None:
    body = b"id;titel\n;Ohne Nummer\n7;Sieben\n"
    with caplog.at_level(logging.ERROR):
        items = parse(portal(url_template="https://x.example.org/{id}"), body)
    assert [i["url"] for i in items] == ["https://x.example.org/7"]
    assert errors(caplog) == [f"{URL}: Zeile 2 übersprungen: keine Adresse: die Spalte 'id' für url_template ist leer"]


def test_links_that_are_no_http_address(caplog: pytest.LogCaptureFixture) -> None:
    body = b"id;titel;url\n1;A;www.foerderung.example.org/a\n2;B;mailto:info@example.org\n3;C;//cdn.example.org/c\n"
    with caplog.at_level(logging.ERROR):
        items = parse(portal(), body)
    # "www.…" without scheme is a link of its own (not a path below the table's address); "//…" is joined.
    assert [i["url"] for i in items] == ["https://www.foerderung.example.org/a", "https://cdn.example.org/c"]
    assert errors(caplog) == [
        f"{URL}: Zeile 3 übersprungen: 'mailto:info@example.org' ist keine vollständige http(s)-Adresse (url); "
        "fields.url oder url_template prüfen",
    ]


def test_a_link_urllib_cannot_read_skips_only_its_row(caplog: pytest.LogCaptureFixture) -> None:
    body = b"id;titel;url\n1;A;http://[2001:db8::1/a\n2;B;https://x.example.org/b\n"  # found by fuzzing: crashed
    with caplog.at_level(logging.ERROR):
        items = parse(portal(), body)
    assert [i["source_id"] for i in items] == ["2"]
    assert errors(caplog) == [f"{URL}: Zeile 2 übersprungen: Adresse (url) fehlt (Spalte 'url' leer)"]


HOSTILE = [b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b'"', b'""', b";", b",", b"\t", b"\r", b"\n", b"\x81", b"\xe4",
           b"\xc3\xa4", b"\xc3", b"PK\x03\x04", b"\x1f\x8b", b"<html>", b"{", b"[", b"9" * 400, b"31.02.2027",
           b"1e309 EUR", b"http://[x/", b"www.", b"\x02"]  # fmt: skip
MUTATED_ENTRIES = [EXCEL, REPUBLICATION, portal(url_template="https://x.example.org/{id}")]


@settings(
    derandomize=True, max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.sampled_from(["foerderprogramme_excel.csv", "republication.csv", "landesprogramme.tsv"]),
    st.sampled_from(range(len(MUTATED_ENTRIES))),
    st.lists(st.tuples(st.floats(0, 1), st.sampled_from(HOSTILE), st.integers(0, 40)), min_size=1, max_size=6),
)
def test_a_damaged_table_gives_rows_or_a_german_error(
    name: str, entry: int, edits: list[tuple[float, bytes, int]]
) -> None:
    """Whatever happens to the bytes: calls, skipped rows, or a SourceError — never another exception."""
    body = bytearray(fixture(name))
    for where, insert, cut in edits:
        at = int(where * len(body))
        body[at : at + cut] = insert
    spider = CsvSpider(portal=MUTATED_ENTRIES[entry])
    response = Response(url=URL, body=bytes(body), request=Request(URL))
    try:
        items = list(spider.parse(response))
    except SourceError as exc:
        assert str(exc).startswith(URL)
        return
    assert all(item["url"].startswith(("http://", "https://")) and item["title"] for item in items)


def test_header_only_is_an_empty_table() -> None:
    assert parse(portal(), b"id;titel;url\r\n") == []


def test_control_characters_and_soft_hyphens_are_removed() -> None:
    [item] = parse(portal(fields={"summary": "text"}), "id;titel;url;text\n1;Förder\u00adprogramm;https://x.example.org/1;"
                   "Stadt\x02entwicklung\n".encode())  # fmt: skip
    assert (item["title"], item["summary"]) == ("Förderprogramm", "Stadtentwicklung")


# -- broken input: German errors naming the source ---------------------------------------------------

XLSX = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
BROKEN: list[tuple[str, bytes, dict[str, Any], str]] = [
    ("neither UTF-8 nor cp1252", b"id;titel;url\n1;Stra\x81e;https://x.example.org/1\n", {},
     "Zeichenkodierung nicht erkannt: weder UTF-8 noch Windows-1252/Latin-1 (Zeile 2: Byte 0x81); "
     "encoding: in portals.yaml angeben"),
    ("UTF-8, then cp1252", "id;titel\n1;Straße\n".encode() + "2;Gäßchen\n".encode("cp1252"), {},
     "gemischte Zeichenkodierung: bis vor Zeile 3 UTF-8, dort Byte 0xe4, das kein UTF-8 ist"),
    ("cp1252, then UTF-8", "id;titel\n1;Gäßchen\n".encode("cp1252") + "2;Straße\n".encode(), {},
     "gemischte Zeichenkodierung: Zeile 2 ist Windows-1252 (Byte 0xe4), Zeile 3 UTF-8"),
    ("not the configured encoding", "id;titel\n1;Straße\n".encode("cp1252"), {"encoding": "utf-8"},
     "nicht in der angegebenen Zeichenkodierung utf-8 (Zeile 2: Byte 0xdf)"),
    ("UTF-16 without BOM", "id;titel\n1;A\n".encode("utf-16-le"), {},
     "keine Textdatei (sie enthält Null-Bytes)"),
    ("empty file", b"", {}, "die Datei ist leer; erwartet wird eine CSV-Tabelle mit Kopfzeile"),
    ("blank lines only", b"\r\n \r\n", {}, "die Datei ist leer"),
    ("HTML error page", b"\n<!DOCTYPE html>\n<html><head><title>Anmeldung</title></head><body>Bitte anmelden</body>",
     {}, "keine CSV-Datei, sondern eine HTML-Seite (eine Fehler- oder Anmeldeseite?); stimmt die Adresse?"),
    ("HTML without doctype", b"\xef\xbb\xbf<html><body><h1>404</h1></body></html>", {}, "sondern eine HTML-Seite"),
    ("JSON", b'{"data": [{"id": 1}]}', {}, "keine CSV-Datei, sondern JSON; für JSON-Schnittstellen kind: json"),
    ("XML", b'<?xml version="1.0"?><rss version="2.0"></rss>', {}, "keine CSV-Datei, sondern XML"),
    ("Excel workbook", XLSX, {}, "keine CSV-Datei, sondern eine Excel-Arbeitsmappe (.xlsx); in Excel oder"),
    ("old Excel", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), {}, "Excel-Arbeitsmappe im alten Format (.xls)"),
    ("PDF", b"%PDF-1.7\n%\xe2\xe3", {}, "keine CSV-Datei, sondern ein PDF-Dokument"),
    ("zip without a table", zipped({"README.md": b"# x"}), {},
     "das Zip-Archiv enthält keine CSV-Datei (darin: README.md)"),
    ("zip with two tables", zipped({"a.csv": b"a\n", "b.csv": b"b\n"}), {},
     "das Zip-Archiv enthält 2 CSV-Dateien (darin: a.csv, b.csv); zip_member: mit dem Namen der Tabelle angeben"),
    ("zip_member not in the zip", zipped({"a.csv": b"a\n"}), {"zip_member": "c.csv"},
     "zip_member 'c.csv' steht nicht im Zip-Archiv; darin sind: a.csv"),
    ("zip_member without a zip", b"id;titel\n", {"zip_member": "a.csv"}, "die Datei ist aber kein Zip-Archiv"),
    ("broken zip", b"PK\x03\x04 abgeschnitten", {}, "beschädigtes Zip-Archiv"),
    ("broken gzip", b"\x1f\x8b\x08\x00 abgeschnitten", {}, "lässt sich nicht entpacken"),
    ("mapped column missing", fixture("foerderprogramme_excel.csv"), {"fields": {"summary": "beschreibung"}},
     "Spalte fehlt in der Kopfzeile (Zeile 1): 'beschreibung' (für summary). Vorhanden: 'id', 'titel', 'kurztext'"),
    ("default title missing", b"id;name;url\n1;A;https://x.example.org/1\n", {},
     "Spalte fehlt in der Kopfzeile (Zeile 1): 'title' oder 'titel' (für title)"),
    ("all fallbacks missing", b"id;name;url\n", {"fields": {"summary": ["kurztext", "text"]}},
     "'kurztext' oder 'text' (für summary)"),
    ("url_template column missing", b"id;titel\n", {"url_template": "https://x.example.org/{nummer}"},
     "'nummer' (für url_template)"),
    ("where column missing", b"id;titel;url\n", {"where": {"geloescht": False}}, "'geloescht' (für where)"),
    ("the dialect is named", b"id;titel\n", {}, "Vorhanden: 'id', 'titel' (';'-getrennt, UTF-8)"),
    ("wrong delimiter: one column", fixture("foerderprogramme_excel.csv"), {"delimiter": ","},
     "die Kopfzeile hat nur eine Spalte: stimmt das Trennzeichen (delimiter)?"),
    ("quote open to the end", b'id;titel;url\n1;"Offen;https://x.example.org/1\n2;B;https://x.example.org/2\n', {},
     "ein Anführungszeichen ab Zeile 2 wird bis zum Dateiende nicht geschlossen; die Zeilen danach wären verloren"),
    ("header_row beyond the end", b"id;titel\n1;A\n", {"header_row": 5},
     "die Kopfzeile soll in Zeile 5 stehen (header_row), die Datei hat nur 2 Zeilen"),
    ("header_row on a blank line", b"Export\n\n", {"header_row": 2}, "ab Zeile 2 (header_row) ist die Datei leer"),
    ("blank first line", b"\nid;titel\n1;A\n", {},
     "Zeile 1 ist leer; dort wird die Kopfzeile mit den Spaltennamen erwartet (steht sie weiter unten, header_row:"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "body", "keys", "problem"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_input_is_a_german_error_naming_the_source(
    case: str, body: bytes, keys: dict[str, Any], problem: str
) -> None:
    with pytest.raises(SourceError) as info:
        parse(portal(**keys), body)
    assert str(info.value).startswith(f"{URL}") and problem in str(info.value), str(info.value)


# -- config ---------------------------------------------------------------------------------------------


def test_config_survives_the_worker_round_trip(tmp_path: Path) -> None:
    full = {"key": "t", "kind": "csv", "url": URL, "fields": {**EXCEL_FIELDS, "level": {"value": "land"}},
            "delimiter": "tab", "encoding": "Windows-1252", "header_row": 2, "zip_member": "data.csv",
            "where": {"deleted": False, "status": ["offen", 1]}, "defaults": {"regions": "DE-NW"}}  # fmt: skip
    [p] = load_portals(write_portals(tmp_path, full))
    assert isinstance(p, CsvPortal)
    assert (p.delimiter, p.encoding, p.where) == ("\t", "cp1252", {"deleted": ["false"], "status": ["offen", "1"]})
    assert CsvPortal.model_validate(p.model_dump(mode="json")) == p


def test_file_is_relative_to_the_config_directory_for_the_crawl_only(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    [p] = load_portals(write_portals(config_dir, {"key": "t", "kind": "csv", "file": "daten/programme.csv"}))
    assert isinstance(p, CsvPortal) and p.file == "daten/programme.csv"  # portals.yaml keeps what city IT wrote
    job = p.for_crawl(config_dir)
    assert isinstance(job, CsvPortal) and job.file == str(config_dir / "daten" / "programme.csv")
    assert job.local_file_url == (config_dir / "daten" / "programme.csv").as_uri() == job.source_url
    absolute = CsvPortal.model_validate({"key": "a", "kind": "csv", "file": "/srv/export/../daten/p.csv"})
    assert absolute.for_crawl(config_dir) is absolute and absolute.local_file_url == "file:///srv/daten/p.csv"
    assert portal().for_crawl(config_dir).local_file_url is None


def test_portals_add_keeps_the_relative_path(tmp_path: Path) -> None:
    config_dir = write_portals(tmp_path / "config", {"key": "a", "kind": "csv", "url": URL})
    new = validate_new([], [{"key": "b", "kind": "csv", "file": "daten/b.csv"}], KINDS_MODELS, "neu")
    add_portals(config_dir, new, KINDS_MODELS)
    assert "file: daten/b.csv" in (config_dir / "portals.yaml").read_text(encoding="utf-8")
    assert [getattr(p, "file", None) for p in load_portals(config_dir)] == [None, "daten/b.csv"]


KINDS_MODELS = {name: kind.config_model for name, kind in KINDS.items()}


def test_a_file_entry_is_no_address_for_the_private_network_check(tmp_path: Path) -> None:
    [p] = load_portals(write_portals(tmp_path, {"key": "t", "kind": "csv", "file": "/var/lib/foerderradar/x.csv"}))
    assert isinstance(p, CsvPortal) and not p.allow_private_network
    with pytest.raises(ConfigError, match=r"portals\[0\]\.url: .*nicht im öffentlichen Internet"):
        load_portals(write_portals(tmp_path, {"key": "t", "kind": "csv", "url": "http://192.168.1.5/x.csv"}))


def test_the_documented_republication_example_reads_such_a_zip() -> None:
    [example, _] = doc_examples("csv")
    entry = CsvPortal.model_validate({**example, "url": URL, "filter": []})
    assert [i["source_id"] for i in parse(entry, REPUBLICATION_ZIP)] == ["a1f3c2", "c3a5e4", "d4b6f5"]


# -- the network guard: the entry's own file, nothing else --------------------------------------------


def guard_for(p: CsvPortal) -> NetworkGuardMiddleware:
    crawler = Crawler(CsvSpider)
    crawler.spider = CsvSpider(portal=p)
    crawler.stats = MemoryStatsCollector(crawler)
    return NetworkGuardMiddleware(crawler)


@pytest.mark.parametrize(
    ("entry", "target", "allowed"),
    [
        ({"file": "/srv/daten/programme.csv"}, "file:///srv/daten/programme.csv", True),
        ({"file": "/srv/daten/Förderprogramme 2026.csv"}, Path("/srv/daten/Förderprogramme 2026.csv").as_uri(), True),
        ({"file": "/srv/daten/programme.csv"}, "file:///etc/passwd", False),
        ({"file": "/srv/daten/programme.csv"}, "file:///srv/daten/programme.csv.bak", False),
        ({"url": URL}, "file:///srv/daten/programme.csv", False),
    ],
)
def test_the_guard_lets_only_the_entry_s_own_file_through(entry: dict[str, Any], target: str, allowed: bool) -> None:
    guard = guard_for(CsvPortal.model_validate({"key": "t", "kind": "csv", **entry}))
    request = Request(target)
    if allowed:
        assert asyncio.run(guard.process_request(request)) is None
    else:
        with pytest.raises(RefusedAddress, match="Abruf verweigert: file:///"):
            asyncio.run(guard.process_request(request))


# -- end to end: runner → worker → Scrapy → spider → pipeline → store -------------------------------------

def test_csv_crawl_end_to_end_revalidates_and_is_idempotent(tmp_path: Path, store: Store) -> None:
    with FixtureServer(FIXTURES, {"/export/programme.csv": "foerderprogramme_excel.csv"}) as server:
        p = portal(fields=EXCEL_FIELDS, base_url=server.base_url, defaults={"level": "land"})
        cfg = crawl_config(tmp_path, p, http_cache=True)
        first = crawl_portal(p, cfg, store, cache_dir=tmp_path / "cache")
        second = crawl_portal(p, cfg, store, cache_dir=tmp_path / "cache")
        answers = [(a.target, a.status) for a in server.site.answers if a.target.startswith("/export/")]
    assert first.ok and (first.items, first.new, first.changed) == (4, 4, 0), first.messages
    # The row without a title reaches the run record, in German, with its line.
    assert first.errors == 1 and first.messages == [f"{URL}: Zeile 5 übersprungen: Titel (title) fehlt (Spalte "
                                                     "'titel' leer)"]  # fmt: skip
    assert (second.items, second.new, second.changed, second.not_modified) == (4, 0, 0, 1)
    assert answers == [("/export/programme.csv", 200), ("/export/programme.csv", 304)]  # conditional GET
    call = store.get_call("tabelle:FP-1001")
    assert call is not None and call.deadline == date(2026, 12, 31) and call.max_amount_eur == 1_500_000.0
    assert call.level == "land" and call.applicants == ["kommune", "oeffentliche_einrichtung"]
    # base_url is invisible to the data: links are the portal's, relative ones made absolute against `url`.
    relative = store.get_call("tabelle:FP-1005")
    assert relative is not None and relative.url == "https://www.foerderung.example.org/programme/fp-1005"
    runs = store.recent_runs("tabelle")
    assert [(r.ok, r.items, r.errors, r.requests) for r in runs] == [(True, 4, 1, 2)] * 2  # robots.txt and the table
    assert runs[0].message == first.messages[0]  # the run record keeps the German line


def test_changed_export_fails_loudly_and_marks_nothing_gone(tmp_path: Path, store: Store) -> None:
    site = tmp_path / "site"
    site.mkdir()
    table = site / "programme.tsv"
    table.write_bytes(fixture("landesprogramme.tsv"))
    with FixtureServer(site, {"/export/programme.csv": "programme.tsv"}) as server:
        cfg = crawl_config(tmp_path, portal(base_url=server.base_url))
        [good] = crawl(cfg, store, cache_dir=tmp_path / "c")
        table.write_bytes(fixture("landesprogramme.tsv").replace(b"\ttitle\t", b"\tTitel des Programms\t"))
        [changed] = crawl(cfg, store, cache_dir=tmp_path / "c")
        table.write_bytes(b"<!DOCTYPE html><html><body>Wartungsarbeiten</body></html>")
        [html] = crawl(cfg, store, cache_dir=tmp_path / "c")
        table.write_bytes(fixture("landesprogramme.tsv").rsplit(b"T-2", 1)[0])  # T-2 no longer listed
        [shorter] = crawl(cfg, store, cache_dir=tmp_path / "c")
    assert good.ok and (good.items, good.errors, good.gone) == (2, 0, 0), good.messages
    assert not changed.ok and changed.items == 0 and changed.gone == 0
    assert any(m.startswith(f"Seitenaufbau oder Format geändert: {URL}: Spalte fehlt in der Kopfzeile (Zeile 1): "
                            "'title' oder 'titel' (für title). Vorhanden: 'id', 'Titel des Programms'")
               for m in changed.messages), changed.messages  # fmt: skip
    assert not html.ok and any("sondern eine HTML-Seite" in m for m in html.messages), html.messages
    t2 = store.get_call("tabelle:T-2")
    assert t2 is not None and t2.gone_at is not None  # a clean crawl still marks what is gone …
    assert (shorter.items, shorter.gone) == (1, 1)  # … and only that one


def test_portals_check_reads_the_republication(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "csv_data.zip").write_bytes(REPUBLICATION_ZIP)
    with FixtureServer(site, {"/export/programme.csv": "csv_data.zip"}) as server:
        p = portal(fields=REPUBLICATION_FIELDS, where={"deleted": False}, base_url=server.base_url)
        result = check_portal(p, crawl_config(tmp_path, p, http_cache=True), cache_dir=tmp_path / "c")
    assert result.ok and result.items == 3, result.messages
    assert result.filled["description"] == 3 and result.filled["applicants"] == 3
    assert result.sample[0]["title"] == "Smart-City-Werkstatt NRW"
    assert result.messages == [
        f"{URL} (Datei min_data_format.csv im Zip-Archiv): Zeile 10 übersprungen: Adresse (url) fehlt (Spalte 'url' "
        "leer)"
    ]


def test_file_variant_end_to_end(tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    config_dir = tmp_path / "config"
    (config_dir / "daten").mkdir(parents=True)
    (config_dir / "daten" / "programme.csv").write_bytes(fixture("foerderprogramme_excel.csv"))
    entries = [
        {"key": "datei", "kind": "csv", "file": "daten/programme.csv", "fields": EXCEL_FIELDS},
        {"key": "fehlt", "kind": "csv", "file": "daten/fehlt.csv"},
    ]
    good, missing = load_portals(write_portals(config_dir, *entries))
    assert isinstance(good, CsvPortal) and isinstance(missing, CsvPortal)
    elsewhere = tmp_path / "anderswo"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the worker's working directory is not the config directory
    cfg = crawl_config(config_dir, good, missing, http_cache=True)
    first, gone = crawl(cfg, store, cache_dir=tmp_path / "cache")
    [second] = crawl(cfg, store, ["datei"], cache_dir=tmp_path / "cache")
    assert first.ok and (first.items, first.new, first.requests) == (3, 3, 1), first.messages
    path = config_dir / "daten" / "programme.csv"
    assert first.messages == [
        f"{path}: Zeile 5 übersprungen: Titel (title) fehlt (Spalte 'titel' leer)",
        # a relative link has nothing to be relative to in a file
        f"{path}: Zeile 6 übersprungen: '/programme/fp-1005' ist keine vollständige http(s)-Adresse (url); "
        "url_template verwenden",
    ]
    assert (second.items, second.new, second.changed) == (3, 0, 0)
    call = store.get_call("datei:FP-1001")
    assert call is not None and call.url == "https://www.foerderung.example.org/programme/fp-1001"
    assert not gone.ok and gone.items == 0
    assert gone.messages == [
        f"Datei nicht lesbar: {config_dir / 'daten' / 'fehlt.csv'} (nicht gefunden). Stimmt file: im Eintrag in "
        "portals.yaml? Ein relativer Pfad gilt ab dem Konfigurationsordner."
    ]


def test_file_variant_distributed(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """The coordinator queues the file's request like any other; a local worker reads the file."""
    from foerderradar.crawler.coordinator import DistributedOptions, crawl_portal_distributed
    from foerderradar.crawler.distributed import Cluster

    if store.engine.dialect.name != "postgresql":
        pytest.skip("distributed crawling needs PostgreSQL")
    namespace = request.getfixturevalue("redis_ns")  # only now: the SQLite variant needs no Redis
    config_dir = tmp_path / "config"
    (config_dir / "daten").mkdir(parents=True)
    (config_dir / "daten" / "programme.tsv").write_bytes(fixture("landesprogramme.tsv"))
    [entry] = load_portals(write_portals(config_dir, {"key": "datei", "kind": "csv", "file": "daten/programme.tsv"}))
    monkeypatch.chdir(tmp_path)  # not the config directory
    options = DistributedOptions(Cluster(REDIS_URL, namespace, lease_ttl_s=5, poll_s=0.2), workers=1)
    cfg = crawl_config(config_dir, entry, http_cache=True)
    result = crawl_portal_distributed(entry, cfg, store, options, cache_dir=tmp_path / "c")
    assert result.ok and (result.items, result.errors) == (2, 0), result.messages
    assert {c.id for c in store.iter_calls()} == {"datei:T-1", "datei:T-2"}
