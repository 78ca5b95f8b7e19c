"""Several things at once, on SQLite and PostgreSQL: two crawls, `serve` and a manual crawl, a crawl
writing while the digest is sent, two digests, two match runs.

What must hold: no call stored twice, no mail sent twice, no write lost. Overlap is made certain,
not hoped for: the portal server holds every request until the test lets it go, so the first crawl
is provably still running when the second one starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from config_files import DM, FAST_CRAWL, IT, fdb_portal, mail, write_config_dir
from smtp_sink import Inbox, smtp_server
from sqlmodel import select

from foerderradar.demo import DEMO_SITE
from foerderradar.fixture_server import FixtureServer
from foerderradar.model import FundingCall, Match
from foerderradar.scheduler import build_scheduler
from foerderradar.settings import load_config
from foerderradar.storage import Store
from foerderradar.storage.tables import CrawlRun, JobRun, MatchRecord, MatchState
from foerderradar.storage.verdicts import VerdictInputs, save_matches

ROOT = Path(__file__).resolve().parents[1]
LONG_AGO = datetime(2026, 10, 1, tzinfo=UTC)


# -- a portal that answers only when the test says so -----------------------------------------------


class GatedPortal:
    """The bundled demo site on loopback; every request waits for ``release()`` (at most 60 s)."""

    def __init__(self) -> None:
        self.server = FixtureServer(DEMO_SITE)
        self.gate = threading.Event()
        self.first_request = threading.Event()
        handler = self.server.httpd.RequestHandlerClass
        portal = self

        class Gated(handler):  # type: ignore[valid-type,misc]
            def do_GET(self) -> None:
                portal.first_request.set()
                portal.gate.wait(60)
                super().do_GET()

        self.server.httpd.RequestHandlerClass = Gated

    def release(self) -> None:
        self.gate.set()

    def __enter__(self) -> GatedPortal:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.gate.set()
        self.server.__exit__(*exc)


def write_config(cfg: Path, portal_url: str = "http://127.0.0.1:9", smtp_port: int = 25) -> Path:
    return write_config_dir(
        cfg,
        measures="city: {name: Teststadt, region: DE-NW, applicant_types: [kommune, schultraeger]}\n"
        "measures:\n"
        "  - {id: breitband, title: Glasfaser und Gigabit für Gewerbegebiete, keywords: [Glasfaser, Gigabit]}\n"
        "  - {id: schulen, title: WLAN für alle Schulen, keywords: [WLAN, Schule]}\n",
        portals=fdb_portal(portal_url),
        toml=FAST_CRAWL + "timeout_s = 70\nportal_timeout_s = 120\n"
        f'[digest]\nrecipients = ["{DM}", "{IT}"]\nmin_score = 1\n' + mail(smtp_port, timeout_s=10)
        + '[schedule]\ncrawl = "0 6 * * *"\ndigest = "0 7 * * mon"\ntimezone = "Europe/Berlin"\n',
    )


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "foerderradar.cli", *args]


def proc_env(db_url: str) -> dict[str, str]:
    # The worktree under test, not whatever is installed: absolute, since processes run in tmp dirs.
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "FOERDERRADAR_DATABASE_URL": db_url, "PYTHONPATH": path}


def run(db_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli(*args), env=proc_env(db_url), cwd=cwd, capture_output=True, text=True, timeout=180)


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def stored(db_url: str) -> tuple[int, int, list[CrawlRun]]:
    """(calls, distinct ids, crawl runs of the demo portal)."""
    store = Store(db_url)
    try:
        ids = [r.id for r in store.iter_calls()]
        return len(ids), len(set(ids)), store.recent_runs("demo", limit=50)
    finally:
        store.close()


def demo_programmes(tmp_path: Path) -> int:
    """How many calls one clean crawl of the demo site stores (measured, not hard-coded)."""
    url = f"sqlite:///{tmp_path / 'reference.db'}"
    with FixtureServer(DEMO_SITE) as server:
        cfg = write_config(tmp_path / "reference-config", server.base_url)
        done = run(url, tmp_path, "crawl", "--config", str(cfg))
    assert done.returncode == 0, done.stdout + done.stderr
    count, _, _ = stored(url)
    assert count >= 10
    return count


# -- two crawls at once -----------------------------------------------------------------------------


def test_a_second_crawl_while_one_runs_is_refused_and_nothing_is_stored_twice(db_url: str, tmp_path: Path) -> None:
    expected = demo_programmes(tmp_path)
    Store(db_url).close()
    with GatedPortal() as portal:
        cfg = write_config(tmp_path / "config", portal.server.base_url)
        first = subprocess.Popen(cli("crawl", "--config", str(cfg)), env=proc_env(db_url), cwd=tmp_path,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert portal.first_request.wait(60), "the first crawl never reached the portal"
            second = run(db_url, tmp_path, "crawl", "--config", str(cfg))  # the first is provably mid-crawl
            portal.release()
            out, err = first.communicate(timeout=180)
        finally:
            if first.poll() is None:
                first.kill()
    assert first.returncode == 0, out + err
    assert second.returncode == 1
    assert "'crawl' läuft bereits" in second.stdout + second.stderr
    assert "Traceback" not in second.stderr
    count, distinct, runs = stored(db_url)
    assert count == distinct == expected
    assert len(runs) == 1 and runs[0].ok  # the refused crawl did not even open a run

    again = run(db_url, tmp_path, "crawl", "--config", str(cfg))  # the lease was released
    count_after, _, runs_after = stored(db_url)
    assert again.returncode == 1  # the portal server is gone now: reported as failed, data kept
    assert count_after == expected and len(runs_after) == 2


def test_serve_and_a_manual_crawl_never_crawl_at_the_same_time(db_url: str, tmp_path: Path) -> None:
    """`serve` catches up a missed crawl; a manual `crawl` started meanwhile is refused."""
    expected = demo_programmes(tmp_path)
    with GatedPortal() as portal:
        cfg = write_config(tmp_path / "config", portal.server.base_url)
        # A job store that says the crawl was due two days ago (the machine was off).
        Store(db_url).close()
        scheduler = build_scheduler(load_config(cfg), db_url, BackgroundScheduler)
        scheduler.start(paused=True)
        scheduler.shutdown(wait=False)
        engine = sa.create_engine(db_url)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE apscheduler_jobs SET next_run_time = :t WHERE id = 'crawl'"),
                         {"t": (datetime.now(UTC) - timedelta(days=2)).timestamp()})
        engine.dispose()

        service = subprocess.Popen(cli("serve", "--config", str(cfg)), env=proc_env(db_url), cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            assert portal.first_request.wait(60), "serve did not start the missed crawl"
            manual = run(db_url, tmp_path, "crawl", "--config", str(cfg))
            portal.release()
            store = Store(db_url)
            try:
                def finished() -> bool:
                    with store.session() as session:
                        return any(r.finished_at for r in session.exec(select(JobRun).where(JobRun.job == "crawl")))

                wait_for(finished, "serve's crawl job to finish", 120)
                with store.session() as session:
                    jobs = list(session.exec(select(JobRun).where(JobRun.job == "crawl")))
            finally:
                store.close()
            manual_after = run(db_url, tmp_path, "crawl", "--config", str(cfg))
        finally:
            service.send_signal(signal.SIGTERM)
            try:
                output, _ = service.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                service.kill()
                output, _ = service.communicate()
    assert manual.returncode == 1 and "'crawl' läuft bereits" in manual.stdout + manual.stderr
    assert len(jobs) == 1 and jobs[0].ok, (jobs, output)
    assert manual_after.returncode == 0, manual_after.stdout + manual_after.stderr
    count, distinct, runs = stored(db_url)
    assert count == distinct == expected
    assert len(runs) == 2 and all(r.ok for r in runs)  # serve's crawl, then the later manual one
    assert runs[0].new == 0  # the later manual crawl found everything already stored
    assert service.returncode == 0, output


# -- the digest while a crawl writes ----------------------------------------------------------------


def call(source_id: str, title: str, summary: str) -> FundingCall:
    return FundingCall(source="nrw", source_id=source_id, url=f"https://example.org/{source_id}", title=title,
                       summary=summary, regions=["DE-NW"], applicants=["kommune"], deadline=date(2027, 6, 30))


class CrawlWritesDuringSending(Inbox):
    """Each accepted message is followed by a crawl storing a new matching call — in the window
    between the digest loading its data and recording that it was sent."""

    def __init__(self, db_url: str) -> None:
        super().__init__()
        self.db_url = db_url
        self.active = True
        self.added: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if not self.active:
            return answer
        n = len(self.added) + 1
        store = Store(self.db_url, migrate=False)
        try:
            store.upsert_call(call(f"neu-{n}", f"Gigabit-Ausbau Gewerbegebiete, Aufruf {n}",
                                   "Glasfaser für Gewerbegebiete"))
        finally:
            store.close()
        self.added.append(f"Gigabit-Ausbau Gewerbegebiete, Aufruf {n}")
        return answer


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_a_call_stored_while_the_digest_is_sent_is_new_in_the_next_digest(db_url: str, tmp_path: Path) -> None:
    store = Store(db_url)
    store.upsert_call(call("alt", "Glasfaser für Gewerbegebiete 2026", "Gigabit im Gewerbegebiet"), now=LONG_AGO)
    store.close()
    inbox = CrawlWritesDuringSending(db_url)
    with smtp_server(handler=inbox) as smtp:
        cfg = write_config(tmp_path / "config", smtp_port=smtp.port)
        week1 = run(db_url, tmp_path, "digest", "--send", "--as-of", "2026-11-23", "--config", str(cfg))
        assert week1.returncode == 0, week1.stdout + week1.stderr
        assert len(inbox.added) == 2  # one call stored after each of the two mails
        inbox.active = False  # week 2 is only read
        week2 = run(db_url, tmp_path, "digest", "--send", "--as-of", "2026-11-30", "--config", str(cfg))
        assert week2.returncode == 0, week2.stdout + week2.stderr
    first = {str(m["To"]): body(m) for m in smtp.inbox.messages[:2]}
    second = {str(m["To"]): body(m) for m in smtp.inbox.messages[2:]}
    assert set(first) == set(second) == {DM, IT}
    for recipient in (DM, IT):
        assert "Glasfaser für Gewerbegebiete 2026" in first[recipient]
        # Both calls arrived after week 1's data was loaded, so both are new in week 2 — including
        # the one stored before this recipient's week-1 mail was recorded as sent.
        for title in inbox.added:
            assert f"[NEU] {title}" in second[recipient], (recipient, title, second[recipient])
            assert title not in first[recipient]
        assert "[NEU] Glasfaser für Gewerbegebiete 2026" not in second[recipient]


def test_two_digest_runs_at_once_send_each_recipient_one_mail(db_url: str, tmp_path: Path) -> None:
    store = Store(db_url)
    store.upsert_call(call("alt", "Glasfaser für Gewerbegebiete 2026", "Gigabit im Gewerbegebiet"), now=LONG_AGO)
    store.close()

    class Slow(Inbox):
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            import asyncio

            await asyncio.sleep(1.5)  # keeps the first run inside its lease while the second starts
            return await super().handle_DATA(server, session, envelope)

    with smtp_server(handler=Slow()) as smtp:
        cfg = write_config(tmp_path / "config", smtp_port=smtp.port)
        command = cli("digest", "--send", "--as-of", "2026-11-23", "--config", str(cfg))
        procs = [subprocess.Popen(command, env=proc_env(db_url), cwd=tmp_path, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(3)]
        results = [(p.wait(timeout=180), *p.communicate()) for p in procs]
    sent = sorted(str(m["To"]) for m in smtp.inbox.messages)
    assert sent == sorted([DM, IT])  # exactly once each, whoever sent it
    for code, out, err in results:
        assert "Traceback" not in err
        assert code == 0 or (code == 1 and "'digest' läuft bereits" in out + err), out + err


# -- two match runs writing the matches table -------------------------------------------------------


def test_match_runs_writing_at_once_leave_one_consistent_verdict_set(db_url: str) -> None:
    store = Store(db_url)
    calls = [call(f"c{i}", f"Gigabit {i}", "Glasfaser") for i in range(40)]
    store.upsert_calls(calls)
    rounds = [
        [Match(m, c.id, c.title, c.url, float(50 + r), True, None, "open", [f"Runde {r}"])
         for m in ("breitband", "schulen") for c in calls]
        for r in range(6)
    ]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(rounds))

    def save(matches: list[Match]) -> None:
        writer = Store(db_url, migrate=False)
        try:
            barrier.wait(10)
            for _ in range(3):
                inputs = VerdictInputs(matches[0].reasons[0].ljust(64, "."), date(2026, 12, 1))
                save_matches(writer, "teststadt", matches, inputs)
        except BaseException as exc:  # collected and asserted below: the point of the test
            errors.append(exc)
        finally:
            writer.close()

    threads = [threading.Thread(target=save, args=(m,)) for m in rounds]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        with store.session() as session:
            rows = list(session.exec(select(MatchRecord)))
            states = list(session.exec(select(MatchState)))
    finally:
        store.close()
    assert errors == []
    assert len(rows) == 80 == len({(r.measure_id, r.call_id) for r in rows})
    # The state says which run's verdicts these are: the same writer's for both measures and every row.
    assert len(states) == 2 and {s.inputs.rstrip(".") for s in states} == {(rows[0].reasons or [""])[0]}
    # One writer's set, complete — never a mixture of two runs.
    assert len({tuple(r.reasons or ()) for r in rows}) == 1
