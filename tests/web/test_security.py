"""The web app's security contract over real HTTP (contract, *Web app*; docs/web.md): no data
without a session, login and its throttle, the session cookie, no fixation, no open redirect, CSRF
on every POST, and one municipality never seeing or changing another's data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from web_site import (
    ADMIN,
    PASSWORD,
    SECRET,
    SHS_DM,
    SHS_SLUG,
    VERL_DM,
    Site,
    browser,
    csrf_of,
    get,
    login,
    post,
    serve,
)

from foerderradar import signing as links
from foerderradar.web import sessions, throttle
from foerderradar.web.context import derive_key

LINK = links.sign(derive_key(SECRET, "mark-link"), links.MarkLink("verl", "nrw:gigabit", "breitband", "applied"))
# Every page that shows data (GET); test_every_route_is_listed keeps this list complete.
PAGES = ["/", "/k/verl/", f"/k/{SHS_SLUG}/", "/k/unbekannt/", f"{links.PATH}{LINK}", f"{links.PATH}kaputt",
         "/k/verl/aufruf/nrw:gigabit", "/k/verl/aufruf/nrw:gibt-es-nicht", "/k/verl/fristen", "/portale",
         "/k/verl/massnahmen", "/k/verl/massnahmen/breitband", "/k/verl/massnahmen/neu", "/k/verl/vorschau",
         "/k/verl/suche", "/k/verl/suche?q=glasfaser&ebene=land"]
DATA = ("Gigabit", "Glasfaser", "Verl", "Schloß", "Breitband", "Maßnahme")  # (the body may repeat the path)


def test_healthz_answers_without_login_data_or_cookie(site: Site) -> None:
    response = get(browser(), site.url("/healthz"))
    assert response.status_code == 200 and response.text.strip() == "ok"
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", PAGES)
def test_pages_without_session_redirect_to_login_and_show_nothing(site: Site, path: str) -> None:
    response = get(browser(), site.url(path))
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/login?next=")
    assert not any(word in response.text for word in DATA)


def test_every_route_is_listed(site: Site) -> None:
    """A page added later must be added to PAGES (and so to the redirect test) — or be public on purpose."""
    from foerderradar.web.app import create_app
    from foerderradar.web.auth import PUBLIC

    app = create_app(site.config, site.store.url, SECRET, store=site.store)
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint not in PUBLIC}
    covered = {"/", "/k/<slug>/", "/k/<slug>/markieren", f"{links.PATH}<token>", "/logout",
               "/k/<slug>/aufruf/<path:call_id>", "/k/<slug>/fristen", "/k/<slug>/suche",
               "/k/<slug>/kalender/neu",  # POST: tests/web/test_calendar.py
               "/portale", "/portale/schalten", "/portale/pruefen",  # POSTs: tests/web/test_portals_page.py
               "/k/<slug>/massnahmen", "/k/<slug>/massnahmen/neu", "/k/<slug>/massnahmen/<measure_id>",
               "/k/<slug>/vorschau"}
    assert rules == covered, "new route: add it to PAGES (GET) or to the POST tests"
    # Public on purpose, and only these: the calendar address proves itself (tests/web/test_calendar.py).
    public = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint in PUBLIC}
    assert public == {"/login", "/healthz", "/static/<path:filename>", "/kalender/<token>.ics"}


def test_post_without_session_changes_nothing(site: Site) -> None:
    client = browser()
    token = csrf_of(get(client, site.url("/login")).text)
    data = {"csrf_token": token, "call_id": "nrw:gigabit", "measure_id": "breitband", "mark": "dismissed"}
    response = post(client, site.url("/k/verl/markieren"), data)
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert site.marks() == []


def test_login_page_is_a_labelled_form(site: Site) -> None:
    html = get(browser(), site.url("/login")).text
    assert '<html lang="de">' in html and 'href="#inhalt"' in html
    for field in ("email", "password"):
        assert f'<label for="{field}">' in html and f'id="{field}" name="{field}"' in html
    assert 'type="hidden" name="csrf_token"' in html


# (password, status, signed in)
LOGINS = [(PASSWORD, 303, True), ("falsches-passwort", 401, False), ("", 400, False)]


@pytest.mark.parametrize(("password", "status", "signed_in"), LOGINS)
def test_login(site: Site, password: str, status: int, signed_in: bool) -> None:
    client, response = login(site, VERL_DM, password)
    assert response.status_code == status
    page = get(client, site.url("/k/verl/"))
    assert (page.status_code == 200) is signed_in
    if not signed_in:
        assert "Gigabit" not in response.text


def test_login_is_case_insensitive_in_the_address(site: Site) -> None:
    _, response = login(site, VERL_DM.upper())
    assert response.status_code == 303


@pytest.mark.parametrize("email", [VERL_DM, "niemand@verl.example"])
def test_throttling_locks_the_address_after_repeated_failures(site: Site, email: str) -> None:
    """Known or unknown address alike (no account enumeration); the right password is refused too."""
    for _ in range(throttle.MAX_FAILURES):
        assert login(site, email, "falsches-passwort")[1].status_code == 401
    client, response = login(site, email, PASSWORD)
    assert response.status_code == 429 and "Zu viele Fehlversuche" in response.text
    assert get(client, site.url("/k/verl/")).status_code == 303
    if email == VERL_DM:
        assert login(site, SHS_DM)[1].status_code == 303  # other addresses are not affected


def _cookie(response: requests.Response) -> str:
    header = response.headers.get("Set-Cookie", "")
    assert header.startswith(f"{sessions.COOKIE}="), header
    return header


def test_session_cookie_flags_over_http(site: Site) -> None:
    _, response = login(site, VERL_DM)
    header = _cookie(response).lower()
    assert "httponly" in header and "samesite=lax" in header and "path=/" in header
    assert "secure" not in header.replace("samesite", "")


def test_cookie_is_secure_behind_an_https_proxy(site: Site) -> None:
    response = get(browser(), site.url("/login"), headers={"X-Forwarded-Proto": "https"})
    assert "; secure" in _cookie(response).lower()


@pytest.fixture
def https_site(tmp_path: Path, db_url: str) -> Iterator[Site]:
    yield from serve(tmp_path, db_url, '[digest]\nmin_score = 1\n[web]\nbase_url = "https://radar.kreis.example"\n')


def test_cookie_is_secure_when_base_url_is_https(https_site: Site) -> None:
    response = get(browser(), https_site.url("/login"))
    assert "; secure" in _cookie(response).lower()


def test_login_hands_out_a_new_session_token(site: Site) -> None:
    """Session fixation: a token planted before the login never becomes the session."""
    client = browser()
    get(client, site.url("/login"))
    planted = client.cookies[sessions.COOKIE]
    _, response = login(site, VERL_DM, client=client)
    assert response.status_code == 303
    fresh = client.cookies[sessions.COOKIE]
    assert fresh != planted
    attacker = browser()
    attacker.cookies.set(sessions.COOKIE, planted)
    assert get(attacker, site.url("/k/verl/")).status_code == 303
    assert get(client, site.url("/k/verl/")).status_code == 200


def test_logout_ends_the_session_on_the_server(site: Site, signed_in: Callable[[str], requests.Session]) -> None:
    client = signed_in(VERL_DM)
    old = client.cookies[sessions.COOKIE]
    token = csrf_of(get(client, site.url("/k/verl/")).text)
    assert post(client, site.url("/logout"), {"csrf_token": token}).status_code == 303
    replay = browser()
    replay.cookies.set(sessions.COOKIE, old)
    assert get(replay, site.url("/k/verl/")).status_code == 303


# `next` values that must not leave the site → where the login goes instead
NEXT = [
    ("/k/verl/", "/k/verl/"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("http:/evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("/\t/evil.example", "/"),
]


@pytest.mark.parametrize(("next_url", "location"), NEXT)
def test_login_next_never_leaves_the_site(site: Site, next_url: str, location: str) -> None:
    _, response = login(site, VERL_DM, next_url=next_url)
    assert response.status_code == 303 and response.headers["Location"] == location


def test_login_form_carries_next_from_the_query(site: Site) -> None:
    html = get(browser(), site.url("/login"), params={"next": "//evil.example"}).text
    assert 'name="next" value="/"' in html


# CSRF: (how the token is spoiled) — every POST without the page's token is 403 and changes nothing
CSRF = ["missing", "wrong", "other browser"]


@pytest.mark.parametrize("spoil", CSRF)
def test_mark_without_valid_csrf_token_is_refused(
    site: Site, signed_in: Callable[[str], requests.Session], spoil: str
) -> None:
    client = signed_in(VERL_DM)
    data = {"call_id": "nrw:gigabit", "measure_id": "breitband", "mark": "dismissed"}
    if spoil == "wrong":
        data["csrf_token"] = "0" * 64
    elif spoil == "other browser":
        data["csrf_token"] = csrf_of(get(browser(), site.url("/login")).text)
    response = post(client, site.url("/k/verl/markieren"), data)
    assert response.status_code == 403 and "Nicht erlaubt" in response.text
    assert site.marks() == []


def test_login_without_csrf_token_is_refused(site: Site) -> None:
    client = browser()
    get(client, site.url("/login"))  # the browser has its cookie, the POST lacks the form's token
    response = post(client, site.url("/login"), {"email": VERL_DM, "password": PASSWORD})
    assert response.status_code == 403
    assert get(client, site.url("/k/verl/")).status_code == 303


def test_another_municipality_is_not_found(site: Site, signed_in: Callable[[str], requests.Session]) -> None:
    client = signed_in(VERL_DM)
    page = get(client, site.url(f"/k/{SHS_SLUG}/"))
    assert page.status_code == 404 and "Schloß" not in page.text and "E-Akte" not in page.text
    assert get(client, site.url("/k/unbekannt/")).status_code == 404
    token = csrf_of(get(client, site.url("/k/verl/")).text)
    attempts = [
        (f"/k/{SHS_SLUG}/markieren", "breitband"),  # the other municipality's page
        ("/k/verl/markieren", "verwaltung"),  # a measure only the other municipality has
    ]
    for path, measure in attempts:
        data = {"csrf_token": token, "call_id": "nrw:e-akte", "measure_id": measure, "mark": "applied"}
        assert post(client, site.url(path), data).status_code == 404
    assert site.marks() == []


def test_start_page_lists_only_own_municipalities(site: Site, signed_in: Callable[[str], requests.Session]) -> None:
    manager = get(signed_in(VERL_DM), site.url("/"))
    assert manager.status_code == 302 and manager.headers["Location"] == "/k/verl/"
    admin = get(signed_in(ADMIN), site.url("/"))
    assert admin.status_code == 200 and "/k/verl/" in admin.text and f"/k/{SHS_SLUG}/" in admin.text


def test_hostile_scraped_text_is_escaped_and_not_linked(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    page = get(signed_in(VERL_DM), site.url("/k/verl/"))
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script" not in page.text and "evil.example" not in page.text
    assert 'href="https://www.example.org/wlan-schule"' in page.text  # an honest address is a link


def test_security_headers(site: Site, signed_in: Callable[[str], requests.Session]) -> None:
    page = get(signed_in(VERL_DM), site.url("/k/verl/"))
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
