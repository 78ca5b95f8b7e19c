"""Migration 0013 (calls.search_text): the calls stored at 0012 keep every value and get their
folded text, computed as the store writes it for new calls — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from migrations import call_rows, migrate

from foerderradar.model import FundingCall
from foerderradar.storage import Store

T = datetime(2026, 12, 1, 8, tzinfo=UTC)
# (source id, title, summary, funding body, description) → the folded text
CALLS = [
    ("strasse", "Straßenbeleuchtung ÖFFENTLICH", "Für Kommunen", "Land NRW", "Erster Absatz.\n\nZweiter  Absatz.",
     "strassenbeleuchtung oeffentlich\nfuer kommunen\nland nrw\nerster absatz. zweiter absatz."),
    ("leer", "Café-Förderung", None, None, None, "cafe-foerderung\n\n\n"),
]


def test_upgrade_from_0012_fills_the_folded_text_and_keeps_the_calls(db_url: str) -> None:
    migrate(db_url, "0012")
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # rows as the previous release wrote them (no search_text yet)
        calls = sa.Table("calls", sa.MetaData(), autoload_with=conn)
        assert "search_text" not in calls.c
        conn.execute(sa.insert(calls), [
            {"id": f"nrw:{sid}", "source": "nrw", "source_id": sid, "url": f"https://www.example.org/{sid}",
             "title": title, "summary": summary, "funding_body": body, "description": text, "first_seen": T,
             "last_seen": T, "changed_at": T, "content_hash": "0" * 64, "version": 3}
            for sid, title, summary, body, text, _ in CALLS
        ])
    engine.dispose()
    before = call_rows(db_url)

    migrate(db_url, "0013")
    after = call_rows(db_url)
    assert {k: {c: v for c, v in row.items() if c != "search_text"} for k, row in after.items()} == before
    assert {k: row["search_text"] for k, row in after.items()} == {f"nrw:{c[0]}": c[-1] for c in CALLS}

    # A call written now gets the same text from the store.
    store = Store(db_url)
    store.upsert_call(FundingCall.model_validate({
        "source": "bund", "source_id": "neu", "url": "https://bund.example/neu", "title": CALLS[0][1],
        "summary": CALLS[0][2], "funding_body": CALLS[0][3], "description": CALLS[0][4],
    }))
    store.close()
    assert call_rows(db_url)["bund:neu"]["search_text"] == CALLS[0][-1]
