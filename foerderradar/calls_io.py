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

from foerderradar.matcher.report import csv_cell
from foerderradar.model import FundingCall, Mark
from foerderradar.storage import Store, record_to_export
from foerderradar.storage.marks import all_marks

EXPORT_COLUMNS = [
    "id", *FundingCall.model_fields, "first_seen", "last_seen", "content_hash", "version",
    "duplicate_of",  # added with de-duplication, after the contract's columns so none moves
    "short_id",  # added with short call ids (storage/short_ids.py), likewise at the end
]
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


def _line_problem(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(Zeile)'}: {e['msg']}" for e in exc.errors()
    )


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
            report.problems.append((number, _line_problem(exc)))
            continue
        if len(batch) >= _BATCH:
            flush()
    flush()
    return report


def _csv_value(value: Any) -> Any:
    """Spreadsheet-safe: scraped text starting like a formula ("=HYPERLINK(…)") is not run as one."""
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


# -- marks ------------------------------------------------------------------------------------------

MARK_COLUMNS = ["measure_id", "call_id", "mark", "note", "call_version", "marked_at", "title", "kommune"]


@dataclass(frozen=True)
class MarkedCall:
    """A mark with the title of its call, so a list of marks can be read without looking ids up."""

    mark: Mark
    title: str  # "" when the call is no longer stored
    short_id: str = ""  # likewise

    def row(self) -> dict[str, Any]:
        m = self.mark
        return {"measure_id": m.measure_id, "call_id": m.call_id, "mark": m.mark, "note": m.note,
                "call_version": m.call_version, "marked_at": m.marked_at.isoformat(), "title": self.title,
                "kommune": m.kommune}


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
