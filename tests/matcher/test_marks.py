"""Feedback marks: stored per (measure, call), respected by match, the stored verdicts and the digest."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from config_files import CITY, write_config_dir
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.grouping import regroup
from foerderradar.matcher.apply_marks import RELEVANT_REASON, apply_marks
from foerderradar.model import FundingCall, Mark, MarkKind, Match
from foerderradar.settings import load_config
from foerderradar.storage import Store
from foerderradar.storage.marks import UnknownCall, all_marks, clear_mark, set_mark

T = datetime(2026, 11, 20, tzinfo=UTC)


def match(call: str, measure: str = "m") -> Match:
    return Match(measure, call, call, "https://x.example", 50, True, None, "open", ["Treffer im Titel: x"])


def mark(call: str, kind: MarkKind, version: int = 1, measure: str = "m") -> Mark:
    return Mark(measure_id=measure, call_id=call, mark=kind, call_version=version, marked_at=T)


CASES: list[tuple[str, list[Mark], dict[str, int], list[str], list[str], list[str]]] = [
    # (case, marks, current versions, listed calls, calls whose first reason is "relevant", applications)
    ("no marks", [], {"a": 1, "b": 1}, ["a", "b"], [], []),
    ("dismissed stays away", [mark("a", "dismissed")], {"a": 1, "b": 1}, ["b"], [], []),
    ("rejected stays away", [mark("a", "rejected")], {"a": 1, "b": 1}, ["b"], [], []),
    ("dismissed comes back after an amendment", [mark("a", "dismissed")], {"a": 2, "b": 1}, ["a", "b"], [], []),
    ("applied moves to applications", [mark("a", "applied")], {"a": 1, "b": 1}, ["b"], [], ["a"]),
    ("applied is listed even when it no longer matches", [mark("z", "applied")], {"a": 1, "b": 1, "z": 1},
     ["a", "b"], [], ["z"]),
    ("relevant is confirmed", [mark("b", "relevant")], {"a": 1, "b": 1}, ["a", "b"], ["b"], []),
    ("done stays away", [mark("a", "done")], {"a": 1, "b": 1}, ["b"], [], []),
    ("done stays away after an amendment", [mark("a", "done")], {"a": 3, "b": 1}, ["b"], [], []),
    ("done ends an application", [mark("z", "done")], {"a": 1, "b": 1, "z": 1}, ["a", "b"], [], []),
    ("a mark under another measure does not apply", [mark("a", "dismissed", measure="n")], {"a": 1, "b": 1},
     ["a", "b"], [], []),
]


@pytest.mark.parametrize(("case", "marks", "versions", "listed", "relevant", "applied"), CASES,
                         ids=[c[0] for c in CASES])
def test_apply_marks(case: str, marks: list[Mark], versions: dict[str, int], listed: list[str],
                     relevant: list[str], applied: list[str]) -> None:
    kept, applications = apply_marks([match("a"), match("b")], marks, versions)
    assert [m.call_id for m in kept] == listed
    assert [m.call_id for m in kept if m.reasons[0] == RELEVANT_REASON] == relevant
    assert [a.call_id for a in applications] == applied
    back = [m for m in kept if any("seit Ihrer Markierung" in r for r in m.reasons)]
    assert bool(back) == (case == "dismissed comes back after an amendment")


def call(source_id: str, title: str, **kw: object) -> FundingCall:
    return FundingCall.model_validate({
        "source": "nrw", "source_id": source_id, "url": f"https://www.example.org/{source_id}", "title": title,
        "regions": ["DE-NW"], "applicants": ["kommune"], **kw,
    })


def test_marks_are_stored_replaced_and_cleared(db_url: str) -> None:
    store = Store(db_url)
    try:
        store.upsert_call(call("a", "Gigabit"))
        set_mark(store, "teststadt", "nrw:a", "breitband", "relevant")
        set_mark(store, "teststadt", "nrw:a", "breitband", "applied", "Az. 4711")  # the latest word counts
        with pytest.raises(UnknownCall):
            set_mark(store, "teststadt", "nrw:nope", "breitband", "dismissed")
        [row] = all_marks(store, "teststadt")
        assert (row.mark, row.note, row.call_version) == ("applied", "Az. 4711", 1)
        assert row.marked_at.tzinfo is not None
        assert clear_mark(store, "teststadt", "nrw:a", "breitband")
        assert not clear_mark(store, "teststadt", "nrw:a", "breitband")
        assert all_marks(store, "teststadt") == []
    finally:
        store.close()


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
        call("gigabit", "Gigabitförderung Glasfaser für Gewerbegebiete", deadline="2027-03-31",
             summary="Zuschuss für Glasfaser-Breitband in Gewerbegebieten"),
        call("kofi", "Kofinanzierung Breitbandausbau Glasfaser", summary="Glasfaser Breitband Gigabit Kommunen"),
        call("lueckenschluss", "Lückenschluss Glasfaser Gigabit", deadline="2027-01-15"),
    ], now=T)
    store.close()
    return cfg


def listed(cfg: Path) -> list[str]:
    result = CliRunner().invoke(app, ["match", "--format", "json", "--as-of", "2026-12-01", "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    return [m["call_id"] for m in json.loads(result.stdout)]


def test_mark_cli_round_trip(city: Path, sqlite_url: str) -> None:
    runner = CliRunner()
    assert set(listed(city)) == {"nrw:gigabit", "nrw:kofi", "nrw:lueckenschluss"}

    def mark_cli(*args: str) -> object:
        return runner.invoke(app, ["calls", "mark", *args, "--config", str(city)])

    dismissed = mark_cli("nrw:kofi", "dismissed", "--measure", "breitband", "--note", "nur Landkreise")
    applied = mark_cli("nrw:gigabit", "applied", "--measure", "breitband", "--note", "Antrag vom 1.11.")
    assert dismissed.exit_code == 0 and "verworfen" in dismissed.stdout  # type: ignore[attr-defined]
    assert applied.exit_code == 0, applied.output  # type: ignore[attr-defined]
    assert listed(city) == ["nrw:lueckenschluss"]

    # The dismissed call is amended (its deadline moves): it comes back, saying why.
    store = Store(sqlite_url)
    store.upsert_call(call("kofi", "Kofinanzierung Breitbandausbau Glasfaser", deadline="2027-06-30",
                           summary="Glasfaser Breitband Gigabit Kommunen"))
    store.close()
    result = runner.invoke(app, ["match", "--format", "json", "--as-of", "2026-12-01", "--config", str(city)])
    back = {m["call_id"]: m for m in json.loads(result.stdout)}
    assert "seit Ihrer Markierung „verworfen“ geändert" in back["nrw:kofi"]["reasons"]

    exported = runner.invoke(app, ["calls", "marks", "--format", "csv", "--config", str(city)])
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert {(r["call_id"], r["mark"], r["note"]) for r in rows} == {
        ("nrw:kofi", "dismissed", "nur Landkreise"), ("nrw:gigabit", "applied", "Antrag vom 1.11."),
    }
    lines = runner.invoke(app, ["calls", "marks", "--format", "jsonl", "--config", str(city)]).stdout.splitlines()
    assert {json.loads(line)["title"] for line in lines} >= {"Gigabitförderung Glasfaser für Gewerbegebiete"}

    # The digest lists the application with its deadline, not among the new matches.
    preview = runner.invoke(app, ["digest", "--preview", str(city.parent / "out"), "--as-of", "2026-12-01",
                                  "--config", str(city)])
    assert preview.exit_code == 0, preview.output
    text = (city.parent / "out" / "digest.txt").read_text(encoding="utf-8")
    section = text.split("Laufende Anträge:")[1].split("\n\n")[0]  # in the "Diese Woche" box
    assert "Gigabitförderung Glasfaser für Gewerbegebiete" in section and "31.03.2027" in section
    assert "Notiz: Antrag vom 1.11." in section
    assert text.count("Gigabitförderung Glasfaser für Gewerbegebiete") == 1
    html = (city.parent / "out" / "digest.html").read_text(encoding="utf-8")
    assert "Laufende Anträge" in html

    unmarked = runner.invoke(app, ["calls", "unmark", "nrw:gigabit", "--measure", "breitband", "--config", str(city)])
    assert unmarked.exit_code == 0
    assert "nrw:gigabit" in listed(city)


BAD_MARKS = [
    (["nrw:nope", "dismissed", "--measure", "breitband"], "Unbekannter Förderaufruf 'nrw:nope'"),
    (["nrw:gigabit", "dismissed", "--measure", "schulen"], "Unbekannte Maßnahme 'schulen'"),
    (["nrw:gigabit", "vielleicht", "--measure", "breitband"], "'vielleicht' ist keine Bewertung"),
]
# (typed word, stored mark, echoed German word): the contract's German verdicts and the English aliases.
VERDICT_WORDS = [
    ("relevant", "relevant", "relevant"), ("verworfen", "dismissed", "verworfen"),
    ("beantragt", "applied", "beantragt"), ("abgelehnt", "rejected", "abgelehnt"), ("erledigt", "done", "erledigt"),
    ("Verworfen", "dismissed", "verworfen"), ("dismissed", "dismissed", "verworfen"),
    ("applied", "applied", "beantragt"), ("rejected", "rejected", "abgelehnt"), ("done", "done", "erledigt"),
]  # fmt: skip


@pytest.mark.parametrize(("word", "stored", "echoed"), VERDICT_WORDS)
def test_verdicts_in_german_and_english(city: Path, sqlite_url: str, word: str, stored: str, echoed: str) -> None:
    result = CliRunner().invoke(app, ["calls", "mark", "nrw:gigabit", word, "--measure", "breitband",
                                      "--config", str(city)])
    assert result.exit_code == 0, result.output
    assert f": {echoed} (Version" in result.stdout
    store = Store(sqlite_url)
    assert [m.mark for m in all_marks(store, load_config(city, need_portals=False).kommune)] == [stored]
    store.close()


@pytest.mark.parametrize(("args", "message"), BAD_MARKS)
def test_bad_marks_are_refused(city: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["calls", "mark", *args, "--config", str(city)])
    assert result.exit_code == 2 and message in result.stderr
    assert CliRunner().invoke(app, ["calls", "marks", "--format", "jsonl"]).stdout == ""


def test_as_of_dates_are_dates() -> None:
    assert apply_marks([], [mark("a", "applied")], {})[1][0].marked_at == date(2026, 11, 20)


def test_a_mark_on_a_duplicate_applies_to_the_programme(db_url: str) -> None:
    store = Store(db_url)
    try:
        store.upsert_calls([
            call("a", "Gigabit-Richtlinie 2.0 Kofinanzierung"),
            FundingCall.model_validate({"source": "fdb", "source_id": "b", "url": "https://www.example.org/a",
                                        "title": "Gigabit-Richtlinie 2.0 Kofinanzierung"}),
        ])
        regroup(store)
        records = {r.id: r for r in store.iter_calls()}
        [duplicate] = [r for r in records.values() if r.duplicate_of is not None]
        row = set_mark(store, "teststadt", duplicate.id, "breitband", "dismissed")
        assert row.call_id == duplicate.duplicate_of
    finally:
        store.close()
