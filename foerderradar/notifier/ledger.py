"""The ``sent_digests`` table: which recipient got which period's digest of which municipality, so
each gets it once. Instance-wide mails (portal-health alerts) are kept under :data:`INSTANCE`; the
deadline reminders use it too, a "period" per reminder (``notifier/reminders.py``).

Each step is its own short transaction. A row is ``pending`` until the SMTP server accepted the
message, then ``sent``; nothing is held open while talking to the mail server.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from foerderradar.storage import Store
from foerderradar.storage.tables import SentDigest, utcnow

PENDING = "pending"
SENT = "sent"
INSTANCE = ""  # the ``kommune`` of mails that belong to no municipality (alerts to city IT)


def find(store: Store, period: str, recipient: str, *, kommune: str) -> SentDigest | None:
    with store.session() as session:
        query = select(SentDigest).where(
            SentDigest.kommune == kommune, SentDigest.period == period, SentDigest.recipient == recipient
        )
        return session.exec(query).first()


def claim(store: Store, period: str, recipient: str, *, kommune: str) -> SentDigest:
    """The row for (municipality, period, recipient), created pending if missing.

    Two processes may both try to create it; the unique constraint lets exactly one win and the
    other re-reads the winner's row instead of failing.
    """
    existing = find(store, period, recipient, kommune=kommune)
    if existing is not None:
        return existing
    with store.session() as session:
        row = SentDigest(kommune=kommune, period=period, recipient=recipient, status=PENDING, attempts=0,
                         created_at=utcnow())
        session.add(row)
        try:
            session.commit()
            return row
        except IntegrityError:
            session.rollback()
    winner = find(store, period, recipient, kommune=kommune)
    if winner is None:  # the constraint fired, so the row exists; anything else is a broken schema
        raise RuntimeError(f"sent_digests: row for {period}/{recipient} neither insertable nor readable")
    return winner


def begin_attempt(store: Store, row_id: int) -> bool:
    """Count an attempt; False if the row is already sent (another run finished it meanwhile).

    Counted before sending, so attempts that crash halfway are visible too.
    """
    with store.session() as session:
        result = session.execute(
            sa.update(SentDigest)
            .where(col(SentDigest.id) == row_id, col(SentDigest.status) == PENDING)
            .values(attempts=col(SentDigest.attempts) + 1)
        )
        session.commit()
        return bool(getattr(result, "rowcount", 0))


def mark_sent(
    store: Store, row_id: int, message_id: str, when: datetime | None = None, covers_until: datetime | None = None
) -> None:
    """``covers_until``: the newest data the sent digest can have seen (see ``SentDigest``)."""
    sent_at = when or utcnow()
    with store.session() as session:
        session.execute(
            sa.update(SentDigest)
            .where(col(SentDigest.id) == row_id)
            .values(status=SENT, sent_at=sent_at, covers_until=covers_until or sent_at, message_id=message_id,
                    last_error=None)
        )
        session.commit()


def record_failure(store: Store, row_id: int, error: str) -> None:
    with store.session() as session:
        session.execute(
            sa.update(SentDigest)
            .where(col(SentDigest.id) == row_id, col(SentDigest.status) == PENDING)
            .values(last_error=error)
        )
        session.commit()


def previous_cutoff(store: Store, recipient: str, period: str, *, kommune: str) -> datetime | None:
    """What "new" is relative to: the data this recipient's newest earlier digest of this
    municipality covered.

    Falls back to its ``sent_at`` for rows sent before ``covers_until`` existed. Period keys are
    "YYYY-Www" with a zero-padded week, so string order is time order.
    """
    with store.session() as session:
        query = (
            select(SentDigest.covers_until, SentDigest.sent_at)
            .where(
                SentDigest.kommune == kommune,
                SentDigest.recipient == recipient,
                SentDigest.status == SENT,
                col(SentDigest.period) < period,
                col(SentDigest.period).like("____-W__"),  # weekly digests only, not health alerts
                col(SentDigest.sent_at).is_not(None),
            )
            .order_by(col(SentDigest.period).desc(), col(SentDigest.sent_at).desc())
            .limit(1)
        )
        row = session.exec(query).first()
    if row is None:
        return None
    covers_until, sent_at = row
    return covers_until or sent_at
