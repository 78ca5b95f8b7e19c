"""Helpers of the web tests (tests/web/). The fixtures ``site`` and ``signed_in`` live in
tests/conftest.py, so that one conftest module serves every folder.

The web app as a browser meets it: served by waitress on 127.0.0.1 (port 0) for a configuration of
two municipalities, with stored calls and three accounts; tests talk real HTTP (``requests``,
redirects not followed, so every status and ``Location`` is seen)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests
from config_files import write_config_dir
from sqlmodel import select

from foerderradar.model import FundingCall
from foerderradar.settings import Config, load_config
from foerderradar.storage import Store
from foerderradar.storage.tables import AuditEntry, MarkRecord
from foerderradar.web import users
from foerderradar.web.app import create_app
from foerderradar.web.server import WebServer
from foerderradar.web.users import Role

SECRET = "test-secret-" + "x" * 40
PASSWORD = "richtig-langes-passwort"
T = datetime(2026, 11, 20, tzinfo=UTC)
VERL = """\
city: {name: Verl, region: DE-NW, applicant_types: [kommune], kreis: Gütersloh}
measures:
  - {id: breitband, title: Glasfaser und Gigabit, keywords: [Glasfaser, Gigabit]}
  - {id: schulen, title: WLAN und Tablets in Schulen, keywords: [WLAN, Schule, Tablets]}
digest: {recipients: [digital@verl.example]}
"""
SHS = """\
city: {name: Schloß Holte-Stukenbrock, region: DE-NW, applicant_types: [kommune], kreis: Gütersloh}
measures:
  - {id: breitband, title: Breitband im Gewerbegebiet, keywords: [Breitband, Glasfaser]}
  - {id: verwaltung, title: E-Akte in der Verwaltung, keywords: [E-Akte, Verwaltung]}
digest: {recipients: [dm@shs.example]}
"""
SHS_SLUG = "schloss-holte-stukenbrock"
CALLS = [
    ("gigabit", "Gigabit Glasfaser für Gewerbegebiete", "Zuschuss für Glasfaser bis ins Gebäude.",
     "https://www.example.org/gigabit"),
    ("wlan-schule", "WLAN für Schulen", "Schulträger erhalten Zuschüsse für WLAN und Tablets.",
     "https://www.example.org/wlan-schule"),
    ("e-akte", "E-Akte in der Kommunalverwaltung", "Einführung der E-Akte in der Verwaltung.",
     "https://www.example.org/e-akte"),
    # Hostile scraped text: markup in the title, an address that would break out of an attribute.
    ("boese", "WLAN Schule <script>alert(1)</script> Tablets", "WLAN und Tablets für Schulen.",
     'https://evil.example/x"><script>alert(2)</script>'),
]
# Accounts: a manager of each municipality and an admin.
VERL_DM, SHS_DM, ADMIN = "dm@verl.example", "dm@shs.example", "admin@kreis.example"


def make_call(source_id: str, title: str, summary: str, url: str) -> FundingCall:
    return FundingCall.model_validate({
        "source": "nrw", "source_id": source_id, "url": url, "title": title, "summary": summary,
        "regions": ["DE-NW"], "applicants": ["kommune"], "deadline": "2027-03-31",
    })


def config_dir(tmp_path: Path, toml: str = "[digest]\nmin_score = 1\n") -> Path:
    directory = write_config_dir(tmp_path / "config", toml=toml)
    (directory / "measures.yaml").unlink()
    (directory / "kommunen").mkdir()
    for slug, text in (("verl", VERL), (SHS_SLUG, SHS)):
        (directory / "kommunen" / f"{slug}.yaml").write_text(text, encoding="utf-8")
    return directory


@dataclass
class Site:
    base_url: str
    store: Store
    config: Config

    def url(self, path: str) -> str:
        return self.base_url + path

    def marks(self) -> list[tuple[str, str, str, str]]:
        with self.store.session() as session:
            rows = session.exec(select(MarkRecord)).all()
            return sorted((r.kommune, r.measure_id, r.call_id, r.mark) for r in rows)

    def audit(self) -> list[AuditEntry]:
        with self.store.session() as session:
            return list(session.exec(select(AuditEntry).order_by(AuditEntry.id)).all())  # type: ignore[arg-type]


# The accounts of the test world: e-mail → (role, municipalities).
ACCOUNTS: dict[str, tuple[Role, list[str]]] = {
    VERL_DM: ("manager", ["verl"]), SHS_DM: ("manager", [SHS_SLUG]), ADMIN: ("admin", []),
}  # fmt: skip


@contextmanager
def running(directory: Path, db_url: str, accounts: dict[str, tuple[Role, list[str]]],
            *, calls: bool = True) -> Iterator[Site]:
    """The web app for the config in ``directory`` on 127.0.0.1, with these accounts and (``calls``)
    the stored calls of CALLS — what every web test, over HTTP or in the browser, talks to."""
    cfg = load_config(directory, need_portals=False)
    store = Store(db_url)
    if calls:
        store.upsert_calls([make_call(*c) for c in CALLS], now=T)
    for email, (role, kommunen) in accounts.items():
        users.add_user(store, email, PASSWORD, role, kommunen)
    try:
        with WebServer(create_app(cfg, db_url, SECRET, store=store), "127.0.0.1", 0) as server:
            yield Site(server.base_url, store, cfg)
    finally:
        store.close()


def serve(tmp_path: Path, db_url: str, toml: str = "[digest]\nmin_score = 1\n") -> Iterator[Site]:
    with running(config_dir(tmp_path, toml), db_url, ACCOUNTS) as site:
        yield site


def browser() -> requests.Session:
    """A browser that shows every redirect instead of following it."""
    return requests.Session()  # every call passes allow_redirects=False


def get(client: requests.Session, url: str, **kw: object) -> requests.Response:
    return client.get(url, allow_redirects=False, timeout=10, **kw)  # type: ignore[arg-type]


def post(client: requests.Session, url: str, data: dict[str, str], **kw: object) -> requests.Response:
    return client.post(url, data=data, allow_redirects=False, timeout=10, **kw)  # type: ignore[arg-type]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, "no csrf_token in the page"
    return found.group(1)


def login(site: Site, email: str, password: str = PASSWORD, client: requests.Session | None = None,
          next_url: str | None = None) -> tuple[requests.Session, requests.Response]:
    client = client or browser()
    token = csrf_of(get(client, site.url("/login")).text)
    data = {"csrf_token": token, "email": email, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client, post(client, site.url("/login"), data)
