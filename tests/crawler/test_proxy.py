"""Crawls through the city's outbound proxy: ``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY``, both cases.

The real path (runner → worker process → Scrapy → middlewares → store) against a real forward proxy on
127.0.0.1 (tests/forward_proxy.py). The portal's host, ``foerderportal.invalid``, resolves nowhere
(RFC 6761 reserves ``.invalid``): only the proxy knows it, mapping it to a fixture server on loopback.
So stored calls prove the crawl went through the proxy, and the proxy's record proves it once more.
"""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from config_files import FAST_CRAWL, crawl_config, write_config_dir
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from forward_proxy import ForwardProxy
from scrapy.http import Request
from smtp_sink import smtp_server
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.crawler.kinds.feed.config import FeedPortal
from foerderradar.crawler.proxy import ProxyChoiceMiddleware, display, proxy_for, request_proxy
from foerderradar.crawler.runner import crawl
from foerderradar.fixture_server import FixtureServer
from foerderradar.notifier.smtp import send_sync
from foerderradar.storage import Store

FIXTURES = Path(__file__).parent.parent / "fixtures" / "feed"
ROUTES = {"/rss/aufrufe.xml": "rss2.xml"}
HOST = "foerderportal.invalid"
FEED_PATH = "/rss/aufrufe.xml"
VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")


@pytest.fixture(autouse=True)
def no_proxy_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sets exactly the variables it is about; none leak in from the machine running it."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def feed(url: str = f"http://{HOST}{FEED_PATH}", **keys: object) -> FeedPortal:
    return FeedPortal.model_validate({"key": "aufrufe", "kind": "feed", "url": url, **keys})


@pytest.fixture
def site() -> Iterator[FixtureServer]:
    with FixtureServer(FIXTURES, ROUTES) as server:
        yield server


@pytest.fixture
def proxy(site: FixtureServer) -> Iterator[ForwardProxy]:
    port = site.httpd.server_address[1]
    with ForwardProxy({HOST: ("127.0.0.1", int(port))}) as server:
        yield server


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- which requests use which proxy -----------------------------------------------------------------

ROUTING = [
    # (environment, url, proxy expected)
    ({"HTTP_PROXY": "http://proxy.stadt:3128"}, "http://portal.de/x", "http://proxy.stadt:3128"),
    ({"http_proxy": "http://proxy.stadt:3128"}, "http://portal.de/x", "http://proxy.stadt:3128"),
    ({"HTTPS_PROXY": "http://proxy.stadt:3128"}, "https://portal.de/x", "http://proxy.stadt:3128"),
    ({"https_proxy": "proxy.stadt:3128"}, "https://portal.de/x", "http://proxy.stadt:3128"),
    ({"HTTP_PROXY": "http://proxy.stadt:3128"}, "https://portal.de/x", None),  # https needs HTTPS_PROXY
    ({"HTTP_PROXY": "http://a:1", "http_proxy": "http://b:2"}, "http://portal.de/x", "http://b:2"),
    ({"HTTP_PROXY": "http://a:1", "http_proxy": ""}, "http://portal.de/x", None),  # as urllib and curl
    ({"HTTP_PROXY": "http://p:1", "NO_PROXY": "portal.de"}, "http://portal.de/x", None),
    ({"HTTP_PROXY": "http://p:1", "no_proxy": ".portal.de"}, "http://www.portal.de/x", None),
    ({"HTTP_PROXY": "http://p:1", "NO_PROXY": "anderes.de"}, "http://portal.de/x", "http://p:1"),
    ({"HTTP_PROXY": "http://p:1", "NO_PROXY": "*"}, "http://portal.de/x", None),
    ({"HTTP_PROXY": "http://p:1"}, "http://127.0.0.1:8000/x", None),  # loopback: never proxied
    ({"HTTP_PROXY": "http://p:1"}, "http://localhost:8000/x", None),
    ({"HTTP_PROXY": "http://stadt:geheim@p:1"}, "http://portal.de/x", "http://p:1"),  # no password shown
    ({}, "http://portal.de/x", None),
]


@pytest.mark.parametrize(("environ", "url", "expected"), ROUTING)
def test_which_proxy_a_request_uses(environ: dict[str, str], url: str, expected: str | None) -> None:
    assert proxy_for(url, environ) == expected


def test_the_choice_is_made_again_after_a_redirect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scrapy keeps a request's proxy for a redirect on the same scheme; NO_PROXY and loopback must win."""
    monkeypatch.setenv("HTTP_PROXY", "http://stadt:geheim@proxy.stadt:3128")
    monkeypatch.setenv("NO_PROXY", "intern.stadt.de")
    choice = ProxyChoiceMiddleware()
    first = Request("http://portal.de/a")
    choice.process_request(first)
    assert first.meta["proxy"] == "http://stadt:geheim@proxy.stadt:3128"  # credentials for Scrapy's header
    assert request_proxy(first) == "http://proxy.stadt:3128"
    for target in ("http://intern.stadt.de/b", "http://127.0.0.1:8080/c"):
        redirected = first.replace(url=target)  # meta copied, as RedirectMiddleware does
        assert request_proxy(redirected) is None  # the guard (55) asks before the choice (740)
        choice.process_request(redirected)
        assert redirected.meta["proxy"] is None
    own = Request("http://portal.de/a", meta={"proxy": None})  # a spider's own choice stays
    choice.process_request(own)
    assert own.meta["proxy"] is None


def test_a_proxy_is_shown_without_its_password() -> None:
    assert display("http://stadt:geheim@proxy.stadt:3128") == "http://proxy.stadt:3128"
    assert "geheim" not in display("https://stadt:geheim@proxy.stadt")


# -- the crawl through a real proxy ------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy"])
def test_crawl_goes_through_the_proxy(
    tmp_path: Path, store: Store, site: FixtureServer, proxy: ForwardProxy, variable: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(variable, proxy.base_url)
    [result] = crawl(crawl_config(tmp_path, feed()), store, cache_dir=tmp_path / "cache")
    assert result.ok and result.errors == 0, result.messages
    assert (result.items, result.new) == (3, 3)
    assert store.count_calls() == 3
    targets = [s.target for s in proxy.seen]
    assert f"http://{HOST}{FEED_PATH}" in targets and f"http://{HOST}/robots.txt" in targets, targets
    assert proxy.hosts_seen() == {HOST}
    assert FEED_PATH in site.site.hits  # forwarded to the portal's server


def test_https_crawl_tunnels_through_the_proxy(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    tls_site = FixtureServer(FIXTURES, ROUTES)  # wrapped in TLS before it starts serving
    tls_site.httpd.socket = _tls_context(tmp_path).wrap_socket(tls_site.httpd.socket, server_side=True)
    with tls_site, ForwardProxy({HOST: ("127.0.0.1", int(tls_site.httpd.server_address[1]))}) as proxy:
        # Written without a scheme, as often in city networks: http:// to the proxy, CONNECT through it.
        monkeypatch.setenv("HTTPS_PROXY", proxy.base_url.removeprefix("http://"))
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # not used for https: would fail
        [result] = crawl(crawl_config(tmp_path, feed(f"https://{HOST}{FEED_PATH}")), store,
                         cache_dir=tmp_path / "cache")
    assert result.ok and result.errors == 0, result.messages
    assert store.count_calls() == 3
    assert {(s.method, s.target) for s in proxy.seen} == {("CONNECT", f"{HOST}:443")}
    assert FEED_PATH in tls_site.site.hits


def test_no_proxy_covering_the_host_bypasses_the_proxy(
    tmp_path: Path, store: Store, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.base_url)
    monkeypatch.setenv("no_proxy", f"localhost,.{HOST.split('.', 1)[1]}")  # .invalid: a suffix, lower case
    [result] = crawl(crawl_config(tmp_path, feed()), store, cache_dir=tmp_path / "cache")
    assert proxy.seen == []
    # Direct, the name resolves nowhere: the crawl fails, and says so in its own words.
    assert not result.ok and store.count_calls() == 0
    assert any("Adresse unbekannt" in m and HOST in m for m in result.messages), result.messages


def test_loopback_portal_is_never_sent_to_the_proxy(
    tmp_path: Path, store: Store, site: FixtureServer, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo and a test server on 127.0.0.1 stay reachable behind a proxy (it has its own loopback)."""
    monkeypatch.setenv("HTTP_PROXY", proxy.base_url)
    monkeypatch.setenv("HTTPS_PROXY", proxy.base_url)
    p = feed("https://foerderung.example.org/rss/aufrufe.xml", base_url=site.base_url)
    [result] = crawl(crawl_config(tmp_path, p), store, cache_dir=tmp_path / "cache")
    assert result.ok and result.items == 3, result.messages
    assert proxy.seen == []


def test_network_policy_still_applies_behind_the_proxy(
    tmp_path: Path, store: Store, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proxy resolves names, but an address written in the URL is checked here, before the proxy."""
    monkeypatch.setenv("HTTP_PROXY", proxy.base_url)
    [result] = crawl(crawl_config(tmp_path, feed("http://169.254.169.254/latest/feed.xml")), store,
                     cache_dir=tmp_path / "cache")
    assert not result.ok
    assert any("Abruf verweigert" in m and "169.254.169.254" in m for m in result.messages), result.messages
    assert proxy.seen == []


def test_proxy_login_from_the_variable(
    tmp_path: Path, store: Store, site: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = int(site.httpd.server_address[1])
    with ForwardProxy({HOST: ("127.0.0.1", port)}, auth="stadt:geheim") as proxy:
        address = proxy.base_url.removeprefix("http://")
        monkeypatch.setenv("HTTP_PROXY", f"http://{address}")
        [refused] = crawl(crawl_config(tmp_path, feed()), store, cache_dir=tmp_path / "cache")
        monkeypatch.setenv("HTTP_PROXY", f"http://stadt:geheim@{address}")
        [ok] = crawl(crawl_config(tmp_path, feed()), store, cache_dir=tmp_path / "cache")
    assert not refused.ok
    assert any("HTTP 407" in m and "der Proxy verlangt eine Anmeldung" in m for m in refused.messages), refused.messages
    assert ok.ok and ok.items == 3, ok.messages
    assert not any("geheim" in m for m in refused.messages + ok.messages)


def test_unreachable_proxy_is_named_and_keeps_stored_data(
    tmp_path: Path, store: Store, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.base_url)
    [first] = crawl(crawl_config(tmp_path, feed()), store, cache_dir=tmp_path / "cache")
    assert first.ok and store.count_calls() == 3, first.messages

    dead = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("HTTP_PROXY", dead)
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", store.url)
    monkeypatch.chdir(tmp_path)
    cfg_dir = write_config_dir(
        tmp_path / "config", toml=FAST_CRAWL + "timeout_s = 5\n",
        portals=f"portals:\n  - {{key: aufrufe, kind: feed, url: 'http://{HOST}{FEED_PATH}'}}\n",
    )
    result = CliRunner().invoke(app, ["crawl", "--config", str(cfg_dir)])
    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())  # rich wraps long lines
    assert f"Proxy nicht erreichbar: {dead}" in output and "HTTP_PROXY" in output, result.output
    assert "Traceback" not in result.output
    run = store.last_runs()["aufrufe"]
    assert not run.ok and dead in (run.message or "")
    # A failed crawl marks nothing gone: the calls of the last good crawl stay as they were.
    assert store.count_calls() == 3
    assert all(call.gone_at is None for call in store.iter_calls())


def test_smtp_never_goes_through_the_proxy(monkeypatch: pytest.MonkeyPatch, proxy: ForwardProxy) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, proxy.base_url)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "radar@kommune.example", "it@kommune.example", "Test"
    message.set_content("Hallo")
    with smtp_server() as server:
        send_sync(message, server.mail())
    assert [m["Subject"] for m in server.inbox.messages] == ["Test"]
    assert proxy.seen == []


def _tls_context(directory: Path) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for HOST (Scrapy does not verify by default,
    as browsers' "proceed anyway": the test is about the tunnel, not about trust)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context
