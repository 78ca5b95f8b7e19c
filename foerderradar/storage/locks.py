"""Named leases in the database: one crawl and one digest at a time, across processes and hosts.

A row in ``locks`` is the lease. Taking it is an INSERT, so the database's primary key decides
races. A lease is taken over when it has expired, or when its holder is a process on this host
that no longer exists (a ``kill -9`` must not block the next run for hours).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col

from foerderradar.storage.store import Store
from foerderradar.storage.tables import JobLock, utcnow


class LockBusy(RuntimeError):
    def __init__(self, name: str, holder: str, since: datetime) -> None:
        local = since.astimezone().strftime("%d.%m.%Y %H:%M")
        super().__init__(
            f"'{name}' läuft bereits (seit {local}, Prozess {holder}). "
            "Bitte warten, bis dieser Lauf fertig ist."
        )
        self.holder = holder


def this_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_is_dead(holder: str) -> bool:
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def acquire(store: Store, name: str, lease: timedelta, holder: str | None = None) -> None:
    holder = holder or this_holder()
    now = utcnow()
    with store.session() as session:
        current = session.get(JobLock, name)
        if current is not None:
            if current.holder == holder:
                current.expires_at = now + lease
                session.add(current)
                session.commit()
                return
            if current.expires_at > now and not _holder_is_dead(current.holder):
                raise LockBusy(name, current.holder, current.acquired_at)
            # Take over the stale lease, but only if nobody else took it over meanwhile.
            result = session.execute(
                sa.delete(JobLock).where(
                    col(JobLock.name) == name, col(JobLock.holder) == current.holder
                )
            )
            session.commit()
            if getattr(result, "rowcount", 1) == 0:
                raise LockBusy(name, "?", now)
        session.add(JobLock(name=name, holder=holder, acquired_at=now, expires_at=now + lease))
        try:
            session.commit()
        except sa.exc.IntegrityError:
            session.rollback()
            other = session.get(JobLock, name)
            raise LockBusy(name, other.holder if other else "?", other.acquired_at if other else now) from None


def release(store: Store, name: str, holder: str | None = None) -> None:
    holder = holder or this_holder()
    with store.session() as session:
        session.execute(sa.delete(JobLock).where(col(JobLock.name) == name, col(JobLock.holder) == holder))
        session.commit()


@contextmanager
def held(store: Store, name: str, lease: timedelta = timedelta(hours=6)) -> Iterator[None]:
    acquire(store, name, lease)
    try:
        yield
    finally:
        release(store, name)
