"""The ``foerderradar`` command: a thin shell over the jobs seam (``foerderradar/jobs.py``) and the
domain modules, one module per command group. The work happens there; here are only options,
printing and exit statuses.

Everything a user reads here is German. Mistakes in input (config, dates, files) end in a message
and an exit status, never a traceback: 2 for configuration/usage problems, 1 for failed work
(``shared.py``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from foerderradar.cli import (
    calls,
    crawl,
    db,
    demo,
    digest,
    evaluate,
    kommunen,
    match,
    portals,
    reminders,
    serve,
    users,
    web,
)
from foerderradar.cli.german_help import GermanGroup

app = typer.Typer(
    cls=GermanGroup,  # the help frame and the usage errors in German (german_help.py)
    help="Förderradar: findet Förderaufrufe für die Digitalisierungsmaßnahmen Ihrer Kommune.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# In the order `foerderradar --help` lists them (commands first, then the groups).
app.command()(crawl.crawl)
app.command()(match.match)
app.command("eval")(evaluate.eval_command)
app.command()(digest.digest)
app.command()(digest.feed)
app.command("erinnerungen")(reminders.erinnerungen)
app.command("reminders", hidden=True)(reminders.erinnerungen)  # the English alias
app.command()(crawl.worker)
app.command()(serve.serve)
app.command()(serve.status)
app.command()(web.web)
app.command()(demo.demo)
app.add_typer(calls.app, name="calls")
app.add_typer(portals.app, name="portals")
app.add_typer(kommunen.app, name="kommunen")
app.add_typer(users.app, name="users")
app.add_typer(db.app, name="db")

__all__ = ["app", "main"]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("foerderradar")
        except PackageNotFoundError:  # run from a checkout without installing
            number = "unbekannt (nicht installiert)"
        typer.echo(f"foerderradar {number}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Version anzeigen und beenden.")
    ] = False,
) -> None:
    """Förderradar: findet Förderaufrufe für die Digitalisierungsmaßnahmen Ihrer Kommune."""


def main() -> None:
    app()
