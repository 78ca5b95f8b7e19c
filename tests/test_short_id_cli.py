"""Short call ids on the command line: present in ``calls export`` (JSON Lines, CSV) and
``match --format json``/``csv``, and accepted by ``calls mark``/``calls unmark`` wherever the full id
is — in any case; an unknown one is a German usage error (exit 2) naming what was typed."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from config_files import CITY, write_config_dir
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.model import FundingCall
from foerderradar.settings import load_config
from foerderradar.storage import Store
from foerderradar.storage.marks import all_marks

T = datetime(2026, 11, 20, tzinfo=UTC)
# The calls of the test and their short ids (the first choice of each: no two collide).
SHORT = {"nrw:gigabit": "F9RR0", "nrw:aufruf-1134": "DPER6", "nrw:aufruf-4200": "DPER6M"}


def call(source_id: str, title: str) -> FundingCall:
    return FundingCall.model_validate({
        "source": "nrw", "source_id": source_id, "url": f"https://www.example.org/{source_id}", "title": title,
        "regions": ["DE-NW"], "applicants": ["kommune"], "deadline": "2027-03-31",
    })


@pytest.fixture
def city(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Path:
    cfg = write_config_dir(
        tmp_path / "config",
        measures=CITY + "measures:\n"
        "  - {id: breitband, title: Glasfaser Breitband Gewerbegebiet, keywords: [Glasfaser, Gigabit]}\n",
        toml="[digest]\nmin_score = 1\n",
    )
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", sqlite_url)
    store = Store(sqlite_url)
    store.upsert_calls([
        call("gigabit", "Gigabitförderung Glasfaser für Gewerbegebiete"),
        call("aufruf-1134", "Glasfaser für Schulen"),
        call("aufruf-4200", "Gigabit im ländlichen Raum"),
    ], now=T)
    store.close()
    return cfg


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_calls_export_carries_the_short_id(city: Path, fmt: str) -> None:
    result = run("calls", "export", "--format", fmt)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    text = result.stdout  # type: ignore[attr-defined]
    rows = [json.loads(line) for line in text.splitlines()] if fmt == "jsonl" else [*csv.DictReader(io.StringIO(text))]
    assert {row["id"]: row["short_id"] for row in rows} == SHORT
    if fmt == "csv":
        assert text.splitlines()[0].endswith(",duplicate_of,short_id,contact,links")  # appended: no column moved


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_match_output_carries_the_short_id_computed_and_read_back(city: Path, fmt: str) -> None:
    for _ in ("computed", "read from the stored verdicts"):
        result = run("match", "--format", fmt, "--as-of", "2026-12-01", "--config", str(city))
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
        text = result.stdout  # type: ignore[attr-defined]
        rows = json.loads(text) if fmt == "json" else list(csv.DictReader(io.StringIO(text)))
        assert rows and {row["call_id"]: row["short_id"] for row in rows} == {r["call_id"]: SHORT[r["call_id"]]
                                                                              for r in rows}


def test_the_table_report_shows_the_short_id(city: Path) -> None:
    result = run("match", "--as-of", "2026-12-01", "--config", str(city))
    assert result.exit_code == 0 and "Kennung" in result.stdout and "F9RR0" in result.stdout  # type: ignore[attr-defined]


# (what is typed for the call, the call marked)
TYPED = [
    ("nrw:gigabit", "nrw:gigabit"),
    ("F9RR0", "nrw:gigabit"),
    ("f9rr0", "nrw:gigabit"),
    ("F9RRO", "nrw:gigabit"),
    ("dper6", "nrw:aufruf-1134"),
    ("Dper6M", "nrw:aufruf-4200"),
]


@pytest.mark.parametrize(("typed", "marked"), TYPED)
def test_mark_and_unmark_take_the_short_id(city: Path, sqlite_url: str, typed: str, marked: str) -> None:
    result = run("calls", "mark", typed, "verworfen", "--measure", "breitband", "--config", str(city))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert f"{marked} ({SHORT[marked]}) für breitband: verworfen" in result.stdout  # type: ignore[attr-defined]
    store = Store(sqlite_url)
    kommune = load_config(city, need_portals=False).kommune
    assert [(m.call_id, m.mark) for m in all_marks(store, kommune)] == [(marked, "dismissed")]
    shown = run("calls", "marks", "--config", str(city))
    assert SHORT[marked] in shown.stdout  # type: ignore[attr-defined]
    removed = run("calls", "unmark", typed.lower(), "--measure", "breitband", "--config", str(city))
    assert removed.exit_code == 0, removed.output  # type: ignore[attr-defined]
    assert all_marks(store, kommune) == []
    store.close()


# (command, exit status, German message) for a call id that names no stored call
UNKNOWN = [
    (["calls", "mark", "ZZZZZ", "relevant", "--measure", "breitband"], 2, "Unbekannter Förderaufruf 'ZZZZZ'"),
    (["calls", "mark", "nrw:nope", "relevant", "--measure", "breitband"], 2, "Unbekannter Förderaufruf 'nrw:nope'"),
    (["calls", "unmark", "zzzzz", "--measure", "breitband"], 2, "Unbekannter Förderaufruf 'zzzzz'"),
    (["calls", "unmark", "F9RR0", "--measure", "breitband"], 1, "Keine Markierung für F9RR0 und breitband"),
]


@pytest.mark.parametrize(("args", "status", "message"), UNKNOWN)
def test_an_unknown_call_is_named_in_german(city: Path, args: list[str], status: int, message: str) -> None:
    result = run(*args, "--config", str(city))
    assert result.exit_code == status and message in result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
