"""*Portale* (``/portale``): health and last runs for roles it and admin (a manager gets 404, for the page
and for every form), switching an entry off and on through portals.yaml (comments kept, audited,
refused when stale or without CSRF token), a real trial fetch of a portal served on 127.0.0.1 (and of
one that is down, or hangs), and a portals.yaml broken by hand. Real HTTP, real files, real database."""

from __future__ import annotations

import difflib
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from smtp_sink import closed_port
from web_site import ADMIN, PASSWORD, VERL_DM, Site, browser, csrf_of, get, post

from foerderradar.config_writing import version
from foerderradar.fixture_server import FixtureServer
from foerderradar.storage.store import RunStats
from foerderradar.web import users

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feed"
IT = "it@verl.example"
TOML = "[digest]\nmin_score = 1\n[crawler]\ndownload_delay = 0\nhttp_cache = false\nportal_timeout_s = 60\n"
PORTALS = """\
# Portale der Teststadt – von Hand gepflegt
portals:
  # Der Feed des Landes (im Test: ein Server auf 127.0.0.1)
  - key: land
    kind: feed
    name: Förderaufrufe des Landes
    enabled: true  # wichtig
    url: https://foerderung.example.org/rss/aufrufe.xml
    base_url: {base_url}
  # Abgeschaltet, bis die Adresse stimmt
  - key: bund
    kind: feed
    name: Aufrufe des Bundes
    enabled: false
    url: https://bund.example.org/feed.xml
"""


@pytest.fixture
def feed_server() -> Iterator[FixtureServer]:
    with FixtureServer(FEEDS, {"/rss/aufrufe.xml": "rss2.xml"}) as server:
        yield server


@pytest.fixture
def portal_site(site: Site, feed_server: FixtureServer) -> Site:
    """The web app (fixture ``site``) with a commented portals.yaml (``land`` served on 127.0.0.1), a fast
    crawl without cache in foerderradar.toml (the app re-reads it) and an IT account."""
    (site.config.directory / "foerderradar.toml").write_text(TOML, encoding="utf-8")
    write(site, PORTALS.format(base_url=feed_server.base_url))
    users.add_user(site.store, IT, PASSWORD, "it", ["verl"])
    return site


def portals_yaml(site: Site) -> Path:
    return site.config.directory / "portals.yaml"


def write(site: Site, text: str) -> None:
    portals_yaml(site).write_text(text, encoding="utf-8")


def read(site: Site) -> str:
    return portals_yaml(site).read_text(encoding="utf-8")


def run(site: Site, portal: str, ok: bool, items: int = 0, message: str | None = None, errors: int = 0) -> None:
    run_id = site.store.start_run(portal)
    site.store.finish_run(run_id, RunStats(items=items, errors=errors), ok=ok, message=message)


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if not line.startswith(("---", "+++", "@@"))]
    return [line[1:] for line in diff if line[0] == "-"], [line[1:] for line in diff if line[0] == "+"]


def portal_audit(site: Site) -> list[tuple[str, str, dict[str, str]]]:
    return [(e.user_email, e.action, e.details or {}) for e in site.audit() if e.action == "portal"]


def form(client: requests.Session, site: Site, **fields: str) -> dict[str, str]:
    """The fields of the page's forms, with this browser's CSRF token and the page's file version."""
    page = get(client, site.url("/portale"))
    assert page.status_code == 200, page.text
    version = page.text.split('name="version" value="', 1)[1].split('"', 1)[0]
    return {"csrf_token": csrf_of(page.text), "version": version, **fields}


def text_of(html: str) -> str:
    return " ".join(html.split())


# -- who may -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "fields"), [
    ("/portale", None),
    ("/portale/schalten", {"key": "land", "aktion": "abschalten", "version": "x"}),
    ("/portale/pruefen", {"key": "land"}),
])
def test_manager_gets_404_and_changes_nothing(
    portal_site: Site, signed_in: Callable[[str], requests.Session], path: str, fields: dict[str, str] | None
) -> None:
    client = signed_in(VERL_DM)
    before = read(portal_site)
    if fields is None:
        response = get(client, portal_site.url(path))
    else:
        token = csrf_of(get(client, portal_site.url("/k/verl/")).text)  # a valid token: only the role is wrong
        response = post(client, portal_site.url(path), {"csrf_token": token, **fields})
    assert response.status_code == 404
    assert "Förderaufrufe des Landes" not in response.text and "portals.yaml" not in response.text
    assert read(portal_site) == before
    assert portal_audit(portal_site) == []


@pytest.mark.parametrize("path", ["/portale/schalten", "/portale/pruefen"])
def test_post_without_session_goes_to_login_and_changes_nothing(portal_site: Site, path: str) -> None:
    client = browser()
    token = csrf_of(get(client, portal_site.url("/login")).text)
    before = read(portal_site)
    response = post(client, portal_site.url(path), {"csrf_token": token, "key": "land", "aktion": "abschalten",
                                                     "version": version(portals_yaml(portal_site))})
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert read(portal_site) == before and portal_audit(portal_site) == []


@pytest.mark.parametrize(("user", "link"), [(VERL_DM, False), (IT, True), (ADMIN, True)])
def test_navigation_names_the_page_for_it_and_admin_only(
    portal_site: Site, signed_in: Callable[[str], requests.Session], user: str, link: bool
) -> None:
    page = get(signed_in(user), portal_site.url("/k/verl/"))
    assert ('href="/portale"' in page.text) is link


# -- what it/admin see ------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", [IT, ADMIN])
def test_health_and_last_runs(portal_site: Site, signed_in: Callable[[str], requests.Session], user: str) -> None:
    run(portal_site, "land", ok=True, items=3)
    run(portal_site, "land", ok=False, message="Verbindung abgelehnt: foerderung.example.org\nzweite Zeile")
    for _ in range(3):
        run(portal_site, "bund", ok=False, message="HTTP 404 für https://bund.example.org/feed.xml")
    page = get(signed_in(user), portal_site.url("/portale"))
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = text_of(page.text)
    land, bund = html.split("<h3", 2)[1:]
    assert "Förderaufrufe des Landes" in land and "<code>land</code>" in land and "Art feed" in land
    assert "Zustand: <strong>Warnung</strong> – letzter Abruf fehlgeschlagen (Verbindung abgelehnt" in land
    assert "Einträge beim letzten Abruf: 0" in land and "Letzter erfolgreicher Abruf: noch nie" not in land
    assert "Fehlgeschlagen: 1 der letzten 2 Abrufe" in land
    assert "<td>Verbindung abgelehnt: foerderung.example.org</td>" in land and "zweite Zeile" not in land
    assert land.count("<tr><th scope=\"row\">") == 2  # both runs
    assert "<strong>abgeschaltet</strong>" in bund and "Zustand: <strong>Störung</strong> – 3 Abrufe in Folge" in bund
    assert "Letzter erfolgreicher Abruf: noch nie" in bund and "Fehlgeschlagen: 3 der letzten 3 Abrufe" in bund
    assert 'aria-label="Portal land prüfen"' in land and 'aria-label="Portal land abschalten"' in land
    assert 'aria-label="Portal bund einschalten"' in bund
    assert '<a href="/portale" aria-current="page">Portale</a>' in html


def test_a_portal_never_crawled(portal_site: Site, signed_in: Callable[[str], requests.Session]) -> None:
    html = text_of(get(signed_in(IT), portal_site.url("/portale")).text)
    assert html.count("Zustand: noch nie abgerufen") == 2 and html.count("Noch nie abgerufen.") == 2


# -- switching ------------------------------------------------------------------------------------------

# (portal, form value, the line before, the line after (the comment keeps its column), German word on the
# page, the change in the audit row)
SWITCHES = [
    ("land", "abschalten", "    enabled: true  # wichtig", "    enabled: false # wichtig", "abgeschaltet", "disable"),
    ("bund", "einschalten", "    enabled: false", "    enabled: true", "eingeschaltet", "enable"),
]


@pytest.mark.parametrize(("key", "action", "old", "new", "word", "change"), SWITCHES)
@pytest.mark.parametrize("user", [IT, ADMIN])
def test_switch_writes_one_line_and_audits(
    portal_site: Site, signed_in: Callable[[str], requests.Session],
    user: str, key: str, action: str, old: str, new: str, word: str, change: str,
) -> None:
    client = signed_in(user)
    before = read(portal_site)
    response = post(client, portal_site.url("/portale/schalten"), form(client, portal_site, key=key, aktion=action))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/portale?erledigt={word}&portal={key}"
    assert changed_lines(before, read(portal_site)) == ([old], [new])
    [(who, what, details)] = portal_audit(portal_site)
    assert (who, what, details["portal"], details["change"]) == (user, "portal", key, change)
    assert details["version"] == version(portals_yaml(portal_site))
    page = text_of(get(client, portal_site.url(response.headers["Location"])).text)
    assert f'<p class="meldung ok" role="status">Portal {key} ist jetzt {word}.</p>' in page


def test_switch_to_the_state_it_has_writes_and_audits_nothing(
    portal_site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    client = signed_in(IT)
    before = portals_yaml(portal_site).stat().st_mtime_ns
    response = post(client, portal_site.url("/portale/schalten"), form(client, portal_site, key="land",
                                                                       aktion="einschalten"))
    assert response.status_code == 303
    assert portals_yaml(portal_site).stat().st_mtime_ns == before and portal_audit(portal_site) == []


def test_stale_version_is_refused_and_the_file_left_as_edited(
    portal_site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    client = signed_in(IT)
    fields = form(client, portal_site, key="land", aktion="abschalten")
    edited = read(portal_site) + "  # von Hand ergänzt, während die Seite offen war\n"
    write(portal_site, edited)
    response = post(client, portal_site.url("/portale/schalten"), fields)
    assert response.status_code == 409
    assert "wurde inzwischen geändert" in response.text and "es wurde nichts gespeichert" in response.text
    assert read(portal_site) == edited and portal_audit(portal_site) == []
    # The page shown with the refusal carries the new version: the same click now works.
    again = post(client, portal_site.url("/portale/schalten"), {**fields, "csrf_token": csrf_of(response.text),
                 "version": response.text.split('name="version" value="', 1)[1].split('"', 1)[0]})
    assert again.status_code == 303 and "enabled: false # wichtig" in read(portal_site)
    assert read(portal_site).endswith("  # von Hand ergänzt, während die Seite offen war\n")


@pytest.mark.parametrize("token", [None, "0" * 64])
def test_switch_without_valid_csrf_token_is_403_and_changes_nothing(
    portal_site: Site, signed_in: Callable[[str], requests.Session], token: str | None
) -> None:
    client = signed_in(IT)
    fields = form(client, portal_site, key="land", aktion="abschalten")
    before = read(portal_site)
    if token is None:
        del fields["csrf_token"]
    else:
        fields["csrf_token"] = token
    response = post(client, portal_site.url("/portale/schalten"), fields)
    assert response.status_code == 403
    assert read(portal_site) == before and portal_audit(portal_site) == []


# (form fields besides the token and version, status, German fragment)
REFUSED = [
    ({"key": "gibts-nicht", "aktion": "abschalten"}, 400, "Unbekanntes Portal: gibts-nicht. Bekannt sind: land, bund"),
    ({"key": "land", "aktion": "loeschen"}, 400, "Ungültige Anfrage"),
    ({"key": "", "aktion": "abschalten"}, 400, "Ungültige Anfrage"),
]


@pytest.mark.parametrize(("fields", "status", "message"), REFUSED)
def test_switch_refuses_what_it_cannot_do(
    portal_site: Site, signed_in: Callable[[str], requests.Session], fields: dict[str, str], status: int, message: str
) -> None:
    client = signed_in(IT)
    before = read(portal_site)
    response = post(client, portal_site.url("/portale/schalten"), form(client, portal_site, **fields))
    assert response.status_code == status and message in response.text and "Traceback" not in response.text
    assert read(portal_site) == before and portal_audit(portal_site) == []


# -- a broken portals.yaml ---------------------------------------------------------------------------------

BROKEN = [
    ("portals:\n  - key: land\n    kind: feed\n    url: https://x.example/f\n    enabeld: false\n",
     "portals[0].enabeld: unbekannter Schlüssel"),
    ("portals:\n  - key: land\n    kind: [feed\n", "YAML-Syntaxfehler"),
    ("portals:\n  - key: land\n    kind: fed\n", "portals[0].kind:"),
]


@pytest.mark.parametrize(("content", "message"), BROKEN)
def test_broken_file_is_shown_not_a_traceback(
    portal_site: Site, signed_in: Callable[[str], requests.Session], content: str, message: str
) -> None:
    client = signed_in(IT)
    fields = form(client, portal_site, key="land", aktion="abschalten")
    write(portal_site, content)
    page = get(client, portal_site.url("/portale"))
    assert page.status_code == 200 and "portals.yaml ist fehlerhaft" in page.text
    assert message in page.text and str(portals_yaml(portal_site)) in page.text and "Traceback" not in page.text
    assert 'name="key"' not in page.text  # no forms for entries it cannot read
    fields.update(csrf_token=csrf_of(page.text), version=version(portals_yaml(portal_site)))  # not stale
    for path, heading in (("/portale/schalten", "Nicht gespeichert: portals.yaml ist fehlerhaft"),
                          ("/portale/pruefen", "Nicht geprüft: portals.yaml ist fehlerhaft")):
        response = post(client, portal_site.url(path), fields)
        assert response.status_code == 400 and heading in response.text and message in response.text
        assert "Traceback" not in response.text
    assert read(portal_site) == content and portal_audit(portal_site) == []


# -- the check ----------------------------------------------------------------------------------------------


def check(client: requests.Session, site: Site, key: str) -> requests.Response:
    token = csrf_of(get(client, site.url("/portale")).text)
    return client.post(site.url("/portale/pruefen"), data={"csrf_token": token, "key": key},
                       allow_redirects=False, timeout=120)


def test_check_of_a_portal_on_loopback_shows_its_items_and_stores_nothing(
    portal_site: Site, signed_in: Callable[[str], requests.Session], feed_server: FixtureServer
) -> None:
    calls = portal_site.store.count_calls()
    response = check(signed_in(IT), portal_site, "land")
    assert response.status_code == 200, response.text
    html = text_of(response.text)
    assert "<h1>Prüfung: Förderaufrufe des Landes</h1>" in html
    assert '<p class="meldung ok" role="status">3 Einträge erkannt.</p>' in html
    assert "Förderaufruf „Digitale Modellkommunen 2027“" in html and "Breitband: Lückenschluss-Programm" in html
    assert '<th scope="row">title</th><td>3 von 3</td>' in html
    assert 'href="https://foerderung.example.org/foerderung/aufrufe/modellkommunen-2027.html"' in html
    assert any(a.target == "/rss/aufrufe.xml" for a in feed_server.site.answers)  # really fetched
    assert portal_site.store.count_calls() == calls and portal_site.store.recent_runs("land") == []


def test_check_of_an_unreachable_portal_is_a_german_failure(
    portal_site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    with closed_port() as port:  # held for the whole check: no other test's server can take it
        write(portal_site, PORTALS.format(base_url=f"http://127.0.0.1:{port}"))
        response = check(signed_in(ADMIN), portal_site, "land")
    assert response.status_code == 200 and "Traceback" not in response.text
    html = text_of(response.text)
    assert '<div class="meldung fehler" role="alert"> <p><strong>Problem:</strong> Der Abruf ist fehlgeschlagen' in html
    assert "Meldungen des Abrufs" in html and "Erste Einträge" not in html


def test_check_of_a_hung_portal_ends_at_the_time_limit(
    portal_site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    """A server that accepts the connection and never answers: the worker is killed after the limit
    (here ``[crawler] portal_timeout_s = 4``, re-read from foerderradar.toml), the page says so."""
    (portal_site.config.directory / "foerderradar.toml").write_text(
        TOML.replace("portal_timeout_s = 60", "portal_timeout_s = 4"), encoding="utf-8")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # the kernel completes the handshakes; nobody ever reads or answers
        write(portal_site, PORTALS.format(base_url=f"http://127.0.0.1:{silent.getsockname()[1]}"))
        client = signed_in(IT)
        started = time.monotonic()
        response = check(client, portal_site, "land")
        elapsed = time.monotonic() - started
    assert response.status_code == 200 and elapsed < 30
    assert "Abbruch nach 4 s: das Portal antwortet zu langsam oder hängt." in response.text
    assert "Der Abruf ist fehlgeschlagen" in response.text


def test_check_of_an_unknown_portal_names_the_known_ones(
    portal_site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    response = check(signed_in(IT), portal_site, "gibts-nicht")
    assert response.status_code == 400
    assert "Unbekanntes Portal: gibts-nicht. Bekannt sind: land, bund" in response.text
