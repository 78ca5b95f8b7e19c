"""Alembic environment: runs on the connection the store hands over (see store.upgrade_schema)."""

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import foerderradar.storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from foerderradar.storage.store import database_url

target_metadata = SQLModel.metadata
# APScheduler creates and owns its job-store table; migrations must neither create nor drop it.
FOREIGN_TABLES = {"apscheduler_jobs"}


def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and name in FOREIGN_TABLES)


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = create_engine(database_url())
    with engine.begin() as conn:
        _configure(conn)


run()
