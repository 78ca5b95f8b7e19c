"""Config model of kind ``feed``: an RSS 2.0, RSS 1.0 or Atom feed, one entry per call.

``fields`` names feed elements; the spider reads every dialect into these names (``FEED_SOURCES``),
so one mapping works whatever the feed speaks.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from foerderradar.config_messages import not_one_of
from foerderradar.crawler.entry.mapping import FieldMap, MappedPortal

FEED_SOURCES = (
    "title", "link", "description", "summary", "content", "guid", "id", "pubDate", "published", "updated",
    "category", "author", "language",
)  # fmt: skip


class FeedFields(FieldMap):
    source_kind: ClassVar[str] = "ein Feed-Element"

    @classmethod
    def check_source(cls, source: str) -> None:
        if source not in FEED_SOURCES:
            message = not_one_of(source, FEED_SOURCES, "kein Feed-Element")
            raise ValueError(f"{message} – oder ein fester Wert {{value: …}}")


class FeedPortal(MappedPortal):
    """An RSS 2.0, RSS 1.0 or Atom feed; every entry is one call."""

    kind: Literal["feed"]
    fields: FeedFields = Field(default_factory=FeedFields)
