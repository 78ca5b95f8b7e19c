"""What every command module shares: the consoles, the common options, and the turning of a
mistake into a German message and an exit status — 2 for configuration/usage problems, 1 for
failed work — instead of a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from foerderradar.german.dates import parse_day
from foerderradar.settings import Config, ConfigError, UnknownKommune, load_config
from foerderradar.storage import Store, StoreError

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="Konfigurationsverzeichnis (sonst $FOERDERRADAR_CONFIG, sonst ./config)."),
]
DistributedOpt = Annotated[
    str | None,
    typer.Option(
        "--distributed", envvar="FOERDERRADAR_REDIS_URL",
        help="Verteilt abrufen über diese Redis-Warteschlange, z. B. redis://127.0.0.1:6379/0 (docs/scale-out.md).",
    ),
]
LeaseTtlOpt = Annotated[
    float,
    typer.Option("--lease-ttl", min=1, help="Mit --distributed: nach so vielen Sekunden ohne Lebenszeichen gilt ein "
                 "Crawler-Prozess als ausgefallen; seine Seiten übernehmen andere."),
]
KommuneOpt = Annotated[
    list[str] | None,
    typer.Option("--kommune", help="Nur diese Kommune (Kurzname aus kommunen/, mehrfach möglich)."),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", help="In diese Datei schreiben statt auf die Standardausgabe (für --format xlsx nötig)."),
]
VerboseOpt = Annotated[
    bool,
    typer.Option("--verbose", "-v", help="Ausführliches Protokoll: auch die Meldungen der Bibliotheken "
                 "(Datenbank-Migration, Zeitplaner, Webserver)."),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Stichtag TT.MM.JJJJ oder JJJJ-MM-TT statt heute (für reproduzierbare Berichte)."),
]


T = TypeVar("T")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_to_stderr(verbose: bool) -> None:
    """The log of a long-running command (serve, web): Förderradar's own German lines from INFO on;
    the libraries' (alembic's "Running upgrade …", APScheduler's "Added job …") only with
    ``--verbose`` or when they warn — they are English and say nothing a city's IT must act on."""
    import logging

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format=LOG_FORMAT)
    logging.getLogger("foerderradar").setLevel(logging.INFO)


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[red]Fehler:[/red] {message}", soft_wrap=True)
    raise typer.Exit(code)


def problems_exit(heading: str, problems: list[str]) -> NoReturn:
    """Every problem on its own line under a red heading, then exit 2: input the user must fix."""
    err.print(f"[red]{heading}:[/red]")
    for problem in problems:
        err.print(f"  {problem}", soft_wrap=True, markup=False)
    raise typer.Exit(2)


def parse_as_of(value: str | None) -> date:
    """``--as-of``: TT.MM.JJJJ (as people write dates here) or JJJJ-MM-TT (as scripts do)."""
    if value is None:
        return date.today()
    day = parse_day(value)
    if day is None:
        fail(f"--as-of {value!r} ist kein gültiges Datum; erwartet TT.MM.JJJJ oder JJJJ-MM-TT "
             "(z. B. 01.12.2026 oder 2026-12-01).", 2)
    return day


def config_or_exit(directory: Path | None, *, need_portals: bool = True) -> Config:
    try:
        return load_config(directory, need_portals=need_portals)
    except ConfigError as exc:
        problems_exit(f"Konfigurationsfehler ({len(exc.problems)})", exc.problems)


def chosen_kommunen(cfg: Config, kommune: list[str] | None) -> list[Config]:
    """The municipalities a command works for: those named with ``--kommune``, else all (exit 2 for
    an unknown one)."""
    try:
        return cfg.each(kommune or ())
    except UnknownKommune as exc:
        fail(str(exc), 2)


def one_kommune(cfg: Config, kommune: list[str] | None) -> Config:
    """The one municipality a mark or a feed is for: with several, ``--kommune`` must name it (exit 2)."""
    if not kommune and cfg.several:
        known = ", ".join(k.slug for k in cfg.kommunen)
        fail(f"Mehrere Kommunen: bitte --kommune KURZNAME angeben (bekannt: {known}).", 2)
    if kommune and len(set(kommune)) > 1:
        fail("Dieser Befehl gilt für genau eine Kommune: --kommune nur einmal angeben.", 2)
    return chosen_kommunen(cfg, kommune)[0]


@contextmanager
def open_store(cfg: Config | None = None) -> Iterator[Store]:
    """The store; with ``cfg`` its rows from before several municipalities existed are handed to
    their municipality first (``jobs.adopt_unowned``)."""
    try:
        store = Store()
        if cfg is not None:
            from foerderradar.jobs import adopt_unowned

            adopt_unowned(store, cfg)
    except StoreError as exc:
        fail(str(exc))
    try:
        yield store
    finally:
        store.close()


def guarded(fn: Callable[[], T]) -> T:
    """Run a command body, turning store errors into a message instead of a traceback."""
    try:
        return fn()
    except StoreError as exc:
        fail(str(exc))


def write_output(path: Path, text: str | bytes) -> None:
    """``text`` into ``path`` as UTF-8 bytes (directories made), or the German reason why not (exit 1)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    except OSError as exc:
        fail(f"{path}: kann nicht geschrieben werden ({exc.strerror}).")


def check_output(fmt: str, output: Path | None) -> None:
    """``--format xlsx`` is a binary file: without ``--output`` it would land on a terminal (exit 2,
    before any work)."""
    if fmt == "xlsx" and output is None:
        fail("--format xlsx schreibt eine Excel-Datei: bitte --output DATEI.xlsx angeben "
             "(oder --format excel-csv für die Standardausgabe).", 2)


def emit(data: str | bytes, output: Path | None) -> None:
    """An export to ``output`` (text as UTF-8) or to standard output."""
    if output is not None:
        write_output(output, data)
        return
    if isinstance(data, str):
        sys.stdout.write(data)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


def key_column(table: Table, header: str, keys: Iterable[str], *, with_text: bool = False) -> None:
    """A column of keys or ids (portal keys, slugs, call ids, addresses): never wrapped or cut — at
    100 columns the other columns wrap around it (tests/test_cli_tables.py). ``with_text``: its
    cells also hold text (a title above the id), which may wrap; the column is as wide as the
    longest key, so the key's own line never does."""
    width = max((len(k) for k in keys), default=0)
    if with_text:
        table.add_column(header, min_width=width, overflow="fold")
    else:
        table.add_column(header, no_wrap=True, overflow="ignore", min_width=width)


RUNNING = "[yellow]läuft oder abgebrochen[/yellow]"  # a run without an end: still going, or killed


def last_run_cells(started_at: datetime | None, finished: bool) -> tuple[str, str | None]:
    """(when, result) of a table's "letzter Lauf" columns; result None: the caller says how it ended."""
    if started_at is None:
        return "noch nie", "–"
    return started_at.astimezone().strftime("%d.%m.%Y %H:%M"), None if finished else RUNNING
