"""The ``foerderradar`` command: a thin shell over functions the tests call directly.

Everything a user reads here is German. Mistakes in input (config, dates, files) end in a message
and an exit status, never a traceback: 2 for configuration/usage problems, 1 for failed work.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from foerderradar.settings import Config, ConfigError, load_config
from foerderradar.storage import Store, StoreError
from foerderradar.storage.locks import LockBusy, held

if TYPE_CHECKING:
    from foerderradar.crawler.distributed import Cluster
    from foerderradar.crawler.runner import PortalResult
    from foerderradar.grouping import GroupStats
    from foerderradar.jobs import Ingested

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


def cluster_or_exit(url: str, lease_ttl: float) -> Cluster:
    """The shared queue, checked before any work starts (URL, namespace, reachable, extra installed)."""
    try:
        from foerderradar.crawler.distributed import (
            DEFAULT_NAMESPACE,
            Cluster,
            DistributedConfigError,
            DistributedError,
            connect,
        )
    except ImportError:
        fail("Verteiltes Abrufen braucht das Extra 'distributed': pip install 'foerderradar[distributed]'.", 2)
    namespace = os.environ.get("FOERDERRADAR_REDIS_NAMESPACE") or DEFAULT_NAMESPACE
    try:
        cluster = Cluster(url, namespace, lease_ttl_s=lease_ttl)
        connect(url).close()
    except DistributedConfigError as exc:
        fail(str(exc), 2)
    except DistributedError as exc:
        fail(str(exc))
    return cluster


def postgres_or_exit(store: Store) -> None:
    from foerderradar.crawler.coordinator import require_postgres
    from foerderradar.crawler.distributed import DistributedConfigError

    try:
        require_postgres(store)
    except DistributedConfigError as exc:
        fail(str(exc), 2)


@app.command()
def crawl(
    portals: Annotated[list[str] | None, typer.Argument(help="Portal-Schlüssel (Standard: alle aktiven).")] = None,
    config: ConfigOpt = None,
    distributed: DistributedOpt = None,
    workers: Annotated[
        int, typer.Option("--workers", min=0, max=64, help="Mit --distributed: Crawler-Prozesse auf diesem Rechner "
                          "(0 = nur die Rechner, auf denen 'foerderradar worker' läuft).")
    ] = 2,
    lease_ttl: LeaseTtlOpt = 60,
) -> None:
    """Portale abrufen und neue oder geänderte Förderaufrufe speichern."""
    from foerderradar.crawler.runner import UnknownPortalError
    from foerderradar.jobs import after_ingest

    cfg = config_or_exit(config)
    cluster = cluster_or_exit(distributed, lease_ttl) if distributed else None
    with open_store() as store:
        if cluster is not None:
            postgres_or_exit(store)
        status = out.status("Starte …")

        def started(portal: object) -> None:
            status.update(f"Rufe {getattr(portal, 'name', '') or getattr(portal, 'key', '')} ab …")

        with status:
            try:
                with held(store, "crawl"):
                    results = run_crawl(cfg, store, portals or [], started, cluster, workers)
                    status.update("Gleiche Programme auf mehreren Portalen zusammenführen …")
                    ingested = guarded(lambda: after_ingest(store, cfg, [r.portal for r in results]))
            except UnknownPortalError as exc:
                fail(str(exc), 2)
            except LockBusy as exc:
                fail(str(exc))
            except StoreError as exc:  # the database failed mid-crawl (locked, refused, connection killed)
                fail(f"Abruf abgebrochen. {exc}")
    print_health(ingested)
    print_crawl_summary(results)
    print_worker_shares(results)
    print_group_summary(ingested.grouped)
    if not results:
        out.print("Keine aktiven Portale in portals.yaml.")
    if ingested.alerts_failed or any(not r.ok for r in results):
        raise typer.Exit(1)


def run_crawl(
    cfg: Config, store: Store, keys: list[str], started: Callable[[Any], None], cluster: Cluster | None, workers: int
) -> list[PortalResult]:
    """One process per portal, or — with a cluster — portals shared by worker processes through Redis."""
    if cluster is None:
        from foerderradar.crawler.runner import crawl as crawl_alone

        return crawl_alone(cfg, store, keys, on_start=started)
    from foerderradar.crawler.coordinator import DistributedOptions, crawl_distributed
    from foerderradar.crawler.distributed import DistributedError

    try:
        return list(crawl_distributed(cfg, store, keys, options=DistributedOptions(cluster, workers=workers),
                                      on_start=started))
    except DistributedError as exc:
        fail(str(exc))


def print_health(ingested: Ingested) -> None:
    """After a crawl: name the flagged portals and what became of the alert mails to city IT."""
    for h in ingested.health:
        if h.flagged:
            err.print(f"[red]Störung[/red] {h.portal}: {escape(h.summary)}", soft_wrap=True)
    for r in ingested.alerts:
        if r.status == "sent":
            out.print(f"  Störungsmeldung ({r.message}) versendet an {r.recipient}")
        elif r.status == "failed":
            err.print(f"  Störungsmeldung an {r.recipient} nicht versendet: {r.message}", soft_wrap=True)


def print_crawl_summary(results: list[PortalResult]) -> None:
    from foerderradar.crawler.botwall import any_bot_wall

    table = Table(title="Abruf je Portal", title_justify="left")
    for col in ("Portal", "Status", "Einträge", "neu", "geändert", "verschwunden", "Fehler"):
        table.add_column(col, justify="right" if col not in ("Portal", "Status") else "left")
    for r in results:
        # A bot-detection page is named in the status: the cure is a person's, not a selector fix.
        blocked = " (blockiert)" if any_bot_wall(r.messages) else ""
        if not r.ok:
            state = f"[red]fehlgeschlagen[/red]{blocked}"
        else:
            state = f"[yellow]teilweise[/yellow]{blocked}" if r.errors else "[green]ok[/green]"
        table.add_row(r.portal, state, str(r.items), str(r.new), str(r.changed), str(r.gone), str(r.errors))
    out.print(table)
    for r in results:
        for message in r.messages[:5]:
            err.print(f"  {r.portal}: {message}", markup=False, soft_wrap=True)
        for note in r.notes[:5]:
            out.print(f"  {r.portal}: Hinweis: {note}", markup=False, soft_wrap=True)


def print_worker_shares(results: list[PortalResult]) -> None:
    """Distributed crawls: what each worker process did (a dead one reported nothing)."""
    for r in results:
        workers = getattr(r, "workers", None)
        if workers:
            shares = ", ".join(f"{wid}: {s.requests} Anfragen, {s.items} Einträge" for wid, s in workers.items())
            out.print(f"  {r.portal} verteilt auf {len(workers)} Prozesse – {shares}", soft_wrap=True)


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
    from foerderradar.jobs import match_stored_calls
    from foerderradar.matcher.report import render_report

    if fmt not in FORMATS:
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: {', '.join(FORMATS)}.", 2)
    day = parse_as_of(as_of)
    cfg = config_or_exit(config, need_portals=False)
    with open_store() as store:
        try:
            # --all is the diagnostic view: ineligible calls too, before anyone's marks.
            found = guarded(
                lambda: match_stored_calls(
                    store, cfg, day, measure_id=measure, min_score=min_score, limit=limit,
                    include_ineligible=show_all, feedback=not show_all,
                )
            )
        except ValueError as exc:
            fail(str(exc), 2)
    if found.skipped:
        err.print(f"{found.skipped} ungültig gespeicherte Förderaufrufe übersprungen (Einzelheiten im Protokoll).")
    if found.applications:
        err.print(f"{len(found.applications)} laufende Anträge ausgeblendet (foerderradar calls marks zeigt sie).")
    matches = found.matches
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


# -- eval -----------------------------------------------------------------------------------------


@app.command("eval")
def eval_command(
    directory: Annotated[Path, typer.Argument(help="Testdatensatz: calls.jsonl, measures.yaml, gold.yaml.")],
    as_of: AsOfOpt = None,
    per_measure: Annotated[bool, typer.Option("--per-measure", help="Auch je Maßnahme.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table | json | md")] = "table",
    min_ndcg: Annotated[
        float | None, typer.Option("--min-ndcg", help="Exit 1, wenn nDCG@5 darunter liegt oder leaks > 0.")
    ] = None,
) -> None:
    """Treffergüte auf einem bewerteten Datensatz messen, mit BM25 und Substring-Suche als Vergleich."""
    import json

    from foerderradar.matcher.evalset import METRICS, compare, load_eval_set

    if fmt not in ("table", "json", "md"):
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: table, json, md.", 2)
    day = parse_as_of(as_of)
    try:
        evalset = load_eval_set(directory)
    except ConfigError as exc:
        err.print(f"[red]Datensatz fehlerhaft ({len(exc.problems)}):[/red]")
        for problem in exc.problems[:50]:
            err.print(f"  {problem}", soft_wrap=True, markup=False)
        raise typer.Exit(2) from None
    results = compare(evalset, day, per_measure=per_measure)
    if fmt == "json":
        payload = {"as_of": day.isoformat(), "calls": len(evalset.calls), "results": results}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:
        scopes = list(next(iter(results.values())))
        for scope in scopes:
            title = f"{len(evalset.calls)} Calls, Stichtag {day.isoformat()}"
            title += "" if scope == "alle" else f" — {scope}"
            if fmt == "md":
                header = f"| | {' | '.join(METRICS)} |\n|---|{'---:|' * len(METRICS)}"
                out.print(f"\n{title}\n\n{header}", markup=False)
                for name, rows in results.items():
                    out.print(f"| {name} | {' | '.join(f'{rows[scope][k]:g}' for k in METRICS)} |", markup=False)
                continue
            table = Table(title=title, title_justify="left")
            table.add_column("Verfahren")
            for key in METRICS:
                table.add_column(key, justify="right")
            for name, rows in results.items():
                table.add_row(name, *(f"{rows[scope][k]:g}" for k in METRICS))
            out.print(table)
    ours = results["Förderradar"]["alle"]
    if min_ndcg is not None and (ours["ndcg@5"] < min_ndcg or ours["leaks"] > 0):
        err.print(
            f"[red]Unter dem Ziel:[/red] nDCG@5 {ours['ndcg@5']:g} (Ziel ≥ {min_ndcg:g}), leaks {ours['leaks']:g}."
        )
        raise typer.Exit(1)


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
    from foerderradar.jobs import run_digest

    day = parse_as_of(as_of)
    if not preview and not send:
        fail("Bitte --preview DIR und/oder --send angeben.", 2)
    try:
        cfg = load_config(config)
    except ConfigError:
        # The digest needs portals.yaml only for portal names; a typo there must not stop it.
        cfg = config_or_exit(config, need_portals=False)
        err.print("[yellow]Hinweis:[/yellow] portals.yaml ist fehlerhaft (foerderradar portals list zeigt, wo).")
    with open_store() as store:
        try:
            with held(store, "digest") if send else nullcontext():
                outcome = run_digest(store, cfg, day, preview_dir=preview, send=send, to=to)
        except ValueError as exc:
            fail(str(exc), 2)
        except LockBusy as exc:
            fail(str(exc))
        except StoreError as exc:  # the database failed mid-run; the ledger says who already got theirs
            fail(f"Bericht abgebrochen. {exc}")
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


@app.command()
def feed(
    fmt: Annotated[str, typer.Option("--format", help="atom | ics")] = "atom",
    output: Annotated[Path | None, typer.Option("--output", help="In diese Datei schreiben.")] = None,
    as_of: AsOfOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Treffer als Atom-Feed oder Fristen als iCalendar-Datei (zum Abonnieren) ausgeben."""
    from foerderradar.jobs import digest_inputs
    from foerderradar.notifier.feeds import build_feed

    if fmt not in ("atom", "ics"):
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: atom, ics.", 2)
    day = parse_as_of(as_of)
    try:
        cfg = load_config(config)
    except ConfigError:
        cfg = config_or_exit(config, need_portals=False)
    with open_store() as store:
        text = guarded(lambda: build_feed(digest_inputs(store, cfg, day), cfg, fmt, day))
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(text.encode("utf-8"))
    except OSError as exc:
        fail(f"{output}: kann nicht geschrieben werden ({exc.strerror}).")
    err.print(f"geschrieben: {output}")


# -- calls ----------------------------------------------------------------------------------------


@calls_app.command("import")
def calls_import(
    file: Annotated[str, typer.Argument(help="JSON-Lines-Datei oder - für die Standardeingabe.")],
) -> None:
    """Förderaufrufe aus JSON Lines übernehmen (ungültige Zeilen werden gemeldet und übersprungen)."""
    from foerderradar.calls_io import import_calls
    from foerderradar.jobs import after_ingest

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
        grouped = guarded(lambda: after_ingest(store).grouped) if report.stored else None  # may join programmes
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
    from foerderradar.jobs import after_ingest

    with open_store() as store:
        stats = guarded(lambda: after_ingest(store).grouped)
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


@calls_app.command("mark")
def calls_mark(
    call_id: Annotated[str, typer.Argument(help="ID des Förderaufrufs (Spalte id in calls export / im Bericht).")],
    verdict: Annotated[str, typer.Argument(help="relevant | dismissed | applied | rejected")],
    measure: Annotated[str, typer.Option("--measure", help="ID der Maßnahme aus measures.yaml.")],
    note: Annotated[str | None, typer.Option("--note", help="Notiz, z. B. Aktenzeichen des Antrags.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Einen Treffer bewerten: relevant, verworfen (dismissed), beantragt (applied), abgelehnt (rejected)."""
    from foerderradar.storage.marks import MARK_KINDS, MARK_LABELS, UnknownCall, set_mark

    cfg = config_or_exit(config, need_portals=False)
    if verdict not in MARK_KINDS:
        fail(f"{verdict!r} ist keine Markierung; erlaubt: {', '.join(MARK_KINDS)}.", 2)
    if all(m.id != measure for m in cfg.measures.measures):
        known = ", ".join(m.id for m in cfg.measures.measures)
        fail(f"Unbekannte Maßnahme {measure!r}. Bekannte Maßnahmen: {known}", 2)
    with open_store() as store:
        try:
            row = guarded(lambda: set_mark(store, call_id, measure, verdict, note))  # type: ignore[arg-type]
        except UnknownCall:
            fail(f"Unbekannter Förderaufruf {call_id!r} (die IDs zeigt: foerderradar match --format csv).", 2)
    out.print(f"{call_id} für {measure}: {MARK_LABELS[row.mark]} (Version {row.call_version}).")


@calls_app.command("unmark")
def calls_unmark(
    call_id: Annotated[str, typer.Argument(help="ID des Förderaufrufs.")],
    measure: Annotated[str, typer.Option("--measure", help="ID der Maßnahme.")],
) -> None:
    """Eine Bewertung zurücknehmen."""
    from foerderradar.storage.marks import clear_mark

    with open_store() as store:
        removed = guarded(lambda: clear_mark(store, call_id, measure))
    if not removed:
        fail(f"Keine Markierung für {call_id} und {measure}.", 1)
    out.print(f"Markierung für {call_id} und {measure} entfernt.")


@calls_app.command("marks")
def calls_marks(fmt: Annotated[str, typer.Option("--format", help="table | csv | jsonl")] = "table") -> None:
    """Alle Bewertungen anzeigen oder exportieren (laufende Anträge: Markierung applied)."""
    import csv
    import json

    from foerderradar.matcher.report import csv_cell
    from foerderradar.storage.marks import MARK_LABELS, all_marks

    if fmt not in ("table", "csv", "jsonl"):
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: table, csv, jsonl.", 2)
    with open_store() as store:
        marks = guarded(lambda: all_marks(store))
        titles = {m.call_id: (r.title if (r := store.get_call(m.call_id)) else "") for m in marks}
    rows = [
        {"measure_id": m.measure_id, "call_id": m.call_id, "mark": m.mark, "note": m.note,
         "call_version": m.call_version, "marked_at": m.marked_at.isoformat(), "title": titles[m.call_id]}
        for m in marks
    ]
    if fmt == "jsonl":
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["measure_id", "call_id", "mark"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
    else:
        table = Table(title=f"Bewertungen ({len(rows)})", title_justify="left")
        for col in ("Maßnahme", "Förderaufruf", "Bewertung", "Notiz", "am"):
            table.add_column(col, overflow="fold")
        for m in marks:
            table.add_row(m.measure_id, f"{titles[m.call_id]}\n{m.call_id}", MARK_LABELS[m.mark], m.note or "",
                          m.marked_at.astimezone().strftime("%d.%m.%Y"))
        out.print(table)


# -- portals --------------------------------------------------------------------------------------


@portals_app.command("list")
def portals_list(config: ConfigOpt = None) -> None:
    """Konfigurierte Portale mit dem Ergebnis ihres letzten Abrufs und ihrem Zustand anzeigen."""
    from foerderradar.health import portal_health

    cfg = config_or_exit(config)
    keys = [p.key for p in cfg.portals]
    with open_store() as store:
        health = guarded(lambda: portal_health(store, keys, cfg.settings.health.failures_in_a_row))
    table = Table(title=f"Portale ({cfg.directory / 'portals.yaml'})", title_justify="left")
    for col in ("Schlüssel", "Art", "Name", "aktiv", "letzter Abruf", "Ergebnis", "Zustand"):
        table.add_column(col, overflow="fold", no_wrap=col == "Schlüssel")
    colours = {"ok": "green", "warnung": "yellow", "fehler": "red", "unbekannt": "dim"}
    for p, h in zip(cfg.portals, health, strict=True):
        run = h.last_run
        when = run.started_at.astimezone().strftime("%d.%m.%Y %H:%M") if run else "noch nie"
        if run is None:
            result = "–"
        elif run.finished_at is None:
            result = "[yellow]läuft oder abgebrochen[/yellow]"
        elif run.ok:
            result = f"ok: {run.items} Einträge, {run.new} neu, {run.changed} geändert, {run.errors} Fehler"
        else:
            result = f"[red]fehlgeschlagen[/red] ({run.errors} Fehler)"
        state = f"[{colours[h.state]}]{h.label}[/{colours[h.state]}]"
        table.add_row(p.key, p.kind, p.name, "ja" if p.enabled else "nein", when, result, state)
    out.print(table)
    # Reasons below the table: they are sentences, and a narrow terminal would fold them to pulp.
    for h in health:
        if h.state in ("warnung", "fehler"):
            out.print(f"  {h.portal} ({h.label}): {escape(h.summary)}", soft_wrap=True)
    flagged = [h.portal for h in health if h.flagged]
    if flagged:
        out.print(f"Gestört: {', '.join(flagged)} — prüfen mit: foerderradar portals check {flagged[0]}")


@portals_app.command("check")
def portals_check(
    keys: Annotated[list[str] | None, typer.Argument(help="Portal-Schlüssel (Standard: alle aktiven).")] = None,
    max_items: Annotated[int, typer.Option("--max-items", min=1, help="Nach N Einträgen aufhören.")] = 20,
    config: ConfigOpt = None,
) -> None:
    """Ein Portal probeweise abrufen und zeigen, was erkannt wird — ohne etwas zu speichern."""
    from foerderradar.crawler.botwall import any_bot_wall
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
        if any_bot_wall(result.messages):
            state += " – das Portal blockiert automatisierte Abrufe (Prüfseite gegen Roboter)"
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
        for note in result.notes[:10]:
            out.print(f"  {portal.key}: Hinweis: {note}", markup=False, soft_wrap=True)
        failed |= not result.ok or result.items == 0
    if failed:
        raise typer.Exit(1)


@portals_app.command("export")
def portals_export(
    fmt: Annotated[str, typer.Option("--format", help="csv | yaml")] = "csv",
    config: ConfigOpt = None,
) -> None:
    """Die Portalliste als CSV (für Tabellenkalkulationen) oder YAML auf die Standardausgabe schreiben."""
    from foerderradar.portals_io import export_csv, export_yaml

    if fmt not in ("csv", "yaml"):
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: csv, yaml.", 2)
    cfg = config_or_exit(config)
    sys.stdout.write(export_csv(cfg.portals) if fmt == "csv" else export_yaml(cfg.portals))


@portals_app.command("add")
def portals_add(
    key: Annotated[str | None, typer.Argument(help="Schlüssel des neuen Portals (ohne --from-csv).")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Art: foerderdatenbank, eu_sedia, feed, json …")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Anzeigename.")] = None,
    settings: Annotated[
        list[str] | None, typer.Option("--set", help="Weiterer Schlüssel, z. B. --set url=https://… (mehrfach).")
    ] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Eintragen, aber noch nicht abrufen.")] = False,
    from_csv: Annotated[Path | None, typer.Option("--from-csv", help="Alle Zeilen einer CSV (wie export).")] = None,
    config: ConfigOpt = None,
) -> None:
    """Portale in portals.yaml eintragen — geprüft wie beim Laden; Kommentare der Datei bleiben erhalten."""
    from foerderradar.crawler.registry import portal_models
    from foerderradar.portals_io import add_portals, parse_settings, read_csv, validate_new

    cfg = config_or_exit(config)
    try:
        if from_csv is not None:
            if key or kind:
                fail("Entweder --from-csv DATEI oder SCHLÜSSEL --kind ART angeben, nicht beides.", 2)
            try:
                text = from_csv.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                fail(f"{from_csv}: kann nicht gelesen werden ({exc}).", 2)
            entries = read_csv(text, str(from_csv))
            source = str(from_csv)
        else:
            if not key or not kind:
                fail("Bitte SCHLÜSSEL und --kind ART angeben (oder --from-csv DATEI).", 2)
            entry = {"key": key, "kind": kind, **({"name": name} if name else {}), **parse_settings(settings or [])}
            if disabled:
                entry["enabled"] = False
            entries = [entry]
            source = "portals add"
        new = validate_new(cfg.portals, entries, portal_models(), source)
        backup = add_portals(cfg.directory, new, portal_models())
    except ConfigError as exc:
        err.print(f"[red]Nicht eingetragen ({len(exc.problems)} Problem(e)):[/red]")
        for problem in exc.problems:
            err.print(f"  {problem}", soft_wrap=True, markup=False)
        raise typer.Exit(2) from None
    for portal in new:
        out.print(f"eingetragen: {portal.key} ({portal.kind})")
    out.print(f"Vorherige Fassung: {backup}. Prüfen mit: foerderradar portals check {new[0].key if new else ''}")


# -- distributed crawling: workers on further machines ---------------------------------------------


@app.command()
def worker(
    distributed: DistributedOpt = None,
    slots: Annotated[int, typer.Option("--slots", min=1, max=64, help="Crawler-Prozesse nebeneinander.")] = 1,
    idle: Annotated[
        float, typer.Option("--idle", min=0, help="Beenden, wenn so viele Sekunden keine Arbeit anstand.")
    ] = 60,
    lease_ttl: LeaseTtlOpt = 60,
) -> None:
    """Bei verteilten Abrufen mitarbeiten: Seiten aus der gemeinsamen Redis-Warteschlange abrufen."""
    if not distributed:
        fail("Bitte --distributed REDIS-URL angeben (oder FOERDERRADAR_REDIS_URL setzen).", 2)
    from foerderradar.crawler.coordinator import serve_workers
    from foerderradar.crawler.distributed import DistributedError
    from foerderradar.crawler.runner import DEFAULT_CACHE_DIR

    cluster = cluster_or_exit(distributed, lease_ttl)
    with open_store() as store:
        postgres_or_exit(store)
        db_url = store.url
    out.print(f"Warte auf Abrufe in {cluster.namespace} (Strg+C beendet) …")
    try:
        done = serve_workers(cluster, db_url, cache_dir=DEFAULT_CACHE_DIR, slots=slots, idle_s=idle)
    except DistributedError as exc:
        fail(str(exc))
    out.print(f"{done} Crawler-Prozesse gelaufen; seit {idle:g} s keine Arbeit mehr – beendet.")


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
