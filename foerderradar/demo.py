"""The main job on bundled sample data: serve → crawl → match → digest, all on this machine.

The demo runs the production code path unchanged; only the Förderdatenbank portal's ``base_url``
points to a loopback server with the invented sample pages in ``demo_site/``, and a separate
SQLite file in the output directory keeps demo data out of a real database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from foerderradar.crawler.runner import PortalResult, crawl
from foerderradar.fixture_server import FixtureServer
from foerderradar.settings import Config
from foerderradar.storage import Store
from foerderradar.storage.job_runs import record_end, record_start

DEMO_SITE = Path(__file__).resolve().parent / "demo_site"
DEMO_KINDS = {"foerderdatenbank", "foerderdatenbank_export", "eu_sedia"}  # kinds the bundled site imitates


@dataclass
class DemoResult:
    crawl: list[PortalResult]
    matches: int
    measures: int
    summary: str
    paths: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    database_url: str = ""  # the demo's own SQLite file (the web snapshot reads it)


def demo_config(config: Config, base_url: str) -> Config:
    """The user's config with sample-capable portals redirected to the loopback site, others off."""
    portals = [
        p.model_copy(update={"base_url": base_url, "enabled": True})
        if p.kind in DEMO_KINDS
        else p.model_copy(update={"enabled": False})
        for p in config.portals
    ]
    crawler = config.settings.crawler.model_copy(update={"download_delay": 0.0, "http_cache": False})
    settings = config.settings.model_copy(update={"crawler": crawler})
    return config.replace(portals=portals, settings=settings)


def run_demo(config: Config, out_dir: Path, as_of: date) -> DemoResult:
    """Crawl the sample site, then the same jobs as every other surface (``jobs.py``): regroup,
    the stored verdicts with marks applied, the digest. No health alert: the demo's portals are
    loopback stand-ins, and city IT must not hear about them."""
    from foerderradar.jobs import after_ingest, crawl_summary, digest_summary, match_each, report_page, run_digests
    from foerderradar.matcher.report import render_report

    out_dir = out_dir.resolve()  # printed paths must work from any directory
    out_dir.mkdir(parents=True, exist_ok=True)
    db_file = out_dir / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    store = Store(f"sqlite:///{db_file.resolve()}")
    try:
        # Recorded as runs by hand are (job_runs): `status` on the demo database names them.
        run_id = record_start(store, "crawl")
        with FixtureServer(DEMO_SITE) as server:
            cfg = demo_config(config, server.base_url)
            results = crawl(cfg, store, cache_dir=out_dir / "cache")
        ingested = after_ingest(store)
        matched = match_each(store, cfg, as_of, min_score=cfg.settings.digest.min_score)
        matches = [m for _, found in matched for m in found.matches]
        record_end(store, run_id, *crawl_summary(results, ingested, f", {len(matches)} Treffer"))
        report = out_dir / "report.html"
        min_score = cfg.settings.digest.min_score
        page = (report_page(store, matched[0][0], as_of, matched[0][1], min_score) if len(matched) == 1
                else render_report(matches, "html"))
        report.write_text(page, encoding="utf-8")
        send = bool(os.environ.get("FOERDERRADAR_SMTP_HOST")) and all(
            one.settings.digest.recipients for one in cfg.each()
        )
        run_id = record_start(store, "digest")
        try:
            digests = run_digests(store, cfg, as_of, preview_dir=out_dir, send=send)
        except ValueError as exc:  # checked before anything is sent, as `digest` records it
            record_end(store, run_id, False, str(exc))
            raise
        record_end(store, run_id, *digest_summary(cfg, digests))
        outcomes = [outcome for _, outcome in digests]
    finally:
        store.close()
    notes = [f"Datenbank der Demo: {db_file}"]
    for r in (r for outcome in outcomes for r in outcome.recipients):
        notes.append(f"E-Mail an {r.recipient}: {r.status} {r.message or ''}".rstrip())
    if not send:
        notes.append("Kein Versand (FOERDERRADAR_SMTP_HOST und digest.recipients setzen, um zu senden).")
    return DemoResult(
        crawl=results,
        matches=len(matches),
        measures=len({(m.kommune, m.measure_id) for m in matches}),
        summary=" ".join(outcome.summary for outcome in outcomes),
        paths=[*(p for outcome in outcomes for p in outcome.paths), report],
        notes=notes,
        database_url=f"sqlite:///{db_file}",
    )
