"""Requests, bytes and database writes of a first crawl, repeat crawls, and crawls after 5 % changed.

    .venv/bin/python bench/crawl_incremental.py [--programmes 300] [--recheck-days 7] [--setup NAME ...]

Runs the real crawl path (runner, worker process, Scrapy, Förderdatenbank spider, pipeline, SQLite
store) against a synthetic Förderdatenbank-structured portal (bench/fdb_site.py) on 127.0.0.1, in
four set-ups: a server that sends validators (ETag/Last-Modified, answers 304) or none, each with
the default (every programme page requested) and with ``recheck_days`` (list-page signatures).

Per crawl it reports what the server saw (requests; full downloads; 304 answers; bytes), what was
skipped, and the rows written to ``calls``, ``call_events`` and ``page_state`` — counted by SQLite
triggers, so every INSERT/UPDATE/DELETE counts, even one that rewrites a row with equal values.
Ratios are against the first crawl of the same set-up, so a noisy shared machine does not distort
them. Changes are checked, not assumed: the ``amended`` events of each crawl are compared with the
set of programmes the bench changed, and the run stops with an error on a missed or false change.

The crawls run on a simulated clock (``crawl(now=…)``): a daily schedule is days apart, which is
what ``recheck_days`` and the weekly ``last_seen`` refresh depend on.

Issue 3's target: a repeat crawl ≤ 10 % of the first crawl's requests, and no missed change.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crawl_setup import KEY, T0, crawl_config
from fdb_site import build_site, rename, write_detail
from write_counts import install_write_counters

from foerderradar.crawler.kinds.foerderdatenbank.config import FoerderdatenbankPortal
from foerderradar.crawler.runner import PortalResult, crawl
from foerderradar.fixture_server import FixtureServer
from foerderradar.storage import Store

TABLES = ("calls", "call_events", "page_state")


@dataclass
class Step:
    label: str
    result: PortalResult
    seconds: float
    server_requests: int
    server_304: int
    written: dict[str, int]
    amended: set[str]
    expected: set[str] = field(default_factory=set)  # changes this crawl must find ("—" if none made)
    found_of: tuple[int, int] | None = None  # (found so far, changed so far) when detection may lag


def snapshot(store: Store) -> tuple[dict[str, int], int]:
    with store.engine.connect() as conn:
        writes = dict(conn.execute(sa.text("SELECT tbl, n FROM bench_writes")).all())
        last_event = conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM call_events")).scalar_one()
    return writes, int(last_event)


def amended_since(store: Store, last_event: int) -> set[str]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT call_id FROM call_events WHERE id > :m AND kind = 'amended'"), {"m": last_event}
        ).all()
    return {r[0] for r in rows}


def call_ids(ids: list[int]) -> set[str]:
    return {f"{KEY}:Land/Bench/programm-{i:05d}" for i in ids}


def run_setup(programmes: int, validators: bool, recheck_days: int | None) -> list[Step]:
    """One set-up: first crawl, repeat, 5 % changed on the programme page only, 5 % renamed."""
    steps: list[Step] = []
    every = max(1, round(100 / 5))
    detail_changed = list(range(0, programmes, every))  # 5 %: deadline and text on the page only
    renamed = list(range(every // 2, programmes, every))  # another 5 %: name on card and page
    with tempfile.TemporaryDirectory() as tmp:
        root = build_site(Path(tmp) / "site", programmes)
        store = Store(f"sqlite:///{tmp}/bench.db")
        install_write_counters(store, TABLES)
        with FixtureServer(root, validators=validators) as server:
            portal = FoerderdatenbankPortal(
                key=KEY, kind="foerderdatenbank", base_url=server.base_url, max_pages=10_000,
                recheck_days=recheck_days,
            )
            cfg = crawl_config(Path(tmp), portal, concurrent_requests=8, http_cache=True)
            cache = Path(tmp) / "cache"

            def step(label: str, now: datetime, expected: set[str] | None = None) -> Step:
                before, last_event = snapshot(store)
                hits, answers = len(server.site.hits), len(server.site.answers)
                t0 = time.perf_counter()
                [result] = crawl(cfg, store, cache_dir=cache, now=now)
                seconds = time.perf_counter() - t0
                after, _ = snapshot(store)
                assert result.ok and result.errors == 0, result.messages
                server_requests = len(server.site.hits) - hits
                server_304 = sum(1 for a in server.site.answers[answers:] if a.status == 304)
                # The worker's own count and the server's must agree, or the table would lie.
                assert (result.requests, result.not_modified) == (server_requests, server_304), (
                    result.requests, server_requests, result.not_modified, server_304)
                found = amended_since(store, last_event)
                assert result.new == (programmes if not steps else 0), result.new
                s = Step(label, result, seconds, server_requests, server_304,
                         {t: after[t] - before[t] for t in TABLES}, found, expected or set())
                steps.append(s)
                return s

            step("first crawl", T0)
            repeat = step("repeat, nothing changed", T0 + timedelta(hours=1))
            assert not repeat.amended and not any(repeat.written.values()), repeat.written

            for i in detail_changed:
                write_detail(root, i, revision=1)
            expected = call_ids(detail_changed)
            if recheck_days is None:
                s = step("5 % changed on the programme page only", T0 + timedelta(hours=2), expected)
                assert s.amended == expected, (sorted(expected - s.amended), sorted(s.amended - expected))
            else:
                # The cards did not change: the changes are found on each page's re-check day.
                found: set[str] = set()
                s = step("5 % changed on the programme page only, same day", T0 + timedelta(hours=2), expected)
                found |= s.amended
                s.found_of = (len(found), len(expected))
                for day in range(1, recheck_days + 1):
                    now = T0 + timedelta(days=day, minutes=5)
                    s = step(f"… day {day} (daily crawl)", now, expected)
                    found |= s.amended
                    s.found_of = (len(found), len(expected))
                assert found == expected, (sorted(expected - found), sorted(found - expected))

            last = T0 + timedelta(days=recheck_days or 0, hours=3)
            rename(root, programmes, renamed)
            expected = call_ids(renamed)
            s = step("5 % renamed (card and page changed)", last, expected)
            assert s.amended == expected, (sorted(expected - s.amended), sorted(s.amended - expected))
        store.close()
    return steps


def table(steps: list[Step]) -> list[str]:
    first = steps[0].result
    lines = [
        "| crawl | requests | ratio | full downloads | 304 | bytes | ratio | detail pages skipped | "
        "rows written: calls | call_events | page_state | items | new | changed | changes found | seconds |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for s in steps:
        r = s.result
        if s.found_of is not None:
            found = f"{len(s.amended)} (so far {s.found_of[0]} of {s.found_of[1]})"
        elif s.expected:
            found = f"{len(s.amended & s.expected)} of {len(s.expected)}"
        else:
            found = "—"
        lines.append(
            f"| {s.label} | {r.requests} | {r.requests / max(first.requests, 1):.3f} | {r.downloads} | "
            f"{r.not_modified} | {r.bytes} | {r.bytes / max(first.bytes, 1):.3f} | {r.skipped} | "
            f"{s.written['calls']} | {s.written['call_events']} | {s.written['page_state']} | "
            f"{r.items} | {r.new} | {r.changed} | {found} | {s.seconds:.1f} |"
        )
    return lines


SETUPS = {
    "validators": ("Server sends validators (ETag, Last-Modified; answers 304); default: every page revalidated",
                   True, False),
    "plain": ("Server sends no validators; default: every page downloaded", False, False),
    "recheck": ("Server sends no validators; `recheck_days: {n}` (list-page signatures)", False, True),
    "validators-recheck": ("Server sends validators; `recheck_days: {n}`", True, True),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--programmes", type=int, default=300)
    parser.add_argument("--recheck-days", type=int, default=7)
    parser.add_argument("--setup", choices=list(SETUPS), action="append", help="only these set-ups (repeatable)")
    args = parser.parse_args()
    print(f"# crawl_incremental — {date.today()} — {platform.node()} ({platform.machine()}, "
          f"Python {platform.python_version()}), {args.programmes} programmes")
    for name in args.setup or list(SETUPS):
        title, validators, recheck = SETUPS[name]
        steps = run_setup(args.programmes, validators, args.recheck_days if recheck else None)
        print(f"\n## {title.format(n=args.recheck_days)}\n")
        print("\n".join(table(steps)))


if __name__ == "__main__":
    main()
