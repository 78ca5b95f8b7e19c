"""Downloader middlewares: the portal's ``base_url``, and failures reported once, in German.

:class:`BaseUrlMiddleware`: spiders always build the portal's real URLs; it swaps scheme and host
on the way out and restores the real URL on the response, so spiders never know they are talking
to a mirror, a test server or the demo on 127.0.0.1 — the live crawl and the tested crawl are one
code path.

The others exist because Scrapy drops some failures silently (a redirect loop, robots.txt) or
handles them impolitely (``Retry-After``, a bot-detection page retried like any 429/503); see each
class.
"""

from __future__ import annotations

import time
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater

from foerderradar.crawler import botwall
from foerderradar.crawler.failures import (
    MAX_MESSAGES,
    describe,
    redirect_loop,
    retry_after_seconds,
    retry_after_too_long,
    robots_forbidden,
    too_many_redirects,
)
from foerderradar.crawler.proxy import request_proxy

ORIGINAL_URL = "foerderradar_original_url"
BOT_WALLS = "foerderradar/bot_walls"  # stats: bot-detection answers met in this crawl
# The Scrapy setting holding ``[crawler] retry_after_max_s``.
RETRY_AFTER_MAX = "FOERDERRADAR_RETRY_AFTER_MAX"
RETRY_AFTER_CODES = frozenset({429, 503})
_RETRY_AFTER_TIMES = "foerderradar_retry_after_times"
_ROBOTS_REFUSAL = "Forbidden by robots.txt"  # RobotsTxtMiddleware's IgnoreRequest text


def real_url(request: Request) -> str:
    """The address city IT knows: the portal's, not the mirror's that ``base_url`` sent it to."""
    return str(request.meta.get(ORIGINAL_URL, request.url))


def report(crawler: Crawler, message: str, *, count: bool = True) -> None:
    """Hand a German failure message to the worker (through stats: Scrapy's channel back).

    ``count``: also count it as an error — not for failures another counter already has.
    """
    stats = crawler.stats
    assert stats is not None
    if count:
        stats.inc_value("foerderradar/download_errors")
    messages = stats.get_value("foerderradar/download_messages") or []
    if len(messages) < MAX_MESSAGES:
        stats.set_value("foerderradar/download_messages", [*messages, message])


def note(crawler: Crawler, message: str) -> None:
    """Hand a German note to the worker: something city IT should know that is not a failure
    (a category code the vocabulary does not know yet). Once per crawl each; does not make the crawl
    partial and does not stop gone detection."""
    stats = crawler.stats
    assert stats is not None
    notes = stats.get_value("foerderradar/notes") or []
    if message not in notes and len(notes) < MAX_MESSAGES:
        stats.set_value("foerderradar/notes", [*notes, message])


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
            if str(exception) == _ROBOTS_REFUSAL:
                # Counted by the worker from Scrapy's robotstxt/forbidden stat; named here, with its URL.
                report(self.crawler, robots_forbidden(real_url(request)), count=False)
            return None  # anything else ignored was reported by whoever ignored it
        settings = self.crawler.settings
        message = describe(
            exception,
            real_url(request),
            timeout_s=settings.getfloat("DOWNLOAD_TIMEOUT"),
            # A request may carry its own limit (the Förderdatenbank export): name the one that applied.
            maxsize=int(request.meta.get("download_maxsize", settings.getint("DOWNLOAD_MAXSIZE"))),
            proxy=request_proxy(request),
        )
        report(self.crawler, message)
        raise IgnoreRequest(message)


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt check, with every request that waits for robots.txt getting the rules.

    Scrapy (2.13+) lets all requests that arrive while a host's robots.txt is being fetched await the
    one shared Deferred through ``asFuture``, which hands the parser to the first waiter and ``None``
    — "no robots.txt, allow everything" — to the others. A portal that forbids crawling then still
    gets some of its first pages fetched (seen in tests/crawler/test_fault_matrix_http.py). Here each waiter
    gets its own Deferred, relayed from the shared one, so each receives the parser.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        mine: Deferred[RobotParser | None] = Deferred()

        def relay(parser: RobotParser | None) -> RobotParser | None:
            mine.callback(parser)
            return parser  # unchanged for the next waiter

        pending.addCallback(relay)
        return await maybe_deferred_to_future(mine)


class ReportingRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirect handling, but a page lost to redirects is an error, not a silence.

    Scrapy drops a request that exceeds ``REDIRECT_MAX_TIMES`` with a DEBUG line, and a loop
    (A → B → A) on a live site is dropped by the duplicate filter without even that. Either way the
    page is missing from an apparently clean crawl — which would then mark its call as gone. Here a
    loop is caught at the first repeated address and both cases are reported and counted, so the
    crawl is incomplete and marks nothing gone.
    """

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        try:
            result = super().process_response(request, response)
        except IgnoreRequest:  # Scrapy's "max redirections reached"
            if _is_robots_txt(request):
                raise  # Scrapy then crawls as if there were no robots.txt: not a page of the portal lost
            message = too_many_redirects(real_url(request), self.max_redirect_times)
            report(self.crawler, message)
            raise IgnoreRequest(message) from None
        if isinstance(result, Request):
            visited = result.meta.get("redirect_urls", [])
            if result.url in visited and not _is_robots_txt(request):
                message = redirect_loop(real_url(request), len(visited))
                report(self.crawler, message)
                raise IgnoreRequest(message)
        return result


class RetryAfterMiddleware:
    """Waits as a throttling portal asks (429/503 with ``Retry-After``) before asking again.

    Scrapy's RetryMiddleware retries a 429 at once, ignoring ``Retry-After``: three more requests
    within a second to a portal that just asked for a pause. Here the whole host is paused until
    the requested instant (every request to it waits in :meth:`process_request`), then the page is
    asked for again — up to ``RETRY_TIMES`` times, after which the normal HTTP-error report applies.
    A pause longer than ``[crawler] retry_after_max_s`` is not waited out: the page is reported, and
    the host is left alone for the rest of this crawl (the next run tries again). Without a readable
    ``Retry-After`` the response is left to RetryMiddleware as before.

    Placed between RetryMiddleware (550) and the network, so it sees the 429 first.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.limit_s = crawler.settings.getfloat(RETRY_AFTER_MAX, 60)
        self.max_times = crawler.settings.getint("RETRY_TIMES")
        self.not_before: dict[str, float] = {}  # host → wall-clock instant it asked us to wait for
        self.given_up: set[str] = set()  # hosts that asked for a pause longer than allowed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).netloc
        if host in self.given_up:
            # Not another message per page: the one for the 429 says the portal is left alone.
            stats = self.crawler.stats
            assert stats is not None
            stats.inc_value("foerderradar/download_errors")
            raise IgnoreRequest("Retry-After beyond retry_after_max_s")
        # Wall-clock, because an HTTP-date names a wall-clock instant; re-checked after each sleep.
        while (left := self.not_before.get(host, 0.0) - time.time()) > 0:
            await maybe_deferred_to_future(deferLater(cast(Any, _reactor()), left, lambda: None))

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in RETRY_AFTER_CODES or request.meta.get("dont_retry"):
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is None:
            return response
        host = urlsplit(request.url).netloc
        if wait > self.limit_s:
            self.given_up.add(host)
            message = retry_after_too_long(response.status, real_url(request), wait, self.limit_s)
            report(self.crawler, message)
            raise IgnoreRequest(message)
        times = int(request.meta.get(_RETRY_AFTER_TIMES, 0)) + 1
        if times > self.max_times:
            request.meta["dont_retry"] = True  # RetryMiddleware would retry at once: report it instead
            return response
        self.not_before[host] = max(self.not_before.get(host, 0.0), time.time() + wait)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("foerderradar/retry_after_waits")
        retry = request.replace(dont_filter=True)
        retry.meta[_RETRY_AFTER_TIMES] = times
        return retry


class BotWallMiddleware:
    """A bot-detection answer (challenge page, captcha, WAF block page) is its own failure.

    Recognised by :func:`foerderradar.crawler.botwall.detect` on 403/429/503 and on 200 pages, it is
    reported once per host in German (``Portal blockiert automatisierte Abrufe: …``), counted as an
    error (so the crawl marks nothing gone) and never handed to the spider — a challenge page would
    otherwise read as a changed layout. It is not retried, and the host is left alone for the rest
    of the crawl: every further request would meet the same wall, and hammering it is how a crawler
    gets blocked for good. Each request skipped that way is counted as an error, not named again.

    Placed at 580: after HttpCompressionMiddleware (590) has decompressed the body, before
    RetryAfterMiddleware (560) and RetryMiddleware (550) would wait for or repeat a 429/503.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.blocked: set[str] = set()  # hosts that answered with a bot-detection page

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BotWallMiddleware:
        return cls(crawler)

    def _count(self, key: str) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(key)

    def process_request(self, request: Request) -> None:
        if urlsplit(request.url).netloc in self.blocked:
            self._count("foerderradar/download_errors")  # the page is missing: the crawl is incomplete
            raise IgnoreRequest("bot wall met earlier in this crawl")

    def process_response(self, request: Request, response: Response) -> Response:
        if _is_robots_txt(request):
            return response  # a challenge there reads as "no rules"; the pages show whether we are blocked
        headers = {"content-type": (response.headers.get("Content-Type") or b"").decode("latin-1")}
        marker = botwall.detect(response.status, headers, response.body)
        if marker is None:
            return response
        host = urlsplit(request.url).netloc
        message = botwall.message(real_url(request), response.status, marker)
        self._count(BOT_WALLS)
        if host in self.blocked:
            self._count("foerderradar/download_errors")  # already named: an answer that was on its way
        else:
            self.blocked.add(host)
            report(self.crawler, message)
        raise IgnoreRequest(message)


def _is_robots_txt(request: Request) -> bool:
    return bool(request.meta.get("dont_obey_robotstxt")) and urlsplit(request.url).path == "/robots.txt"


def _reactor() -> object:
    from twisted.internet import reactor

    return reactor
