"""One-click marks from the *Übersicht* and from mail links: stored for that municipality only
(``storage/marks.set_mark``), audited, and a mail link's GET never records anything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import requests
import sqlalchemy as sa
from web_site import SECRET, SHS_DM, SHS_SLUG, VERL_DM, Site, browser, csrf_of, get, login, post

from foerderradar import signing as links
from foerderradar.web.context import derive_key

KEY = derive_key(SECRET, "mark-link")


def link_path(kommune: str = "verl", call_id: str = "nrw:gigabit", measure_id: str = "breitband",
              mark: str = "applied", issued_at: datetime | None = None, key: bytes = KEY) -> str:
    return links.PATH + links.sign(key, links.MarkLink(kommune, call_id, measure_id, mark), issued_at)


def test_overview_lists_the_municipalitys_verdicts_with_a_form_each(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    page = get(signed_in(VERL_DM), site.url("/k/verl/"))
    assert page.status_code == 200
    assert "Übersicht: Verl" in page.text and "Glasfaser und Gigabit" in page.text
    assert "Gigabit Glasfaser für Gewerbegebiete" in page.text and "WLAN für Schulen" in page.text
    assert "E-Akte in der Kommunalverwaltung" not in page.text  # Verl has no such measure
    assert page.text.count('action="/k/verl/markieren"') >= 2
    for mark in ("relevant", "applied", "dismissed", "rejected"):
        assert f'name="mark" value="{mark}"' in page.text


def test_marking_from_the_overview_stores_for_that_municipality_and_audits(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    client = signed_in(VERL_DM)
    token = csrf_of(get(client, site.url("/k/verl/")).text)
    data = {"csrf_token": token, "call_id": "nrw:gigabit", "measure_id": "breitband", "mark": "dismissed",
            "note": "  passt nicht  "}
    response = post(client, site.url("/k/verl/markieren"), data)
    assert response.status_code == 303 and response.headers["Location"] == "/k/verl/?gespeichert=1"
    assert site.marks() == [("verl", "breitband", "nrw:gigabit", "dismissed")]
    after = get(client, site.url("/k/verl/?gespeichert=1")).text
    assert "Bewertung gespeichert" in after and "Gigabit Glasfaser für Gewerbegebiete" not in after  # dismissed
    [entry] = [e for e in site.audit() if e.action == "mark"]
    assert (entry.user_email, entry.kommune, entry.call_id, entry.measure_id) == (
        VERL_DM, "verl", "nrw:gigabit", "breitband")
    assert entry.details == {"mark": "dismissed", "note": "passt nicht", "via": "seite"}
    other = get(login(site, SHS_DM)[0], site.url(f"/k/{SHS_SLUG}/")).text
    assert "Gigabit Glasfaser für Gewerbegebiete" in other  # the neighbour still sees it


# (form field, value) → status: bad input is refused before anything is written
BAD = [("mark", "vielleicht", 400), ("call_id", "nrw:gibt-es-nicht", 404), ("measure_id", "unbekannt", 404)]


@pytest.mark.parametrize(("field", "value", "status"), BAD)
def test_bad_mark_input_changes_nothing(
    site: Site, signed_in: Callable[[str], requests.Session], field: str, value: str, status: int
) -> None:
    client = signed_in(VERL_DM)
    data = {"csrf_token": csrf_of(get(client, site.url("/k/verl/")).text), "call_id": "nrw:gigabit",
            "measure_id": "breitband", "mark": "relevant", field: value}
    assert post(client, site.url("/k/verl/markieren"), data).status_code == status
    assert site.marks() == []


def test_mail_link_get_confirms_and_only_post_records(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    client = signed_in(VERL_DM)
    path = link_path()
    page = get(client, site.url(path))
    assert page.status_code == 200 and "Bewertung bestätigen" in page.text
    assert "beantragt" in page.text and "Gigabit Glasfaser für Gewerbegebiete" in page.text
    assert site.marks() == []  # opening the link (a mail scanner does) records nothing
    response = post(client, site.url(path), {"csrf_token": csrf_of(page.text), "note": "Az. 4711"})
    assert response.status_code == 303
    assert site.marks() == [("verl", "breitband", "nrw:gigabit", "applied")]
    assert [e.details for e in site.audit() if e.action == "mark"] == [
        {"mark": "applied", "note": "Az. 4711", "via": "e-mail"}]
    assert "Laufende Anträge" in get(client, site.url("/k/verl/")).text


def test_mail_link_leads_through_the_login_and_back(site: Site) -> None:
    path = link_path()
    first = get(browser(), site.url(path))
    assert first.status_code == 303 and first.headers["Location"] == f"/login?next={path}"
    client, response = login(site, VERL_DM, next_url=path)
    assert response.headers["Location"] == path
    assert get(client, site.url(path)).status_code == 200


# (how the link is spoiled, status, German words on the page)
REFUSED = [
    ("forged", 400, "Ungültige Anfrage"),
    ("altered", 400, "Ungültige Anfrage"),
    ("expired", 410, "Link abgelaufen"),
    ("other municipality", 404, "Nicht gefunden"),
]


@pytest.mark.parametrize(("spoil", "status", "words"), REFUSED)
def test_refused_mail_links_change_nothing(
    site: Site, signed_in: Callable[[str], requests.Session], spoil: str, status: int, words: str
) -> None:
    client = signed_in(VERL_DM)
    path = {
        "forged": link_path(key=derive_key("ein-anderes-geheimnis-" + "y" * 30, "mark-link")),
        "altered": link_path()[:-3] + "AAA",
        "expired": link_path(issued_at=datetime.now(UTC) - links.MAX_AGE - timedelta(minutes=1)),
        "other municipality": link_path(kommune=SHS_SLUG),
    }[spoil]
    page = get(client, site.url(path))
    assert page.status_code == status and words in page.text and '<html lang="de">' in page.text
    token = csrf_of(get(client, site.url("/k/verl/")).text)
    assert post(client, site.url(path), {"csrf_token": token}).status_code == status
    assert site.marks() == []


def test_confirmation_page_does_not_link_a_javascript_address(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    """A row written by an older, laxer version: the address is shown nowhere as a link."""
    with site.store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE calls SET url = 'javascript:alert(1)' WHERE id = 'nrw:gigabit'"))
    page = get(signed_in(VERL_DM), site.url(link_path()))
    assert page.status_code == 200 and "javascript:" not in page.text
