"""Config model of kind ``watch``: single pages watched for changes, each URL one call."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field, field_validator

from foerderradar.crawler.entry.base import STRICT, PortalBase, http_url
from foerderradar.crawler.entry.css import ElementSelector, check_css
from foerderradar.crawler.entry.mapping import CallDefaults


def watch_id(url: str) -> str:
    """The stable ``source_id`` of a watched page: its URL without fragment, scheme and host in lower case.

    A tracking fragment or "HTTPS://" must not make the same page a second call, and the id must
    not depend on anything the page says (a new title is a new version, not a new call).
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    default_port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    port = parts.port
    netloc = host if port is None or port == default_port else f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


class WatchUrl(BaseModel):
    """One watched page: ``{url, title}``; the title, when given, wins over the page's own heading."""

    model_config = STRICT

    url: str
    title: str | None = Field(default=None, min_length=1)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return http_url(value)


class WatchPortal(PortalBase):
    """Pages without structure or feed, watched for changes: each URL is one call.

    The call's description is the normalised text of the page's ``region``; the store records a new
    version (and an ``amended`` event) when that text changes.
    """

    kind: Literal["watch"]
    urls: list[WatchUrl] = Field(min_length=1)
    region: str = "main"
    title: str = "h1"
    ignore: list[ElementSelector] = Field(default_factory=list)
    read_terms: bool = True
    defaults: CallDefaults = Field(default_factory=CallDefaults)

    @field_validator("urls", mode="before")
    @classmethod
    def _plain_urls(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            return [{"url": entry} if isinstance(entry, str) else entry for entry in value]
        return value

    @field_validator("urls")
    @classmethod
    def _unique(cls, value: list[WatchUrl]) -> list[WatchUrl]:
        seen: dict[str, int] = {}
        for index, entry in enumerate(value):
            key = watch_id(entry.url)
            if key in seen:
                raise ValueError(
                    f"{entry.url!r} (Eintrag {index}) ist dieselbe Seite wie Eintrag {seen[key]}; "
                    "einen der beiden löschen"
                )
            seen[key] = index
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        return check_css(value, elements=True)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return check_css(value)

    @field_validator("ignore", mode="before")
    @classmethod
    def _one_ignore_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value
