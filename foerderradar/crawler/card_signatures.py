"""List-page signatures: skip a detail page whose card on the list page has not changed.

For portals that send no validators (no ``ETag``/``Last-Modified``), revalidation cannot save
anything: every detail page is downloaded in full on every crawl. With ``recheck_days: N`` on the
portal entry (opt-in), a detail request is replaced by a :class:`Listed` marker when

- the card that links to it (text and link, hashed by :func:`card_signature`) is the same as when
  the page was last fetched in full, and
- that fetch is not due for a re-check (:func:`recheck_due`): each page is re-fetched at the latest
  after N days, on a day spread by its URL, so the re-checks of a portal whose pages were all first
  fetched on one day do not all fall on one later day.

The trade-off is stated where the key is documented (docs/portal-kinds.md): a change that shows
only on the detail page (a moved deadline) is found at the page's next re-check, up to N days late.
A change of the card, a new card, a card that moved to another URL, or a call that was gone are
always fetched at once. Without ``recheck_days`` this middleware does nothing.

The pipeline turns a :class:`Listed` marker into "seen" (so the call is not marked gone) and records
each full fetch as a page state (url, card signature, call id, time) via ``PAGE_KEY`` on the item.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from parsel import Selector
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response

from foerderradar.crawler.scrapy_settings import crawl_now
from foerderradar.crawler.selectors import clean
from foerderradar.storage import Store
from foerderradar.storage.tables import PageState, utcnow

CARD_META = "foerderradar_card"  # request meta set by spiders: {"url": …, "signature": …}
PAGE_KEY = "_foerderradar_page"  # item key the pipeline pops: (url, card signature)
SKIPPED_STAT = "foerderradar/skipped"
# A page is not re-checked twice on its day when the crawl runs more than once a day.
MIN_RECHECK_AGE = timedelta(hours=20)


def card_signature(card: Selector, url: str) -> str:
    """Hash of the card's visible text and its link: what the list page says about the programme."""
    text = clean(" ".join(card.css("::text").getall()))
    return hashlib.sha256(f"{url}\n{text}".encode()).hexdigest()


def card_meta(card: Selector, url: str) -> dict[str, dict[str, str]]:
    """Request meta for a detail request made from a list card."""
    return {CARD_META: {"url": url, "signature": card_signature(card, url)}}


@dataclass(frozen=True)
class Listed:
    """Item for a call whose card is unchanged and whose detail page was not fetched: still listed."""

    call_id: str
    url: str


def recheck_slot(url: str, days: int) -> int:
    """The day (modulo ``days``) on which the page is re-checked; stable, spread by URL."""
    return int(hashlib.sha256(url.encode()).hexdigest()[:8], 16) % days


def recheck_due(url: str, fetched_at: datetime, now: datetime, days: int) -> bool:
    """Whether a page last fetched in full at ``fetched_at`` must be fetched again now.

    Due after ``days`` days at the latest; earlier on its own slot day (once per cycle), so that in
    a daily crawl about ``1/days`` of the pages are re-checked each day instead of all at once.
    """
    age = now - fetched_at
    if age >= timedelta(days=days):
        return True
    return age >= MIN_RECHECK_AGE and now.date().toordinal() % days == recheck_slot(url, days)


class RecheckMiddleware:
    """Spider middleware: detail requests with an unchanged card become :class:`Listed` markers."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.states: dict[str, PageState] | None = None  # None: inactive for this portal/run
        self.days = 0
        self.now = utcnow()
        self.decided: set[str] = set()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecheckMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        portal = getattr(spider, "portal", None)
        days = getattr(portal, "recheck_days", None)
        settings = self.crawler.settings
        db_url = settings.get("FOERDERRADAR_DB_URL")
        # A dry run (`portals check`) shows what the portal yields: it always fetches every page.
        if portal is None or not days or not db_url or settings.getbool("FOERDERRADAR_DRY_RUN"):
            return
        store = Store(db_url, migrate=False)
        try:
            self.states = store.page_states(portal.key)  # one SELECT for the whole crawl
        finally:
            store.close()
        self.days = int(days)
        self.now = crawl_now(settings) or utcnow()

    def process_spider_output(self, response: Response | None, result: Iterable[Any]) -> Iterator[Any]:
        for obj in result:
            out = self._process(obj, response)
            if out is not None:
                yield out

    async def process_spider_output_async(
        self, response: Response | None, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for obj in result:
            out = self._process(obj, response)
            if out is not None:
                yield out

    def _process(self, obj: Any, response: Response | None) -> Any:
        if self.states is None:
            return obj
        if isinstance(obj, Request):
            return self._request(obj)
        if isinstance(obj, dict) and response is not None and response.request is not None:
            card = response.request.meta.get(CARD_META)
            if card:
                obj[PAGE_KEY] = (card["url"], card["signature"])
        return obj

    def _request(self, request: Request) -> Request | Listed | None:
        card = request.meta.get(CARD_META)
        if not card:
            return request
        url = card["url"]
        # Facets list the same programme many times: the first card decides, the rest would only
        # repeat the decision (or be dropped by the dupefilter anyway).
        if url in self.decided:
            return None
        self.decided.add(url)
        assert self.states is not None
        state = self.states.get(url)
        if (
            state is not None
            and state.card_signature == card["signature"]
            and not recheck_due(url, state.fetched_at, self.now, self.days)
        ):
            return Listed(state.call_id, url)
        return request
