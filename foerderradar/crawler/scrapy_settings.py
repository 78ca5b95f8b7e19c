"""Scrapy settings derived from ``[crawler]`` in foerderradar.toml: polite unless told otherwise.

Resource bounds (docs/benchmarks.md, "Resource bounds"): what one portal's crawl may cost.

- ``DOWNLOAD_MAXSIZE`` (10 MiB): a larger response is cancelled and reported ("Antwort zu groß"),
  announced or streamed; ``DOWNLOAD_WARNSIZE`` (2 MiB) logs a warning. Real programme pages are
  30–150 KiB.
- ``DOWNLOAD_TIMEOUT`` (``[crawler] timeout_s``, 30 s): per request, after which it is retried and
  then reported. The whole portal has a time budget too, ``[crawler] portal_timeout_s`` (30 min):
  the worker process is killed after it (runner.py), or, distributed, the coordinator stops the
  crawl (coordinator.py); either way the run is recorded as failed.
- ``MEMUSAGE_LIMIT_MB``: a worker whose memory passes 1 GiB closes its crawl (a failed, partial run,
  never gone detection) instead of taking the machine down; a warning at 512 MiB. A 10,000-page
  crawl peaks far below (bench/resource_bounds.py).
- ``STATS_DUMP`` off: the stats carry the run's seen-id set back to the worker, and dumping them
  would format all of it into a log line nobody sees at level WARNING.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from foerderradar import __version__
from foerderradar.crawler.crawl_settings import CrawlerSettings

PROJECT_URL = "https://github.com/foerderradar/foerderradar"
# The crawl's clock (ISO timestamp) when the caller fixes it — benches and tests simulate the days
# between crawls with it; unset, every write is stamped with the current time as before.
NOW_SETTING = "FOERDERRADAR_NOW"
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
MEMUSAGE_LIMIT_MB = 1024
MEMUSAGE_WARNING_MB = 512


def crawl_now(settings: Any) -> datetime | None:
    """The fixed time of this crawl, or None to use the current time."""
    value = settings.get(NOW_SETTING)
    return datetime.fromisoformat(value) if value else None


def user_agent(contact: str) -> str:
    # Portal operators should be able to see who crawls them and whom to write to.
    return f"Foerderradar/{__version__} (+{PROJECT_URL}; {contact})"


def build_settings(crawler: CrawlerSettings, cache_dir: Path) -> dict[str, Any]:
    return {
        "BOT_NAME": "foerderradar",
        "USER_AGENT": user_agent(crawler.contact),
        "ROBOTSTXT_OBEY": crawler.obey_robots_txt,
        "DOWNLOAD_DELAY": crawler.download_delay,
        "AUTOTHROTTLE_ENABLED": crawler.download_delay > 0,
        "AUTOTHROTTLE_START_DELAY": max(crawler.download_delay, 0.1),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "CONCURRENT_REQUESTS": crawler.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawler.concurrent_requests,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 3,
        "RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
        # 429/503 with Retry-After wait as told, up to this long (crawler/middleware.py).
        "FOERDERRADAR_RETRY_AFTER_MAX": crawler.retry_after_max_s,
        "REDIRECT_MAX_TIMES": 20,  # Scrapy's and the browsers' limit; more is reported, not followed
        "DOWNLOAD_TIMEOUT": crawler.timeout_s,
        "DOWNLOAD_MAXSIZE": DOWNLOAD_MAXSIZE,
        "DOWNLOAD_WARNSIZE": DOWNLOAD_WARNSIZE,
        "MEMUSAGE_ENABLED": True,
        "MEMUSAGE_LIMIT_MB": MEMUSAGE_LIMIT_MB,
        "MEMUSAGE_WARNING_MB": MEMUSAGE_WARNING_MB,
        "STATS_DUMP": False,
        # Every cached page is revalidated (If-None-Match / If-Modified-Since), never trusted on a
        # freshness heuristic, and never served in place of an error (crawler/http_cache.py).
        "HTTPCACHE_ENABLED": crawler.http_cache,
        "HTTPCACHE_POLICY": "foerderradar.crawler.http_cache.RevalidatingPolicy",
        "HTTPCACHE_DIR": str(cache_dir.resolve()),
        "HTTPCACHE_IGNORE_HTTP_CODES": [429, 500, 502, 503, 504],
        "DOWNLOADER_MIDDLEWARES": {
            # Outermost: sees a failure once, after RetryMiddleware (550) has given up.
            "foerderradar.crawler.middleware.FailureReportMiddleware": 40,
            "foerderradar.crawler.middleware.BaseUrlMiddleware": 50,
            # After base_url is applied, so it sees the address really contacted (redirects too).
            "foerderradar.crawler.netguard.NetworkGuardMiddleware": 55,
            # Scrapy's own lets some requests past a forbidding robots.txt (see the class).
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "foerderradar.crawler.middleware.SharedRobotsTxtMiddleware": 100,
            # Before RetryMiddleware (550) sees a 429/503: honours Retry-After instead of retrying at once.
            "foerderradar.crawler.middleware.RetryAfterMiddleware": 560,
            # A bot-detection page (challenge, captcha, WAF block) is reported as such, never retried or
            # parsed; after decompression (590), before Retry-After (560) and retries (550).
            "foerderradar.crawler.middleware.BotWallMiddleware": 580,
            # Redirect loops and over-long chains are reported, not dropped in silence.
            "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
            "foerderradar.crawler.middleware.ReportingRedirectMiddleware": 600,
            # HTTP_PROXY/HTTPS_PROXY/NO_PROXY per request (loopback direct); Scrapy's HttpProxyMiddleware
            # (750) applies the choice.
            "foerderradar.crawler.proxy.ProxyChoiceMiddleware": 740,
            "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,
            "foerderradar.crawler.http_cache.RevalidatingCacheMiddleware": 900,
            "foerderradar.crawler.http_cache.TrafficMiddleware": 950,  # after the cache: the wire
        },
        # Skips detail pages whose list card is unchanged, for portals with recheck_days.
        "SPIDER_MIDDLEWARES": {"foerderradar.crawler.card_signatures.RecheckMiddleware": 100},
        "ITEM_PIPELINES": {"foerderradar.crawler.pipeline.StorePipeline": 300},
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "COOKIES_ENABLED": False,
    }
