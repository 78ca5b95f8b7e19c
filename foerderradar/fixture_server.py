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

A route to a directory answers with a zip of that directory (``application/zip``, members named by
their path below it, sorted, with a fixed timestamp): equal files give an equal zip and ETag. The
Förderdatenbank's XML export is one such zip; the demo keeps its documents as readable files.

Validators: by default a GET answer carries a strong ``ETag`` (hash of the body) and
``Last-Modified`` (the file's mtime), and a conditional GET (``If-None-Match``, else
``If-Modified-Since``, as RFC 9110 §13.2.2 orders them) for an unchanged file is answered
``304 Not Modified`` without a body — what a well-behaved portal does, and what lets the crawler's
HTTP cache revalidate instead of downloading again. ``validators=False`` behaves like a portal that
sends neither header and always answers 200 with the full page, the case list-page signatures
(``recheck_days``) are for. Every answer is recorded in ``site.answers`` (target, status, whether
the request was conditional), so tests and benches can count 304s from the server's side.
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from foerderradar.background_http import BackgroundHTTPServer

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


@dataclass(frozen=True)
class Answer:
    """One request as the server saw it: what was asked, what was answered."""

    target: str
    status: int
    conditional: bool  # the request carried If-None-Match or If-Modified-Since


ZIP_DATE = (2026, 1, 1, 0, 0, 0)  # every member's timestamp: the zip's bytes depend on content only


def zip_directory(directory: Path) -> bytes:
    """A deterministic zip of every file below ``directory`` (paths relative to it, ``/``-separated)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(directory).as_posix(), date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _body_and_mtime(path: Path) -> tuple[bytes, float]:
    if path.is_dir():
        mtimes = [p.stat().st_mtime for p in path.rglob("*") if p.is_file()]
        return zip_directory(path), max(mtimes, default=path.stat().st_mtime)
    return path.read_bytes(), path.stat().st_mtime


def etag_of(body: bytes) -> str:
    """A strong entity tag: equal bodies, equal tags (quoted, as RFC 9110 §8.8.3 requires)."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(if_none_match: str | None, if_modified_since: str | None, etag: str, mtime: float) -> bool:
    """Whether a conditional GET may be answered 304 (RFC 9110 §13.2.2: If-None-Match wins)."""
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False  # an unparsable date is ignored, as the RFC says
        return int(mtime) <= since
    return False


class FixtureSite:
    def __init__(self, root: Path, routes: dict[str, str] | None = None, *, validators: bool = True) -> None:
        self.root = root.resolve()
        self.validators = validators
        table = dict(routes or {})
        routes_file = self.root / "routes.json"
        if routes is None and routes_file.is_file():
            table = json.loads(routes_file.read_text(encoding="utf-8"))
        self.routes: dict[RouteKey, Path] = {_route_key(k): self.root / v for k, v in table.items()}
        self.hits: list[str] = []  # request targets, in order: lets tests and benches count requests
        self.posts: list[tuple[str, bytes]] = []  # (target, body) of every POST, in order
        self.answers: list[Answer] = []  # every answer, in order
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
            self._answer(conditional_get=True)

        def do_POST(self) -> None:
            # The body must be read off the socket even though it does not choose the file.
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with site.lock:
                site.hits.append(self.path)
                site.posts.append((self.path, body))
            self._answer(conditional_get=False)

        def _record(self, status: int) -> None:
            conditional = "If-None-Match" in self.headers or "If-Modified-Since" in self.headers
            with site.lock:
                site.answers.append(Answer(self.path, status, conditional))

        def _answer(self, *, conditional_get: bool) -> None:
            path = site.resolve(self.path)
            if path is None or not (path.is_file() or path.is_dir()):
                self._record(404)
                self.send_error(404, "not recorded")
                return
            body, mtime = _body_and_mtime(path)
            etag = etag_of(body)
            # Conditional POSTs mean something else (RFC 9110 §13.1.2: 412, not 304): GET only.
            if site.validators and conditional_get and self._not_modified(etag, mtime):
                self._record(304)
                self.send_response(304)
                self._send_validators(etag, mtime)
                self.end_headers()
                return
            ctype = "application/zip" if path.is_dir() else mimetypes.guess_type(path.name)[0]
            ctype = ctype or "application/octet-stream"
            if ctype.startswith("text/") or ctype in ("application/json", "application/xml"):
                ctype += "; charset=utf-8"
            self._record(200)
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if site.validators and conditional_get:
                self._send_validators(etag, mtime)
            self.end_headers()
            self.wfile.write(body)

        def _not_modified(self, etag: str, mtime: float) -> bool:
            return not_modified(self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since"), etag, mtime)

        def _send_validators(self, etag: str, mtime: float) -> None:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", formatdate(mtime, usegmt=True))

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class FixtureServer(BackgroundHTTPServer):
    """``with FixtureServer(root) as server: server.base_url`` — bound to 127.0.0.1 on a free port."""

    def __init__(
        self, root: Path, routes: dict[str, str] | None = None, port: int = 0, *, validators: bool = True
    ) -> None:
        self.site = FixtureSite(root, routes, validators=validators)
        super().__init__("127.0.0.1", port, _handler(self.site))


@contextmanager
def serve(root: Path, routes: dict[str, str] | None = None, *, validators: bool = True) -> Iterator[FixtureServer]:
    with FixtureServer(root, routes, validators=validators) as server:
        yield server
