"""The matcher's entry point: relevance per measure, eligibility per call, German reasons.

Order of work, for speed on thousands of calls: every call is analysed once (the relevance index),
each measure then touches only the calls that share a term with it, and the eligibility gates run
once per call that some measure found relevant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from foerderradar.matcher.eligibility import CallVerdict, assess_call, excluded_terms
from foerderradar.matcher.relevance import Index
from foerderradar.matcher.types import Match
from foerderradar.model import CallSource, FundingCall
from foerderradar.settings import Measure, MeasuresFile


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
) -> list[Match]:
    """Matches sorted by measure (in measures.yaml order), then score descending.

    Only pairs with some relevance are listed (score > 0 and ≥ ``min_score``). Calls the city cannot
    apply for (applicant type, region, area, closed, the measure's exclude terms) are left out, or
    with ``include_ineligible`` listed with ``eligible=False`` and the reason. ``limit`` is per measure.

    A programme found on several portals is passed once (its representative, see
    ``Store.iter_calls(representatives_only=True)``); ``sources`` (``Store.sources()``) lists its
    pages on every portal, and each match carries them so reports and the digest can link them all.
    """
    selected = select_measures(measures, measure_id)
    pool = list(calls)
    if not selected or not pool:
        return []
    index = Index(pool, measures.measures)
    verdicts: dict[int, CallVerdict] = {}
    out: list[Match] = []
    for measure in selected:
        query = index.query(measure)
        found: list[Match] = []
        for doc, hit in index.search(query).items():
            score = index.percent(hit.raw, query)
            if score <= 0 or score < min_score:
                continue
            call = pool[doc]
            verdict = verdicts.get(doc)
            if verdict is None:
                verdict = verdicts[doc] = assess_call(call, measures.city, as_of)
            eligible = verdict.eligible
            reasons = index.evidence(doc, hit, query) + list(verdict.reasons)
            excluded = excluded_terms(measure, verdict)
            if excluded:
                eligible = False
                reasons.append("Ausschlussbegriff der Maßnahme: " + ", ".join(excluded))
            if not eligible and not include_ineligible:
                continue
            found.append(
                Match(
                    measure_id=measure.id, call_id=call.id, title=call.title, url=call.url, score=score,
                    eligible=eligible, deadline=verdict.deadline, status=verdict.status, reasons=reasons,
                    sources=tuple((sources or {}).get(call.id, ())) or (CallSource.of(call),),
                )
            )
        # Ties: the sooner deadline first (it needs attention first), then a stable order.
        found.sort(key=lambda m: (-m.score, m.deadline or date.max, m.call_id))
        out.extend(found[:limit] if limit is not None else found)
    return out
