"""``foerderradar serve``: the schedule that makes the digest arrive without anyone remembering.

APScheduler 3 with its job store in the same database as the calls, so a restarted (or moved)
service keeps its schedule. ``coalesce`` plus a misfire grace time means a machine that slept
through several runs catches up once, not several times. Every job takes a database lock, so two
``serve`` processes, or ``serve`` and a manual command, never crawl or send twice. The reminder
mails before deadlines follow every crawl (``AFTER``) rather than keeping a schedule of their own.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import FrameType
from typing import Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from apscheduler.events import EVENT_SCHEDULER_START, SchedulerEvent
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlmodel import col, select

from foerderradar.settings import Config, ConfigError, load_config
from foerderradar.storage import Store
from foerderradar.storage.job_runs import record_end, record_start
from foerderradar.storage.locks import LockBusy, held
from foerderradar.storage.tables import JobRun, utcnow

log = logging.getLogger(__name__)
JOBS = ("crawl", "digest")
# A machine that slept (or a service that was down) catches up once within this window.
MISFIRE_GRACE_S = 6 * 24 * 3600
JOBSTORE_TABLE = "apscheduler_jobs"


def crawl_and_match(config: Config, store: Store) -> tuple[bool, str]:
    """The daily job: crawl every enabled portal, then what follows every crawl (regroup, health,
    alerts), then refresh every municipality's stored verdicts so the digests and the feeds only
    read them."""
    from foerderradar.jobs import after_ingest, crawl_portals, crawl_summary, each_match

    results = crawl_portals(config, store)
    ingested = after_ingest(store, config, [r.portal for r in results])
    kommunen = matches = skipped = 0
    for _, found in each_match(store, config, date.today(), min_score=config.settings.digest.min_score):
        kommunen, matches, skipped = kommunen + 1, matches + len(found.matches), max(skipped, found.skipped)
    matched = (
        f", {matches} Treffer" + (f" für {kommunen} Kommunen" if config.several else "")
        + (f"; {skipped} ungültig gespeicherte Förderaufrufe übersprungen" if skipped else "")
    )
    return crawl_summary(results, ingested, matched)


def send_digest(config: Config, store: Store) -> tuple[bool, str]:
    """Every municipality's digest (one after another; a municipality already sent is skipped)."""
    from foerderradar.jobs import digest_summary, run_digests

    return digest_summary(config, run_digests(store, config, date.today(), send=True))


def send_reminders(config: Config, store: Store) -> tuple[bool, str]:
    """The reminders due today of every municipality that has someone to mail (one that has not
    set its recipients yet is skipped, not a daily failure); each reminder once per recipient."""
    from foerderradar.jobs import addressed_kommunen, run_reminders

    if not config.settings.reminders.steps:
        return True, "abgeschaltet ([reminders] steps = [])"
    chosen = addressed_kommunen(config)
    if not chosen:
        return True, "keine Empfänger eingetragen"
    outcomes = run_reminders(store, config, date.today(), chosen, send=True)
    due = sum(len(outcome.reminders) for _, outcome in outcomes)
    sent = sum(outcome.sent for _, outcome in outcomes)
    failed = [f"{r.recipient} ({one.kommune})" if config.several else r.recipient
              for one, outcome in outcomes for r in outcome.failed]
    summary = f"{due} Erinnerungen fällig, {sent} Mails versendet"
    return not failed, summary + (f"; fehlgeschlagen: {', '.join(failed)}" if failed else "")


# What each job runs; "reminders" has no schedule of its own: it follows every crawl (deadlines the
# crawl just moved count), and ``run_job("reminders")`` runs it alone.
STEPS = {"crawl": crawl_and_match, "digest": send_digest, "reminders": send_reminders}
AFTER = {"crawl": ("reminders",)}
AFTER_TRIGGER = "after-crawl"


def run_job(job: str, config_dir: str, trigger: str = "schedule") -> None:
    """Entry point of a scheduled job; module-level so the persistent job store can reference it.
    The jobs that follow it (``AFTER``) run next, each recorded and locked on its own, whatever the
    first one's result: a failed portal must not stop today's reminders."""
    try:
        config = load_config(config_dir)
    except ConfigError as exc:
        log.error("Konfigurationsfehler, Job %s übersprungen:\n%s", job, exc)
        return
    from foerderradar.jobs import adopt_unowned

    store = Store()
    try:
        adopt_unowned(store, config)
        _run_recorded(config, store, job, trigger)
        for follower in AFTER.get(job, ()):
            _run_recorded(config, store, follower, AFTER_TRIGGER)
    finally:
        store.close()


def _run_recorded(config: Config, store: Store, job: str, trigger: str) -> None:
    run_id = record_start(store, job, trigger)
    try:
        with held(store, job):
            ok, summary = STEPS[job](config, store)
    except LockBusy as exc:
        ok, summary = False, str(exc)
    except Exception as exc:  # a scheduled job must record its failure, not kill the service
        log.exception("Job %s fehlgeschlagen", job)
        ok, summary = False, f"{type(exc).__name__}: {exc}"
    record_end(store, run_id, ok, summary)
    log.info("Job %s: %s", job, summary)


def missed_runs(database_url: str, now: datetime | None = None) -> dict[str, datetime]:
    """Runs the job store says were due while no scheduler was running.

    Jobs are re-added on every start (the schedule in foerderradar.toml may have changed), which
    would silently drop a missed run; so the missed time is read first and handed back.
    """
    engine = sa.create_engine(database_url)
    try:
        if not sa.inspect(engine).has_table(JOBSTORE_TABLE):
            return {}
        with engine.connect() as conn:
            rows = conn.execute(sa.text(f"SELECT id, next_run_time FROM {JOBSTORE_TABLE}")).all()
    finally:
        engine.dispose()
    cutoff = (now or utcnow()).timestamp()
    return {
        str(job_id): datetime.fromtimestamp(float(ts), UTC)
        for job_id, ts in rows
        if ts is not None and float(ts) < cutoff
    }


def build_scheduler(
    config: Config, database_url: str, scheduler_cls: type[BaseScheduler] = BlockingScheduler
) -> BaseScheduler:
    tz = ZoneInfo(config.settings.schedule.timezone)
    missed = missed_runs(database_url)
    scheduler = scheduler_cls(
        jobstores={"default": SQLAlchemyJobStore(url=database_url)},
        job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_S, "max_instances": 1},
        timezone=tz,
    )
    for job in JOBS:
        expr = getattr(config.settings.schedule, job)
        scheduler.add_job(
            "foerderradar.scheduler:run_job",
            CronTrigger.from_crontab(expr, timezone=tz),
            id=job,
            name=job,
            kwargs={"job": job, "config_dir": str(Path(config.directory).resolve())},
            replace_existing=True,
            **({"next_run_time": missed[job]} if job in missed else {}),
        )
    return scheduler


class Beside(Protocol):
    """Something a surface runs beside the schedule in this process (the web app's server)."""

    def start(self) -> object: ...

    def stop(self) -> None: ...


def serve(config: Config, database_url: str, beside: Sequence[Beside] = ()) -> None:
    """Run the schedule until SIGTERM/SIGINT. ``beside`` is started once the scheduler runs (so a
    health check that answers means SIGTERM stops cleanly) and stopped by the same signal, before the
    scheduler finishes its running job. A signal during start-up stops the scheduler as it starts."""
    scheduler = build_scheduler(config, database_url)
    feeds = None
    if config.settings.feeds.port:
        from foerderradar.jobs import digest_inputs
        from foerderradar.notifier.feeds import FeedServer

        feeds = FeedServer(
            config, database_url, config.settings.feeds.host, config.settings.feeds.port, digest_inputs
        ).start()
        log.info("Feeds: %s/feed.atom und %s/fristen.ics", feeds.base_url, feeds.base_url)

    stopping = threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("Signal %s: beende nach dem laufenden Job", signum)
        stopping.set()
        if feeds is not None:
            feeds.stop()
        for other in beside:
            other.stop()
        if scheduler.running:
            scheduler.shutdown(wait=True)

    def started(_event: SchedulerEvent) -> None:
        if stopping.is_set():  # the signal came before the scheduler ran
            scheduler.shutdown(wait=False)
            return
        for other in beside:
            other.start()

    scheduler.add_listener(started, EVENT_SCHEDULER_START)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()


@dataclass
class JobStatus:
    job: str
    cron: str  # the cron expression it runs by (a follower: that of the job it follows)
    next_run: datetime
    last: JobRun | None
    after: str | None = None  # runs after this job instead of by a schedule of its own

    @property
    def schedule(self) -> str:
        return schedule_label(self.cron)


_WEEKDAYS = {"mon": "montags", "tue": "dienstags", "wed": "mittwochs", "thu": "donnerstags", "fri": "freitags",
             "sat": "samstags", "sun": "sonntags"}


def _days(field: str) -> str | None:
    """A crontab weekday field as German words ("montags", "montags bis freitags", "montags und
    donnerstags"); None for numbers (APScheduler 3 counts 0 as Monday, crontab as Sunday: the raw
    expression is the honest answer) and anything else."""
    if field == "*":
        return "täglich"
    parts: list[str] = []
    for part in field.lower().split(","):
        first, dash, last = part.partition("-")
        if first not in _WEEKDAYS or (dash and last not in _WEEKDAYS):
            return None
        parts.append(f"{_WEEKDAYS[first]} bis {_WEEKDAYS[last]}" if dash else _WEEKDAYS[first])
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " und " + parts[-1]


def schedule_label(cron: str) -> str:
    """A crontab line as a person reads it — "täglich 06:00 Uhr", "montags 07:00 Uhr", "monatlich am
    1., 06:00 Uhr" — for the common shapes (one time of day); the line itself for anything else."""
    fields = cron.split()
    if len(fields) != 5 or not all(f.isdigit() for f in fields[:2]):
        return cron
    minute, hour, day, month, weekday = fields
    time = f"{int(hour):02d}:{int(minute):02d} Uhr"
    if int(hour) > 23 or int(minute) > 59 or month != "*":
        return cron
    if day == "*":
        days = _days(weekday)
        return f"{days} {time}" if days else cron
    if day.isdigit() and weekday == "*":
        return f"monatlich am {int(day)}., {time}"
    return cron


def status(config: Config, store: Store, now: datetime | None = None) -> list[JobStatus]:
    """Next runs come from the configured cron expressions, so they show before `serve` ever ran;
    a job that follows another (``AFTER``) is listed after it, with its next run."""
    tz = ZoneInfo(config.settings.schedule.timezone)
    now = (now or utcnow()).astimezone(tz)
    out = []
    with store.session() as session:

        def last(job: str) -> JobRun | None:
            return session.exec(
                select(JobRun).where(JobRun.job == job).order_by(col(JobRun.id).desc()).limit(1)
            ).first()

        for job in JOBS:
            expr = getattr(config.settings.schedule, job)
            trigger = CronTrigger.from_crontab(expr, timezone=tz)
            next_run = trigger.get_next_fire_time(None, now)
            assert next_run is not None
            out.append(JobStatus(job, expr, next_run, last(job)))
            out.extend(JobStatus(f, expr, next_run, last(f), after=job) for f in AFTER.get(job, ()))
    return out

