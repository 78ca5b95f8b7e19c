"""Migration 0011 (the web app's tables): upgrade from 0010, downgrade back, upgrade again — on
SQLite and PostgreSQL — leaving the tables that were there before untouched."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig

from foerderradar.storage import Store
from foerderradar.storage.store import MIGRATIONS_DIR

WEB_TABLES = {"users", "web_sessions", "login_throttle", "audit_log"}


def _migrate(url: str, action: str, revision: str) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            getattr(command, action)(cfg, revision)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    _migrate(db_url, "upgrade", "0010")
    before = _tables(db_url)
    assert not WEB_TABLES & before
    _migrate(db_url, "upgrade", "0011")
    assert _tables(db_url) == before | WEB_TABLES
    _migrate(db_url, "downgrade", "0010")
    assert _tables(db_url) == before
    store = Store(db_url)  # the store upgrades to head again by itself
    store.close()
    assert _tables(db_url) >= WEB_TABLES
