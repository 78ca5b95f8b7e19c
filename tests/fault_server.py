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
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal

from foerderradar.fixture_server import FixtureSite

Fault = Literal["ok", "500", "slow", "garbage", "oversized", "oversized_stream", "reset", "truncated"]
FAULTS: tuple[Fault, ...] = ("500", "slow", "garbage", "oversized", "oversized_stream", "reset", "truncated")
GARBAGE = {
    "html": b"<!DOCTYPE html><html><body><h1>Wartungsarbeiten</h1><p>Bitte sp\xc3\xa4ter.</p></body></html>",
    "json": b'{"data": {"results": [{"identifier": "X", "title": ',  # cut off mid-document
}
CHUNK = b"x" * 65536


class FaultServer:
    def __init__(self, root: Path, routes: dict[str, str] | None = None, *, delay: float = 30) -> None:
        self.site = FixtureSite(root, routes)
        self.fault: Fault = "ok"
        self.only: str | None = None  # apply the fault only to paths containing this text
        self.delay = delay
        self.stop = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()  # wakes sleeping "slow" handlers so shutdown does not wait for them
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with server.site.lock:
                    server.site.hits.append(self.path)
                fault = server.fault if server.only is None or server.only in self.path else "ok"
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
                if not server.stop.wait(server.delay):
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
                        if server.stop.is_set():
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

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

