"""Downloader middleware that sends a portal's requests to its ``base_url`` instead.

Spiders always build the portal's real URLs; this middleware swaps scheme and host on the way
out and restores the real URL on the response, so spiders never know they are talking to a mirror,
a test server or the demo on 127.0.0.1 — the live crawl and the tested crawl are one code path.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Request, Response

ORIGINAL_URL = "foerderradar_original_url"


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
        if original and response.url == request.url:
            return response.replace(url=original)
        return response
