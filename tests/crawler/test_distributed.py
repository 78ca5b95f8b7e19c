"""Distributed crawling: worker processes share one portal's crawl through Redis and PostgreSQL.

Real parts throughout: Redis on 127.0.0.1:6379 (a namespace of its own per test, deleted after),
PostgreSQL (a schema of its own per test), worker processes running Scrapy with the scrapy-redis
scheduler, the Förderdatenbank spider and the store pipeline, against a loopback portal generated
by bench/fdb_site.py and served by a FaultServer, which counts every request on the server side.
Some programme pages answer slowly, so that every worker gets work and often holds a lease when
one is killed.

Without Redis the tests skip (say so), unless FOERDERRADAR_REQUIRE_REDIS=1; without PostgreSQL
they skip like the other PostgreSQL tests, unless FOERDERRADAR_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bench_modules
import pytest
import sqlalchemy as sa
from config_files import FAST_CRAWL, crawl_config, write_config_dir
from conftest import REDIS_URL, _drop_schema, _fresh_schema, _postgres_url
from fault_server import FaultServer
from scrapy import Spider
from scrapy.http import FormRequest, Request
from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.crawler.coordinator import (
    DistributedOptions,
    DistributedResult,
    LocalWorker,
    crawl_portal_distributed,
)
from foerderradar.crawler.distributed import (
    Cluster,
    DistributedConfigError,
    DistributedError,
    JsonCodec,
    SharedCrawl,
    connect,
)
from foerderradar.crawler.kinds.foerderdatenbank.config import FoerderdatenbankPortal
from foerderradar.jobs import open_cluster
from foerderradar.model import FundingCall
from foerderradar.settings import Config
from foerderradar.storage import Store
from foerderradar.storage.verdicts import stored_matches

PROJECT = Path(__file__).resolve().parents[2]
KEY = "fdb"
N = 240  # programmes: 24 list pages of the first facet
T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


site = bench_modules.load("fdb_site")


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def pg_url() -> Iterator[str]:
    url = _postgres_url()
    assert url is not None
    schema, scoped = _fresh_schema(url)
    Store(scoped).close()  # migrate once, before the workers connect
    yield scoped
    _drop_schema(url, schema)


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    store = Store(pg_url, migrate=False)
    yield store
    store.close()


@pytest.fixture(scope="module")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(site.build_site(tmp_path_factory.mktemp("portal"), N))


@pytest.fixture
def portal_server(site_root: Path) -> Iterator[FaultServer]:
    # Every tenth programme page answers after 0.3 s: workers hold leases long enough to be seen.
    with FaultServer(site_root, delay=0.3) as server:
        server.fault, server.only = "slow", "0.html"
        yield server


def config_for(base_url: str, portal_timeout_s: float = 300) -> Config:
    portal = FoerderdatenbankPortal(key=KEY, kind="foerderdatenbank", base_url=base_url, max_pages=1000)
    return crawl_config(PROJECT, portal, concurrent_requests=4, timeout_s=30, portal_timeout_s=portal_timeout_s)


def options(namespace: str, workers: int, lease_ttl_s: float = 5) -> DistributedOptions:
    return DistributedOptions(Cluster(REDIS_URL, namespace, lease_ttl_s=lease_ttl_s, poll_s=0.2), workers=workers)


def crawl(
    cfg: Config, store: Store, opts: DistributedOptions, tmp_path: Path, on_worker: Any = None
) -> DistributedResult:
    return crawl_portal_distributed(
        cfg.portals[0], cfg, store, opts, cache_dir=tmp_path / "cache", now=T0, on_worker=on_worker
    )


def fetches(server: FaultServer) -> Counter[str]:
    """Requests per page as the server saw them; robots.txt is fetched once per worker process."""
    return Counter(h for h in server.site.hits if h != "/robots.txt")


def stored_once(store: Store, expected: int) -> None:
    """Every programme is one row, version 1, with exactly one 'new' event and no other event."""
    ids = {r.id for r in store.iter_calls()}
    assert ids == {f"{KEY}:Land/Bench/programm-{i:05d}" for i in range(expected)}
    assert {r.version for r in store.iter_calls()} == {1}
    events = Counter((e.call_id, e.kind) for e in store.events_since())
    assert set(events.values()) == {1} and {kind for _, kind in events} == {"new"}
    assert len(events) == expected


def left_in_redis(namespace: str) -> list[str]:
    client = connect(REDIS_URL)
    try:
        return sorted(k.decode() for k in client.scan_iter(match=f"{namespace}:*", count=1000))
    finally:
        client.close()


# -- requests as JSON ----------------------------------------------------------------------------


class _Spider(Spider):
    name = "codec"

    def parse(self, response: Any) -> None:
        pass

    def parse_detail(self, response: Any) -> None:
        pass


SPIDER = _Spider()
CODEC_CASES = [
    Request("https://p.example/a?x=1", callback=SPIDER.parse, cb_kwargs={"page": 3}, priority=2),
    Request("https://p.example/b", callback=SPIDER.parse_detail,
            meta={"foerderradar_card": {"url": "https://p.example/b", "signature": "ab"}, "retry_times": 1,
                  "redirect_urls": ["https://p.example/old"], "download_latency": 0.25},
            headers={"Accept": "text/html", "If-None-Match": '"etag"'}, dont_filter=True),
    FormRequest("https://p.example/search", callback=SPIDER.parse, formdata={"q": "Förderung", "page": "2"}),
    Request("https://p.example/binary", callback=SPIDER.parse, body=b"\x00\xff\xfe raw", method="PUT"),
]


@pytest.mark.parametrize("request_", CODEC_CASES, ids=["list", "detail-with-meta", "form-post", "binary-body"])
def test_requests_cross_redis_as_json_and_come_back_equal(request_: Request) -> None:
    encoded = JsonCodec.dumps(request_.to_dict(spider=SPIDER))
    back = request_from_dict(JsonCodec.loads(encoded.encode()), spider=SPIDER)
    assert type(back) is type(request_)
    for attr in ("url", "method", "body", "meta", "cb_kwargs", "priority", "dont_filter", "encoding"):
        assert getattr(back, attr) == getattr(request_, attr), attr
    assert dict(back.headers) == dict(request_.headers)
    assert back.callback == request_.callback
    assert JsonCodec.dumps(back.to_dict(spider=SPIDER)) == encoded  # one request, one encoding (lease id)


def test_a_request_carrying_an_object_is_refused_not_pickled() -> None:
    request = Request("https://p.example/x", callback=SPIDER.parse, meta={"response": object()})
    with pytest.raises(TypeError, match="object"):
        JsonCodec.dumps(request.to_dict(spider=SPIDER))


def test_a_request_is_marked_seen_and_queued_in_one_step(redis_ns: str) -> None:
    """Queued once however often it is linked; requests that bypass the filter are always queued."""
    shared = SharedCrawl(connect(REDIS_URL), redis_ns, KEY)
    queue = shared.queue(SPIDER)
    dupefilter = RFPDupeFilter(shared.client, shared.key("dupefilter"))
    page = Request("https://p.example/programm-1.html", callback=SPIDER.parse_detail)
    retries = [page.replace(dont_filter=True, meta={"retry_times": n}) for n in (1, 2)]
    outcomes = [shared.enqueue(r, queue, dupefilter) for r in (page, page, *retries)]
    assert outcomes == [True, False, True, True]
    assert shared.queued() == 3  # the page once, its two retries
    assert shared.client.scard(shared.key("dupefilter")) == 1
    # An identical request queued again while still queued is one entry (the queue is a sorted set):
    # a mirror rewrite redone after a worker died is not fetched twice.
    assert shared.enqueue(retries[0], queue, dupefilter) and shared.queued() == 3


# -- the store under concurrent workers ----------------------------------------------------------


def _race(url: str, calls: list[FundingCall], threads: int = 6) -> tuple[Counter[str], list[str]]:
    """Every thread (own connection) upserts the same call at the same moment, for each call."""
    stores = [Store(url, migrate=False) for _ in range(threads)]
    outcomes: Counter[str] = Counter()
    errors: list[str] = []
    lock = threading.Lock()
    try:
        for call in calls:
            barrier = threading.Barrier(threads)

            def run(store: Store, call: FundingCall = call, barrier: threading.Barrier = barrier) -> None:
                barrier.wait()
                try:
                    outcome = store.upsert_call(call)
                    with lock:
                        outcomes[outcome] += 1
                except Exception as exc:
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")

            workers = [threading.Thread(target=run, args=(s,)) for s in stores]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
    finally:
        for s in stores:
            s.close()
    return outcomes, errors


def _call(n: int, title: str = "Gleicher Aufruf") -> FundingCall:
    return FundingCall.model_validate(
        {"source": "race", "source_id": f"p{n}", "url": f"https://race.example/{n}", "title": title}
    )


def test_workers_racing_to_store_one_new_call_store_it_once(pg_url: str, pg_store: Store) -> None:
    """Six connections insert the same new call at once, 15 times over: no error, one 'new'."""
    outcomes, errors = _race(pg_url, [_call(n) for n in range(15)])
    assert errors == []
    assert outcomes == Counter({"new": 15, "unchanged": 15 * 5})
    assert pg_store.count_calls() == 15
    assert Counter(e.kind for e in pg_store.events_since()) == Counter({"new": 15})


def test_workers_racing_with_different_content_keep_versions_and_events_consistent(
    pg_url: str, pg_store: Store
) -> None:
    """Different texts at once: each upsert sees the row as the previous one left it (row lock)."""
    calls = [_call(0, title=f"Fassung {i}") for i in range(6)]
    stores = [Store(pg_url, migrate=False) for _ in calls]
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    errors: list[str] = []

    def run(store: Store, call: FundingCall) -> None:
        barrier.wait()
        try:
            outcomes.append(store.upsert_call(call))
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=run, args=pair) for pair in zip(stores, calls, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert errors == []
    assert Counter(outcomes) == Counter({"new": 1, "changed": 5})
    record = pg_store.get_call(calls[0].id)
    assert record is not None and record.version == 6
    kinds = [(e.kind, e.call_version) for e in pg_store.events_since()]
    assert kinds == [("new", 1), *[("amended", v) for v in range(2, 7)]]


def test_a_runs_new_and_changed_are_counted_from_the_events_after_it_started(pg_store: Store) -> None:
    """What the coordinator records as new/changed: events of this portal's calls after the mark."""
    def call(source: str, n: int, title: str = "T") -> FundingCall:
        return FundingCall.model_validate(
            {"source": source, "source_id": f"p{n}", "url": f"https://{source}.example/{n}", "title": title}
        )

    pg_store.upsert_calls([call("a", 1), call("a", 2), call("b", 1)])  # before the crawl
    mark = pg_store.last_event_id()
    assert mark == 3
    pg_store.upsert_calls([call("a", 3), call("a", 1, "T2"), call("a", 2), call("b", 2), call("b", 1, "T2")])
    pg_store.mark_gone("a", {"a:p1", "a:p3"})  # a gone event is neither new nor changed
    assert pg_store.changes_since("a", mark) == (1, 1)
    assert pg_store.changes_since("b", mark) == (1, 1)
    assert pg_store.changes_since("a", pg_store.last_event_id()) == (0, 0)


# -- crawls --------------------------------------------------------------------------------------


def test_three_workers_share_a_portal_and_store_every_programme_once(
    tmp_path: Path, redis_ns: str, pg_store: Store, portal_server: FaultServer
) -> None:
    cfg = config_for(portal_server.base_url)
    result = crawl(cfg, pg_store, options(redis_ns, workers=3), tmp_path)

    assert result.ok and result.errors == 0, result.messages
    stored_once(pg_store, N)
    pages = fetches(portal_server)
    assert set(pages.values()) == {1}  # each page fetched once across all workers
    assert sum(pages.values()) == N + N // 10 + 3  # programme pages, result pages, three empty facets
    # The work was shared: every worker fetched pages and stored calls; the shares add up.
    assert len(result.workers) == 3
    assert all(s.requests > 1 and s.items > 0 and s.finish_reason == "finished" for s in result.workers.values())
    assert sum(s.items for s in result.workers.values()) == N
    assert result.requests == sum(s.requests for s in result.workers.values()) == len(portal_server.site.hits)
    # One crawl_runs row, written once by the coordinator.
    runs = pg_store.recent_runs(KEY)
    assert len(runs) == 1
    run = runs[0]
    assert (run.ok, run.items, run.new, run.changed, run.gone, run.errors) == (True, N, N, 0, 0, 0)
    assert run.finished_at is not None and run.extracted == N and run.filled and run.filled["title"] == N
    assert left_in_redis(redis_ns) == []  # the coordinator cleaned up


def test_failing_pages_are_retried_through_the_shared_queue_and_reported_once(
    tmp_path: Path, redis_ns: str, pg_store: Store, site_root: Path
) -> None:
    """Ten programme pages answer 500: each is tried 1 + 3 times in all (the retries go through the
    shared queue, whichever worker takes them), then reported once; the rest is fetched once; a
    partial crawl declares nothing gone and every lease was released (nothing left to redo)."""
    with FaultServer(site_root) as server:
        server.fault, server.only = "500", "programm-0001"  # programm-00010 … programm-00019
        result = crawl(config_for(server.base_url), pg_store, options(redis_ns, workers=2), tmp_path)
        pages = fetches(server)
    failing = {p for p in pages if "programm-0001" in p}
    assert len(failing) == 10 and {pages[p] for p in failing} == {4}
    assert {n for p, n in pages.items() if p not in failing} == {1}
    assert result.ok and result.errors == 10 and result.items == N - 10 and result.gone == 0
    assert sum("HTTP 500" in m for m in result.messages) == 10
    assert result.requeued == 0 and len(result.workers) == 2


def test_a_repeat_crawl_by_other_workers_finds_removed_programmes_gone(
    tmp_path: Path, redis_ns: str, pg_store: Store, site_root: Path
) -> None:
    """Gone detection over the union of what all workers saw: nothing else is declared gone."""
    hidden = {3, 57, 140}
    with FaultServer(site_root) as server:
        cfg = config_for(server.base_url)
        first = crawl(cfg, pg_store, options(redis_ns, workers=2), tmp_path)
        site.write_lists(site_root, N, hidden=hidden)
        try:
            repeat = crawl(cfg, pg_store, options(redis_ns, workers=2), tmp_path)
        finally:
            site.write_lists(site_root, N)
    assert first.ok and repeat.ok and repeat.errors == 0
    assert (repeat.items, repeat.new, repeat.changed, repeat.gone) == (N - 3, 0, 0, 3)
    gone = {r.id for r in pg_store.iter_calls() if r.gone_at is not None}
    assert gone == {f"{KEY}:Land/Bench/programm-{i:05d}" for i in hidden}
    assert [(r.items, r.gone, r.ok) for r in pg_store.recent_runs(KEY)] == [(N - 3, 3, True), (N, 0, True)]


def test_a_worker_killed_mid_crawl_leaves_its_pages_to_the_others(
    tmp_path: Path, redis_ns: str, pg_store: Store, portal_server: FaultServer
) -> None:
    """SIGKILL one of three workers while it holds leases: the others redo exactly those pages; every
    programme is stored once, and the run says a worker died and declares nothing gone."""
    cfg = config_for(portal_server.base_url)
    spawned: list[LocalWorker] = []
    shared = SharedCrawl(connect(REDIS_URL), redis_ns, KEY)
    killed: list[tuple[str, int]] = []

    def killer() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            if len(spawned) == 3 and len(portal_server.site.hits) > N // 3:
                for victim in spawned:  # the first one holding leases right now
                    held = int(shared.client.hlen(shared.key(f"leases:{victim.worker_id}")))
                    if held:
                        victim.proc.send_signal(signal.SIGKILL)
                        killed.append((victim.worker_id, held))
                        return
            time.sleep(0.01)

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        result = crawl(cfg, pg_store, options(redis_ns, workers=3), tmp_path, on_worker=spawned.append)
    finally:
        thread.join()

    assert killed, "the victim never held a lease"
    victim, _ = killed[0]
    assert result.ok and result.errors == 0
    stored_once(pg_store, N)
    pages = fetches(portal_server)
    assert len(pages) == N + N // 10 + 3  # every page fetched …
    twice = sum(n - 1 for n in pages.values())
    assert result.requeued >= 1 and twice <= result.requeued  # … again only if the dead worker held it
    assert victim not in result.workers and len(result.workers) == 2  # it never reported
    run = pg_store.recent_runs(KEY)[0]
    assert (run.ok, run.items, run.new, run.gone) == (True, N, N, 0)
    assert run.message and "abgebrochen (Signal 9" in run.message and "kein Aufruf als entfernt" in run.message
    assert left_in_redis(redis_ns) == []


def _cli_env(pg_url: str, namespace: str) -> dict[str, str]:
    return {
        **os.environ, "FOERDERRADAR_DATABASE_URL": pg_url, "FOERDERRADAR_REDIS_NAMESPACE": namespace,
        "PYTHONPATH": str(PROJECT),
    }


def _write_config(directory: Path, base_url: str) -> Path:
    return write_config_dir(
        directory,
        portals=f"portals:\n  - {{key: {KEY}, kind: foerderdatenbank, base_url: '{base_url}', max_pages: 1000}}\n",
        toml=FAST_CRAWL + "concurrent_requests = 4\n",
    )


def _cli(*args: str, env: dict[str, str], cwd: Path, **kw: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "foerderradar.cli", *args], env=env, cwd=cwd, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw,
    )


def test_coordinator_and_workers_killed_then_a_rerun_resumes_the_same_run(
    tmp_path: Path, redis_ns: str, pg_url: str, pg_store: Store, portal_server: FaultServer
) -> None:
    """`foerderradar crawl --distributed` SIGKILLed with all its workers: running it again finishes
    that crawl (the same crawl_runs row), with every programme stored once."""
    config = _write_config(tmp_path / "config", portal_server.base_url)
    env = _cli_env(pg_url, redis_ns)
    args = ("crawl", "--config", str(config), "--distributed", REDIS_URL, "--workers", "2", "--lease-ttl", "3")
    first = _cli(*args, env=env, cwd=tmp_path, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(portal_server.site.hits) < N // 2 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert first.poll() is None, "the first crawl ended before it could be killed"
    os.killpg(first.pid, signal.SIGKILL)  # the coordinator's own process group: it and its workers
    first.communicate()
    stored_before = pg_store.count_calls()
    assert 0 < stored_before < N

    second = _cli(*args, env=env, cwd=tmp_path)
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    assert "verteilt auf" in out
    stored_once(pg_store, N)
    runs = pg_store.recent_runs(KEY)
    assert len(runs) == 1 and runs[0].finished_at is not None
    assert (runs[0].ok, runs[0].items, runs[0].gone) == (True, N, 0)
    # New calls are counted in Redis as they are stored, so the killed first part's count survived.
    assert runs[0].new == N
    assert runs[0].message and "Fortsetzung" in runs[0].message
    assert len(fetches(portal_server)) == N + N // 10 + 3  # every page reached
    assert left_in_redis(redis_ns) == []


def test_a_worker_on_another_machine_joins_and_exits_when_idle(
    tmp_path: Path, redis_ns: str, pg_url: str, pg_store: Store, portal_server: FaultServer
) -> None:
    """`foerderradar worker` (as on a second machine) takes part in a crawl the coordinator runs with
    one local worker, and exits by itself once there has been no work for --idle seconds."""
    env = _cli_env(pg_url, redis_ns)
    joiner = _cli("worker", "--distributed", REDIS_URL, "--idle", "4", env=env, cwd=tmp_path)
    try:
        cfg = config_for(portal_server.base_url)
        result = crawl(cfg, pg_store, options(redis_ns, workers=1), tmp_path)
        out, err = joiner.communicate(timeout=60)
    finally:
        if joiner.poll() is None:
            joiner.kill()
    assert joiner.returncode == 0, err
    assert "Crawler-Prozesse gelaufen" in out
    assert result.ok and len(result.workers) == 2
    assert all(s.items > 0 for s in result.workers.values())
    assert any("-w" in wid for wid in result.workers)  # one of them is the joiner's
    stored_once(pg_store, N)
    assert set(fetches(portal_server).values()) == {1}


@pytest.mark.parametrize("workers", [0, 2], ids=["nobody-joins", "portal-hangs"])
def test_the_portal_time_budget_stops_a_distributed_crawl_and_records_a_failed_run(
    tmp_path: Path, redis_ns: str, pg_store: Store, site_root: Path, workers: int
) -> None:
    """portal_timeout_s holds in distributed mode too: the queue is dropped, leased pages get
    ``grace_s``, then the workers are killed; the run is failed and says why."""
    with FaultServer(site_root, delay=60) as server:
        server.fault, server.only = "slow", "/Land/"  # every programme page hangs
        # 10 s: the workers (fresh interpreters) must have started and be stuck on a hanging page when
        # the budget ends — 4 s did not always cover their start on a loaded CI machine.
        cfg = config_for(server.base_url, portal_timeout_s=10)
        opts = DistributedOptions(Cluster(REDIS_URL, redis_ns, lease_ttl_s=5, poll_s=0.2), workers=workers,
                                  grace_s=1)
        result = crawl(cfg, pg_store, opts, tmp_path)
    assert not result.ok and result.gone == 0
    expected = "das Portal antwortet zu langsam" if workers else "kein Crawler-Prozess hat mitgearbeitet"
    assert result.messages[0].startswith("Abbruch nach 10 s") and expected in result.messages[0]
    # The workers stuck on hanging pages were killed after the grace time, not waited for.
    assert sum("abgebrochen (Signal 9" in m for m in result.messages) == workers
    run = pg_store.recent_runs(KEY)[0]
    assert run.finished_at is not None and not run.ok and run.message and "Abbruch nach 10 s" in run.message
    assert pg_store.count_calls() == 0
    assert left_in_redis(redis_ns) == []


# -- the command line ----------------------------------------------------------------------------


CLI_ERRORS = [
    # (database, redis URL, exit code, message part)
    ("sqlite", REDIS_URL, 2, "braucht PostgreSQL"),
    ("postgres", "redis://127.0.0.1:1/0", 1, "nicht erreichbar"),
    ("postgres", "http://127.0.0.1:6379", 2, "Ungültige Redis-URL"),
]


@pytest.mark.parametrize(("database", "url", "code", "message"), CLI_ERRORS)
def test_distributed_crawl_set_up_errors_are_plain_german(
    tmp_path: Path, redis_ns: str, pg_url: str, database: str, url: str, code: int, message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = _write_config(tmp_path / "config", "http://127.0.0.1:9")
    db = f"sqlite:///{tmp_path / 'x.db'}" if database == "sqlite" else pg_url
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", db)
    monkeypatch.setenv("FOERDERRADAR_REDIS_NAMESPACE", redis_ns)
    result = CliRunner().invoke(app, ["crawl", "--config", str(config), "--distributed", url])
    assert result.exit_code == code, result.output
    assert message in result.output and "Traceback" not in result.output


def test_open_cluster_takes_the_namespace_from_the_environment(redis_ns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOERDERRADAR_REDIS_NAMESPACE", redis_ns)
    cluster = open_cluster(REDIS_URL, 5)
    assert (cluster.redis_url, cluster.namespace, cluster.lease_ttl_s) == (REDIS_URL, redis_ns, 5)
    monkeypatch.setenv("FOERDERRADAR_REDIS_NAMESPACE", "zwei Wörter")
    with pytest.raises(DistributedConfigError, match="Ungültiger Redis-Namensraum 'zwei Wörter'"):
        open_cluster(REDIS_URL, 5)


def test_worker_without_a_queue_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FOERDERRADAR_REDIS_URL", raising=False)
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 2 and "--distributed" in result.output


def test_a_second_coordinator_does_not_take_over_a_running_crawl(
    tmp_path: Path, redis_ns: str, pg_store: Store
) -> None:
    """A live coordinator keeps refreshing its alive key; a second one waits out the key's TTL, sees
    it refreshed, and refuses (a crashed one's key would have expired: see the resume test)."""
    cfg = config_for("http://127.0.0.1:9")
    shared = SharedCrawl(connect(REDIS_URL), redis_ns, KEY)
    shared.publish({"portal": {}, "crawler": {}, "run_id": pg_store.start_run(KEY), "now": None})
    alive = threading.Event()

    def live_coordinator() -> None:
        # A TTL well above the refresh interval: on a loaded CI machine this thread can be starved
        # for a second or more, and a lapsed key would rightly read as a crashed coordinator.
        while not alive.is_set():
            shared.keep_coordinator_alive(5)
            alive.wait(0.3)

    shared.keep_coordinator_alive(5)  # alive before the second one looks (the thread may start late)
    thread = threading.Thread(target=live_coordinator)
    thread.start()
    try:
        with pytest.raises(DistributedError, match="läuft bereits"):
            crawl(cfg, pg_store, options(redis_ns, workers=1), tmp_path)
    finally:
        alive.set()
        thread.join()
    with pg_store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM crawl_runs")).scalar() == 1


# -- several municipalities, one shared call store -------------------------------------------------


def _city(directory: Path, name: str, measures: list[tuple[str, str]]) -> Path:
    directory.mkdir(parents=True)
    lines = [f"city:\n  name: {name}\n  region: DE-NW\n  applicant_types: [kommune]\nmeasures:"]
    lines += [f"  - id: {mid}\n    title: {title}\n    keywords: [{title}]" for mid, title in measures]
    (directory / "measures.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (directory / "portals.yaml").write_text("portals: []\n", encoding="utf-8")
    return directory


def test_several_cities_match_and_preview_against_one_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One crawl, one store; each city runs match and digest with its own --config. Stored verdicts
    of one city survive the other's run, because measure ids differ (docs/scale-out.md)."""
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    store = Store(db)
    for i, title in enumerate(["WLAN für Schulen", "Glasfaser im Gewerbegebiet", "Sportplatzsanierung"]):
        store.upsert_call(FundingCall.model_validate({
            "source": "land", "source_id": f"c{i}", "url": f"https://land.example/{i}", "title": title,
            "summary": f"{title}: Zuschuss für Kommunen.", "applicants": ["kommune"], "regions": ["DE-NW"],
        }), now=T0)
    cities = {
        "a": _city(tmp_path / "stadt-a", "Stadt A", [("a-wlan", "WLAN")]),
        "b": _city(tmp_path / "stadt-b", "Stadt B", [("b-glasfaser", "Glasfaser")]),
    }
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", db)
    runner = CliRunner()
    texts = {}
    for key, directory in cities.items():
        matched = runner.invoke(app, ["match", "--config", str(directory), "--format", "json", "--as-of", "2026-12-01"])
        assert matched.exit_code == 0, matched.output
        preview = tmp_path / f"preview-{key}"
        digest = runner.invoke(app, ["digest", "--config", str(directory), "--preview", str(preview),
                                     "--as-of", "2026-12-01"])
        assert digest.exit_code == 0, digest.output
        texts[key] = (preview / "digest.txt").read_text(encoding="utf-8")
    assert {(m.measure_id, m.call_id) for k in ("stadt-a", "stadt-b") for m in stored_matches(store, k)} == {
        ("a-wlan", "land:c0"), ("b-glasfaser", "land:c1"),
    }
    assert "Stadt A" in texts["a"] and "WLAN für Schulen" in texts["a"] and "Glasfaser" not in texts["a"]
    assert "Stadt B" in texts["b"] and "Glasfaser im Gewerbegebiet" in texts["b"] and "WLAN" not in texts["b"]
    store.close()
