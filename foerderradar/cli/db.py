"""``db``: the database schema (Alembic migrations run whenever a store is opened)."""

from __future__ import annotations

import typer

from foerderradar.cli.shared import open_store, out
from foerderradar.storage.store import redacted_url

app = typer.Typer(help="Datenbank verwalten.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade() -> None:
    """Datenbankschema auf den neuesten Stand bringen (geschieht bei jeder Nutzung auch automatisch)."""
    with open_store() as store:
        out.print(f"Datenbankschema aktuell: {redacted_url(store.url)}")
