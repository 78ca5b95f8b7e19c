"""The audit log (``audit_log``): who changed what, when — marks set in the web app, logins, account
changes. Rows are only ever added; reading is for people (later: an admin page) and tests.

Written right after the change it describes, in its own transaction: a crash between the two loses
the audit row, never the change (the mark keeps its own ``marked_at``).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from foerderradar.storage.store import Store
from foerderradar.storage.tables import AuditEntry, utcnow


def record(
    store: Store,
    user_email: str,
    action: str,
    *,
    kommune: str = "",
    call_id: str | None = None,
    measure_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    with store.session() as session:
        session.add(AuditEntry(at=utcnow(), user_email=user_email, kommune=kommune, action=action,
                               call_id=call_id, measure_id=measure_id, details=details))
        session.commit()


def entries(
    store: Store, kommune: str | None = None, limit: int = 500, *, call_id: str | None = None,
    action: str | None = None,
) -> list[AuditEntry]:
    """The newest entries first; with ``kommune`` only that municipality's, with ``call_id`` only
    those about that call, with ``action`` only those of that kind (filtered in the query, so the
    many mark rows do not push a page's few other rows past ``limit``)."""
    with store.session() as session:
        query = select(AuditEntry)
        if kommune is not None:
            query = query.where(AuditEntry.kommune == kommune)
        if call_id is not None:
            query = query.where(AuditEntry.call_id == call_id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return list(session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit)).all())
