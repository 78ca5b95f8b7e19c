"""A loopback HTTP server for recorded or sample portal pages.

The live crawl code path stays the same; only the portal's ``base_url`` points here. Used by
``make demo`` (bundled sample pages), by the tests (fixtures and ../shared captures) and by the
benchmarks. Portals select pages by query string (facets, pagination), so a plain static server is
not enough: a route table maps ``/path?query`` to a file.

Route table: ``routes.json`` in the site directory (or a dict passed in), ``{"/p?q=1": "file.html"}``.
A request matches a route when the path is equal and the query parameters are equal as a multiset
(order and percent-encoding do not matter); without a route, ``/path`` is served from ``root/path``.
POST is answered like GET (search APIs such as the EU's SEDIA take their filters as a POST body);
the body does not select the file, but it is recorded in ``site.posts`` so tests can check it.
"""

from __future__ import annotations

import json
import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

RouteKey = tuple[str, tuple[tuple[str, str], ...]]


def _route_key(target: str) -> RouteKey:
    parts = urlsplit(target)
    # Portals double-encode some parameters (gtp=%2526…); decode until stable so both spellings match.
    query = parts.query
    for _ in range(3):
        decoded = unquote(query)
        if decoded == query:
            break
        query = decoded
    return unquote(parts.path), tuple(sorted(parse_qsl(query, keep_blank_values=True)))


class FixtureSite:
    def __init__(self, root: Path, routes: dict[str, str] | None = None) -> None:
        self.root = root.resolve()
        table = dict(routes or {})
        routes_file = self.root / "routes.json"
        if routes is None and routes_file.is_file():
            table = json.loads(routes_file.read_text(encoding="utf-8"))
        self.routes: dict[RouteKey, Path] = {_route_key(k): self.root / v for k, v in table.items()}
        self.hits: list[str] = []  # request targets, in order: lets tests and benches count requests
        self.posts: list[tuple[str, bytes]] = []  # (target, body) of every POST, in order
        self.lock = threading.Lock()

    def resolve(self, target: str) -> Path | None:
        key = _route_key(target)
        if key in self.routes:
            return self.routes[key]
        candidate = (self.root / key[0].lstrip("/")).resolve()
        if self.root in candidate.parents and candidate.is_file():
            return candidate
        return None


def _handler(site: FixtureSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with site.lock:
                site.hits.append(self.path)
            self._answer()

        def do_POST(self) -> None:
            # The body must be read off the socket even though it does not choose the file.
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with site.lock:
                site.hits.append(self.path)
                site.posts.append((self.path, body))
            self._answer()

        def _answer(self) -> None:
            path = site.resolve(self.path)
            if path is None or not path.is_file():
                self.send_error(404, "not recorded")
                return
            body = path.read_bytes()
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if ctype.startswith("text/") or ctype in ("application/json", "application/xml"):
                ctype += "; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class FixtureServer:
    """``with FixtureServer(root) as server: server.base_url`` — bound to 127.0.0.1 on a free port."""

    def __init__(self, root: Path, routes: dict[str, str] | None = None, port: int = 0) -> None:
        self.site = FixtureSite(root, routes)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(self.site))
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FixtureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def serve(root: Path, routes: dict[str, str] | None = None) -> Iterator[FixtureServer]:
    with FixtureServer(root, routes) as server:
        yield server
