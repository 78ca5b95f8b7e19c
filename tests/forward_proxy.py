"""A real HTTP forward proxy on 127.0.0.1, for the crawl-through-a-proxy tests (tests/crawler/test_proxy.py).

What a city's Squid does, as far as a crawler sees it: plain http arrives as an absolute-URI request
(``GET http://host/path HTTP/1.1``) that the proxy forwards; https arrives as ``CONNECT host:443`` and
the proxy tunnels the bytes. The proxy does the name resolution — here from a fixed table ``hosts``
(``{"foerderportal.invalid": ("127.0.0.1", 8123)}``), so a portal whose name resolves nowhere is only
reachable through it. A name not in the table is answered ``502`` (the proxy never connects anywhere
but loopback). ``auth`` ("user:password") makes it demand ``Proxy-Authorization`` (``407`` without).

Every request it handled is recorded in ``seen`` — the assertion that a crawl really went through it.
"""

from __future__ import annotations

import base64
import http.client
import select
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from foerderradar.background_http import BackgroundHTTPServer

# Headers for one hop only (RFC 9110 §7.6.1), never forwarded.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
    "trailer", "transfer-encoding", "upgrade",
})


@dataclass(frozen=True)
class Seen:
    """One request as the proxy got it: ``GET http://foerderportal.invalid/x`` or ``CONNECT host:443``."""

    method: str
    target: str
    host: str  # the destination's name, as the client asked for it
    status: int  # what the proxy answered (200 for an established tunnel)


class ForwardProxy(BackgroundHTTPServer):
    """``with ForwardProxy({"name": ("127.0.0.1", port)}) as proxy: proxy.base_url, proxy.seen``."""

    def __init__(self, hosts: dict[str, tuple[str, int]], *, auth: str | None = None) -> None:
        self.hosts = {name.lower(): address for name, address in hosts.items()}
        self.auth = auth
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        super().__init__("127.0.0.1", 0, _handler(self))

    def record(self, seen: Seen) -> None:
        with self.lock:
            self.seen.append(seen)

    def hosts_seen(self) -> set[str]:
        with self.lock:
            return {s.host for s in self.seen}


def _handler(proxy: ForwardProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as Scrapy talks to a proxy

        def do_CONNECT(self) -> None:
            host, _, port = self.path.rpartition(":")
            if not self._authorised(host, "CONNECT"):
                return
            target = proxy.hosts.get(host.lower())
            if target is None or port != "443":
                self._refuse(host, "CONNECT", 502)
                return
            upstream = socket.create_connection((target[0], target[1]), timeout=10)
            proxy.record(Seen("CONNECT", self.path, host.lower(), 200))
            self.send_response(200, "Connection established")
            self.end_headers()
            self._pipe(self.connection, upstream)
            self.close_connection = True

        def do_GET(self) -> None:
            self._forward()

        def do_HEAD(self) -> None:
            self._forward()

        def do_POST(self) -> None:
            self._forward()

        def _forward(self) -> None:
            parts = urlsplit(self.path)
            host = (parts.hostname or "").lower()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if not self._authorised(host, self.command):
                return
            target = proxy.hosts.get(host)
            if parts.scheme != "http" or target is None:
                self._refuse(host, self.command, 502)
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            upstream = http.client.HTTPConnection(target[0], target[1], timeout=10)
            try:
                path = parts.path or "/"
                upstream.request(self.command, f"{path}?{parts.query}" if parts.query else path, body, headers)
                answer = upstream.getresponse()
                content = answer.read()
            finally:
                upstream.close()
            proxy.record(Seen(self.command, self.path, host, answer.status))
            self.send_response(answer.status, answer.reason)
            for name, value in answer.getheaders():
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.send_header("Via", "1.1 forward-proxy-test")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

        def _authorised(self, host: str, method: str) -> bool:
            if proxy.auth is None:
                return True
            expected = "Basic " + base64.b64encode(proxy.auth.encode()).decode()
            if self.headers.get("Proxy-Authorization") == expected:
                return True
            proxy.record(Seen(method, self.path, host.lower(), 407))
            self.send_response(407, "Proxy Authentication Required")
            self.send_header("Proxy-Authenticate", 'Basic realm="stadtverwaltung"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False

        def _refuse(self, host: str, method: str, status: int) -> None:
            proxy.record(Seen(method, self.path, host.lower(), status))
            text = f"proxy: {host} unknown here".encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        @staticmethod
        def _pipe(client: socket.socket, upstream: socket.socket) -> None:
            """Copy bytes both ways until either side closes (the CONNECT tunnel)."""
            sockets = [client, upstream]
            try:
                while True:
                    readable, _, broken = select.select(sockets, [], sockets, 30)
                    if broken or not readable:
                        return
                    for source in readable:
                        data = source.recv(65536)
                        if not data:
                            return
                        (upstream if source is client else client).sendall(data)
            except OSError:
                return
            finally:
                upstream.close()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler
