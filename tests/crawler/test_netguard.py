"""Private networks: refused in portals.yaml unless the entry opts in, and refused again at crawl time.

The crawl-time cases run the real path (runner → worker process → Scrapy → middlewares) against two
loopback servers: the portal on 127.0.0.1 (its ``base_url``, allowed) and an "internal" service on
127.0.0.2 that the portal redirects to. The internal server counts its hits, so a guard that lets
the redirect through fails the test even if the error message were right.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from config_files import crawl_config, write_portals

from foerderradar.background_http import BackgroundHTTPServer
from foerderradar.crawler.kinds.json.config import JsonPortal
from foerderradar.crawler.runner import crawl
from foerderradar.netpolicy import host_verdict, portal_url_problems, url_shape_problem
from foerderradar.settings import ConfigError, load_portals
from foerderradar.storage import Store

# -- the address table ----------------------------------------------------------------------------

HOSTS = [
    # (host as written in a URL, public?, loopback?)
    ("www.foerderdatenbank.de", True, False),
    ("api.tech.ec.europa.eu", True, False),
    ("8.8.8.8", True, False),
    ("2a00:1450:4001::1", True, False),
    ("127.0.0.1", False, True),
    ("127.1.2.3", False, True),
    ("localhost", False, True),
    ("LOCALHOST.", False, True),
    ("portal.localhost", False, True),
    ("::1", False, True),
    ("2130706433", False, True),  # 127.0.0.1 as one decimal number: getaddrinfo accepts it
    ("0x7f.1", False, True),
    ("0177.0.0.1", False, True),
    ("::ffff:127.0.0.1", False, True),
    ("10.0.0.1", False, False),
    ("172.16.5.4", False, False),
    ("192.168.178.1", False, False),
    ("169.254.169.254", False, False),  # cloud metadata
    ("fe80::1", False, False),
    ("fd12:3456::1", False, False),
    ("::ffff:10.1.1.1", False, False),
    ("100.64.0.1", False, False),
    ("0.0.0.0", False, False),
    ("224.0.0.251", False, False),
    ("intranet", False, False),
    ("nas.local", False, False),
    ("metadata.google.internal", False, False),
    ("fritz.box.lan", False, False),
]


@pytest.mark.parametrize(("host", "public", "loopback"), HOSTS)
def test_host_verdicts(host: str, public: bool, loopback: bool) -> None:
    verdict = host_verdict(host)
    assert (verdict is None) == public, verdict
    assert bool(verdict and verdict.loopback) == loopback


SHAPES = [
    ("https://www.example.org/a", None),
    ("http://", "keinen Rechnernamen"),
    ("http://user@/x", "keinen Rechnernamen"),
    ("http://x.example.org:99999/", "keine gültige Adresse"),
    ("http://[::1/", "keine gültige Adresse"),
    ("http://exa mple.org/", "kein gültiger Rechnername"),
    ("http://x.example.org:0/", "Port 0"),
    ("https://bücher.example.de/", None),  # an IDN is a valid name
]


@pytest.mark.parametrize(("url", "problem"), SHAPES)
def test_url_shapes(url: str, problem: str | None) -> None:
    found = url_shape_problem(url)
    assert (found is None) if problem is None else (found is not None and problem in found), found


# -- portals.yaml ---------------------------------------------------------------------------------

PUBLIC = "https://foerderung.example.org"
ENTRIES: list[tuple[dict[str, Any], str | None]] = [
    # (entry, location named in the error; None = the entry loads)
    ({"kind": "feed", "url": "http://10.0.0.7/feed.xml"}, "url"),
    ({"kind": "feed", "url": PUBLIC + "/feed.xml", "base_url": "http://127.0.0.1:8000"}, None),
    ({"kind": "feed", "url": PUBLIC + "/feed.xml", "base_url": "http://localhost:8000"}, None),
    ({"kind": "feed", "url": PUBLIC + "/feed.xml", "base_url": "http://[::1]:8000"}, None),
    ({"kind": "feed", "url": PUBLIC + "/feed.xml", "base_url": "http://192.168.0.10"}, "base_url"),
    ({"kind": "feed", "url": "http://localhost/feed.xml"}, "url"),  # loopback only as base_url
    ({"kind": "json", "url": "http://169.254.169.254/latest/meta-data/", "items": ""}, "url"),
    # url_template builds the link shown in the digest; it is never fetched, so it is not checked.
    ({"kind": "json", "url": PUBLIC + "/api", "items": "", "url_template": "http://10.1.1.1/c/{id}"}, None),
    ({"kind": "html", "list_urls": [PUBLIC + "/a", "http://[fd00::5]/b"], "item": "li"}, "list_urls[1]"),
    ({"kind": "html", "list_urls": "http://intranet/liste", "item": "li"}, "list_urls[0]"),
    ({"kind": "watch", "urls": [PUBLIC + "/p", {"url": "http://nas.local/p"}]}, "urls[1].url"),
    ({"kind": "foerderdatenbank", "start_urls": ["http://2130706433/suche"]}, "start_urls[0]"),
    ({"kind": "eu_sedia", "api_url": "http://172.20.0.2/search"}, "api_url"),
    ({"kind": "eu_sedia", "api_url": "http://172.20.0.2/search", "allow_private_network": True}, None),
    ({"kind": "watch", "urls": ["http://nas.local/p"], "allow_private_network": True}, None),
    ({"kind": "feed", "url": PUBLIC + "/f", "base_url": "http://192.168.0.10", "allow_private_network": True}, None),
    # Not addresses: a selector and a literal named "url" must not be read as one.
    ({"kind": "html", "list_urls": PUBLIC, "item": "li", "fields": {"url": "a::attr(href)"}}, None),
]


@pytest.mark.parametrize(("entry", "where"), ENTRIES)
def test_private_urls_need_the_opt_in(tmp_path: Path, entry: dict[str, Any], where: str | None) -> None:
    write_portals(tmp_path, {"key": "p0", **entry})
    if where is None:
        load_portals(tmp_path)
        return
    with pytest.raises(ConfigError) as info:
        load_portals(tmp_path)
    [problem] = info.value.problems
    assert problem.startswith(f"{tmp_path / 'portals.yaml'}: portals[0].{where}: "), problem
    assert "allow_private_network: true" in problem
    assert "nicht im öffentlichen Internet" in problem


def test_opt_in_key_is_a_boolean(tmp_path: Path) -> None:
    entry = {"key": "p0", "kind": "feed", "url": "http://10.0.0.7/f", "allow_private_network": "vielleicht"}
    write_portals(tmp_path, entry)
    with pytest.raises(ConfigError, match=r"portals\[0\]\.allow_private_network:"):
        load_portals(tmp_path)


def test_every_url_key_of_every_kind_is_found() -> None:
    """A kind's address keys are found by name: a new kind cannot slip past the check unnoticed."""
    from foerderradar.crawler.registry import KINDS

    url_keys = {
        name for kind in KINDS.values() for name in kind.config_model.model_fields
        if name in ("url", "urls") or name.endswith(("_url", "_urls"))
    }
    assert url_keys == {"url", "urls", "base_url", "api_url", "start_urls", "list_urls"}
    entry = {"url": "http://10.9.9.9/"}
    assert portal_url_problems(entry)[0][0] == "url"


# -- crawl time -----------------------------------------------------------------------------------

CALLS = {"results": [{"id": "A-1", "url": PUBLIC + "/aufruf/A-1", "title": "Digitale Verwaltung 2027"}]}


class Site(BackgroundHTTPServer):
    """A loopback HTTP server answering from ``routes``: path → (status, headers, body); counts hits."""

    def __init__(self, host: str, routes: dict[str, tuple[int, dict[str, str], bytes]]) -> None:
        self.routes = routes
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits.append(self.path)
                status, headers, body = site.routes.get(self.path, (404, {}, b"nicht gefunden"))
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(host, 0, Handler)


JSON = {"Content-Type": "application/json"}


@pytest.fixture
def internal() -> Iterator[Site]:
    """The "internal service": a second loopback address, as 10.x or the metadata service would be."""
    body = json.dumps(CALLS).encode()
    with Site("127.0.0.2", {"/api/calls": (200, JSON, body), "/robots.txt": (404, {}, b"")}) as site:
        yield site


def portal_site(internal_url: str) -> Site:
    body = json.dumps(CALLS).encode()
    return Site("127.0.0.1", {
        "/api/calls": (302, {"Location": internal_url + "/api/calls"}, b""),
        "/api/moved": (301, {"Location": "/api/here"}, b""),
        "/api/here": (200, JSON, body),
        "/robots.txt": (404, {}, b""),
    })


def api(base_url: str | None, path: str, **extra: Any) -> JsonPortal:
    return JsonPortal.model_validate({
        "key": "api", "kind": "json", "url": PUBLIC + path, "items": "results", **extra,
        **({"base_url": base_url} if base_url else {}),
    })


def test_redirect_to_a_private_address_is_refused_and_reported(tmp_path: Path, sqlite_url: str, internal: Site) -> None:
    store = Store(sqlite_url)
    try:
        with portal_site(internal.base_url) as site:
            [result] = crawl(crawl_config(tmp_path, api(site.base_url, "/api/calls")), store, cache_dir=tmp_path / "c")
        assert "/api/calls" in site.hits
        assert internal.hits == []  # refused before a connection was made
        assert not result.ok and result.items == 0 and result.errors >= 1
        refused = [m for m in result.messages if m.startswith("Abruf verweigert: ")]
        assert refused, result.messages
        assert f"{internal.base_url}/api/calls" in refused[0]
        assert f"Weiterleitung beim Abruf von {PUBLIC}/api/calls" in refused[0]
        assert "allow_private_network: true" in refused[0]
        assert list(store.iter_calls()) == []
    finally:
        store.close()


def test_redirect_is_followed_with_the_opt_in(tmp_path: Path, sqlite_url: str, internal: Site) -> None:
    store = Store(sqlite_url)
    try:
        with portal_site(internal.base_url) as site:
            portal = api(site.base_url, "/api/calls", allow_private_network=True)
            [result] = crawl(crawl_config(tmp_path, portal), store, cache_dir=tmp_path / "c")
        assert "/api/calls" in internal.hits
        assert result.ok and result.items == 1, result.messages
    finally:
        store.close()


def test_redirect_within_the_base_url_host_is_allowed(tmp_path: Path, sqlite_url: str, internal: Site) -> None:
    store = Store(sqlite_url)
    try:
        with portal_site(internal.base_url) as site:
            [result] = crawl(crawl_config(tmp_path, api(site.base_url, "/api/moved")), store, cache_dir=tmp_path / "c")
        assert site.hits.count("/api/here") == 1
        assert result.ok and result.items == 1 and result.errors == 0, result.messages
        assert [c.url for c in store.iter_calls()] == [PUBLIC + "/aufruf/A-1"]
    finally:
        store.close()


def test_private_portal_url_without_base_url_is_refused_at_crawl_time(
    tmp_path: Path, sqlite_url: str, internal: Site
) -> None:
    """An entry built in code (not loaded from portals.yaml) still cannot reach a private host."""
    store = Store(sqlite_url)
    try:
        portal = JsonPortal.model_validate(
            {"key": "api", "kind": "json", "url": internal.base_url + "/api/calls", "items": "results"}
        )
        [result] = crawl(crawl_config(tmp_path, portal), store, cache_dir=tmp_path / "c")
        assert internal.hits == []
        assert any(m.startswith(f"Abruf verweigert: {internal.base_url}/api/calls") for m in result.messages)
    finally:
        store.close()
