"""Learning from marks: what a person confirmed or dismissed for a measure reweights its query.

Why Rocchio: a mark says "more like this" or "not like this" about one call, and the calls a town
marks are few (a handful per measure). Rocchio's relevance feedback moves the measure's term
weights towards the confirmed calls and away from the dismissed ones — a few dozen numbers per
measure, explainable ("gelernt aus Ihren Markierungen: …") and computed in the same pass as the
query, so it costs nothing at Land scale. A learned re-ranker would need hundreds of marks.

Only the *ranking* learns. Eligibility never does: a dismissed call's applicant types or region
say nothing about the next call's, and a confirmed call cannot make an ineligible one eligible.
Marks are per municipality and measure: one town's marks never move another town's ranking.

Standard constants (Salton & Buckley): the query keeps its weights (α = 1), moves by β = 0.75
towards the mean of the confirmed calls and γ = 0.15 away from the mean of the dismissed ones,
each call's term vector scaled so its strongest term has the weight of the query's strongest.
Of the confirmed calls' terms the measure does not use, only the :data:`EXPANSION` strongest are
added — a long tail of words every confirmed call happens to share would drown the measure — and
only those at least :data:`AGREE` confirmed calls share: a word one confirmed call happens to use
("Daseinsvorsorge" in its topics) says little about what the others have in common.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

BETA, GAMMA = 0.75, 0.15
EXPANSION = 8
# ... and only terms at least this many confirmed calls share (or all of them, if fewer are confirmed)
AGREE = 2
# A term the learning leaves below this share of the query's strongest weight is dropped.
FLOOR = 0.05

POSITIVE = frozenset({"relevant", "applied"})
NEGATIVE = frozenset({"dismissed", "rejected"})


@dataclass(frozen=True)
class Feedback:
    """A measure's marked calls: confirmed (relevant, applied) and dismissed (verworfen, abgelehnt)."""

    relevant: frozenset[str] = frozenset()
    dismissed: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.relevant or self.dismissed)


def feedback_of(marks: Sequence[tuple[str, str, str]]) -> dict[str, Feedback]:
    """(measure id, call id, mark) → per measure; ``done`` marks teach nothing (finished, either way)."""
    relevant: dict[str, set[str]] = defaultdict(set)
    dismissed: dict[str, set[str]] = defaultdict(set)
    for measure_id, call_id, mark in marks:
        if mark in POSITIVE:
            relevant[measure_id].add(call_id)
        elif mark in NEGATIVE:
            dismissed[measure_id].add(call_id)
    return {m: Feedback(frozenset(relevant[m]), frozenset(dismissed[m])) for m in relevant.keys() | dismissed.keys()}


def _mean(vectors: Sequence[Mapping[str, float]], scale: float) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for vector in vectors:
        top = max(vector.values(), default=0.0)
        if top > 0:
            for term, value in vector.items():
                total[term] += scale * value / top / len(vectors)
    return total


def rocchio(weights: Mapping[str, float], relevant: Sequence[Mapping[str, float]],
            dismissed: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The measure's term weights moved towards ``relevant`` and away from ``dismissed`` (each a
    call's term → IDF × saturated frequency)."""
    scale = max(weights.values(), default=1.0)
    towards, away = _mean(relevant, scale), _mean(dismissed, scale)
    shared = min(len(relevant), AGREE)  # a new term must be in this many confirmed calls
    seen_in: dict[str, int] = defaultdict(int)
    for vector in relevant:
        for term in vector:
            seen_in[term] += 1
    new = [t for t in sorted(towards, key=lambda t: (-towards[t], t))
           if t not in weights and seen_in[t] >= shared][:EXPANSION]
    learned: dict[str, float] = {}
    for term in [*weights, *new]:
        value = weights.get(term, 0.0) + BETA * towards.get(term, 0.0) - GAMMA * away.get(term, 0.0)
        if value >= FLOOR * scale:
            learned[term] = value
    return learned


__all__ = ["AGREE", "BETA", "EXPANSION", "GAMMA", "NEGATIVE", "POSITIVE", "Feedback", "feedback_of", "rocchio"]
