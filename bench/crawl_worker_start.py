"""How a crawl worker is started: a fresh interpreter per portal (``python -m
foerderradar.crawler.worker``, as before 2026-12-05) against a fork of the runner's preloaded fork
server (what ``crawler/runner.py`` does now). Both run the same worker code on the same job: one
crawl of the bundled demo site (14 programmes) on 127.0.0.1, into a fresh SQLite file each.

CPU is counted machine-wide (``/proc/stat``): a forked worker is a child of the fork server, not of
this process, so the usual per-process counters would miss it. Run it on an otherwise idle machine;
the two ways alternate, so drift hits both alike. Figures: docs/benchmarks.md.

    .venv/bin/python bench/crawl_worker_start.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crawl_setup import KEY, crawl_config

from foerderradar.crawler import runner
from foerderradar.crawler.kinds.foerderdatenbank.config import FoerderdatenbankPortal
from foerderradar.demo import DEMO_SITE
from foerderradar.fixture_server import FixtureServer
from foerderradar.storage import Store


def busy_seconds() -> float:
    """CPU time all processes of the machine spent (user, nice, system, irq, softirq, steal)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def fresh_interpreter(job: dict[str, object]) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-m", "foerderradar.crawler.worker"], input=json.dumps(job),
                          capture_output=True, text=True, check=False)
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    result: dict[str, object] = json.loads(line[len("RESULT "):])
    return result


def forked(job: dict[str, object]) -> dict[str, object]:
    return runner._run_worker(job, 600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    ways: dict[str, Callable[[dict[str, object]], dict[str, object]]] = {
        "fresh interpreter": fresh_interpreter, "fork server": forked,
    }
    totals = {name: [0.0, 0.0] for name in ways}  # CPU s, wall s
    with tempfile.TemporaryDirectory() as tmp, FixtureServer(DEMO_SITE) as site:
        portal = FoerderdatenbankPortal(key=KEY, kind="foerderdatenbank", base_url=site.base_url)
        cfg = crawl_config(Path(tmp), portal, http_cache=False)
        forked(runner._job(portal, cfg, f"sqlite:///{tmp}/warm.db", Path(tmp, "c")) | {"dry_run": True})
        for i in range(args.rounds):
            for name, way in ways.items():
                url = f"sqlite:///{tmp}/{i}-{name[:4]}.db"
                store = Store(url)
                job = runner._job(portal, cfg, url, Path(tmp, "c")) | {"run_id": store.start_run(portal.key)}
                cpu, wall = busy_seconds(), time.perf_counter()
                result = way(job)
                totals[name][0] += busy_seconds() - cpu
                totals[name][1] += time.perf_counter() - wall
                store.close()
                assert result["ok"] and result["items"] == 14, result
    base_cpu, base_wall = totals["fresh interpreter"]
    print(f"{args.rounds} crawls of the demo site (14 programmes) each way, {os.cpu_count()} CPUs")
    print(f"{'worker start':20} {'CPU s/crawl':>12} {'wall s/crawl':>13} {'CPU ratio':>10} {'wall ratio':>11}")
    for name, (cpu, wall) in totals.items():
        print(f"{name:20} {cpu / args.rounds:12.2f} {wall / args.rounds:13.2f} {cpu / base_cpu:10.2f} "
              f"{wall / base_wall:11.2f}")


if __name__ == "__main__":
    main()
