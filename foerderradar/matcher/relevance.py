"""How well does a call serve a measure? Field-weighted BM25 over normalised terms.

IDF comes from the calls being matched, so a word every call uses ("Förderung") weighs nothing and
a rare, specific one ("Gigabit") weighs a lot. Each call is analysed once, however many measures
there are. The raw score is mapped to 0–100 relative to the measure's ideal call (every query term
in the title), so scores are comparable across measures of different length.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from foerderradar.matcher.text import Analyzer, raw_tokens
from foerderradar.model import FundingCall
from foerderradar.settings import Measure

FIELD_WEIGHTS = {"title": 3.0, "topics": 2.0, "summary": 1.5, "description": 1.0}
# "Treffer im Titel: …" — labels carry their German preposition and article.
FIELD_LABELS = {
    "title": "im Titel", "topics": "in den Themen", "summary": "im Kurztext", "description": "in der Beschreibung",
}
K1, B = 1.2, 0.75


@dataclass
class CallTerms:
    fields: dict[str, Counter[str]]
    lengths: dict[str, int]


@dataclass
class Query:
    weights: dict[str, float]  # term → weight
    display: dict[str, str]  # term → the measure's own word for it, for reasons


class Index:
    def __init__(self, calls: list[FundingCall], measures: list[Measure]) -> None:
        vocabulary = {t for m in measures for t in raw_tokens(_measure_text(m))}
        for call in calls:
            vocabulary.update(raw_tokens(call.title))
        self.analyzer = Analyzer(vocabulary)
        self.docs: list[CallTerms] = [self._analyse(c) for c in calls]
        n = max(len(self.docs), 1)
        df: Counter[str] = Counter()
        for doc in self.docs:
            df.update({t for counter in doc.fields.values() for t in counter})
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.avg = {
            f: max(sum(d.lengths[f] for d in self.docs) / n, 1.0) for f in FIELD_WEIGHTS
        }
        self.default_idf = math.log(1 + (n + 0.5) / 0.5)

    def _analyse(self, call: FundingCall) -> CallTerms:
        texts = {
            "title": call.title,
            "topics": " ".join(call.topics or []),
            "summary": call.summary,
            "description": call.description,
        }
        fields = {f: Counter(self.analyzer.terms(t)) for f, t in texts.items()}
        return CallTerms(fields, {f: sum(c.values()) for f, c in fields.items()})

    def query(self, measure: Measure) -> Query:
        weights: dict[str, float] = {}
        display: dict[str, str] = {}
        for text, weight in ((measure.title, 2.0), (" ".join(measure.keywords), 2.0), (measure.description, 1.0)):
            for word in text.replace(",", " ").split():
                for term in self.analyzer.terms(word):
                    weights[term] = max(weights.get(term, 0.0), weight)
                    display.setdefault(term, word.strip(".,;:()„“\"'"))
        return Query(weights, display)

    def score(self, doc_index: int, query: Query) -> tuple[float, dict[str, list[str]]]:
        """(raw score, field label → matched words)."""
        doc = self.docs[doc_index]
        total = 0.0
        matched: dict[str, list[str]] = {}
        for term, weight in query.weights.items():
            idf = self.idf.get(term)
            if idf is None:
                continue
            term_score = 0.0
            for f, fweight in FIELD_WEIGHTS.items():
                tf = doc.fields[f].get(term, 0)
                if not tf:
                    continue
                norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc.lengths[f] / self.avg[f]))
                term_score += fweight * norm
                words = matched.setdefault(FIELD_LABELS[f], [])
                if query.display[term] not in words:
                    words.append(query.display[term])
            total += weight * idf * term_score
        return total, matched

    def ideal(self, query: Query) -> float:
        """The score of a call with every query term once in a title of average length."""
        per_term = FIELD_WEIGHTS["title"] * 1.0 + FIELD_WEIGHTS["summary"] * 1.0
        return sum(w * self.idf.get(t, self.default_idf) * per_term for t, w in query.weights.items()) or 1.0


def to_percent(raw: float, ideal: float) -> float:
    """Square root spreads the low range: few calls reach a fifth of the ideal, strong ones do."""
    return round(min(100.0, 100.0 * math.sqrt(max(raw, 0.0) / ideal) * 1.6), 1)


def _measure_text(measure: Measure) -> str:
    return " ".join([measure.title, measure.description, *measure.keywords])
