"""The web app's pages as files, for ``make demo``: a newcomer opens ``out/web/index.html`` and sees
the pages for the demo data without starting a server, creating an account or setting a secret.

The pages come from the real app (Flask's test client, a signed-in throwaway admin of the demo
database), visited by following the app's own links from ``/`` — so every page a later change adds is
in the snapshot without touching this module. Links between pages are rewritten to the files; forms
stay (they need the running app, which the banner on every page says, with the command to start it).
"""

from __future__ import annotations

import posixpath
import re
import secrets
from collections import deque
from datetime import date
from html import escape, unescape
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from flask.testing import FlaskClient

from foerderradar.settings import Config
from foerderradar.storage import Store
from foerderradar.web import users
from foerderradar.web.app import create_app

MAX_PAGES = 300
USER = "demo@example.invalid"
# Links never followed: they change something, or are not pages (mail links, calendar files, feeds).
SKIP = ("/logout", "/login", "/rueckmeldung/", "/kalender/", "/static/", "/healthz")
_HREF = re.compile(r'href="(/[^"]*)"')


def file_for(path: str) -> str:
    """The file of an app path: ``/`` → ``index.html``, ``/k/a/`` → ``k/a/index.html``, ``/k/a/fristen``
    → ``k/a/fristen.html``; a query becomes part of the name. Each part is percent-quoted, so ids with
    ':' and '/' (``nrw:foerderdatenbank/…``) give safe names."""
    split = urlsplit(path)
    parts = [quote(unquote(p), safe="") for p in split.path.split("/") if p]
    if split.path.endswith("/") or not parts:
        parts.append("index")
    if split.query:
        parts[-1] += "_" + quote(split.query, safe="")
    return "/".join(parts) + ".html"


def _relative(target: str, page: str) -> str:
    """The href from file ``page`` to file ``target``: relative, and quoted once more (a file named
    ``nrw%3Ax.html`` is reached by ``nrw%253Ax.html``)."""
    return quote(posixpath.relpath(target, posixpath.dirname(page) or "."), safe="/")


def write_snapshot(config: Config, database_url: str, out_dir: Path, *, banner: str, as_of: date) -> list[Path]:
    """Visit the app from ``/`` and write each page under ``out_dir``; returns the files written.
    ``banner``: the sentence (German) each page shows at its top; ``as_of``: the day the pages speak
    for (the demo's, so they show the digest's verdicts)."""
    store = Store(database_url)
    password = secrets.token_urlsafe(24)
    try:
        if users.find(store, USER) is None:
            users.add_user(store, USER, password, "admin", [])
        else:
            users.set_password(store, USER, password)
        client = create_app(config, database_url, secrets.token_urlsafe(48), store=store, as_of=as_of).test_client()
        form = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        signed_in = client.post("/login", data={"email": USER, "password": password,
                                                "csrf_token": token.group(1) if token else ""})
        if signed_in.status_code != 303:
            raise RuntimeError(f"demo sign-in failed with {signed_in.status_code}")
        pages = _visit(client)
    finally:
        store.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    css = out_dir / "static" / "foerderradar.css"
    css.parent.mkdir(exist_ok=True)
    css.write_bytes((Path(__file__).parent / "static" / "foerderradar.css").read_bytes())
    written = [css]
    notice = f'<p class="meldung hinweis" role="note">{escape(banner)}</p>'
    for path, text in pages.items():
        name = file_for(path)

        def link(found: re.Match[str], name: str = name) -> str:
            target = unescape(found.group(1))
            if target.startswith("/static/"):
                return f'href="{_relative(target.lstrip("/"), name)}"'
            if target in pages:
                return f'href="{escape(_relative(file_for(target), name))}"'
            return found.group(0)

        def refresh(found: re.Match[str], name: str = name) -> str:
            return f'url={escape(_relative(file_for(found.group(1)), name))}"'

        html = re.sub(r'url=(/[^"]*)"', refresh, _HREF.sub(link, text))
        main = '<main id="inhalt" tabindex="-1">'
        if main in html:  # the app's pages; the digest preview is the mail's own HTML
            html = html.replace(main, f"{main}\n{notice}", 1)
        else:
            html = re.sub(r"(<body[^>]*>)", lambda found: f"{found.group(1)}\n{notice}", html, count=1)
        target = out_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        written.append(target)
    return written


def _visit(client: FlaskClient) -> dict[str, str]:
    """Every page reachable from ``/`` by the app's links (breadth first, at most MAX_PAGES)."""
    pages: dict[str, str] = {}
    queue = deque(["/"])
    while queue and len(pages) < MAX_PAGES:
        path = queue.popleft()
        if path in pages:
            continue
        response = client.get(path)
        if response.status_code in (301, 302, 303, 307) and response.location.startswith("/"):
            # "/" of a one-municipality instance leads to its Übersicht: a file that does the same.
            target = response.location
            pages[path] = (f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Förderradar</title>'
                           f'<meta http-equiv="refresh" content="0; url={target}"></head>'
                           f'<body><p><a href="{target}">Weiter zur Übersicht</a></p></body></html>')
            queue.append(target)
            continue
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages[path] = text = response.get_data(as_text=True)
        for found in _HREF.finditer(text):
            target = unescape(found.group(1)).split("#", 1)[0]
            # Queries (filters, pages of results) are left out: their number has no bound.
            if target and "?" not in target and target not in pages and not target.startswith(SKIP):
                queue.append(target)
    return pages
