"""Downloader middleware that refuses requests to private networks, redirect targets included.

``portals.yaml`` is checked when it is loaded (:mod:`foerderradar.netpolicy`), but a portal decides
where its links and redirects lead, and a public name can resolve to 10.0.0.5 or 169.254.169.254.
So every request is checked once more on its way out, after ``BaseUrlMiddleware`` has put in the
mirror's address and after DNS resolution: a redirect comes back through here as a new request.

Resolution goes through the reactor's resolver, the one the download itself uses; Scrapy's
default resolver caches the answer, so the address checked is the address connected to.

Allowed: public addresses; the host and port of the portal's ``base_url`` (tests and the demo
serve the portal on 127.0.0.1); anything when the entry sets ``allow_private_network: true``; and
the one local file an entry names itself (``file:`` of kind ``csv``, exposed as the entry's
``local_file_url``): reading it is no network fetch, and no other ``file:`` URL gets through.
A refusal raises :class:`RefusedAddress`, which ``FailureReportMiddleware`` turns into the crawl's
German error message and error count like any other failed download.

Behind an outbound proxy (``HTTPS_PROXY``/``HTTP_PROXY``, crawler/proxy.py) this machine connects only
to the proxy, and the proxy resolves the portal's name — often the only resolver that knows public
names in a city network. Then the guard checks what it still can: the host as written (an address
literal, ``localhost``, ``*.local``, a name without a domain: refused as without a proxy) and, where the
local resolver answers, the address it gives (in a city network the proxy usually asks the same DNS
servers; a private answer is refused). A name the local resolver cannot resolve is left to the proxy;
the lookup is bounded (:data:`PROXIED_LOOKUP_TIMEOUT_S`) and done once per host and crawl, so a
network without outside DNS does not stall every request. What the proxy alone resolves to an
internal address is beyond this check: the proxy's own rules must refuse internal destinations
(docs/deployment.md, "Outbound proxy").
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future

from foerderradar.crawler.middleware import ORIGINAL_URL
from foerderradar.crawler.proxy import request_proxy
from foerderradar.netpolicy import OPT_IN_KEY, RefusedAddress, Verdict, address_verdict, host_verdict, parse_ip

REFUSED_STAT = "foerderradar/refused_private"
LOCAL_FILE_ATTR = "local_file_url"  # a portal's own local file as a file: URL, if its kind reads one
# Longest wait for the local resolver when the request goes through a proxy (which resolves the name).
PROXIED_LOOKUP_TIMEOUT_S = 5.0


def _endpoint(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    try:
        port = parts.port or default
    except ValueError:
        port = None
    return (parts.hostname or "").lower(), port


def refusal(url: str, host: str, address: str | None, verdict: Verdict | None, via: str | None) -> str:
    """The German message: which URL, why, where it came from, and what would allow it."""
    where = f"{host} ({address})" if address and address != host else host
    why = verdict.reason if verdict is not None else "kein http:// oder https://"
    came = f" (Weiterleitung beim Abruf von {via})" if via and via != url else ""
    return (
        f"Abruf verweigert: {url} führt zu {where}, {why}{came}. Förderradar ruft nur Adressen im "
        f"öffentlichen Internet ab; für ein internes Portal {OPT_IN_KEY}: true in seinen Eintrag in "
        "portals.yaml schreiben."
    )


class NetworkGuardMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._proxied_lookups: dict[str, str | None] = {}  # host → local answer, for proxied requests

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NetworkGuardMiddleware:
        return cls(crawler)

    def _portal(self) -> Any:
        return getattr(self.crawler.spider, "portal", None)

    async def process_request(self, request: Request) -> None:
        portal = self._portal()
        if getattr(portal, OPT_IN_KEY, False):
            return
        local_file = getattr(portal, LOCAL_FILE_ATTR, None)
        if local_file is not None and request.url == local_file:
            return  # the file the entry names (kind csv): read from disk, not fetched from a network
        base_url = getattr(portal, "base_url", None)
        if base_url and _endpoint(request.url) == _endpoint(base_url):
            return  # the mirror or test server the entry names: chosen on purpose, checked at load
        scheme = urlsplit(request.url).scheme.lower()
        host, _ = _endpoint(request.url)
        address: str | None = None
        verdict = host_verdict(host) if host else None
        if scheme in ("http", "https") and host and verdict is None and parse_ip(host) is None:
            if request_proxy(request) is None:
                address = await self._resolve(host)
            else:
                address = await self._resolve_beside_proxy(host)
            literal = parse_ip(address) if address else None
            verdict = address_verdict(literal) if literal is not None else None
        if scheme in ("http", "https") and host and verdict is None:
            return
        redirects = request.meta.get("redirect_urls") or []
        via = request.meta.get(ORIGINAL_URL) or (redirects[0] if redirects else None)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(REFUSED_STAT)
        raise RefusedAddress(refusal(request.url, host or "?", address, verdict, via))

    @staticmethod
    async def _resolve(host: str) -> str | None:
        """The IPv4 address the download will connect to, or None (the download then reports it)."""
        from twisted.internet import reactor

        try:
            address: str = await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[arg-type]
        except Exception:  # lookup failed or timed out: the download fails and reports it in its words
            return None
        return address

    async def _resolve_beside_proxy(self, host: str) -> str | None:
        """The local resolver's answer for a host the proxy will resolve: bounded, once per host.

        No answer (the name exists only for the proxy's resolver, or there is no outside DNS here)
        lets the request go on to the proxy, which resolves and connects.
        """
        if host in self._proxied_lookups:
            return self._proxied_lookups[host]
        from twisted.internet import reactor

        lookup = reactor.resolve(host)  # type: ignore[arg-type]
        lookup.addTimeout(PROXIED_LOOKUP_TIMEOUT_S, reactor)
        try:
            address: str | None = await maybe_deferred_to_future(lookup)
        except Exception:  # unknown here or timed out: the proxy's resolver decides
            address = None
        self._proxied_lookups[host] = address
        return address
