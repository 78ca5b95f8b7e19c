"""How much each of the matcher's score shares does, and how sensitive both labelled sets are to them.

Issue 15's last step added three shares and one reading of the call text (docs/benchmarks.md,
*Generalisation across the two labelled sets*):

- the subject only: procedure, money and contact blocks and excluding sentences of a call's
  description do not match (``matcher/subject.py``);
- ``DIGITAL_FRAME_SHARE``: a digitalisation programme that meets only a measure's frame;
- ``OTHER_SECTOR_SHARE``: a call whose title names a field of work the measure does not;
- ``NOT_GRANT_SHARE``: a loan, advice or a prize rather than a grant.

This prints, for ``../shared/eval`` and ``../shared/eval2`` in one run, nDCG@5 and leaks with all of
them (the shipped configuration), with each one switched off alone, and a grid of the three shares,
so the figures show whether the configuration sits on a plateau or on a peak. The constants are
set in this process only (the module globals the matcher reads); nothing is written.

    .venv/bin/python bench/eval_shares.py [--grid]
"""

from __future__ import annotations

import argparse
import itertools
import platform
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import foerderradar.matcher.relevance as relevance
from foerderradar.matcher.evalset import EvalSet, load_eval_set
from foerderradar.matcher.evaluate import evaluate
from foerderradar.matcher.match import match_calls

SHARED = Path(__file__).resolve().parents[2] / "shared"
AS_OF = date(2026, 12, 1)
SHARES = ("DIGITAL_FRAME_SHARE", "OTHER_SECTOR_SHARE", "NOT_GRANT_SHARE")


@contextmanager
def patched(**values: Any) -> Iterator[None]:
    old = {name: getattr(relevance, name) for name in values}
    for name, value in values.items():
        setattr(relevance, name, value)
    try:
        yield
    finally:
        for name, value in old.items():
            setattr(relevance, name, value)


def figures(sets: dict[str, EvalSet]) -> str:
    cells = []
    for evalset in sets.values():
        result = evaluate(match_calls(evalset.calls, evalset.measures, AS_OF), evalset.gold)
        cells.append(f"{result['ndcg@5']:.3f} ({result['leaks']:g})")
    return " | ".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", action="store_true", help="also the grid of the three shares")
    args = parser.parse_args()
    sets = {name: load_eval_set(SHARED / name) for name in ("eval", "eval2")}
    print(f"# eval_shares — {date.today()} — {platform.node()}, as of {AS_OF}\n")
    print("| configuration | eval nDCG@5 (leaks) | eval2 nDCG@5 (leaks) |\n|---|---:|---:|")
    print(f"| shipped: {', '.join(f'{n} {getattr(relevance, n)}' for n in SHARES)}, subject only | {figures(sets)} |")
    with patched(subject_text=lambda text: text):
        print(f"| whole description matches (no subject reading) | {figures(sets)} |")
    for name in SHARES:
        with patched(**{name: 1.0}):
            print(f"| {name} = 1 | {figures(sets)} |")
    with patched(**dict.fromkeys(SHARES, 1.0), subject_text=lambda text: text):
        print(f"| none of the four | {figures(sets)} |")
    if args.grid:
        print("\n| DIGITAL_FRAME_SHARE | OTHER_SECTOR_SHARE | NOT_GRANT_SHARE | eval | eval2 |")
        print("|---:|---:|---:|---:|---:|")
        for frame, sector, grant in itertools.product((0.6, 0.7, 0.8, 0.9, 1.0), (0.3, 0.5, 0.7, 1.0),
                                                      (0.8, 0.9, 1.0)):
            with patched(DIGITAL_FRAME_SHARE=frame, OTHER_SECTOR_SHARE=sector, NOT_GRANT_SHARE=grant):
                print(f"| {frame} | {sector} | {grant} | {figures(sets)} |")


if __name__ == "__main__":
    main()
