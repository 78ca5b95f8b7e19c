"""Migration 0012 (the calendar secret): a database at 0011 with accounts keeps every account and
its values, gains the empty column, and can go back and forth — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from migrations import migrate

from foerderradar.storage import Store

T = datetime(2026, 12, 1, 8, tzinfo=UTC)
ACCOUNTS = [
    {"email": "dm@verl.example", "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$a$b", "role": "manager",
     "kommunen": ["verl"], "created_at": T, "last_login_at": T, "password_changed_at": T},
    {"email": "admin@kreis.example", "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c$d", "role": "admin",
     "kommunen": [], "created_at": T, "last_login_at": None, "password_changed_at": T},
]
KEPT = ("email", "password_hash", "role", "kommunen")


def _columns(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return {c["name"] for c in sa.inspect(engine).get_columns("users")}
    finally:
        engine.dispose()


def _rows(url: str) -> list[dict[str, object]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            table = sa.Table("users", sa.MetaData(), autoload_with=conn)
            return [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.email))]
    finally:
        engine.dispose()


def test_upgrade_from_0011_keeps_the_accounts_and_adds_an_empty_secret(db_url: str) -> None:
    migrate(db_url, "0011", "upgrade")
    assert "calendar_secret" not in _columns(db_url)
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        users = sa.Table("users", sa.MetaData(), autoload_with=conn)
        conn.execute(sa.insert(users), ACCOUNTS)
    engine.dispose()
    before = _rows(db_url)

    migrate(db_url, "0012", "upgrade")
    after = _rows(db_url)
    assert "calendar_secret" in _columns(db_url)
    assert [r["calendar_secret"] for r in after] == [None, None]
    assert [{k: r[k] for k in (*KEPT, "id")} for r in after] == [{k: r[k] for k in (*KEPT, "id")} for r in before]
    assert sorted(r["email"] for r in after) == sorted(a["email"] for a in ACCOUNTS)

    # A secret written at 0012; downgrading drops only the column, the accounts stay.
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE users SET calendar_secret = 'geheim' WHERE email = 'dm@verl.example'"))
    engine.dispose()
    migrate(db_url, "0011", "downgrade")
    assert "calendar_secret" not in _columns(db_url)
    assert [r["email"] for r in _rows(db_url)] == [r["email"] for r in before]

    store = Store(db_url)  # the store upgrades to head again by itself
    store.close()
    assert "calendar_secret" in _columns(db_url)
    assert [r["calendar_secret"] for r in _rows(db_url)] == [None, None]
