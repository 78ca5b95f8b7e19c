"""Alembic environment: runs on the connection the store hands over (see store.upgrade_schema)."""

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import foerderradar.storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from foerderradar.storage.store import database_url

target_metadata = SQLModel.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        engine = create_engine(database_url())
        with engine.begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
