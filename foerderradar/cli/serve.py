"""``serve`` and ``status``: the schedule (``scheduler.py``) run, and what it did last."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from foerderradar.cli.shared import (
    ConfigOpt,
    VerboseOpt,
    config_or_exit,
    fail,
    guarded,
    last_run_cells,
    log_to_stderr,
    open_store,
    out,
)
from foerderradar.cli.web import web_app_or_exit
from foerderradar.notifier import formatting as fmt


def serve(config: ConfigOpt = None, verbose: VerboseOpt = False) -> None:
    """Zeitplan ausführen (Abruf täglich, Bericht wöchentlich) bis SIGTERM/Strg+C."""
    from foerderradar.scheduler import schedule_label
    from foerderradar.scheduler import serve as run_serve
    from foerderradar.storage.store import database_url

    cfg = config_or_exit(config)
    web_app = web_app_or_exit(cfg) if cfg.settings.web.enabled else None  # exit 2 without the secret key
    log_to_stderr(verbose)
    with open_store():
        pass  # creates/upgrades the schema before the scheduler opens its own connections
    beside = []
    if web_app is not None:
        from foerderradar.web.server import WebServer

        try:  # binds the port now (a port in use is an error before anything runs); serves from run_serve on
            server = WebServer(web_app, cfg.settings.web.host, cfg.settings.web.port)
        except OSError as exc:
            fail(f"Web-Oberfläche: kann nicht auf {cfg.settings.web.host}:{cfg.settings.web.port} lauschen "
                 f"({exc.strerror}).")
        beside.append(server)
        out.print(f"Web-Oberfläche: {server.base_url}")
    sched = cfg.settings.schedule
    out.print(f"Förderradar läuft: Abruf {schedule_label(sched.crawl)}, Bericht {schedule_label(sched.digest)} "
              f"({sched.timezone}).", soft_wrap=True)
    run_serve(cfg, database_url(), beside)
    out.print("Beendet.")


def status(config: ConfigOpt = None) -> None:
    """Nächste geplante Läufe und das Ergebnis des letzten Laufs je Job."""
    from foerderradar.scheduler import status as job_status

    cfg = config_or_exit(config, need_portals=False)
    with open_store() as store:
        rows = guarded(lambda: job_status(cfg, store))
    table = Table(title="Zeitplan", title_justify="left")
    for col in ("Job", "Zeitplan", "nächster Lauf", "letzter Lauf", "Ergebnis"):
        # a date and time read as one
        table.add_column(col, no_wrap=col in ("nächster Lauf", "letzter Lauf"))
    names = {"crawl": "Abruf + Abgleich", "digest": "Wochenbericht", "reminders": "Erinnerungen"}
    for row in rows:
        last = row.last
        when, result = last_run_cells(last.started_at if last else None, last is not None and last.ok is not None)
        if result is None and last is not None:
            by_hand = " (von Hand)" if last.trigger == "manual" else ""
            verdict = "[green]ok[/green]" if last.ok else "[red]Fehler[/red]"
            result = f"{verdict}{by_hand}: {escape(last.summary or '')}"
        if row.after is not None:  # no schedule of its own: it follows that job
            table.add_row(names[row.job], f"nach {names[row.after]}", "nach dem nächsten Lauf", when, result)
            continue
        table.add_row(names[row.job], row.schedule, fmt.weekday_date_time(row.next_run), when, result)
    out.print(table)
