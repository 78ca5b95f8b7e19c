"""``foerderradar erinnerungen`` (alias ``reminders``) and the scheduled reminders after the crawl:
the command as a person types it, a real SMTP server, German config errors for bad steps."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from config_files import mail, write_config_dir
from smtp_sink import SmtpServer, closed_port, smtp_server
from sqlmodel import col, select
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.cli import shared as cli_shared
from foerderradar.model import FundingCall
from foerderradar.scheduler import run_job, status
from foerderradar.settings import ConfigError, load_app_settings, load_config
from foerderradar.storage import Store
from foerderradar.storage.marks import set_mark
from foerderradar.storage.tables import JobRun

AS_OF = "01.12.2026"
DAY = date(2026, 12, 1)
T = datetime(2026, 11, 1, tzinfo=UTC)
DM = "dm@teststadt.example"
MEASURES = """\
city: {name: Teststadt, region: DE-NW, applicant_types: [kommune]}
measures:
  - {id: breitband, title: Glasfaser im Gewerbegebiet}
"""
SLUG = "teststadt"


@pytest.fixture
def database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", sqlite_url)
    monkeypatch.delenv("FOERDERRADAR_SMTP_HOST", raising=False)
    store = Store(sqlite_url)
    call = FundingCall(source="nrw", source_id="gigabit", url="https://www.nrw.example/gigabit",
                       title="Gigabit.NRW – Kofinanzierung", deadline=DAY + timedelta(days=14))
    store.upsert_call(call, now=T)
    set_mark(store, SLUG, call.id, "breitband", "applied", note="Az. 4711")
    yield store
    store.close()


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


def config_dir(tmp_path: Path, port: int, extra: str = "", recipients: str = f'["{DM}"]') -> Path:
    toml = f"{mail(port, 5)}[digest]\nrecipients = {recipients}\n{extra}"
    return write_config_dir(tmp_path / "config", measures=MEASURES, toml=toml)


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_lists_what_is_due_without_sending(tmp_path: Path, database: Store, server: SmtpServer) -> None:
    code, out, _ = cli("erinnerungen", "--as-of", AS_OF, "--config", str(config_dir(tmp_path, server.port)))
    assert code == 0, out
    assert "1 Erinnerung fällig am 01.12.2026" in out
    assert "Frist in 14 Tagen (15.12.2026): Gigabit.NRW – Kofinanzierung – Glasfaser im Gewerbegebiet" in out
    assert "--preview VERZEICHNIS schreibt die Mails" in out and server.inbox.messages == []


def test_send_once_then_already_sent(tmp_path: Path, database: Store, server: SmtpServer) -> None:
    cfg = str(config_dir(tmp_path, server.port))
    code, out, _ = cli("erinnerungen", "--send", "--as-of", "2026-12-01", "--config", cfg)
    assert code == 0 and f"versendet: {DM}" in out, out
    code, out, _ = cli("reminders", "--send", "--as-of", AS_OF, "--config", cfg)  # the English alias
    assert code == 0 and f"bereits versendet: {DM}" in out, out
    assert [str(m["Subject"]) for m in server.inbox.messages] == [
        "Förderradar: Frist in 14 Tagen – Gigabit.NRW – Kofinanzierung"]


def test_preview_writes_the_mail(tmp_path: Path, database: Store, server: SmtpServer) -> None:
    code, out, _ = cli("erinnerungen", "--preview", str(tmp_path / "out"), "--as-of", AS_OF,
                       "--config", str(config_dir(tmp_path, server.port)))
    assert code == 0, out
    written = sorted(p.suffix for p in (tmp_path / "out").iterdir())
    assert written == [".eml", ".html", ".txt"] and "geschrieben:" in out
    assert server.inbox.messages == []


def test_smtp_outage_exits_1_and_the_next_run_sends(tmp_path: Path, database: Store) -> None:
    with closed_port() as port:
        code, out, _ = cli("erinnerungen", "--send", "--as-of", AS_OF, "--config", str(config_dir(tmp_path, port)))
    assert code == 1 and f"fehlgeschlagen: {DM}" in out, out
    with smtp_server() as running:
        code, out, _ = cli("erinnerungen", "--send", "--as-of", "02.12.2026",
                           "--config", str(config_dir(tmp_path, running.port)))
        assert code == 0 and [str(m["Subject"]) for m in running.inbox.messages] == [
            "Förderradar: Frist in 13 Tagen – Gigabit.NRW – Kofinanzierung"], out


USAGE = [
    # (arguments after the command, config extra, recipients, expected on stderr)
    (["--as-of", "31.02.2026"], "", f'["{DM}"]', "--as-of '31.02.2026' ist kein gültiges Datum"),
    (["--kommune", "bielefeld"], "", f'["{DM}"]', "Unbekannte Kommune 'bielefeld'"),
    (["--send"], "", "[]", "Keine Empfänger für teststadt"),
    ([], "[reminders]\nsteps = [14, 0]\n", f'["{DM}"]', "reminders.steps[1]: muss mindestens 1 sein, nicht 0"),
]


@pytest.mark.parametrize(("args", "extra", "recipients", "expected"), USAGE)
def test_usage_and_config_errors_exit_2_in_german(
    tmp_path: Path, database: Store, args: list[str], extra: str, recipients: str, expected: str
) -> None:
    cfg = config_dir(tmp_path, 25, extra, recipients)
    code, out, err = cli("erinnerungen", *args, "--config", str(cfg))
    assert code == 2 and expected in " ".join(err.split()), (out, err)
    assert "Traceback" not in out + err


STEPS = [
    # (the [reminders] table, steps or the German problem)
    ("", [14, 3]),
    ("[reminders]\nsteps = [3, 14, 7]\n", [14, 7, 3]),
    ("[reminders]\nsteps = []\n", []),
    ("[reminders]\nsteps = [14, 3, 14]\n", "reminders.steps: 14 kommt doppelt vor"),
    ("[reminders]\nsteps = [0]\n", "reminders.steps[0]: muss mindestens 1 sein, nicht 0"),
    ("[reminders]\nsteps = [400]\n", "reminders.steps[0]: darf höchstens 365 sein, nicht 400"),
    ("[reminders]\nsteps = ['vierzehn']\n", "reminders.steps[0]: erwartet wird eine ganze Zahl wie 30; hier steht"),
    ("[reminders]\nsteps = [3.5]\n", "reminders.steps[0]: erwartet wird eine ganze Zahl ohne Nachkommastellen"),
    ("[reminders]\nsteps = 14\n", "reminders.steps: erwartet wird eine Liste"),
    ("[reminders]\nstep = [14]\n", "reminders.step: unbekannter Schlüssel; Schreibweise prüfen"),
]


@pytest.mark.parametrize(("toml", "expected"), STEPS)
def test_reminder_steps_in_foerderradar_toml(tmp_path: Path, toml: str, expected: list[int] | str) -> None:
    (tmp_path / "foerderradar.toml").write_text(toml, encoding="utf-8")
    if isinstance(expected, list):
        assert load_app_settings(tmp_path, env={}).reminders.steps == expected
        return
    with pytest.raises(ConfigError) as info:
        load_app_settings(tmp_path, env={})
    [problem] = info.value.problems
    assert problem.startswith(f"{tmp_path / 'foerderradar.toml'}: ") and expected in problem, problem


def test_scheduled_crawl_is_followed_by_the_reminders(
    tmp_path: Path, database: Store, server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The crawl job runs the reminders after it (recorded on their own); ``status`` lists them."""
    cfg = config_dir(tmp_path, server.port)
    set_mark(database, SLUG, "nrw:gigabit", "breitband", "done")  # its deadline is fixed, today is not
    deadline_today = FundingCall(source="nrw", source_id="heute", url="https://www.nrw.example/heute",
                                 title="Heute", deadline=date.today())
    database.upsert_call(deadline_today, now=T)
    set_mark(database, SLUG, deadline_today.id, "breitband", "applied")
    run_job("crawl", str(cfg), trigger="manual")
    run_job("reminders", str(cfg), trigger="manual")  # alone, again: nothing more to send
    with database.session() as session:
        runs = session.exec(select(JobRun).order_by(col(JobRun.id))).all()
        seen = [(r.job, r.trigger, r.ok, r.summary) for r in runs]
    assert [(job, trigger, ok) for job, trigger, ok, _ in seen] == [
        ("crawl", "manual", True), ("reminders", "after-crawl", True), ("reminders", "manual", True)]
    assert seen[1][3] == "1 Erinnerungen fällig, 1 Mails versendet" and str(seen[2][3]).endswith("0 Mails versendet")
    assert [str(m["Subject"]) for m in server.inbox.messages] == ["Förderradar: Frist endet heute – Heute"]

    rows = status(load_config(cfg), database)
    assert [(r.job, r.after) for r in rows] == [("crawl", None), ("reminders", "crawl"), ("digest", None)]
    monkeypatch.setattr(cli_shared.out, "width", 250)  # one line per row, whatever the terminal
    code, out, _ = cli("status", "--config", str(cfg))
    [line] = [line for line in out.splitlines() if "Erinnerungen" in line]
    assert code == 0 and "nach Abruf + Abgleich" in line and "nach dem nächsten Lauf" in line, out
