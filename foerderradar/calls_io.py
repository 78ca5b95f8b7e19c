"""JSON Lines import and JSON Lines / CSV export of funding calls (the contract's exchange format),
and the export of the marks people set on them (``calls marks``).

Import is forgiving per line and strict per field: a malformed line is reported with its number
and skipped, the valid lines around it are stored — one typo must not cost a whole file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from pydantic import ValidationError

from foerderradar.config_reading import field_problems, location
from foerderradar.german.applicants import APPLICANT_LABELS
from foerderradar.german.labels import FUNDING_TYPE_DE, LEVEL_DE
from foerderradar.matcher.report import STATUS_DE, csv_cell
from foerderradar.model import FundingCall, Mark
from foerderradar.storage import Store, record_to_call, record_to_export
from foerderradar.storage.marks import MARK_LABELS, all_marks
from foerderradar.storage.tables import CallRecord
from foerderradar.tabular import Column

# `calls export`: the scripts' CSV has the keys as its heading (the contract's order: the store's id,
# the canonical fields, the store's bookkeeping); people's exports the German headings. New columns
# go at the end, so no script's column moves.
CALL_COLUMNS: tuple[Column, ...] = (
    Column("id", "ID"),
    Column("source", "Portal"),
    Column("source_id", "Kennung im Portal"),
    Column("url", "Adresse", "url"),
    Column("title", "Titel", "long"),
    Column("summary", "Kurzbeschreibung", "long"),
    Column("description", "Beschreibung", "long"),
    Column("funding_body", "Fördergeber"),
    Column("level", "Ebene", labels=LEVEL_DE),
    Column("regions", "Regionen"),
    Column("applicants", "Antragsberechtigte", labels=APPLICANT_LABELS),
    Column("funding_type", "Förderart", labels=FUNDING_TYPE_DE),
    Column("topics", "Themen", "long", joiner="; "),
    Column("language", "Sprache"),
    Column("open_date", "Beginn", "date"),
    Column("deadline", "Frist", "date"),
    Column("deadline_text", "Frist (Wortlaut des Portals)"),
    Column("status", "Status", labels=STATUS_DE),
    Column("max_amount_eur", "Höchstbetrag (EUR)", "number"),
    Column("funding_rate_pct", "Förderquote (%)", "number"),
    Column("published_at", "veröffentlicht", "datetime"),
    Column("updated_at", "aktualisiert", "datetime"),
    Column("first_seen", "zuerst gesehen", "datetime"),
    Column("last_seen", "zuletzt gesehen", "datetime"),
    Column("content_hash", "Prüfsumme des Inhalts"),
    Column("version", "Version", "number"),
    Column("duplicate_of", "Dublette von"),  # added with de-duplication, after the contract's columns
    Column("short_id", "Kennung"),  # added with short call ids (storage/short_ids.py), likewise at the end
    Column("contact", "Kontakt", "long"),  # added with contact and links (0015), likewise at the end
    Column("links", "Links", "long", joiner="\n"),  # people's exports: "Richtlinie: https://…" per line
)
EXPORT_COLUMNS = [c.key for c in CALL_COLUMNS]
_BATCH = 500


@dataclass
class ImportReport:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.new + self.changed + self.unchanged


UNKNOWN_FIELD = "unbekanntes Feld; die Felder eines Förderaufrufs stehen in docs/contract.md"


def line_problem(exc: ValidationError) -> str:
    """What is wrong with one line, field by field, in German (the wording of config_messages.py)."""
    problems = field_problems(exc, FundingCall, UNKNOWN_FIELD)
    return "; ".join(f"{location(loc) if loc else '(Zeile)'}: {message}" for loc, message in problems)


def import_calls(lines: Iterable[str], store: Store) -> ImportReport:
    report = ImportReport()
    batch: list[FundingCall] = []

    def flush() -> None:
        for outcome in store.upsert_calls(batch):
            setattr(report, outcome, getattr(report, outcome) + 1)
        batch.clear()

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            report.problems.append((number, f"kein gültiges JSON ({exc.msg}, Spalte {exc.colno})"))
            continue
        if not isinstance(data, dict):
            report.problems.append((number, "ein JSON-Objekt {...} erwartet"))
            continue
        try:
            batch.append(FundingCall.model_validate(data))
        except ValidationError as exc:
            report.problems.append((number, line_problem(exc)))
            continue
        if len(batch) >= _BATCH:
            flush()
    flush()
    return report


def _csv_value(value: Any) -> Any:
    """Spreadsheet-safe: scraped text starting like a formula ("=HYPERLINK(…)") is not run as one."""
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        return csv_cell(json.dumps(value, ensure_ascii=False))  # links: [{"label": …, "url": …}]
    if isinstance(value, list):
        return csv_cell("|".join(str(v) for v in value))
    return "" if value is None else csv_cell(value)


def export_calls(store: Store, out: IO[str], fmt: str = "jsonl") -> int:
    count = 0
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    for record in store.iter_calls():
        row = record_to_export(record)
        if writer:
            writer.writerow({k: _csv_value(row.get(k)) for k in EXPORT_COLUMNS})
        else:
            out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


def call_row(record: CallRecord) -> dict[str, Any]:
    """A stored call for people's exports: the values as Python values (dates as dates, lists as
    lists), keyed like :data:`EXPORT_COLUMNS`; a link as "Label: https://…", what a person reads."""
    call = record_to_call(record)
    return {
        **call.model_dump(), "id": record.id, "first_seen": record.first_seen,
        "last_seen": record.last_seen, "content_hash": record.content_hash, "version": record.version,
        "duplicate_of": record.duplicate_of, "short_id": record.short_id,
        "links": [f"{link.label}: {link.url}" for link in call.links] if call.links else None,
    }


def call_rows(store: Store) -> list[dict[str, Any]]:
    return [call_row(record) for record in store.iter_calls()]


# -- marks ------------------------------------------------------------------------------------------

# `calls marks`, as `calls export`: the keys head the scripts' CSV, the German headings people's exports.
MARK_TABLE: tuple[Column, ...] = (
    Column("measure_id", "Maßnahme"),
    Column("call_id", "Förderaufruf (ID)"),
    Column("mark", "Bewertung", labels=MARK_LABELS),
    Column("note", "Notiz", "long"),
    Column("call_version", "Version des Aufrufs", "number"),
    Column("marked_at", "bewertet am", "datetime"),
    Column("title", "Titel", "long"),
    Column("kommune", "Kommune"),
    Column("short_id", "Kennung"),  # added with short call ids, at the end like every new column
)
MARK_COLUMNS = [c.key for c in MARK_TABLE]


@dataclass(frozen=True)
class MarkedCall:
    """A mark with the title of its call, so a list of marks can be read without looking ids up."""

    mark: Mark
    title: str  # "" when the call is no longer stored
    short_id: str = ""  # likewise; what people type into `calls mark`

    def row(self) -> dict[str, Any]:
        """The scripts' shape (JSON Lines, CSV): the time as ISO text."""
        return {**self.values(), "marked_at": self.mark.marked_at.isoformat()}

    def values(self) -> dict[str, Any]:
        """People's exports: the time as a time."""
        m = self.mark
        return {"measure_id": m.measure_id, "call_id": m.call_id, "mark": m.mark, "note": m.note,
                "call_version": m.call_version, "marked_at": m.marked_at, "title": self.title,
                "kommune": m.kommune, "short_id": self.short_id}


def marked_calls(store: Store, kommunen: Iterable[str]) -> list[MarkedCall]:
    """The marks of these municipalities (in the order given), each by measure and then in the order
    they were set, with its call's title."""
    marks = [mark for kommune in kommunen for mark in all_marks(store, kommune)]
    records = store.calls_by_id({m.call_id for m in marks})
    return [
        MarkedCall(m, r.title, r.short_id or "") if (r := records.get(m.call_id)) else MarkedCall(m, "")
        for m in marks
    ]


def export_marks(marked: Iterable[MarkedCall], out: IO[str], fmt: str) -> None:
    """``fmt`` "jsonl" (one object per mark) or "csv" (spreadsheet-safe cells)."""
    rows = [m.row() for m in marked]
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    # An empty export has always had only the key columns in its header.
    writer = csv.DictWriter(out, fieldnames=MARK_COLUMNS if rows else MARK_COLUMNS[:3], lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
