"""Configurations for tests, one way each: a crawl ``Config`` in memory for runner tests, and a config
directory on disk (measures.yaml, portals.yaml, foerderradar.toml) for CLI and service tests.

A test states only what it varies — the measures a match needs, the portal entries, a ``[mail]`` port;
the rest is the same everywhere: a test city in NRW, no download delay, no HTTP cache (the portal is on
127.0.0.1, and a cached page would hide what the test serves).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from foerderradar.crawler.entry.base import PortalBase
from foerderradar.settings import AppSettings, Config, ConfigError, CrawlerSettings, MeasuresFile, load_portals

CITY = "city: {name: Teststadt, region: DE-NW, applicant_types: [kommune]}\n"
# For tests where the measures do not matter (a crawl, a portal check): one measure nothing is about.
ONE_MEASURE = "city: {name: T, region: DE-NW, applicant_types: [kommune]}\nmeasures: [{id: a, title: A}]\n"
MEASURES = MeasuresFile.model_validate(yaml.safe_load(ONE_MEASURE))
FAST_CRAWL = "[crawler]\ndownload_delay = 0\nhttp_cache = false\n"
MAIL_FROM = "radar@kommune.example"
# The digest's recipients in the tests: the digital manager and city IT (who also gets portal alerts).
DM = "digital@kommune.example"
IT = "it@kommune.example"


def crawl_config(directory: Path, *portals: PortalBase, **crawler: Any) -> Config:
    """A crawl of ``portals`` on 127.0.0.1; ``crawler`` overrides the ``[crawler]`` settings below."""
    settings = {"download_delay": 0, "http_cache": False, "timeout_s": 5, "portal_timeout_s": 120, **crawler}
    return Config(directory, MEASURES, list(portals), AppSettings(crawler=CrawlerSettings(**settings)))


def write_portals(directory: Path, *entries: dict[str, Any]) -> Path:
    """``portals.yaml`` with these entries, as city IT would write them; returns the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "portals.yaml").write_text(yaml.safe_dump({"portals": list(entries)}, allow_unicode=True),
                                            encoding="utf-8")
    return directory


def assert_entry_mistake_named(directory: Path, good: dict[str, Any], change: dict[str, Any], expected: str) -> None:
    """A good entry, then the same entry (key ``bad``) with ``change``: loading names the mistake,
    with the file, as ``portals[1].…``."""
    write_portals(directory, good, {**good, "key": "bad", **change})
    with pytest.raises(ConfigError) as info:
        load_portals(directory)
    assert any(
        p.startswith(f"{directory / 'portals.yaml'}: ") and expected in p for p in info.value.problems
    ), info.value.problems


def fdb_portal(base_url: str, key: str = "demo", **extra: str) -> str:
    """``portals.yaml`` with one ``foerderdatenbank`` entry (the demo site's kind) at ``base_url``."""
    more = "".join(f", {name}: {value}" for name, value in extra.items())
    return f"portals:\n  - {{key: {key}, kind: foerderdatenbank{more}, base_url: '{base_url}'}}\n"


def mail(port: int, timeout_s: float) -> str:
    """The ``[mail]`` table for an SMTP server on 127.0.0.1."""
    return f"[mail]\nhost = '127.0.0.1'\nport = {port}\nmail_from = '{MAIL_FROM}'\ntimeout_s = {timeout_s:g}\n"


def write_config_dir(
    directory: Path, *, measures: str = ONE_MEASURE, portals: str = "portals: []\n", toml: str = ""
) -> Path:
    """A config directory for ``--config``: the three files, with these texts; returns the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in (("measures.yaml", measures), ("portals.yaml", portals), ("foerderradar.toml", toml)):
        (directory / name).write_text(text, encoding="utf-8")
    return directory
