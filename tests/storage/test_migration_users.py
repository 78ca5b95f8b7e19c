"""Migration 0011 (the web app's tables): upgrade from 0010, downgrade back, upgrade again — on
SQLite and PostgreSQL — leaving the tables that were there before untouched."""

from __future__ import annotations

import sqlalchemy as sa
from migrations import migrate

from foerderradar.storage import Store

WEB_TABLES = {"users", "web_sessions", "login_throttle", "audit_log"}


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    migrate(db_url, "0010", "upgrade")
    before = _tables(db_url)
    assert not WEB_TABLES & before
    migrate(db_url, "0011", "upgrade")
    assert _tables(db_url) == before | WEB_TABLES
    migrate(db_url, "0010", "downgrade")
    assert _tables(db_url) == before
    store = Store(db_url)  # the store upgrades to head again by itself
    store.close()
    assert _tables(db_url) >= WEB_TABLES
