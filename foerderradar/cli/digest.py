"""``digest`` and ``feed``: the weekly digest and the subscribable feeds, both on the stored verdicts
(``jobs.run_digests``, ``jobs.digest_inputs``), one municipality's each."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from foerderradar.cli.shared import (
    AsOfOpt,
    ConfigOpt,
    KommuneOpt,
    chosen_kommunen,
    config_or_exit,
    err,
    fail,
    guarded,
    one_kommune,
    open_store,
    out,
    parse_as_of,
    write_output,
)
from foerderradar.notifier.formatting import period_label
from foerderradar.settings import Config, ConfigError, load_config
from foerderradar.storage import StoreError
from foerderradar.storage.locks import LockBusy, held


def digest(
    as_of: AsOfOpt = None,
    preview: Annotated[
        Path | None,
        typer.Option("--preview", help="digest.html, digest.txt und digest.eml in dieses Verzeichnis schreiben."),
    ] = None,
    send: Annotated[bool, typer.Option("--send", help="Per SMTP versenden.")] = False,
    to: Annotated[list[str] | None, typer.Option("--to", help="Empfänger (statt der konfigurierten).")] = None,
    kommune: KommuneOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Den Wochenbericht erzeugen (Vorschau) und/oder versenden – bei mehreren Kommunen jeder ihren eigenen."""
    from foerderradar.jobs import digest_summary, run_digests
    from foerderradar.storage.job_runs import record_end, record_start

    day = parse_as_of(as_of)
    if not preview and not send:
        fail("Bitte --preview VERZEICHNIS und/oder --send angeben.", 2)
    cfg = config_despite_portals(config, note=True)
    chosen = [one.kommune for one in chosen_kommunen(cfg, kommune)]
    with open_store(cfg) as store:
        try:
            with held(store, "digest") if send else nullcontext():
                run_id = record_start(store, "digest") if send else None  # a preview is no run for `status`
                try:
                    outcomes = run_digests(store, cfg, day, chosen, preview_dir=preview, send=send, to=to)
                except ValueError as exc:  # checked before anything is sent
                    if run_id is not None:
                        record_end(store, run_id, False, str(exc))
                    raise
                if run_id is not None:
                    record_end(store, run_id, *digest_summary(cfg, outcomes))
        except ValueError as exc:
            fail(str(exc), 2)
        except LockBusy as exc:
            fail(str(exc))
        except StoreError as exc:  # the database failed mid-run; the ledger says who already got theirs
            fail(f"Bericht abgebrochen. {exc}")
    failed = False
    for one, outcome in outcomes:
        who = f"{one.measures.city.name} ({one.kommune}) – " if cfg.several else ""
        out.print(f"{who}{period_label(outcome.period)}: {outcome.summary}")
        for path in outcome.paths:
            out.print(f"  geschrieben: {path}")
        for result in outcome.recipients:
            colour = {"sent": "green", "already_sent": "cyan"}.get(result.status, "red")
            label = {"sent": "versendet", "already_sent": "bereits versendet"}.get(result.status, "fehlgeschlagen")
            out.print(f"  [{colour}]{label}[/{colour}]: {result.recipient} {result.message or ''}", soft_wrap=True)
            failed |= result.status == "failed"
    if failed:
        raise typer.Exit(1)


def feed(
    fmt: Annotated[str, typer.Option("--format", help="atom | ics")] = "atom",
    output: Annotated[Path | None, typer.Option("--output", help="In diese Datei schreiben.")] = None,
    as_of: AsOfOpt = None,
    kommune: KommuneOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Treffer als Atom-Feed oder Fristen als iCalendar-Datei (zum Abonnieren) ausgeben."""
    from foerderradar.jobs import digest_inputs
    from foerderradar.notifier.feeds import build_feed

    if fmt not in ("atom", "ics"):
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: atom, ics.", 2)
    day = parse_as_of(as_of)
    cfg = one_kommune(config_despite_portals(config, note=False), kommune)
    with open_store(cfg) as store:
        text = guarded(lambda: build_feed(digest_inputs(store, cfg, day), cfg, fmt, day))
    if output is None:
        sys.stdout.write(text)
        return
    write_output(output, text)
    err.print(f"geschrieben: {output}")


def config_despite_portals(directory: Path | None, *, note: bool) -> Config:
    """The configuration; a broken portals.yaml only costs the portal names (digest and feeds need
    nothing else of it), so a typo there must not stop them. ``note``: say so on stderr."""
    try:
        return load_config(directory)
    except ConfigError:
        cfg = config_or_exit(directory, need_portals=False)
        if note:
            err.print("[yellow]Hinweis:[/yellow] portals.yaml ist fehlerhaft (foerderradar portals list zeigt, wo).")
        return cfg
