"""`portals import`: the portal list exported (csv, excel-csv, xlsx), edited in a spreadsheet and read
back updates portals.yaml — entries changed in place, new ones added, comments kept, every mistake
named by file, row and column while the file stays as it was."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.portals_io import portal_entry
from foerderradar.settings import load_portals

PROJECT_CONFIG = Path(__file__).resolve().parents[1] / "config"
SHIPPED = len(load_portals(PROJECT_CONFIG))
FORMATS = ["csv", "excel-csv", "xlsx"]


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "config"
    shutil.copytree(PROJECT_CONFIG, directory)
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", f"sqlite:///{tmp_path / 'radar.db'}")
    return directory


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


# -- a table as the person sees it: a list of rows of {heading: cell}, read and written per format ------


def export(cfg: Path, fmt: str, target: Path) -> None:
    result = run("portals", "export", "--format", fmt, "--output", str(target), "--config", str(cfg))
    assert result.exit_code == 0, result.output


def read_rows(path: Path, fmt: str) -> tuple[list[str], list[dict[str, Any]]]:
    if fmt == "xlsx":
        ws = openpyxl.load_workbook(path).active
        assert ws is not None
        values = [list(row) for row in ws.iter_rows(values_only=True)]
        headers = [str(h) for h in values[0]]
        return headers, [dict(zip(headers, row, strict=True)) for row in values[1:]]
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if fmt == "excel-csv" else ","))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def write_rows(path: Path, fmt: str, headers: list[str], rows: list[dict[str, Any]]) -> None:
    """Saved as a person's spreadsheet would: the workbook with its cells, or the CSV in its dialect."""
    if fmt == "xlsx":
        book = openpyxl.Workbook()
        ws = book.active
        assert ws is not None
        ws.append(headers)
        for row in rows:
            ws.append([row.get(h) for h in headers])
        book.save(path)
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if fmt == "excel-csv" else ",", lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([["" if row.get(h) is None else row.get(h) for h in headers] for row in rows])
    path.write_bytes((b"\xef\xbb\xbf" if fmt == "excel-csv" else b"") + buffer.getvalue().encode("utf-8"))


def edited(cfg: Path, tmp_path: Path, fmt: str, edit: Callable[[list[str], list[dict[str, Any]]], None]) -> Path:
    suffix = "xlsx" if fmt == "xlsx" else "csv"
    exported = tmp_path / f"portale.{suffix}"
    export(cfg, fmt, exported)
    headers, rows = read_rows(exported, fmt)
    edit(headers, rows)
    target = tmp_path / f"bearbeitet.{suffix}"
    write_rows(target, fmt, headers, rows)
    return target


def heading(fmt: str, key: str) -> str:
    german = {"key": "Schlüssel", "kind": "Art", "name": "Name", "enabled": "aktiv"}
    return german.get(key, key) if fmt != "csv" else key


def row_of(rows: list[dict[str, Any]], fmt: str, key: str) -> dict[str, Any]:
    return next(r for r in rows if r[heading(fmt, "key")] == key)


# -- the round trip -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unedited_export_changes_nothing(cfg: Path, tmp_path: Path, fmt: str) -> None:
    before = (cfg / "portals.yaml").read_bytes()
    table = edited(cfg, tmp_path, fmt, lambda headers, rows: None)
    result = run("portals", "import", str(table), "--config", str(cfg))
    assert result.exit_code == 0, result.output
    assert f"0 geändert, 0 neu, {SHIPPED} unverändert." in result.stdout
    assert (cfg / "portals.yaml").read_bytes() == before
    assert not (cfg / "portals.yaml.bak").exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_edited_table_updates_entries_and_keeps_comments(cfg: Path, tmp_path: Path, fmt: str) -> None:
    before = (cfg / "portals.yaml").read_text(encoding="utf-8")
    yes = "true" if fmt == "csv" else "ja"
    as_list = '["open"]' if fmt == "csv" else "[open]"

    def edit(headers: list[str], rows: list[dict[str, Any]]) -> None:
        eu = row_of(rows, fmt, "eu")
        eu["max_pages"] = 120 if fmt == "xlsx" else "120"
        eu["statuses"] = as_list
        row_of(rows, fmt, "nrwbank")[heading(fmt, "enabled")] = yes
        new = {h: None for h in headers}
        new.update({heading(fmt, "key"): "gigabit-feed", heading(fmt, "kind"): "feed",
                    heading(fmt, "name"): "Gigabit-Nachrichten", "url": "https://gigabit.example.org/feed.xml",
                    "filter": '["Gigabit", "Glasfaser"]' if fmt == "csv" else "[Gigabit, Glasfaser]"})
        rows.append(new)

    table = edited(cfg, tmp_path, fmt, edit)
    result = run("portals", "import", str(table), "--config", str(cfg))
    assert result.exit_code == 0, result.output
    assert "geändert: eu (max_pages, statuses)" in result.stdout
    assert "geändert: nrwbank (enabled)" in result.stdout and "neu: gigabit-feed (feed)" in result.stdout
    assert f"2 geändert, 1 neu, {SHIPPED - 2} unverändert." in result.stdout

    after = (cfg / "portals.yaml").read_text(encoding="utf-8")
    assert comments(after) == comments(before)  # every comment kept, in its place among the others
    assert (cfg / "portals.yaml.bak").read_text(encoding="utf-8") == before
    assert "    max_pages: 120\n    programmes: [DIGITAL, CEF, HORIZON, ERASMUS, LIFE]\n    statuses: [open]\n" in after
    portals = {p.key: p for p in load_portals(cfg)}
    assert portals["nrwbank"].enabled is True and portal_entry(portals["eu"])["statuses"] == ["open"]
    assert portal_entry(portals["gigabit-feed"])["filter"] == ["Gigabit", "Glasfaser"]
    assert [p.key for p in portals.values()][-1] == "gigabit-feed"

    listed = run("portals", "list", "--config", str(cfg))
    assert listed.exit_code == 0, listed.output
    assert "gigabit-feed" in listed.stdout  # the key column never wraps
    again = run("portals", "import", str(table), "--config", str(cfg))
    assert f"0 geändert, 0 neu, {SHIPPED + 1} unverändert." in again.stdout


def test_empty_cell_removes_a_key_and_a_missing_column_keeps_it(cfg: Path, tmp_path: Path) -> None:
    def edit(headers: list[str], rows: list[dict[str, Any]]) -> None:
        row_of(rows, "xlsx", "eu")["page_size"] = None  # emptied: eu falls back to the default
        headers.remove("programmes")  # the column deleted: every entry keeps its programmes

    table = edited(cfg, tmp_path, "xlsx", edit)
    result = run("portals", "import", str(table), "--config", str(cfg))
    assert result.exit_code == 0, result.output
    assert "geändert: eu (page_size)" in result.stdout and "1 geändert, 0 neu" in result.stdout
    eu = portal_entry(next(p for p in load_portals(cfg) if p.key == "eu"))
    assert "page_size" not in eu and eu["programmes"] == ["DIGITAL", "CEF", "HORIZON", "ERASMUS", "LIFE"]


def test_rows_left_out_stay_and_are_named(cfg: Path, tmp_path: Path) -> None:
    table = edited(cfg, tmp_path, "excel-csv", lambda headers, rows: rows.__delitem__(slice(1, None)))
    result = run("portals", "import", str(table), "--config", str(cfg))
    assert result.exit_code == 0, result.output
    assert f"0 geändert, 0 neu, 1 unverändert; {SHIPPED - 1} nicht in der Datei, bleiben wie sie sind" in " ".join(
        result.stdout.split())
    assert len(load_portals(cfg)) == SHIPPED


def test_probe_shows_and_writes_nothing(cfg: Path, tmp_path: Path) -> None:
    before = (cfg / "portals.yaml").read_bytes()
    table = edited(cfg, tmp_path, "xlsx", lambda headers, rows: row_of(rows, "xlsx", "eu").update(max_pages=7))
    result = run("portals", "import", str(table), "--probe", "--config", str(cfg))
    assert result.exit_code == 0, result.output
    assert "geändert: eu (max_pages)" in result.stdout and "Probelauf: nichts geschrieben." in result.stdout
    assert (cfg / "portals.yaml").read_bytes() == before


def test_german_numbers_and_words_are_read(cfg: Path, tmp_path: Path) -> None:
    def edit(headers: list[str], rows: list[dict[str, Any]]) -> None:
        row_of(rows, "excel-csv", "eu")["max_pages"] = "1.000"
        row_of(rows, "excel-csv", "eu")["aktiv"] = "nein"

    table = edited(cfg, tmp_path, "excel-csv", edit)
    result = run("portals", "import", str(table), "--config", str(cfg))
    assert result.exit_code == 0, result.output
    eu = next(p for p in load_portals(cfg) if p.key == "eu")
    assert (eu.max_pages, eu.enabled) == (1000, False)


# (case, the edit of the eu row, words of the message: file, row and column)
EU_ROW = 4  # the heading is row 1; eu is the third portal of the shipped file
BAD_EDITS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("unknown kind", {"Art": "rss"},
     [f"Zeile {EU_ROW} (eu), Spalte B (Art): kind: 'rss' ist kein bekannter Portal-Typ"]),
    ("not a number", {"max_pages": "viele"}, [f"Zeile {EU_ROW} (eu), Spalte F (max_pages): max_pages:"]),
    ("out of range", {"max_pages": 0}, [f"Zeile {EU_ROW} (eu), Spalte F (max_pages)"]),
    ("broken list", {"programmes": "[DIGITAL, CEF"},
     [f"Zeile {EU_ROW} (eu), Spalte", "(programmes): weder eine Liste"]),
    ("unknown value", {"statuses": "[offen]"}, [f"Zeile {EU_ROW} (eu), Spalte", "(statuses): statuses"]),
    ("not http", {"base_url": "ftp://mirror.example.org"}, [f"Zeile {EU_ROW} (eu), Spalte E (base_url)"]),
    ("two mistakes in one row, both named", {"programmes": "[DIGITAL", "max_pages": "viele"},
     ["(programmes): weder eine Liste", f"Zeile {EU_ROW} (eu), Spalte F (max_pages): max_pages:"]),
    ("key twice", {"Schlüssel": "foerderdatenbank"},
     [f"Zeile {EU_ROW} (foerderdatenbank), Spalte A (Schlüssel): 'foerderdatenbank' steht schon in Zeile 2"]),
]


@pytest.mark.parametrize(("case", "change", "words"), BAD_EDITS, ids=[c[0] for c in BAD_EDITS])
def test_bad_row_names_file_row_and_column_and_changes_nothing(cfg: Path, tmp_path: Path, case: str,
                                                               change: dict[str, Any], words: list[str]) -> None:
    before = (cfg / "portals.yaml").read_bytes()

    def edit(headers: list[str], rows: list[dict[str, Any]]) -> None:
        row_of(rows, "xlsx", "foerderdatenbank")["Name"] = "Förderdatenbank (geändert)"  # a good change beside
        row_of(rows, "xlsx", "eu").update(change)

    table = edited(cfg, tmp_path, "xlsx", edit)
    result = run("portals", "import", str(table), "--config", str(cfg))
    assert result.exit_code == 2, result.output
    message = " ".join(result.stderr.split())
    assert "Nichts übernommen" in message and f"{table}: Zeile" in message
    for word in words:
        assert word in message, message
    assert (cfg / "portals.yaml").read_bytes() == before and "Traceback" not in result.output


@pytest.mark.parametrize(("name", "data", "words"), [
    ("leer.csv", b"", ["Zeile 1", "'key' und 'kind'"]),
    ("kaputt.xlsx", b"PK\x03\x04 kein Zip", ["keine lesbare Excel-Arbeitsmappe"]),
    ("fehlt.csv", None, ["kann nicht gelesen werden"]),
])
def test_unreadable_file(cfg: Path, tmp_path: Path, name: str, data: bytes | None, words: list[str]) -> None:
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    result = run("portals", "import", str(path), "--config", str(cfg))
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.stderr
    assert "Traceback" not in result.output


def test_add_from_an_export_points_to_import(cfg: Path, tmp_path: Path) -> None:
    """`portals add --from-csv` adds; entries that exist are refused with the way to change them."""
    table = tmp_path / "portale.xlsx"
    export(cfg, "xlsx", table)
    result = run("portals", "add", "--from-csv", str(table), "--config", str(cfg))
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "'eu' gibt es schon in portals.yaml; bestehende Einträge ändert: foerderradar portals import" in message


@pytest.mark.parametrize("empty", ["portals:\n", "portals: []\n# Ende der Liste\n"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_import_into_an_empty_list_gives_the_same_portals(cfg: Path, tmp_path: Path, fmt: str, empty: str) -> None:
    table = edited(cfg, tmp_path, fmt, lambda headers, rows: None)
    other = tmp_path / "andere"
    shutil.copytree(cfg, other)
    (other / "portals.yaml").write_text("# Portale der Nachbarstadt\n" + empty, encoding="utf-8")
    result = run("portals", "import", str(table), "--config", str(other))
    assert result.exit_code == 0, result.output
    assert f"0 geändert, {SHIPPED} neu, 0 unverändert." in result.stdout
    assert [portal_entry(p) for p in load_portals(other)] == [portal_entry(p) for p in load_portals(cfg)]
    assert comments((other / "portals.yaml").read_text(encoding="utf-8")) == comments(
        "# Portale der Nachbarstadt\n" + empty)
    again = run("portals", "import", str(table), "--config", str(other))
    assert f"0 geändert, 0 neu, {SHIPPED} unverändert." in again.stdout


def test_a_list_of_addresses_as_a_person_types_it(cfg: Path, tmp_path: Path) -> None:
    urls = ["https://www.nrwbank.de/de/foerderung/?seite=1", "https://www.nrwbank.de/de/foerderung/?seite=2"]
    table = edited(cfg, tmp_path, "xlsx",
                   lambda headers, rows: row_of(rows, "xlsx", "nrwbank").update(list_urls=f"[{', '.join(urls)}]"))
    result = run("portals", "import", str(table), "--config", str(cfg))
    assert result.exit_code == 0, result.output
    assert portal_entry(next(p for p in load_portals(cfg) if p.key == "nrwbank"))["list_urls"] == urls
