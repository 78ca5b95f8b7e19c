"""What a crawl needs of the configuration: the ``[crawler]`` table, and the shape of a config.

The crawler owns its settings model and states, as a Protocol, which parts of the loaded
configuration it reads; :class:`foerderradar.settings.Config` provides them. So the dependency runs
one way — the configuration loader knows the portal kinds (crawler/registry.py) and this table, the
crawler never imports the loader (the layers contract in pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, Field

from foerderradar.crawler.entry.base import STRICT, PortalBase


class CrawlerSettings(BaseModel):
    """``[crawler]`` in foerderradar.toml: politeness and time budgets, for every portal."""

    model_config = STRICT

    contact: str = "foerderradar@example.org"
    download_delay: float = Field(default=0.7, ge=0)
    concurrent_requests: int = Field(default=4, ge=1, le=32)
    obey_robots_txt: bool = True
    http_cache: bool = True
    timeout_s: float = Field(default=30, gt=0)
    portal_timeout_s: float = Field(default=1800, gt=0)  # a whole portal's crawl, then it is killed
    # Longest pause a portal may ask for with 429/503 + Retry-After; longer: reported, tried next run.
    retry_after_max_s: float = Field(default=60, ge=0)


class HasCrawlerSettings(Protocol):
    @property
    def crawler(self) -> CrawlerSettings: ...


class CrawlConfig(Protocol):
    """The loaded configuration as far as a crawl reads it."""

    @property
    def directory(self) -> Path: ...  # relative ``file`` entries are resolved against it

    @property
    def portals(self) -> Sequence[PortalBase]: ...

    @property
    def settings(self) -> HasCrawlerSettings: ...
