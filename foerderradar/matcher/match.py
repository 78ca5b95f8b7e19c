"""The matcher's entry point: relevance per measure, eligibility per call, German reasons.

Order of work, for speed on 50,000 calls × 1,000 measures: every call is analysed once (the
relevance index); each measure then scores all calls at once with array arithmetic, which only
finds the candidates; the exact score, the eligibility gates (once per call, however many measures
ask) and the German reasons are computed only for the calls that can still make the measure's list.
With a ``limit`` that is the best few: candidates are read best first and reading stops as soon as
no later one can reach the list.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from foerderradar.matcher.applicants import check_applicants
from foerderradar.matcher.eligibility import CallVerdict, assess_call, check_region, excluded_terms
from foerderradar.matcher.feedback import Feedback
from foerderradar.matcher.relevance import SLACK, Corpus, Floats, Hit, Index, Query
from foerderradar.model import CallSource, FundingCall, Match
from foerderradar.profile import City, Measure, MeasuresFile


def select_measures(measures: MeasuresFile, measure_id: str | None) -> list[Measure]:
    """The measures to match, in measures.yaml order; done measures are never matched."""
    if measure_id is not None and all(m.id != measure_id for m in measures.measures):
        known = ", ".join(m.id for m in measures.measures)
        raise ValueError(f"Unbekannte Maßnahme {measure_id!r}. Bekannte Maßnahmen: {known}")
    return [m for m in measures.measures if m.status != "done" and measure_id in (None, m.id)]


def match_calls(
    calls: Iterable[FundingCall],
    measures: MeasuresFile,
    as_of: date,
    *,
    measure_id: str | None = None,
    include_ineligible: bool = False,
    min_score: float = 0,
    limit: int | None = None,
    sources: Mapping[str, Sequence[CallSource]] | None = None,
    feedback: Mapping[str, Feedback] | None = None,
) -> list[Match]:
    """Matches sorted by measure (in measures.yaml order), then score descending.

    Only pairs with some relevance are listed (score > 0 and ≥ ``min_score``). Calls the city cannot
    apply for (applicant type, region, area, closed, the measure's exclude terms) are left out, or
    with ``include_ineligible`` listed with ``eligible=False`` and the reason. ``limit`` is per measure.

    ``calls`` as a :class:`~foerderradar.matcher.relevance.Corpus`: the analysis of the calls that
    does not depend on the measures is shared with every other municipality matching it.

    A programme found on several portals is passed once (its representative, see
    ``Store.iter_calls(representatives_only=True)``); ``sources`` (``Store.sources()``) lists its
    pages on every portal, and each match carries them so reports and the digest can link them all.

    ``feedback`` (measure id → its marked calls, :mod:`foerderradar.matcher.feedback`): the
    municipality's marks reweight that measure's ranking; eligibility does not learn.
    """
    selected = select_measures(measures, measure_id)
    pool = calls if isinstance(calls, Corpus) else list(calls)  # a Corpus: its shared analysis is used
    if not selected or not pool:
        return []
    index = Index(pool, measures.measures)
    verdicts = _Verdicts(pool, measures.city, as_of)
    doc_of = {call.id: n for n, call in enumerate(pool)} if feedback else {}
    out: list[Match] = []
    for measure in selected:
        marked = (feedback or {}).get(measure.id) or Feedback()
        query = index.query(measure, sorted(doc_of[c] for c in marked.relevant if c in doc_of),
                            sorted(doc_of[c] for c in marked.dismissed if c in doc_of))
        ranked = _rank(index, query, measure, verdicts, pool, include_ineligible=include_ineligible,
                       min_score=min_score, limit=limit)
        query = ranked.query
        for pick in ranked.picks:
            call = pool[pick.doc]
            reasons = index.evidence(pick.hit, query) + list(pick.verdict.reasons)
            if pick.excluded:
                reasons.append("Ausschlussbegriff der Maßnahme: " + ", ".join(pick.excluded))
            out.append(
                Match(
                    measure_id=measure.id, call_id=call.id, title=call.title, url=call.url, score=pick.score,
                    eligible=pick.eligible, deadline=pick.verdict.deadline, status=pick.verdict.status,
                    reasons=reasons, sources=tuple((sources or {}).get(call.id, ())) or (CallSource.of(call),),
                )
            )
    return out


class _Verdicts:
    """Eligibility per call, assessed when a measure first needs it: it does not depend on the measure."""

    def __init__(self, pool: Sequence[FundingCall], city: City, as_of: date) -> None:
        self.pool, self.city, self.as_of = pool, city, as_of
        self.known: dict[int, CallVerdict] = {}
        # Not eligible: assessed so, or plainly so from the portal's own fields (no text read).
        self.ruled_out = np.array([_plainly_ineligible(call, city, as_of) for call in pool], dtype=bool)

    def __call__(self, doc: int) -> CallVerdict:
        verdict = self.known.get(doc)
        if verdict is None:
            verdict = self.known[doc] = assess_call(self.pool[doc], self.city, self.as_of)
            self.ruled_out[doc] = not verdict.eligible
        return verdict


def _plainly_ineligible(call: FundingCall, city: City, as_of: date) -> bool:
    """The gates of ``assess_call`` that read only structured fields. When one of them says no,
    ``assess_call`` says not eligible too, so a call that fails one needs no full assessment
    unless its reasons are wanted (``include_ineligible``)."""
    return bool(
        call.effective_status(as_of) == "closed"
        or (call.applicants is not None and check_applicants(call, city.applicant_types).ok is False)
        or (call.regions and check_region(call, city).ok is False)
    )


@dataclass(frozen=True)
class _Pick:
    """A call that makes a measure's list, with what its Match needs."""

    doc: int
    hit: Hit
    score: float
    eligible: bool
    verdict: CallVerdict
    excluded: list[str]


@dataclass(frozen=True)
class _Ranked:
    query: Query
    picks: list[_Pick]


def _rank(index: Index, query: Query, measure: Measure, verdicts: _Verdicts, pool: Sequence[FundingCall], *,
          include_ineligible: bool, min_score: float, limit: int | None) -> _Ranked:
    """The measure's list: score ≥ min_score and > 0, eligible unless asked otherwise, best first."""
    docs, approx = index.candidates(query, min_score)
    if not include_ineligible:  # known not to be eligible (portal fields, an earlier assessment): no second look
        keep = ~verdicts.ruled_out[docs]
        docs, approx = docs[keep], approx[keep]
    cap = limit if limit is not None and limit > 0 else 0  # stop early once `cap` calls are listed
    best: list[float] = []  # min-heap of the best `cap` scores listed so far
    listed: list[tuple[tuple[float, date, str, int, int], _Pick]] = []
    # Exact ties (two calls sharing an id) are listed by the measure's first term they contain, then input order.
    term_order = {term: n for n, term in enumerate(query.weights)}
    for i in _best_first(approx, cap) if cap else range(len(docs)):
        if cap and len(best) == cap and approx[i] < best[0] - SLACK:
            break  # this and every later candidate scores below the list's last entry
        doc = int(docs[i])
        call_verdict = verdicts(doc)
        if not call_verdict.eligible and not include_ineligible:
            continue
        hit = index.hit(doc, query)
        score = index.score(hit, query)
        if score <= 0 or score < min_score:
            continue
        excluded = excluded_terms(measure, call_verdict)
        eligible = call_verdict.eligible and not excluded
        if not eligible and not include_ineligible:
            continue
        # Ties: the sooner deadline first (it needs attention first), then a stable order.
        key = (-score, call_verdict.deadline or date.max, pool[doc].id, min(term_order[t] for t in hit.terms), doc)
        listed.append((key, _Pick(doc, hit, score, eligible, call_verdict, excluded)))
        if cap:
            heapq.heappush(best, score)
            if len(best) > cap:
                heapq.heappop(best)
    listed.sort(key=lambda entry: entry[0])
    picks = [pick for _, pick in listed]
    return _Ranked(query, picks[:limit] if limit is not None else picks)


def _best_first(values: Floats, first: int) -> Iterator[int]:
    """Indices of ``values``, largest first, sorting only as much as the caller reads: a measure
    usually needs its top few dozen of tens of thousands of candidates."""
    rest = np.arange(len(values))
    size = max(first, 16)
    while len(rest):
        if size < len(rest):
            split = np.argpartition(-values[rest], size)
            head, rest = rest[split[:size]], rest[split[size:]]
        else:
            head, rest = rest, rest[:0]
        yield from head[np.argsort(-values[head], kind="stable")].tolist()
        size *= 4
