"""The configuration every crawl bench runs with: one invented city with one measure, the portal
under test, and no download delay (the server is on 127.0.0.1; a bench measures the crawler, not a
politeness pause). One definition, so the crawl benches differ only in what they say they vary.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from foerderradar.crawler.entry.base import PortalBase
from foerderradar.settings import AppSettings, Config, CrawlerSettings, MeasuresFile

KEY = "bench"  # the portal key: stored ids read "bench:…"
T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # a Monday, 06:00 UTC: the first crawl of a repeat-crawl bench
MEASURES = MeasuresFile.model_validate(
    {"city": {"name": "Bench", "region": "DE-NW", "applicant_types": ["kommune"]},
     "measures": [{"id": "a", "title": "A"}]}
)


def crawl_config(directory: Path, portal: PortalBase, **crawler: Any) -> Config:
    """``crawler``: the ``[crawler]`` settings the bench sets beyond ``download_delay=0``."""
    return Config(directory, MEASURES, [portal], AppSettings(crawler=CrawlerSettings(download_delay=0, **crawler)))
