"""Crawl ONE portal in this process: ``python -m foerderradar.crawler.worker`` (job as JSON on stdin),
or :func:`run_forked` in a process forked from the runner's preloaded fork server.

Each portal runs in its own process because Twisted's reactor cannot be restarted, and so that a
portal that hangs or crashes cannot take the others (or the scheduler) down with it. The result is
printed as one JSON line on stdout, prefixed with ``RESULT `` so log noise cannot be mistaken for it.

A job with ``distributed`` makes this process one of several workers sharing the portal's crawl
through Redis (crawler/distributed.py): it takes its requests from the shared queue, reports its
figures there, and leaves the crawl-run record to the coordinator (crawler/coordinator.py).
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

from foerderradar.crawler.crawl_settings import CrawlerSettings
from foerderradar.crawler.failures import MAX_MESSAGES, http_error
from foerderradar.crawler.http_cache import NET_BYTES, NET_DOWNLOADS, NET_NOT_MODIFIED, NET_REQUESTS
from foerderradar.crawler.mapping import SourceError
from foerderradar.crawler.registry import KINDS
from foerderradar.crawler.scrapy_settings import NOW_SETTING, build_settings
from foerderradar.crawler.selectors import LayoutError
from foerderradar.storage import Store, StoreError
from foerderradar.storage.store import RunStats

RESULT_PREFIX = "RESULT "


# Loggers whose ERROR records repeat a failure FailureReportMiddleware already reports in German.
_REPORTED_ELSEWHERE = ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt")


class _ErrorLog(logging.Handler):
    """Collects ERROR records (spider exceptions, anything unexpected) as short messages."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(_REPORTED_ELSEWHERE):
            return
        self.count += 1
        if len(self.messages) < MAX_MESSAGES:
            self.messages.append(describe_record(record)[:500])


def describe_record(record: logging.LogRecord) -> str:
    exc = record.exc_info[1] if record.exc_info else None
    if isinstance(exc, LayoutError | SourceError):
        # Our own errors already name the portal's real URL and the element or path that is missing.
        return f"Seitenaufbau oder Format geändert: {exc}"
    text = record.getMessage().splitlines()[0] if record.getMessage() else record.name
    return f"{text}: {type(exc).__name__}: {exc}" if exc is not None else text


def traffic_counts(stats: dict[str, Any]) -> dict[str, int]:
    """What crossed the network (counted after the HTTP cache, see crawler/http_cache.py).

    ``requests`` are HTTP requests sent; each is answered either by a full download or by a
    ``304 Not Modified`` (a revalidation: a request, but not a download); ``bytes`` are received.
    """
    return {
        "requests": int(stats.get(NET_REQUESTS, 0)),
        "downloads": int(stats.get(NET_DOWNLOADS, 0)),
        "not_modified": int(stats.get(NET_NOT_MODIFIED, 0)),
        "bytes": int(stats.get(NET_BYTES, 0)),
    }


def run_portal(job: dict[str, Any]) -> dict[str, Any]:
    kind = KINDS[job["portal"]["kind"]]
    portal = kind.config_model.model_validate(job["portal"])
    crawler_settings = CrawlerSettings.model_validate(job["crawler"])
    settings = build_settings(crawler_settings, Path(job["cache_dir"]))
    settings["FOERDERRADAR_DB_URL"] = job["db_url"]
    settings[NOW_SETTING] = job.get("now")
    if job.get("dry_run"):
        settings["FOERDERRADAR_DRY_RUN"] = True
        settings["CLOSESPIDER_ITEMCOUNT"] = job.get("max_items", 20)

    errors = _ErrorLog()
    logging.getLogger().addHandler(errors)
    http_status: dict[str, int] = {}  # by URL: a retried page is one error, with its last status

    def on_response(response: Response, **_: Any) -> None:
        if response.status >= 400 and not response.url.endswith("/robots.txt"):
            http_status[response.url] = response.status
        else:
            http_status.pop(response.url, None)  # a retry that succeeded

    spider_class = kind.spider_class()
    if job.get("distributed"):
        from foerderradar.crawler.distributed import Cluster, worker_spider_class  # an optional extra

        cluster, worker_id = Cluster.from_job(job["distributed"])
        settings.update(cluster.settings(worker_id))
        spider_class = worker_spider_class(spider_class)

    process = CrawlerProcess(settings, install_root_handler=False)
    crawler = process.create_crawler(spider_class)
    crawler.signals.connect(on_response, signal=signals.response_received)
    process.crawl(crawler, portal=portal)
    process.start()

    stats = crawler.stats.get_stats() if crawler.stats else {}
    # Each refusal is named with its URL by FailureReportMiddleware; counted here, once.
    forbidden = int(stats.get("robotstxt/forbidden", 0))
    http_errors = [http_error(status, url) for url, status in http_status.items()]
    db_error = stats.get("foerderradar/db_error")
    messages = [
        *([db_error] if db_error else []),
        *stats.get("foerderradar/download_messages", []), *http_errors, *errors.messages,
        *stats.get("foerderradar/messages", []),
    ]
    error_count = (
        forbidden + len(http_errors) + errors.count + int(stats.get("foerderradar/download_errors", 0))
        + int(stats.get("foerderradar/errors", 0)) + (1 if db_error else 0)
    )
    items = int(stats.get("foerderradar/items", 0))
    return {
        "items": items,
        "new": int(stats.get("foerderradar/new", 0)),
        "changed": int(stats.get("foerderradar/changed", 0)),
        "errors": error_count,
        "messages": messages[:MAX_MESSAGES],
        "notes": list(stats.get("foerderradar/notes", []))[:MAX_MESSAGES],
        "finish_reason": stats.get("finish_reason"),
        **traffic_counts(stats),
        "skipped": int(stats.get("foerderradar/skipped", 0)),
        "seen": stats.get("foerderradar/seen") or set(),
        "sample": stats.get("foerderradar/sample", []),
        "filled": stats.get("foerderradar/filled", {}),
        "extracted": int(stats.get("foerderradar/extracted", 0)),
        "db_error": db_error,
    }


def main() -> int:
    job = json.loads(sys.stdin.read())
    result = run_portal(job)
    # A crawl whose items could not be stored failed, however many pages it read.
    ok = not (result["items"] == 0 and result["errors"] > 0) and not result["db_error"]
    result["ok"] = ok
    if job.get("dry_run"):
        result.pop("seen")
        print(RESULT_PREFIX + json.dumps(_with_cpu(result)), flush=True)
        return 0
    if job.get("distributed"):
        result.pop("seen")  # the crawl's seen set is in Redis; the coordinator records the run
        report_shared(job, result)
        print(RESULT_PREFIX + json.dumps(_with_cpu(result)), flush=True)
        return 0
    # The worker records its own run so that the numbers survive even if the parent dies.
    store = Store(job["db_url"], migrate=False)
    now = datetime.fromisoformat(job["now"]) if job.get("now") else None
    seen: set[str] = result.pop("seen")
    complete = ok and result["errors"] == 0 and result["finish_reason"] == "finished" and seen
    result["gone"] = result["last_seen_refreshed"] = 0
    try:
        # Only a complete, clean crawl may declare calls gone; one 404 must not delete a programme.
        result["gone"] = store.mark_gone(job["portal"]["key"], seen, now) if complete else 0
        # Unchanged calls were not written during the crawl; last_seen moves in bulk, weekly.
        if not result["db_error"]:
            result["last_seen_refreshed"] = store.refresh_last_seen(job["portal"]["key"], seen, now)
        store.finish_run(
            job["run_id"],
            RunStats(
                items=result["items"], new=result["new"], changed=result["changed"], errors=result["errors"],
                gone=result["gone"], requests=result["requests"], bytes=result["bytes"],
                extracted=result["extracted"], filled=result["filled"],
            ),
            ok=ok,
            message="\n".join(result["messages"]) or None,
        )
        result["recorded"] = True
    except StoreError as exc:
        # The parent tries to record the failed run itself (and says so if it cannot either).
        result["ok"], result["recorded"] = False, False
        if not result["db_error"]:
            result["db_error"] = str(exc)
            result["messages"] = [str(exc), *result["messages"]][:MAX_MESSAGES]
    finally:
        store.close()
    print(RESULT_PREFIX + json.dumps(_with_cpu(result)), flush=True)
    return 0 if result["recorded"] else 1


def report_shared(job: dict[str, Any], result: dict[str, Any]) -> None:
    """This worker's figures, added to the shared crawl's (new and changed come from the database)."""
    from foerderradar.crawler.distributed import Cluster, SharedCrawl, WorkerShare, connect

    cluster, worker_id = Cluster.from_job(job["distributed"])
    shared = SharedCrawl(connect(cluster.redis_url), cluster.namespace, job["portal"]["key"])
    names = ("requests", "downloads", "not_modified", "bytes", "errors", "extracted", "skipped")
    share = WorkerShare(
        requests=result["requests"], downloads=result["downloads"], items=result["items"],
        errors=result["errors"], finish_reason=str(result["finish_reason"]),
    )
    shared.report_worker(worker_id, {n: int(result[n]) for n in names}, result["filled"], result["messages"], share)


def _with_cpu(result: dict[str, Any]) -> dict[str, Any]:
    """The result with this process's CPU seconds: a forked worker is not the caller's child, so the
    caller cannot count them otherwise (bench and test accounting: ``runner.worker_cpu_seconds``)."""
    times = os.times()
    return {**result, "cpu_s": round(times.user + times.system, 3)}


def run_forked(job: str, stdout: str, stderr: str, environ: dict[str, str], cwd: str) -> None:
    """:func:`main` in a process forked from the runner's fork server, as if started afresh: the
    environment and working directory of the caller *now* (the server was started earlier, perhaps
    with others: a proxy variable set since must count), the job on stdin, stdout and stderr into the
    caller's files (the same contract as the subprocess: a ``RESULT`` line, a traceback's last line)."""
    os.environ.clear()
    os.environ.update(environ)
    os.chdir(cwd)
    for fd, path in ((1, stdout), (2, stderr)):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(target, fd)
        os.close(target)
    sys.stdin = io.StringIO(job)
    try:
        code = main()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    raise SystemExit(code)


if __name__ == "__main__":
    raise SystemExit(main())
