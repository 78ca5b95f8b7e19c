"""HTTP revalidation: a repeat crawl asks "changed?" instead of downloading every page again.

Scrapy's ``RFC2616Policy`` alone does not give that guarantee:

- Without ``Cache-Control``/``Expires`` it computes a heuristic freshness from ``Last-Modified``
  (a tenth of the page's age, Firefox-style) and serves the cached copy *without asking the server*
  while it is "fresh" — a page unchanged for 100 days would be trusted for 10 days, and a change in
  that window missed. A daily crawler that promises "no missed change" must ask every time.
- It serves the cached copy when the server answers 5xx, and the cache middleware serves it when the
  connection fails. Both hide a broken portal: the crawl would look clean, and one that answers 500
  must be reported (issue 3, failure behaviour).

So :class:`RevalidatingPolicy` always revalidates (``If-None-Match`` / ``If-Modified-Since`` from the
cached response's ``ETag`` / ``Last-Modified``), treats only ``304 Not Modified`` as "use the cached
body", and stores only responses that carry a validator (without one a cached copy can never be
used). :class:`RevalidatingCacheMiddleware` drops the cache's error recovery. A 304 costs one
request and a few hundred bytes of headers; the spider still parses the cached body, so derived
fields (open/closed by today's date) stay current.

:class:`TrafficMiddleware` counts what really crossed the network, because Scrapy's
``downloader/*`` stats sit before the cache and count a 304 as a full-size 200.
"""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.downloadermiddlewares.stats import get_header_size, get_status_size
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Request, Response

# Stats keys the worker reads back (see worker.traffic_counts).
NET_REQUESTS = "foerderradar/net/requests"
NET_DOWNLOADS = "foerderradar/net/downloads"
NET_NOT_MODIFIED = "foerderradar/net/not_modified"
NET_BYTES = "foerderradar/net/bytes"

_VALIDATORS = ((b"ETag", b"If-None-Match"), (b"Last-Modified", b"If-Modified-Since"))


class RevalidatingPolicy(RFC2616Policy):
    """RFC 2616 caching that never trusts freshness: every cached page is revalidated."""

    def should_cache_response(self, response: Response, request: Request) -> bool:
        has_validator = any(name in response.headers for name, _ in _VALIDATORS)
        return has_validator and super().should_cache_response(response, request)

    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        for validator, condition in _VALIDATORS:
            value = cachedresponse.headers.get(validator)
            if value:
                request.headers[condition] = value
        return False

    def is_cached_response_valid(self, cachedresponse: Response, response: Response, request: Request) -> bool:
        return response.status == 304


class RevalidatingCacheMiddleware(HttpCacheMiddleware):
    """Scrapy's HTTP cache without serving stale copies when the portal cannot be reached."""

    def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        # The parent would answer with the cached copy here; the retry and error path must run instead.
        request.meta.pop("cached_response", None)
        return None


class TrafficMiddleware:
    """Counts requests sent and responses received on the wire (placed after the cache).

    A request the cache answers itself never gets here; a 304 is counted as a request and as
    ``not_modified``, not as a download; bytes are status line, headers and body as received
    (before decompression), the same formula as Scrapy's ``downloader/response_bytes``.
    """

    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TrafficMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        self.stats.inc_value(NET_REQUESTS)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if "cached" in response.flags:  # answered from the cache: nothing crossed the network
            return response
        self.stats.inc_value(NET_NOT_MODIFIED if response.status == 304 else NET_DOWNLOADS)
        headers: Any = response.headers
        size = len(response.body) + get_header_size(headers) + get_status_size(response.status) + 4
        self.stats.inc_value(NET_BYTES, size)
        return response
