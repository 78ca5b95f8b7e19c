"""Ranking metrics on a labelled set: nDCG@5, P@5, useful@5, recall@10 and leaks.

Definitions as in the labelled set's README (../shared/eval): per measure over the ranked list of
calls the matcher reports as eligible, then averaged over the measures. Kept in the package, not in
the benchmark script, so tests and later tuning work compute exactly the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from foerderradar.model import Match

INELIGIBLE = "ineligible"


def dcg(gains: Iterable[float]) -> float:
    """Discounted cumulative gain with discount 1/log2(rank + 1), ranks counted from 1."""
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1))


def evaluate(matches: Iterable[Match], gold: Mapping[str, Any]) -> dict[str, float]:
    """Metrics averaged over the measures in ``gold`` (every key but ``ineligible``).

    ``gold`` maps measure id → {call id: grade 1 or 2}, and ``ineligible`` → {call id: reason}.
    Matches with ``eligible=False`` are ignored; their order within a measure is the ranking.
    ``leaks`` counts ineligible calls reported as eligible, summed over all measures and ranks.
    """
    ineligible = set((gold.get(INELIGIBLE) or {}).keys())
    measures = [k for k in gold if k != INELIGIBLE]
    ranked: dict[str, list[str]] = {m: [] for m in measures}
    for match in matches:
        if match.eligible and match.measure_id in ranked:
            ranked[match.measure_id].append(match.call_id)
    totals = {"ndcg@5": 0.0, "p@5": 0.0, "useful@5": 0.0, "recall@10": 0.0}
    leaks = 0
    for measure in measures:
        grades = {str(k): int(v) for k, v in (gold[measure] or {}).items()}
        calls = ranked[measure]
        leaks += sum(1 for call_id in calls if call_id in ineligible)
        top5 = [grades.get(call_id, 0) for call_id in calls[:5]]
        ideal = dcg(2**g - 1 for g in sorted(grades.values(), reverse=True)[:5])
        totals["ndcg@5"] += dcg(2**g - 1 for g in top5) / ideal if ideal else 0.0
        totals["p@5"] += sum(1 for g in top5 if g == 2) / 5
        totals["useful@5"] += sum(1 for g in top5 if g >= 1) / 5
        relevant = {call_id for call_id, g in grades.items() if g == 2}
        totals["recall@10"] += len(relevant & set(calls[:10])) / len(relevant) if relevant else 1.0
    n = max(len(measures), 1)
    result = {k: round(v / n, 3) for k, v in totals.items()}
    result["leaks"] = float(leaks)
    return result
