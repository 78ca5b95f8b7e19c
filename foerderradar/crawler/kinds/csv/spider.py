"""A CSV table as a portal (kind ``csv``), configured in ``portals.yaml`` only: one row, one call.

One request: the ``url``, or the entry's ``file`` as a ``file:`` URL — a local file goes through
the same downloader, pipeline and run record as a download (the network guard lets exactly that
file through; see the kind's :mod:`.config`). Conditional GET comes with the HTTP cache. The
kind's :mod:`.reader` turns the body into a header and a stream of rows;
:class:`~foerderradar.crawler.mapping.FieldMapper` turns each row into a call, as for ``json``.

A header without a column the entry maps is an error naming the source and the column: a changed
export must fail loudly, not look empty. A row without title or link is reported with its line
and skipped, so it cannot hide the others.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from foerderradar.crawler import vocab
from foerderradar.crawler.entry.mapping import PLACEHOLDER, FieldSpec, LiteralValue
from foerderradar.crawler.kinds.csv.config import CsvPortal
from foerderradar.crawler.kinds.csv.reader import Columns, Row, Table, clean_cell, open_table
from foerderradar.crawler.mapping import MISSING, FieldMapper, ItemSkipped, SourceError

log = logging.getLogger(__name__)

ACCEPT = "text/csv, text/plain;q=0.9, application/zip;q=0.8, */*;q=0.5"

# Tables with these columns work without any `fields` in portals.yaml.
CSV_DEFAULT_FIELDS: dict[str, FieldSpec] = {"source_id": ["id"], "url": ["url"], "title": ["title", "titel"]}
# Builtin columns a table must have unless the entry maps the field another way.
REQUIRED_DEFAULTS = ("url", "title")
_BARE_WWW = re.compile(r"www\.[\w-]+(?:\.[\w-]+)+(?:[/?#]\S*)?", re.IGNORECASE)
FIELD_NAMES = {"source_id": "Kennung (source_id)", "url": "Adresse (url)", "title": "Titel (title)"}


def split_cell(text: str) -> list[str]:
    """Several values in one cell: "Kommune; Unternehmen", "Kommune, Unternehmen", '["a", "b"]'.

    ';', '|' and line breaks separate where they occur; otherwise commas do, except inside
    "(…, …)" and in labels that contain a comma themselves ("Kultur, Medien & Sport").
    """
    stripped = text.strip()
    if stripped.startswith("[") and stripped.endswith("]"):
        try:
            values = json.loads(stripped)
        except ValueError:
            values = None
        if isinstance(values, list) and all(isinstance(v, str | int | float) for v in values):
            return [str(v).strip() for v in values if str(v).strip()]
    for separator in (";", "|", "\n"):
        if separator in stripped:
            return [part.strip() for part in stripped.split(separator) if part.strip()]
    return vocab.split_labels(stripped)


class CsvSpider(scrapy.Spider):
    name = "csv"

    def __init__(self, portal: CsvPortal, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portal = portal
        self.mapper = FieldMapper(
            portal, portal.fields, CSV_DEFAULT_FIELDS, url_template=portal.url_template, split_list=split_cell
        )
        self.today = date.today()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        meta = {"dont_retry": True} if self.portal.file is not None else {}  # a missing file stays missing
        yield scrapy.Request(
            self.portal.source_url, callback=self.parse, headers={"Accept": ACCEPT}, meta=meta, dont_filter=True
        )

    def parse(self, response: Response) -> Iterator[dict[str, Any]]:
        where = self.portal.file if self.portal.file is not None else response.url
        table = open_table(
            response.body,
            where,
            delimiter=self.portal.delimiter,
            encoding=self.portal.encoding,
            header_row=self.portal.header_row,
            member=self.portal.zip_member,
        )
        columns = Columns(table.columns)
        index = self._parse_header(table, columns)
        wanted = {columns.index(name): {v.casefold() for v in values} for name, values in self.portal.where.items()}
        base_url = self.portal.url or ""
        read = kept = 0
        for row in table.rows:
            read += 1
            if row.problem is not None:
                log.error("%s: Zeile %d übersprungen: %s", table.where, row.line, row.problem)
                continue
            if not _matches(row, wanted):
                continue
            item = self._parse_row(row, index, table.where, base_url)
            if item is not None:
                kept += 1
                yield item
        log.info("%s: %d of %d rows kept (%s)", table.where, kept, read, table.dialect)

    def _parse_header(self, table: Table, columns: Columns) -> dict[str, int]:
        """Column name (as the entry writes it) → position; a mapped column that is missing is a SourceError."""
        index: dict[str, int] = {}
        missing: list[str] = []
        user = self.portal.fields.mapped()
        for name, spec in self.mapper.specs.items():
            if isinstance(spec, LiteralValue) or not spec:
                continue
            found = {source: columns.index(source) for source in spec}
            index.update({source: i for source, i in found.items() if i is not None})
            required = name in user or (name in REQUIRED_DEFAULTS and not (name == "url" and self.portal.url_template))
            if required and all(i is None for i in found.values()):
                names = " oder ".join(repr(source) for source in spec)
                missing.append(f"{names} (für {name})")
        placeholders = PLACEHOLDER.findall(self.portal.url_template or "")
        for column in [*placeholders, *self.portal.where]:
            position = columns.index(column)
            if position is None:
                use = "url_template" if column in placeholders else "where"
                missing.append(f"{column!r} (für {use})")
            else:
                index[column] = position
        if missing:
            one = len(table.columns) == 1
            single = " – die Kopfzeile hat nur eine Spalte: stimmt das Trennzeichen (delimiter)?" if one else ""
            raise SourceError(
                table.where,
                f"Spalte fehlt in der Kopfzeile (Zeile {table.header_line}): {'; '.join(missing)}. Vorhanden: "
                f"{columns.shown()} ({table.dialect}){single}. Hat sich der Export geändert? Sonst fields in "
                "portals.yaml anpassen",
            )
        return index

    def _parse_row(self, row: Row, index: dict[str, int], where: str, base_url: str) -> dict[str, Any] | None:
        def lookup(column: str) -> Any:
            position = index.get(column)
            if position is None or position >= len(row.cells):
                return MISSING
            value = clean_cell(row.cells[position])
            # Hand-made tables write links without scheme; joined to the table's address they would
            # become a wrong link on the table's own host.
            return f"https://{value}" if _BARE_WWW.fullmatch(value) else value

        try:
            mapped = self.mapper.build(lookup, base_url=base_url, today=self.today)
        except ItemSkipped as exc:
            log.error("%s: Zeile %d übersprungen: %s", where, row.line, self._skipped(exc, index))
            return None
        if mapped is None:
            return None
        link = urlsplit(mapped.item["url"])
        if link.scheme not in ("http", "https") or not link.netloc:
            # A relative link in a file has no address to be relative to: url_template builds whole ones.
            hint = "url_template verwenden" if self.portal.file is not None else "fields.url oder url_template prüfen"
            log.error(
                "%s: Zeile %d übersprungen: %r ist keine vollständige http(s)-Adresse (url); %s",
                where, row.line, mapped.item["url"], hint,
            )
            return None
        for note in mapped.notes:
            log.warning("%s: line %d: %s", where, row.line, note)
        return mapped.item

    def _skipped(self, exc: ItemSkipped, index: dict[str, int]) -> str:
        """Why a row is no call, in German, naming the column(s) of the table to look at."""
        if exc.placeholder is not None:
            return f"keine Adresse: die Spalte {exc.placeholder!r} für url_template ist leer"
        field = exc.field or "?"
        spec = self.mapper.specs.get(field)
        present = [repr(s) for s in spec if s in index] if isinstance(spec, list) else []
        where = f"Spalte {' und '.join(present)} leer" if present else "keine Spalte dafür in der Tabelle"
        return f"{FIELD_NAMES.get(field, field)} fehlt ({where})"


def _matches(row: Row, wanted: dict[int | None, set[str]]) -> bool:
    """Whether the row passes ``where`` (every named column holds one of its values)."""
    for position, values in wanted.items():
        cell = row.cells[position] if position is not None and position < len(row.cells) else ""
        if clean_cell(cell).casefold() not in values:
            return False
    return True
