"""Measure the cross-portal de-duplication rule on the labelled set of invented calls.

    .venv/bin/python bench/dedup_rule.py                # tables for docs/benchmarks.md
    .venv/bin/python bench/dedup_rule.py --errors       # list every wrong or missed merge
    .venv/bin/python bench/dedup_rule.py --scale 50000  # grouping time on synthetic calls
    .venv/bin/python bench/dedup_rule.py --store 5000   # grouping.regroup on SQLite, first run and repeat

Every figure is pairwise over *groups*, as the store would build them (``find_groups``: candidate
pairs, guarded agglomeration): a pair of calls counts as merged when they end in one group. Gold:
two calls are the same programme when they share ``programme`` in
``tests/fixtures/dedup/calls.yaml`` (labelling policy at the top of that file).

Honesty: the thresholds are chosen by 5-fold cross-validation by *family* (programmes that share
words stay in one fold, so a trap and its look-alike are never split between choosing and
measuring). In each fold the grid point with the best F0.5 on the other four folds (precision
weighs double: a wrong merge hides a call) is measured on the held-out fold; the table sums the
five held-out folds. The whole-set figures of the default rule and the sweep are in-sample.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import combinations, product
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from foerderradar.grouping.rule import DEFAULT_RULE, DedupRecord, Rule, find_groups  # noqa: E402
from foerderradar.model import FundingCall  # noqa: E402

SET = ROOT / "tests" / "fixtures" / "dedup" / "calls.yaml"
HOLDOUT = ROOT / "tests" / "fixtures" / "dedup" / "calls_holdout.yaml"  # written after the rule was frozen
FOLDS = 5
HIGHS = (0.5, 0.6, 0.67, 0.75, 0.8, 0.9, 1.0)
LOWS = (0.2, 0.25, 0.3, 0.34, 0.4, 0.5, 0.6)
COVERS = (0.5, 0.75, 1.0)


@dataclass(frozen=True)
class Labelled:
    record: DedupRecord
    programme: str
    family: str
    call: FundingCall


def load_set(path: Path = SET) -> list[Labelled]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: list[Labelled] = []
    for raw in data["calls"]:
        entry = dict(raw)
        programme, family = entry.pop("programme"), entry.pop("family")
        source, _, source_id = entry.pop("id").partition(":")
        call = FundingCall.model_validate({"source": source, "source_id": source_id, **entry})
        out.append(Labelled(DedupRecord.from_call(call), programme, family, call))
    return out


@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def f(self, beta: float = 1.0) -> float:
        p, r = self.precision, self.recall
        return (1 + beta**2) * p * r / (beta**2 * p + r) if p + r else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)


def merged_pairs(items: Sequence[Labelled], rule: Rule) -> set[tuple[str, str]]:
    grouping = find_groups((i.record for i in items), rule)
    return {pair for group in grouping.groups for pair in combinations(group, 2)}


def gold_pairs(items: Sequence[Labelled]) -> set[tuple[str, str]]:
    by_programme: dict[str, list[str]] = defaultdict(list)
    for item in items:
        by_programme[item.programme].append(item.record.id)
    return {pair for ids in by_programme.values() for pair in combinations(sorted(ids), 2)}


def score(items: Sequence[Labelled], rule: Rule) -> Score:
    got, gold = merged_pairs(items, rule), gold_pairs(items)
    return Score(len(got & gold), len(got - gold), len(gold - got))


def grid() -> list[Rule]:
    rules = [Rule(high=h, low=h) for h in HIGHS]  # titles alone
    rules += [Rule(high=h, low=lo, cover=c) for h, lo, c in product(HIGHS, LOWS, COVERS) if lo < h]
    return rules


def choose(items: Sequence[Labelled], rules: Iterable[Rule]) -> Rule:
    """Best F0.5; ties → higher precision, then the stricter thresholds (fewer merges)."""
    return max(rules, key=lambda r: (round(score(items, r).f(0.5), 6), score(items, r).precision, r.low, r.high))


def folds(items: Sequence[Labelled]) -> list[list[Labelled]]:
    families = sorted({i.family for i in items})
    random.Random(20261125).shuffle(families)
    fold_of = {family: n % FOLDS for n, family in enumerate(families)}
    out: list[list[Labelled]] = [[] for _ in range(FOLDS)]
    for item in items:
        out[fold_of[item.family]].append(item)
    return out


def cross_validate(items: Sequence[Labelled]) -> tuple[Score, list[Rule]]:
    parts = folds(items)
    rules = grid()
    total, chosen = Score(0, 0, 0), []
    for k, held_out in enumerate(parts):
        train = [i for n, part in enumerate(parts) if n != k for i in part]
        best = choose(train, rules)
        chosen.append(best)
        total = total + score(held_out, best)
    return total, chosen


def hard_negatives(items: Sequence[Labelled], rule: Rule) -> tuple[int, int]:
    """(designed traps wrongly merged, designed traps): pairs of one family, different programmes."""
    got = merged_pairs(items, rule)
    traps = {
        tuple(sorted((a.record.id, b.record.id)))
        for a, b in combinations(items, 2)
        if a.family == b.family and a.programme != b.programme
    }
    return len(traps & got), len(traps)


def row(name: str, s: Score) -> str:
    return f"| {name} | {s.precision:.3f} | {s.recall:.3f} | {s.f():.3f} | {s.tp} | {s.fp} | {s.fn} |"


HEADER = (
    "| rule | precision | recall | F1 | merged right | merged wrong | missed |\n"
    "|---|---:|---:|---:|---:|---:|---:|"
)


def report(items: list[Labelled]) -> None:
    gold = gold_pairs(items)
    traps = hard_negatives(items, Rule(use_titles=False))[1]
    sources = {i.record.source for i in items}
    print(f"Set: {len(items)} calls, {len({i.programme for i in items})} programmes, "
          f"{len({i.family for i in items})} families, {len(sources)} portals; "
          f"{len(items) * (len(items) - 1) // 2} pairs, {len(gold)} same-programme pairs, "
          f"{traps} designed look-alike pairs (one family, different programmes).")
    print(f"Machine: {platform.machine()}, Python {platform.python_version()}, {date.today().isoformat()}\n")

    cv, chosen = cross_validate(items)
    url_only = score(items, Rule(use_titles=False))
    print("Held-out (5-fold cross-validation by family):\n")
    print(HEADER)
    print(row("canonical URL only", url_only))
    print(row("URL + title rule, thresholds chosen on the other folds", cv))
    print("\nThresholds chosen per fold: " + "; ".join(r.describe().removeprefix("URL + title ") for r in chosen))

    print("\nWhole set (in-sample), the default rule and variants:\n")
    print(HEADER)
    print(row("canonical URL only", url_only))
    print(row(f"default: {DEFAULT_RULE.describe()}", score(items, DEFAULT_RULE)))
    print(row("default without guards", score(items, Rule(DEFAULT_RULE.high, DEFAULT_RULE.low,
                                                        DEFAULT_RULE.cover, use_guards=False))))
    print(row("default without the text step (titles alone)",
              score(items, Rule(DEFAULT_RULE.high, DEFAULT_RULE.high))))
    holdout = load_set(HOLDOUT)
    print(f"\nHold-out batch ({len(holdout)} calls, {len(gold_pairs(holdout))} same-programme pairs, written after "
          "the rule and thresholds were frozen):\n")
    print(HEADER)
    print(row("canonical URL only", score(holdout, Rule(use_titles=False))))
    print(row(f"default: {DEFAULT_RULE.describe()}", score(holdout, DEFAULT_RULE)))
    wrong, total = hard_negatives(holdout, DEFAULT_RULE)
    print(f"\nDefault rule on the hold-out look-alikes: {wrong} of {total} wrongly merged.")
    wrong, total = hard_negatives(items, DEFAULT_RULE)
    print(f"\nDefault rule on the designed look-alikes: {wrong} of {total} wrongly merged.")
    best = choose(items, grid())
    print(f"Best grid point on the whole set (F0.5): {best.describe()}\n")

    print("Threshold sweep (whole set, in-sample), precision / recall:\n")
    print("| high | titles alone | " + " | ".join(f"low {lo:.2f}, cover {c:.2f}" for lo in (0.2, 0.3, 0.4)
                                                for c in (0.5, 0.75, 1.0)) + " |")
    print("|---:|---|" + "---|" * 9)
    for high in (0.5, 0.6, 0.75, 1.0):
        cells = [score(items, Rule(high=high, low=high))]
        cells += [score(items, Rule(high=high, low=lo, cover=c)) for lo in (0.2, 0.3, 0.4) for c in (0.5, 0.75, 1.0)]
        print(f"| {high:.2f} | " + " | ".join(f"{c.precision:.2f} / {c.recall:.2f}" for c in cells) + " |")


def errors(items: list[Labelled], rule: Rule) -> None:
    by_id = {i.record.id: i for i in items}
    grouping = find_groups((i.record for i in items), rule)
    got, gold = {p for g in grouping.groups for p in combinations(g, 2)}, gold_pairs(items)
    for label, pairs in (("WRONG MERGE", got - gold), ("MISSED", gold - got)):
        for a, b in sorted(pairs):
            print(f"{label}: {by_id[a].record.title!r} [{a}]\n    ~ {by_id[b].record.title!r} [{b}]")
    from foerderradar.grouping.rule import same_programme

    for a, b in sorted(gold - got):
        print(f"  {a} / {b}: {same_programme(by_id[a].record, by_id[b].record, rule).reason}")


def synthetic(n: int, seed: int = 7) -> list[DedupRecord]:
    """n calls with a long-tailed vocabulary, as real titles have: 20,000 invented words drawn with
    Zipf weights, 2–6 per title; a quarter of the programmes appear on a second portal with the
    title reworded (a word dropped or "Förderung von … NRW" added) and the same text."""
    rng = random.Random(seed)
    syllables = ["ba", "de", "ki", "lo", "mu", "ne", "ra", "si", "tu", "ver", "gen", "schaft", "land", "netz",
                 "werk", "bau", "dig", "ital", "schul", "wald", "feld", "haus", "stadt", "wirt"]
    vocabulary = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(30000)})
    rng.shuffle(vocabulary)
    vocabulary = vocabulary[:20000]
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    records: list[DedupRecord] = []
    k = 0
    while len(records) < n:
        words = rng.choices(vocabulary, weights, k=rng.randint(2, 6))
        title = " ".join(w.capitalize() for w in words)
        text = title + " " + " ".join(rng.choices(vocabulary, weights, k=30))
        source = f"portal{k % 12}"
        records.append(DedupRecord(id=f"{source}:{k}", source=source, url=f"https://example.org/{k}", title=title,
                                   text=text, level="land", regions=("DE-NW",), funding_type=("zuschuss",)))
        if rng.random() < 0.25 and len(records) < n:
            variant = words[1:] if len(words) > 2 and rng.random() < 0.5 else ["Förderung", "von", *words, "NRW"]
            other = f"portal{(k + 1) % 12}"
            records.append(DedupRecord(id=f"{other}:{k}b", source=other, url=f"https://example.net/{k}",
                                       title=" ".join(w.capitalize() for w in variant), text=text,
                                       level="land", regions=("DE-NW",), funding_type=("zuschuss",)))
        k += 1
    return records


def scale(n: int) -> None:
    """Grouping time and peak memory on synthetic calls, at n/10 and n."""
    import tracemalloc

    records = synthetic(n)
    for size in sorted({max(n // 10, 2), n}):
        started = time.perf_counter()
        grouping = find_groups(records[:size])
        seconds = time.perf_counter() - started
        tracemalloc.start()  # a second run for memory: tracing slows Python down about twofold
        find_groups(records[:size])
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"| {size} | {seconds:.1f} | {peak / 2**20:.0f} | {grouping.compared} | "
              f"{grouping.compared / (size * (size - 1) / 2):.5%} | {len(grouping.groups)} |")


def store_scale(n: int) -> None:
    """grouping.regroup on a SQLite file of n synthetic calls: the first run (writes every group) and
    a repeat (idempotent: writes nothing)."""
    import tempfile

    from foerderradar.grouping import regroup
    from foerderradar.storage import Store

    records = synthetic(n)
    calls = [
        FundingCall(source=r.source, source_id=r.id.partition(":")[2], url=r.url, title=r.title, summary=r.text,
                    level="land", regions=["DE-NW"], funding_type=["zuschuss"])
        for r in records
    ]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/scale.db")
        for start in range(0, len(calls), 1000):
            store.upsert_calls(calls[start : start + 1000])
        for label in ("first", "repeat"):
            started = time.perf_counter()
            stats = regroup(store)
            print(f"| {n} | regroup, {label} run | {time.perf_counter() - started:.1f} | {stats.changed} |")
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--errors", action="store_true", help="list wrong and missed merges of the default rule")
    parser.add_argument("--holdout", action="store_true", help="with --errors: on the hold-out batch")
    parser.add_argument("--scale", type=int, default=0, help="time grouping of N synthetic calls")
    parser.add_argument("--store", type=int, default=0, help="time grouping.regroup on N synthetic calls in SQLite")
    args = parser.parse_args()
    if args.store:
        print("| calls | step | seconds | rows written |\n|---:|---|---:|---:|")
        store_scale(args.store)
        return
    if args.scale:
        print("| calls | seconds | peak MiB (Python) | pairs compared | of all pairs | groups |")
        print("|---:|---:|---:|---:|---:|---:|")
        scale(args.scale)
        return
    items = load_set(HOLDOUT if args.holdout else SET)
    if args.errors:
        errors(items, DEFAULT_RULE)
        return
    report(items)


if __name__ == "__main__":
    main()
