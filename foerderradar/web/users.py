"""The people who sign in: accounts in the ``users`` table, passwords as argon2 hashes, a role and
the municipalities the role applies to.

Roles (contract, *Web app*): ``manager`` sees and marks the calls of their municipalities, ``it``
also manages portals, ``admin`` may do everything in every municipality. ``manager`` and ``it`` see
only the municipalities listed on their account; everything else answers 404, as if it did not exist.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast, get_args

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import col, select

from foerderradar.profile import EMAIL
from foerderradar.storage import Store
from foerderradar.storage.tables import UserRecord, utcnow
from foerderradar.web import sessions, throttle

Role = Literal["manager", "it", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
ROLE_LABELS = {"manager": "Digital-Manager", "it": "IT", "admin": "Administration"}
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()  # argon2id with the library's current defaults (slow and salted on purpose)
# Verified against when the address is unknown, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("foerderradar: no such user")


class UserExists(ValueError):
    """An account with this e-mail address exists already."""


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: Role
    kommunen: tuple[str, ...]  # slugs; an admin sees every municipality whatever is listed
    created_at: datetime
    last_login_at: datetime | None

    def sees(self, kommune: str) -> bool:
        """May this user see (and mark in) the municipality ``kommune``?"""
        return self.role == "admin" or kommune in self.kommunen


def normal_email(email: str) -> str:
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    """German reason why ``email`` is no address, else None."""
    if len(email) > 320 or not re.match(EMAIL, email):
        return f"{email!r} ist keine E-Mail-Adresse wie digital@kommune.de"
    return None


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Das Passwort ist zu kurz: mindestens {MIN_PASSWORD_LENGTH} Zeichen."
    if len(password) > 1024:
        return "Das Passwort ist zu lang (höchstens 1024 Zeichen)."
    return None


def _value(row: UserRecord) -> User:
    assert row.id is not None
    return User(row.id, row.email, cast(Role, row.role), tuple(row.kommunen or ()), row.created_at, row.last_login_at)


def add_user(store: Store, email: str, password: str, role: Role, kommunen: list[str]) -> User:
    now = utcnow()
    row = UserRecord(email=normal_email(email), password_hash=_hasher.hash(password), role=role,
                     kommunen=sorted(set(kommunen)), created_at=now, password_changed_at=now)
    try:
        with store.session() as session:
            if session.exec(select(UserRecord).where(UserRecord.email == row.email)).first() is not None:
                raise UserExists(row.email)
            session.add(row)
            session.commit()
    except sa.exc.IntegrityError:
        raise UserExists(row.email) from None
    return _value(row)


def list_users(store: Store) -> list[User]:
    with store.session() as session:
        return [_value(r) for r in session.exec(select(UserRecord).order_by(col(UserRecord.email))).all()]


def find(store: Store, email: str) -> User | None:
    with store.session() as session:
        row = session.exec(select(UserRecord).where(UserRecord.email == normal_email(email))).first()
        return _value(row) if row is not None else None


def get(store: Store, user_id: int) -> User | None:
    with store.session() as session:
        row = session.get(UserRecord, user_id)
        return _value(row) if row is not None else None


def set_password(store: Store, email: str, password: str) -> bool:
    """A new password; every session of the user ends and the login throttle is cleared. False: no such user."""
    with store.session() as session:
        row = session.exec(select(UserRecord).where(UserRecord.email == normal_email(email))).first()
        if row is None:
            return False
        row.password_hash, row.password_changed_at = _hasher.hash(password), utcnow()
        session.add(row)
        session.commit()
        user_id = row.id
    assert user_id is not None
    sessions.end_all(store, user_id)
    throttle.clear(store, normal_email(email))
    return True


def remove_user(store: Store, email: str) -> bool:
    """Delete the account and end its sessions (its audit rows stay). False: no such user."""
    with store.session() as session:
        row = session.exec(select(UserRecord).where(UserRecord.email == normal_email(email))).first()
        if row is None:
            return False
        user_id = row.id
        session.delete(row)
        session.commit()
    assert user_id is not None
    sessions.end_all(store, user_id)
    return True


def check_password(store: Store, email: str, password: str) -> User | None:
    """The user if the password is right, else None — taking the same time whether or not the
    address exists. A hash made with older parameters is replaced on the way."""
    with store.session() as session:
        row = session.exec(select(UserRecord).where(UserRecord.email == normal_email(email))).first()
        try:
            _hasher.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = _hasher.hash(password)
        row.last_login_at = utcnow()
        session.add(row)
        session.commit()
        return _value(row)


def calendar_secret(store: Store, user_id: int, *, create: bool = False) -> str | None:
    """The user's calendar secret (behind the private calendar address, ``calendar_links``); with
    ``create`` one is made when the user has none yet. None: no such user, or none and not ``create``.

    Made by a conditional UPDATE (only while the column is empty), so two pages opened at once
    agree on one secret instead of the second silently replacing the address the first showed."""
    with store.session() as session:
        row = session.get(UserRecord, user_id)
        if row is None or row.calendar_secret or not create:
            return row.calendar_secret if row is not None else None
        session.execute(sa.update(UserRecord).where(col(UserRecord.id) == user_id,
                                                    col(UserRecord.calendar_secret).is_(None))
                        .values(calendar_secret=secrets.token_urlsafe(32)))
        session.commit()
        fresh = session.get(UserRecord, user_id, populate_existing=True)
        return fresh.calendar_secret if fresh is not None else None


def new_calendar_secret(store: Store, user_id: int) -> bool:
    """Replace the calendar secret: every calendar address the user had answers 404 from now on.
    False: no such user."""
    with store.session() as session:
        result = session.execute(sa.update(UserRecord).where(col(UserRecord.id) == user_id)
                                 .values(calendar_secret=secrets.token_urlsafe(32)))
        session.commit()
        return bool(getattr(result, "rowcount", 0))
