"""Fault matrix, mail part: an SMTP server that refuses, stays silent, or fails after the message.

The real CLI (``foerderradar digest --send``) against real servers on 127.0.0.1 (tests/smtp_sink.py),
two recipients each time. Per case: the German message names host:port, the exit status is 1, the
recipient who did not get the digest is not marked as sent and gets it on the next run, and nobody
gets it twice. When the server cannot be talked to at all, the remaining recipients are not tried
(each would wait out the same timeout) and are left for the next run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from config_files import CITY, DM, IT, mail, write_config_dir
from smtp_sink import FailingInbox, HoldingInbox, closed_port, refusing_server, silent_server, smtp_server
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.notifier import ledger
from foerderradar.storage import Store

AS_OF = "2026-11-23"
PERIOD = "2026-W48"


def write_config(cfg: Path, port: int) -> Path:
    return write_config_dir(
        cfg,
        measures=CITY + "measures: [{id: glasfaser, title: Glasfaser für Gewerbegebiete}]\n",
        toml=f"[digest]\nrecipients = ['{DM}', '{IT}']\n" + mail(port, timeout_s=1),
    )


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Iterator[Path]:
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", sqlite_url)
    monkeypatch.chdir(tmp_path)
    Store(sqlite_url).close()
    yield tmp_path / "config"


def send(cfg: Path) -> Any:
    result = CliRunner().invoke(app, ["digest", "--send", "--as-of", AS_OF, "--config", str(cfg)])
    assert "Traceback" not in result.output
    return result


def ledger_rows(url: str) -> dict[str, tuple[str, int]]:
    store = Store(url)
    try:
        found = {r: ledger.find(store, PERIOD, r, kommune="teststadt") for r in (DM, IT)}
        return {r: (row.status, row.attempts) for r, row in found.items() if row}
    finally:
        store.close()


def flat(text: str) -> str:
    return " ".join(text.split())  # rich wraps long lines


def deliver_next_run(cfg: Path) -> tuple[Any, Any, list[str]]:
    """The next run against a working server, and one more: everyone has exactly one mail."""
    with smtp_server() as good:
        write_config(cfg, good.port)
        retried, again = send(cfg), send(cfg)
    return retried, again, sorted(str(m["To"]) for m in good.inbox.messages)


def test_connection_refused(env: Path, sqlite_url: str) -> None:
    with closed_port() as port:
        failed = send(write_config(env, port))
    text = flat(failed.output)
    assert failed.exit_code == 1
    assert f"fehlgeschlagen: {DM} SMTP-Server 127.0.0.1:{port} nicht erreichbar (Connection refused)" in text
    assert f"fehlgeschlagen: {IT} nicht versucht: SMTP-Server 127.0.0.1:{port} nicht erreichbar" in text
    assert ledger_rows(sqlite_url) == {DM: ("pending", 1)}  # IT untouched: not tried
    retried, again, mails = deliver_next_run(env)
    assert (retried.exit_code, again.exit_code) == (0, 0) and mails == [DM, IT]
    assert ledger_rows(sqlite_url) == {DM: ("sent", 2), IT: ("sent", 1)}


def test_greeting_refuses_service(env: Path, sqlite_url: str) -> None:
    with refusing_server() as refusing:
        failed = send(write_config(env, refusing.port))
    assert failed.exit_code == 1 and refusing.connections == 1  # the second recipient was not tried
    assert (
        f"fehlgeschlagen: {DM} SMTP-Server 127.0.0.1:{refusing.port} nimmt keine Mails an "
        "(554 5.3.2 Service not available)"
    ) in flat(failed.output)
    assert ledger_rows(sqlite_url) == {DM: ("pending", 1)}
    _, _, mails = deliver_next_run(env)
    assert mails == [DM, IT]


def test_accepts_the_connection_then_never_answers(env: Path, sqlite_url: str) -> None:
    with silent_server() as silent:
        failed = send(write_config(env, silent.port))
    assert failed.exit_code == 1 and silent.connections == 1  # one timeout, not one per recipient
    assert (
        f"fehlgeschlagen: {DM} SMTP-Server 127.0.0.1:{silent.port} antwortet nicht (Zeitüberschreitung nach 1 s)"
    ) in flat(failed.output)
    assert f"fehlgeschlagen: {IT} nicht versucht" in flat(failed.output)
    assert ledger_rows(sqlite_url) == {DM: ("pending", 1)}
    _, _, mails = deliver_next_run(env)
    assert mails == [DM, IT]


def test_rejected_after_data_the_others_still_go_out_and_none_twice(env: Path, sqlite_url: str) -> None:
    """A 554 after the message body is about this message: the next recipient is still tried."""
    inbox = FailingInbox(fail={DM})
    with smtp_server(handler=inbox) as smtp:
        cfg = write_config(env, smtp.port)
        failed, retried, again = send(cfg), send(cfg), send(cfg)
    assert [failed.exit_code, retried.exit_code, again.exit_code] == [1, 0, 0]
    assert (
        f"fehlgeschlagen: {DM} SMTP-Server 127.0.0.1:{smtp.port} hat die Nachricht abgelehnt "
        "(554 5.6.0 Message rejected after DATA: content policy)"
    ) in flat(failed.output)
    assert f"versendet: {IT}" in flat(failed.output)
    assert f"bereits versendet: {IT}" in flat(retried.output) and f"versendet: {DM}" in flat(retried.output)
    assert inbox.rejected == [DM]
    assert [str(m["To"]) for m in smtp.inbox.messages] == [IT, DM]  # one each, in the order they went
    assert ledger_rows(sqlite_url) == {DM: ("sent", 2), IT: ("sent", 1)}


def test_silent_after_data_is_retried_and_may_arrive_twice(env: Path, sqlite_url: str) -> None:
    """The server took the body and never confirmed. Förderradar cannot know whether it will deliver,
    so the digest counts as not sent and goes out again next run — the same Message-ID both times,
    so the second copy is recognisable. The documented price of never losing a digest."""
    inbox = HoldingInbox(hold={DM})
    with smtp_server(handler=inbox) as smtp:
        cfg = write_config(env, smtp.port)
        try:
            failed = send(cfg)
        finally:
            inbox.release.set()
        retried = send(cfg)
    assert (failed.exit_code, retried.exit_code) == (1, 0)
    assert f"SMTP-Server 127.0.0.1:{smtp.port} antwortet nicht (Zeitüberschreitung nach 1 s)" in flat(failed.output)
    assert f"fehlgeschlagen: {IT} nicht versucht" in flat(failed.output)
    first, second = smtp.inbox.to(DM)
    assert first["Message-ID"] == second["Message-ID"]
    assert len(smtp.inbox.to(IT)) == 1
    assert ledger_rows(sqlite_url) == {DM: ("sent", 2), IT: ("sent", 1)}
