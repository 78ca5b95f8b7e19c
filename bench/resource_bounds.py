"""Peak memory of a crawl of 10,000 pages vs 1,000, and of a digest with 1,000 matches vs 100.

    .venv/bin/python bench/resource_bounds.py                    # both, ~6 min on 2 cores
    .venv/bin/python bench/resource_bounds.py --what crawl --pages 1000 10000
    .venv/bin/python bench/resource_bounds.py --what digest --matches 100 1000 --stored 5000

Every measurement runs in a fresh process (``--one …``), so one size's high-water mark cannot
leak into another's; figures are ratios against the smallest size of the same run.

Crawl: the normal single-process path (runner → worker process → Scrapy with its HTTP cache →
Förderdatenbank spider → pipeline → SQLite) against the synthetic portal of bench/fdb_site.py on
127.0.0.1. Reported: the worker's peak RSS (``ru_maxrss`` of the waited-for child), and the peak
RSS of the parent, which also runs the loopback server. If memory were proportional to the pages,
10× the pages would take about 10× the memory above the interpreter's own.

Digest: a store of ``--stored`` calls (invented text, ~2.4 KB each) of which ``--matches`` match one
of ten measures (one keyword each); then ``run_digest`` (match, build, render, write the preview)
in a fresh process: peak RSS, RSS before the digest (interpreter, imports, open store) and, in a
separate run, the peak of Python allocations (tracemalloc) during the digest.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

AS_OF = date(2026, 12, 1)
KEYWORDS = ["WLAN", "Glasfaser", "Ratsinformationssystem", "E-Akte", "Onlinezugang", "Parkraumsensorik",
            "Open Data", "IT-Sicherheit", "Geodateninfrastruktur", "Tablets"]
OTHER_TOPICS = ["Sportstätten", "Radwege", "Denkmalpflege", "Hochwasserschutz", "Kita-Ausbau", "Feuerwehr"]


def rss_now_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def mib(kib: int) -> float:
    return kib / 1024


# -- crawl ----------------------------------------------------------------------------------------


def measure_crawl(pages: int, work: Path) -> dict[str, Any]:
    from crawl_setup import KEY, crawl_config
    from fdb_site import build_site

    from foerderradar.crawler.kinds.foerderdatenbank.config import FoerderdatenbankPortal
    from foerderradar.crawler.runner import crawl
    from foerderradar.fixture_server import FixtureServer
    from foerderradar.storage import Store

    root = build_site(work / "site", pages)
    store = Store(f"sqlite:///{work / 'crawl.db'}")
    with FixtureServer(root) as server:
        portal = FoerderdatenbankPortal(key=KEY, kind="foerderdatenbank", base_url=server.base_url,
                                        max_pages=10_000)
        cfg = crawl_config(work, portal)
        started = time.monotonic()
        [result] = crawl(cfg, store, cache_dir=work / "cache")
        seconds = time.monotonic() - started
        requests = len(server.site.hits)
    stored = store.count_calls()
    store.close()
    if not result.ok or result.items != pages or stored != pages:
        raise SystemExit(f"crawl of {pages} pages incomplete: {result}")
    return {
        "pages": pages, "requests": requests, "items": result.items, "seconds": round(seconds, 1),
        "worker_peak_mib": round(mib(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss), 1),
        "parent_peak_mib": round(mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss), 1),
    }


# -- digest ---------------------------------------------------------------------------------------


def bench_call(i: int, matches: int) -> Any:
    """Call ``i``: one of the first ``matches`` names a measure's keyword in its title; ~2.4 KB of text."""
    from foerderradar.model import FundingCall

    topic = KEYWORDS[i % len(KEYWORDS)] if i < matches else OTHER_TOPICS[i % len(OTHER_TOPICS)]
    return FundingCall.model_validate({
        "source": "bench", "source_id": f"call-{i:06d}", "url": f"https://foerderung.example.org/{i}",
        "title": f"{topic} – Förderlinie {i}", "summary": "Zuschuss für Kommunen.",
        "description": "Gefördert werden Vorhaben der Kommunen. " * 60,
        "applicants": ["kommune"], "regions": ["DE-NW"], "deadline": "2027-06-30",
    })


def bench_config(directory: Path) -> Any:
    from foerderradar.settings import AppSettings, Config, MeasuresFile

    measures = MeasuresFile.model_validate({
        "city": {"name": "Bench", "region": "DE-NW", "applicant_types": ["kommune"]},
        "measures": [{"id": f"m{k}", "title": kw, "keywords": [kw]} for k, kw in enumerate(KEYWORDS)],
    })
    return Config(directory, measures, [], AppSettings())


def build_digest_store(db: Path, stored: int, matches: int) -> None:
    from foerderradar.storage import Store

    store = Store(f"sqlite:///{db}")
    stamp = datetime(2026, 11, 1, tzinfo=UTC)
    for start in range(0, stored, 500):
        store.upsert_calls([bench_call(i, matches) for i in range(start, min(stored, start + 500))], now=stamp)
    store.close()


def measure_digest(db: Path, traced: bool) -> dict[str, Any]:
    from foerderradar.jobs import run_digest
    from foerderradar.storage import Store

    store = Store(f"sqlite:///{db}", migrate=False)
    store.count_calls()  # connection and mappers ready: part of the baseline, not of the digest
    before = rss_now_kib()
    if traced:
        tracemalloc.start()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as preview:
        outcome = run_digest(store, bench_config(db.parent), AS_OF, preview_dir=Path(preview))
    seconds = time.monotonic() - started
    out: dict[str, Any] = {"seconds": round(seconds, 2), "summary": outcome.summary}
    if traced:
        out["traced_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    else:
        out["rss_before_mib"] = round(mib(before), 1)
        out["peak_mib"] = round(mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss), 1)
    store.close()
    return out


# -- driver ---------------------------------------------------------------------------------------


def one(args: list[str]) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its JSON."""
    proc = subprocess.run([sys.executable, __file__, "--one", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"measurement {args} failed:\n{proc.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return data


def crawl_table(sizes: list[int]) -> str:
    rows = []
    for pages in sizes:
        with tempfile.TemporaryDirectory() as work:
            rows.append(one(["crawl", str(pages), work]))
        print(f"  crawl {pages}: {rows[-1]}", file=sys.stderr)
    base = rows[0]
    lines = [
        "| programme pages | requests | worker peak RSS (MiB) | ratio | parent + server peak RSS (MiB) | ratio "
        "| seconds |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['pages']:,} | {r['requests']:,} | {r['worker_peak_mib']} | "
            f"{r['worker_peak_mib'] / base['worker_peak_mib']:.2f} | {r['parent_peak_mib']} | "
            f"{r['parent_peak_mib'] / base['parent_peak_mib']:.2f} | {r['seconds']} |"
        )
    return "\n".join(lines)


def digest_table(match_sizes: list[int], stored: int) -> str:
    rows = []
    for matches in match_sizes:
        with tempfile.TemporaryDirectory() as work:
            db = Path(work) / "digest.db"
            one(["build-digest-store", str(db), str(stored), str(matches)])
            plain = one(["digest", str(db), "rss"])
            traced = one(["digest", str(db), "traced"])
        rows.append({"matches": matches, **plain, **{k: v for k, v in traced.items() if k == "traced_peak_mib"}})
        print(f"  digest {matches}: {rows[-1]}", file=sys.stderr)
    base = rows[0]
    lines = [
        f"| matches (of {stored:,} stored calls) | RSS before (MiB) | peak RSS (MiB) | ratio | "
        "Python heap peak during the digest (MiB) | ratio | seconds | digest says |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['matches']:,} | {r['rss_before_mib']} | {r['peak_mib']} | {r['peak_mib'] / base['peak_mib']:.2f} | "
            f"{r['traced_peak_mib']} | {r['traced_peak_mib'] / base['traced_peak_mib']:.2f} | {r['seconds']} | "
            f"{r['summary']} |"
        )
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        what, *rest = sys.argv[2:]
        if what == "crawl":
            data = measure_crawl(int(rest[0]), Path(rest[1]))
        elif what == "build-digest-store":
            build_digest_store(Path(rest[0]), int(rest[1]), int(rest[2]))
            data = {}
        else:
            data = measure_digest(Path(rest[0]), traced=rest[1] == "traced")
        print(json.dumps(data))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--what", choices=["crawl", "digest", "all"], default="all")
    parser.add_argument("--pages", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--matches", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--stored", type=int, default=5000)
    args = parser.parse_args()
    print(f"Machine: {platform.uname().system} {platform.uname().release} {platform.machine()}, "
          f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, "
          f"Python {platform.python_version()}, {date.today().isoformat()}\n")
    if args.what in ("crawl", "all"):
        print(crawl_table(args.pages) + "\n")
    if args.what in ("digest", "all"):
        print(digest_table(args.matches, args.stored) + "\n")


if __name__ == "__main__":
    main()
