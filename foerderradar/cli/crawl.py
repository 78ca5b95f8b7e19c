"""``crawl`` and ``worker``: fetch the portals (here or shared through Redis), then what follows a
crawl (``jobs.after_ingest``), and say per portal what happened."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from foerderradar.cli.shared import (
    ConfigOpt,
    DistributedOpt,
    LeaseTtlOpt,
    config_or_exit,
    err,
    fail,
    guarded,
    key_column,
    open_store,
    out,
)
from foerderradar.settings import Config
from foerderradar.storage import Store, StoreError
from foerderradar.storage.locks import LockBusy, held

if TYPE_CHECKING:
    from foerderradar.crawler.distributed import Cluster
    from foerderradar.crawler.runner import PortalResult
    from foerderradar.grouping import GroupStats
    from foerderradar.jobs import Ingested


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
    from foerderradar.jobs import after_ingest, crawl_summary
    from foerderradar.storage.job_runs import record_end, record_start

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
                    # `status` names this run as the last crawl; one that ends in a message stays
                    # "läuft oder abgebrochen" there
                    run_id = guarded(lambda: record_start(store, "crawl"))
                    results = crawl_or_exit(cfg, store, portals or [], started, cluster, workers)
                    status.update("Gleiche Programme auf mehreren Portalen zusammenführen …")
                    ingested = guarded(lambda: after_ingest(store, cfg, [r.portal for r in results]))
                    guarded(lambda: record_end(store, run_id, *crawl_summary(results, ingested)))
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


def cluster_or_exit(url: str, lease_ttl: float) -> Cluster:
    """The shared queue, checked before any work starts (URL, namespace, reachable, extra installed)."""
    from foerderradar.jobs import open_cluster

    try:
        from foerderradar.crawler.distributed import DistributedConfigError, DistributedError
    except ImportError:
        fail("Verteiltes Abrufen braucht das Extra 'distributed': pip install 'foerderradar[distributed]'.", 2)
    try:
        return open_cluster(url, lease_ttl)
    except DistributedConfigError as exc:
        fail(str(exc), 2)
    except DistributedError as exc:
        fail(str(exc))


def postgres_or_exit(store: Store) -> None:
    from foerderradar.crawler.coordinator import require_postgres
    from foerderradar.crawler.distributed import DistributedConfigError

    try:
        require_postgres(store)
    except DistributedConfigError as exc:
        fail(str(exc), 2)


def crawl_or_exit(
    cfg: Config, store: Store, keys: list[str], started: Callable[[object], None], cluster: Cluster | None,
    workers: int,
) -> list[PortalResult]:
    """``jobs.crawl_portals``; a failing shared crawl ends in its message (exit 1)."""
    from foerderradar.jobs import crawl_portals

    if cluster is None:
        return crawl_portals(cfg, store, keys, on_start=started)
    from foerderradar.crawler.distributed import DistributedError

    try:
        return crawl_portals(cfg, store, keys, on_start=started, cluster=cluster, workers=workers)
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
    key_column(table, "Portal", (r.portal for r in results))
    table.add_column("Status", min_width=len("fehlgeschlagen"))
    for col in ("Einträge", "neu", "geändert", "entfallen", "Fehler"):  # entfallen: no longer listed by the portal
        table.add_column(col, justify="right")
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
