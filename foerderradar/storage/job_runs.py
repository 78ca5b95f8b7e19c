"""``job_runs``: what ``status`` reports as each job's last run. One history for every way a job
runs — scheduled (``scheduler.py``), by hand (``crawl``, ``digest --send``) and the demo — so a
database never says "noch nie" about a job that did run."""

from __future__ import annotations

from foerderradar.storage.store import Store
from foerderradar.storage.tables import JobRun, utcnow


def record_start(store: Store, job: str, trigger: str = "manual") -> int:
    """A run begins. Until :func:`record_end`, ``status`` calls it "läuft oder abgebrochen"."""
    with store.session() as session:
        run = JobRun(job=job, trigger=trigger, started_at=utcnow())
        session.add(run)
        session.commit()
        assert run.id is not None
        return run.id


def record_end(store: Store, run_id: int, ok: bool, summary: str) -> None:
    with store.session() as session:
        run = session.get(JobRun, run_id)
        if run is not None:
            run.finished_at, run.ok, run.summary = utcnow(), ok, summary
            session.add(run)
            session.commit()
