"""Where the test suite's CPU goes: sums a FOERDERRADAR_TEST_CPU_LOG by test file and lists the
costliest tests. On a 2-core machine the suite's wall time is about its CPU time over two, so this —
not ``--durations``, which mostly measures the neighbours of a test — says what to make cheaper.

    FOERDERRADAR_TEST_CPU_LOG=/tmp/cpu.log make test
    .venv/bin/python bench/suite_cpu.py /tmp/cpu.log [--top 30]
"""

from __future__ import annotations

import argparse
import contextlib
from collections import defaultdict
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=Path)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    tests: list[tuple[float, str]] = []
    for line in args.log.read_text(encoding="utf-8").splitlines():
        cpu, _, nodeid = line.partition("\t")
        tests.append((float(cpu), nodeid))
    total = sum(cpu for cpu, _ in tests)
    by_file: dict[str, list[float]] = defaultdict(list)
    for cpu, nodeid in tests:
        by_file[nodeid.split("::", 1)[0]].append(cpu)
    print(f"{len(tests)} tests, {total:.0f} CPU seconds ({total / 120:.1f} min on two cores)\n")
    print(f"{'CPU s':>8} {'share':>6} {'tests':>6}  file")
    for name, cpus in sorted(by_file.items(), key=lambda kv: -sum(kv[1]))[: args.top]:
        print(f"{sum(cpus):8.1f} {sum(cpus) / total:6.1%} {len(cpus):6d}  {name}")
    print(f"\n{'CPU s':>8}  test")
    for cpu, nodeid in sorted(tests, reverse=True)[: args.top]:
        print(f"{cpu:8.1f}  {nodeid}")


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):  # piped into head
        main()
