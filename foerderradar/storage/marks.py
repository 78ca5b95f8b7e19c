"""Stored feedback marks (``marks`` table): one current verdict per (municipality, measure, call).

Every function names the municipality: a mark in one never changes what another one sees.

A new mark for the same pair replaces the old one — the person changed their mind, and the
latest word counts. The call's version is recorded with the mark so the matcher can tell whether
the call changed since it was judged.
"""

from __future__ import annotations

from typing import cast

from sqlmodel import col, select

from foerderradar.model import MARK_KINDS, Mark, MarkKind
from foerderradar.storage.store import Store, UnknownCall, resolve_call
from foerderradar.storage.tables import CallRecord, MarkRecord, utcnow

__all__ = ["MARK_KINDS", "MARK_LABELS", "MarkKind", "UnknownCall", "all_marks", "clear_mark", "mark_kind", "set_mark"]

# The German verdicts people read and type; the stored values stay the English words (marks of
# earlier versions, exports, scripts).
MARK_LABELS = {
    "relevant": "relevant", "dismissed": "verworfen", "applied": "beantragt", "rejected": "abgelehnt",
    "done": "erledigt",
}  # fmt: skip
_BY_WORD = {**{kind: kind for kind in MARK_KINDS}, **{label: kind for kind, label in MARK_LABELS.items()}}


def mark_kind(word: str) -> MarkKind | None:
    """The mark a person typed — German (``verworfen``) or the English alias (``dismissed``), in any
    case — or None."""
    return cast(MarkKind, _BY_WORD[word.strip().lower()]) if word.strip().lower() in _BY_WORD else None


def set_mark(
    store: Store, kommune: str, call_id: str, measure_id: str, mark: MarkKind, note: str | None = None
) -> Mark:
    if mark not in MARK_KINDS:
        raise ValueError(f"{mark!r} ist keine Markierung; erlaubt: {', '.join(MARK_KINDS)}")
    with store.session() as session:
        record = resolve_call(session, call_id)  # the full id or the short id; UnknownCall otherwise
        call_id = record.id
        if record.duplicate_of is not None:
            # The programme is matched through its representative call: the mark belongs there.
            representative = session.get(CallRecord, record.duplicate_of)
            if representative is not None:
                record, call_id = representative, representative.id
        row = session.exec(
            select(MarkRecord).where(
                MarkRecord.kommune == kommune, MarkRecord.measure_id == measure_id, MarkRecord.call_id == call_id
            )
        ).first()
        if row is None:
            row = MarkRecord(kommune=kommune, measure_id=measure_id, call_id=call_id, mark=mark,
                             call_version=record.version, marked_at=utcnow())
        row.mark, row.note, row.call_version, row.marked_at = mark, note, record.version, utcnow()
        session.add(row)
        session.commit()
        return _value(row)


def clear_mark(store: Store, kommune: str, call_id: str, measure_id: str) -> bool:
    """Remove the mark of the call ``call_id`` names (full or short id, as :func:`set_mark` takes it;
    a programme's mark sits on its representative). False: there was none; :class:`UnknownCall`: no
    such call and no mark under that text either."""
    with store.session() as session:
        try:
            record: CallRecord | None = resolve_call(session, call_id)
        except UnknownCall:
            record = None
        ids = [call_id] if record is None else [record.id, *([record.duplicate_of] if record.duplicate_of else [])]
        row = session.exec(
            select(MarkRecord).where(
                MarkRecord.kommune == kommune, MarkRecord.measure_id == measure_id, col(MarkRecord.call_id).in_(ids)
            )
        ).first()
        if row is None:
            if record is None:
                raise UnknownCall(call_id)
            return False
        session.delete(row)
        session.commit()
        return True


def all_marks(store: Store, kommune: str) -> list[Mark]:
    """One municipality's marks."""
    with store.session() as session:
        query = select(MarkRecord).where(MarkRecord.kommune == kommune)
        rows = session.exec(query.order_by(col(MarkRecord.measure_id), col(MarkRecord.marked_at)))
        return [_value(row) for row in rows.all()]


def _value(row: MarkRecord) -> Mark:
    """The plain value the matcher and the surfaces get (the table row stays in storage)."""
    return Mark(kommune=row.kommune, measure_id=row.measure_id, call_id=row.call_id, mark=cast(MarkKind, row.mark),
                call_version=row.call_version, marked_at=row.marked_at, note=row.note)

