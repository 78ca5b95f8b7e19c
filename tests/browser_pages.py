"""Helpers of the real-browser tests (tests/web/test_browser*.py): the system's chromium driven by
Playwright, signing in through the form, and axe-core's WCAG 2.1 A/AA check. The ``chromium_browser``
fixture (one browser per module) lives in tests/conftest.py.

Without chromium or Playwright the tests skip; ``FOERDERRADAR_REQUIRE_BROWSER=1`` (set by ``.ci/run``)
makes that a failure."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
from web_site import PASSWORD, Site

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def unavailable(reason: str) -> None:
    if os.environ.get("FOERDERRADAR_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, but FOERDERRADAR_REQUIRE_BROWSER=1")
    pytest.skip(reason)


def chromium_path() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        unavailable("chromium not installed (apt-get install chromium)")
    assert exe is not None
    return exe


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """The system's chromium, headless, never a downloaded one; no network beyond the loopback servers."""
    exe = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright not installed (pip install -e '.[dev]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, headless=True,
                                     args=["--disable-background-networking", "--disable-component-update"])
        yield browser
        browser.close()


def sign_in(page: Page, live: Site, email: str, password: str = PASSWORD) -> None:
    page.goto(live.url("/login"))
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Anmelden").click()


@contextmanager
def page_opener(browser: Browser, live: Site, timeout_ms: int = 10_000) -> Iterator[Callable[[str], Page]]:
    """``new(user)``: a page in a fresh browser context (own cookies), signed in through the form."""
    contexts: list[BrowserContext] = []

    def new(user: str) -> Page:
        context = browser.new_context(locale="de-DE")
        context.set_default_timeout(timeout_ms)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live, user)
        return page

    try:
        yield new
    finally:
        for context in contexts:
            context.close()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]})
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {node['target']}: {node.get('failureSummary', '')}".replace("\n", " ")
                     for node in v["nodes"])
    return "\n".join(lines)
