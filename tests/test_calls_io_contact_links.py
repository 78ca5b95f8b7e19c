"""`calls export` / `calls import` carry a call's contact and links: JSON Lines keys (a round trip),
the scripts' CSV with the two columns appended after ``short_id``, the people's exports (Excel CSV,
XLSX) with German headings and a link per line as "Label: https://…"."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from foerderradar.calls_io import CALL_COLUMNS, call_rows, export_calls, import_calls
from foerderradar.storage import Store
from foerderradar.tabular import excel_csv

LINKS = [{"label": "Richtlinie", "url": "https://www.example.org/rl.pdf"},
         {"label": "Merkblatt", "url": "https://www.example.org/m.pdf"}]
WITH: dict[str, Any] = {"source": "nrw", "source_id": "mit", "url": "https://www.example.org/mit",
                        "title": "Mit Kontakt", "contact": "Amt A, a@example.org, Tel. 0521 1", "links": LINKS}
WITHOUT: dict[str, Any] = {"source": "nrw", "source_id": "ohne", "url": "https://www.example.org/ohne", "title": "Ohne"}


@pytest.fixture
def stored(store: Store) -> Store:
    report = import_calls([json.dumps(WITH), json.dumps(WITHOUT)], store)
    assert (report.new, report.problems) == (2, [])
    return store


def _export(store: Store, fmt: str) -> str:
    out = io.StringIO()
    export_calls(store, out, fmt)
    return out.getvalue()


def test_jsonl_round_trip(stored: Store, store: Store) -> None:
    lines = _export(stored, "jsonl").splitlines()
    by_id = {row["id"]: row for row in map(json.loads, lines)}
    assert (by_id["nrw:mit"]["contact"], by_id["nrw:mit"]["links"]) == (WITH["contact"], LINKS)
    assert (by_id["nrw:ohne"]["contact"], by_id["nrw:ohne"]["links"]) == (None, None)
    again = import_calls(lines, store)  # export → import: the same calls, unchanged
    assert (again.unchanged, again.problems) == (2, [])


# (column, value of the call with them, of the call without)
SCRIPT_CSV: list[tuple[str, str, str]] = [
    ("contact", WITH["contact"], ""),
    ("links", json.dumps(LINKS, ensure_ascii=False), ""),  # JSON: a script reads label and address apart
]


@pytest.mark.parametrize(("column", "with_it", "without"), SCRIPT_CSV)
def test_scripts_csv_appends_the_columns_at_the_end(stored: Store, column: str, with_it: str, without: str) -> None:
    rows = list(csv.DictReader(io.StringIO(_export(stored, "csv"))))
    header = next(csv.reader(io.StringIO(_export(stored, "csv"))))
    assert header[-3:] == ["short_id", "contact", "links"]
    by_id = {row["id"]: row for row in rows}
    assert (by_id["nrw:mit"][column], by_id["nrw:ohne"][column]) == (with_it, without)


def test_people_see_kontakt_and_links_as_words(stored: Store) -> None:
    text = excel_csv(CALL_COLUMNS, call_rows(stored)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][-2:] == ["Kontakt", "Links"]
    mit = next(r for r in rows if r[0] == "nrw:mit")
    assert mit[-2:] == [WITH["contact"], "Richtlinie: https://www.example.org/rl.pdf\nMerkblatt: https://www.example.org/m.pdf"]
