"""What every portal kind's config model builds on: the keys every entry has, and the URL check.

A leaf: it imports neither the settings loader nor a kind, so the dependency runs one way —
``settings`` → ``crawler.registry`` → ``crawler.kinds.<kind>.config`` → this module.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Unknown keys are errors (a typo must not fall back to a default silently); stray spaces go.
STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
SLUG = r"^[a-z0-9][a-z0-9_-]*$"  # a portal's key (and a measure's id): part of every stored call's id


def http_url(value: str, example: str = "https://www.portal.de/pfad") -> str:
    """``value`` if it is an absolute http(s) address, else ValueError in city IT's words."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} ist keine http(s)-Adresse; erwartet z. B. {example}")
    return value


class PortalBase(BaseModel):
    """Keys every portal entry may have, whatever its kind."""

    model_config = STRICT

    key: str = Field(pattern=SLUG, max_length=64)
    kind: str
    name: str = ""
    enabled: bool = True
    # Replaces scheme and host of every request (mirrors, tests, the demo on 127.0.0.1).
    base_url: str | None = None
    max_pages: int = Field(default=50, ge=1, le=10_000)
    # Opt-in for URLs on private networks (an internal mirror); see foerderradar/netpolicy.py.
    allow_private_network: bool = False

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        return None if value is None else http_url(value, "http://127.0.0.1:8000").rstrip("/")

    def for_crawl(self, config_dir: Path) -> PortalBase:
        """The entry as a crawl worker receives it.

        A kind whose keys name local paths (``csv``'s ``file``) returns a copy with them made
        absolute against the config directory: the worker is another process, perhaps with another
        working directory, and ``portals.yaml`` itself keeps the path as city IT wrote it.
        """
        return self
