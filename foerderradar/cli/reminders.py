"""``erinnerungen`` (alias ``reminders``): the reminder mails before deadlines of marked calls, over
``jobs.run_reminders``; the scheduler runs the same job daily after the crawl."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from foerderradar.cli.digest import config_despite_portals
from foerderradar.cli.shared import AsOfOpt, ConfigOpt, KommuneOpt, chosen_kommunen, fail, open_store, out, parse_as_of
from foerderradar.notifier import formatting as fmt
from foerderradar.storage import StoreError
from foerderradar.storage.locks import LockBusy, held

LOCK = "reminders"


def erinnerungen(
    as_of: AsOfOpt = None,
    preview: Annotated[
        Path | None,
        typer.Option("--preview", help="Jede fällige Erinnerung als .html/.txt/.eml in dieses Verzeichnis schreiben."),
    ] = None,
    send: Annotated[
        bool, typer.Option("--send", help="Per SMTP versenden (jede Erinnerung einmal je Empfänger).")
    ] = False,
    kommune: KommuneOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Erinnerungen vor Fristen laufender Anträge und relevanter Aufrufe zeigen, schreiben oder versenden."""
    from foerderradar.jobs import run_reminders

    day = parse_as_of(as_of)
    cfg = config_despite_portals(config, note=False)
    chosen = [one.kommune for one in chosen_kommunen(cfg, kommune)]
    with open_store(cfg) as store:
        try:
            with held(store, LOCK) if send else nullcontext():
                outcomes = run_reminders(store, cfg, day, chosen, preview_dir=preview, send=send)
        except ValueError as exc:
            fail(str(exc), 2)
        except LockBusy as exc:
            fail(str(exc))
        except StoreError as exc:  # the database failed mid-run; the ledger says who already got theirs
            fail(f"Erinnerungen abgebrochen. {exc}")
    steps = cfg.settings.reminders.steps
    if not steps:
        out.print("Erinnerungen sind abgeschaltet ([reminders] steps = [] in foerderradar.toml).")
    failed = False
    for one, outcome in outcomes:
        who = f"{one.measures.city.name} ({one.kommune}): " if cfg.several else ""
        count = len(outcome.reminders)
        if not count:
            out.print(f"{who}keine Erinnerung fällig am {fmt.german_date(day)}.")
            continue
        out.print(f"{who}{count} {fmt.plural(count, 'Erinnerung', 'Erinnerungen')} fällig am {fmt.german_date(day)}:")
        for item in outcome.reminders:
            mail = item.mail
            out.print(f"  {mail.headline} ({mail.deadline_label}): {mail.title} – {mail.measure_title}, "
                      f"{mail.mark_label}", soft_wrap=True, markup=False)
            for path in item.paths:
                out.print(f"    geschrieben: {path}", soft_wrap=True, markup=False)
            if send and not item.recipients:
                out.print("    [yellow]kein Empfänger[/yellow] (digest.recipients oder owner der Maßnahme eintragen)")
            for result in item.results:
                colour = {"sent": "green", "already_sent": "cyan"}.get(result.status, "red")
                label = {"sent": "versendet", "already_sent": "bereits versendet"}.get(result.status, "fehlgeschlagen")
                detail = f" – {result.message}" if result.status == "failed" and result.message else ""
                out.print(f"    [{colour}]{label}[/{colour}]: {escape(result.recipient + detail)}", soft_wrap=True)
                failed |= result.status == "failed"
    if not preview and not send:
        out.print("Nur angezeigt: --preview VERZEICHNIS schreibt die Mails, --send versendet sie.")
    if failed:
        raise typer.Exit(1)
