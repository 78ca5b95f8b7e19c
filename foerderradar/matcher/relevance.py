"""How well does a call serve a measure? BM25F over normalised terms, mapped to 0–100.

Why BM25F: a term's occurrences in title, topics, summary and description are first combined into
one field-weighted frequency and only then saturated, so a word repeated in every field does not
count three times, while a word in the title counts more than one deep in the description.

IDF comes from the calls being matched, so a word every call uses weighs almost nothing and a rare,
specific one ("Gigabit") weighs a lot. Each call is analysed once into postings (term → calls), so
scoring a measure touches only the calls that share a term with it, however many calls there are.

The 0–100 score (see :meth:`Index.percent`) is relative to a reference call for the measure — one
that names the measure's three strongest terms once in its title and once in its summary — passed
through a saturating curve, so it never exceeds 100 and means the same for a three-word measure as
for a long one. IDF is scaled so that a term found in a single call weighs 1, which keeps the
reference the same whether 50 or 5,000 calls are matched.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from foerderradar.matcher.text import Analyzer, fold, stem
from foerderradar.model import FundingCall
from foerderradar.settings import Measure

FIELDS = ("title", "topics", "summary", "description")
FIELD_WEIGHTS = {"title": 3.0, "topics": 2.0, "summary": 1.5, "description": 1.0}
# "Treffer im Titel: …" — labels carry their German preposition and article.
FIELD_LABELS = {
    "title": "im Titel", "topics": "in den Themen", "summary": "im Kurztext", "description": "in der Beschreibung",
}
K1, B = 1.2, 0.75
# Query term weights by where the measure says it: its title and keywords are what it is about.
QUERY_WEIGHTS = {"title": 2.0, "keywords": 2.0, "description": 1.0}
REFERENCE_TERMS = 3
# Steepness of the 0–100 curve, chosen so that a call as strong as the reference call scores 80.
# With the digest's default threshold of 30 on the labelled set: every grade-2 call passes, four in
# five borderline ones, and about one in six of the other eligible matches (see bench/eval_matcher.py).
ALPHA = math.log(5)
MAX_SHOWN = 5


def _saturate(tf: float) -> float:
    return tf * (K1 + 1) / (tf + K1)


@dataclass
class Query:
    measure_id: str
    weights: dict[str, float]  # term → weight
    display: dict[str, list[str]]  # term → the measure's own words for it, for reasons
    reference: float  # raw score of the reference call


@dataclass
class Hit:
    raw: float
    terms: list[str]  # matched query terms, strongest first


class Index:
    """Every call analysed once: per-field term counts, BM25F postings, and the words seen."""

    def __init__(self, calls: Sequence[FundingCall], measures: Sequence[Measure],
                 analyzer: Analyzer | None = None) -> None:
        if analyzer is None:
            # Compound parts worth finding are words measures use or portals put in titles and topics.
            vocabulary = [" ".join([m.title, m.description, *m.keywords]) for m in measures]
            vocabulary += [" ".join([c.title, *(c.topics or [])]) for c in calls]
            analyzer = Analyzer(vocabulary)
        self.analyzer = analyzer
        self.size = len(calls)
        counts: list[dict[str, dict[str, int]]] = []  # doc → field → term → count
        self.seen: list[dict[str, tuple[int, str]]] = []  # doc → term → (field rank, written word)
        lengths: dict[str, list[int]] = {f: [] for f in FIELDS}
        for call in calls:
            per_field: dict[str, dict[str, int]] = {}
            seen: dict[str, tuple[int, str]] = {}
            for rank, (name, text) in enumerate(_fields(call).items()):
                counter: dict[str, int] = defaultdict(int)
                for term, word in analyzer.analyse(text):
                    counter[term] += 1
                    if term not in seen:
                        seen[term] = (rank, word)
                per_field[name] = counter
                lengths[name].append(sum(counter.values()))
            counts.append(per_field)
            self.seen.append(seen)
        n = max(self.size, 1)
        avg = {f: max(sum(v) / n, 1.0) for f, v in lengths.items()}
        # BM25F pseudo-frequency per (term, doc), computed once for all measures.
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for doc, per_field in enumerate(counts):
            combined: dict[str, float] = defaultdict(float)
            for name, counter in per_field.items():
                norm = FIELD_WEIGHTS[name] / (1 - B + B * lengths[name][doc] / avg[name])
                for term, count in counter.items():
                    combined[term] += count * norm
            for term, tf in combined.items():
                self.postings[term].append((doc, tf))
        # IDF scaled so a term found in a single call weighs 1: comparable across corpus sizes.
        unique = math.log(1 + (n - 0.5) / 1.5)
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) / unique for t, p in self.postings.items()}

    def query(self, measure: Measure) -> Query:
        weights: dict[str, float] = {}
        display: dict[str, list[str]] = defaultdict(list)
        parts = {"title": [measure.title], "keywords": list(measure.keywords), "description": [measure.description]}
        for where, texts in parts.items():
            for text in texts:
                for term, word in self.analyzer.analyse(text):
                    weights[term] = max(weights.get(term, 0.0), QUERY_WEIGHTS[where])
                    if word not in display[term]:
                        display[term].append(word)
        strongest = sorted(weights.values(), reverse=True)[:REFERENCE_TERMS]
        reference_tf = FIELD_WEIGHTS["title"] + FIELD_WEIGHTS["summary"]
        reference = sum(strongest) * _saturate(reference_tf) or 1.0
        return Query(measure.id, weights, display, reference)

    def search(self, query: Query) -> dict[int, Hit]:
        """Raw score per call that shares at least one term with the measure."""
        hits: dict[int, Hit] = {}
        contributions: dict[int, list[tuple[float, str]]] = defaultdict(list)
        for term, weight in query.weights.items():
            for doc, tf in self.postings.get(term, ()):
                contributions[doc].append((weight * self.idf[term] * _saturate(tf), term))
        for doc, parts in contributions.items():
            parts.sort(reverse=True)
            hits[doc] = Hit(sum(value for value, _ in parts), [term for _, term in parts])
        return hits

    def percent(self, raw: float, query: Query) -> float:
        """0–100: 100·(1 − e^(−ALPHA·raw/reference)); the reference call scores 80, none reaches 100."""
        return round(100.0 * (1.0 - math.exp(-ALPHA * max(raw, 0.0) / query.reference)), 1)

    def evidence(self, doc: int, hit: Hit, query: Query) -> list[str]:
        """German reasons: matched words per field, the call's own words first (≈ the measure's)."""
        by_field: dict[int, list[str]] = defaultdict(list)
        for term in hit.terms:
            rank, word = self.seen[doc][term]
            shown = word
            ours = query.display.get(term) or [word]
            # A synonym the measure does not use itself: say which of its words it stands for.
            if term.startswith("§") and not any(_stems_in(own, word) for own in ours):
                shown = f"{word} (≈ {ours[0]})"
            if shown not in by_field[rank] and len(by_field[rank]) < MAX_SHOWN:
                by_field[rank].append(shown)
        return [f"Treffer {FIELD_LABELS[FIELDS[rank]]}: {', '.join(shown)}" for rank, shown in sorted(by_field.items())]


def _fields(call: FundingCall) -> dict[str, str | None]:
    return {
        "title": call.title,
        "topics": " ; ".join(call.topics or []),
        "summary": call.summary,
        "description": call.description,
    }


def _stems_in(own: str, word: str) -> bool:
    """Does the call's word contain the measure's word ("Glasfaserausbau" ⊃ "Glasfaser")?"""
    written = fold(word).replace("-", "").replace("ae", "a").replace("oe", "o").replace("ue", "u")
    return all(stem(part) in written for part in fold(own).replace("-", "").split())

