"""The Förderdatenbank through its XML export (kind ``foerderdatenbank_export``) vs the HTML route.

    .venv/bin/python bench/crawl_fdb_export.py [--programmes 2500] [--sizes 1250 2500 5000] [--skip-html]

Three parts, all on the real crawl path (runner → worker process → Scrapy with its HTTP cache →
spider → pipeline → SQLite) against loopback servers on 127.0.0.1:

1. Export crawls of a synthetic export (bench/fdb_export.py) of ``--programmes`` programmes: the
   first crawl, an unchanged repeat, 5 % of the programmes changed, 1 % removed. Per crawl: what
   the server answered (requests, 200s, 304s, bytes), rows written to ``calls`` and ``call_events``
   (SQLite triggers: every INSERT/UPDATE/DELETE counts), items, new, changed, gone, seconds. Changes
   are checked, not assumed: the amended and gone calls must be exactly the ones the bench changed.
2. Memory of reading exports of ``--sizes`` programmes, each measurement in a fresh process:
   the reader alone (zip bytes in memory as Scrapy holds them, then every programme read and
   dropped, as the pipeline does after writing): peak of Python allocations (tracemalloc) and peak
   RSS; and a whole crawl's worker peak RSS. If memory followed the programmes beyond the zip's
   bytes, the traced peak minus the zip size would grow with them.
3. The same number of programmes through the HTML route (bench/fdb_site.py, kind
   ``foerderdatenbank``): first crawl and unchanged repeat, for the request ratio.

Ratios are against a baseline of the same run (the export's first crawl; the smallest size), so a
noisy shared machine does not distort them.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crawl_setup import KEY, T0, crawl_config
from fdb_export import pick, programme_path, source_id, write_export
from write_counts import install_write_counters, write_counts

from foerderradar.crawler.runner import PortalResult, crawl
from foerderradar.fixture_server import FixtureServer
from foerderradar.storage import Store

EXPORT = "FDB/WS/export"
TABLES = ("calls", "call_events")


@dataclass
class Step:
    label: str
    result: PortalResult
    seconds: float
    answers: dict[int, int]  # status → count, as the server saw them
    written: dict[str, int]


def events(store: Store, after: datetime) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for event in store.events_since(after):
        out.setdefault(event.kind, set()).add(event.call_id)
    return out


class Bench:
    """One store, one loopback server, crawls that report what the server answered."""

    def __init__(self, work: Path, server: FixtureServer, portal: Any) -> None:
        self.server = server
        self.store = Store(f"sqlite:///{work / 'bench.db'}")
        install_write_counters(self.store, TABLES)
        self.config = crawl_config(work, portal, concurrent_requests=8, http_cache=True, portal_timeout_s=3600)
        self.cache = work / "cache"
        self.steps: list[Step] = []

    def step(self, label: str, now: datetime) -> Step:
        before = write_counts(self.store)
        mark = len(self.server.site.answers)
        started = time.perf_counter()
        [result] = crawl(self.config, self.store, cache_dir=self.cache, now=now)
        seconds = time.perf_counter() - started
        if not result.ok or result.errors:
            raise SystemExit(f"{label}: crawl failed: {result.messages}")
        answers: dict[int, int] = {}
        for answer in self.server.site.answers[mark:]:
            answers[answer.status] = answers.get(answer.status, 0) + 1
        after = write_counts(self.store)
        step = Step(label, result, seconds, answers, {t: after[t] - before[t] for t in TABLES})
        self.steps.append(step)
        return step


# -- 1. export crawls -----------------------------------------------------------------------------------


def export_crawls(programmes: int) -> list[Step]:
    from foerderradar.crawler.kinds.foerderdatenbank_export.config import FoerderdatenbankExportPortal

    changed = pick(programmes, 5, offset=3)
    removed = set(pick(programmes, 1, offset=50)) or {programmes // 2}  # at least one
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root = work / "site"
        write_export(root / EXPORT, programmes)
        with FixtureServer(root) as server:
            portal = FoerderdatenbankExportPortal(key=KEY, kind="foerderdatenbank_export", base_url=server.base_url)
            bench = Bench(work, server, portal)
            first = bench.step("first crawl", T0)
            assert first.result.new == programmes, first.result

            repeat = bench.step("repeat, nothing changed", T0 + timedelta(hours=1))
            assert repeat.answers.get(304) == 1 and not any(repeat.written.values()), (repeat.answers, repeat.written)

            write_export(root / EXPORT, programmes, revisions={i: 1 for i in changed})
            bench.step("5 % of the programmes changed", T0 + timedelta(hours=2))
            found = events(bench.store, T0 + timedelta(hours=1, minutes=59))
            expected = {f"{KEY}:{source_id(i)}" for i in changed}
            assert found == {"amended": expected}, (sorted(found.get("amended", set()) ^ expected))

            write_export(root / EXPORT, programmes, revisions={i: 1 for i in changed}, removed=removed)
            gone = bench.step("1 % removed from the export", T0 + timedelta(hours=3))
            found = events(bench.store, T0 + timedelta(hours=2, minutes=59))
            assert found == {"gone": {f"{KEY}:{source_id(i)}" for i in removed}}, found
            assert gone.result.gone == len(removed)
            bench.store.close()
    return bench.steps


# -- 2. memory ------------------------------------------------------------------------------------------


def rss_now_kib(field: str = "VmRSS") -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def peak_rss_kib() -> int:
    """This process's own high-water mark: ``ru_maxrss`` survives ``execve`` and would report the
    forking parent's peak when that was higher (VmHWM belongs to the new address space)."""
    return rss_now_kib("VmHWM")


def read_export(zip_path: Path, traced: bool) -> dict[str, Any]:
    """In this (fresh) process: the zip's bytes in memory, then every programme read and dropped."""
    from foerderradar.crawler.kinds.foerderdatenbank_export.reader import ExportReader

    baseline = rss_now_kib()
    if traced:
        tracemalloc.start()
    body = zip_path.read_bytes()  # Scrapy holds the response body like this
    started = time.perf_counter()
    calls = 0
    with ExportReader(io.BytesIO(body), today=date(2026, 11, 25)) as export:
        opened = tracemalloc.get_traced_memory()[0] if traced else 0  # zip bytes + parsed central directory
        members = len(export._members)
        for reading in export:
            calls += reading.call is not None
    seconds = time.perf_counter() - started
    out: dict[str, Any] = {"calls": calls, "zip_bytes": len(body), "members": members,
                           "seconds": round(seconds, 1), "baseline_rss_kib": baseline}
    if traced:
        out["traced_peak_bytes"] = tracemalloc.get_traced_memory()[1]
        out["directory_bytes"] = opened - len(body)
        tracemalloc.stop()
    out["peak_rss_kib"] = peak_rss_kib()
    return out


def crawl_peak(programmes: int) -> dict[str, Any]:
    """In this (fresh) process: one export crawl; the worker's peak RSS is the waited-for child's."""
    from foerderradar.crawler.kinds.foerderdatenbank_export.config import FoerderdatenbankExportPortal

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_export(work / "site" / EXPORT, programmes)
        with FixtureServer(work / "site") as server:
            portal = FoerderdatenbankExportPortal(key=KEY, kind="foerderdatenbank_export", base_url=server.base_url)
            bench = Bench(work, server, portal)
            step = bench.step("first crawl", T0)
            bench.store.close()
    # ru_maxrss of the child may include this process's peak at the fork: reported next to it.
    return {"items": step.result.items, "seconds": round(step.seconds, 1),
            "worker_peak_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
            "crawling_process_peak_rss_kib": peak_rss_kib()}


def in_fresh_process(*args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--one", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"measurement {args} failed:\n{proc.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return data


def memory(sizes: list[int]) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = write_export(Path(tmp) / f"export-{n}.zip", n)
            traced = in_fresh_process("read", str(path), "traced")
            plain = in_fresh_process("read", str(path), "plain")
            crawled = in_fresh_process("crawl", str(n))
            assert traced["calls"] == plain["calls"] == crawled["items"] == n, (traced, plain, crawled)
            rows.append({"programmes": n, "zip_bytes": traced["zip_bytes"], "members": traced["members"],
                         "traced_peak_bytes": traced["traced_peak_bytes"],
                         "directory_bytes": traced["directory_bytes"],
                         "read_seconds": plain["seconds"], "baseline_rss_kib": plain["baseline_rss_kib"],
                         "peak_rss_kib": plain["peak_rss_kib"], "worker_peak_rss_kib": crawled["worker_peak_rss_kib"],
                         "crawling_process_peak_rss_kib": crawled["crawling_process_peak_rss_kib"],
                         "crawl_seconds": crawled["seconds"]})
    return rows


# -- 3. the HTML route ----------------------------------------------------------------------------------


def html_crawls(programmes: int, repeat: bool) -> list[Step]:
    from fdb_site import build_site

    from foerderradar.crawler.kinds.foerderdatenbank.config import FoerderdatenbankPortal

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root = build_site(work / "site", programmes)
        with FixtureServer(root) as server:
            portal = FoerderdatenbankPortal(key=KEY, kind="foerderdatenbank", base_url=server.base_url,
                                            max_pages=10_000)
            bench = Bench(work, server, portal)
            first = bench.step("HTML route: first crawl", T0)
            assert first.result.items == programmes, first.result
            if repeat:
                bench.step("HTML route: repeat, nothing changed", T0 + timedelta(hours=1))
            bench.store.close()
    return bench.steps


# -- output ---------------------------------------------------------------------------------------------


def crawl_table(steps: list[Step], baseline: Step) -> list[str]:
    base = baseline.result
    lines = [
        "| crawl | requests | ratio | 200 | 304 | bytes | ratio | rows written: calls | call_events | "
        "items | new | changed | gone | seconds |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in steps:
        r = s.result
        lines.append(
            f"| {s.label} | {r.requests} | {r.requests / max(base.requests, 1):.3f} | {s.answers.get(200, 0)} | "
            f"{s.answers.get(304, 0)} | {r.bytes} | {r.bytes / max(base.bytes, 1):.4f} | {s.written['calls']} | "
            f"{s.written['call_events']} | {r.items} | {r.new} | {r.changed} | {r.gone} | {s.seconds:.1f} |"
        )
    return lines


def memory_table(rows: list[dict[str, Any]]) -> list[str]:
    """Traced peak = zip bytes + parsed central directory (zipfile's ZipInfo per member) + reading."""
    mib = 1024 * 1024

    def reading(r: dict[str, Any]) -> int:
        return int(r["traced_peak_bytes"] - r["zip_bytes"] - r["directory_bytes"])

    lines = [
        "| programmes | members | zip MiB | reader: traced peak MiB | of which zip bytes | central directory "
        "(KiB per member) | reading, above both | ratio to smallest | reader: peak RSS MiB (process before) | "
        "read seconds | whole crawl: worker peak RSS MiB (process that started it) | crawl seconds |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['programmes']} | {r['members']} | {r['zip_bytes'] / mib:.1f} | {r['traced_peak_bytes'] / mib:.1f} | "
            f"{r['zip_bytes'] / mib:.1f} | {r['directory_bytes'] / mib:.1f} "
            f"({r['directory_bytes'] / 1024 / max(r['members'], 1):.2f}) | {reading(r) / mib:.1f} | "
            f"{reading(r) / max(reading(rows[0]), 1):.2f} | {r['peak_rss_kib'] / 1024:.0f} "
            f"({r['baseline_rss_kib'] / 1024:.0f}) | {r['read_seconds']:.1f} | {r['worker_peak_rss_kib'] / 1024:.0f} "
            f"({r['crawling_process_peak_rss_kib'] / 1024:.0f}) | {r['crawl_seconds']:.1f} |"
        )
    return lines


def one(args: list[str]) -> None:
    """A single measurement in this fresh process; prints one JSON line."""
    what = args[0]
    if what == "read":
        print(json.dumps(read_export(Path(args[1]), traced=args[2] == "traced")))
    elif what == "crawl":
        print(json.dumps(crawl_peak(int(args[1]))))
    else:
        raise SystemExit(f"unknown measurement {what}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        one(sys.argv[2:])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--programmes", type=int, default=2500)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1250, 2500, 5000])
    parser.add_argument("--skip-html", action="store_true", help="leave out the HTML route (the slowest part)")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    print(f"# crawl_fdb_export — {date.today()} — {platform.node()} ({platform.machine()}, "
          f"Python {platform.python_version()}), {args.programmes} programmes")

    steps = export_crawls(args.programmes)
    print(f"\n## Export route ({programme_path(0).split('/Foerderprogramm/')[0]}/…, one zip)\n")
    print("\n".join(crawl_table(steps, steps[0])))
    print("\nRequests include /robots.txt (answered 404 by the loopback server, so asked again each crawl);"
          " the export itself is one request per crawl.")

    if not args.skip_html:
        html = html_crawls(args.programmes, repeat=True)
        print("\n## HTML route vs export route (ratios against the export's first crawl)\n")
        print("\n".join(crawl_table([steps[0], steps[1], *html], steps[0])))
        first_html = html[0].result.requests
        print(f"\nFirst crawl: HTML {first_html} requests vs export {steps[0].result.requests} "
              f"({first_html / max(steps[0].result.requests, 1):.0f}×); unchanged repeat: HTML "
              f"{html[-1].result.requests} vs export {steps[1].result.requests}.")

    if not args.skip_memory:
        rows = memory(sorted(args.sizes))
        print("\n## Memory of reading the export (each figure from a fresh process)\n")
        print("\n".join(memory_table(rows)))


if __name__ == "__main__":
    main()
