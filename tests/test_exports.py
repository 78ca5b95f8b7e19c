"""Every export a person opens in Excel (`calls export`, `calls marks`, `match`, `portals export`) as
`--format excel-csv` and `--format xlsx`, the scripts' CSV beside them unchanged, and `match`'s
default threshold (the digest's)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from config_files import CITY, write_config_dir
from typer.testing import CliRunner

from foerderradar.calls_io import CALL_COLUMNS, EXPORT_COLUMNS, MARK_COLUMNS, MARK_TABLE
from foerderradar.cli import app
from foerderradar.matcher.report import COLUMNS, MATCH_COLUMNS
from foerderradar.model import FundingCall
from foerderradar.storage import Store
from foerderradar.storage.marks import clear_mark, set_mark
from foerderradar.storage.short_ids import short_id

PROJECT_CONFIG = Path(__file__).resolve().parents[1] / "config"
AS_OF = "2026-12-01"
HOSTILE_TITLE = '=HYPERLINK("https://evil.example","Glasfaser Gigabit Breitband")'


def call(source_id: str, title: str, **kw: object) -> FundingCall:
    return FundingCall.model_validate({
        "source": "nrw", "source_id": source_id, "url": f"https://www.example.org/{source_id}", "title": title,
        "regions": ["DE-NW"], "applicants": ["kommune"], **kw,
    })


CALLS = [
    # A strong match (about 40 points), a weak one (under 10) and one whose title is a formula (about 34).
    call("gigabit", "Gigabitförderung Glasfaser für Gewerbegebiete", deadline="2027-03-31", status="open",
         summary="Zuschuss für Glasfaser-Breitband in Gewerbegebieten", max_amount_eur=1_500_000,
         funding_rate_pct=50, topics=["Breitband", "Digitalisierung"]),
    call("sport", "Förderung kommunaler Sportstätten",
         summary="Sanierung von Sporthallen, auch mit Glasfaser-Anschluss",
         description="Sporthallen Schwimmbäder Sportplätze Vereine Turnhallen Umkleiden"),
    call("hostile", HOSTILE_TITLE, summary="Glasfaser Breitband Gewerbegebiet"),
]


def city(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str, toml: str = "") -> Path:
    cfg = write_config_dir(
        tmp_path / "config", toml=toml,
        measures=CITY + "measures:\n"
        "  - {id: breitband, title: Glasfaser Breitband Gewerbegebiet, keywords: [Glasfaser, Gigabit]}\n",
    )
    shutil.copy(PROJECT_CONFIG / "portals.yaml", cfg / "portals.yaml")
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", sqlite_url)
    store = Store(sqlite_url)
    store.upsert_calls(CALLS)
    set_mark(store, "teststadt", "nrw:sport", "breitband", "relevant", "=cmd|' /C calc'!A0")
    store.close()
    return cfg


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Path:
    return city(tmp_path, monkeypatch, sqlite_url, toml="[digest]\nmin_score = 1\n")


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


# (export, its arguments, German headings, sheet, {heading: a value one row must have as that type})
EXPORTS: list[tuple[str, list[str], list[str], str, dict[str, Any]]] = [
    ("calls export", ["calls", "export"], [c.header for c in CALL_COLUMNS], "Förderaufrufe",
     {"Frist": datetime(2027, 3, 31), "Höchstbetrag (EUR)": 1_500_000, "Förderquote (%)": 50,
      "Antragsberechtigte": "Kommune", "Themen": "Breitband; Digitalisierung", "Status": "offen"}),
    ("calls marks", ["calls", "marks", "--config", "{cfg}"], [c.header for c in MARK_TABLE], "Bewertungen",
     {"Bewertung": "relevant", "Version des Aufrufs": 1, "Titel": "Förderung kommunaler Sportstätten",
      "Kennung": short_id("nrw:sport")}),
    ("match", ["match", "--as-of", AS_OF, "--config", "{cfg}"], [c.header for c in MATCH_COLUMNS], "Treffer",
     {"Frist": datetime(2027, 3, 31), "antragsberechtigt": "ja", "Status": "offen", "Maßnahme": "breitband"}),
    ("portals export", ["portals", "export", "--config", "{cfg}"],
     ["Schlüssel", "Art", "Name", "aktiv", "base_url", "max_pages"], "Portale",
     {"Schlüssel": "eu", "aktiv": "ja", "max_pages": 100, "programmes": "[DIGITAL, CEF, HORIZON, ERASMUS, LIFE]"}),
]
IDS = [e[0] for e in EXPORTS]


def args_for(args: list[str], cfg: Path) -> list[str]:
    return [a.replace("{cfg}", str(cfg)) for a in args]


@pytest.mark.parametrize(("name", "args", "headers", "sheet", "typed"), EXPORTS, ids=IDS)
def test_xlsx(cfg: Path, tmp_path: Path, name: str, args: list[str], headers: list[str], sheet: str,
              typed: dict[str, Any]) -> None:
    target = tmp_path / "out" / "export.xlsx"
    result = run(*args_for(args, cfg), "--format", "xlsx", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    ws = openpyxl.load_workbook(target).active
    assert ws is not None and ws.title == sheet
    found = [c.value for c in ws[1]]
    assert found[: len(headers)] == headers
    assert all(c.font.b for c in ws[1]) and ws.freeze_panes == "A2" and ws.auto_filter.ref
    rows = [dict(zip(found, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)]
    assert rows
    row = next(r for r in rows if all(r[h] == v for h, v in typed.items() if not isinstance(v, datetime | int)))
    for heading, value in typed.items():
        assert row[heading] == value and type(row[heading]) is type(value), (heading, row[heading])
    guarded = 0
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str) and cell.value[:1] and cell.value[0] in "=+-@":
                assert cell.data_type == "s" and cell.quotePrefix, cell.value  # text, never a formula
                guarded += 1
            assert not (isinstance(cell.value, str) and cell.value[:2] in ('["', '{"')), cell.value  # no JSON
    assert guarded == (0 if name == "portals export" else 1)  # the hostile title, or the note


@pytest.mark.parametrize(("name", "args", "headers", "sheet", "typed"), EXPORTS, ids=IDS)
def test_excel_csv(cfg: Path, name: str, args: list[str], headers: list[str], sheet: str,
                   typed: dict[str, Any]) -> None:
    result = run(*args_for(args, cfg), "--format", "excel-csv")
    assert result.exit_code == 0, result.output
    data = result.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter=";"))
    assert rows[0][: len(headers)] == headers
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell[:2] in ('["', '{"') for cell in cells)  # lists as words or [a, b], never JSON
    assert not any(re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", cell) for cell in cells)  # dates TT.MM.JJJJ
    # Formulas guarded with a leading apostrophe:
    assert [cell for cell in cells if cell[:1] and cell[0] in "=+-@"] == []
    by_heading = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    if "Frist" in typed:
        assert "31.03.2027" in {r["Frist"] for r in by_heading}
    if name == "calls export":
        assert {r["Höchstbetrag (EUR)"] for r in by_heading} >= {"1.500.000"}
        assert "'" + HOSTILE_TITLE in {r["Titel"] for r in by_heading}
    if name == "calls marks":
        assert by_heading[0]["Notiz"] == "'=cmd|' /C calc'!A0"
        assert rows[0][-1] == "Kennung" and by_heading[0]["Kennung"] == typed["Kennung"]
    if name == "match":
        assert any(re.fullmatch(r"\d+,\d", r["Punkte"]) for r in by_heading)  # decimal comma


@pytest.mark.parametrize(("name", "args", "headers", "sheet", "typed"), EXPORTS, ids=IDS)
def test_xlsx_needs_output(cfg: Path, name: str, args: list[str], headers: list[str], sheet: str,
                           typed: dict[str, Any]) -> None:
    result = run(*args_for(args, cfg), "--format", "xlsx")
    assert result.exit_code == 2
    assert "--format xlsx schreibt eine Excel-Datei: bitte --output DATEI.xlsx angeben" in result.stderr
    assert result.stdout == "" and "Traceback" not in result.output


SCRIPT_CSV = [
    (["calls", "export", "--format", "csv"], EXPORT_COLUMNS),
    (["calls", "marks", "--format", "csv", "--config", "{cfg}"], MARK_COLUMNS),
    (["match", "--as-of", AS_OF, "--format", "csv", "--config", "{cfg}"], COLUMNS),
    (["portals", "export", "--config", "{cfg}"], ["key", "kind", "name", "enabled", "base_url", "max_pages"]),
]


@pytest.mark.parametrize(("args", "columns"), SCRIPT_CSV, ids=IDS)
def test_scripts_csv_stays_and_output_writes_the_same(cfg: Path, tmp_path: Path, args: list[str],
                                                      columns: list[str]) -> None:
    shown = run(*args_for(args, cfg))
    assert shown.exit_code == 0, shown.output
    assert not shown.stdout_bytes.startswith(b"\xef\xbb\xbf")
    assert next(csv.reader(io.StringIO(shown.stdout)))[: len(columns)] == columns
    target = tmp_path / "scripts.csv"
    written = run(*args_for(args, cfg), "--output", str(target))
    assert written.exit_code == 0, written.output
    assert target.read_bytes() == shown.stdout_bytes


def test_column_declarations_keep_the_contract() -> None:
    """The keys head the scripts' CSV in the contract's order; new columns only ever go at the end."""
    later = ("contact", "links")  # canonical fields added after the contract's CSV: at its end
    fields = [name for name in FundingCall.model_fields if name not in later]
    assert EXPORT_COLUMNS[: len(fields) + 5] == ["id", *fields, "first_seen", "last_seen", "content_hash", "version"]
    assert EXPORT_COLUMNS[-3:] == ["short_id", *later]
    assert COLUMNS[:9] == [
        "measure_id", "call_id", "title", "url", "score", "eligible", "deadline", "status", "reasons"]
    assert MARK_COLUMNS == ["measure_id", "call_id", "mark", "note", "call_version", "marked_at", "title", "kommune",
                            "short_id"]  # the short id people type, after every column there was before it
    for columns in (CALL_COLUMNS, MATCH_COLUMNS, MARK_TABLE):
        assert len({c.header for c in columns}) == len(columns)  # one German heading per column


# (the digest's [digest] min_score in foerderradar.toml, match's extra arguments, calls listed)
THRESHOLDS: list[tuple[str, list[str], set[str]]] = [
    ("", [], {"nrw:gigabit"}),  # default threshold 30: the weak sport call is noise
    ("", ["--min-score", "0"], {"nrw:gigabit", "nrw:sport"}),  # 0 shows everything
    ("[digest]\nmin_score = 1\n", [], {"nrw:gigabit", "nrw:sport"}),  # the digest's own threshold
    ("[digest]\nmin_score = 1\n", ["--min-score", "35"], {"nrw:gigabit"}),  # an explicit one wins
]


@pytest.mark.parametrize(("toml", "extra", "expected"), THRESHOLDS)
def test_match_shows_what_the_digest_shows_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      sqlite_url: str, toml: str, extra: list[str],
                                                      expected: set[str]) -> None:
    cfg = city(tmp_path, monkeypatch, sqlite_url, toml)
    store = Store(sqlite_url)  # no marks here: a relevant mark would teach the ranking to lift the call
    clear_mark(store, "teststadt", "nrw:sport", "breitband")
    store.close()
    result = run("match", "--as-of", AS_OF, "--format", "json", *extra, "--config", str(cfg))
    assert result.exit_code == 0, result.output
    found = {m["call_id"] for m in json.loads(result.stdout)}
    assert expected <= found and ("nrw:sport" in found) == ("nrw:sport" in expected)
    if not extra:
        table = run("match", "--as-of", AS_OF, "--config", str(cfg))
        assert "(Schwelle des Digests); alle Treffer: --min-score 0" in table.stderr


def test_match_help_explains_the_default() -> None:
    text = re.sub(r"[\s│]+", " ", run("match", "--help").stdout)
    assert "Standard: die Schwelle des Digests" in text and "--min-score 0 zeigt alles" in text
