"""Matcher quality on both labelled sets, for this checkout and for a baseline commit, in one run.

Issue 15 asks whether the matcher generalises: each set's figures while the *other* set was the one
being looked at. So the same comparison (:func:`foerderradar.matcher.evalset.compare`: Förderradar,
plain BM25 and substring search, with and without the eligibility gates, and learning from three
simulated marks) runs on ``../shared/eval`` and ``../shared/eval2`` for

- this checkout, and
- ``--baseline REV`` (default: the last commit before issue 15's matcher changes), whose package is
  taken from git (``git archive``) into a temporary directory and run with its own code.

    .venv/bin/python bench/eval_cross.py [--baseline 66f314f] [--per-measure]

Prints Markdown: one summary table (nDCG@5 / leaks per set and version, baselines of the same run)
and, with ``--per-measure``, each version's per-measure nDCG@5. Which changes were made while
looking at which set is written down in docs/benchmarks.md beside the figures.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SETS = ("eval", "eval2")
AS_OF = "2026-12-01"
BASELINE = "66f314f"  # before issue 15: ranking developed on eval only
RUN = """
import json, sys
from datetime import date
from pathlib import Path
from foerderradar.matcher.evalset import compare, load_eval_set
out = {}
for name in sys.argv[2:]:
    evalset = load_eval_set(Path(sys.argv[1]) / name)
    out[name] = compare(evalset, date.fromisoformat(AS_OF), per_measure=True)
print(json.dumps(out))
""".replace("AS_OF", repr(AS_OF))


def figures(tree: Path | None) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """{set: {ranker: {scope: metrics}}} computed by the package under ``tree`` (None: this checkout)."""
    env = {**os.environ}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    done = subprocess.run([sys.executable, "-c", RUN, str(SHARED), *SETS], env=env, capture_output=True, text=True,
                          timeout=900, cwd=tree or ROOT)
    if done.returncode != 0:
        raise SystemExit(f"eval failed:\n{done.stderr}")
    result: dict[str, dict[str, dict[str, dict[str, float]]]] = json.loads(done.stdout)
    return result


def baseline_tree(commit: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "foerderradar"], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--per-measure", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        versions = {f"baseline {args.baseline}": figures(baseline_tree(args.baseline, Path(tmp))),
                    "this checkout": figures(None)}
    print(f"# eval_cross — {date.today()} — {platform.node()}, as of {AS_OF}\n")
    print("| version | set | Förderradar nDCG@5 | leaks | BM25 | BM25 + Prüfung | Substring | Substring + Prüfung "
          "| Rest nach 3 Markierungen | Rest, aus 3 gelernt |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for version, sets in versions.items():
        for name, rankers in sets.items():
            def cell(ranker: str, rankers: dict[str, dict[str, dict[str, float]]] = rankers) -> str:
                row = next((v for k, v in rankers.items() if k.startswith(ranker)), None)
                return "–" if row is None else f"{row['alle']['ndcg@5']:.3f}"
            ours = rankers["Förderradar"]["alle"]
            print(f"| {version} | {name} | {ours['ndcg@5']:.3f} | {ours['leaks']:g} | {cell('BM25 (einfach)')} "
                  f"| {cell('BM25 + Prüfung')} | {cell('Substring-Suche')} | {cell('Substring + Prüfung')} "
                  f"| {cell('Rest nach')} | {cell('Rest, aus')} |")
    if args.per_measure:
        for name in SETS:
            measures = [k for k in versions["this checkout"][name]["Förderradar"] if k != "alle"]
            print(f"\n{name}, Förderradar nDCG@5 per measure\n")
            print(f"| version | {' | '.join(measures)} |\n|---|{'---:|' * len(measures)}")
            for version, sets in versions.items():
                ours = sets[name]["Förderradar"]
                cells = " | ".join(f"{ours[m]['ndcg@5']:.3f}" for m in measures)
                print(f"| {version} | {cells} |")


if __name__ == "__main__":
    main()
