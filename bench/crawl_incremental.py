"""Requests, bytes and store writes of a first crawl, a repeat crawl, and a crawl after 5 % changed.

    .venv/bin/python bench/crawl_incremental.py [--programmes 300]

Runs the real crawl path (worker process, Scrapy, spider, pipeline, SQLite store) against a
synthetic Förderdatenbank-structured portal on 127.0.0.1. Figures are ratios against the first
crawl of the same run, so a noisy shared machine does not distort them. Issue 3's target for
incremental crawling: repeat ≤ 10 % of the first crawl's requests, and no missed change.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fdb_site import build_site, write_detail

from foerderradar.crawler.registry import FoerderdatenbankPortal
from foerderradar.crawler.runner import PortalResult, crawl
from foerderradar.fixture_server import FixtureServer
from foerderradar.settings import AppSettings, Config, CrawlerSettings, MeasuresFile
from foerderradar.storage import Store

MEASURES = MeasuresFile.model_validate(
    {"city": {"name": "Bench", "region": "DE-NW", "applicant_types": ["kommune"]},
     "measures": [{"id": "a", "title": "A"}]}
)


def run(programmes: int) -> list[tuple[str, PortalResult, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = build_site(Path(tmp) / "site", programmes)
        store = Store(f"sqlite:///{tmp}/bench.db")
        rows = []
        with FixtureServer(root) as server:
            portal = FoerderdatenbankPortal(
                key="bench", kind="foerderdatenbank", base_url=server.base_url, max_pages=10_000
            )
            crawler = CrawlerSettings(download_delay=0, concurrent_requests=8, http_cache=True)
            cfg = Config(Path(tmp), MEASURES, [portal], AppSettings(crawler=crawler))
            cache = Path(tmp) / "cache"

            def step(label: str) -> None:
                t0 = time.perf_counter()
                [result] = crawl(cfg, store, cache_dir=cache)
                rows.append((label, result, time.perf_counter() - t0))

            step("first crawl")
            step("repeat, nothing changed")
            changed = max(1, programmes // 20)
            for i in range(0, programmes, programmes // changed):
                write_detail(root, i, revision=1)
            step(f"repeat, {changed} pages ({changed / programmes:.0%}) changed")
        store.close()
        return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--programmes", type=int, default=300)
    args = parser.parse_args()
    rows = run(args.programmes)
    first = rows[0][1]
    print(f"# crawl_incremental — {date.today()} — {platform.node()} ({platform.machine()}, "
          f"Python {platform.python_version()}), {args.programmes} programmes")
    print("| crawl | requests | ratio | bytes | ratio | items | new | changed | errors | seconds |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, r, secs in rows:
        print(
            f"| {label} | {r.requests} | {r.requests / max(first.requests, 1):.2f} | {r.bytes} | "
            f"{r.bytes / max(first.bytes, 1):.2f} | {r.items} | {r.new} | {r.changed} | {r.errors} | {secs:.1f} |"
        )


if __name__ == "__main__":
    main()
