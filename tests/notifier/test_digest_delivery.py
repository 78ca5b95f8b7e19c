"""Delivery as people rely on it: owners get their measures, an empty week still gets a mail,
an SMTP server that fails the first attempts is retried, and a digest process killed halfway
sends each recipient exactly one mail after the restart. Real aiosmtpd, real matcher, real CLI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from config_files import DM, IT, mail, write_config_dir
from smtp_sink import Inbox, smtp_server
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.model import FundingCall
from foerderradar.notifier import ledger
from foerderradar.storage import Store

SCHULE = "schulamt@kommune.example"
LONG_AGO = datetime(2026, 10, 1, tzinfo=UTC)
AS_OF = "2026-11-23"


def write_config(cfg: Path, port: int, recipients: list[str]) -> None:
    write_config_dir(
        cfg,
        measures="city: {name: Teststadt, region: DE-NW, applicant_types: [kommune, schultraeger]}\n"
        "measures:\n"
        f"  - {{id: wlan, title: WLAN für alle Schulen, keywords: [WLAN, Schule], owner: {SCHULE}}}\n"
        "  - {id: breitband, title: Glasfaser für Gewerbegebiete, keywords: [Glasfaser, Gigabit]}\n",
        toml=f"[digest]\nrecipients = {recipients!r}\nmin_score = 1\n".replace("'", '"') + mail(port, timeout_s=5),
    )


def add_calls(url: str) -> None:
    store = Store(url)
    store.upsert_calls([
        FundingCall(source="nrw", source_id="wlan", url="https://example.org/wlan", title="WLAN für Schulen",
                    summary="Zuschuss für WLAN in Schulen", regions=["DE-NW"], applicants=["schultraeger"],
                    deadline=date(2027, 2, 1)),
        FundingCall(source="nrw", source_id="gigabit", url="https://example.org/gigabit",
                    title="Gigabit Glasfaser für Gewerbegebiete", regions=["DE-NW"], applicants=["kommune"]),
    ], now=LONG_AGO)
    store.close()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Path:
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", sqlite_url)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def send(cfg: Path) -> Any:
    return CliRunner().invoke(app, ["digest", "--send", "--as-of", AS_OF, "--config", str(cfg)])


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_owner_gets_only_their_measure_and_the_manager_gets_all(env: Path, sqlite_url: str) -> None:
    add_calls(sqlite_url)
    with smtp_server() as smtp:
        write_config(env / "config", smtp.port, [DM])
        first = send(env / "config")
        again = send(env / "config")
    assert first.exit_code == 0, first.output
    assert "bereits versendet" in again.stdout
    [manager] = smtp.inbox.to(DM)
    [owner] = smtp.inbox.to(SCHULE)
    assert "Passt zu: WLAN für alle Schulen (" in text_of(manager)
    assert "Passt zu: Glasfaser für Gewerbegebiete (" in text_of(manager)
    assert "Passt zu: WLAN für alle Schulen (" in text_of(owner)
    assert "Glasfaser für Gewerbegebiete" not in text_of(owner)
    assert "WLAN für Schulen" in text_of(owner)


def test_an_empty_week_still_sends_a_mail_saying_what_was_checked(env: Path, sqlite_url: str) -> None:
    Store(sqlite_url).close()  # an empty store: nothing crawled, nothing matched
    with smtp_server() as smtp:
        write_config(env / "config", smtp.port, [DM])
        result = send(env / "config")
    assert result.exit_code == 0, result.output
    [mail] = smtp.inbox.to(DM)
    text = text_of(mail)
    assert "Keine neuen passenden Förderaufrufe" in text
    assert "Abgeglichen: 0 gespeicherte Förderaufrufe mit 2 Maßnahmen." in text
    assert "Noch keine Portale abgerufen." in text


@dataclass
class FlakyInbox(Inbox):
    """Answers 451 (try again later) to the first ``failures`` DATA commands, then accepts."""

    failures: int = 2
    attempts: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.attempts <= self.failures:
            return "451 4.3.0 Mail server temporarily rejected message"
        return await super().handle_DATA(server, session, envelope)


def test_smtp_failing_the_first_attempts_is_retried_by_the_next_runs(env: Path, sqlite_url: str) -> None:
    add_calls(sqlite_url)
    inbox = FlakyInbox(failures=2)
    with smtp_server(handler=inbox) as smtp:
        write_config(env / "config", smtp.port, [DM])
        (env / "config" / "measures.yaml").write_text(
            (env / "config" / "measures.yaml").read_text(encoding="utf-8").replace(f", owner: {SCHULE}", ""),
            encoding="utf-8",
        )
        runs = [send(env / "config") for _ in range(4)]
    assert [r.exit_code for r in runs] == [1, 1, 0, 0]
    assert "451" in runs[0].stdout and "127.0.0.1" in runs[0].stdout
    assert "bereits versendet" in runs[3].stdout
    assert len(smtp.inbox.to(DM)) == 1
    store = Store(sqlite_url)
    try:
        row = ledger.find(store, "2026-W48", DM, kommune="teststadt")
    finally:
        store.close()
    assert row is not None and row.status == "sent" and row.attempts == 3


@dataclass
class StallingInbox(Inbox):
    """Holds the RCPT of one address for a long time: the sender is stuck there, mid-conversation."""

    stall: set[str] = field(default_factory=set)
    seen_stall: bool = False

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.stall:
            self.seen_stall = True
            self.stall.discard(address)  # only the first time: the restarted run goes through
            await asyncio.sleep(30)
        return await super().handle_RCPT(server, session, envelope, address, options)


def test_killed_halfway_then_restarted_sends_each_recipient_exactly_once(env: Path, sqlite_url: str) -> None:
    add_calls(sqlite_url)
    inbox = StallingInbox(stall={IT})
    with smtp_server(handler=inbox) as smtp:
        write_config(env / "config", smtp.port, [DM, IT])
        command = [sys.executable, "-m", "foerderradar.cli", "digest", "--send", "--as-of", AS_OF,
                   "--config", str(env / "config")]
        proc_env = {**os.environ, "FOERDERRADAR_DATABASE_URL": sqlite_url}
        proc = subprocess.Popen(command, env=proc_env, cwd=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while not inbox.seen_stall and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert inbox.seen_stall, proc.communicate(timeout=5)
        proc.kill()  # SIGKILL: no cleanup, no "finally"
        proc.wait(timeout=10)
        assert [m["To"] for m in smtp.inbox.messages] == [DM]  # DM went out before the kill; IT did not
        restarted = subprocess.run(command, env=proc_env, cwd=env, capture_output=True, text=True, timeout=120)
        again = subprocess.run(command, env=proc_env, cwd=env, capture_output=True, text=True, timeout=120)
    assert restarted.returncode == 0, restarted.stderr
    assert again.returncode == 0, again.stderr
    assert sorted(str(m["To"]) for m in smtp.inbox.messages) == sorted([DM, IT, SCHULE])
    assert len(smtp.inbox.to(DM)) == 1 and len(smtp.inbox.to(IT)) == 1
