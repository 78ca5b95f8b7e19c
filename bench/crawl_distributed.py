"""Distributed crawling: 1, 2 and 4 worker processes share one 10,000-page portal without duplicates.

    .venv/bin/python bench/crawl_distributed.py                        # ~10 min on 2 busy cores
    .venv/bin/python bench/crawl_distributed.py --programmes 2000 --workers 1 2

Needs Redis (``FOERDERRADAR_REDIS_URL``, default redis://127.0.0.1:6379/0; a namespace of its own
per run, deleted afterwards) and PostgreSQL (``FOERDERRADAR_TEST_POSTGRES_URL``; a schema of its
own per run, dropped afterwards).

The real distributed path (coordinator, worker processes with the scrapy-redis scheduler and
leases, Förderdatenbank spider, pipeline, PostgreSQL) against the synthetic portal of
bench/fdb_site.py served by ``FixtureServer`` on 127.0.0.1: ``--programmes`` programme pages plus
one result page per ten. ``download_delay`` is 0 (a loopback portal; a real one is crawled
politely, see docs/scale-out.md), everything else is the default configuration. The baseline row
is the ordinary single-process crawl (runner.py, no Redis) of the same portal on the same database.

Per set-up: wall time (ratio against one distributed worker in the same run), requests the server
received, **duplicate fetches** — pages the server served more than once (robots.txt, fetched once
per worker process, excluded) — requests and stored calls per worker as each reported them, and the
checks that every programme is stored exactly once (rows, 'new' events, the crawl_runs row).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crawl_setup import KEY, crawl_config
from fdb_site import PER_PAGE, build_site

from foerderradar.crawler.coordinator import DistributedOptions, crawl_portal_distributed
from foerderradar.crawler.distributed import Cluster, connect
from foerderradar.crawler.kinds.foerderdatenbank.config import FoerderdatenbankPortal
from foerderradar.crawler.runner import crawl_portal
from foerderradar.fixture_server import FixtureServer
from foerderradar.settings import Config
from foerderradar.storage import Store


@dataclass
class Row:
    label: str
    workers: int  # 0: the single-process baseline
    seconds: float
    requests: int
    duplicates: int
    per_worker: list[tuple[int, int]]  # (requests, stored calls) per worker
    stored: int
    new_events: int
    run_items: int
    run_new: int
    ok: bool


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()


def config(base_url: str) -> Config:
    portal = FoerderdatenbankPortal(key=KEY, kind="foerderdatenbank", base_url=base_url, max_pages=10_000)
    return crawl_config(Path("."), portal, portal_timeout_s=7200)


def measure(site: Path, pg_url: str, redis_url: str, workers: int, programmes: int) -> Row:
    with fresh_schema(pg_url) as db_url, FixtureServer(site) as server, tempfile.TemporaryDirectory() as cache:
        store = Store(db_url)
        cfg = config(server.base_url)
        namespace = f"bench-{uuid.uuid4().hex[:10]}"
        started = time.monotonic()
        if workers == 0:
            result = crawl_portal(cfg.portals[0], cfg, store, cache_dir=Path(cache), timeout_s=7200)
            shares: list[tuple[int, int]] = [(result.requests, result.items)]
        else:
            cluster = Cluster(redis_url, namespace)
            options = DistributedOptions(cluster, workers=workers)
            result = crawl_portal_distributed(cfg.portals[0], cfg, store, options, cache_dir=Path(cache))
            shares = [(s.requests, s.items) for s in result.workers.values()]
        seconds = time.monotonic() - started
        hits = Counter(h for h in server.site.hits if h != "/robots.txt")
        run = store.recent_runs(KEY)[0]
        stored = store.count_calls()
        new_events = sum(1 for e in store.events_since() if e.kind == "new")
        store.close()
        if workers:
            client = connect(redis_url)
            left = list(client.scan_iter(match=f"{namespace}:*"))
            client.close()
            if left:
                raise SystemExit(f"{len(left)} Redis keys left behind by the crawl")
    label = "single process (runner.py, no Redis)" if workers == 0 else f"{workers} distributed worker(s)"
    return Row(label, workers, seconds, len(server.site.hits), sum(n - 1 for n in hits.values()), shares, stored,
               new_events, run.items, run.new, result.ok)


def table(rows: list[Row]) -> str:
    base = next(r for r in rows if r.workers == 1)
    lines = [
        "| set-up | wall time (s) | ratio vs 1 worker | requests | duplicate fetches | "
        "requests / stored calls per worker | stored calls | 'new' events | run: items / new | ok |",
        "|---|---:|---:|---:|---:|---|---:|---:|---|---|",
    ]
    for r in rows:
        shares = ", ".join(f"{req:,} / {items:,}" for req, items in r.per_worker)
        lines.append(
            f"| {r.label} | {r.seconds:.0f} | {r.seconds / base.seconds:.2f} | {r.requests:,} | {r.duplicates} | "
            f"{shares} | {r.stored:,} | {r.new_events:,} | {r.run_items:,} / {r.run_new:,} | "
            f"{'yes' if r.ok else 'NO'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programmes", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--no-baseline", action="store_true", help="skip the single-process crawl")
    args = parser.parse_args()
    pg_url = os.environ.get("FOERDERRADAR_TEST_POSTGRES_URL")
    if not pg_url:
        raise SystemExit("set FOERDERRADAR_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    redis_url = os.environ.get("FOERDERRADAR_REDIS_URL", "redis://127.0.0.1:6379/0")
    connect(redis_url).close()
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"Machine: {' '.join(platform.uname()[:3])} {platform.machine()}, {nproc} cores, "
          f"Python {platform.python_version()}, {date.today().isoformat()}")
    pages = args.programmes + -(-args.programmes // PER_PAGE)
    print(f"Portal: {args.programmes:,} programme pages + {pages - args.programmes:,} result pages "
          "(+ 3 empty facets)\n")
    with tempfile.TemporaryDirectory() as tmp:
        site = build_site(Path(tmp) / "site", args.programmes)
        rows = []
        for workers in ([] if args.no_baseline else [0]) + args.workers:
            row = measure(site, pg_url, redis_url, workers, args.programmes)
            print(f"  {row}", file=sys.stderr, flush=True)
            if row.stored != args.programmes or row.new_events != args.programmes or row.run_items != args.programmes:
                raise SystemExit(f"{row.label}: not every programme stored exactly once")
            if row.workers and row.duplicates:
                raise SystemExit(f"{row.label}: {row.duplicates} duplicate fetches")
            rows.append(row)
    print(table(rows))


if __name__ == "__main__":
    main()
