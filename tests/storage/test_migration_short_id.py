"""Migration 0014 (calls.short_id): the calls stored at 0013 keep every value and each gets its short
id — by the rule the store gives new calls, colliding ones in id order — then the column is NOT NULL
and unique; the store goes on from there. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from migrations import call_rows, migrate

from foerderradar.model import FundingCall
from foerderradar.storage import Store
from foerderradar.storage.short_ids import code

T = datetime(2026, 12, 1, 8, tzinfo=UTC)
# (source id, the short id it must get): two pairs whose codes share five characters, and others.
CALLS = [
    ("aufruf-1134", "DPER6"), ("aufruf-4200", "DPER6M"),  # the one earlier in id order keeps DPER6
    ("aufruf-2429", "GPKWJ"), ("aufruf-5589", "GPKWJE"),
    ("gigabit", "F9RR0"),
    *((f"weitere-{n:04d}", None) for n in range(1200)),  # more than one batch of the back-fill
]


def _columns(url: str) -> dict[str, dict[str, object]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            columns = {c["name"]: dict(c) for c in inspector.get_columns("calls")}
            for index in inspector.get_indexes("calls"):
                for name in index["column_names"]:
                    if name is not None:
                        columns[name]["unique_index"] = bool(index["unique"])
            return columns
    finally:
        engine.dispose()


def test_upgrade_from_0013_gives_every_call_its_short_id_and_keeps_the_calls(db_url: str) -> None:
    migrate(db_url, "0013")
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # rows as the previous release wrote them (no short_id yet)
        calls = sa.Table("calls", sa.MetaData(), autoload_with=conn)
        assert "short_id" not in calls.c
        conn.execute(sa.insert(calls), [
            {"id": f"nrw:{sid}", "source": "nrw", "source_id": sid, "url": f"https://www.example.org/{sid}",
             "title": f"Aufruf {sid}", "first_seen": T, "last_seen": T, "changed_at": T, "content_hash": "0" * 64,
             "version": 2, "search_text": f"aufruf {sid}"}
            for sid, _ in reversed(CALLS)  # inserted in another order than the ids': the id order decides
        ])
    engine.dispose()
    before = call_rows(db_url)

    migrate(db_url, "0014")
    after = call_rows(db_url)
    assert {k: {c: v for c, v in row.items() if c != "short_id"} for k, row in after.items()} == before
    given = {k: str(row["short_id"]) for k, row in after.items()}
    assert {f"nrw:{sid}": given[f"nrw:{sid}"] for sid, short in CALLS if short} == {
        f"nrw:{sid}": short for sid, short in CALLS if short
    }
    assert all(code(call_id).startswith(short) and len(short) >= 5 for call_id, short in given.items())
    assert len(set(given.values())) == len(given) == len(CALLS)
    columns = _columns(db_url)
    assert columns["short_id"]["nullable"] is False and columns["short_id"]["unique_index"] is True

    # The store goes on from here: a new call colliding with a back-filled one gets the longer id,
    # a re-stored old one keeps its id.
    store = Store(db_url)
    try:
        store.upsert_calls([
            FundingCall.model_validate({"source": "nrw", "source_id": sid, "url": f"https://www.example.org/{sid}",
                                        "title": f"Aufruf {sid} neu"})
            for sid in ("aufruf-1134", "aufruf-2429")
        ])
        store.upsert_call(FundingCall.model_validate({
            "source": "bund", "source_id": "neu", "url": "https://bund.example/neu", "title": "Neu"}))
        assert store.resolve_call("dper6").id == "nrw:aufruf-1134"
        assert store.resolve_call("GPKWJ").id == "nrw:aufruf-2429"
        record = store.get_call("bund:neu")
        assert record is not None and record.short_id == code("bund:neu")[:5]
    finally:
        store.close()


def test_downgrade_drops_the_column_and_upgrading_again_fills_it(db_url: str) -> None:
    store = Store(db_url)
    store.upsert_call(FundingCall.model_validate({
        "source": "nrw", "source_id": "gigabit", "url": "https://www.example.org/gigabit", "title": "Gigabit"}))
    store.close()
    migrate(db_url, "0013", "downgrade")
    assert "short_id" not in _columns(db_url)
    migrate(db_url, "0014")
    assert call_rows(db_url)["nrw:gigabit"]["short_id"] == "F9RR0"


def test_an_empty_store_upgrades_too(db_url: str) -> None:
    migrate(db_url, "0013")
    migrate(db_url, "0014")
    assert call_rows(db_url) == {} and _columns(db_url)["short_id"]["nullable"] is False
