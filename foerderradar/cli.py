"""The ``foerderradar`` command: a thin shell over functions the tests call directly.

Everything a user reads here is German. Mistakes in input (config, dates, files) end in a message
and an exit status, never a traceback: 2 for configuration/usage problems, 1 for failed work.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from foerderradar.settings import Config, ConfigError, load_config
from foerderradar.storage import Store, StoreError
from foerderradar.storage.locks import LockBusy, held

if TYPE_CHECKING:
    from foerderradar.crawler.runner import PortalResult
    from foerderradar.storage.store import GroupStats

app = typer.Typer(
    help="Förderradar: findet Förderaufrufe für die Digitalisierungsmaßnahmen Ihrer Kommune.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
calls_app = typer.Typer(help="Gespeicherte Förderaufrufe importieren und exportieren.", no_args_is_help=True)
portals_app = typer.Typer(help="Die beobachteten Portale (config/portals.yaml).", no_args_is_help=True)
db_app = typer.Typer(help="Datenbank verwalten.", no_args_is_help=True)
app.add_typer(calls_app, name="calls")
app.add_typer(portals_app, name="portals")
app.add_typer(db_app, name="db")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="Konfigurationsverzeichnis (sonst $FOERDERRADAR_CONFIG, sonst ./config)."),
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Stichtag JJJJ-MM-TT statt heute (für reproduzierbare Berichte).")
]

T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[red]Fehler:[/red] {message}", soft_wrap=True)
    raise typer.Exit(code)


def parse_as_of(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--as-of {value!r} ist kein Datum im Format JJJJ-MM-TT (z. B. 2026-12-01).", 2)


def config_or_exit(directory: Path | None, *, need_portals: bool = True) -> Config:
    try:
        return load_config(directory, need_portals=need_portals)
    except ConfigError as exc:
        err.print(f"[red]Konfigurationsfehler ({len(exc.problems)}):[/red]")
        for problem in exc.problems:
            err.print(f"  {problem}", soft_wrap=True, markup=False)
        raise typer.Exit(2) from None


@contextmanager
def open_store() -> Iterator[Store]:
    try:
        store = Store()
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


# -- crawl ----------------------------------------------------------------------------------------


@app.command()
def crawl(
    portals: Annotated[list[str] | None, typer.Argument(help="Portal-Schlüssel (Standard: alle aktiven).")] = None,
    config: ConfigOpt = None,
) -> None:
    """Portale abrufen und neue oder geänderte Förderaufrufe speichern."""
    from foerderradar.crawler.runner import UnknownPortalError
    from foerderradar.crawler.runner import crawl as run_crawl

    cfg = config_or_exit(config)
    with open_store() as store:
        status = out.status("Starte …")

        def started(portal: object) -> None:
            status.update(f"Rufe {getattr(portal, 'name', '') or getattr(portal, 'key', '')} ab …")

        with status:
            try:
                with held(store, "crawl"):
                    results = run_crawl(cfg, store, portals or [], on_start=started)
                    status.update("Gleiche Programme auf mehreren Portalen zusammenführen …")
                    grouped = guarded(store.regroup)
            except UnknownPortalError as exc:
                fail(str(exc), 2)
            except LockBusy as exc:
                fail(str(exc))
    print_crawl_summary(results)
    print_group_summary(grouped)
    if not results:
        out.print("Keine aktiven Portale in portals.yaml.")
    if any(not r.ok for r in results):
        raise typer.Exit(1)


def print_crawl_summary(results: list[PortalResult]) -> None:
    table = Table(title="Abruf je Portal", title_justify="left")
    for col in ("Portal", "Status", "Einträge", "neu", "geändert", "verschwunden", "Fehler"):
        table.add_column(col, justify="right" if col not in ("Portal", "Status") else "left")
    for r in results:
        if not r.ok:
            state = "[red]fehlgeschlagen[/red]"
        else:
            state = "[yellow]teilweise[/yellow]" if r.errors else "[green]ok[/green]"
        table.add_row(r.portal, state, str(r.items), str(r.new), str(r.changed), str(r.gone), str(r.errors))
    out.print(table)
    for r in results:
        for message in r.messages[:5]:
            err.print(f"  {r.portal}: {message}", markup=False, soft_wrap=True)


def print_group_summary(stats: GroupStats) -> None:
    if stats.groups:
        out.print(
            f"{stats.groups} Förderprogramme auf mehreren Portalen gefunden; "
            f"{stats.duplicates} Einträge werden jeweils nur einmal gezeigt."
        )


# -- match ----------------------------------------------------------------------------------------

FORMATS = ("table", "json", "csv", "md", "html")


@app.command()
def match(
    measure: Annotated[str | None, typer.Option("--measure", help="Nur diese Maßnahme (id).")] = None,
    as_of: AsOfOpt = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Höchstens N Treffer je Maßnahme.")] = None,
    min_score: Annotated[float, typer.Option("--min-score", min=0, max=100, help="Mindestpunktzahl 0–100.")] = 0,
    fmt: Annotated[str, typer.Option("--format", help="table | json | csv | md | html")] = "table",
    output: Annotated[Path | None, typer.Option("--output", help="In diese Datei schreiben.")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Auch nicht antragsberechtigte/geschlossene.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Gespeicherte Förderaufrufe mit den Maßnahmen der Stadt abgleichen."""
    from foerderradar.matcher import match_calls
    from foerderradar.matcher.report import render_report
    from foerderradar.storage import record_to_call

    if fmt not in FORMATS:
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: {', '.join(FORMATS)}.", 2)
    day = parse_as_of(as_of)
    cfg = config_or_exit(config, need_portals=False)
    with open_store() as store:
        # One call per programme; a programme found on several portals carries all its pages.
        calls = (record_to_call(r) for r in store.iter_calls(representatives_only=True))
        sources = guarded(store.sources)
        try:
            matches = guarded(
                lambda: match_calls(
                    calls, cfg.measures, day, measure_id=measure, include_ineligible=show_all,
                    min_score=min_score, limit=limit, sources=sources,
                )
            )
        except ValueError as exc:
            fail(str(exc), 2)
        guarded(lambda: store.save_matches(matches))
        text = render_report(matches, fmt)
    if output:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"{output}: kann nicht geschrieben werden ({exc.strerror}).")
        err.print(f"{len(matches)} Treffer geschrieben nach {output}")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


# -- digest ---------------------------------------------------------------------------------------


@app.command()
def digest(
    as_of: AsOfOpt = None,
    preview: Annotated[Path | None, typer.Option("--preview", help="digest.html/.txt/.eml in DIR schreiben.")] = None,
    send: Annotated[bool, typer.Option("--send", help="Per SMTP versenden.")] = False,
    to: Annotated[list[str] | None, typer.Option("--to", help="Empfänger (statt der konfigurierten).")] = None,
    config: ConfigOpt = None,
) -> None:
    """Den Wochenbericht erzeugen (Vorschau) und/oder versenden."""
    from foerderradar.notifier.service import run_digest

    day = parse_as_of(as_of)
    if not preview and not send:
        fail("Bitte --preview DIR und/oder --send angeben.", 2)
    cfg = config_or_exit(config, need_portals=False)
    with open_store() as store:
        try:
            with held(store, "digest") if send else nullcontext():
                outcome = guarded(lambda: run_digest(store, cfg, day, preview_dir=preview, send=send, to=to))
        except ValueError as exc:
            fail(str(exc), 2)
        except LockBusy as exc:
            fail(str(exc))
    out.print(f"Zeitraum {outcome.period}: {outcome.summary}")
    for path in outcome.paths:
        out.print(f"  geschrieben: {path}")
    failed = False
    for result in outcome.recipients:
        colour = {"sent": "green", "already_sent": "cyan"}.get(result.status, "red")
        label = {"sent": "versendet", "already_sent": "bereits versendet"}.get(result.status, "fehlgeschlagen")
        out.print(f"  [{colour}]{label}[/{colour}]: {result.recipient} {result.message or ''}", soft_wrap=True)
        failed |= result.status == "failed"
    if failed:
        raise typer.Exit(1)


# -- calls ----------------------------------------------------------------------------------------


@calls_app.command("import")
def calls_import(
    file: Annotated[str, typer.Argument(help="JSON-Lines-Datei oder - für die Standardeingabe.")],
) -> None:
    """Förderaufrufe aus JSON Lines übernehmen (ungültige Zeilen werden gemeldet und übersprungen)."""
    from foerderradar.calls_io import import_calls

    with open_store() as store:
        if file == "-":
            report = guarded(lambda: import_calls(sys.stdin, store))
        else:
            try:
                with open(file, encoding="utf-8") as handle:
                    report = guarded(lambda: import_calls(handle, store))
            except FileNotFoundError:
                fail(f"{file}: Datei nicht gefunden.", 2)
            except UnicodeDecodeError as exc:
                fail(f"{file}: keine UTF-8-Textdatei ({exc.reason}).", 2)
        grouped = guarded(store.regroup) if report.stored else None  # imported calls may join programmes
    for number, problem in report.problems:
        err.print(f"{file}:{number}: übersprungen: {problem}", markup=False, soft_wrap=True)
    out.print(
        f"{report.stored} Förderaufrufe übernommen ({report.new} neu, {report.changed} geändert, "
        f"{report.unchanged} unverändert), {len(report.problems)} Zeilen übersprungen."
    )
    if grouped is not None:
        print_group_summary(grouped)
    if report.problems:
        raise typer.Exit(1)


@calls_app.command("regroup")
def calls_regroup() -> None:
    """Gleiche Förderprogramme auf mehreren Portalen neu zusammenführen (geschieht nach jedem Abruf)."""
    with open_store() as store:
        stats = guarded(store.regroup)
    out.print(
        f"{stats.groups} Förderprogramme auf mehreren Portalen, {stats.duplicates} zusammengeführte Einträge, "
        f"{stats.changed} Zuordnungen geändert."
    )


@calls_app.command("export")
def calls_export(
    fmt: Annotated[str, typer.Option("--format", help="jsonl | csv")] = "jsonl",
) -> None:
    """Alle gespeicherten Förderaufrufe auf die Standardausgabe schreiben."""
    from foerderradar.calls_io import export_calls

    if fmt not in ("jsonl", "csv"):
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: jsonl, csv.", 2)
    with open_store() as store:
        guarded(lambda: export_calls(store, sys.stdout, fmt))


# -- portals --------------------------------------------------------------------------------------


@portals_app.command("list")
def portals_list(config: ConfigOpt = None) -> None:
    """Konfigurierte Portale mit dem Ergebnis ihres letzten Abrufs anzeigen."""
    cfg = config_or_exit(config)
    with open_store() as store:
        runs = guarded(store.last_runs)
    table = Table(title=f"Portale ({cfg.directory / 'portals.yaml'})", title_justify="left")
    for col in ("Schlüssel", "Art", "Name", "aktiv", "letzter Abruf", "Ergebnis"):
        table.add_column(col)
    for p in cfg.portals:
        run = runs.get(p.key)
        when = run.started_at.astimezone().strftime("%d.%m.%Y %H:%M") if run else "noch nie"
        if run is None:
            result = "–"
        elif run.finished_at is None:
            result = "[yellow]läuft oder abgebrochen[/yellow]"
        elif run.ok:
            result = f"ok: {run.items} Einträge, {run.new} neu, {run.changed} geändert, {run.errors} Fehler"
        else:
            result = f"[red]fehlgeschlagen[/red] ({run.errors} Fehler)"
        table.add_row(p.key, p.kind, p.name, "ja" if p.enabled else "nein", when, result)
    out.print(table)


@portals_app.command("check")
def portals_check(
    keys: Annotated[list[str] | None, typer.Argument(help="Portal-Schlüssel (Standard: alle aktiven).")] = None,
    max_items: Annotated[int, typer.Option("--max-items", min=1, help="Nach N Einträgen aufhören.")] = 20,
    config: ConfigOpt = None,
) -> None:
    """Ein Portal probeweise abrufen und zeigen, was erkannt wird — ohne etwas zu speichern."""
    from foerderradar.crawler.runner import UnknownPortalError, check_portal, select_portals

    cfg = config_or_exit(config)
    try:
        portals = select_portals(cfg.portals, keys or [])
    except UnknownPortalError as exc:
        fail(str(exc), 2)
    failed = False
    for portal in portals:
        with out.status(f"Prüfe {portal.key} …"):
            result = check_portal(portal, cfg, max_items=max_items)
        state = "[green]ok[/green]" if result.ok and result.items else "[red]Problem[/red]"
        out.print(f"\n[bold]{portal.key}[/bold] ({portal.kind}): {state}, {result.items} Einträge erkannt")
        if result.items:
            fields = Table(title="Gefüllte Felder", title_justify="left")
            fields.add_column("Feld")
            fields.add_column("Einträge", justify="right")
            for name, count in sorted(result.filled.items()):
                fields.add_row(name, f"{count}/{result.items}")
            out.print(fields)
            sample = Table(title="Erste Einträge", title_justify="left")
            for col in ("Titel", "Frist", "Antragsberechtigte", "URL"):
                sample.add_column(col, overflow="fold")
            for item in result.sample:
                sample.add_row(
                    item["title"], item.get("deadline") or item.get("deadline_text") or "–",
                    ", ".join(item.get("applicants") or []) or "–", item["url"],
                )
            out.print(sample)
        for warning in result.warnings():
            out.print(f"  [yellow]Warnung:[/yellow] {warning}", soft_wrap=True)
        for message in result.messages[:10]:
            err.print(f"  {portal.key}: {message}", markup=False, soft_wrap=True)
        failed |= not result.ok or result.items == 0
    if failed:
        raise typer.Exit(1)


# -- db -------------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Datenbankschema auf den neuesten Stand bringen (geschieht bei jeder Nutzung auch automatisch)."""
    with open_store() as store:
        out.print(f"Datenbankschema aktuell: {store._safe_url()}")


# -- scheduler ----------------------------------------------------------------------------------


@app.command()
def serve(config: ConfigOpt = None) -> None:
    """Zeitplan ausführen (Abruf täglich, Bericht wöchentlich) bis SIGTERM/Strg+C."""
    import logging

    from foerderradar.scheduler import serve as run_serve
    from foerderradar.storage.store import database_url

    cfg = config_or_exit(config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with open_store():
        pass  # creates/upgrades the schema before the scheduler opens its own connections
    sched = cfg.settings.schedule
    out.print(f"Förderradar läuft: Abruf '{sched.crawl}', Bericht '{sched.digest}' ({sched.timezone}).")
    run_serve(cfg, database_url())
    out.print("Beendet.")


@app.command()
def status(config: ConfigOpt = None) -> None:
    """Nächste geplante Läufe und das Ergebnis des letzten Laufs je Job."""
    from foerderradar.scheduler import status as job_status

    cfg = config_or_exit(config, need_portals=False)
    with open_store() as store:
        rows = guarded(lambda: job_status(cfg, store))
    table = Table(title="Zeitplan", title_justify="left")
    for col in ("Job", "Zeitplan", "nächster Lauf", "letzter Lauf", "Ergebnis"):
        table.add_column(col)
    names = {"crawl": "Abruf + Abgleich", "digest": "Wochenbericht"}
    for row in rows:
        last = row.last
        when = last.started_at.astimezone().strftime("%d.%m.%Y %H:%M") if last else "noch nie"
        if last is None:
            result = "–"
        elif last.ok is None:
            result = "[yellow]läuft oder abgebrochen[/yellow]"
        else:
            result = ("[green]ok[/green]: " if last.ok else "[red]Fehler[/red]: ") + (last.summary or "")
        table.add_row(names[row.job], row.cron, row.next_run.strftime("%a %d.%m.%Y %H:%M"), when, result)
    out.print(table)


# -- demo -----------------------------------------------------------------------------------------


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Ausgabeverzeichnis.")] = Path("out"),
    as_of: AsOfOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Vorführung: Beispielseiten lokal ausliefern, abrufen, abgleichen, Bericht nach out/ schreiben."""
    from foerderradar.demo import run_demo

    day = parse_as_of(as_of)
    cfg = config_or_exit(config)
    with out.status("Demo läuft: Beispielportal auf 127.0.0.1, Abruf, Abgleich, Bericht …"):
        try:
            result = guarded(lambda: run_demo(cfg, out_dir, day))
        except OSError as exc:
            fail(f"{out_dir}: {exc}")
    print_crawl_summary(result.crawl)
    out.print(f"{result.matches} Treffer für {result.measures} Maßnahmen. {result.summary}")
    for path in result.paths:
        out.print(f"  geschrieben: {path}")
    for line in result.notes:
        out.print(f"  {line}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
