"""Ranking metrics on a labelled set (format of ../shared/eval): nDCG@5, P@5, useful@5, recall@10, leaks."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from foerderradar.matcher.types import Match


def _dcg(gains: list[float]) -> float:
    return sum(g / math.log2(rank + 2) for rank, g in enumerate(gains))


def evaluate(matches: list[Match], gold: Mapping[str, Any]) -> dict[str, float]:
    """Per-measure metrics averaged over the measures in ``gold`` (all keys but ``ineligible``)."""
    ineligible = set((gold.get("ineligible") or {}).keys())
    measures = [k for k in gold if k != "ineligible"]
    totals = {"ndcg@5": 0.0, "p@5": 0.0, "useful@5": 0.0, "recall@10": 0.0}
    leaks = 0
    for measure in measures:
        grades: dict[str, int] = {str(k): int(v) for k, v in (gold[measure] or {}).items()}
        ranked = [m.call_id for m in matches if m.measure_id == measure and m.eligible]
        leaks += sum(1 for cid in ranked if cid in ineligible)
        top5 = [grades.get(cid, 0) for cid in ranked[:5]]
        ideal = sorted(grades.values(), reverse=True)[:5]
        idcg = _dcg([2**g - 1 for g in ideal])
        totals["ndcg@5"] += _dcg([2**g - 1 for g in top5]) / idcg if idcg else 0.0
        totals["p@5"] += sum(1 for g in top5 if g == 2) / 5
        totals["useful@5"] += sum(1 for g in top5 if g >= 1) / 5
        relevant = [cid for cid, g in grades.items() if g == 2]
        totals["recall@10"] += (sum(1 for cid in ranked[:10] if cid in relevant) / len(relevant)) if relevant else 1.0
    n = max(len(measures), 1)
    result = {k: round(v / n, 3) for k, v in totals.items()}
    result["leaks"] = float(leaks)
    return result
