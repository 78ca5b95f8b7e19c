"""The private calendar subscription over real HTTP: the address on the *Fristen* page answers,
without any session, an iCalendar file with exactly the page's deadlines; a new address kills the
old one; forged, altered, other users' and removed users' tokens answer 404 with no data."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from web_site import ADMIN, SHS_DM, SHS_SLUG, VERL_DM, Site, csrf_of, get, make_call, post, serve

from foerderradar.storage.marks import set_mark
from foerderradar.storage.tables import UserRecord
from foerderradar.web import users

TODAY = date.today()
DATA = ("Glasfaser", "WLAN", "Gigabit", "Verl", "VEVENT")


def seed(site: Site) -> None:
    """Calls due in 10, 60 and 200 days (the page shows 90) and a running application."""
    for source_id, title, days in (("bald", "Glasfaser Sofortprogramm", 10), ("spaeter", "Glasfaser Ausbau", 60),
                                   ("fern", "Glasfaser Langfristprogramm", 200)):
        call = make_call(source_id, title, "Zuschuss für Glasfaser und Gigabit.", f"https://www.example.org/{source_id}")
        site.store.upsert_call(call.model_copy(update={"deadline": TODAY + timedelta(days=days)}))
    set_mark(site.store, "verl", "nrw:wlan-schule", "schulen", "applied", "Az. 4711")


def calendar_url(client: requests.Session, site: Site, slug: str = "verl") -> str:
    page = get(client, site.url(f"/k/{slug}/fristen"))
    assert page.status_code == 200, page.text
    found = re.search(r'id="kalender-adresse"><a href="([^"]+)">', page.text)
    assert found, "no calendar address on the Fristen page"
    return html.unescape(found.group(1))


def fetch(url: str) -> requests.Response:
    """As a calendar app: no cookie, no session."""
    return requests.get(url, allow_redirects=False, timeout=10)


def unfold(text: str) -> list[str]:
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")  # CRLF only
    raw = text.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in raw)  # RFC 5545 §3.1
    lines: list[str] = []
    for line in raw:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def events(text: str) -> list[dict[str, str]]:
    """The VEVENTs of a calendar (property name without parameters → value), checking its frame."""
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR" and "VERSION:2.0" in lines
    out: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in lines[1:-1]:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            out.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name.split(";")[0]] = value
    assert current is None
    return out


def test_the_address_answers_the_fristen_pages_deadlines_without_a_session(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    seed(site)
    client = signed_in(VERL_DM)
    url = calendar_url(client, site)
    assert url.startswith(site.url("/kalender/")) and url.endswith(".ics")
    page = get(client, site.url("/k/verl/fristen")).text
    on_page = set(re.findall(r'<td><a href="(/k/verl/aufruf/[^"]+)">', page))

    response = fetch(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private"
    assert "Set-Cookie" not in response.headers
    found = events(response.content.decode("utf-8"))
    for event in found:
        assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "URL"} <= set(event)
    starts = {e["SUMMARY"]: e["DTSTART"] for e in found}
    assert starts == {
        "Frist: Glasfaser Sofortprogramm": (TODAY + timedelta(days=10)).strftime("%Y%m%d"),
        "Frist: Glasfaser Ausbau": (TODAY + timedelta(days=60)).strftime("%Y%m%d"),
        "Frist: WLAN für Schulen": "20270331",  # the running application
    }
    # The same entries as the page (each event links to its Aufruf page), nothing due later.
    assert {e["URL"] for e in found} == {site.url(path) for path in on_page}
    assert "Langfristprogramm" not in response.text
    described = {e["SUMMARY"]: e.get("DESCRIPTION", "") for e in found}
    assert "Passt zu: Glasfaser und Gigabit" in described["Frist: Glasfaser Sofortprogramm"]
    assert "Laufender Antrag (WLAN und Tablets in Schulen): Az. 4711" in described["Frist: WLAN für Schulen"]
    # HEAD too (calendar apps probe), and the address stays the same from one visit to the next.
    assert requests.head(url, timeout=10).status_code == 200
    assert calendar_url(client, site) == url


def test_a_new_address_kills_the_old_one_and_is_audited(site: Site,
                                                        signed_in: Callable[[str], requests.Session]) -> None:
    client = signed_in(VERL_DM)
    old = calendar_url(client, site)
    token = csrf_of(get(client, site.url("/k/verl/fristen")).text)
    # Without the CSRF token nothing changes.
    assert post(client, site.url("/k/verl/kalender/neu"), {}).status_code == 403
    assert fetch(old).status_code == 200

    response = post(client, site.url("/k/verl/kalender/neu"), {"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/k/verl/fristen?kalender=neu"
    page = get(client, site.url(response.headers["Location"])).text
    assert "Neue Adresse erzeugt. Die bisherige Adresse gilt nicht mehr." in page
    new = calendar_url(client, site)
    assert new != old
    gone = fetch(old)
    assert gone.status_code == 404 and not any(word in gone.text for word in DATA)
    assert fetch(new).status_code == 200
    rows = [(a.user_email, a.kommune, a.action) for a in site.audit() if a.action != "login"]
    assert rows == [(VERL_DM, "verl", "calendar_secret_new")]


def _swap(token_url: str, part: int, value: str) -> str:
    head, token = token_url.rsplit("/", 1)
    pieces = token.removesuffix(".ics").split(".")
    pieces[part] = value
    return f"{head}/{'.'.join(pieces)}.ics"


def _flip(token_url: str) -> str:
    token = token_url.rsplit("/", 1)[1]
    mac = token.removesuffix(".ics").split(".")[2]
    return _swap(token_url, 2, ("A" if mac[0] != "A" else "B") + mac[1:])


# how a token is spoiled → what was done to the address of Verl's manager
FORGED: dict[str, Callable[[str, Site], str]] = {
    "mac-changed": lambda url, site: _flip(url),
    "other-municipality": lambda url, site: _swap(url, 1, SHS_SLUG),
    "unknown-municipality": lambda url, site: _swap(url, 1, "unbekannt"),
    "other-user": lambda url, site: _swap(url, 0, str(users.find(site.store, SHS_DM).id)),  # type: ignore[union-attr]
    "no-such-user": lambda url, site: _swap(url, 0, "999999"),
    "mac-shortened": lambda url, site: url.removesuffix(".ics")[:-1] + ".ics",
    "garbage": lambda url, site: url.rsplit("/", 1)[0] + "/kaputt.ics",
}


@pytest.mark.parametrize("how", list(FORGED))
def test_forged_and_altered_tokens_are_not_found(site: Site, signed_in: Callable[[str], requests.Session],
                                                 how: str) -> None:
    seed(site)
    url = calendar_url(signed_in(VERL_DM), site)
    calendar_url(signed_in(SHS_DM), site, SHS_SLUG)  # the other user has a secret too
    spoiled = FORGED[how](url, site)
    assert spoiled != url
    response = fetch(spoiled)
    assert response.status_code == 404
    assert not any(word in response.text for word in DATA) and "Set-Cookie" not in response.headers
    assert fetch(url).status_code == 200  # the real one still works


def test_an_admins_token_is_bound_to_its_municipality(site: Site,
                                                      signed_in: Callable[[str], requests.Session]) -> None:
    admin = signed_in(ADMIN)
    verl = calendar_url(admin, site)
    shs = calendar_url(admin, site, SHS_SLUG)
    assert verl != shs and fetch(verl).status_code == 200 and fetch(shs).status_code == 200
    assert "Verl" in fetch(verl).text and "Verl" not in fetch(shs).text
    assert fetch(_swap(verl, 1, SHS_SLUG)).status_code == 404  # the admin may see it, but this token is Verl's


def test_a_removed_user_and_a_user_who_lost_the_municipality_get_404(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    url = calendar_url(signed_in(VERL_DM), site)
    with site.store.session() as session:
        session.execute(sa.update(UserRecord).where(UserRecord.email == VERL_DM).values(  # type: ignore[arg-type]
            kommunen=[SHS_SLUG]))
        session.commit()
    assert fetch(url).status_code == 404
    with site.store.session() as session:
        session.execute(sa.update(UserRecord).where(UserRecord.email == VERL_DM).values(  # type: ignore[arg-type]
            kommunen=["verl"]))
        session.commit()
    assert fetch(url).status_code == 200  # access back, same secret: the same address
    assert users.remove_user(site.store, VERL_DM)
    users.add_user(site.store, VERL_DM, "ein-anderes-langes-passwort", "manager", ["verl"])  # same address, new account
    response = fetch(url)
    assert response.status_code == 404 and not any(word in response.text for word in DATA)


def test_a_manager_of_another_municipality_cannot_get_or_renew_its_address(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    shs = signed_in(SHS_DM)
    own = calendar_url(shs, site, SHS_SLUG)
    token = csrf_of(get(shs, site.url(f"/k/{SHS_SLUG}/fristen")).text)
    page = get(shs, site.url("/k/verl/fristen"))
    assert page.status_code == 404 and "/kalender/" not in page.text
    assert post(shs, site.url("/k/verl/kalender/neu"), {"csrf_token": token}).status_code == 404
    assert not [a for a in site.audit() if a.action == "calendar_secret_new"]
    assert fetch(own).status_code == 200  # its own address was not renewed either


@pytest.fixture
def public_site(tmp_path: Path, sqlite_url: str) -> Iterator[Site]:
    yield from serve(tmp_path, sqlite_url, toml='[digest]\nmin_score = 1\n[web]\nbase_url = "https://foerder.example"\n')


def test_the_address_is_absolute_under_the_public_base_url(public_site: Site) -> None:
    """With an https base_url the cookie is Secure and a client on plain http does not send it back:
    the test hands it over by hand, as the reverse proxy's https would."""
    from web_site import PASSWORD

    client = requests.Session()
    first = get(client, public_site.url("/login"))
    cookie = {"foerderradar_session": first.cookies["foerderradar_session"]}
    data = {"csrf_token": csrf_of(first.text), "email": VERL_DM, "password": PASSWORD}
    signed = client.post(public_site.url("/login"), data=data, cookies=cookie, allow_redirects=False, timeout=10)
    assert signed.status_code == 303
    page = client.get(public_site.url("/k/verl/fristen"), allow_redirects=False, timeout=10,
                      cookies={"foerderradar_session": signed.cookies["foerderradar_session"]})
    found = re.search(r'id="kalender-adresse"><a href="([^"]+)">', page.text)
    assert found
    url = html.unescape(found.group(1))
    assert re.fullmatch(r"https://foerder\.example/kalender/\d+\.verl\.[A-Za-z0-9_-]{43}\.ics", url)
    response = fetch(public_site.url(url.removeprefix("https://foerder.example")))
    assert response.status_code == 200


def test_renewing_needs_a_session(site: Site) -> None:
    from web_site import browser

    client = browser()
    token = csrf_of(get(client, site.url("/login")).text)
    response = post(client, site.url("/k/verl/kalender/neu"), {"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert not [a for a in site.audit() if a.action == "calendar_secret_new"]
