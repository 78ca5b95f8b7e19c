"""Database leases: one crawl / one digest at a time, across processes, with stale-lease takeover."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from foerderradar.storage import Store
from foerderradar.storage.locks import LockBusy, acquire, held, release, this_holder


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


def test_reacquire_by_same_holder_extends(store: Store) -> None:
    acquire(store, "crawl", timedelta(minutes=1))
    acquire(store, "crawl", timedelta(hours=2))
    release(store, "crawl")
    acquire(store, "crawl", timedelta(minutes=1), holder="otherhost:3")
