"""Fault matrix, SIGKILL: the whole process killed during crawl, match and digest.

No cleanup runs after SIGKILL — no ``finally``, no lease release, no run record. What must hold:
everything stored is whole (each write is one transaction), the lease of the dead process does not
block the next run, and the next run completes without duplicates. Each kill lands at a point the
test can see from outside (a page or a lock the test holds, an SMTP server that never greets), on
SQLite and PostgreSQL alike. (A crawl *worker* killed by the portal timeout is in
tests/crawler/test_crawl_failures.py; a digest killed in the middle of an SMTP conversation in
tests/notifier/test_digest_delivery.py.)
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from config_files import CITY, DM, FAST_CRAWL, IT, fdb_portal, mail, write_config_dir
from crawl_faults import LAND_PAGES, PROGRAMMES
from db_faults import pg_blocked, pg_holding, sqlite_write_lock
from fault_server import FaultServer
from smtp_sink import Inbox, silent_server, smtp_server
from sqlmodel import select

from foerderradar.demo import DEMO_SITE
from foerderradar.model import FundingCall
from foerderradar.notifier import ledger
from foerderradar.storage import Store, verdicts
from foerderradar.storage.tables import JobLock

T = TypeVar("T")

AS_OF = "2026-11-23"
PERIOD = "2026-W48"


def write_config(cfg: Path, *, portal_url: str = "http://127.0.0.1:9", smtp_port: int = 9) -> Path:
    return write_config_dir(
        cfg,
        measures=CITY + "measures:\n"
        "  - {id: glasfaser, title: Glasfaser für Gewerbegebiete, keywords: [Glasfaser, Gigabit]}\n"
        "  - {id: wlan, title: WLAN in öffentlichen Gebäuden, keywords: [WLAN]}\n",
        portals=fdb_portal(portal_url),
        toml=FAST_CRAWL + "timeout_s = 60\nconcurrent_requests = 16\n"
        f"[digest]\nrecipients = ['{DM}', '{IT}']\nmin_score = 1\n" + mail(smtp_port, timeout_s=60),
    )


def start(args: list[str], cfg: Path, db_url: str) -> subprocess.Popen[str]:
    """The CLI in its own process group, so SIGKILL can take it with its crawl workers."""
    return subprocess.Popen(
        [sys.executable, "-m", "foerderradar.cli", *args, "--config", str(cfg)],
        env={**os.environ, "FOERDERRADAR_DATABASE_URL": db_url}, cwd=cfg.parent,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


def run(args: list[str], cfg: Path, db_url: str) -> subprocess.CompletedProcess[str]:
    proc = start(args, cfg, db_url)
    out, err = proc.communicate(timeout=180)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def kill_when(condition: Callable[[], bool], proc: subprocess.Popen[str], what: str) -> None:
    """SIGKILL the process group as soon as ``condition`` holds."""
    deadline = time.monotonic() + 60
    met = False
    while time.monotonic() < deadline and proc.poll() is None and not (met := condition()):
        time.sleep(0.05)
    alive = proc.poll() is None
    os.killpg(proc.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=10)
    assert alive and met, f"{what} did not happen before the process ended: {out} {err}"
    assert proc.returncode == -signal.SIGKILL


@pytest.fixture
def url(db_url: str) -> str:
    """The database with its schema already in place (so the test's own reads never race the
    process under test to create it)."""
    Store(db_url).close()
    return db_url


def with_store(url: str, fn: Callable[[Store], T]) -> T:
    store = Store(url, migrate=False)
    try:
        return fn(store)
    finally:
        store.close()


def leases(url: str) -> list[str]:
    def names(store: Store) -> list[str]:
        with store.session() as session:
            return [lock.name for lock in session.exec(select(JobLock)).all()]

    return with_store(url, names)


def ledger_rows(url: str) -> list[tuple[str, str, int]]:
    return with_store(url, lambda s: [
        (r, row.status, row.attempts)
        for r in (DM, IT)
        if (row := ledger.find(s, PERIOD, r, kommune="teststadt")) is not None
    ])


def test_killed_during_crawl(tmp_path: Path, url: str) -> None:
    """``foerderradar crawl`` and its worker killed while half the programme pages are stored."""
    watcher = Store(url, migrate=False)
    try:
        with FaultServer(DEMO_SITE) as portal:
            cfg = write_config(tmp_path / "config", portal_url=portal.base_url)
            portal.fault, portal.only = "hold", LAND_PAGES  # Bund pages answer, Land pages wait
            proc = start(["crawl"], cfg, url)
            kill_when(lambda: watcher.count_calls() > 0, proc, "a first programme stored")
            stored = watcher.count_calls()
            held_leases = leases(url)
            portal.fault = "ok"
            portal.gate.set()
            again = run(["crawl"], cfg, url)
    finally:
        watcher.close()

    assert held_leases == ["crawl"]  # left behind by the dead process, and taken over, not waited for
    assert again.returncode == 0, again.stderr
    assert 0 < stored < PROGRAMMES
    events = with_store(url, lambda s: Counter(e.kind for e in s.events_since()))
    assert events == Counter({"new": PROGRAMMES})  # every programme once; nothing gone or amended
    runs = with_store(url, lambda s: [(r.ok, r.finished_at is not None) for r in s.recent_runs("demo")])
    assert runs == [(True, True), (False, False)]  # the killed run: never finished, counted as failed
    assert leases(url) == []


def add_calls(url: str) -> None:
    calls = [
        FundingCall(source="nrw", source_id=f"{topic}-{n}", url=f"https://example.org/{topic}-{n}",
                    title=f"{title} {n}", regions=["DE-NW"], applicants=["kommune"], deadline=date(2027, 2, 1))
        for n in range(1, 6)
        for topic, title in (("gigabit", "Gigabit Glasfaser für Gewerbegebiete"), ("wlan", "WLAN für Rathäuser"))
    ]
    with_store(url, lambda s: s.upsert_calls(calls, now=datetime(2026, 10, 1, tzinfo=UTC)))


def stored_matches(url: str) -> dict[tuple[str, str], datetime]:
    return with_store(
        url, lambda s: {(m.measure_id, m.call_id): m.computed_at for m in verdicts.stored_matches(s, "teststadt")}
    )


def waits_in_sqlite_busy_handler(pid: int) -> bool:
    """SQLite's busy handler sleeps between tries for the lock; nothing else in `match` sleeps."""
    try:
        return "nanosleep" in Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return False


MATCH = ["match", "--as-of", AS_OF, "--format", "json"]
# A day later: the stored verdicts no longer fit (their inputs name the day), so `match` recomputes
# and replaces them — the write this test kills.
NEXT_DAY = ["match", "--as-of", "2026-11-24", "--format", "json"]


def test_killed_while_match_writes_the_matches_table(tmp_path: Path, url: str) -> None:
    """The new verdicts replace the old ones in one transaction (delete, insert). The test holds a
    lock that write needs, so ``match`` is parked inside it — on PostgreSQL with part of the old rows
    already deleted in its transaction — and killed there. All old verdicts are still there; the
    next run replaces them all."""
    add_calls(url)
    cfg = write_config(tmp_path / "config")
    first = run(MATCH, cfg, url)
    assert first.returncode == 0, first.stderr
    before = stored_matches(url)
    assert len(before) >= 4
    assert run(MATCH, cfg, url).returncode == 0
    assert stored_matches(url) == before  # same inputs: the stored verdicts are read, not rewritten

    if url.startswith("sqlite"):
        if not Path("/proc/self/wchan").exists():
            pytest.skip("needs /proc/PID/wchan to see match wait for the SQLite lock")
        with sqlite_write_lock(url):
            proc = start(NEXT_DAY, cfg, url)
            kill_when(lambda: waits_in_sqlite_busy_handler(proc.pid), proc, "match waiting for the write lock")
    else:
        newest = "SELECT id FROM matches WHERE id = (SELECT max(id) FROM matches) FOR UPDATE"
        with pg_holding(url, newest) as conn:
            proc = start(NEXT_DAY, cfg, url)
            kill_when(lambda: bool(pg_blocked(conn)), proc, "match's DELETE waiting for the locked row")

    assert stored_matches(url) == before  # every old verdict, none half-replaced
    again = run(NEXT_DAY, cfg, url)
    assert again.returncode == 0, again.stderr
    after = stored_matches(url)
    assert after.keys() == before.keys()  # the same verdicts, each once
    assert all(after[k] > before[k] for k in after)  # all written by the new run


def test_killed_after_rendering_before_the_first_mail(tmp_path: Path, url: str) -> None:
    """Killed once the first recipient's digest is rendered, its ledger row claimed and the SMTP
    server connected (but silent). Nothing went out; the next run sends each recipient exactly one
    mail: the claimed row is sent like any pending one, the dead process's lease is taken over."""
    with silent_server() as silent:
        cfg = write_config(tmp_path / "config", smtp_port=silent.port)
        proc = start(["digest", "--send", "--as-of", AS_OF], cfg, url)
        kill_when(lambda: silent.connections > 0, proc, "the first SMTP connection")
    assert ledger_rows(url) == [(DM, "pending", 1)] and leases(url) == ["digest"]
    with smtp_server() as smtp:
        write_config(cfg, smtp_port=smtp.port)
        again = run(["digest", "--send", "--as-of", AS_OF], cfg, url)
        once_more = run(["digest", "--send", "--as-of", AS_OF], cfg, url)
    assert (again.returncode, once_more.returncode) == (0, 0), again.stderr
    assert sorted(str(m["To"]) for m in smtp.inbox.messages) == [DM, IT]
    assert ledger_rows(url) == [(DM, "sent", 2), (IT, "sent", 1)] and leases(url) == []


@dataclass
class StallingInbox(Inbox):
    """Accepts ``accept`` messages, then keeps the next sender waiting before its DATA is accepted:
    that message is not delivered, and the test kills the sender while it waits."""

    accept: int = 0
    stalled: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if len(self.messages) >= self.accept:
            self.stalled.set()
            await asyncio.sleep(3600)
        return await super().handle_DATA(server, session, envelope)


def test_killed_halfway_through_the_municipalities(tmp_path: Path, url: str) -> None:
    """Seven municipalities, eleven recipients; killed while the fifth mail waits for the server.
    The next run sends only what is missing: every municipality's recipients get exactly one digest
    each, across both runs, and a third run sends nothing."""
    cfg = write_config(tmp_path / "config")
    (cfg / "measures.yaml").unlink()
    toml = cfg / "foerderradar.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(f"recipients = ['{DM}', '{IT}']\n", ""),
                    encoding="utf-8")
    (cfg / "kommunen").mkdir()
    expected = []
    for n in range(7):
        recipients = [f"dm@stadt-{n}.example"] + ([f"it@stadt-{n}.example"] if n % 2 else [])
        expected += [(f"stadt-{n}", r) for r in recipients]
        (cfg / "kommunen" / f"stadt-{n}.yaml").write_text(
            f"city: {{name: Stadt {n}, region: DE-NW, applicant_types: [kommune]}}\n"
            "measures: [{id: glasfaser, title: Glasfaser für Gewerbegebiete, keywords: [Glasfaser]}]\n"
            f"digest: {{recipients: [{', '.join(recipients)}]}}\n", encoding="utf-8")
    stalling = StallingInbox(accept=4)
    with smtp_server(handler=stalling) as first:
        toml.write_text(toml.read_text(encoding="utf-8").replace("port = 9\n", f"port = {first.port}\n"),
                        encoding="utf-8")
        proc = start(["digest", "--send", "--as-of", AS_OF], cfg, url)
        kill_when(stalling.stalled.is_set, proc, "the fifth mail")
        delivered = [(m["To"], m["Message-ID"]) for m in first.inbox.messages]
    assert len(delivered) == 4
    with smtp_server() as second:
        text = toml.read_text(encoding="utf-8").replace(f"port = {first.port}\n", f"port = {second.port}\n")
        toml.write_text(text, encoding="utf-8")
        again = run(["digest", "--send", "--as-of", AS_OF], cfg, url)
        once_more = run(["digest", "--send", "--as-of", AS_OF], cfg, url)
    assert (again.returncode, once_more.returncode) == (0, 0), again.stderr
    received = Counter([str(to) for to, _ in delivered] + [str(m["To"]) for m in second.inbox.messages])
    assert received == Counter(r for _, r in expected)
    assert once_more.stdout.count("bereits versendet") == len(expected)
