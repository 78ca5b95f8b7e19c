"""Login throttling per e-mail address: after ``MAX_FAILURES`` wrong passwords in a row the address
is locked for ``LOCK`` — every attempt, the right password included, is refused until then.

Counted for unknown addresses too, so "gesperrt" does not reveal whether an account exists. A
lock is temporary on purpose: someone guessing can lock a person out for a quarter of an hour, not
for good. (Per address, not per IP: behind the reverse proxy every request has the proxy's IP.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from foerderradar.storage import Store
from foerderradar.storage.tables import LoginThrottle, utcnow

MAX_FAILURES = 5
LOCK = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)  # failures older than this no longer count toward a lock


def locked_until(store: Store, email: str, now: datetime | None = None) -> datetime | None:
    now = now or utcnow()
    with store.session() as session:
        row = session.get(LoginThrottle, email)
        if row is None or row.locked_until is None or row.locked_until <= now:
            return None
        return row.locked_until


def failed(store: Store, email: str, now: datetime | None = None) -> None:
    """Count a wrong password; the ``MAX_FAILURES``-th in a row locks the address."""
    now = now or utcnow()
    try:
        _count(store, email, now)
    except sa.exc.IntegrityError:  # two first failures at once: the other one created the row
        _count(store, email, now)


def _count(store: Store, email: str, now: datetime) -> None:
    with store.session() as session:
        row = session.get(LoginThrottle, email, with_for_update=True)
        if row is None:
            row = LoginThrottle(email=email, failures=0, last_failure_at=now)
        elif row.last_failure_at + FORGET_AFTER <= now or (row.locked_until is not None and row.locked_until <= now):
            row.failures, row.locked_until = 0, None
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= MAX_FAILURES:
            row.locked_until = now + LOCK
        session.add(row)
        session.commit()


def clear(store: Store, email: str) -> None:
    """A successful login or a new password (``users passwd``) starts the count afresh."""
    with store.session() as session:
        row = session.get(LoginThrottle, email)
        if row is not None:
            session.delete(row)
            session.commit()
