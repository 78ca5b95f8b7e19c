"""The edge between scraping and storage: every item becomes a validated FundingCall or an error.

Spiders yield plain dicts with canonical field names; nothing unvalidated reaches the store. An
invalid item is reported with its URL and the failing fields, counted as an error and dropped —
the other items of the portal are still stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from foerderradar.model import FundingCall
from foerderradar.storage import Store

log = logging.getLogger(__name__)
MAX_MESSAGES = 20
SAMPLE_SIZE = 5


@dataclass
class PortalReport:
    """What the pipeline saw of one portal's crawl."""

    items: int = 0
    new: int = 0
    changed: int = 0
    errors: int = 0
    messages: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    sample: list[dict[str, Any]] = field(default_factory=list)  # dry run: the first items as extracted
    # How many parsed items had each field: shown by `portals check`, stored per run so that a
    # field that suddenly stays empty (a changed layout) can be flagged by portal health.
    filled: dict[str, int] = field(default_factory=dict)
    extracted: int = 0

    def error(self, message: str) -> None:
        self.errors += 1
        if len(self.messages) < MAX_MESSAGES:
            self.messages.append(message)


def validate_item(item: dict[str, Any]) -> FundingCall:
    return FundingCall.model_validate(item)


def describe_validation_error(item: dict[str, Any], exc: ValidationError) -> str:
    where = item.get("url") or item.get("source_id") or "?"
    fields = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
    return f"{where}: ungültiger Eintrag ({fields})"


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        # A dry run (`portals check`) extracts and reports but never touches the database.
        self.dry_run = bool(crawler.settings.getbool("FOERDERRADAR_DRY_RUN"))
        self.store = None if self.dry_run else Store(crawler.settings["FOERDERRADAR_DB_URL"], migrate=False)
        self.report = PortalReport()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        data = dict(item)
        try:
            call = validate_item(data)
        except ValidationError as exc:
            message = describe_validation_error(data, exc)
            self.report.error(message)
            raise DropItem(message) from None
        if call.id in self.report.seen:
            return item  # the same programme reached through two list pages: stored once
        self.report.seen.add(call.id)
        self.report.items += 1
        self._observe(call)
        if self.store is None:
            return item
        outcome = self.store.upsert_call(call)
        if outcome == "new":
            self.report.new += 1
        elif outcome == "changed":
            self.report.changed += 1
        return item

    def _observe(self, call: FundingCall) -> None:
        data = call.model_dump(mode="json")
        self.report.extracted += 1
        for name, value in data.items():
            if value not in (None, [], ""):
                self.report.filled[name] = self.report.filled.get(name, 0) + 1
        if self.dry_run and len(self.report.sample) < SAMPLE_SIZE:
            self.report.sample.append(data)

    def close_spider(self) -> None:
        # Stats are Scrapy's channel back to whoever ran the crawler (see worker.run_portal).
        stats = self.crawler.stats
        assert stats is not None
        for name in ("items", "new", "changed", "errors", "extracted"):
            stats.set_value(f"foerderradar/{name}", getattr(self.report, name))
        stats.set_value("foerderradar/messages", list(self.report.messages))
        stats.set_value("foerderradar/sample", list(self.report.sample))
        stats.set_value("foerderradar/filled", dict(self.report.filled))
        stats.set_value("foerderradar/seen", sorted(self.report.seen))
        if self.store is not None:
            self.store.close()
