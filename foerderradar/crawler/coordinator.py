"""Distributed crawling, the processes: a coordinator per crawl, worker processes on any machine.

``foerderradar crawl --distributed redis://…`` runs :func:`crawl_distributed`: for each portal it
opens the crawl-run record, queues the start requests in Redis, publishes the crawl, starts
``--workers`` local worker processes and waits until the crawl is settled (nothing queued, nothing
leased; see crawler/distributed.py). ``foerderradar worker --distributed redis://…`` on other
machines runs :func:`serve_workers`: it joins whichever published crawl has queued work.

The coordinator alone finalises the run, after the crawl is settled and its own workers have
exited: items (the size of the shared ``seen`` set), new/changed (counted as stored), the workers'
figures, gone detection and ``last_seen`` over the union of what all workers saw, one
``crawl_runs`` row. Gone detection needs a complete, clean crawl as in single-process mode — and in
addition that no worker died during the run (its error count died with it).

Failure behaviour: a worker that dies has its leases put back at once (a local child) or when its
alive key expires (a remote one), and the others finish its work; when every local worker is gone
and work remains, the coordinator starts fresh ones (``restarts`` times). If the coordinator itself
dies, the crawl stays in Redis; running the same command again resumes it (same run record).

(Over 450 lines: both process roles — the coordinator and the workers that join from other
machines — start and watch the same worker processes (:class:`LocalWorker`, :func:`worker_job`) and put
a dead one's leases back, and they meet only through the protocol of crawler/distributed.py; the
run's finalisation reads best next to the failure cases above that it answers.)
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import redis
from sqlmodel import select

from foerderradar.crawler.crawl_settings import CrawlConfig
from foerderradar.crawler.distributed import (
    Cluster,
    DistributedConfigError,
    DistributedError,
    SharedCrawl,
    WorkerShare,
    connect,
    start_requests,
)
from foerderradar.crawler.entry.base import PortalBase
from foerderradar.crawler.failures import MAX_MESSAGES
from foerderradar.crawler.registry import KINDS
from foerderradar.crawler.runner import DEFAULT_CACHE_DIR, PortalResult, select_portals
from foerderradar.crawler.worker import RESULT_PREFIX
from foerderradar.storage import Store
from foerderradar.storage.store import RunStats
from foerderradar.storage.tables import CrawlRun


@dataclass
class DistributedResult(PortalResult):
    workers: dict[str, WorkerShare] = field(default_factory=dict)  # by worker id, as reported at close
    requeued: int = 0  # requests dead workers had taken, done again by others
    resumed: bool = False  # an interrupted earlier crawl of this portal was finished


@dataclass(frozen=True)
class DistributedOptions:
    cluster: Cluster
    workers: int = 2  # local worker processes; 0 = only workers started elsewhere (foerderradar worker)
    restarts: int = 2  # fresh local workers when all have died and work remains
    grace_s: float = 30.0  # after the time budget: how long leased pages may finish before workers are killed


def require_postgres(store: Store) -> None:
    if store.engine.dialect.name != "postgresql":
        raise DistributedConfigError(
            "Verteiltes Crawlen braucht PostgreSQL (FOERDERRADAR_DATABASE_URL=postgresql+psycopg://…): "
            "mit SQLite können mehrere Prozesse nicht zuverlässig gleichzeitig schreiben."
        )


def worker_job(
    published: dict[str, Any], db_url: str, cache_dir: Path, cluster: Cluster, worker_id: str
) -> dict[str, Any]:
    """A worker's job: the published crawl, plus what each machine has for itself (database URL —
    never put into Redis — and HTTP cache directory)."""
    return {
        "portal": published["portal"], "crawler": published["crawler"], "now": published.get("now"),
        "db_url": db_url, "cache_dir": str(cache_dir), "distributed": cluster.as_job(worker_id),
    }


class LocalWorker:
    """A worker process started here. Its output goes to temporary files: a pipe that nobody reads
    while the crawl runs could fill up and block the worker."""

    def __init__(self, worker_id: str, job: dict[str, Any]) -> None:
        self.worker_id = worker_id
        self._out: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115  # closed in outcome()
        self._err: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "foerderradar.crawler.worker"],
            stdin=subprocess.PIPE, stdout=self._out, stderr=self._err,
        )
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(job).encode())
        self.proc.stdin.close()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def poll(self) -> int | None:
        return self.proc.poll()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)

    def outcome(self) -> tuple[dict[str, Any] | None, str]:
        """(the worker's result, or None if it died; the reason in German)."""
        self._out.seek(0)
        self._err.seek(0)
        out = self._out.read().decode(errors="replace")
        err = self._err.read().decode(errors="replace").strip().splitlines()
        self._out.close()
        self._err.close()
        for line in reversed(out.splitlines()):
            if line.startswith(RESULT_PREFIX) and self.proc.returncode == 0:
                data: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
                return data, ""
        code = self.proc.returncode
        cause = f"Signal {-code}" if code is not None and code < 0 else f"Exit-Code {code}"
        return None, f"{cause}: {err[-1].strip()}" if err else cause


def _worker_id(n: int) -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{n}"


def _unfinished_run(store: Store, run_id: Any) -> bool:
    if not isinstance(run_id, int):
        return False
    with store.session() as session:
        run = session.exec(select(CrawlRun).where(CrawlRun.id == run_id)).first()
        return run is not None and run.finished_at is None


def _coordinator_gone(shared: SharedCrawl) -> bool:
    """Whether the coordinator of a published crawl is gone: its alive key expires within its TTL
    after a crash (a re-run right after a crash waits that long), a live one keeps refreshing it."""
    deadline = time.monotonic() + shared.coordinator_ttl_s() + 1
    while shared.coordinator_alive():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def publish(
    shared: SharedCrawl, portal: PortalBase, config: CrawlConfig, store: Store, now: datetime | None, ttl_s: float
) -> tuple[dict[str, Any], bool]:
    """Open the run, queue the start requests and publish the crawl — or resume an interrupted one.

    Returns the published job and whether it was resumed. The coordinator keeps an alive key like a
    worker's (``ttl_s``), so a second coordinator does not take over a crawl that is still running,
    and a re-run after a crash can resume once the key has expired.
    """
    job = shared.job()
    if job is not None:
        if not _coordinator_gone(shared):
            raise DistributedError(
                f"Für Portal {portal.key} läuft bereits ein verteilter Crawl (Redis-Namensraum "
                f"{shared.namespace}). Bitte warten, bis er fertig ist."
            )
        if _unfinished_run(store, job.get("run_id")):
            shared.keep_coordinator_alive(ttl_s)
            return job, True
    shared.cleanup()  # leftovers of an attempt whose run was recorded, or never opened
    shared.keep_coordinator_alive(ttl_s)
    first_event = store.last_event_id()  # before any worker of this crawl can store anything
    run_id = store.start_run(portal.key)
    portal = portal.for_crawl(config.directory)  # local paths absolute: workers run elsewhere
    spider = KINDS[portal.kind].spider_class()(portal=portal)
    shared.seed(spider, start_requests(spider))
    job = {
        "portal": portal.model_dump(mode="json"),
        "crawler": config.settings.crawler.model_dump(mode="json"),
        "run_id": run_id,
        "after_event": first_event,
        "now": now.isoformat() if now is not None else None,
        "published_at": datetime.now(UTC).isoformat(),
    }
    shared.publish(job)
    return job, False


class _Run:
    """One portal's distributed crawl, seen from the coordinator."""

    def __init__(
        self, shared: SharedCrawl, job: dict[str, Any], store: Store, options: DistributedOptions,
        cache_dir: Path, budget_s: float, on_worker: Callable[[LocalWorker], None] | None,
    ) -> None:
        self.shared = shared
        self.job = job
        self.store = store
        self.options = options
        self.cache_dir = cache_dir
        self.budget_s = budget_s
        self.on_worker = on_worker
        self.workers: list[LocalWorker] = []
        self.spawned = 0
        self.messages: list[str] = []
        self.died = False
        self.stopped = False
        self.joined = False  # some worker (local or remote) took part

    def spawn(self, count: int) -> None:
        for _ in range(count):
            self.spawned += 1
            worker_id = _worker_id(self.spawned)
            cluster = self.options.cluster
            worker = LocalWorker(worker_id, worker_job(self.job, self.store.url, self.cache_dir, cluster, worker_id))
            self.workers.append(worker)
            if self.on_worker:
                self.on_worker(worker)

    def reap(self) -> None:
        for worker in [w for w in self.workers if w.poll() is not None]:
            self.workers.remove(worker)
            result, cause = worker.outcome()
            if result is None:
                self.died = True
                put_back = self.shared.requeue(worker.worker_id)
                self.messages.append(
                    f"Crawler-Prozess {worker.worker_id} abgebrochen ({cause}); "
                    f"{put_back} offene Anfragen von anderen Prozessen erledigt."
                )

    def run(self) -> int:
        """Wait until the crawl is settled; returns the requests still outstanding (0: complete)."""
        poll = self.options.cluster.poll_s
        started = time.monotonic()
        stop_at = 0.0
        restarts = self.options.restarts
        self.spawn(self.options.workers)
        while True:
            self.shared.keep_coordinator_alive(self.options.cluster.lease_ttl_s)
            self.reap()
            settled = self.shared.settle()
            self.joined |= settled.live_workers > 0
            if settled.reaped:
                self.died = True
                self.messages.append(
                    f"{settled.reaped} Crawler-Prozess(e) nicht mehr erreichbar; {settled.requeued} offene "
                    "Anfragen von anderen Prozessen erledigt."
                )
            now = time.monotonic()
            if not self.stopped and now - started > self.budget_s:
                self.shared.stop()
                self.stopped, stop_at = True, now
                self.messages.insert(0, f"Abbruch nach {self.budget_s:.0f} s: " + (
                    "das Portal antwortet zu langsam oder hängt." if self.joined or self.spawned
                    else "kein Crawler-Prozess hat mitgearbeitet (läuft 'foerderradar worker'?)."
                ))
            if self.stopped and self.workers and now - stop_at > self.options.grace_s:
                for worker in self.workers:
                    worker.kill()
            if not self.workers and settled.live_workers == 0:
                if settled.outstanding == 0 or self.stopped:
                    return settled.outstanding
                if self.options.workers > 0:
                    if restarts == 0:
                        return settled.outstanding
                    restarts -= 1
                    self.spawn(self.options.workers)
            time.sleep(poll)


def finalise(
    shared: SharedCrawl, job: dict[str, Any], store: Store, run: _Run, outstanding: int, resumed: bool
) -> DistributedResult:
    """Record the run once, from what all workers left in Redis, then delete the crawl's keys."""
    portal = str(job["portal"]["key"])
    now = datetime.fromisoformat(job["now"]) if job.get("now") else None
    shared.keep_coordinator_alive(max(run.options.cluster.lease_ttl_s, 300))  # gone detection may take a while
    figures = shared.figures()
    stats = figures.stats
    messages = [*run.messages, *figures.messages]
    errors = stats.get("errors", 0)
    if outstanding and not run.stopped:
        errors += 1
        messages.insert(
            0, f"Crawl unvollständig: {outstanding} Anfragen blieben unbearbeitet (alle Crawler-Prozesse ausgefallen)."
        )
    if resumed:
        messages.append("Fortsetzung eines unterbrochenen Crawls.")
    new, changed = store.changes_since(portal, int(job.get("after_event", 0)))
    complete = not run.stopped and outstanding == 0
    ok = complete and not (figures.items == 0 and errors > 0)
    interrupted = resumed or run.died or figures.dead > 0
    clean = (
        ok and errors == 0 and not interrupted and figures.items > 0
        and all(share.finish_reason == "finished" for share in figures.workers.values())
    )
    if ok and errors == 0 and interrupted:
        messages.append("Ein Crawler-Prozess ist ausgefallen: in diesem Lauf wird kein Aufruf als entfernt markiert.")
    seen = shared.seen_ids()
    gone = store.mark_gone(portal, seen, now) if clean else 0
    store.refresh_last_seen(portal, seen, now)
    del seen
    store.finish_run(
        int(job["run_id"]),
        RunStats(
            items=figures.items, new=new, changed=changed, errors=errors, gone=gone,
            requests=stats.get("requests", 0), bytes=stats.get("bytes", 0), extracted=stats.get("extracted", 0),
            filled=figures.filled,
        ),
        ok=ok,
        message="\n".join(messages[:MAX_MESSAGES]) or None,
    )
    shared.cleanup()
    return DistributedResult(
        portal=portal, ok=ok, items=figures.items, new=new, changed=changed,
        errors=errors, messages=messages[:MAX_MESSAGES], requests=stats.get("requests", 0),
        downloads=stats.get("downloads", 0), not_modified=stats.get("not_modified", 0), bytes=stats.get("bytes", 0),
        skipped=stats.get("skipped", 0), gone=gone, workers=figures.workers, requeued=figures.lost, resumed=resumed,
    )


def crawl_portal_distributed(
    portal: PortalBase,
    config: CrawlConfig,
    store: Store,
    options: DistributedOptions,
    *,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    now: datetime | None = None,
    on_worker: Callable[[LocalWorker], None] | None = None,
) -> DistributedResult:
    require_postgres(store)
    shared = SharedCrawl(connect(options.cluster.redis_url), options.cluster.namespace, portal.key)
    try:
        job, resumed = publish(shared, portal, config, store, now, options.cluster.lease_ttl_s)
    except redis.RedisError as exc:
        raise DistributedError(f"Redis-Fehler beim Start des Abrufs von {portal.key}: {exc}") from None
    run = _Run(shared, job, store, options, cache_dir, config.settings.crawler.portal_timeout_s, on_worker)
    try:
        return finalise(shared, job, store, run, run.run(), resumed)
    except redis.RedisError as exc:
        # The crawl's state is gone with the connection: record the run as failed; the next crawl starts afresh.
        message = f"Verbindung zu Redis verloren ({exc}): Abruf von {portal.key} unvollständig abgebrochen."
        store.finish_run(int(job["run_id"]), RunStats(errors=1), ok=False, message=message)
        raise DistributedError(message) from None
    finally:
        for worker in run.workers:  # only after an error (or Ctrl-C): a finished run has none left
            worker.kill()


def crawl_distributed(
    config: CrawlConfig,
    store: Store,
    keys: Sequence[str] = (),
    *,
    options: DistributedOptions,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    on_start: Callable[[PortalBase], None] | None = None,
    on_done: Callable[[PortalResult], None] | None = None,
    now: datetime | None = None,
    on_worker: Callable[[LocalWorker], None] | None = None,
) -> list[DistributedResult]:
    """Crawl portals one after another, each shared by all workers; a failing portal never stops the others."""
    require_postgres(store)
    connect(options.cluster.redis_url)  # fail before the first portal when Redis is unreachable
    results = []
    for portal in select_portals(config.portals, keys):
        if on_start:
            on_start(portal)
        result = crawl_portal_distributed(portal, config, store, options, cache_dir=cache_dir, now=now,
                                          on_worker=on_worker)
        results.append(result)
        if on_done:
            on_done(result)
    return results


# -- workers on other machines ---------------------------------------------------------------------


def _pick(client: Any, namespace: str) -> tuple[SharedCrawl, dict[str, Any]] | None:
    """The published crawl with the most queued requests (so workers spread over portals)."""
    best: tuple[int, SharedCrawl, dict[str, Any]] | None = None
    for raw in client.smembers(f"{namespace}:crawls"):
        portal = raw.decode() if isinstance(raw, bytes) else str(raw)
        shared = SharedCrawl(client, namespace, portal)
        queued = shared.queued()
        job = shared.job() if queued else None
        if job is not None and not shared.stopped() and (best is None or queued > best[0]):
            best = (queued, shared, job)
    return (best[1], best[2]) if best else None


def serve_workers(
    cluster: Cluster,
    db_url: str,
    *,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    slots: int = 1,
    idle_s: float = 60.0,
    on_worker: Callable[[LocalWorker], None] | None = None,
) -> int:
    """Join published crawls until there has been no queued work for ``idle_s``; returns how many
    worker processes ran. ``slots`` worker processes run side by side (each on one crawl at a time)."""
    connect(cluster.redis_url)
    counter = iter(range(1, 1_000_000))
    lock = threading.Lock()
    done: list[int] = []
    failures: list[str] = []

    def loop() -> None:
        try:
            work()
        except (redis.RedisError, DistributedError) as exc:
            with lock:
                failures.append(str(exc))

    def work() -> None:
        client = connect(cluster.redis_url)
        last_work = time.monotonic()
        while True:
            picked = _pick(client, cluster.namespace)
            if picked is None:
                if time.monotonic() - last_work > idle_s:
                    return
                time.sleep(cluster.poll_s)
                continue
            shared, job = picked
            with lock:
                worker_id = f"{socket.gethostname()}-{os.getpid()}-w{next(counter)}"
            worker = LocalWorker(worker_id, worker_job(job, db_url, cache_dir, cluster, worker_id))
            if on_worker:
                on_worker(worker)
            worker.proc.wait()
            result, _ = worker.outcome()
            if result is None:
                shared.requeue(worker_id)  # counted in Redis: the coordinator skips gone detection
            with lock:
                done.append(1)
            last_work = time.monotonic()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(max(1, slots))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise DistributedError(f"Verbindung zu Redis verloren: {failures[0]}")
    return len(done)
