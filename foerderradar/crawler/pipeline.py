"""The edge between scraping and storage: every item becomes a validated FundingCall or an error.

Spiders yield plain dicts with canonical field names; nothing unvalidated reaches the store. An
invalid item is reported with its URL and the failing fields, counted as an error and dropped —
the other items of the portal are still stored.

Writes only what changed: the portal's ``{call id: content hash}`` is loaded once when the spider
opens, and a call whose hash is unchanged is only added to ``seen`` (so it is not marked gone) —
no UPDATE, no event. A repeat crawl of an unchanged portal therefore writes no call rows.

When the database fails (locked past the busy timeout, connection refused or killed), the crawl of
this portal stops at once: every further page would only wait for the same timeout, and a crawl
that cannot store what it reads must not pretend to be complete. Nothing more is written; each call
stored before is whole (one transaction each), and the next run does the rest.

In a distributed crawl (crawler/distributed.py) several workers share the portal: each call id is
also added to the crawl's shared ``seen`` set *after* it is stored, and counts as an item only for
the worker that added it first. New and changed calls are counted by the coordinator from the
database's change events, which cannot disagree with what was stored — not even when a worker dies
between storing a call and reporting it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from foerderradar.config_reading import field_problems, location
from foerderradar.crawler.card_signatures import PAGE_KEY, Listed
from foerderradar.crawler.failures import MAX_MESSAGES
from foerderradar.crawler.scrapy_settings import crawl_now
from foerderradar.model import FundingCall
from foerderradar.storage import Store, StoreError

if TYPE_CHECKING:
    from foerderradar.crawler.distributed import SharedCrawl

log = logging.getLogger(__name__)
SAMPLE_SIZE = 5


@dataclass
class PortalReport:
    """What the pipeline saw of one portal's crawl."""

    items: int = 0
    new: int = 0
    changed: int = 0
    errors: int = 0
    skipped: int = 0  # listed with an unchanged card: detail page not fetched (recheck_days)
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
    fields = "; ".join(f"{location(loc)}: {message}" for loc, message in field_problems(exc, FundingCall))
    return f"{where}: ungültiger Eintrag ({fields})"


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        # A dry run (`portals check`) extracts and reports but never touches the database.
        self.dry_run = bool(crawler.settings.getbool("FOERDERRADAR_DRY_RUN"))
        self.store = None if self.dry_run else Store(crawler.settings["FOERDERRADAR_DB_URL"], migrate=False)
        self.report = PortalReport()
        self.now = crawl_now(crawler.settings)  # None: stamp each write with the current time
        self.known: dict[str, str] = {}  # call id → content hash as stored (calls not gone)
        self.pages: dict[str, tuple[str, str]] = {}  # url → (card signature, call id) fetched in full
        self.db_error: str | None = None  # the German message once the database failed
        self.shared: SharedCrawl | None = None  # the distributed crawl this worker is part of, if any

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        key = self._portal_key()
        if self.store is not None and key:
            try:
                self.known = self.store.call_hashes(key)  # one SELECT instead of a write per unchanged call
            except StoreError as exc:
                self._database_failed(exc)
                return
            if self.crawler.settings.get("FOERDERRADAR_REDIS_URL"):
                from foerderradar.crawler.distributed import open_shared  # redis: an optional extra

                joined = open_shared(self.crawler.settings, key)
                self.shared = joined[0] if joined else None

    def _database_failed(self, exc: StoreError) -> None:
        if self.db_error is None:
            self.db_error = str(exc)
            log.warning("database failed, stopping the crawl: %s", exc)
            engine = self.crawler.engine
            assert engine is not None
            deferred_from_coro(engine.close_spider_async(reason="database_error"))

    def _portal_key(self) -> str | None:
        portal = getattr(self.crawler.spider, "portal", None)
        return str(portal.key) if portal is not None else None

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Listed):
            return self._listed(item)
        data = dict(item)
        page = data.pop(PAGE_KEY, None)
        try:
            call = validate_item(data)
        except ValidationError as exc:
            message = describe_validation_error(data, exc)
            self.report.error(message)
            raise DropItem(message) from None
        if page is not None:
            self.pages[page[0]] = (page[1], call.id)
        if call.id in self.report.seen:
            return item  # the same programme reached through two list pages: stored once
        self.report.seen.add(call.id)
        self._observe(call)
        if self.store is None:
            self.report.items += 1
            return item
        if self.db_error is not None:
            raise DropItem("database failed earlier in this crawl")
        digest = call.content_hash()
        # Unchanged: seen is all a repeat crawl needs to record.
        if self.known.get(call.id) != digest:
            try:
                outcome = self.store.upsert_call(call, now=self.now)
            except StoreError as exc:
                self._database_failed(exc)
                raise DropItem(str(exc)) from None
            self.known[call.id] = digest
            if outcome in ("new", "changed"):
                setattr(self.report, outcome, getattr(self.report, outcome) + 1)
        self._listed_once(call.id)
        return item

    def _listed_once(self, call_id: str) -> None:
        """Count the call as an item of this crawl — in a shared crawl only for the first worker."""
        if self.shared is None or self.shared.add_seen(call_id):
            self.report.items += 1

    def _listed(self, item: Listed) -> Listed:
        """A call whose card was unchanged: listed (not gone), detail page not fetched, nothing to write."""
        if item.call_id not in self.report.seen:
            self.report.seen.add(item.call_id)
            self.report.skipped += 1
            self._listed_once(item.call_id)
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
        for name in ("items", "new", "changed", "errors", "extracted", "skipped"):
            stats.set_value(f"foerderradar/{name}", getattr(self.report, name))
        stats.set_value("foerderradar/messages", list(self.report.messages))
        stats.set_value("foerderradar/sample", list(self.report.sample))
        stats.set_value("foerderradar/filled", dict(self.report.filled))
        stats.set_value("foerderradar/seen", self.report.seen)  # the set itself: no O(n) copy
        if self.store is not None:
            try:
                # One transaction at the end: a crash loses page states, and the next crawl simply
                # fetches those pages again (the safe direction).
                key = self._portal_key()
                if key and self.db_error is None:
                    saved = self.store.save_page_states(key, self.pages, now=self.now)
                    stats.set_value("foerderradar/pages_saved", saved)
            except StoreError as exc:
                self.db_error = str(exc)
            finally:
                self.store.close()
        stats.set_value("foerderradar/db_error", self.db_error)
