"""The *Maßnahmen* pages in a real browser (the pattern of test_browser.py: Debian's headless chromium
through Playwright, axe-core for WCAG 2.1 A/AA): a manager edits a measure through the form and sees
it in the list and in the digest preview; the list, the form — also with a validation error, each
error tied to its field — and the preview have no axe violation.

Skipped without chromium or Playwright unless FOERDERRADAR_REQUIRE_BROWSER=1. One chromium and one
server for the module, in the same xdist group as test_browser.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from browser_pages import axe_violations, describe, page_opener, sign_in
from web_site import ACCOUNTS, SHS_DM, SHS_SLUG, VERL_DM, Site, config_dir, running

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Verl and Schloß Holte-Stukenbrock, on SQLite, with the stored calls of the HTTP tests."""
    tmp = tmp_path_factory.mktemp("browser-measures")
    with running(config_dir(tmp), f"sqlite:///{tmp / 'web.db'}",
                 {email: ACCOUNTS[email] for email in (VERL_DM, SHS_DM)}) as site:
        yield site


@pytest.fixture
def open_page(chromium_browser: Browser, live: Site) -> Iterator[Callable[[str], Page]]:
    """``open_page(user)``: a page in a fresh browser context (own cookies), signed in as ``user``."""
    with page_opener(chromium_browser, live) as new:
        yield new


def test_a_manager_edits_a_measure_and_sees_it_in_the_list_and_the_preview(
    open_page: Callable[[str], Page], live: Site
) -> None:
    page = open_page(SHS_DM)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Maßnahmen").click()
    page.wait_for_url(live.url(f"/k/{SHS_SLUG}/massnahmen"))
    assert page.get_by_role("heading", level=1).inner_text() == "Maßnahmen: Schloß Holte-Stukenbrock"
    page.get_by_role("link", name="Bearbeiten – E-Akte in der Verwaltung").click()
    page.wait_for_url(live.url(f"/k/{SHS_SLUG}/massnahmen/verwaltung"))

    page.get_by_label("Titel").fill("E-Akte und digitale Gremienarbeit")
    page.get_by_label("Suchbegriffe").fill("E-Akte\nVerwaltung\nRatsinformationssystem")
    page.get_by_label("geplant").check()
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url(live.url(f"/k/{SHS_SLUG}/massnahmen?gespeichert=verwaltung"))
    assert page.get_by_role("status").inner_text() == "Maßnahme „E-Akte und digitale Gremienarbeit“ gespeichert."
    card = page.get_by_role("region", name="E-Akte und digitale Gremienarbeit")
    assert "E-Akte, Verwaltung, Ratsinformationssystem" in card.inner_text()
    assert "geplant" in card.inner_text()
    history = page.get_by_role("table", name="Änderungen an den Maßnahmen über die Web-Oberfläche, neueste zuerst")
    assert "„E-Akte in der Verwaltung“ → „E-Akte und digitale Gremienarbeit“" in history.inner_text()

    page.get_by_role("link", name="Vorschau des nächsten Wochenberichts").click()
    page.wait_for_url(live.url(f"/k/{SHS_SLUG}/vorschau"))
    assert "E-Akte und digitale Gremienarbeit" in page.locator("body").inner_text()
    assert "Es wurde nichts versendet." in page.locator("body").inner_text()


def _with_error(page: Page) -> None:
    """Submit the edit form with an empty title and an address that is none: both refused, each
    message tied to its field."""
    page.get_by_label("Titel").fill("")
    page.get_by_label("Zuständig (E-Mail-Adresse, optional)").fill("keine-adresse")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Speichern").click()
    assert posted.value.status == 422
    page.wait_for_load_state()
    assert page.get_by_role("alert").count() == 1
    for label, message in (("Titel", "darf nicht leer sein"),
                           ("Zuständig (E-Mail-Adresse, optional)", "erwartet wird eine E-Mail-Adresse")):
        field = page.get_by_label(label)
        assert field.get_attribute("aria-invalid") == "true"
        described = field.evaluate(
            "el => el.getAttribute('aria-describedby').split(' ').map(id => document.getElementById(id).textContent)"
            ".join(' ')")
        assert message in described, (label, described)
    # The summary's link leads to the field.
    page.get_by_role("alert").get_by_role("link", name="Titel").click()
    assert page.evaluate("document.activeElement.id") == "f-title"


PAGES: dict[str, tuple[str, Callable[[Page], None] | None]] = {
    "liste": ("/k/verl/massnahmen", None),
    "formular": ("/k/verl/massnahmen/schulen", None),
    "formular-fehler": ("/k/verl/massnahmen/schulen", _with_error),
    "neu": ("/k/verl/massnahmen/neu", None),
    "vorschau": ("/k/verl/vorschau", None),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_the_measures_pages_have_no_axe_violations(open_page: Callable[[str], Page], live: Site, name: str) -> None:
    path, action = PAGES[name]
    page = open_page(VERL_DM)
    response = page.goto(live.url(path))
    assert response is not None and response.status == 200
    if action is not None:
        action(page)
    violations: list[dict[str, Any]] = axe_violations(page)
    assert not violations, f"axe-core on {name} ({page.url}):\n{describe(violations)}"


@pytest.mark.parametrize("path", ["/k/verl/massnahmen", "/k/verl/massnahmen/schulen"])
def test_the_list_and_the_form_reflow_at_320_css_pixels(chromium_browser: Browser, live: Site, path: str) -> None:
    """400 % zoom: the fields (a grid beside their names on wide screens) stack, nothing scrolls sideways."""
    context = chromium_browser.new_context(locale="de-DE", viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        sign_in(page, live, VERL_DM)
        page.goto(live.url(path))
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    finally:
        context.close()
