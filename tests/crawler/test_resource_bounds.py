"""Resource bounds: what a crawler instance is allowed, and memory that must not follow the data.

Memory is compared, never timed: the Python heap peak (tracemalloc) of an operation on N and on
10N stored calls must stay within a small factor where the code claims to stream, and what the
digest keeps must follow the matches, not the store. bench/resource_bounds.py has the RSS figures.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bench_modules
import pytest
from scrapy.crawler import Crawler
from scrapy.settings import Settings

from foerderradar.crawler.distributed import Cluster
from foerderradar.crawler.registry import KINDS
from foerderradar.crawler.scrapy_settings import build_settings
from foerderradar.jobs import digest_inputs
from foerderradar.settings import CrawlerSettings
from foerderradar.storage import Store

PROJECT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 1, tzinfo=UTC)


bench = bench_modules.load("resource_bounds")


# -- what a real crawler instance gets -------------------------------------------------------------

MiB = 1024 * 1024
BOUNDS: list[tuple[str, Any]] = [
    ("DOWNLOAD_MAXSIZE", 10 * MiB),
    ("DOWNLOAD_WARNSIZE", 2 * MiB),
    ("DOWNLOAD_TIMEOUT", 12.0),  # [crawler] timeout_s below
    ("MEMUSAGE_ENABLED", True),
    ("MEMUSAGE_LIMIT_MB", 1024),
    ("MEMUSAGE_WARNING_MB", 512),
    ("RETRY_TIMES", 3),
    ("CONCURRENT_REQUESTS", 3),
    ("CONCURRENT_REQUESTS_PER_DOMAIN", 3),
    ("STATS_DUMP", False),
    ("ROBOTSTXT_OBEY", True),
]


def crawler_for(kind: str, tmp_path: Path, extra: dict[str, Any] | None = None) -> Crawler:
    """A crawler as the worker builds it (crawler/worker.py): our settings plus the spider's own."""
    settings = build_settings(CrawlerSettings(timeout_s=12, concurrent_requests=3), tmp_path / "cache")
    settings.update(extra or {})
    return Crawler(KINDS[kind].spider_class(), Settings(settings))


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize(("name", "expected"), BOUNDS, ids=[b[0] for b in BOUNDS])
def test_every_portal_kind_crawls_within_the_bounds(tmp_path: Path, kind: str, name: str, expected: Any) -> None:
    crawler = crawler_for(kind, tmp_path)
    value = crawler.settings.get(name)
    assert type(expected)(value) == expected  # settings may hold "3" or 3.0; the bound is what counts
    assert crawler.settings.getpriority(name) is not None


def test_a_distributed_worker_keeps_the_bounds_and_shares_only_the_scheduler(tmp_path: Path) -> None:
    crawler = crawler_for("foerderdatenbank", tmp_path, Cluster("redis://127.0.0.1:6379/0").settings("w1"))
    for name, expected in BOUNDS:
        assert type(expected)(crawler.settings.get(name)) == expected, name
    assert crawler.settings["SCHEDULER"] == "foerderradar.crawler.distributed.LeasingScheduler"
    assert crawler.settings.getdict("ITEM_PIPELINES") == {"foerderradar.crawler.pipeline.StorePipeline": 300}


# -- memory that must not follow the data -----------------------------------------------------------


def heap_peak(fn: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def fill(store: Store, start: int, stop: int, matches: int = 0) -> None:
    for first in range(start, stop, 500):
        store.upsert_calls([bench.bench_call(i, matches) for i in range(first, min(stop, first + 500))], now=T0)


def drain(store: Store) -> int:
    return sum(1 for _ in store.iter_calls(batch=50))


def test_iterating_ten_times_the_calls_does_not_take_ten_times_the_memory(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    fill(store, 0, 300)
    drain(store)  # warm-up: statement caches and mappers are not the data
    small = heap_peak(lambda: drain(store))
    fill(store, 300, 3000)
    large = heap_peak(lambda: drain(store))
    store.close()
    # Pages of 50 rows: the same peak for 300 and 3,000 calls, plus noise; loading them all
    # (.all()) would cost ten times.
    assert large < 1.5 * small, (small, large)


def test_gone_detection_reads_ids_not_the_portals_records(tmp_path: Path) -> None:
    """mark_gone streams (id, version): its peak follows the calls gone, not the portal's size."""
    peaks: dict[int, int] = {}
    for n in (300, 3000):
        store = Store(f"sqlite:///{tmp_path / f'{n}.db'}")
        fill(store, 0, n)
        ids = sorted(r.id for r in store.iter_calls())
        assert store.mark_gone("bench", set(ids), T0) == 0  # warm-up: caches are not the data
        seen = set(ids[:-3])  # the caller's set, built before the measurement
        gone: list[int] = []
        peaks[n] = heap_peak(lambda store=store, seen=seen, gone=gone: gone.append(store.mark_gone("bench", seen, T0)))
        store.close()
        assert gone == [3]
    # Loading every record of the portal, as before, took about ten times as much at 3,000 calls.
    assert peaks[3000] < 2.5 * peaks[300], peaks


def test_the_digest_keeps_only_the_records_it_can_show(tmp_path: Path, sqlite_url: str) -> None:
    """Of 600 stored calls, 20 match: the digest inputs hold those 20 records, and know 600 were checked."""
    store = Store(sqlite_url)
    fill(store, 0, 600, matches=20)
    inputs = digest_inputs(store, bench.bench_config(tmp_path), bench.AS_OF)
    store.close()
    assert len(inputs.matches) == 20
    assert set(inputs.records) == {m.call_id for m in inputs.matches}
    assert inputs.calls_checked == 600
