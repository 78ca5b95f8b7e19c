"""Matching at Land scale: time and peak memory for N calls × M measures, and how they grow.

    .venv/bin/python bench/match_scale.py [--calls 5000,10000,20000,50000] [--measures 1000]

A Land-wide service matches every stored call against the measures of many municipalities. The
corpus is synthetic but shaped like real data: calls and measures are recombined from the
sentences, titles and topic labels of the bundled demo portal (``foerderradar/demo_site``) and the
example measures (``config/measures.yaml``), with a random share of calls limited to other Länder
or to companies, so the eligibility gates do real work. Each size runs in a fresh process so peak
memory (``ru_maxrss``) belongs to that size alone. Figures are reported as ratios to the smallest
size of the same run (time per call should stay flat if growth is linear); issue 4's target for the
largest case is under 30 s and under 2 GB.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 12, 1)
LAENDER = ["DE-NW", "DE-BY", "DE-BW", "DE-NI", "DE-HE", "DE-SN", "DE", "EU"]


def _demo_texts() -> tuple[list[str], list[str], list[str]]:
    """Titles, sentences and topic labels of the bundled (invented) demo programmes."""
    from foerderradar.crawler.selectors import text_of

    titles, sentences, topics = [], [], []
    for page in (ROOT / "foerderradar" / "demo_site" / "FDB").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        text = text_of(html)
        lines = [line for line in text.splitlines() if len(line) > 30]
        sentences.extend(lines)
        titles.extend(line for line in text.splitlines() if 10 < len(line) < 90)
        topics.extend(w.strip() for line in text.splitlines() if "," in line and len(line) < 120
                      for w in line.split(","))
    return titles, sentences, [t for t in topics if 3 < len(t) < 40]


def make_corpus(n_calls: int, n_measures: int, seed: int = 7) -> tuple[list, object]:
    import yaml

    from foerderradar.model import FundingCall
    from foerderradar.settings import MeasuresFile

    rng = random.Random(seed)
    titles, sentences, topics = _demo_texts()
    calls = []
    for i in range(n_calls):
        region = rng.choice(LAENDER)
        applicants = rng.choice([["kommune"], ["kommune", "landkreis"], ["unternehmen", "kmu"], None])
        calls.append(FundingCall(
            source="bench", source_id=str(i), url=f"https://bench.example/{i}",
            title=f"{rng.choice(titles)} {i % 97}",
            summary=rng.choice(sentences),
            description="\n".join(rng.sample(sentences, k=min(len(sentences), rng.randint(4, 12)))),
            topics=rng.sample(topics, k=min(len(topics), 3)),
            regions=[region], applicants=applicants, level="land" if region.startswith("DE-") else "bund",
            deadline=date(2027, rng.randint(1, 12), rng.randint(1, 28)) if rng.random() < 0.7 else None,
        ))
    base = yaml.safe_load((ROOT / "config" / "measures.yaml").read_text(encoding="utf-8"))
    words = sorted({w for s in sentences for w in s.split() if len(w) > 8 and w.isalpha()})
    measures = []
    for j in range(n_measures):
        template = rng.choice(base["measures"])
        measures.append({
            "id": f"m{j}", "title": template["title"],
            "description": template.get("description", "") + " " + " ".join(rng.sample(words, k=min(8, len(words)))),
            "keywords": [*template.get("keywords", []), *rng.sample(words, k=min(3, len(words)))],
        })
    return calls, MeasuresFile.model_validate({"city": base["city"], "measures": measures})


def measure_one(n_calls: int, n_measures: int) -> dict[str, float]:
    from foerderradar.matcher import match_calls

    calls, measures = make_corpus(n_calls, n_measures)
    start = time.perf_counter()
    matches = match_calls(calls, measures, AS_OF, min_score=30)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"calls": n_calls, "measures": n_measures, "seconds": seconds, "peak_mb": peak_mb,
            "matches": len(matches)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", default="5000,10000,20000,50000")
    parser.add_argument("--measures", type=int, default=1000)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # child process mode
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(int(args.calls), args.measures)))
        return
    rows = []
    for n in (int(x) for x in args.calls.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--one", "--calls", str(n), "--measures", str(args.measures)],
            capture_output=True, text=True, check=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    first = rows[0]
    print(f"# match_scale — {date.today()} — {platform.node()} ({platform.machine()}, Python "
          f"{platform.python_version()}), {args.measures} measures")
    print("| calls | seconds | time ratio | per-call ratio | peak MB | memory ratio | matches |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        ratio = r["seconds"] / first["seconds"]
        per_call = ratio / (r["calls"] / first["calls"])
        print(f"| {r['calls']} | {r['seconds']:.1f} | {ratio:.2f} | {per_call:.2f} | {r['peak_mb']:.0f} | "
              f"{r['peak_mb'] / first['peak_mb']:.2f} | {r['matches']} |")


if __name__ == "__main__":
    main()
