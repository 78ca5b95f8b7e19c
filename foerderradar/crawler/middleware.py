"""Downloader middleware that sends a portal's requests to its ``base_url`` instead.

Spiders always build the portal's real URLs; this middleware swaps scheme and host on the way
out and restores the real URL on the response, so spiders never know they are talking to a mirror,
a test server or the demo on 127.0.0.1 — the live crawl and the tested crawl are one code path.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from foerderradar.crawler.failures import describe

ORIGINAL_URL = "foerderradar_original_url"
MAX_MESSAGES = 20


def rewrite(url: str, base_url: str) -> str:
    base = urlsplit(base_url)
    parts = urlsplit(url)
    prefix = base.path.rstrip("/")
    return urlunsplit((base.scheme, base.netloc, prefix + parts.path, parts.query, parts.fragment))


class BaseUrlMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BaseUrlMiddleware:
        return cls(crawler)

    def _base_url(self) -> str | None:
        spider: scrapy.Spider | None = self.crawler.spider
        portal = getattr(spider, "portal", None)
        return getattr(portal, "base_url", None)

    def process_request(self, request: Request) -> Request | None:
        base_url = self._base_url()
        if not base_url or ORIGINAL_URL in request.meta:
            return None
        if urlsplit(request.url).netloc == urlsplit(base_url).netloc:
            return None
        target = rewrite(request.url, base_url)
        return request.replace(url=target, meta={**request.meta, ORIGINAL_URL: request.url}, dont_filter=True)

    def process_response(self, request: Request, response: Response) -> Response:
        original = request.meta.get(ORIGINAL_URL)
        # Scrapy drops the #fragment from the response URL: compare without it, or a link with a
        # fragment would keep the mirror's address and store 127.0.0.1 as the call's URL.
        if original and response.url.split("#", 1)[0] == request.url.split("#", 1)[0]:
            return response.replace(url=original)
        return response


class FailureReportMiddleware:
    """Turns a request that failed for good (after the retries) into one German message.

    Installed outermost, so it sees the failure only once RetryMiddleware has given up. It raises
    IgnoreRequest afterwards so Scrapy does not log the same failure again in its own words; the
    messages reach the worker through stats (``foerderradar/download_*``).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailureReportMiddleware:
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest):
            return None  # robots.txt refusals and the like are counted elsewhere
        stats = self.crawler.stats
        assert stats is not None
        settings = self.crawler.settings
        message = describe(
            exception,
            request.meta.get(ORIGINAL_URL, request.url),
            timeout_s=settings.getfloat("DOWNLOAD_TIMEOUT"),
            maxsize=settings.getint("DOWNLOAD_MAXSIZE"),
        )
        stats.inc_value("foerderradar/download_errors")
        messages = stats.get_value("foerderradar/download_messages") or []
        if len(messages) < MAX_MESSAGES:
            stats.set_value("foerderradar/download_messages", [*messages, message])
        raise IgnoreRequest(message)
