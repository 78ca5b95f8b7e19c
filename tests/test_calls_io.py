"""`calls import` / `calls export`: the contract's JSON Lines exchange, line-numbered errors."""

from __future__ import annotations

import csv
import io
import json

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

BAD_LINES = [
    # (line content, fragment of the reported problem)
    ('{"source": "nrw"', "kein gültiges JSON"),
    ("[1, 2]", "ein JSON-Objekt"),
    (json.dumps({**GOOD, "title": ""}), "title"),
    (json.dumps({**GOOD, "url": "javascript:alert(1)"}), "url"),
    (json.dumps({**GOOD, "applicants": ["gemeinde"]}), "applicants.0"),
    (json.dumps({**GOOD, "deadline": "31.02.2027"}), "deadline"),
    (json.dumps({**GOOD, "regions": ["Nordrhein-Westfalen"]}), "regions"),
    (json.dumps({**GOOD, "funding_rate_pct": 140}), "funding_rate_pct"),
    (json.dumps({**GOOD, "surprise": 1}), "surprise"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "source_id"}), "source_id"),
]


@pytest.mark.parametrize(("bad", "fragment"), BAD_LINES)
def test_bad_line_is_reported_with_number_and_others_kept(store: Store, bad: str, fragment: str) -> None:
    lines = [json.dumps(GOOD), bad, json.dumps({**GOOD, "source_id": "zwei"})]
    report = import_calls(lines, store)
    assert report.new == 2
    assert [n for n, _ in report.problems] == [2]
    assert fragment in report.problems[0][1]
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
    assert "1 Förderaufrufe übernommen (1 neu" in result.stdout
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
    assert list(row) == ["measure_id", "call_id", "mark", "note", "call_version", "marked_at", "title", "kommune"]
    assert row["note"] == "'=HYPERLINK(\"https://evil.example\")" and row["call_version"] == "1"
    buffer = io.StringIO()
    export_marks(marked, buffer, "jsonl")
    assert json.loads(buffer.getvalue())["note"] == "=HYPERLINK(\"https://evil.example\")"  # JSON is data, not cells


@pytest.mark.parametrize(("fmt", "expected"), [("csv", "measure_id,call_id,mark\n"), ("jsonl", "")])
def test_no_marks_export(store: Store, fmt: str, expected: str) -> None:
    buffer = io.StringIO()
    export_marks(marked_calls(store, ["teststadt"]), buffer, fmt)
    assert buffer.getvalue() == expected
