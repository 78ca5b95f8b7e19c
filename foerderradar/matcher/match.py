"""The matcher's entry point: eligibility gates first, then relevance, then German reasons."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from foerderradar.matcher.eligibility import check
from foerderradar.matcher.relevance import FIELD_LABELS, Index, to_percent
from foerderradar.matcher.types import Match
from foerderradar.model import FundingCall
from foerderradar.settings import Measure, MeasuresFile

SOON_DAYS = 14


def deadline_reason(call: FundingCall, as_of: date) -> str:
    if call.deadline is not None:
        days = (call.deadline - as_of).days
        left = f"noch {days} Tage" if days != 1 else "noch 1 Tag"
        text = f"Frist: {call.deadline:%d.%m.%Y} ({left})" if days >= 0 else f"Frist: {call.deadline:%d.%m.%Y}"
        return text + (" – schließt bald" if 0 <= days <= SOON_DAYS else "")
    if call.deadline_text:
        return f"Frist: {call.deadline_text[:80]}"
    return "Frist: keine Angabe"


def _select(measures: MeasuresFile, measure_id: str | None) -> list[Measure]:
    active = [m for m in measures.measures if m.status != "done"]
    if measure_id is None:
        return active
    chosen = [m for m in measures.measures if m.id == measure_id]
    if not chosen:
        known = ", ".join(m.id for m in measures.measures)
        raise ValueError(f"Unbekannte Maßnahme {measure_id!r}. Bekannt sind: {known}")
    return [m for m in chosen if m.status != "done"]


def match_calls(
    calls: Iterable[FundingCall],
    measures: MeasuresFile,
    as_of: date,
    *,
    measure_id: str | None = None,
    include_ineligible: bool = False,
    min_score: float = 0,
    limit: int | None = None,
) -> list[Match]:
    """Matches sorted by measure (in measures.yaml order), then score descending."""
    selected = _select(measures, measure_id)
    pool = list(calls)
    if not selected or not pool:
        return []
    index = Index(pool, measures.measures)
    out: list[Match] = []
    for measure in selected:
        query = index.query(measure)
        ideal = index.ideal(query)
        found: list[Match] = []
        for i, call in enumerate(pool):
            raw, matched = index.score(i, query)
            score = to_percent(raw, ideal)
            if score <= 0 or score < min_score:
                continue
            verdict = check(call, measures.city, measure, as_of)
            if not verdict.eligible and not include_ineligible:
                continue
            reasons = [
                f"Treffer {label}: {', '.join(matched[label][:6])}"
                for label in FIELD_LABELS.values()
                if label in matched
            ]
            reasons += verdict.reasons
            reasons.append(deadline_reason(call, as_of))
            found.append(
                Match(
                    measure_id=measure.id, call_id=call.id, title=call.title, url=call.url, score=score,
                    eligible=verdict.eligible, deadline=call.deadline, status=call.effective_status(as_of),
                    reasons=reasons,
                )
            )
        found.sort(key=lambda m: (-m.score, m.deadline or date.max, m.call_id))
        out.extend(found[:limit] if limit else found)
    return out
