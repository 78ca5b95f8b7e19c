"""Database leases: one crawl / one digest at a time, across processes, with stale-lease takeover."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from foerderradar.storage import Store
from foerderradar.storage.locks import LockBusy, acquire, held, release, this_holder
from foerderradar.storage.tables import JobLock


def lease(store: Store, name: str) -> JobLock:
    """The lease row as stored: who holds it and until when."""
    with store.session() as session:
        row = session.get(JobLock, name)
        assert row is not None, f"no lease {name!r}"
        return row


def test_second_holder_is_refused_until_release(store: Store) -> None:
    acquire(store, "crawl", timedelta(hours=1), holder="otherhost:1")
    with pytest.raises(LockBusy, match="'crawl' läuft bereits") as info:
        acquire(store, "crawl", timedelta(hours=1))
    assert info.value.holder == "otherhost:1"
    acquire(store, "digest", timedelta(hours=1))  # other names are independent
    release(store, "crawl", holder="otherhost:1")
    with held(store, "crawl"):
        pass


def test_expired_lease_is_taken_over(store: Store) -> None:
    acquire(store, "crawl", timedelta(seconds=-1), holder="otherhost:1")
    acquire(store, "crawl", timedelta(hours=1))  # no LockBusy: the old lease had expired
    with pytest.raises(LockBusy):
        acquire(store, "crawl", timedelta(hours=1), holder="otherhost:2")


def test_lease_of_a_dead_local_process_is_taken_over(store: Store) -> None:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = f"{this_holder().rpartition(':')[0]}:{proc.stdout.strip()}"
    acquire(store, "digest", timedelta(hours=1), holder=dead)
    acquire(store, "digest", timedelta(hours=1))  # the holder process has exited
    assert lease(store, "digest").holder == this_holder()  # taken over, not shared
    with pytest.raises(LockBusy):
        acquire(store, "digest", timedelta(hours=1), holder="otherhost:4")


def test_reacquire_by_same_holder_extends(store: Store) -> None:
    acquire(store, "crawl", timedelta(minutes=1))
    first = lease(store, "crawl")
    acquire(store, "crawl", timedelta(hours=2))
    extended = lease(store, "crawl")
    assert extended.holder == first.holder == this_holder()
    assert extended.expires_at - first.expires_at > timedelta(minutes=100)  # now + 2 h, not now + 1 min
    assert extended.acquired_at == first.acquired_at  # the same lease, extended
    release(store, "crawl")
    acquire(store, "crawl", timedelta(minutes=1), holder="otherhost:3")
    assert lease(store, "crawl").holder == "otherhost:3"
