"""Instructions executed to match N calls × M measures (valgrind callgrind): this checkout vs a baseline commit.

Seconds on these shared 2-core VMs move by ±10 % from run to run, more than most changes to the
matcher cost; instruction counts hardly move (whatever else the machine does; Python's hash
randomisation, which changes the order of sets, is fixed here with ``PYTHONHASHSEED=0``). So a
change's cost is measured here as the ratio of instructions, and ``bench/match_scale.py`` gives the
seconds and memory at full scale.

For each version, in separate processes under ``valgrind --tool=callgrind``: building the corpus
alone (``bench/match_scale.py``'s synthetic calls and measures, the same for both), and building it
and matching (``min_score`` 30, best 50 per measure, as a digest asks). Their difference is the
matching; both totals are printed. The baseline's package is taken from git (``git archive``).

    .venv/bin/python bench/match_instructions.py [--baseline REV] [--calls 5000] [--measures 200]

Needs valgrind (on every machine of this workplace). About 10 minutes at the defaults.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import sys
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
from datetime import date
from match_scale import make_corpus
calls, measures = make_corpus(int(sys.argv[3]), int(sys.argv[4]))
if sys.argv[5] == "match":
    from foerderradar.matcher import match_calls
    print(len(match_calls(calls, measures, date(2026, 12, 1), min_score=30, limit=50)))
"""


def instructions(tree: Path, calls: int, measures: int, mode: str, out: Path) -> int:
    """Total instructions of one run (callgrind's "totals")."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-c", CHILD,
         str(tree), str(ROOT / "bench"), str(calls), str(measures), mode],
        capture_output=True, text=True, cwd=tree, timeout=3600, check=False,
        env={**os.environ, "PYTHONHASHSEED": "0"})
    found = re.search(r"^totals:\s+(\d+)", out.read_text(encoding="utf-8"), re.MULTILINE) if out.exists() else None
    if done.returncode != 0 or found is None:
        raise SystemExit(f"callgrind run failed ({tree}, {mode}):\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="HEAD~1")
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--measures", type=int, default=200)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind fehlt (apt-get install valgrind)")
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.baseline], check=True,
                            capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "baseline"
        base.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "foerderradar"], check=True,
                                 capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(base, filter="data")
        versions = ((f"baseline {commit}", base), ("this checkout", ROOT))
        runs = {(name, mode): (tree, Path(tmp) / f"{n}.{mode}.out")
                for n, (name, tree) in enumerate(versions) for mode in ("corpus", "match")}
        with ThreadPoolExecutor(max_workers=2) as pool:  # one process per core: counts do not care
            futures = {key: pool.submit(instructions, tree, args.calls, args.measures, key[1], out)
                       for key, (tree, out) in runs.items()}
            totals = {key: future.result() for key, future in futures.items()}
    print(f"# match_instructions — {date.today()} — {platform.node()}, {args.calls} calls × {args.measures} measures\n")
    print("| version | corpus only | corpus + matching | matching | ratio (matching) |\n|---|---:|---:|---:|---:|")
    names = list(dict.fromkeys(name for name, _ in totals))
    first = totals[names[0], "match"] - totals[names[0], "corpus"]
    for name in names:
        corpus, whole = totals[name, "corpus"], totals[name, "match"]
        print(f"| {name} | {corpus:,} | {whole:,} | {whole - corpus:,} | {(whole - corpus) / first:.3f} |")


if __name__ == "__main__":
    main()
