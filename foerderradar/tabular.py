"""Exports a person opens in a spreadsheet (``--format excel-csv`` and ``--format xlsx``), and the
reading back of a table a person edited (``portals import``).

The scripts' CSV (comma, UTF-8, English column names) is the contract and stays with each command;
this module writes the two variants for people, from one declaration per command — a tuple of
:class:`Column` (the script's key, the German heading, what kind of value) — and rows of plain Python
values (``date``, ``float``, ``list`` …, never pre-formatted text):

- Excel CSV: German Excel opens a file with a double click only when it is ``;``-separated and starts
  with a byte order mark; dates ``TT.MM.JJJJ``, numbers with a decimal comma, lists joined as words,
  never JSON.
- XLSX (openpyxl): real date and number cells, a bold, frozen heading with a filter, wrapped long text,
  column widths from the contents.

Scraped text is untrusted in both: a cell that starts like a formula (``=HYPERLINK(…)``) is text, never
run — the CSV gets a leading apostrophe (as the scripts' CSV), the workbook a string cell marked
"quote prefix", which Excel keeps as text even when someone edits the cell.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml

from foerderradar.output_safety import safe_url

EXCEL_FORMATS = ("excel-csv", "xlsx")
# The cell a spreadsheet would run as a formula (or DDE) when it starts with one of these.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL = 32_767  # Excel's limit for one cell's text; longer text is cut with "…"

Kind = Literal["text", "long", "date", "datetime", "number", "url", "auto"]


@dataclass(frozen=True)
class Column:
    """One column of an export: ``key`` names it in the scripts' CSV/JSON and in the rows,
    ``header`` is its German heading; ``labels`` turn codes into words (``open`` → ``offen``),
    ``joiner`` joins a list. ``kind`` ``auto`` takes the value's own type (portal settings: a number,
    a switch, a list written as in ``portals.yaml``)."""

    key: str
    header: str
    kind: Kind = "text"
    labels: Mapping[str, str] | None = None
    joiner: str = ", "
    width: int = 0  # characters; 0: from the heading and the contents


def formula_safe(text: str) -> str:
    """Text a spreadsheet shows rather than runs: a leading apostrophe where it would start a formula."""
    return "'" + text if text[:1] in FORMULA_START else text


def unguard(text: str) -> str:
    """The inverse of :func:`formula_safe`, for a table read back."""
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_START and text[1:2] else text


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML 1.0 forbids them; openpyxl refuses them


def _clean(text: str) -> str:
    text = _ILLEGAL.sub(" ", text)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def german_number(value: float) -> str:
    """``1.500.000`` and ``80,5``: a decimal comma (at most two places); digits grouped by dots from
    five digits on (DIN 5008), so a four-digit year or page count stays as it is."""
    number = float(value)
    text = f"{number:.0f}" if number.is_integer() else f"{number:.2f}".rstrip("0").rstrip(".")
    whole, _, fraction = text.partition(".")
    sign, digits = ("-", whole[1:]) if whole.startswith("-") else ("", whole)
    if len(digits) >= 5:
        digits = f"{int(digits):,}".replace(",", ".")
    return sign + digits + ("," + fraction if fraction else "")


def _local(moment: datetime) -> datetime:
    """A naive local time: what a person expects to read, and all a workbook can store."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment


def _flow(value: Any) -> str:
    """A list or mapping as ``portals.yaml`` writes it in one line: ``[DE, DE-NW]``, ``{level: land}``."""
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1_000_000, sort_keys=False).strip()


def _words(column: Column, value: Any) -> str:
    labels = column.labels or {}
    return labels.get(value, value) if isinstance(value, str) else str(value)


def cell_text(column: Column, value: Any) -> str:
    """The value as the Excel CSV shows it (before the formula guard)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, datetime):
        return _local(value).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, int | float):
        return german_number(value)
    if isinstance(value, Mapping) or (column.kind == "auto" and isinstance(value, list | tuple)):
        return _flow(value)
    if isinstance(value, list | tuple):
        return column.joiner.join(_words(column, v) for v in value if v is not None)
    return _words(column, value)


def excel_csv(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """``;``-separated, UTF-8 with a byte order mark, Windows line ends: what German Excel opens."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    for row in rows:
        writer.writerow([formula_safe(_clean(cell_text(c, row.get(c.key)))) for c in columns])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def xlsx(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], sheet: str) -> bytes:
    """One sheet: heading bold, frozen and filtered; dates and numbers as such; long text wrapped."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet[:31]
    bold = Font(bold=True)
    top = Alignment(vertical="top")
    wrapped = Alignment(vertical="top", wrap_text=True)
    widths = [len(c.header) for c in columns]
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = bold
        cell.alignment = top
    count = 0
    for count, row in enumerate(rows, start=1):
        for index, column in enumerate(columns, start=1):
            value = row.get(column.key)
            cell = ws.cell(row=count + 1, column=index)
            shown = _put(cell, column, value)
            longest = max((len(line) for line in shown.splitlines()), default=0)
            widths[index - 1] = max(widths[index - 1], longest)
            cell.alignment = wrapped if column.kind == "long" or "\n" in shown else top
    for index, column in enumerate(columns, start=1):
        cap = 60 if column.kind == "long" else 50
        ws.column_dimensions[get_column_letter(index)].width = column.width or min(max(widths[index - 1], 6), cap) + 2
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(max(len(columns), 1))}{count + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _put(cell: Any, column: Column, value: Any) -> str:
    """Write one value into a workbook cell as its own type; returns the text it shows (for widths)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "ja" if value else "nein"
    elif isinstance(value, datetime):
        cell.value = _local(value)
        cell.number_format = "DD.MM.YYYY HH:MM"
        return "00.00.0000 00:00"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = "DD.MM.YYYY"
        return "00.00.0000"
    elif isinstance(value, int | float):
        cell.value = value
        cell.number_format = "#,##0" if float(value).is_integer() else "#,##0.0#"
        return german_number(value)
    text = _clean(cell_text(column, value))
    cell.value = text
    cell.data_type = "s"  # openpyxl would take "=…" for a formula
    if text[:1] in FORMULA_START:
        cell.quotePrefix = True  # Excel keeps it text, even after someone edits the cell
    elif column.kind == "url" and (link := safe_url(text)):
        cell.hyperlink = link
        cell.style = "Hyperlink"
    return text


def render(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], fmt: str, sheet: str) -> bytes:
    """``fmt`` one of :data:`EXCEL_FORMATS`."""
    if fmt == "xlsx":
        return xlsx(columns, rows, sheet)
    if fmt == "excel-csv":
        return excel_csv(columns, rows)
    raise ValueError(f"Unbekanntes Format {fmt!r}; erlaubt: {', '.join(EXCEL_FORMATS)}")


# -- reading a table back (a person edited an export) ------------------------------------------------


class TableError(ValueError):
    """The file is no table this module reads (German message naming the file)."""


@dataclass(frozen=True)
class ReadTable:
    """A table read back: its headings, and per data row its row number as the spreadsheet shows it
    (the heading is row 1) and its cells by heading (empty cells left out). CSV cells are text;
    workbook cells keep their type (a number, a date, ``True``)."""

    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]]
    extra: list[int]  # rows with more cells than headings


def column_letter(index: int) -> str:
    """``A`` for the first column (0), ``AA`` for the 27th: how a spreadsheet names it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_table(path: Path) -> ReadTable:
    """A CSV (``,`` or ``;``, UTF-8 with or without BOM, else Windows-1252 as German Excel saves
    "CSV (Trennzeichen-getrennt)") or the first sheet of an ``.xlsx`` workbook."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TableError(f"{path}: kann nicht gelesen werden ({exc.strerror})") from None
    if path.suffix.lower() in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        return _read_xlsx(path, data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return _read_csv(text)


def _read_csv(text: str) -> ReadTable:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    return _table([[cell for cell in record] for record in records])


def _read_xlsx(path: Path, data: bytes) -> ReadTable:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, ValueError … for a broken file
        raise TableError(f"{path}: keine lesbare Excel-Arbeitsmappe (.xlsx) ({type(exc).__name__})") from None
    try:
        ws = book.worksheets[0]
        return _table([list(row) for row in ws.iter_rows(values_only=True)])
    finally:
        book.close()


def _table(records: list[list[Any]]) -> ReadTable:
    if not records:
        return ReadTable([], [], [])
    headers = [str(h).strip() if h is not None else "" for h in records[0]]
    while headers and not headers[-1]:
        headers.pop()
    rows: list[tuple[int, dict[str, Any]]] = []
    extra: list[int] = []
    for number, record in enumerate(records[1:], start=2):
        cells: dict[str, Any] = {}
        for index, value in enumerate(record):
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if index >= len(headers) or not headers[index]:
                extra.append(number)
                continue
            cells[headers[index]] = unguard(value.strip()) if isinstance(value, str) else value
        if cells:
            rows.append((number, cells))
    return ReadTable(headers, rows, sorted(set(extra)))
