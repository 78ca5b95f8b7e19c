"""The outbound proxy of a crawl: ``HTTP_PROXY``, ``HTTPS_PROXY`` and ``NO_PROXY`` from the environment.

City networks almost always send the web through a forward proxy. Scrapy's ``HttpProxyMiddleware``
reads these variables too and tunnels https through ``CONNECT``; the worker process inherits the
environment of ``crawl``/``serve``. But the choice of proxy is made here, per request
(:class:`ProxyChoiceMiddleware`), and Scrapy only applies it — in one place that the network guard and
the failure messages share, and with what Scrapy alone gets wrong for a city network:

- Loopback is never proxied: 127.0.0.1 is this machine, and the proxy's own loopback would be another
  (the demo and ``portals check`` against a local test server keep working behind a proxy, and a
  proxy is never asked to fetch its own 127.0.0.1).
- A proxy variable without a scheme (``proxy.stadt:3128``) means ``http://`` for both variables.
- A redirect is decided again (another host may fall under ``NO_PROXY``).
- :func:`request_proxy` says which proxy a request uses, so the network guard knows that the proxy,
  not this machine, resolves the name (see netguard.py) and a failure can name the proxy.

Only the crawler's HTTP uses the proxy. SMTP (aiosmtplib), the database and Redis connect directly:
none of them reads these variables.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit
from urllib.request import _parse_proxy, getproxies_environment, proxy_bypass_environment  # type: ignore[attr-defined]

from scrapy.http import Request

from foerderradar.netpolicy import host_verdict

PROXY_META = "proxy"  # Scrapy's request.meta key: the proxy URL, or None for a direct connection
CHOSEN_FOR = "foerderradar_proxy_for"  # the URL the proxy in PROXY_META was chosen for


def proxies(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{"http": url, "https": url, "no": hosts}`` as urllib reads them (both cases, lower-case wins).

    ``environ`` is for tests; None reads ``os.environ``.
    """
    if environ is None:
        return dict(getproxies_environment())
    found: dict[str, str] = {}
    for name, value in environ.items():  # the same two passes as urllib.request.getproxies_environment
        if value and name.lower().endswith("_proxy"):
            found[name.lower()[:-6]] = value
    for name, value in environ.items():
        if name.islower() and name.endswith("_proxy"):
            if value:
                found[name[:-6]] = value
            else:
                found.pop(name[:-6], None)  # an empty lower-case variable switches the proxy off
    return found


def proxy_url_for(url: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The proxy URL a request to ``url`` goes through — with its ``user:password@``, for the
    ``Proxy-Authorization`` header — or None for a direct connection.

    None for loopback, for a host ``NO_PROXY`` covers and for a scheme without a proxy variable. A
    value without a scheme (``HTTPS_PROXY=proxy.stadt:3128``, common) means ``http://``, as in curl:
    Scrapy alone would speak TLS to the proxy for the https variable and fail.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    table = proxies(environ)
    if scheme not in ("http", "https") or scheme not in table or not host:
        return None
    if _loopback(host) or proxy_bypass_environment(host, table):
        return None
    value = table[scheme].strip()
    return value if "://" in value else f"http://{value}"


def proxy_for(url: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The proxy a request to ``url`` goes through, as it may be shown (no credentials), or None."""
    chosen = proxy_url_for(url, environ)
    return display(chosen) if chosen else None


def display(proxy_url: str) -> str:
    """A proxy URL as it may be shown: scheme, host and port, never the ``user:password@`` part."""
    try:
        scheme, _user, _password, hostport = _parse_proxy(proxy_url)
    except ValueError:
        return "(unlesbare Proxy-Adresse)"
    return f"{scheme or 'http'}://{hostport}"


def _loopback(host: str) -> bool:
    verdict = host_verdict(host)
    return verdict is not None and verdict.loopback


class ProxyChoiceMiddleware:
    """Before Scrapy's ``HttpProxyMiddleware`` (750), which then applies the choice (credentials included).

    Chooses anew whenever the URL changed — a redirect to another host may fall under ``NO_PROXY`` or be
    loopback; Scrapy itself would keep the first request's proxy for a redirect on the same scheme. A
    proxy a spider put into ``meta`` itself is left alone.
    """

    def process_request(self, request: Request) -> None:
        if request.meta.get(CHOSEN_FOR) == request.url:
            return  # a retry: chosen already
        if PROXY_META in request.meta and CHOSEN_FOR not in request.meta:
            return
        request.meta[PROXY_META] = proxy_url_for(request.url)
        request.meta[CHOSEN_FOR] = request.url


def request_proxy(request: Request) -> str | None:
    """The proxy ``request`` goes (or went) through, as it may be shown, or None.

    The choice in its meta when made for this URL (or set by a spider), else the environment's — the
    network guard (55) asks before the choice (740) is made, and on a redirect the meta is stale.
    """
    chosen_for = request.meta.get(CHOSEN_FOR)
    if chosen_for == request.url or (chosen_for is None and PROXY_META in request.meta):
        chosen = request.meta.get(PROXY_META)
        return display(chosen) if chosen else None
    return proxy_for(request.url)
