"""Short call ids in the web app over real HTTP: the *Aufruf* page opens by the short id in any case
(the address a person types after reading "Kennung F9RR0" in the digest), the mark form takes it,
and the pages that list calls show "Kennung …" — one municipality's view only, as everywhere."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
import requests
from web_site import SHS_DM, SHS_SLUG, VERL_DM, Site, csrf_of, get, post

from foerderradar.storage.marks import set_mark

GIGABIT_SHORT = "F9RR0"  # nrw:gigabit's short id (tests/storage/test_short_ids.py pins it)
SHOWN = f'Kennung <span class="kennung">{GIGABIT_SHORT}</span>'

# (path typed, status, the call's title on the page or None)
PATHS = [
    ("/k/verl/aufruf/nrw:gigabit", 200, "Gigabit Glasfaser für Gewerbegebiete"),
    (f"/k/verl/aufruf/{GIGABIT_SHORT}", 200, "Gigabit Glasfaser für Gewerbegebiete"),
    ("/k/verl/aufruf/f9rr0", 200, "Gigabit Glasfaser für Gewerbegebiete"),
    ("/k/verl/aufruf/F9RRO", 200, "Gigabit Glasfaser für Gewerbegebiete"),  # O typed for 0
    ("/k/verl/aufruf/ZZZZZ", 404, None),
    ("/k/verl/aufruf/NRW:GIGABIT", 404, None),  # a full id is exact
]


@pytest.mark.parametrize(("path", "status", "title"), PATHS)
def test_the_aufruf_page_opens_by_full_or_short_id(
    site: Site, signed_in: Callable[[str], requests.Session], path: str, status: int, title: str | None
) -> None:
    page = get(signed_in(VERL_DM), site.url(path))
    assert page.status_code == status
    if title is not None:
        text = html.unescape(page.text)
        assert f"<h1>{title}</h1>" in text and SHOWN in page.text
        assert "<th scope=\"row\">Vollständige Kennung</th><td>nrw:gigabit</td>" in text
        # The mark form on it names the full id, as the signed mail links do.
        assert 'name="call_id" value="nrw:gigabit"' in page.text


def test_another_municipality_gets_404_by_short_id_too(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    page = get(signed_in(SHS_DM), site.url(f"/k/verl/aufruf/{GIGABIT_SHORT}"))
    assert page.status_code == 404 and "Gigabit" not in page.text
    assert get(signed_in(SHS_DM), site.url(f"/k/{SHS_SLUG}/aufruf/{GIGABIT_SHORT.lower()}")).status_code == 200


def test_the_mark_form_takes_the_short_id(site: Site, signed_in: Callable[[str], requests.Session]) -> None:
    client = signed_in(VERL_DM)
    path = f"/k/verl/aufruf/{GIGABIT_SHORT.lower()}"
    token = csrf_of(get(client, site.url(path)).text)
    data = {"csrf_token": token, "call_id": GIGABIT_SHORT.lower(), "measure_id": "breitband", "mark": "relevant",
            "zurueck": "aufruf"}
    response = post(client, site.url("/k/verl/markieren"), data)
    assert response.status_code == 303 and response.headers["Location"] == f"{path}?gespeichert=1"
    assert site.marks() == [("verl", "breitband", "nrw:gigabit", "relevant")]
    assert [(e.call_id, e.action) for e in site.audit() if e.action == "mark"] == [("nrw:gigabit", "mark")]
    unknown = post(client, site.url("/k/verl/markieren"), {**data, "call_id": "ZZZZZ"})
    assert unknown.status_code == 404 and len(site.marks()) == 1


# (page, applied for first: the Fristen page lists running applications whatever their deadline)
LISTS = [("/k/verl/", False), ("/k/verl/fristen", True), ("/k/verl/suche?q=Gigabit", False)]


@pytest.mark.parametrize(("path", "applied"), LISTS)
def test_the_pages_that_list_calls_show_the_short_id(
    site: Site, signed_in: Callable[[str], requests.Session], path: str, applied: bool
) -> None:
    if applied:
        set_mark(site.store, "verl", GIGABIT_SHORT, "breitband", "applied", "Az. 4711")
    page = get(signed_in(VERL_DM), site.url(path))
    assert page.status_code == 200 and SHOWN in page.text, path
