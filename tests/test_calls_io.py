"""`calls import` / `calls export`: the contract's JSON Lines exchange, line-numbered errors."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner

from foerderradar.calls_io import export_marks, import_calls, marked_calls
from foerderradar.cli import app
from foerderradar.storage import Store
from foerderradar.storage.marks import set_mark

GOOD = {
    "source": "nrw", "source_id": "gigabit-kofi", "url": "https://www.example.org/gigabit",
    "title": "Kofinanzierung Gigabitausbau NRW", "regions": ["DE-NW"], "applicants": ["kommune"],
}

# pydantic's own English, which must never reach a person (the wording lives in config_messages.py)
PYDANTIC_ENGLISH = re.compile(
    r"Value error|Input should|Field required|validation error|Extra inputs|String should|should have|"
    r"must be|is not|Assertion failed|unable to parse|for more information", re.IGNORECASE,
)

BAD_LINES = [
    # (line content, the reported problem in German)
    ('{"source": "nrw"', "kein gültiges JSON"),
    ("[1, 2]", "ein JSON-Objekt {...} erwartet"),
    (json.dumps({**GOOD, "title": ""}), "title: erwartet wird ein Text; hier steht nichts (leer)"),
    (json.dumps({**GOOD, "url": "javascript:alert(1)"}),
     "url: 'javascript:alert(1)' ist keine vollständige http(s)-Adresse wie https://www.beispiel.de/seite"),
    (json.dumps({**GOOD, "applicants": ["gemeinde"]}),
     "applicants[0]: 'gemeinde' ist nicht erlaubt; möglich sind: kommune, landkreis"),
    (json.dumps({**GOOD, "deadline": "31.02.2027"}),
     "deadline: erwartet wird ein Datum wie 2027-03-31 (Jahr-Monat-Tag); hier steht der Text '31.02.2027'"),
    (json.dumps({**GOOD, "regions": ["Nordrhein-Westfalen"]}),
     "regions: 'Nordrhein-Westfalen' ist kein Regionskürzel nach ISO 3166-2 wie DE, DE-NW oder EU"),
    (json.dumps({**GOOD, "funding_rate_pct": 140}), "funding_rate_pct: darf höchstens 100 sein, nicht 140"),
    (json.dumps({**GOOD, "surprise": 1}), "surprise: unbekanntes Feld; die Felder eines Förderaufrufs stehen in"),
    (json.dumps({**GOOD, "titel": "x"}), "titel: unbekanntes Feld; die Felder eines Förderaufrufs stehen in "
                                         "docs/contract.md; meinten Sie 'title'?"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "source_id"}), "source_id: fehlt"),
    (json.dumps({**GOOD, "source": "NRW Portal"}), "source: 'NRW Portal' ist kein Portal-Schlüssel"),
    (json.dumps({**GOOD, "level": "kreis"}),
     "level: 'kreis' ist nicht erlaubt; möglich sind: eu, bund, land, regional"),
    (json.dumps({**GOOD, "max_amount_eur": "viel"}), "max_amount_eur: erwartet wird eine Zahl wie 30"),
    (json.dumps({**GOOD, "max_amount_eur": -5}), "max_amount_eur: muss mindestens 0 sein, nicht -5"),
    (json.dumps({**GOOD, "regions": "DE"}), "regions: erwartet wird eine Liste"),
    (json.dumps({**GOOD, "published_at": "gestern"}), "published_at: erwartet wird ein Zeitpunkt"),
]


@pytest.mark.parametrize(("bad", "expected"), BAD_LINES)
def test_bad_line_is_reported_in_german_with_number_and_others_kept(store: Store, bad: str, expected: str) -> None:
    lines = [json.dumps(GOOD), bad, json.dumps({**GOOD, "source_id": "zwei"})]
    report = import_calls(lines, store)
    assert report.new == 2
    [(number, problem)] = report.problems
    assert number == 2
    assert expected in problem
    assert not PYDANTIC_ENGLISH.search(problem), problem
    assert store.count_calls() == 2


def test_export_then_import_round_trips(store: Store) -> None:
    import_calls([json.dumps(GOOD), json.dumps({**GOOD, "source_id": "b", "deadline": "2027-01-31"})], store)
    from foerderradar.calls_io import export_calls

    buf = io.StringIO()
    assert export_calls(store, buf) == 2
    exported = buf.getvalue().splitlines()
    assert json.loads(exported[0])["id"] == "nrw:b"
    again = import_calls(exported, store)  # store fields (id, version …) are accepted and ignored
    assert (again.unchanged, again.problems) == (2, [])


def test_csv_export_has_contract_columns(store: Store) -> None:
    from foerderradar.calls_io import export_calls

    import_calls([json.dumps(GOOD)], store)
    buf = io.StringIO()
    export_calls(store, buf, "csv")
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert rows[0]["id"] == "nrw:gigabit-kofi"
    assert rows[0]["regions"] == "DE-NW" and rows[0]["version"] == "1"


def test_csv_export_does_not_hand_spreadsheets_a_formula(store: Store) -> None:
    from foerderradar.calls_io import export_calls

    hostile = {**GOOD, "title": '=HYPERLINK("https://evil.example","Förderung")', "topics": ["@SUM(1)"]}
    import_calls([json.dumps(hostile)], store)
    buf = io.StringIO()
    export_calls(store, buf, "csv")
    [row] = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert row["title"].startswith("'=HYPERLINK") and row["topics"] == "'@SUM(1)"


def test_cli_import_exit_status_and_messages(tmp_path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", sqlite_url)
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps(GOOD) + "\n\n" + '{"broken"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["calls", "import", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: übersprungen" in result.stderr
    assert "1 Förderaufruf übernommen (1 neu, 0 geändert, 0 unverändert), 1 Zeile übersprungen." in result.stdout
    export = CliRunner().invoke(app, ["calls", "export"])
    assert export.exit_code == 0 and json.loads(export.stdout)["id"] == "nrw:gigabit-kofi"


def test_cli_import_from_stdin_and_missing_file(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> None:
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", sqlite_url)
    ok = CliRunner().invoke(app, ["calls", "import", "-"], input=json.dumps(GOOD) + "\n")
    assert ok.exit_code == 0, ok.output
    missing = CliRunner().invoke(app, ["calls", "import", "/nonexistent/calls.jsonl"])
    assert missing.exit_code == 2 and "Datei nicht gefunden" in missing.stderr


def test_marks_export_carries_titles_and_keeps_formulas_out_of_spreadsheets(store: Store) -> None:
    import_calls([json.dumps(GOOD)], store)
    set_mark(store, "teststadt", "nrw:gigabit-kofi", "breitband", "applied", "=HYPERLINK(\"https://evil.example\")")
    marked = marked_calls(store, ["teststadt"])
    assert [(m.mark.call_id, m.title) for m in marked] == [("nrw:gigabit-kofi", "Kofinanzierung Gigabitausbau NRW")]
    buffer = io.StringIO()
    export_marks(marked, buffer, "csv")
    [row] = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert row["note"] == "'=HYPERLINK(\"https://evil.example\")" and row["call_version"] == "1"
    buffer = io.StringIO()
    export_marks(marked, buffer, "jsonl")
    assert json.loads(buffer.getvalue())["note"] == "=HYPERLINK(\"https://evil.example\")"  # JSON is data, not cells


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _jsonl_rows(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


# (format, how a script reads it back): every shape of the scripts' marks export
MARK_SHAPES = [("csv", _csv_rows), ("jsonl", _jsonl_rows)]


@pytest.mark.parametrize(("fmt", "read"), MARK_SHAPES, ids=[s[0] for s in MARK_SHAPES])
def test_marks_export_keys_in_order_with_the_short_id_last(
        store: Store, fmt: str, read: Callable[[str], list[dict[str, Any]]]) -> None:
    """The short id people type into `calls mark` comes last: no earlier column moves for it."""
    import_calls([json.dumps(GOOD)], store)
    set_mark(store, "teststadt", "nrw:gigabit-kofi", "breitband", "relevant")
    buffer = io.StringIO()
    export_marks(marked_calls(store, ["teststadt"]), buffer, fmt)
    [row] = read(buffer.getvalue())
    assert list(row) == ["measure_id", "call_id", "mark", "note", "call_version", "marked_at", "title", "kommune",
                         "short_id"]
    expected = store.short_ids(["nrw:gigabit-kofi"])["nrw:gigabit-kofi"]
    assert row["short_id"] == expected and re.fullmatch(r"[0-9A-Z]{5,}", expected)
    assert store.resolve_call(str(row["short_id"]).lower()).id == "nrw:gigabit-kofi"  # what a person types back


@pytest.mark.parametrize(("fmt", "expected"), [("csv", "measure_id,call_id,mark\n"), ("jsonl", "")])
def test_no_marks_export(store: Store, fmt: str, expected: str) -> None:
    buffer = io.StringIO()
    export_marks(marked_calls(store, ["teststadt"]), buffer, fmt)
    assert buffer.getvalue() == expected
