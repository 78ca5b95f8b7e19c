"""``serve`` and ``status``: the schedule (``scheduler.py``) run, and what it did last."""

from __future__ import annotations

from rich.table import Table

from foerderradar.cli.shared import ConfigOpt, config_or_exit, fail, guarded, last_run_cells, open_store, out
from foerderradar.cli.web import web_app_or_exit
from foerderradar.notifier import formatting as fmt


def serve(config: ConfigOpt = None) -> None:
    """Zeitplan ausführen (Abruf täglich, Bericht wöchentlich) bis SIGTERM/Strg+C."""
    import logging

    from foerderradar.scheduler import serve as run_serve
    from foerderradar.storage.store import database_url

    cfg = config_or_exit(config)
    web_app = web_app_or_exit(cfg) if cfg.settings.web.enabled else None  # exit 2 without the secret key
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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
    out.print(f"Förderradar läuft: Abruf '{sched.crawl}', Bericht '{sched.digest}' ({sched.timezone}).")
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
        table.add_column(col, no_wrap=col == "nächster Lauf")  # a date and time read as one
    names = {"crawl": "Abruf + Abgleich", "digest": "Wochenbericht", "reminders": "Erinnerungen"}
    for row in rows:
        last = row.last
        when, result = last_run_cells(last.started_at if last else None, last is not None and last.ok is not None)
        if result is None and last is not None:
            result = ("[green]ok[/green]: " if last.ok else "[red]Fehler[/red]: ") + (last.summary or "")
        if row.after is not None:  # no schedule of its own: it follows that job
            table.add_row(names[row.job], f"nach {names[row.after]}", "nach dem nächsten Lauf", when, result)
            continue
        table.add_row(names[row.job], row.cron, fmt.weekday_date_time(row.next_run), when, result)
    out.print(table)
