"""The web app in a real browser: Playwright drives Debian's headless chromium against the app served by
waitress on 127.0.0.1 — logging in, marking a call from the *Übersicht*, confirming a mail link — and
axe-core (shipped inside ``axe-playwright-python``, no network) checks every page against WCAG 2.1 A/AA.

Skipped where no chromium is installed (``apt-get install chromium``) or Playwright is missing, unless
FOERDERRADAR_REQUIRE_BROWSER=1 (set by ``.ci/run``) makes that a failure. Playwright uses the system's
browser (``executable_path``); ``playwright install`` is never needed. One browser and one server per
module; every test gets its own browser context (its own cookies).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from browser_pages import axe_violations, describe, sign_in
from web_site import ACCOUNTS, ADMIN, PASSWORD, SECRET, SHS_DM, SHS_SLUG, VERL_DM, Site, config_dir, running

from foerderradar import signing as links
from foerderradar.jobs import run_digest
from foerderradar.web.context import derive_key

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

# One chromium and one server for the whole module, also under pytest-xdist (`--dist loadgroup`).
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LINK_KEY = derive_key(SECRET, "mark-link")
# A third municipality whose one measure matches none of the stored calls: the empty Übersicht.
LEER_SLUG, LEER_DM = "leerstadt", "dm@leerstadt.example"
LEER = """\
city: {name: Leerstadt, region: DE-NW, applicant_types: [kommune]}
measures:
  - {id: sirenen, title: Sirenen, keywords: [Sirene, Bevölkerungswarnung]}
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app for three municipalities (Verl, Schloß Holte-Stukenbrock, Leerstadt without matches),
    on SQLite: the browser tests are about pages, the storage tests run on both databases."""
    tmp = tmp_path_factory.mktemp("browser")
    directory = config_dir(tmp)
    (directory / "kommunen" / f"{LEER_SLUG}.yaml").write_text(LEER, encoding="utf-8")
    with running(directory, f"sqlite:///{tmp / 'web.db'}", {**ACCOUNTS, LEER_DM: ("manager", [LEER_SLUG])}) as site:
        yield site


@pytest.fixture(scope="module")
def sessions() -> dict[str, Any]:
    """Each account's cookies after one real login, shared by the module's tests (argon2 is slow on
    purpose); a test that is about the login itself signs in through the form."""
    return {}


@pytest.fixture
def open_page(chromium_browser: Browser, live: Site, sessions: dict[str, Any]) -> Iterator[Callable[..., Page]]:
    """``open_page(user=None, **context_options)``: a page in a fresh browser context (own cookies),
    signed in as ``user``."""
    contexts: list[BrowserContext] = []

    def new(user: str | None = None, **options: Any) -> Page:
        if user is not None and user not in sessions:
            first = new()
            sign_in(first, live, user)
            sessions[user] = first.context.storage_state()
        state = sessions[user] if user is not None else None
        context = chromium_browser.new_context(locale="de-DE", storage_state=state, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page: Callable[..., Page]) -> Page:
    return open_page()


def mail_link(live: Site, kommune: str, call_id: str, measure_id: str, mark: str,
              issued_at: datetime | None = None) -> str:
    return live.url(links.PATH + links.sign(LINK_KEY, links.MarkLink(kommune, call_id, measure_id, mark), issued_at))


# --- what a manager does ---------------------------------------------------------------------------------


def digest_file(live: Site, kommune: str, directory: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This week's digest of ``kommune`` as the notifier writes it, with the web app's address."""
    monkeypatch.setenv(links.SECRET_ENV, SECRET)
    web = live.config.settings.web.model_copy(update={"base_url": live.base_url})
    cfg = live.config.replace(settings=live.config.settings.model_copy(update={"web": web}))
    run_digest(live.store, cfg.for_kommune(kommune), date.today(), preview_dir=directory)
    return directory / "digest.html"


def test_manager_marks_from_the_page_and_from_the_digest(
    page: Page, live: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(page, live, VERL_DM)
    # One municipality: the start page leads straight to its Übersicht.
    assert page.url == live.url("/k/verl/")
    assert page.get_by_role("heading", level=1).inner_text() == "Übersicht: Verl"
    breitband = page.get_by_role("region", name="Glasfaser und Gigabit")
    card = breitband.get_by_role("listitem").filter(has_text="Gigabit Glasfaser für Gewerbegebiete")
    assert card.count() == 1

    card.get_by_label("Notiz (optional)").fill("passt nicht")
    card.get_by_role("button", name="Verwerfen").click()
    page.wait_for_url(live.url("/k/verl/?gespeichert=1"))
    assert page.get_by_role("status").inner_text() == "Bewertung gespeichert."
    # Dismissed calls stay away from the Übersicht.
    assert page.get_by_role("region", name="Glasfaser und Gigabit").get_by_text(
        "Gigabit Glasfaser für Gewerbegebiete").count() == 0
    assert ("verl", "breitband", "nrw:gigabit", "dismissed") in live.marks()

    # The digest in the browser (as a mail client shows it): its link only shows what would be recorded.
    page.goto(digest_file(live, "verl", tmp_path, monkeypatch).as_uri())
    assert page.get_by_text("Gigabit Glasfaser für Gewerbegebiete").count() == 0  # dismissed: not in the digest
    item = page.locator("td").filter(has_text="WLAN für Schulen").filter(has_text="Bewerten:").last
    with page.expect_navigation():
        item.get_by_role("link", name="Beantragt").click()
    assert page.url.startswith(live.url("/rueckmeldung/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Bewertung bestätigen"
    assert page.get_by_text("WLAN für Schulen").count() == 1
    assert page.get_by_text("beantragt", exact=True).count() == 1
    assert ("verl", "schulen", "nrw:wlan-schule", "applied") not in live.marks()

    page.get_by_label("Notiz (optional)").fill("Az. 4711")
    page.get_by_role("button", name="Bewertung speichern").click()
    page.wait_for_url(live.url("/k/verl/?gespeichert=1"))
    assert ("verl", "schulen", "nrw:wlan-schule", "applied") in live.marks()
    # An application in progress is listed under its measure.
    schulen = page.get_by_role("region", name="WLAN und Tablets in Schulen")
    assert "WLAN für Schulen – Az. 4711" in schulen.get_by_role("list").last.inner_text()


def test_a_mail_link_opened_signed_out_leads_through_the_login(page: Page, live: Site) -> None:
    link = mail_link(live, SHS_SLUG, "nrw:e-akte", "verwaltung", "relevant")
    page.goto(link)
    assert page.url.startswith(live.url("/login?next="))
    page.get_by_label("E-Mail-Adresse").fill(SHS_DM)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Bewertung bestätigen"


def test_another_municipalitys_uebersicht_is_not_found(page: Page, live: Site) -> None:
    sign_in(page, live, SHS_DM)
    assert page.url == live.url(f"/k/{SHS_SLUG}/")
    response = page.goto(live.url("/k/verl/"))
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Nicht gefunden"
    assert "Verl" not in page.locator("main").inner_text()
    # Nor can its mail links be used.
    response = page.goto(mail_link(live, "verl", "nrw:gigabit", "breitband", "applied"))
    assert response is not None and response.status == 404


def test_a_measure_without_matches_says_so_instead_of_an_empty_list(open_page: Callable[..., Page],
                                                                    live: Site) -> None:
    page = open_page(LEER_DM)
    page.goto(live.url(f"/k/{LEER_SLUG}/"))
    measure = page.get_by_role("region", name="Sirenen")
    assert measure.get_by_text("Keine offenen Treffer.").count() == 1
    assert measure.get_by_role("list").count() == 0  # a screen reader would announce "Liste, 0 Einträge"


# --- accessibility (axe-core, WCAG 2.1 A and AA) --------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    user: str | None  # signed in as; None: signed out
    path: str | None  # where to go (None: a mail link, made by `link`)
    status: int = 200
    link: tuple[str, str, str, str, bool] | None = None  # kommune, call, measure, mark, expired
    wrong_login: bool = False


VISITS = {
    "login": Visit(None, "/login"),
    "login-fehler": Visit(None, "/login", status=401, wrong_login=True),
    "kommunen": Visit(ADMIN, "/"),
    "uebersicht": Visit(VERL_DM, "/k/verl/?gespeichert=1"),
    "uebersicht-leer": Visit(LEER_DM, f"/k/{LEER_SLUG}/"),
    "aufruf": Visit(VERL_DM, "/k/verl/aufruf/nrw:wlan-schule"),
    "aufruf-feindlich": Visit(VERL_DM, "/k/verl/aufruf/nrw:boese"),
    "massnahmen": Visit(VERL_DM, "/k/verl/massnahmen"),
    "bestaetigen": Visit(SHS_DM, None, link=(SHS_SLUG, "nrw:gigabit", "breitband", "relevant", False)),
    "404": Visit(SHS_DM, "/k/verl/", status=404),
    "410-abgelaufen": Visit(SHS_DM, None, status=410, link=(SHS_SLUG, "nrw:gigabit", "breitband", "relevant", True)),
    "400-gefaelscht": Visit(SHS_DM, "/rueckmeldung/kein-gueltiger-link", status=400),
    "fristen-kalender": Visit(VERL_DM, "/k/verl/fristen"),
    "suche": Visit(VERL_DM, "/k/verl/suche?q=glasfaser&status=open&nur_treffer=1"),
    "suche-fehler": Visit(VERL_DM, "/k/verl/suche?q=glasfaser&frist_bis=32.13.2026&ebene=mars", status=400),
}


@pytest.mark.parametrize("name", list(VISITS))
def test_page_has_no_axe_violations(open_page: Callable[..., Page], live: Site, name: str) -> None:
    visit = VISITS[name]
    page = open_page(visit.user)
    if visit.link is not None:
        kommune, call, measure, mark, expired = visit.link
        issued = datetime.now(UTC) - links.MAX_AGE - timedelta(days=1) if expired else None
        url = mail_link(live, kommune, call, measure, mark, issued)
    else:
        assert visit.path is not None
        url = live.url(visit.path)
    response = page.goto(url)
    assert response is not None
    if visit.wrong_login:
        page.get_by_label("E-Mail-Adresse").fill("niemand@example.org")
        page.get_by_label("Passwort").fill("ganz-falsches-passwort")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.get_by_role("button", name="Anmelden").click()
        response = posted.value
        page.wait_for_load_state()
        assert page.get_by_role("alert").count() == 1
    assert response.status == visit.status
    assert page.title().endswith("– Förderradar")
    assert page.locator("h1").count() == 1

    violations = axe_violations(page)
    assert not violations, f"axe-core on {name} ({page.url}):\n{describe(violations)}"


def test_skip_link_is_visible_when_focused_and_leads_to_the_content(page: Page, live: Site) -> None:
    page.goto(live.url("/login"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0  # on screen, not parked off it
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline not in ("", "none")
    violations = axe_violations(page)  # the focused skip link's contrast is checked too
    assert not violations, describe(violations)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhalt"


# --- what axe-core cannot see: reflow (WCAG 1.4.10) and a visible focus (2.4.7) ---------------------------

REFLOW = {"login": (None, "/login"), "uebersicht": (VERL_DM, "/k/verl/?gespeichert=1"),
          "kommunen": (ADMIN, "/"), "404": (SHS_DM, "/k/verl/"), "fristen": (VERL_DM, "/k/verl/fristen"),
          "suche": (VERL_DM, "/k/verl/suche?q=glasfaser&frist_bis=32.13.2026")}


@pytest.mark.parametrize("name", list(REFLOW))
def test_page_reflows_at_320_css_pixels(open_page: Callable[..., Page], live: Site, name: str) -> None:
    """400 % zoom of a 1280 px window: everything readable without scrolling sideways."""
    user, path = REFLOW[name]
    page = open_page(user, viewport={"width": 320, "height": 640})
    page.goto(live.url(path))
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + (el.id ? '#' + el.id : ''))""")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), wide
    assert not wide


def test_every_focusable_element_shows_its_focus(open_page: Callable[..., Page], live: Site) -> None:
    """Tab through the whole Übersicht: each stop draws a visible outline."""
    page = open_page(SHS_DM)
    page.goto(live.url(f"/k/{SHS_SLUG}/"))
    stops, missing = 0, []
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const el = document.activeElement;
            if (!el || el === document.body) return null;
            const s = getComputedStyle(el);
            return {name: el.tagName.toLowerCase() + ' ' + (el.textContent || el.name || '').trim().slice(0, 40),
                    outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2}; }""")
        if focused is None:
            break
        stops += 1
        if not focused["outline"]:
            missing.append(focused["name"])
    assert stops > 10
    assert not missing, missing
