"""*Portale* in a real browser (the pattern of tests/web/test_browser.py: Debian's headless chromium
through Playwright, axe-core from ``axe-playwright-python``, no network): city IT opens the page, checks a
portal served on 127.0.0.1 and switches one off — by the buttons' accessible names — and axe-core finds no
WCAG 2.1 A/AA violation on the page (with runs, and with a broken portals.yaml) nor on the check result
(recognised items, and a failure).

Skipped without chromium or Playwright unless FOERDERRADAR_REQUIRE_BROWSER=1; same ``xdist_group`` as
test_browser.py, so one worker runs the browser tests one after another.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browser_pages import axe_violations, describe, page_opener
from web_site import ADMIN, Site, config_dir, running

from foerderradar.fixture_server import FixtureServer
from foerderradar.storage.store import RunStats
from foerderradar.web.users import Role

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feed"
IT = "it@verl.example"
TOML = "[crawler]\ndownload_delay = 0\nhttp_cache = false\nportal_timeout_s = 60\n"
PORTALS = """\
portals:
  # Der Feed des Landes, hier auf 127.0.0.1
  - key: land
    kind: feed
    name: Förderaufrufe des Landes
    url: https://foerderung.example.org/rss/aufrufe.xml
    base_url: {feed}
  - key: tot
    kind: feed
    name: Ein Portal, das nicht antwortet
    enabled: false
    url: https://tot.example.org/feed.xml
    base_url: {dead}
"""


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app with two portals — ``land`` served on 127.0.0.1 (with stored runs), ``tot`` on a closed
    port — and an IT account, on SQLite."""
    tmp = tmp_path_factory.mktemp("browser-portale")
    directory = config_dir(tmp, TOML)
    with FixtureServer(FEEDS, {"/rss/aufrufe.xml": "rss2.xml"}) as feed:
        (directory / "portals.yaml").write_text(
            PORTALS.format(feed=feed.base_url, dead=f"http://127.0.0.1:{_closed_port()}"), encoding="utf-8")
        accounts: dict[str, tuple[Role, list[str]]] = {IT: ("it", ["verl"]), ADMIN: ("admin", [])}
        with running(directory, f"sqlite:///{tmp / 'web.db'}", accounts, calls=False) as site:
            for portal, ok, items, message in [("land", True, 3, None), ("land", False, 0, "Verbindung abgelehnt"),
                                               ("tot", False, 0, "HTTP 404")]:
                run_id = site.store.start_run(portal)
                site.store.finish_run(run_id, RunStats(items=items, errors=0 if ok else 1), ok=ok, message=message)
            yield site


@pytest.fixture
def open_page(chromium_browser: Browser, live: Site) -> Iterator[Callable[[str], Page]]:
    """A page in a fresh browser context, signed in through the form as ``user``."""
    with page_opener(chromium_browser, live, timeout_ms=90_000) as new:  # a check waits for its worker
        yield new


def assert_accessible(page: Page, name: str) -> None:
    assert page.title().endswith("– Förderradar") and page.locator("h1").count() == 1
    violations = axe_violations(page)
    assert not violations, f"axe-core on {name} ({page.url}):\n{describe(violations)}"


@pytest.mark.parametrize("user", [IT, ADMIN])
def test_portale_page_is_accessible(open_page: Callable[[str], Page], live: Site, user: str) -> None:
    page = open_page(user)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Portale").click()
    assert page.url == live.url("/portale")
    assert page.get_by_role("heading", level=3, name="Förderaufrufe des Landes").count() == 1
    assert page.get_by_role("table", name="Letzte Abrufe: Förderaufrufe des Landes").count() == 1
    assert_accessible(page, "portale")


# (portal, heading of the result page, role of the first message)
CHECKS = [("land", "3 Einträge erkannt.", "status"), ("tot", "Der Abruf ist fehlgeschlagen", "alert")]


@pytest.mark.parametrize(("key", "text", "role"), CHECKS)
def test_check_result_page_is_accessible(
    open_page: Callable[[str], Page], live: Site, key: str, text: str, role: str
) -> None:
    page = open_page(IT)
    page.goto(live.url("/portale"))
    with page.expect_navigation():
        page.get_by_role("button", name=f"Portal {key} prüfen").click()
    assert page.url == live.url("/portale/pruefen")
    assert text in page.get_by_role(role).first.inner_text()
    assert_accessible(page, f"prüfen {key}")


def test_switching_off_and_on_by_the_buttons_names(open_page: Callable[[str], Page], live: Site) -> None:
    path = live.config.directory / "portals.yaml"
    before = path.read_text(encoding="utf-8")
    page = open_page(ADMIN)
    page.goto(live.url("/portale"))
    page.get_by_role("button", name="Portal land abschalten").click()
    page.wait_for_url(live.url("/portale?erledigt=abgeschaltet&portal=land"))
    assert page.get_by_role("status").inner_text() == "Portal land ist jetzt abgeschaltet."
    assert_accessible(page, "portale nach dem Abschalten")
    page.get_by_role("button", name="Portal land einschalten").click()
    page.wait_for_url(live.url("/portale?erledigt=eingeschaltet&portal=land"))
    after = path.read_text(encoding="utf-8")
    # "enabled" was not set: switching off added the line, switching on set it to true (one line more)
    assert after.replace("    enabled: true\n", "", 1) == before


def test_broken_portals_file_page_is_accessible(open_page: Callable[[str], Page], live: Site) -> None:
    path = live.config.directory / "portals.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("kind: feed", "kind: fed", 1), encoding="utf-8")
    try:
        page = open_page(IT)
        page.goto(live.url("/portale"))
        assert "portals.yaml ist fehlerhaft" in page.get_by_role("alert").inner_text()
        assert_accessible(page, "portale mit fehlerhafter Datei")
    finally:
        path.write_text(good, encoding="utf-8")
