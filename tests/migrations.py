"""Run the project's alembic migrations to a given revision in a test (tests/storage/test_migration_*):
the way a database of an older release is built, then upgraded by the current code."""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig

from foerderradar.storage.store import MIGRATIONS_DIR


def migrate(url: str, revision: str, action: Literal["upgrade", "downgrade"] = "upgrade") -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            getattr(command, action)(cfg, revision)
    finally:
        engine.dispose()


def call_rows(url: str) -> dict[str, dict[str, object]]:
    """Every row of the ``calls`` table as it is stored (whatever the schema's revision), by id."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            table = sa.Table("calls", sa.MetaData(), autoload_with=conn)
            return {r.id: dict(r._mapping) for r in conn.execute(sa.select(table))}
    finally:
        engine.dispose()
