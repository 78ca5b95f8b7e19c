"""Crawl the configured portals, one worker process each, and collect a per-portal summary.

The parent opens the crawl-run record, so a worker that crashes or hangs still leaves a failed run
behind (with the tail of its error output) instead of a silent gap in the portal's history.

Worker processes are forked from a fork server (``multiprocessing``'s ``forkserver``) that imported
the worker's modules once: Scrapy, Twisted, SQLAlchemy and the portal kinds take about a second of
CPU to import, more than a small portal's crawl itself. A fork is still a fresh process per portal —
its own reactor, killed on timeout, unable to take the caller down — started in milliseconds. The
server is a child of the first process that crawls and ends with it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from foerderradar.crawler.botwall import any_bot_wall
from foerderradar.crawler.crawl_settings import CrawlConfig
from foerderradar.crawler.entry.base import PortalBase
from foerderradar.crawler.worker import RESULT_PREFIX, run_forked
from foerderradar.storage import Store
from foerderradar.storage.store import RunStats

DEFAULT_CACHE_DIR = Path(".foerderradar-cache")


@dataclass
class PortalResult:
    portal: str
    ok: bool
    items: int = 0
    new: int = 0
    changed: int = 0
    errors: int = 0
    messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth knowing, not failures (e.g. unknown category codes)
    requests: int = 0  # HTTP requests sent (a 304 revalidation is one)
    downloads: int = 0  # responses with a body (everything but 304)
    not_modified: int = 0  # 304 answers: the cached page was still current
    bytes: int = 0  # received on the wire
    skipped: int = 0  # listed, card unchanged, detail page not requested (recheck_days)
    gone: int = 0


class UnknownPortalError(ValueError):
    pass


def select_portals(portals: Sequence[PortalBase], keys: Sequence[str] = ()) -> list[PortalBase]:
    """All enabled portals, or exactly the named ones (named disabled portals run too: asked for)."""
    if not keys:
        return [p for p in portals if p.enabled]
    known = {p.key: p for p in portals}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise UnknownPortalError(
            f"Unbekanntes Portal: {', '.join(unknown)}. Bekannt sind: {', '.join(known) or '(keine)'}"
        )
    return [known[k] for k in keys]


class WorkerFailed(RuntimeError):
    """The worker process hung or died; the message says which, in German."""


_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(["foerderradar.crawler.worker"])
_WORKER_CPU = [0.0]  # CPU seconds of this process's finished workers, as they reported them


def worker_cpu_seconds() -> float:
    """The CPU the crawl workers of this process reported so far (a killed worker reports none)."""
    return _WORKER_CPU[0]


def _run_worker(job: dict[str, object], timeout_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="foerderradar-worker-") as tmp:
        out, err = Path(tmp, "stdout"), Path(tmp, "stderr")
        proc = _FORKS.Process(target=run_forked, args=(json.dumps(job), str(out), str(err), dict(os.environ),
                                                       os.getcwd()), name="foerderradar-crawl")
        proc.start()
        proc.join(timeout_s)
        if proc.is_alive():
            proc.kill()
            proc.join()
            raise WorkerFailed(f"Abbruch nach {timeout_s:.0f} s: das Portal antwortet zu langsam oder hängt.")
        stdout = out.read_text(encoding="utf-8", errors="replace") if out.exists() else ""
        stderr = err.read_text(encoding="utf-8", errors="replace") if err.exists() else ""
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            data: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            _WORKER_CPU[0] += float(data.get("cpu_s") or 0)
            return data
    # The last line of a traceback names the exception; the full log stays on stderr for developers.
    lines = stderr.strip().splitlines()
    cause = lines[-1].strip() if lines else "keine Ausgabe"
    raise WorkerFailed(f"Crawler-Prozess abgebrochen (Exit-Code {proc.exitcode}): {cause}")


R = TypeVar("R", "PortalResult", "CheckResult")


def _result(cls: type[R], portal: str, data: dict[str, Any]) -> R:
    """A worker's JSON result as the caller's dataclass: the fields it declares, nothing else."""
    names = {f.name for f in fields(cls)} - {"portal", "ok"}
    return cls(portal=portal, ok=bool(data["ok"]), **{k: v for k, v in data.items() if k in names})


def _job(portal: PortalBase, config: CrawlConfig, db_url: str, cache_dir: Path) -> dict[str, object]:
    return {
        "portal": portal.for_crawl(config.directory).model_dump(mode="json"),
        "crawler": config.settings.crawler.model_dump(mode="json"),
        "db_url": db_url,
        "cache_dir": str(cache_dir),
    }


def crawl_portal(
    portal: PortalBase,
    config: CrawlConfig,
    store: Store,
    *,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    timeout_s: float | None = None,
    now: datetime | None = None,
) -> PortalResult:
    """Crawl one portal in a worker process; ``now`` fixes the crawl's clock (benches, tests)."""
    run_id = store.start_run(portal.key)
    job = {**_job(portal, config, store.url, cache_dir), "run_id": run_id}
    if now is not None:
        job["now"] = now.isoformat()
    limit = timeout_s if timeout_s is not None else config.settings.crawler.portal_timeout_s
    try:
        data = _run_worker(job, limit)
    except WorkerFailed as exc:
        store.finish_run(run_id, RunStats(errors=1), ok=False, message=str(exc))
        return PortalResult(portal.key, ok=False, errors=1, messages=[str(exc)])
    if data.get("recorded") is False:
        # The worker could not write its run record (the database failed). Record the failure from
        # here; if the database is still gone, this raises StoreError and the whole crawl stops —
        # every further portal would fail the same way.
        message = "\n".join(data.get("messages") or []) or None
        store.finish_run(run_id, RunStats(errors=int(data.get("errors") or 1)), ok=False, message=message)
    return _result(PortalResult, portal.key, data)


@dataclass
class CheckResult:
    """What `portals check` shows city IT: would this entry work, and what would it extract?"""

    portal: str
    ok: bool
    items: int = 0
    errors: int = 0
    messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sample: list[dict[str, Any]] = field(default_factory=list)
    filled: dict[str, int] = field(default_factory=dict)

    def warnings(self) -> list[str]:
        out = []
        if any_bot_wall(self.messages):
            out.append(
                "Das Portal antwortet mit einer Prüfseite gegen Roboter: Selektoren anpassen hilft nicht. "
                "Export oder Schnittstelle des Portals nutzen oder den Betreiber um Freigabe bitten."
            )
        if self.ok and self.items == 0:
            out.append("Keine Einträge gefunden: stimmen Start-URLs und Selektoren?")
        for name, label in IMPORTANT_FIELDS.items():
            if self.items and self.filled.get(name, 0) == 0:
                out.append(f"Feld '{name}' ({label}) ist bei keinem Eintrag gefüllt.")
        return out


IMPORTANT_FIELDS = {
    "summary": "Kurzbeschreibung",
    "description": "Beschreibung",
    "applicants": "Antragsberechtigte",
    "regions": "Fördergebiet",
    "deadline_text": "Frist",
}


def check_portal(
    portal: PortalBase,
    config: CrawlConfig,
    *,
    max_items: int = 20,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    timeout_s: float | None = None,
    now: datetime | None = None,
) -> CheckResult:
    """Fetch a portal as a crawl would, but store nothing: the command to run after editing portals.yaml.

    ``timeout_s``: the worker process is killed after it (default ``[crawler] portal_timeout_s``; the
    web app's *Portale* page passes less — a person is waiting, behind a proxy with its own limit).
    ``now`` fixes the crawl's clock, as for :func:`crawl_portal` (statuses derived from dates in tests).
    """
    job = {**_job(portal, config, "sqlite://", cache_dir), "dry_run": True, "max_items": max_items}
    if now is not None:
        job["now"] = now.isoformat()
    try:
        data = _run_worker(job, timeout_s if timeout_s is not None else config.settings.crawler.portal_timeout_s)
    except WorkerFailed as exc:
        return CheckResult(portal.key, ok=False, errors=1, messages=[str(exc)])
    return _result(CheckResult, portal.key, data)


def crawl(
    config: CrawlConfig,
    store: Store,
    keys: Sequence[str] = (),
    *,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    on_start: Callable[[PortalBase], None] | None = None,
    on_done: Callable[[PortalResult], None] | None = None,
    now: datetime | None = None,
) -> list[PortalResult]:
    """Crawl portals one after another; a failing portal never stops the ones after it.

    A failing database does: it raises :class:`StoreError` (German message naming the database).
    """
    results = []
    for portal in select_portals(config.portals, keys):
        if on_start:
            on_start(portal)
        result = crawl_portal(portal, config, store, cache_dir=cache_dir, now=now)
        results.append(result)
        if on_done:
            on_done(result)
    return results
