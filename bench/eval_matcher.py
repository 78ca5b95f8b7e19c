"""Matcher quality on a labelled set, against plain BM25 and substring search in the same run.

    .venv/bin/python bench/eval_matcher.py [EVAL_DIR] [--per-measure]

The same as ``foerderradar eval EVAL_DIR --as-of 2026-12-01 --format md`` (both call
:func:`foerderradar.matcher.evalset.compare`); kept as a script so every figure in
docs/benchmarks.md has a command next to it. EVAL_DIR defaults to ../shared/eval (see its README for
the metric definitions and the evaluation date).
"""

from __future__ import annotations

import platform
import sys
from datetime import date
from pathlib import Path

from foerderradar.matcher.evalset import METRICS, compare, load_eval_set

AS_OF = date(2026, 12, 1)
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    evalset = load_eval_set(Path(args[0]) if args else DEFAULT_DIR)
    results = compare(evalset, AS_OF, per_measure="--per-measure" in argv)
    print(f"# eval_matcher — {date.today()} — {platform.node()}, {len(evalset.calls)} calls, as of {AS_OF}")
    for scope in next(iter(results.values())):
        print(f"\n{scope}\n\n| | {' | '.join(METRICS)} |\n|---|{'---:|' * len(METRICS)}")
        for name, rows in results.items():
            print(f"| {name} | {' | '.join(f'{rows[scope][k]:g}' for k in METRICS)} |")


if __name__ == "__main__":
    main(sys.argv[1:])
