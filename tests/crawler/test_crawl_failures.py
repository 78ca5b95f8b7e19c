"""A misbehaving portal fails alone: the others are crawled, its stored calls stay as they were,
the failure is reported — and a crawl killed halfway leaves a consistent store the next run completes.

Every case runs the real path (runner → worker process → Scrapy → spider → pipeline → store)
against :class:`FaultServer` on 127.0.0.1; see tests/fault_server.py for what each fault sends.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crawl_faults import JSON_FIXTURES, JSON_ROUTES, api, config, events, fdb, snapshot
from fault_server import FaultServer

from foerderradar.crawler.runner import crawl, crawl_portal
from foerderradar.demo import DEMO_SITE
from foerderradar.fixture_server import FixtureServer
from foerderradar.storage import Store


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    store = Store(sqlite_url)
    yield store
    store.close()


# What the report must say for each fault (any one of the phrases).
EXPECTED_MESSAGE = {
    "500": ["HTTP 500 (Serverfehler des Portals)"],
    "slow": ["Zeitüberschreitung"],
    "garbage": ["Seitenaufbau oder Format geändert"],
    "oversized": ["Antwort zu groß"],
    "oversized_stream": ["Antwort zu groß"],
    "reset": ["Verbindung abgebrochen"],
    "truncated": ["Antwort unvollständig", "Verbindung abgebrochen"],
}


@pytest.mark.parametrize("kind", ["html", "json"])
@pytest.mark.parametrize("fault", ["500", "slow", "garbage", "oversized", "oversized_stream", "reset", "truncated"])
def test_faulty_portal_fails_alone_and_keeps_its_calls(
    tmp_path: Path, sqlite_store: Store, fault: str, kind: str
) -> None:
    """First a good crawl of the victim; then both portals with the victim broken (it fails, the
    other is crawled in full, the victim's calls stay as they were); then, repaired, the victim's
    next run completes and finds nothing to change."""
    # HTTP behaviour, not database behaviour, is under test here: SQLite only keeps the matrix quick
    # (the killed-crawl test below runs on both databases).
    store = sqlite_store
    root, routes = (DEMO_SITE, None) if kind == "html" else (JSON_FIXTURES, JSON_ROUTES)
    with FaultServer(root, routes, delay=10) as bad, FixtureServer(DEMO_SITE) as good:
        victim = fdb("victim", bad.base_url) if kind == "html" else api("victim", bad.base_url)
        cfg = config(tmp_path, victim, fdb("other", good.base_url))
        first = crawl_portal(victim, cfg, store, cache_dir=tmp_path / "c")
        assert first.ok and first.items > 0, first.messages
        before, before_events = snapshot(store, "victim"), events(store)

        bad.fault = fault  # type: ignore[assignment]
        after = {r.portal: r for r in crawl(cfg, store, cache_dir=tmp_path / "c")}
        after_snapshot, after_events = snapshot(store, "victim"), events(store)

        bad.fault = "ok"
        repaired = crawl_portal(victim, cfg, store, cache_dir=tmp_path / "c")

    broken, other = after["victim"], after["other"]
    assert other.ok and other.errors == 0 and other.items == other.new == 14  # the demo site in full
    assert not broken.ok and broken.errors > 0 and broken.items == 0
    text = " ".join(broken.messages)
    assert any(word in text for word in EXPECTED_MESSAGE[fault]), broken.messages
    # The portal's real address is named, not the loopback server that stood in for it.
    assert "foerderung.example.org" in text or "foerderdatenbank.de" in text, broken.messages
    assert after_snapshot == before  # nothing amended, nothing marked gone
    assert after_events == before_events + Counter({("other", "new"): 14})
    runs = store.recent_runs("victim")
    assert runs[1].ok is False and runs[1].finished_at is not None and runs[1].message
    assert repaired.ok and repaired.errors == 0 and repaired.items == first.items, repaired.messages
    assert repaired.new == repaired.changed == repaired.gone == 0
    assert snapshot(store, "victim") == before


def test_fault_on_detail_pages_only_keeps_the_calls_and_reports_partial(tmp_path: Path, sqlite_store: Store) -> None:
    """List pages fine, programme pages broken: not a complete crawl, so nothing may be declared gone."""
    store = sqlite_store
    with FaultServer(DEMO_SITE) as bad:
        cfg = config(tmp_path, fdb("victim", bad.base_url))
        [first] = crawl(cfg, store, cache_dir=tmp_path / "c")
        before = snapshot(store, "victim")
        bad.fault, bad.only = "500", "/FDB/Content/"
        [broken] = crawl(cfg, store, cache_dir=tmp_path / "c")
        after = snapshot(store, "victim")
        bad.fault = "ok"
        [repaired] = crawl(cfg, store, cache_dir=tmp_path / "c")
    assert first.ok and first.items == len(before) > 0
    assert broken.items == 0 and broken.errors >= len(before)
    assert broken.gone == 0
    assert after == before
    assert repaired.ok and repaired.errors == 0 and repaired.items == first.items
    assert repaired.new == repaired.changed == repaired.gone == 0 and snapshot(store, "victim") == before


def test_crawl_killed_halfway_leaves_a_consistent_store_and_the_next_run_completes(
    tmp_path: Path, store: Store
) -> None:
    """The portal timeout SIGKILLs the worker while half the programme pages hang; what was stored
    is whole (one row and one 'new' event per call), and the next run adds exactly the rest."""
    with FaultServer(DEMO_SITE, delay=60) as portal:
        p = fdb("demo", portal.base_url)
        # Programme pages whose path contains "/Land/" hang; the Bund ones answer at once.
        portal.fault, portal.only = "slow", "/Land/"
        # Enough slots that the hanging pages cannot keep the quick ones from being fetched. The budget
        # must also cover the worker's start on a loaded machine (8 s stored nothing under CI load once):
        # the test waits it out idle, so a generous one costs wall time, not CPU.
        cfg = config(tmp_path, p, timeout_s=60, portal_timeout_s=20, concurrency=32)
        killed = crawl_portal(p, cfg, store, cache_dir=tmp_path / "c")
        stored_after_kill = {r.id for r in store.iter_calls()}
        portal.fault = "ok"
        complete = crawl_portal(p, config(tmp_path, p), store, cache_dir=tmp_path / "c")

    assert not killed.ok and "Abbruch nach 20 s" in killed.messages[0]
    assert 0 < len(stored_after_kill) < complete.items
    assert complete.ok and complete.errors == 0
    assert complete.new == complete.items - len(stored_after_kill)
    assert store.count_calls() == complete.items
    kinds = Counter(e.kind for e in store.events_since())
    assert kinds == Counter({"new": complete.items})  # no duplicates, no spurious changes or 'gone'
    runs = store.recent_runs("demo")
    assert [r.ok for r in runs] == [True, False] and all(r.finished_at for r in runs)


def test_a_worker_killed_from_outside_fails_its_portal_with_a_german_message(
    tmp_path: Path, sqlite_store: Store
) -> None:
    """The crawl worker dies mid-crawl (the OOM killer, an admin's kill -9): the portal's run is
    recorded as failed with the exit code, the stored calls stay, and the next run completes."""
    store = sqlite_store
    with FaultServer(DEMO_SITE, delay=60) as portal:
        p = fdb("demo", portal.base_url)
        cfg = config(tmp_path, p)
        first = crawl_portal(p, cfg, store, cache_dir=tmp_path / "c")
        before = snapshot(store, "demo")
        portal.fault, portal.only = "slow", "/Land/"
        result: list[Any] = []
        crawl_thread = threading.Thread(
            target=lambda: result.append(crawl_portal(p, cfg, store, cache_dir=tmp_path / "c"))
        )
        crawl_thread.start()
        deadline = time.monotonic() + 30
        workers: list[Any] = []
        while not workers and time.monotonic() < deadline:
            workers = [c for c in multiprocessing.active_children() if c.name == "foerderradar-crawl"]
            time.sleep(0.05)
        assert workers, "no crawl worker started"
        time.sleep(1.0)  # let it get into the crawl
        os.kill(workers[0].pid, signal.SIGKILL)
        crawl_thread.join(60)
        portal.fault = "ok"
        repaired = crawl_portal(p, cfg, store, cache_dir=tmp_path / "c")
    [killed] = result
    assert not killed.ok and killed.errors == 1
    [message] = killed.messages
    assert message.startswith(f"Crawler-Prozess abgebrochen (Exit-Code {-signal.SIGKILL}): "), message
    run = store.recent_runs("demo")[1]
    assert run.ok is False and run.message == message
    assert snapshot(store, "demo") == before  # nothing amended, nothing marked gone
    assert repaired.ok and repaired.items == first.items and repaired.new == 0
