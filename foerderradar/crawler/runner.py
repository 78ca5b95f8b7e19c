"""Crawl the configured portals, one worker process each, and collect a per-portal summary.

The parent opens the crawl-run record, so a worker that crashes or hangs still leaves a failed run
behind (with the tail of its error output) instead of a silent gap in the portal's history.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from foerderradar.crawler.worker import RESULT_PREFIX
from foerderradar.settings import Config, PortalBase
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
    requests: int = 0
    bytes: int = 0


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


def crawl_portal(
    portal: PortalBase,
    config: Config,
    store: Store,
    *,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    timeout_s: float | None = None,
) -> PortalResult:
    run_id = store.start_run(portal.key)
    job = {
        "portal": portal.model_dump(mode="json"),
        "crawler": config.settings.crawler.model_dump(mode="json"),
        "db_url": store.url,
        "run_id": run_id,
        "cache_dir": str(cache_dir),
    }
    limit = timeout_s if timeout_s is not None else config.settings.crawler.portal_timeout_s
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "foerderradar.crawler.worker"],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            timeout=limit,
            check=False,
        )
    except subprocess.TimeoutExpired:
        message = f"Abbruch nach {limit:.0f} s: das Portal antwortet zu langsam oder hängt."
        store.finish_run(run_id, RunStats(errors=1), ok=False, message=message)
        return PortalResult(portal.key, ok=False, errors=1, messages=[message])

    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            data = json.loads(line[len(RESULT_PREFIX) :])
            return PortalResult(
                portal=portal.key,
                ok=bool(data["ok"]),
                items=data["items"],
                new=data["new"],
                changed=data["changed"],
                errors=data["errors"],
                messages=data["messages"],
                requests=data["requests"],
                bytes=data["bytes"],
            )
    # The last line of a traceback names the exception; the full log stays on stderr for developers.
    lines = proc.stderr.strip().splitlines()
    cause = lines[-1].strip() if lines else "keine Ausgabe"
    message = f"Crawler-Prozess abgebrochen (Exit-Code {proc.returncode}): {cause}"
    store.finish_run(run_id, RunStats(errors=1), ok=False, message=message)
    return PortalResult(portal.key, ok=False, errors=1, messages=[message])


def crawl(
    config: Config,
    store: Store,
    keys: Sequence[str] = (),
    *,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    on_start: Callable[[PortalBase], None] | None = None,
    on_done: Callable[[PortalResult], None] | None = None,
) -> list[PortalResult]:
    """Crawl portals one after another; a failing portal never stops the ones after it."""
    results = []
    for portal in select_portals(config.portals, keys):
        if on_start:
            on_start(portal)
        result = crawl_portal(portal, config, store, cache_dir=cache_dir)
        results.append(result)
        if on_done:
            on_done(result)
    return results
