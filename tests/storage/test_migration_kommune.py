"""Migration 0010 (several municipalities): a database written by the previous release — schema
0009, rows as that release wrote them — keeps every mark, sent digest and verdict, and they end up
with their municipality. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from config_files import write_config_dir
from migrations import migrate
from typer.testing import CliRunner

from foerderradar import jobs
from foerderradar.cli import app
from foerderradar.matcher.feedback import feedback_of
from foerderradar.model import FundingCall
from foerderradar.notifier import ledger
from foerderradar.notifier.digest import period_key
from foerderradar.settings import Config, load_config
from foerderradar.storage import Store
from foerderradar.storage.marks import all_marks
from foerderradar.storage.ownership import has_unowned
from foerderradar.storage.tables import CallRecord

AS_OF = date(2026, 12, 1)
T = datetime(2026, 11, 20, 7, tzinfo=UTC)
MEASURES = """\
city: {name: Schloß Holte-Stukenbrock, region: DE-NW, applicant_types: [kommune]}
measures:
  - {id: breitband, title: Glasfaser und Gigabit, keywords: [Glasfaser, Gigabit]}
  - {id: verwaltung, title: E-Akte in der Verwaltung, keywords: [E-Akte, Verwaltung]}
"""
OTHER = """\
city: {name: Verl, region: DE-NW, applicant_types: [kommune]}
measures:
  - {id: breitband, title: Glasfaser, keywords: [Glasfaser]}
digest: {recipients: [digital@verl.example]}
"""
DM = "dm@shs.example"
CALLS_TABLE = sa.inspect(CallRecord).local_table
CALL = FundingCall.model_validate({
    "source": "nrw", "source_id": "e-akte", "url": "https://www.example.org/e-akte",
    "title": "E-Akte in der Kommunalverwaltung", "summary": "Einführung der E-Akte in der Verwaltung.",
    "regions": ["DE-NW"], "applicants": ["kommune"], "deadline": "2027-03-31",
})


def previous_release_db(url: str, fingerprint: str) -> None:
    """Schema 0009 with what the previous release wrote: a call, a mark on each measure, a sent
    weekly digest, a portal-health alert, and stored verdicts whose inputs still fit."""
    migrate(url, "0009")
    engine = sa.create_engine(url)
    # The call as today's store writes it, less the columns added after 0009 (calls.search_text):
    # today's store cannot write into the older table itself.
    present = {c["name"] for c in sa.inspect(engine).get_columns("calls")}
    with engine.begin() as conn:
        conn.execute(sa.insert(CALLS_TABLE), {k: v for k, v in _call_row().items() if k in present})
    rows = {
        "marks": [
            {"measure_id": "verwaltung", "call_id": "nrw:e-akte", "mark": "applied", "note": "Az. 1", "call_version": 1,
             "marked_at": T},
            {"measure_id": "breitband", "call_id": "nrw:e-akte", "mark": "dismissed", "note": None, "call_version": 1,
             "marked_at": T},
        ],
        "sent_digests": [
            {"period": period_key(AS_OF), "recipient": DM, "status": "sent", "attempts": 1, "created_at": T,
             "sent_at": T, "covers_until": T, "message_id": "<alt@shs>", "last_error": None},
            {"period": "health-nrw-1", "recipient": "it@shs.example", "status": "sent", "attempts": 1,
             "created_at": T, "sent_at": T, "covers_until": T, "message_id": "<alert@shs>", "last_error": None},
        ],
        "matches": [
            {"measure_id": "verwaltung", "call_id": "nrw:e-akte", "call_version": 1, "score": 77.0, "eligible": True,
             "reasons": json.dumps(["vom alten Release gespeichert"]), "computed_at": T, "rank": 0,
             "title": "E-Akte in der Kommunalverwaltung", "url": "https://www.example.org/e-akte",
             "deadline": date(2027, 3, 31), "status": "open"},
        ],
        "match_state": [
            {"measure_id": m, "inputs": fingerprint, "as_of": AS_OF, "computed_at": T, "calls_checked": 1,
             "calls_skipped": 0, "min_score": 0.0}
            for m in ("breitband", "verwaltung")
        ],
    }
    with engine.begin() as conn:
        for table, values in rows.items():
            columns = list(values[0])
            statement = sa.text(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
            )
            for value in values:
                conn.execute(statement, value)
    engine.dispose()


@pytest.fixture
def single(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[Config]:
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", db_url)
    directory = write_config_dir(tmp_path / "config", measures=MEASURES, toml=f'[digest]\nrecipients = ["{DM}"]\n')
    yield load_config(directory, need_portals=False)


def test_upgrade_keeps_marks_sent_digests_and_verdicts(single: Config, db_url: str) -> None:
    # The release before stored verdicts learned nothing from marks; these two marks teach the
    # ranking now (matcher/feedback.py), so verdicts computed with them are the ones that still fit.
    taught = feedback_of([("verwaltung", "nrw:e-akte", "applied"), ("breitband", "nrw:e-akte", "dismissed")])
    previous_release_db(db_url, jobs.inputs_fingerprint(single, AS_OF, _calls_fingerprint(), taught))

    store = Store(db_url)  # upgrades to head
    try:
        assert has_unowned(store)
        assert jobs.adopt_unowned(store, single) == 0
        assert not has_unowned(store)
        slug = single.kommune
        assert {(m.measure_id, m.mark, m.note) for m in all_marks(store, slug)} == {
            ("verwaltung", "applied", "Az. 1"), ("breitband", "dismissed", None)}
        sent = ledger.find(store, period_key(AS_OF), DM, kommune=slug)
        assert sent is not None and sent.status == "sent" and sent.message_id == "<alt@shs>"
        alert = ledger.find(store, "health-nrw-1", "it@shs.example", kommune=ledger.INSTANCE)
        assert alert is not None  # the instance's own mail stays the instance's
        found = jobs.match_stored_calls(store, single, AS_OF, min_score=0)
        assert not found.computed  # the stored verdicts still fit: read, not recomputed
        assert [a.call_id for a in found.applications] == ["nrw:e-akte"]  # the applied mark still applies
    finally:
        store.close()
    # … and the surfaces see it: the period counts as sent, the marks are listed.
    result = CliRunner().invoke(app, ["digest", "--as-of", AS_OF.isoformat(), "--send",
                                      "--config", str(single.directory)])
    assert result.exit_code == 0 and "bereits versendet" in result.stdout, result.output
    marks = CliRunner().invoke(app, ["calls", "marks", "--format", "jsonl", "--config", str(single.directory)])
    assert sorted(json.loads(line)["measure_id"] for line in marks.stdout.splitlines()) == ["breitband", "verwaltung"]


def test_upgrade_into_kommunen_hands_rows_to_the_municipality_they_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    previous_release_db(db_url, "0" * 64)
    directory = write_config_dir(tmp_path / "config")
    (directory / "measures.yaml").unlink()
    (directory / "kommunen").mkdir()
    (directory / "kommunen" / "shs.yaml").write_text(
        MEASURES + f"digest: {{recipients: [{DM}]}}\n", encoding="utf-8")
    (directory / "kommunen" / "verl.yaml").write_text(OTHER, encoding="utf-8")
    cfg = load_config(directory, need_portals=False)
    store = Store(db_url)
    try:
        # "breitband" is a measure of both towns: its old mark and state fit either, so they stay unowned
        assert jobs.adopt_unowned(store, cfg) == 2
        assert [(m.measure_id, m.mark) for m in all_marks(store, "shs")] == [("verwaltung", "applied")]
        assert all_marks(store, "verl") == []
        assert ledger.find(store, period_key(AS_OF), DM, kommune="shs") is not None
        assert has_unowned(store)  # what stays is harmless: no municipality reads it
        again = jobs.adopt_unowned(store, cfg)
        assert again == 2
    finally:
        store.close()


def _call_row() -> dict[str, object]:
    store = Store("sqlite://")
    try:
        store.upsert_calls([CALL], now=T)
        with store.session() as session:
            return dict(session.execute(sa.select(CALLS_TABLE)).one()._mapping)
    finally:
        store.close()


def _calls_fingerprint() -> str:
    """The calls fingerprint of the previous release's database (content only, so an in-memory
    store holding the same call gives it): its verdicts still fit the calls after the upgrade."""
    store = Store("sqlite://")
    try:
        store.upsert_calls([CALL], now=T)
        return store.calls_fingerprint()
    finally:
        store.close()
