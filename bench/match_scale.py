"""Matching at Land scale: time and peak memory for N calls × M measures, and how they grow.

    .venv/bin/python bench/match_scale.py                  # the table in docs/benchmarks.md
    .venv/bin/python bench/match_scale.py --calls 5000,50000 --rare 20 --baseline ""

A Land-wide service matches every stored call against the measures of many municipalities. The
corpus is synthetic but shaped like real data: calls and measures are recombined from the
sentences, titles and topic labels of the bundled demo portal (``foerderradar/demo_site``) and the
example measures (``config/measures.yaml``), with a random share of calls limited to other Länder
or to companies, so the eligibility gates do real work. ``--rare N`` adds N invented words to every
call (compounds of the corpus's words plus random syllables, nearly all used once): a long-tail
vocabulary, where analysis cannot lean on words it has seen before.

Each case runs in a fresh process so peak memory (``ru_maxrss``) belongs to that case alone; the
corpus alone is reported too. Matching is as a digest for many cities would ask: ``min_score`` 30
and the best ``--limit`` 50 per measure. Growth is reported as ratios to the smallest size of the
same run (time per call stays at 1.0 if growth is linear). The same-run baseline is the matcher as
it was before issue 4 part 7 (``old_match_calls`` in tests/matcher/test_matcher_scale.py), at sizes where it
finishes in minutes; both sides print a digest of their full Match lists, which must be equal.
Issue 4's target for 50,000 × 1,000: under 30 s and under 2 GB.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import platform
import random
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 12, 1)
LAENDER = ["DE-NW", "DE-BY", "DE-BW", "DE-NI", "DE-HE", "DE-SN", "DE", "EU"]
SYLLABLES = ["ka", "lo", "ber", "mun", "tri", "sel", "gan", "dor", "vik", "pen", "ras", "hol", "zu", "mer",
             "tan", "bro", "fel", "quin", "sto", "wa"]


def _demo_texts() -> tuple[list[str], list[str], list[str]]:
    """Titles, sentences and topic labels of the bundled (invented) demo programmes."""
    from foerderradar.crawler.selectors import text_of

    titles, sentences, topics = [], [], []
    for page in sorted((ROOT / "foerderradar" / "demo_site" / "FDB").rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        text = text_of(html)
        lines = [line for line in text.splitlines() if len(line) > 30]
        sentences.extend(lines)
        titles.extend(line for line in text.splitlines() if 10 < len(line) < 90)
        topics.extend(w.strip() for line in text.splitlines() if "," in line and len(line) < 120
                      for w in line.split(","))
    return titles, sentences, [t for t in topics if 3 < len(t) < 40]


def make_corpus(n_calls: int, n_measures: int, seed: int = 7, rare: int = 0) -> tuple[list, Any]:
    import yaml

    from foerderradar.model import FundingCall
    from foerderradar.settings import MeasuresFile

    rng = random.Random(seed)
    rare_rng = random.Random(seed + 1)  # its own stream: the corpus with rare=0 stays the same
    titles, sentences, topics = _demo_texts()
    words = sorted({w for s in sentences for w in s.split() if len(w) > 8 and w.isalpha()})
    calls = []
    for i in range(n_calls):
        region = rng.choice(LAENDER)
        applicants = rng.choice([["kommune"], ["kommune", "landkreis"], ["unternehmen", "kmu"], None])
        description = "\n".join(rng.sample(sentences, k=min(len(sentences), rng.randint(4, 12))))
        if rare:
            description += "\n" + " ".join(_rare_word(rare_rng, words) for _ in range(rare))
        calls.append(FundingCall(
            source="bench", source_id=str(i), url=f"https://bench.example/{i}",
            title=f"{rng.choice(titles)} {i % 97}",
            summary=rng.choice(sentences),
            description=description,
            topics=rng.sample(topics, k=min(len(topics), 3)),
            regions=[region], applicants=applicants, level="land" if region.startswith("DE-") else "bund",
            deadline=date(2027, rng.randint(1, 12), rng.randint(1, 28)) if rng.random() < 0.7 else None,
        ))
    base = yaml.safe_load((ROOT / "config" / "measures.yaml").read_text(encoding="utf-8"))
    measures = []
    for j in range(n_measures):
        template = rng.choice(base["measures"])
        measures.append({
            "id": f"m{j}", "title": template["title"],
            "description": template.get("description", "") + " " + " ".join(rng.sample(words, k=min(8, len(words)))),
            "keywords": [*template.get("keywords", []), *rng.sample(words, k=min(3, len(words)))],
        })
    return calls, MeasuresFile.model_validate({"city": base["city"], "measures": measures})


def _rare_word(rng: random.Random, words: list[str]) -> str:
    """A compound nobody else uses: "Breitbandversorgung" + "kommunen" + "kalober" (≈ 28 letters)."""
    head, tail = rng.choice(words), rng.choice(words).lower()
    return head.capitalize() + tail + "".join(rng.choice(SYLLABLES) for _ in range(3))


def _old_match_calls() -> Any:
    spec = importlib.util.spec_from_file_location("matcher_reference", ROOT / "tests" / "test_matcher_scale.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module.old_match_calls


def measure_one(n_calls: int, n_measures: int, *, rare: int, limit: int, min_score: float, old: bool) -> dict:
    from foerderradar.matcher import match_calls

    run = _old_match_calls() if old else match_calls
    calls, measures = make_corpus(n_calls, n_measures, rare=rare)
    corpus_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start, start_cpu = time.perf_counter(), time.process_time()
    matches = run(calls, measures, AS_OF, min_score=min_score, limit=limit or None)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    digest = hashlib.sha256(repr(matches).encode()).hexdigest()[:12]
    return {"calls": n_calls, "measures": n_measures, "rare": rare, "old": old, "seconds": seconds, "cpu": cpu,
            "corpus_mb": corpus_mb, "peak_mb": peak_mb, "matches": len(matches), "digest": digest}


def _child(n_calls: int, n_measures: int, args: argparse.Namespace, *, rare: int = 0, old: bool = False) -> dict:
    command = [sys.executable, __file__, "--one", "--calls", str(n_calls), "--measures", str(n_measures),
               "--rare", str(rare), "--limit", str(args.limit), "--min-score", str(args.min_score)]
    out = subprocess.run([*command, *(["--old"] if old else [])], capture_output=True, text=True, check=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"  {'old' if old else 'new'} {n_calls}×{n_measures} rare={rare}: {row['seconds']:.1f} s "
          f"(CPU {row['cpu']:.1f} s), {row['peak_mb']:.0f} MB", file=sys.stderr)
    return row


def _growth_table(rows: list[dict]) -> list[str]:
    first = rows[0]
    lines = ["| calls | wall s | CPU s | CPU ratio | per-call ratio | peak MB | of it corpus MB | memory ratio "
             "| matches |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ratio = r["cpu"] / first["cpu"]
        per_call = ratio / (r["calls"] / first["calls"])
        lines.append(f"| {r['calls']:,} | {r['seconds']:.1f} | {r['cpu']:.1f} | {ratio:.2f} | {per_call:.2f} | "
                     f"{r['peak_mb']:.0f} | {r['corpus_mb']:.0f} | {r['peak_mb'] / first['peak_mb']:.2f} | "
                     f"{r['matches']:,} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", default="5000,10000,20000,50000")
    parser.add_argument("--measures", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=50, help="best N per measure; 0 for all")
    parser.add_argument("--min-score", type=float, default=30)
    parser.add_argument("--rare", type=int, default=20, help="long-tail variant: rare words per call (0: none)")
    parser.add_argument("--rare-calls", default="5000,50000", help="sizes of the long-tail variant")
    parser.add_argument("--baseline", default="2000x1000,10000x200,1000x100r20",
                        help="CALLSxMEASURES[rRARE] cases for old vs new in the same run ('' for none)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # child process mode
    parser.add_argument("--old", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(int(args.calls), args.measures, rare=args.rare, limit=args.limit,
                                     min_score=args.min_score, old=args.old)))
        return

    uname = platform.uname()
    print(f"# match_scale — {date.today()} — {uname.system} {uname.release} {uname.machine}, "
          f"{len(__import__('os').sched_getaffinity(0))} cores, Python {platform.python_version()}; "
          f"min_score {args.min_score:g}, limit {args.limit or 'none'} per measure\n")

    if args.baseline:
        print("Same-run baseline: the previous matcher (old) and this one (new) on the same corpus\n")
        print("| calls × measures | old wall s | new wall s | old CPU s | new CPU s | speed-up (CPU) | "
              "old peak MB | new peak MB | matches | identical |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for case in args.baseline.split(","):
            size, _, rare_words = case.partition("r")
            n, m = (int(x) for x in size.split("x"))
            rare = int(rare_words or 0)
            old, new = _child(n, m, args, old=True, rare=rare), _child(n, m, args, rare=rare)
            label = f"{n:,} × {m:,}" + (f", {rare} rare words per call" if rare else "")
            print(f"| {label} | {old['seconds']:.1f} | {new['seconds']:.2f} | {old['cpu']:.1f} | "
                  f"{new['cpu']:.2f} | {old['cpu'] / new['cpu']:.0f}× | {old['peak_mb']:.0f} | "
                  f"{new['peak_mb']:.0f} | {new['matches']:,} | {'yes' if old['digest'] == new['digest'] else 'NO'} |")
        print()

    sizes = [int(x) for x in args.calls.split(",") if x]
    if sizes:
        print(f"Growth, {args.measures:,} measures\n")
        print("\n".join(_growth_table([_child(n, args.measures, args) for n in sizes])))
        print()
    if args.rare:
        rare_sizes = [int(x) for x in args.rare_calls.split(",") if x]
        print(f"Long-tail vocabulary: {args.rare} rare words added to every call, {args.measures:,} measures\n")
        print("\n".join(_growth_table([_child(n, args.measures, args, rare=args.rare) for n in rare_sizes])))


if __name__ == "__main__":
    main()
