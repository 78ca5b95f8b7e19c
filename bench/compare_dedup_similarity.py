"""Should rapidfuzz replace our title similarity in de-duplication? Same labelled sets, same guards.

    .venv/bin/pip install rapidfuzz                              # into the venv only; not a project dependency
    .venv/bin/python bench/compare_dedup_similarity.py           # quality on both sets, then --scale 50000
    .venv/bin/python bench/compare_dedup_similarity.py --scale 0 # quality only
    .venv/bin/python bench/compare_dedup_similarity.py --scale 5000 --repeat 1  # a quick cost check

Issue 11 part 8: where a well-kept library does what we wrote by hand, switch or keep with a
measured reason. In foerderradar/grouping/rule.py the only hand-written *similarity* is the Jaccard index
of two titles' terms (German folding, compound parts, stop words, marks taken out); everything
around it — canonical URLs, the guards (level, Länder, funding type, rounds and editions, one
portal), the text-coverage step and guarded grouping — is kept here exactly as it is. Only the
score :func:`foerderradar.grouping.rule.compare` compares with ``Rule.high`` / ``Rule.low`` is replaced by

- rapidfuzz ``token_set_ratio``, ``token_sort_ratio`` or ``WRatio`` (÷ 100), computed on
- the *titles as written* (rapidfuzz's ``default_process``: lower case, punctuation to spaces) —
  the library doing the work — or on *our title terms* (sorted, joined) — only the scorer swapped.

Each variant's thresholds (``high``, ``low``, ``cover``; ours: dedup_rule.grid()) are chosen on the
development set ``tests/fixtures/dedup/calls.yaml`` by the rule bench/dedup_rule.py uses (best
F0.5; ties → higher precision, then the stricter thresholds), frozen, and measured once on the
hold-out set ``calls_holdout.yaml``. Every pair of calls is compared on the labelled sets (no
blocking, so rapidfuzz is not limited by our Jaccard-based candidate search; ours gives the same
groups either way, tests/grouping/test_dedup.py checks that). Figures are pairwise over the groups, as in
bench/dedup_rule.py.

Cost: the ``--scale`` case of bench/dedup_rule.py (its synthetic calls, grouping n/10 and n calls),
ours as shipped next to each scorer with its frozen thresholds, in the same process and run.
rapidfuzz gives no bound to prune candidate pairs by (Jaccard does: prefix filtering), so at scale
its candidates are every pair sharing a title term that is not in more than 200 (or n/250) titles
— our blocking at its loosest; comparing all 1.25 billion pairs of 50,000 calls is not an option.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from itertools import combinations, product
from pathlib import Path
from unittest import mock

import rapidfuzz
from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dedup_rule
from dedup_rule import HOLDOUT, SET, Labelled, Score, gold_pairs, load_set

from foerderradar.grouping import rule as grouping_rule
from foerderradar.grouping.rule import (
    DEFAULT_RULE,
    Deduplicator,
    DedupRecord,
    Profile,
    Rule,
    Verdict,
    _coverage,
    archive_of,
    conflict,
    find_groups,
    jaccard,
)

SCORERS: dict[str, Callable[..., float]] = {
    "token_set_ratio": fuzz.token_set_ratio,
    "token_sort_ratio": fuzz.token_sort_ratio,
    "WRatio": fuzz.WRatio,
}
INPUTS = ("titles as written", "our title terms")
HIGHS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
LOWS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
COVERS = (0.5, 0.75, 1.0)
BLOCKING = 0.01  # the loosest Jaccard prefix filter: candidates share one not-too-common title term


@dataclass(frozen=True)
class FuzzyRule(Rule):
    """A rule whose title score is rapidfuzz's. ``high``/``low`` stay at :data:`BLOCKING`, which is
    all :meth:`Deduplicator.candidate_pairs` reads of them; the decision reads ``fuzzy_*``."""

    scorer: str = "token_set_ratio"
    on: str = INPUTS[0]
    fuzzy_high: float = 1.0
    fuzzy_low: float = 0.5

    def similarity(self, a: Profile, b: Profile) -> float:
        if self.on == INPUTS[0]:
            left, right = _processed(a.record.title), _processed(b.record.title)
        else:
            left, right = _joined(a.terms), _joined(b.terms)
        return SCORERS[self.scorer](left, right) / 100 if left and right else 0.0

    def describe(self) -> str:
        text = f"{self.scorer} ≥ {self.fuzzy_high:.2f}"
        if self.fuzzy_low < self.fuzzy_high:
            text += f", or ≥ {self.fuzzy_low:.2f} and cover ≥ {self.cover:.2f}"
        return text


# Each title prepared once, not once per pair (as a real switch would do it).
@cache
def _processed(title: str) -> str:
    return default_process(title)


@cache
def _joined(terms: frozenset[str]) -> str:
    return " ".join(sorted(terms))


def fuzzy_rule(scorer: str, on: str, high: float, low: float, cover: float = DEFAULT_RULE.cover, *,
               blocking: float = BLOCKING) -> FuzzyRule:
    """``blocking``: the Jaccard threshold candidate_pairs prefilters with (ours: Rule.low)."""
    return FuzzyRule(high=blocking, low=blocking, cover=cover, scorer=scorer, on=on, fuzzy_high=high, fuzzy_low=low)


def compare(a: Profile, b: Profile, rule: Rule = DEFAULT_RULE) -> Verdict:
    """grouping.rule.compare, line for line, with the title score taken from the rule when it is a FuzzyRule.

    With a plain Rule it must decide exactly as grouping.rule.compare (checked on every dev pair in main).
    """
    same_url = a.url_key == b.url_key
    if same_url and a.record.source != b.record.source:
        return Verdict(True, "url", 2.0)
    if archive_of(a, b):
        return Verdict(True, "archive address", 1.5)
    if not rule.use_titles:
        return Verdict(False, "different url")
    fuzzy = isinstance(rule, FuzzyRule)
    score = rule.similarity(a, b) if isinstance(rule, FuzzyRule) else jaccard(a.terms, b.terms)
    high, low = (rule.fuzzy_high, rule.fuzzy_low) if isinstance(rule, FuzzyRule) else (rule.high, rule.low)
    if score < min(low, high) or score == 0:
        return Verdict(False, "titles below the lower threshold")
    if rule.use_guards:
        why = conflict(a, b)
        if why:
            return Verdict(False, f"guard: {why}", score)
    elif a.record.source == b.record.source and not same_url:
        return Verdict(False, "guard: same portal", score)
    if score >= high:
        return Verdict(True, f"{'fuzzy' if fuzzy else 'title'} {score:.2f}", score)
    cover = min(_coverage(a, b), _coverage(b, a))
    return Verdict(cover >= rule.cover, f"title {score:.2f}, text covers {cover:.2f}", score)


class AllPairs(Deduplicator):
    """Every pair a candidate: the labelled sets are small, and no blocking favours Jaccard."""

    def candidate_pairs(self) -> Iterator[tuple[int, int]]:
        yield from combinations(range(len(self.records)), 2)


@contextmanager
def our_compare_replaced() -> Iterator[None]:
    """Deduplicator.group calls grouping.rule.compare; for the duration it calls this module's."""
    with mock.patch.object(grouping_rule, "compare", compare):
        yield


def groups(records: Sequence[DedupRecord], rule: Rule, *, all_pairs: bool = True) -> grouping_rule.Grouping:
    with our_compare_replaced():
        return (AllPairs if all_pairs else Deduplicator)(records, rule).group()


def merged(items: Sequence[Labelled], rule: Rule, *, all_pairs: bool = True) -> set[tuple[str, str]]:
    grouping = groups([i.record for i in items], rule, all_pairs=all_pairs)
    return {pair for group in grouping.groups for pair in combinations(group, 2)}


_SCORES: dict[tuple[tuple[str, ...], Rule, bool], Score] = {}  # the sweeps ask for the same rule on the same set again


def score(items: Sequence[Labelled], rule: Rule, *, all_pairs: bool = True) -> Score:
    key = (tuple(i.record.id for i in items), rule, all_pairs)
    if key not in _SCORES:
        got, gold = merged(items, rule, all_pairs=all_pairs), gold_pairs(items)
        _SCORES[key] = Score(len(got & gold), len(got - gold), len(gold - got))
    return _SCORES[key]


def look_alikes(items: Sequence[Labelled], rule: Rule) -> tuple[int, int]:
    """(designed look-alike pairs wrongly merged, look-alike pairs): one family, different programmes."""
    got = merged(items, rule)
    traps = {tuple(sorted((a.record.id, b.record.id))) for a, b in combinations(items, 2)
             if a.family == b.family and a.programme != b.programme}
    return len(traps & got), len(traps)


def fuzzy_grid(scorer: str, on: str) -> list[FuzzyRule]:
    rules = [fuzzy_rule(scorer, on, h, h) for h in HIGHS]  # titles alone
    rules += [fuzzy_rule(scorer, on, h, lo, c) for h, lo, c in product(HIGHS, LOWS, COVERS) if lo < h]
    return rules


def _strictness(rule: Rule) -> tuple[float, float]:
    return (rule.fuzzy_low, rule.fuzzy_high) if isinstance(rule, FuzzyRule) else (rule.low, rule.high)


def choose(items: Sequence[Labelled], rules: Sequence[Rule]) -> Rule:
    """As dedup_rule.choose: best F0.5, ties → higher precision, then the stricter thresholds."""
    return max(rules, key=lambda r: (round(score(items, r).f(0.5), 6), score(items, r).precision, *_strictness(r)))


def choose_clean(items: Sequence[Labelled], rules: Sequence[Rule]) -> Rule | None:
    """Best F1 among the rules that merge nothing wrongly (the floor tests/grouping/test_dedup.py keeps on
    both sets); ties → the stricter thresholds. None if every rule of the grid merges wrongly."""
    clean = [r for r in rules if score(items, r).fp == 0]
    return max(clean, key=lambda r: (round(score(items, r).f(), 6), *_strictness(r)), default=None)


def check_faithful(items: Sequence[Labelled]) -> None:
    """This module's compare with a plain Rule decides every dev pair as grouping.rule.compare does, and
    all-pairs grouping gives find_groups' groups: the swap changes the score and nothing else."""
    deduplicator = Deduplicator(i.record for i in items)
    for a, b in combinations(deduplicator.profiles, 2):
        if compare(a, b) != grouping_rule.compare(a, b):
            raise SystemExit(f"compare differs from grouping.rule.compare on {a.record.id} / {b.record.id}")
    records = [i.record for i in items]
    if groups(records, DEFAULT_RULE).groups != find_groups(records).groups:
        raise SystemExit("all-pairs grouping differs from find_groups")


def _row(name: str, rule_text: str, s: Score, traps: tuple[int, int]) -> str:
    return (f"| {name} | {rule_text} | {s.precision:.3f} | {s.recall:.3f} | {s.f():.3f} | {s.tp} | {s.fp} | {s.fn} "
            f"| {traps[0]} of {traps[1]} |")


HEADER = ("| title score | thresholds (frozen on dev) | precision | recall | F1 | merged right | merged wrong | missed "
          "| look-alikes merged |\n|---|---|---:|---:|---:|---:|---:|---:|---:|")


CRITERIA: dict[str, Callable[[Sequence[Labelled], Sequence[Rule]], Rule | None]] = {
    "best F0.5": choose, "no wrong merge": choose_clean,
}


def quality() -> dict[str, Rule]:
    dev, holdout = load_set(SET), load_set(HOLDOUT)
    check_faithful(dev)
    chosen: dict[str, Rule] = {
        "ours: Jaccard of title terms, default rule (frozen before the hold-out set)": DEFAULT_RULE,
    }
    impossible: list[str] = []  # no threshold of the grid merges nothing wrongly on the dev set
    variants: dict[str, Sequence[Rule]] = {"ours: Jaccard of title terms": dedup_rule.grid()}
    variants.update({f"rapidfuzz {scorer}, {on}": fuzzy_grid(scorer, on) for scorer, on in product(SCORERS, INPUTS)})
    for name, rules in variants.items():
        picks = {criterion: pick(dev, rules) for criterion, pick in CRITERIA.items()}
        if None in picks.values():
            impossible.append(name)
        found = {criterion: rule for criterion, rule in picks.items() if rule is not None}
        if len(set(found.values())) == 1:
            chosen[f"{name}; dev choice: {' = '.join(found)}"] = next(iter(found.values()))
        else:
            chosen.update({f"{name}; dev choice: {criterion}": rule for criterion, rule in found.items()})
    # Where a difference comes from: each side with the other's setting (fixed, not chosen).
    ablations = {
        "(ablation) ours with cover ≥ 0.50: J ≥ 1.00, or J ≥ 0.30 and cover ≥ 0.50": Rule(1.0, 0.3, 0.5),
        "(ablation) ours without a lower title threshold: J ≥ 1.00, or a shared term and cover ≥ 0.50": Rule(
            1.0, BLOCKING, 0.5),
        "(ablation) token_set_ratio, titles as written, with our cover 0.75": fuzzy_rule(
            "token_set_ratio", INPUTS[0], 1.0, 0.3, 0.75),
    }
    for label, items in (("development set calls.yaml, in-sample (thresholds chosen here)", dev),
                         ("hold-out set calls_holdout.yaml, measured once with the frozen thresholds", holdout)):
        print(f"\n## {label}: {len(items)} calls, {len(gold_pairs(items))} same-programme pairs\n")
        print(HEADER)
        for name, rule in {**chosen, **ablations}.items():
            print(_row(name, rule.describe(), score(items, rule), look_alikes(items, rule)))
    if impossible:
        print(f"\nNo threshold of the grid merges nothing wrongly on the dev set: {'; '.join(impossible)}.")
    # Would blocking (needed at scale) have cost the rapidfuzz variants anything here?
    changed = [f"{name} on {'dev' if items is dev else 'hold-out'}: "
               f"{score(items, rule).tp}/{score(items, rule).fp} → "
               f"{score(items, rule, all_pairs=False).tp}/{score(items, rule, all_pairs=False).fp}"
               for name, rule in chosen.items() if isinstance(rule, FuzzyRule) for items in (dev, holdout)
               if score(items, rule, all_pairs=False) != score(items, rule)]
    print(f"\nBlocking check (merged right/wrong, all pairs → pairs sharing a title term): the blocking used at "
          f"scale changes {len(changed)} rapidfuzz figure(s) above" + (": " + "; ".join(changed) if changed else "."))
    return chosen


def scale(n: int, chosen: dict[str, Rule], repeat: int) -> None:
    """Grouping time on bench/dedup_rule.py's synthetic calls: ours, then per scorer its best dev
    choice, once with the candidates it needs (a shared title term) and once with ours (Jaccard
    prefix filter at ``Rule.low``; it may then miss pairs it would merge, but shows the scorer's own
    cost). The cases take turns ``repeat`` times and the least CPU time counts: on a shared machine
    CPU seconds of the same process are steadier than wall seconds, and the minimum is the run
    least disturbed."""
    records = dedup_rule.synthetic(n)
    dev = load_set(SET)
    candidates: dict[str, Rule] = {"ours (find_groups, default rule)": DEFAULT_RULE}
    for scorer in SCORERS:  # per scorer, its dev choice with the best F1 (all are timed the same way)
        name = max((k for k in chosen if f" {scorer}, " in k), key=lambda k: score(dev, chosen[k]).f())
        rule = chosen[name]
        candidates[f"{name}; candidates: a shared title term"] = rule
        candidates[f"{name}; candidates: ours (J ≥ {DEFAULT_RULE.low:.2f})"] = replace(
            rule, high=DEFAULT_RULE.low, low=DEFAULT_RULE.low)
    print(f"\n## Cost: bench/dedup_rule.py --scale {n} (synthetic calls), same run, least of {repeat} turns\n")
    print("| title score | calls | CPU s | wall s | CPU ratio to ours | pairs compared | groups | synthetic "
          "precision | synthetic recall |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in sorted({max(n // 10, 2), n}):
        # synthetic() writes a reworded copy of a programme "source:k" as "other:kb": the only true pairs.
        ids = {r.id for r in records[:size]}
        copies = {r.id.split(":")[1][:-1]: r.id for r in records[:size] if r.id.endswith("b")}
        gold = {tuple(sorted((i, copies[i.split(":")[1]]))) for i in ids if i.split(":")[1] in copies}
        best: dict[str, tuple[float, float]] = {}
        results: dict[str, grouping_rule.Grouping] = {}
        for _ in range(repeat):
            for name, rule in candidates.items():
                _processed.cache_clear()
                _joined.cache_clear()
                gc.collect()
                started, started_cpu = time.perf_counter(), time.process_time()
                grouping = find_groups(records[:size]) if rule is DEFAULT_RULE else groups(records[:size], rule,
                                                                                            all_pairs=False)
                cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
                best[name] = min(best.get(name, (cpu, wall)), (cpu, wall))
                results[name] = grouping
                print(f"  {name[:60]} {size}: {cpu:.1f} s CPU", file=sys.stderr)
        base = best[next(iter(candidates))][0]
        for name, grouping in results.items():
            cpu, wall = best[name]
            got = {pair for group in grouping.groups for pair in combinations(group, 2)}
            s = Score(len(got & gold), len(got - gold), len(gold - got))
            print(f"| {name} | {size:,} | {cpu:.1f} | {wall:.1f} | {cpu / base:.2f} | {grouping.compared:,} | "
                  f"{len(grouping.groups):,} | {s.precision:.3f} | {s.recall:.3f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=50000, help="time grouping n/10 and n synthetic calls (0: no)")
    parser.add_argument("--repeat", type=int, default=2, help="turns per case at scale; the least CPU time counts")
    args = parser.parse_args()
    uname = platform.uname()
    print(f"# compare_dedup_similarity — {date.today()} — {uname.node}: {uname.system} {uname.release} "
          f"{uname.machine}, Python {platform.python_version()}, rapidfuzz {rapidfuzz.__version__}")
    chosen = quality()
    if args.scale:
        scale(args.scale, chosen, args.repeat)


if __name__ == "__main__":
    main()
