"""Migration 0015 (calls.contact, calls.links): the calls stored at 0014 keep every value and their
content hash, the next crawl of an unchanged page stores nothing new, and one that brings a contact
stores it without a new version (no mass GEÄNDERT after the upgrade). Downgrade drops both columns.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from migrations import call_rows, migrate

from foerderradar.model import FundingCall
from foerderradar.storage import Store

T = datetime(2026, 12, 1, 8, tzinfo=UTC)
CALLS = [
    FundingCall.model_validate({"source": "nrw", "source_id": f"aufruf-{n}", "url": f"https://www.example.org/{n}",
                                "title": f"Aufruf {n}", "deadline": "2027-03-31", "regions": ["DE-NW"]})
    for n in range(3)
]


def test_upgrade_from_0014_keeps_every_call_and_its_hash(db_url: str) -> None:
    migrate(db_url, "0014")
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # rows as the previous release wrote them, with its hash
        calls = sa.Table("calls", sa.MetaData(), autoload_with=conn)
        assert "contact" not in calls.c and "links" not in calls.c
        conn.execute(sa.insert(calls), [
            {"id": c.id, **c.model_dump(exclude={"contact", "links"}), "first_seen": T, "last_seen": T,
             "changed_at": T, "content_hash": c.content_hash(), "version": 3, "short_id": f"K{n:04d}",
             "search_text": c.title.lower()}
            for n, c in enumerate(CALLS)
        ])
    engine.dispose()
    before = call_rows(db_url)

    migrate(db_url, "0015")
    after = call_rows(db_url)
    assert {k: {c: v for c, v in row.items() if c not in ("contact", "links")} for k, row in after.items()} == before
    assert {(row["contact"], row["links"]) for row in after.values()} == {(None, None)}

    store = Store(db_url)
    try:
        # The same pages crawled again: nothing changed. One page now names its contact: stored quietly.
        with_contact = FundingCall.model_validate({**CALLS[0].model_dump(), "contact": "Amt A, a@example.org",
                                                   "links": [{"label": "Richtlinie", "url": "https://x.example/rl"}]})
        assert store.upsert_calls([with_contact, *CALLS[1:]]) == ["unchanged"] * 3
        assert store.events_since() == []
        record = store.get_call(CALLS[0].id)
        assert record is not None and (record.version, record.contact) == (3, "Amt A, a@example.org")
        assert record.links == [{"label": "Richtlinie", "url": "https://x.example/rl"}]
    finally:
        store.close()


def test_downgrade_drops_the_columns_and_upgrading_again_adds_them(db_url: str) -> None:
    store = Store(db_url)
    store.upsert_call(FundingCall.model_validate({**CALLS[0].model_dump(), "contact": "Amt A"}))
    store.close()
    migrate(db_url, "0014", "downgrade")
    row = call_rows(db_url)[CALLS[0].id]
    assert "contact" not in row and "links" not in row and row["title"] == "Aufruf 0"
    migrate(db_url, "0015")
    assert call_rows(db_url)[CALLS[0].id]["contact"] is None
