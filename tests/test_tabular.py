"""People's exports (foerderradar/tabular.py): German Excel CSV and XLSX from one column declaration,
formulas kept out of spreadsheets, and a table read back as the person left it."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from foerderradar.tabular import Column, cell_text, column_letter, excel_csv, german_number, read_table, xlsx

COLUMNS = (
    Column("id", "ID"),
    Column("title", "Titel", "long"),
    Column("url", "Adresse", "url"),
    Column("deadline", "Frist", "date"),
    Column("seen", "zuerst gesehen", "datetime"),
    Column("amount", "Höchstbetrag (EUR)", "number"),
    Column("ok", "antragsberechtigt"),
    Column("regions", "Regionen"),
    Column("status", "Status", labels={"open": "offen"}),
)
ROW: dict[str, Any] = {
    "id": "nrw:a", "title": "Gigabit für alle\nmit zweiter Zeile", "url": "https://example.org/a",
    "deadline": date(2027, 1, 31), "seen": datetime(2026, 12, 1, 9, 30), "amount": 1_500_000.0, "ok": True,
    "regions": ["DE-NW", "DE"], "status": "open",
}
HOSTILE = ['=HYPERLINK("https://evil.example","x")', "+1+1", "-2+3", "@SUM(1)", "\tx", "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize(("value", "expected"), [
    (1_500_000.0, "1.500.000"), (80.04, "80,04"), (80.5, "80,5"), (3, "3"), (2027, "2027"), (12_345.678, "12.345,68"),
    (-25_000, "-25.000"), (0.1, "0,1"),
])
def test_german_numbers(value: float, expected: str) -> None:
    assert german_number(value) == expected


@pytest.mark.parametrize(("column", "value", "expected"), [
    (Column("d", "D"), date(2027, 1, 31), "31.01.2027"),
    (Column("d", "D"), datetime(2026, 12, 1, 9, 30), "01.12.2026 09:30"),
    (Column("b", "B"), False, "nein"),
    (Column("l", "L"), ["DE-NW", "DE"], "DE-NW, DE"),
    (Column("l", "L", labels={"kommune": "Kommune"}), ["kommune", "verein"], "Kommune, verein"),
    (Column("l", "L", joiner="; "), ["a, b", "c"], "a, b; c"),
    (Column("s", "S", labels={"open": "offen"}), "open", "offen"),
    (Column("a", "A", "auto"), ["DIGITAL", "CEF"], "[DIGITAL, CEF]"),
    (Column("a", "A", "auto"), {"level": "land", "regions": ["DE-NW"]}, "{level: land, regions: [DE-NW]}"),
    (Column("n", "N"), None, ""),
])
def test_cells_read_as_people_write_them(column: Column, value: Any, expected: str) -> None:
    assert cell_text(column, value) == expected


def test_excel_csv_is_what_german_excel_opens() -> None:
    data = excel_csv(COLUMNS, [ROW])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    lines = text.split("\r\n")
    assert lines[0] == "ID;Titel;Adresse;Frist;zuerst gesehen;Höchstbetrag (EUR);antragsberechtigt;Regionen;Status"
    # Rows end in CR LF; a line break inside a (quoted) cell stays a line break in that cell.
    assert lines[1:] == ['nrw:a;"Gigabit für alle\nmit zweiter Zeile";https://example.org/a;31.01.2027;'
                         "01.12.2026 09:30;1.500.000;ja;DE-NW, DE;offen", ""]


def test_xlsx_has_a_frozen_bold_filtered_heading_and_typed_cells() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx(COLUMNS, [ROW], "Förderaufrufe")))
    ws = book.active
    assert ws is not None and ws.title == "Förderaufrufe"
    assert [c.value for c in ws[1]] == [c.header for c in COLUMNS]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:I2"
    cells = {c.header: ws.cell(row=2, column=i) for i, c in enumerate(COLUMNS, start=1)}
    assert cells["Frist"].is_date and cells["Frist"].value == datetime(2027, 1, 31)
    assert cells["Frist"].number_format == "DD.MM.YYYY"
    assert cells["zuerst gesehen"].is_date and cells["zuerst gesehen"].value == datetime(2026, 12, 1, 9, 30)
    assert cells["Höchstbetrag (EUR)"].data_type == "n" and cells["Höchstbetrag (EUR)"].value == 1_500_000
    assert cells["antragsberechtigt"].value == "ja" and cells["Regionen"].value == "DE-NW, DE"
    assert cells["Titel"].alignment.wrap_text and not cells["ID"].alignment.wrap_text
    assert cells["Adresse"].hyperlink is not None and cells["Adresse"].hyperlink.target == "https://example.org/a"
    widths = {c.header: ws.column_dimensions[column_letter(i)].width for i, c in enumerate(COLUMNS)}
    assert widths["Titel"] > widths["ID"] >= 6  # from the contents, not one width for all


def test_aware_times_are_shown_in_local_time() -> None:
    moment = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    local = moment.astimezone().replace(tzinfo=None)
    assert cell_text(Column("t", "T"), moment) == local.strftime("%d.%m.%Y %H:%M")
    book = openpyxl.load_workbook(io.BytesIO(xlsx([Column("t", "T")], [{"t": moment}], "S")))
    assert book.active is not None and book.active["A2"].value == local


@pytest.mark.parametrize("text", HOSTILE)
def test_formulas_stay_text_in_both_formats(text: str) -> None:
    column = Column("title", "Titel")
    row = excel_csv([column], [{"title": text}])[3:].decode("utf-8").split("\r\n")[1]
    assert row.strip('"').startswith("'" + text[:1])
    book = openpyxl.load_workbook(io.BytesIO(xlsx([column], [{"title": text}], "S")))
    assert book.active is not None
    cell = book.active["A2"]
    assert cell.data_type == "s" and cell.value == text  # the text as it is, stored as text
    assert cell.quotePrefix  # and Excel keeps it text when someone edits it


def test_what_a_workbook_cannot_hold_is_cleaned() -> None:
    long = "x" * 40_000
    book = openpyxl.load_workbook(io.BytesIO(xlsx([Column("a", "A")], [{"a": long + "\x00\x07"}], "S")))
    assert book.active is not None
    value = book.active["A2"].value
    assert isinstance(value, str) and len(value) == 32_767 and value.endswith("…")


@pytest.mark.parametrize(("name", "data"), [
    ("scripts.csv", "key,kind,name\na,feed,Ä-Feed\n".encode()),
    ("excel.csv", "\ufeffkey;kind;name\r\na;feed;Ä-Feed\r\n".encode()),
    ("windows.csv", "key;kind;name\r\na;feed;Ä-Feed\r\n".encode("cp1252")),  # German Excel's "CSV (Trennzeichen)"
])
def test_read_table_takes_every_csv_a_person_saves(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    table = read_table(path)
    assert table.headers == ["key", "kind", "name"]
    assert table.rows == [(2, {"key": "a", "kind": "feed", "name": "Ä-Feed"})]


def test_read_table_reads_a_workbook_and_undoes_the_formula_guard(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(xlsx([Column("k", "k"), Column("n", "n"), Column("f", "f")],
                          [{"k": "a", "n": 30, "f": "-x"}, {}, {"k": "b", "f": "'plain"}], "S"))
    table = read_table(path)
    assert table.rows == [(2, {"k": "a", "n": 30, "f": "-x"}), (4, {"k": "b", "f": "'plain"})]


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
