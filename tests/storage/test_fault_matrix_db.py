"""Fault matrix, database part: locked, unreachable, or its connection killed in the middle of a run.

Real databases and the real CLI in a subprocess: SQLite locked by another process holding a write
transaction past the busy timeout (``?timeout=1`` on the URL keeps that short); PostgreSQL on a
closed port; a PostgreSQL backend terminated with ``pg_terminate_backend`` while the run waits on a
lock the test holds — the only way to hit "mid-transaction" deterministically. Per case: a German
message naming the database (never its password), exit status 1, no traceback, nothing
half-written, and the next run completes.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from config_files import CITY, DM, FAST_CRAWL, IT, fdb_portal, mail, write_config_dir
from conftest import _drop_schema, _fresh_schema, _postgres_url
from crawl_faults import PROGRAMME_PAGES, PROGRAMMES
from db_faults import pg_blocked, pg_holding, sqlite_write_lock
from fault_server import FaultServer
from smtp_sink import HoldingInbox, closed_port, smtp_server

from foerderradar.demo import DEMO_SITE
from foerderradar.model import FundingCall
from foerderradar.notifier import ledger
from foerderradar.storage import Store, StoreError
from foerderradar.storage.store import redacted_url, unavailable

AS_OF = "2026-11-23"
PERIOD = "2026-W48"


# -- setup -------------------------------------------------------------------------------------------


def write_config(cfg: Path, *, portal_url: str = "http://127.0.0.1:9", smtp_port: int = 9) -> Path:
    return write_config_dir(
        cfg,
        measures=CITY + "measures: [{id: glasfaser, title: Glasfaser für Gewerbegebiete, keywords: [Glasfaser]}]\n",
        portals=fdb_portal(portal_url),
        toml=FAST_CRAWL + "timeout_s = 10\n"
        f"[digest]\nrecipients = ['{DM}', '{IT}']\nmin_score = 1\n" + mail(smtp_port, timeout_s=5),
    )


def command(*args: str, cfg: Path) -> list[str]:
    return [sys.executable, "-m", "foerderradar.cli", *args, "--config", str(cfg)]


def crawl_cmd(cfg: Path) -> list[str]:
    return command("crawl", cfg=cfg)


def digest_cmd(cfg: Path) -> list[str]:
    return command("digest", "--send", "--as-of", AS_OF, cfg=cfg)


def run(cmd: list[str], db_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FOERDERRADAR_DATABASE_URL": db_url}
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=180, check=False)


def start(cmd: list[str], db_url: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "FOERDERRADAR_DATABASE_URL": db_url}
    return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def user_sees(result: subprocess.CompletedProcess[str] | tuple[str, str]) -> str:
    out, err = (result.stdout, result.stderr) if isinstance(result, subprocess.CompletedProcess) else result
    text = " ".join((out + err).split())  # rich wraps long lines
    assert "Traceback" not in text
    return text


def add_calls(url: str) -> None:
    store = Store(url)
    store.upsert_calls([
        FundingCall(source="nrw", source_id="gigabit", url="https://example.org/gigabit",
                    title="Gigabit Glasfaser für Gewerbegebiete", regions=["DE-NW"], applicants=["kommune"],
                    deadline=date(2027, 2, 1)),
    ], now=datetime(2026, 10, 1, tzinfo=UTC))
    store.close()


def call_events(url: str) -> Counter[str]:
    store = Store(url)
    try:
        return Counter(e.kind for e in store.events_since())
    finally:
        store.close()


def sent(url: str) -> dict[str, str]:
    store = Store(url)
    try:
        found = {r: ledger.find(store, PERIOD, r, kommune="teststadt") for r in (DM, IT)}
        return {r: row.status for r, row in found.items() if row is not None}
    finally:
        store.close()


def wait_for(condition: object, proc: subprocess.Popen[str], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"{what} did not happen; process: {proc.poll()} {proc.communicate(timeout=10)}")


# -- SQLite: another process holds a write transaction --------------------------------------------


@pytest.fixture
def locked_sqlite(tmp_path: Path) -> str:
    """A SQLite URL with a 1 s busy timeout, the schema already created."""
    url = f"sqlite:///{tmp_path / 'radar.db'}?timeout=1"
    Store(url).close()
    return url


def test_sqlite_locked_when_crawl_match_and_digest_start(tmp_path: Path, locked_sqlite: str) -> None:
    """Nothing is fetched, matched or sent while nothing could be stored; afterwards all complete."""
    url = locked_sqlite
    add_calls(url)
    with FaultServer(DEMO_SITE) as portal, smtp_server() as smtp:
        cfg = write_config(tmp_path / "config", portal_url=portal.base_url, smtp_port=smtp.port)
        with sqlite_write_lock(url):
            crawl = run(crawl_cmd(cfg), url, tmp_path)
            match = run(command("match", "--as-of", AS_OF, cfg=cfg), url, tmp_path)
            digest = run(digest_cmd(cfg), url, tmp_path)
        assert portal.site.hits == [] and smtp.inbox.messages == []
        assert sent(url) == {} and call_events(url) == Counter({"new": 1})
        again = [run(crawl_cmd(cfg), url, tmp_path), run(digest_cmd(cfg), url, tmp_path)]

    where = (
        f"Datenbank sqlite:///{tmp_path / 'radar.db'}?timeout=1 ist gesperrt: "
        "ein anderer Prozess schreibt seit über 1 s"
    )
    assert crawl.returncode == 1 and f"Abruf abgebrochen. {where}" in user_sees(crawl)
    assert match.returncode == 1 and where in user_sees(match)
    assert digest.returncode == 1 and f"Bericht abgebrochen. {where}" in user_sees(digest)
    assert [r.returncode for r in again] == [0, 0], [r.stderr for r in again]
    assert call_events(url) == Counter({"new": 1 + PROGRAMMES})
    assert sorted(str(m["To"]) for m in smtp.inbox.messages) == [DM, IT] and sent(url) == {DM: "sent", IT: "sent"}


def test_sqlite_locked_in_the_middle_of_a_crawl(tmp_path: Path, locked_sqlite: str) -> None:
    """The lock comes while the programme pages are on their way: the first write waits out the busy
    timeout, the crawl stops (no page is fetched to be thrown away), nothing is half-written, and the
    next run stores every programme exactly once."""
    url = locked_sqlite
    with FaultServer(DEMO_SITE) as portal:
        cfg = write_config(tmp_path / "config", portal_url=portal.base_url)
        portal.fault, portal.only = "hold", PROGRAMME_PAGES
        proc = start(crawl_cmd(cfg), url, tmp_path)
        wait_for(lambda: any(PROGRAMME_PAGES in p for p in portal.site.hits), proc, "a programme page request")
        with sqlite_write_lock(url):
            portal.gate.set()
            output = proc.communicate(timeout=120)
        portal.fault = "ok"
        stored_after_failure = call_events(url)
        again = run(crawl_cmd(cfg), url, tmp_path)

    assert proc.returncode == 1
    text = user_sees(output)
    assert f"Abruf abgebrochen. Datenbank sqlite:///{tmp_path / 'radar.db'}?timeout=1 ist gesperrt" in text
    assert stored_after_failure == Counter()  # the lock came before the first write: nothing stored
    assert again.returncode == 0, again.stderr
    assert call_events(url) == Counter({"new": PROGRAMMES})  # each once, nothing gone, no duplicates
    store = Store(url)
    try:
        runs = store.recent_runs("demo")
    finally:
        store.close()
    # The failed run could not even be recorded (the file was locked): it stays unfinished, which
    # portal health counts as a failure once a newer run exists.
    assert [(r.ok, r.finished_at is not None) for r in runs] == [(True, True), (False, False)]


# -- PostgreSQL: unreachable, or the connection killed mid-run ---------------------------------------


def test_postgres_unreachable_names_the_database_without_its_password(tmp_path: Path) -> None:
    with closed_port() as port, FaultServer(DEMO_SITE) as portal, smtp_server() as smtp:
        url = f"postgresql+psycopg://foerderradar:geheim-123@127.0.0.1:{port}/radar"
        cfg = write_config(tmp_path / "config", portal_url=portal.base_url, smtp_port=smtp.port)
        results = {name: run(cmd, url, tmp_path) for name, cmd in {
            "crawl": crawl_cmd(cfg), "match": command("match", cfg=cfg), "digest": digest_cmd(cfg),
        }.items()}
    assert portal.site.hits == [] and smtp.inbox.messages == []
    for name, result in results.items():
        text = user_sees(result)
        assert result.returncode == 1, (name, text)
        assert f"Datenbank postgresql+psycopg://foerderradar:***@127.0.0.1:{port}/radar nicht erreichbar" in text
        assert "Connection refused" in text and "Prüfen Sie FOERDERRADAR_DATABASE_URL" in text
        assert "geheim" not in text


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema; every connection named, so the test terminates only its own backends."""
    base = _postgres_url()
    assert base is not None
    schema, scoped = _fresh_schema(base)
    url = f"{scoped}&application_name=fr_{uuid.uuid4().hex[:10]}"
    Store(url).close()
    yield url
    _drop_schema(base, schema)


def terminate_when_blocked(conn: sa.Connection, proc: subprocess.Popen[str]) -> int:
    """Wait until a backend waits for a lock this connection holds, then terminate that backend."""
    blocked: list[int] = []

    def found() -> bool:
        blocked[:] = pg_blocked(conn)
        return bool(blocked)

    wait_for(found, proc, "a backend blocked by the test's lock")
    [pid] = blocked
    assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar() is True
    return pid


@pytest.mark.postgres
def test_postgres_backend_terminated_mid_crawl(tmp_path: Path, pg_url: str) -> None:
    """The first write of the crawl waits on the test's table lock; its backend is terminated there.
    The transaction dies with it (nothing stored), the crawl of the portal stops and says why."""
    with FaultServer(DEMO_SITE) as portal:
        cfg = write_config(tmp_path / "config", portal_url=portal.base_url)
        with pg_holding(pg_url, "LOCK TABLE calls IN EXCLUSIVE MODE") as conn:
            proc = start(crawl_cmd(cfg), pg_url, tmp_path)
            terminate_when_blocked(conn, proc)
        output = proc.communicate(timeout=120)
        stored_after_failure = call_events(pg_url)
        again = run(crawl_cmd(cfg), pg_url, tmp_path)

    assert proc.returncode == 1
    text = user_sees(output)
    assert "demo: Verbindung zur Datenbank postgresql+psycopg://postgres@127.0.0.1" in text
    assert "abgebrochen (terminating connection due to administrator command)" in text
    assert "fehlgeschlagen" in text  # the crawl summary: the portal failed
    assert stored_after_failure == Counter()
    assert again.returncode == 0, again.stderr
    assert call_events(pg_url) == Counter({"new": PROGRAMMES})
    store = Store(pg_url)
    try:
        runs = store.recent_runs("demo")
    finally:
        store.close()
    assert [r.ok for r in runs] == [True, False] and "administrator command" in (runs[1].message or "")


@pytest.mark.postgres
def test_postgres_backend_terminated_mid_digest_between_two_recipients(tmp_path: Path, pg_url: str) -> None:
    """The test holds an uncommitted ledger row for the second recipient, so the digest's own insert
    waits on the unique key — after the first recipient's mail went out and was recorded. The backend
    is terminated there: the first is not sent again, the second gets exactly one mail next run."""
    add_calls(pg_url)
    insert = (
        "INSERT INTO sent_digests (kommune, period, recipient, status, attempts, created_at) "
        f"VALUES ('teststadt', '{PERIOD}', '{IT}', 'pending', 0, now())"
    )
    with smtp_server() as smtp:
        cfg = write_config(tmp_path / "config", smtp_port=smtp.port)
        with pg_holding(pg_url, insert) as conn:
            proc = start(digest_cmd(cfg), pg_url, tmp_path)
            terminate_when_blocked(conn, proc)
        output = proc.communicate(timeout=120)
        after_failure = sent(pg_url)
        again = run(digest_cmd(cfg), pg_url, tmp_path)

    assert proc.returncode == 1
    assert "Bericht abgebrochen. Verbindung zur Datenbank postgresql+psycopg://postgres@127.0.0.1" in user_sees(output)
    assert after_failure == {DM: "sent"}
    assert again.returncode == 0, again.stderr
    assert "bereits versendet" in user_sees(again)
    assert [str(m["To"]) for m in smtp.inbox.messages] == [DM, IT]
    assert sent(pg_url) == {DM: "sent", IT: "sent"}


@pytest.mark.postgres
def test_postgres_lost_after_the_server_accepted_is_the_one_window_for_a_second_mail(
    tmp_path: Path, pg_url: str
) -> None:
    """Documented limit (docs/reliability.md): the connection dies after the SMTP server accepted the
    mail but before the ledger says "sent". The row stays pending, so the next run sends that one
    recipient's digest again — with the same Message-ID, so mail clients can fold the two. Nobody
    else gets a second mail, and nobody is skipped."""
    add_calls(pg_url)
    inbox = HoldingInbox(hold={DM})
    with smtp_server(handler=inbox) as smtp:
        cfg = write_config(tmp_path / "config", smtp_port=smtp.port)
        proc = start(digest_cmd(cfg), pg_url, tmp_path)
        wait_for(inbox.arrived.is_set, proc, "the first mail accepted")
        # The row was created and its attempt counted before the mail went out; holding it makes
        # "mark sent" wait right after the server's 250, where its backend is terminated.
        with pg_holding(pg_url, f"SELECT id FROM sent_digests WHERE recipient = '{DM}' FOR UPDATE") as conn:
            inbox.release.set()
            terminate_when_blocked(conn, proc)
        output = proc.communicate(timeout=120)
        again = run(digest_cmd(cfg), pg_url, tmp_path)

    assert proc.returncode == 1 and "Bericht abgebrochen. Verbindung zur Datenbank" in user_sees(output)
    assert again.returncode == 0, again.stderr
    to = [str(m["To"]) for m in smtp.inbox.messages]
    assert sorted(to) == [DM, DM, IT]
    first, second = smtp.inbox.to(DM)
    assert first["Message-ID"] == second["Message-ID"]
    assert sent(pg_url) == {DM: "sent", IT: "sent"}


# -- the messages, case by case --------------------------------------------------------------------


def _error(orig: Exception, *, invalidated: bool = False) -> sa.exc.OperationalError:
    return sa.exc.OperationalError("SELECT 1", {}, orig, connection_invalidated=invalidated)


MESSAGES = [
    ("sqlite:////srv/radar.db", _error(sqlite3.OperationalError("database is locked")),
     "Datenbank sqlite:////srv/radar.db ist gesperrt: ein anderer Prozess schreibt seit über 30 s "
     "(database is locked). Läuft noch ein anderer Förderradar-Lauf"),
    ("sqlite:////srv/radar.db?timeout=5", _error(sqlite3.OperationalError("database is locked")),
     "seit über 5 s"),
    ("sqlite:////nirgends/radar.db", _error(sqlite3.OperationalError("unable to open database file")),
     "Datenbank sqlite:////nirgends/radar.db nicht nutzbar (unable to open database file). Prüfen Sie "
     "FOERDERRADAR_DATABASE_URL und ob die Datei und ihr Verzeichnis existieren und beschreibbar sind."),
    ("postgresql+psycopg://radar:geheim@db.kommune.example/radar",
     _error(OSError('connection failed: connection to server at "10.0.0.5", port 5432 failed: Connection refused\n'
                    "\tIs the server running on that host and accepting TCP/IP connections?")),
     "Datenbank postgresql+psycopg://radar:***@db.kommune.example/radar nicht erreichbar (connection failed: "
     'connection to server at "10.0.0.5", port 5432 failed: Connection refused). Prüfen Sie '
     "FOERDERRADAR_DATABASE_URL und ob der Server läuft."),
    ("postgresql+psycopg://radar:geheim@db/radar",
     _error(OSError("terminating connection due to administrator command"), invalidated=True),
     "Verbindung zur Datenbank postgresql+psycopg://radar:***@db/radar abgebrochen (terminating connection "
     "due to administrator command). Wurde der Datenbankserver neu gestartet"),
    ("postgresql+psycopg://radar:geheim@db/radar", _error(OSError("server closed the connection unexpectedly")),
     "Verbindung zur Datenbank postgresql+psycopg://radar:***@db/radar abgebrochen"),
]


@pytest.mark.parametrize(("url", "error", "expected"), MESSAGES, ids=["locked", "locked-5s", "no-file", "refused",
                                                                      "terminated", "closed"])
def test_database_messages(url: str, error: sa.exc.OperationalError, expected: str) -> None:
    text = unavailable(url, error)
    assert expected in text and "geheim" not in text


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql+psycopg://radar:geheim@db/radar", "postgresql+psycopg://radar:***@db/radar"),
    ("postgresql+psycopg://radar:geheim@db:port/radar", "postgresql+psycopg://radar:***@db:port/radar"),  # unparsable
    ("sqlite:///radar.db", "sqlite:///radar.db"),
])
def test_redacted_url_never_shows_the_password(url: str, shown: str) -> None:
    assert redacted_url(url) == shown


def test_a_url_with_a_broken_port_is_a_plain_message_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        Store("postgresql+psycopg://radar:geheim@db:port/radar")
    assert str(caught.value).startswith("Ungültige Datenbank-URL 'postgresql+psycopg://radar:***@db:port/radar'")
    assert "geheim" not in str(caught.value)
