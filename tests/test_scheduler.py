"""The real APScheduler with its job store in our database: next runs, catch-up once, SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from config_files import write_config_dir
from sqlmodel import select

from foerderradar.scheduler import build_scheduler, run_job, schedule_label, status
from foerderradar.settings import load_config
from foerderradar.storage import Store
from foerderradar.storage.tables import JobRun

MEASURES = """\
city: {name: Teststadt, region: DE-NW, applicant_types: [kommune]}
measures:
  - {id: breitband, title: Glasfaser im Gewerbegebiet}
"""


@pytest.fixture
def cfg_dir(tmp_path: Path) -> Path:
    return write_config_dir(
        tmp_path / "config",
        measures=MEASURES,
        toml='[schedule]\ncrawl = "0 6 * * *"\ndigest = "0 7 * * mon"\ntimezone = "Europe/Berlin"\n'
        "[digest]\nrecipients = []\n",
    )


STATUS_CASES = [
    # (now UTC, next crawl (Berlin), next digest (Berlin))
    (datetime(2026, 11, 25, 10, 0, tzinfo=UTC), "2026-11-26 06:00", "2026-11-30 07:00"),
    (datetime(2026, 11, 30, 5, 30, tzinfo=UTC), "2026-12-01 06:00", "2026-11-30 07:00"),  # 06:30 Berlin
    (datetime(2027, 3, 28, 3, 30, tzinfo=UTC), "2027-03-28 06:00", "2027-03-29 07:00"),  # 05:30 CEST, DST day
]


@pytest.mark.parametrize(("now", "crawl", "digest"), STATUS_CASES)
def test_status_shows_next_runs_in_local_time(
    cfg_dir: Path, store: Store, now: datetime, crawl: str, digest: str
) -> None:
    rows = {r.job: r for r in status(load_config(cfg_dir), store, now=now)}
    assert rows["crawl"].next_run.strftime("%Y-%m-%d %H:%M") == crawl
    assert rows["digest"].next_run.strftime("%Y-%m-%d %H:%M") == digest
    assert rows["crawl"].last is None


def _runs(store: Store, job: str) -> list[JobRun]:
    with store.session() as session:
        return list(session.exec(select(JobRun).where(JobRun.job == job)).all())


def test_run_job_records_its_result(cfg_dir: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", db_url)
    run_job("crawl", str(cfg_dir), trigger="manual")
    store = Store(db_url)
    [run] = _runs(store, "crawl")
    assert run.ok is True and run.finished_at is not None and "0 Portale" in (run.summary or "")
    store.close()


def test_missed_runs_are_caught_up_once(cfg_dir: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A service that was down for two days runs the missed crawl once, not twice."""
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", db_url)
    config = load_config(cfg_dir)
    Store(db_url).close()
    first = build_scheduler(config, db_url, BackgroundScheduler)
    first.start(paused=True)
    first.shutdown(wait=False)
    engine = sa.create_engine(db_url)
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).timestamp()
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE apscheduler_jobs SET next_run_time = :t WHERE id = 'crawl'"), {"t": two_days_ago})
    engine.dispose()

    second = build_scheduler(config, db_url, BackgroundScheduler)
    second.start()
    store = Store(db_url)
    try:
        deadline = time.monotonic() + 20
        while not any(r.finished_at for r in _runs(store, "crawl")) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # room for a (wrong) second catch-up run
        runs = _runs(store, "crawl")
        next_crawl = second.get_job("crawl").next_run_time
    finally:
        second.shutdown(wait=True)
        store.close()
    assert len(runs) == 1 and runs[0].trigger == "schedule" and runs[0].ok
    assert next_crawl > datetime.now(UTC)  # back on the regular schedule
    assert _runs(Store(db_url), "digest") == []  # not missed, not run


# (crontab line, what `status` and `serve` print)
SCHEDULES = [
    ("0 6 * * *", "täglich 06:00 Uhr"),
    ("0 7 * * mon", "montags 07:00 Uhr"),
    ("30 7 * * MON", "montags 07:30 Uhr"),
    ("5 18 * * mon-fri", "montags bis freitags 18:05 Uhr"),
    ("0 7 * * mon,thu", "montags und donnerstags 07:00 Uhr"),
    ("0 7 * * mon,wed,fri", "montags, mittwochs und freitags 07:00 Uhr"),
    ("0 6 1 * *", "monatlich am 1., 06:00 Uhr"),
    # anything else stays as written: numbered weekdays (APScheduler 3 counts 0 as Monday, crontab as
    # Sunday), several times a day, steps, months
    ("0 7 * * 1", "0 7 * * 1"),
    ("0 6,18 * * *", "0 6,18 * * *"),
    ("*/15 * * * *", "*/15 * * * *"),
    ("0 6 * 1 *", "0 6 * 1 *"),
    ("0 6 1 * mon", "0 6 1 * mon"),
]


@pytest.mark.parametrize(("cron", "label"), SCHEDULES)
def test_schedules_read_as_people_say_them(cron: str, label: str) -> None:
    assert schedule_label(cron) == label


@pytest.mark.parametrize("verbose", [False, True])
def test_serve_stops_cleanly_on_sigterm(cfg_dir: Path, sqlite_url: str, tmp_path: Path, verbose: bool) -> None:
    """Its output is German: the libraries' English INFO lines (alembic's migrations, APScheduler's jobs)
    only with --verbose."""
    env = {**os.environ, "FOERDERRADAR_DATABASE_URL": sqlite_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "foerderradar.cli", "serve", "--config", str(cfg_dir), *(["-v"] if verbose else [])],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    engine = sa.create_engine(sqlite_url)
    try:
        deadline = time.monotonic() + 30
        jobs: set[str] = set()
        while time.monotonic() < deadline and jobs != {"crawl", "digest"}:
            time.sleep(0.3)
            try:
                with engine.connect() as conn:
                    jobs = {r[0] for r in conn.execute(sa.text("SELECT id FROM apscheduler_jobs"))}
            except sa.exc.OperationalError:
                pass
        assert jobs == {"crawl", "digest"}, "the jobs were not persisted in the job store"
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=20)
    finally:
        engine.dispose()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "Förderradar läuft: Abruf täglich 06:00 Uhr, Bericht montags 07:00 Uhr (Europe/Berlin)." in output
    assert "Beendet." in output
    library_lines = [line for line in output.splitlines() if re.search(r"\b(alembic|apscheduler)\.", line)]
    assert any("Running upgrade" in line for line in library_lines) == verbose, output
    assert bool(library_lines) == verbose, output
