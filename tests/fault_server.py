"""A loopback portal that misbehaves on demand: the real crawl path meets real broken HTTP.

Serves a fixture site like :class:`foerderradar.fixture_server.FixtureServer` while ``fault`` is
``"ok"``; switch ``fault`` (for every path, or only for paths containing ``only``) to make it fail:

- ``500``: every answer is an Internal Server Error;
- ``slow``: answers after ``delay`` seconds (longer than the crawler's timeout);
- ``garbage``: 200 with a page/document of the wrong shape (a maintenance page, broken JSON);
- ``oversized``: announces (and starts sending) a body far above Scrapy's DOWNLOAD_MAXSIZE;
- ``oversized_stream``: no Content-Length, streams until the client gives up;
- ``reset``: closes the connection without answering;
- ``truncated``: announces more bytes than it sends, then closes.
- ``redirect_loop``: ``/p`` redirects to ``/p?loop=1``, which redirects back to ``/p``;
- ``redirect_chain``: ``/p`` redirects to ``/hop/1/p``, then ``/hop/2/p`` … and serves ``/p`` after
  ``hops`` redirects (never, with ``hops=None``);
- ``throttle``: the first ``throttle_times`` requests of each path (every one with ``None``) are
  answered ``throttle_status`` (429) with ``Retry-After: <retry_after>`` — delta-seconds, or
  ``date+N`` for an HTTP-date N seconds ahead; a repeat that comes before the instant named last is
  recorded in ``too_early`` (and refused again);
- ``hold``: answers only once ``gate`` is set (the test decides when the crawl may go on).
- ``challenge``: a bot-detection answer — ``challenge_status`` (403) with ``challenge_body`` (a
  Cloudflare-style challenge page; tests/botwall_pages.py has others).

``robots``: when set, the text served as ``/robots.txt`` whatever the fault. Every request's
arrival (path, wall-clock time) is in ``arrivals``.
"""

from __future__ import annotations

import math
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Literal

from botwall_pages import CLOUDFLARE

from foerderradar.background_http import BackgroundHTTPServer
from foerderradar.fixture_server import FixtureSite

Fault = Literal[
    "ok", "500", "slow", "garbage", "oversized", "oversized_stream", "reset", "truncated",
    "redirect_loop", "redirect_chain", "throttle", "hold", "challenge",
]
FAULTS: tuple[Fault, ...] = ("500", "slow", "garbage", "oversized", "oversized_stream", "reset", "truncated")
GARBAGE = {
    "html": b"<!DOCTYPE html><html><body><h1>Wartungsarbeiten</h1><p>Bitte sp\xc3\xa4ter.</p></body></html>",
    "json": b'{"data": {"results": [{"identifier": "X", "title": ',  # cut off mid-document
}
CHUNK = b"x" * 65536


class FaultServer(BackgroundHTTPServer):
    def __init__(self, root: Path, routes: dict[str, str] | None = None, *, delay: float = 30) -> None:
        self.site = FixtureSite(root, routes)
        self.fault: Fault = "ok"
        self.only: str | tuple[str, ...] | None = None  # apply the fault only to paths containing this (any of these)
        self.delay = delay
        self.robots: str | None = None
        self.hops: int | None = None  # redirect_chain: redirects before the page is served
        self.retry_after = "2"  # throttle: the Retry-After value ("N" seconds or "date+N")
        self.throttle_status = 429
        self.throttle_times: int | None = 1
        self.throttled: dict[str, int] = {}  # throttle: path → how often refused with Retry-After
        self.allowed_at: dict[str, float] = {}  # throttle: path → instant a repeat is welcome
        self.too_early: list[tuple[str, float, float]] = []  # (path, arrived, allowed at)
        self.arrivals: list[tuple[str, float]] = []
        self.gate = threading.Event()  # hold: answers wait for it
        self.challenge_status = 403  # challenge: the status and page of the bot-detection answer
        self.challenge_body = CLOUDFLARE
        self.stopping = threading.Event()
        super().__init__("127.0.0.1", 0, self._handler())

    def applies_to(self, path: str) -> bool:
        only = (self.only,) if isinstance(self.only, str) else self.only
        return only is None or any(part in path for part in only)

    def stop(self) -> None:
        self.stopping.set()  # wakes sleeping "slow" handlers so shutdown does not wait for them
        super().stop()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with server.site.lock:
                    server.site.hits.append(self.path)
                    server.arrivals.append((self.path, time.time()))
                if server.robots is not None and self.path == "/robots.txt":
                    self._send(200, server.robots.encode(), "text/plain")
                    return
                fault = server.fault if server.applies_to(self.path) else "ok"
                getattr(self, f"_{fault}")()

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.do_GET()

            def _send(self, status: int, body: bytes, ctype: str, length: int | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                self.wfile.write(body)

            def _ok(self) -> None:
                path = server.site.resolve(self.path)
                if path is None:
                    self._send(404, b"not recorded", "text/plain")
                    return
                ctype = "application/json" if path.suffix == ".json" else "text/html; charset=utf-8"
                self._send(200, path.read_bytes(), ctype)

            def _500(self) -> None:
                self._send(500, b"<h1>Internal Server Error</h1>", "text/html")

            def _slow(self) -> None:
                if not server.stopping.wait(server.delay):
                    self._ok()

            def _garbage(self) -> None:
                is_json = ".json" in self.path or "/v1/" in self.path
                self._send(200, GARBAGE["json" if is_json else "html"], "application/json" if is_json else "text/html")

            def _oversized(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(64 * 1024 * 1024))
                self.end_headers()
                self._stream()

            def _oversized_stream(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                self._stream()

            def _stream(self) -> None:
                try:
                    for _ in range(64 * 1024 * 1024 // len(CHUNK)):
                        if server.stopping.is_set():
                            return
                        self.wfile.write(CHUNK)
                except OSError:  # the client hung up: what a size limit should do
                    return
                finally:
                    self.close_connection = True

            def _reset(self) -> None:
                self.close_connection = True
                self.connection.close()

            def _truncated(self) -> None:
                self._send(200, b"<html><body><div class='card", "text/html", length=100_000)
                self.close_connection = True

            def _redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _redirect_loop(self) -> None:
                if self.path.endswith("loop=1"):
                    self._redirect(self.path.removesuffix("?loop=1").removesuffix("&loop=1"))
                else:
                    self._redirect(self.path + ("&" if "?" in self.path else "?") + "loop=1")

            def _redirect_chain(self) -> None:
                hop, page = 0, self.path
                if page.startswith("/hop/"):
                    number, _, rest = page.removeprefix("/hop/").partition("/")
                    hop, page = int(number), "/" + rest
                if server.hops is not None and hop >= server.hops:
                    self.path = page
                    self._ok()
                else:
                    self._redirect(f"/hop/{hop + 1}{page}")

            def _throttle(self) -> None:
                now = time.time()
                with server.site.lock:
                    allowed = server.allowed_at.get(self.path)
                    times = server.throttled.get(self.path, 0)
                    if allowed is not None and now < allowed:
                        refuse = True
                        server.too_early.append((self.path, now, allowed))
                    elif server.throttle_times is None or times < server.throttle_times:
                        refuse = True
                        allowed = self._retry_instant(now)
                        server.allowed_at[self.path] = allowed
                        server.throttled[self.path] = times + 1
                    else:
                        refuse = False
                if not refuse:
                    self._ok()
                    return
                value = server.retry_after
                header = formatdate(allowed, usegmt=True) if value.startswith("date+") else value
                self.send_response(server.throttle_status)
                self.send_header("Retry-After", header)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "4")
                self.end_headers()
                self.wfile.write(b"slow")

            @staticmethod
            def _retry_instant(now: float) -> float:
                value = server.retry_after
                if value.startswith("date+"):
                    # An HTTP-date has whole seconds: the instant is the next whole second N ahead.
                    return float(math.ceil(now + float(value.removeprefix("date+"))))
                return now + float(value)

            def _challenge(self) -> None:
                self._send(server.challenge_status, server.challenge_body, "text/html; charset=utf-8")

            def _hold(self) -> None:
                while not server.gate.wait(0.05):
                    if server.stopping.is_set():
                        return
                self._ok()

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

