"""The store on a real database (SQLite and PostgreSQL): idempotent upserts, versions, UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from foerderradar.model import CallSource, FundingCall, Match
from foerderradar.storage import Store, StoreError, record_to_call, record_to_export
from foerderradar.storage.store import RunStats
from foerderradar.storage.verdicts import VerdictInputs, match_states, record_to_match, save_matches, stored_matches


def make_call(**overrides: object) -> FundingCall:
    data: dict[str, object] = {
        "source": "foerderdatenbank",
        "source_id": "Bund/BMDV/gigabit-2027",
        "url": "https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/Bund/BMDV/gigabit-2027.html",
        "title": "Gigabitförderung 2027",
        "regions": ["DE"],
        "applicants": ["kommune", "landkreis"],
        "deadline": "2027-03-31",
    }
    data.update(overrides)
    return FundingCall.model_validate(data)


def test_same_call_twice_is_stored_once(store: Store) -> None:
    call = make_call()
    assert store.upsert_call(call) == "new"
    assert store.upsert_call(call) == "unchanged"
    assert store.count_calls() == 1
    record = store.get_call(call.id)
    assert record is not None and record.version == 1


def test_change_bumps_version_and_keeps_first_seen(store: Store) -> None:
    t0 = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    store.upsert_call(make_call(), now=t0)
    assert store.upsert_call(make_call(deadline="2027-04-30"), now=t0 + timedelta(days=1)) == "changed"
    record = store.get_call("foerderdatenbank:Bund/BMDV/gigabit-2027")
    assert record is not None
    assert (record.version, record.deadline) == (2, date(2027, 4, 30))
    assert record.first_seen == t0
    assert record.changed_at == t0 + timedelta(days=1)
    assert record.first_seen.tzinfo is not None and record.last_seen.tzinfo is not None


def test_unchanged_call_updates_last_seen_only(store: Store) -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    store.upsert_call(make_call(), now=t0)
    store.upsert_call(make_call(), now=t0 + timedelta(days=7))
    record = store.get_call("foerderdatenbank:Bund/BMDV/gigabit-2027")
    assert record is not None
    assert (record.last_seen - record.first_seen, record.changed_at) == (timedelta(days=7), t0)


def test_round_trip_preserves_every_field(store: Store) -> None:
    call = make_call(
        summary="Kurz", description="Lang\nmit Zeilen", funding_body="BMDV", level="bund",
        funding_type=["zuschuss"], topics=["Infrastruktur"], language="de", open_date="2027-01-01",
        deadline_text="bis 31.03.2027", status="open", max_amount_eur=150000000, funding_rate_pct=50,
        published_at="2026-10-01T08:00:00+02:00",
    )
    store.upsert_call(call)
    record = store.get_call(call.id)
    assert record is not None
    assert record_to_call(record) == call
    exported = record_to_export(record)
    assert exported["id"] == call.id and exported["version"] == 1 and len(exported["content_hash"]) == 64


def test_batch_upsert_counts_outcomes(store: Store) -> None:
    calls = [make_call(source_id=f"x/{i}") for i in range(5)]
    assert store.upsert_calls(calls) == ["new"] * 5
    calls[2] = make_call(source_id="x/2", title="Neuer Titel")
    assert store.upsert_calls(calls) == ["unchanged", "unchanged", "changed", "unchanged", "unchanged"]


def test_iter_calls_pages_through_everything(store: Store) -> None:
    store.upsert_calls([make_call(source_id=f"p/{i:03d}") for i in range(23)])
    assert [r.source_id for r in store.iter_calls(batch=5)] == [f"p/{i:03d}" for i in range(23)]


def test_crawl_runs_keep_the_newest_per_portal(store: Store) -> None:
    first = store.start_run("a")
    store.finish_run(first, RunStats(items=3), ok=True)
    second = store.start_run("a")
    store.finish_run(second, RunStats(errors=2), ok=False, message="HTTP 500")
    store.finish_run(store.start_run("b"), RunStats(items=1, new=1), ok=True)
    runs = store.last_runs()
    assert (runs["a"].id, runs["a"].ok, runs["a"].message) == (second, False, "HTTP 500")
    assert runs["b"].new == 1 and runs["b"].finished_at is not None


def test_schema_upgrade_is_idempotent(db_url: str) -> None:
    Store(db_url).close()
    store = Store(db_url)  # second open runs the migration again: a no-op
    with store.engine.connect() as conn:
        version = conn.execute(sa.text("select version_num from alembic_version")).scalar_one()
    store.close()
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from foerderradar.storage.store import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert version == ScriptDirectory.from_config(cfg).get_current_head()


def test_models_and_migrations_agree(db_url: str) -> None:
    """A model change without a migration would pass on a fresh test DB and break real ones."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    store = Store(db_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    store.close()
    assert diff == []


def test_unreachable_database_is_a_plain_message() -> None:
    with pytest.raises(StoreError, match="nicht erreichbar"):
        Store("postgresql+psycopg://nobody@127.0.0.1:1/none")


def test_bad_url_is_a_plain_message() -> None:
    with pytest.raises(StoreError, match="Ungültige Datenbank-URL"):
        Store("not a url")


def test_save_matches_replaces_a_measures_verdicts_and_state(store: Store) -> None:
    store.upsert_call(make_call())
    cid = "foerderdatenbank:Bund/BMDV/gigabit-2027"

    def m(measure: str, score: float) -> Match:
        return Match(measure, cid, "Gigabit", "https://x.de", score, True, date(2027, 3, 31), "open",
                     ["Treffer im Titel: Gigabit"])

    day = date(2026, 12, 1)
    save_matches(store, "teststadt", [m("breitband", 80), m("schulen", 10)], VerdictInputs("a" * 64, day, 5, 1))
    # A new run for one measure replaces only its rows and its state.
    save_matches(store, "teststadt", [m("breitband", 90)], VerdictInputs("b" * 64, day, 6, 0))
    rows = {(r.measure_id, r.score, r.call_version, r.rank) for r in stored_matches(store, "teststadt")}
    assert rows == {("breitband", 90, 1, 0), ("schulen", 10, 1, 0)}
    states = match_states(store, "teststadt", ["breitband", "schulen", "unknown"])
    assert {k: (s.inputs[0], s.calls_checked, s.calls_skipped) for k, s in states.items()} == {
        "breitband": ("b", 6, 0), "schulen": ("a", 5, 1),
    }
    # Read back, a verdict is the Match that was stored (its own page as its one source).
    assert record_to_match(stored_matches(store, "teststadt", "breitband")[0], {}) == Match(
        "breitband", cid, "Gigabit", "https://x.de", 90, True, date(2027, 3, 31), "open",
        ["Treffer im Titel: Gigabit"], sources=(CallSource(cid, "foerderdatenbank", "https://x.de", "Gigabit"),),
        kommune="teststadt",
    )
    # A measure whose new list is empty keeps a state (computed, nothing found) and no rows.
    save_matches(store, "teststadt", [], VerdictInputs("c" * 64, day), measure_ids=["schulen"])
    assert [r.measure_id for r in stored_matches(store, "teststadt")] == ["breitband"]
    assert match_states(store, "teststadt", ["schulen"])["schulen"].inputs == "c" * 64


def test_calls_fingerprint_follows_content_and_grouping(store: Store) -> None:
    empty = store.calls_fingerprint()
    store.upsert_call(make_call())
    one = store.calls_fingerprint()
    assert one != empty and store.calls_fingerprint() == one  # stable while nothing changes
    store.upsert_call(make_call(title="Gigabit 2027 – geändert"))
    amended = store.calls_fingerprint()
    assert amended != one
    other = make_call(source_id="Land/NRW/gigabit")
    store.upsert_call(other)
    before = store.calls_fingerprint()
    store.set_duplicate_of({"foerderdatenbank:Bund/BMDV/gigabit-2027": [other.id]})
    assert store.calls_fingerprint() != before  # a regrouping changes what a verdict's sources are


def _kinds(store: Store) -> list[tuple[str, str]]:
    return [(e.call_id.split(":", 1)[1], e.kind) for e in store.events_since()]


EVENT_CASES = [
    # (change applied to the stored call, expected event kind, expected changed fields, expected details)
    ({"deadline": "2027-04-30"}, "amended", ["deadline"], {"deadline": ["2027-03-31", "2027-04-30"]}),
    ({"funding_rate_pct": 90}, "amended", ["funding_rate_pct"], {"funding_rate_pct": [None, 90]}),
    ({"description": "Neuer Text"}, "amended", ["description"],
     {"description": {"added": ["Neuer Text"], "removed": []}}),
    ({"title": "Neu", "summary": "x"}, "amended", ["summary", "title"], None),
]


@pytest.mark.parametrize(("change", "kind", "fields", "details"), EVENT_CASES)
def test_amendments_are_typed_events(store: Store, change: dict, kind: str, fields: list[str], details) -> None:  # type: ignore[no-untyped-def,type-arg]
    store.upsert_call(make_call())
    store.upsert_call(make_call(**change))
    events = store.events_since()
    assert [e.kind for e in events] == ["new", kind]
    assert sorted(events[1].fields or []) == fields and events[1].details == details
    assert events[1].call_version == 2


def test_closed_gone_and_back(store: Store) -> None:
    store.upsert_calls([make_call(source_id="a"), make_call(source_id="b")])
    store.upsert_call(make_call(source_id="a", status="closed"))
    assert store.mark_gone("foerderdatenbank", {"foerderdatenbank:a"}) == 1
    assert store.mark_gone("foerderdatenbank", {"foerderdatenbank:a"}) == 0  # already gone: once
    record = store.get_call("foerderdatenbank:b")
    assert record is not None and record.gone_at is not None
    store.upsert_call(make_call(source_id="b"))  # listed again
    assert _kinds(store) == [
        ("a", "new"), ("b", "new"), ("a", "amended"), ("a", "closed"), ("b", "gone"), ("b", "back"),
    ]
    record = store.get_call("foerderdatenbank:b")
    assert record is not None and record.gone_at is None and record.version == 1


def test_unchanged_upsert_writes_no_event(store: Store) -> None:
    store.upsert_call(make_call())
    since = store.events_since()[-1].at
    store.upsert_call(make_call())
    assert store.events_since(since) == []
