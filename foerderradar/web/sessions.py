"""Server-side sessions: the cookie holds a random token, the ``web_sessions`` table its SHA-256.

Why not Flask's signed-cookie session: a logout, a password change or a removed account must end
the session on the server, which a self-contained cookie cannot. A row exists only after a login,
so a token planted before the login (session fixation) never becomes a session: a login always
hands out a new token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import col, delete

from foerderradar.storage import Store
from foerderradar.storage.tables import WebSession, utcnow

COOKIE = "foerderradar_session"
IDLE = timedelta(hours=4)  # a session unused this long ends
ABSOLUTE = timedelta(hours=12)  # and every session ends after a working day
_TOUCH_EVERY = timedelta(minutes=5)  # last_seen_at is written at most this often (not on every request)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def plausible(token: str | None) -> bool:
    """A cookie value we could have issued (anything else is replaced, never looked up)."""
    return bool(token) and 20 <= len(token or "") <= 64 and all(c.isalnum() or c in "-_" for c in token or "")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def start(store: Store, user_id: int, now: datetime | None = None) -> str:
    """A new session for ``user_id``; returns the token for the cookie."""
    now = now or utcnow()
    token = new_token()
    with store.session() as session:
        session.add(WebSession(token_hash=_hash(token), user_id=user_id, created_at=now, last_seen_at=now,
                               expires_at=now + ABSOLUTE))
        session.commit()
    return token


def user_of(store: Store, token: str, now: datetime | None = None) -> int | None:
    """The user id of a live session, else None (an expired or idle session is deleted)."""
    now = now or utcnow()
    with store.session() as session:
        row = session.get(WebSession, _hash(token))
        if row is None:
            return None
        if row.expires_at <= now or row.last_seen_at + IDLE <= now:
            session.delete(row)
            session.commit()
            return None
        if now - row.last_seen_at >= _TOUCH_EVERY:
            row.last_seen_at = now
            session.add(row)
            session.commit()
        return row.user_id


def end(store: Store, token: str) -> None:
    with store.session() as session:
        session.exec(delete(WebSession).where(col(WebSession.token_hash) == _hash(token)))
        session.commit()


def end_all(store: Store, user_id: int) -> None:
    """Every session of a user: after a password change or when the account is removed."""
    with store.session() as session:
        session.exec(delete(WebSession).where(col(WebSession.user_id) == user_id))
        session.commit()
