"""Rows written before municipalities existed (migration 0010 left their ``kommune`` empty) handed
to the municipality they belong to, so upgrading loses no mark, sent digest or verdict.

The database cannot know the slug the configuration gives a municipality, so this runs with the
configuration: a verdict, verdict state or mark goes to the one municipality that has its measure
id, a weekly sent-digest row to the one whose recipient it names — or, with a single municipality,
everything goes to it. A row that fits several municipalities (two profiles copied from one old
measures.yaml) stays unowned and is counted, so ``kommunen check`` can say so; it harms nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from foerderradar.storage.store import Store
from foerderradar.storage.tables import MarkRecord, MatchRecord, MatchState, SentDigest

UNOWNED = ""
_BY_MEASURE = (MatchRecord, MatchState, MarkRecord)
WEEKLY = "____-W__"  # sent_digests rows of weekly digests (health alerts stay the instance's own)


@dataclass(frozen=True)
class Owners:
    """Who owns what in the configuration: slug → its measure ids and its digest recipients."""

    measures: Mapping[str, frozenset[str]]
    recipients: Mapping[str, frozenset[str]]

    def of_measure(self, measure_id: str) -> str | None:
        return _only(slug for slug, ids in self.measures.items() if measure_id in ids) or self._single()

    def of_recipient(self, recipient: str) -> str | None:
        return _only(slug for slug, found in self.recipients.items() if recipient in found) or self._single()

    def _single(self) -> str | None:
        return next(iter(self.measures)) if len(self.measures) == 1 else None


def _only(slugs: Iterable[str]) -> str | None:
    found = list(slugs)
    return found[0] if len(found) == 1 else None


def has_unowned(store: Store) -> bool:
    """One cheap look per table (the ``kommune`` columns are indexed or lead a unique index)."""
    with store.session() as session:
        for table in (*_BY_MEASURE, SentDigest):
            query = select(sa.literal(1)).select_from(table).where(col(table.kommune) == UNOWNED)
            if table is SentDigest:
                query = query.where(col(SentDigest.period).like(WEEKLY))
            if session.exec(query.limit(1)).first() is not None:
                return True
    return False


def claim_unowned(store: Store, owners: Owners) -> int:
    """Hand every unowned row to its municipality; the number of rows left unowned (ambiguous).

    One transaction per table; a row whose new key already exists for that municipality (written
    after the upgrade, e.g. a newer mark for the same pair) is the older one and is dropped.
    """
    left = 0
    with store.session() as session:
        for table in _BY_MEASURE:
            measures = session.exec(
                select(table.measure_id).where(col(table.kommune) == UNOWNED).distinct()
            ).all()
            for measure_id in measures:
                slug = owners.of_measure(measure_id)
                if slug is None:
                    left += 1
                    continue
                _move(session, table, slug, table.measure_id == measure_id)
        recipients = session.exec(
            select(SentDigest.recipient)
            .where(col(SentDigest.kommune) == UNOWNED, col(SentDigest.period).like(WEEKLY))
            .distinct()
        ).all()
        for recipient in recipients:
            slug = owners.of_recipient(recipient)
            if slug is None:
                left += 1
                continue
            _move(session, SentDigest, slug, SentDigest.recipient == recipient, col(SentDigest.period).like(WEEKLY))
        session.commit()
    return left


_KEYS: dict[Any, Sequence[str]] = {
    MatchRecord: ("measure_id", "call_id"),
    MatchState: ("measure_id",),
    MarkRecord: ("measure_id", "call_id"),
    SentDigest: ("period", "recipient"),
}


def _move(session: Session, table: Any, slug: str, *where: Any) -> None:
    """UPDATE … SET kommune = slug for the unowned rows matching ``where``, after deleting those
    whose key the municipality already has (the unique constraints would refuse the update)."""
    keys = _KEYS[table]
    owned = sa.alias(table.__table__, "owned")
    clash = sa.exists().where(
        owned.c.kommune == slug, *(owned.c[k] == getattr(table, k) for k in keys)
    )
    base = (col(table.kommune) == UNOWNED, *where)
    session.execute(sa.delete(table).where(*base, clash))
    session.execute(sa.update(table).where(*base).values(kommune=slug))
