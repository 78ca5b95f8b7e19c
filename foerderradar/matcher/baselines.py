"""The rankers Förderradar must beat, computed on the same calls in the same run.

- **Substring-Suche**: what a portal's search box does — count how many of the measure's title
  words and keywords occur somewhere in the call's text.
- **BM25**: textbook Okapi BM25 (k1 = 1.2, b = 0.75) over one bag of lower-cased word tokens per
  call — no umlaut folding, stemming, compound splitting, stop words, field weights or thesaurus.
  It shows what the German processing and the domain knowledge add on top of a plain ranking model.

Each runs behind a *gate* deciding eligibility: ``structured_gate`` uses only the portal's own
fields (what a search with filters can do), ``our_gate`` the matcher's eligibility gates, so a
table can separate ranking quality from gating quality.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date

from foerderradar.german.fold import fold
from foerderradar.matcher.eligibility import assess_call
from foerderradar.model import FundingCall, Match
from foerderradar.profile import City, MeasuresFile

Gate = Callable[[FundingCall, City, date], bool]
_WORD = re.compile(r"\w+")
K1, B = 1.2, 0.75


def structured_gate(call: FundingCall, city: City, as_of: date) -> bool:
    """Only what the portal's fields say; the text is not read."""
    if call.applicants is not None and not set(call.applicants) & set(city.applicant_types):
        return False
    if call.regions and not set(call.regions) & {city.region, "DE", "EU"}:
        return False
    return call.effective_status(as_of) != "closed"


def our_gate(call: FundingCall, city: City, as_of: date) -> bool:
    return assess_call(call, city, as_of).eligible


def _text(call: FundingCall) -> str:
    return " ".join(filter(None, [call.title, call.summary, call.description, *(call.topics or [])]))


def _ranked(
    measure_id: str, scored: list[tuple[float, FundingCall]], city: City, as_of: date, gate: Gate
) -> list[Match]:
    scored.sort(key=lambda pair: (-pair[0], pair[1].id))
    return [
        Match(measure_id, call.id, call.title, call.url, round(score, 3), gate(call, city, as_of), call.deadline,
              call.effective_status(as_of))
        for score, call in scored
    ]


def substring_search(calls: Sequence[FundingCall], measures: MeasuresFile, as_of: date, gate: Gate) -> list[Match]:
    texts = [fold(_text(c)) for c in calls]
    out: list[Match] = []
    for m in measures.measures:
        if m.status == "done":
            continue
        words = {fold(w.strip(".,;:()")) for w in [*m.keywords, *m.title.split()] if len(w) > 3}
        scored = [(float(hits), call) for call, text in zip(calls, texts, strict=True)
                  if (hits := sum(1 for w in words if w in text))]
        out.extend(_ranked(m.id, scored, measures.city, as_of, gate))
    return out


def plain_bm25(calls: Sequence[FundingCall], measures: MeasuresFile, as_of: date, gate: Gate) -> list[Match]:
    docs = [Counter(_WORD.findall(_text(c).lower())) for c in calls]
    lengths = [sum(d.values()) for d in docs]
    avg = sum(lengths) / max(len(docs), 1)
    df = Counter(term for d in docs for term in d)
    n = len(docs)
    out: list[Match] = []
    for m in measures.measures:
        if m.status == "done":
            continue
        query = set(_WORD.findall(" ".join([m.title, m.description, *m.keywords]).lower()))
        idf = {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in query if df[t]}
        scored = []
        for call, doc, length in zip(calls, docs, lengths, strict=True):
            score = sum(
                idf[t] * doc[t] * (K1 + 1) / (doc[t] + K1 * (1 - B + B * length / avg)) for t in idf if doc[t]
            )
            if score > 0:
                scored.append((score, call))
        out.extend(_ranked(m.id, scored, measures.city, as_of, gate))
    return out
