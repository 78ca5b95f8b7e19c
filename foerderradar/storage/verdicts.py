"""Stored verdicts (tables ``matches`` and ``match_state``): the one truth report, digest and feeds read.

``jobs.match_stored_calls`` decides when they are fresh (the inputs fingerprint in
``match_state``) and recomputes them otherwise; this module only keeps them. A measure's verdicts
and its state are replaced together in one transaction, so a reader sees the old set or the new
one, never a mixture, and never a new state over old rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

import sqlalchemy as sa
from sqlmodel import Session, col, select

from foerderradar.model import CallSource, Match, Status
from foerderradar.storage.store import Store, versions_in
from foerderradar.storage.tables import MatchRecord, MatchState, utcnow


@dataclass(frozen=True)
class VerdictInputs:
    """What a set of verdicts was computed from, stored with it (table ``match_state``)."""

    fingerprint: str
    as_of: date
    calls_checked: int = 0
    calls_skipped: int = 0
    min_score: float = 0  # the lowest score in the set: verdicts below it were not stored


def match_states(store: Store, kommune: str, measure_ids: Iterable[str]) -> dict[str, MatchState]:
    """What each of a municipality's measures' stored verdicts were computed from (measures never
    computed are absent)."""
    wanted = sorted(set(measure_ids))
    with store.session() as session:
        query = select(MatchState).where(MatchState.kommune == kommune, col(MatchState.measure_id).in_(wanted))
        rows = session.exec(query).all()
        return {row.measure_id: row for row in rows}


def save_matches(
    store: Store, kommune: str, matches: Sequence[Match], inputs: VerdictInputs,
    measure_ids: Iterable[str] | None = None,
) -> int:
    """Replace the stored verdicts and the state of these measures of one municipality (default:
    those in ``matches``) in one transaction; other municipalities' rows are not touched.

    Each verdict keeps its place in its measure's list (``rank``) and the version of the call it
    judged, so feedback and digests can tell whether a call changed after it was judged.
    """
    now = utcnow()
    measures = set(measure_ids) if measure_ids is not None else {m.measure_id for m in matches}
    rank: dict[str, int] = {}
    with store.session() as session:
        _one_writer_at_a_time(session, "matches")
        if measures:
            session.execute(sa.delete(MatchRecord).where(
                col(MatchRecord.kommune) == kommune, col(MatchRecord.measure_id).in_(measures)))
            session.execute(sa.delete(MatchState).where(
                col(MatchState.kommune) == kommune, col(MatchState.measure_id).in_(measures)))
        versions = versions_in(session, {m.call_id for m in matches})
        rows = []
        for m in matches:
            rank[m.measure_id] = rank.get(m.measure_id, -1) + 1
            rows.append({
                "kommune": kommune, "measure_id": m.measure_id, "call_id": m.call_id,
                "call_version": versions.get(m.call_id, 0), "score": m.score, "eligible": m.eligible,
                "reasons": list(m.reasons), "computed_at": now, "rank": rank[m.measure_id], "title": m.title,
                "url": m.url, "deadline": m.deadline, "status": m.status,
            })
        if rows:  # one executemany, not one INSERT … RETURNING per verdict (thousands per municipality)
            session.execute(sa.insert(MatchRecord), rows)
        session.add_all(
            MatchState(kommune=kommune, measure_id=measure, inputs=inputs.fingerprint, as_of=inputs.as_of,
                       computed_at=now, calls_checked=inputs.calls_checked, calls_skipped=inputs.calls_skipped,
                       min_score=inputs.min_score)
            for measure in sorted(measures)
        )
        session.commit()
    return len(matches)


def stored_matches(
    store: Store, kommune: str, measure_ids: str | Iterable[str] | None = None
) -> list[MatchRecord]:
    """A municipality's stored verdicts, by measure id, each measure in its list's order (``rank``)."""
    with store.session() as session:
        query = (
            select(MatchRecord)
            .where(MatchRecord.kommune == kommune)
            .order_by(col(MatchRecord.measure_id), col(MatchRecord.rank))
        )
        if isinstance(measure_ids, str):
            query = query.where(MatchRecord.measure_id == measure_ids)
        elif measure_ids is not None:
            query = query.where(col(MatchRecord.measure_id).in_(sorted(set(measure_ids))))
        return list(session.exec(query).all())


def record_to_match(
    row: MatchRecord, sources: Mapping[str, Sequence[CallSource]], short_ids: Mapping[str, str] | None = None
) -> Match:
    """A stored verdict as the matcher made it; ``sources`` (:meth:`Store.sources`) gives the
    programme's pages on other portals, as ``match_calls`` puts them on each match, and ``short_ids``
    (:meth:`Store.short_ids`) the call's short id."""
    own = CallSource(row.call_id, row.call_id.split(":", 1)[0], row.url, row.title)  # id = source:source_id
    return Match(
        measure_id=row.measure_id, call_id=row.call_id, title=row.title, url=row.url, score=row.score,
        eligible=row.eligible, deadline=row.deadline, status=cast(Status, row.status), reasons=list(row.reasons or ()),
        sources=tuple(sources.get(row.call_id, ())) or (own,), kommune=row.kommune,
        short_id=(short_ids or {}).get(row.call_id, ""),
    )


def _one_writer_at_a_time(session: Session, name: str) -> None:
    """Serialise transactions that replace a whole set of rows (delete, then insert).

    Two such transactions at once on PostgreSQL would both delete the old rows, then both insert
    and one would hit the unique constraint. A transaction-scoped advisory lock makes the second
    wait for the first to commit; it is released with the transaction. SQLite needs nothing: it
    admits one writer at a time anyway (the busy timeout makes the second wait).
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"foerderradar:{name}".encode()).digest()[:8], "big", signed=True)
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
