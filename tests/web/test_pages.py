"""The pages about calls over real HTTP: *Aufruf* (every field, why it fits, history, portals, marks
with who/when/note, the mark form) and *Fristen* (due in 30 and 90 days, running applications) —
one municipality's view only, hostile scraped text escaped and never a link."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import requests
import sqlalchemy as sa
from web_site import ADMIN, SHS_DM, SHS_SLUG, VERL_DM, Site, csrf_of, get, make_call, post

from foerderradar.model import FundingCall
from foerderradar.storage.marks import set_mark
from foerderradar.storage.tables import CallRecord

GIGABIT = "/k/verl/aufruf/nrw:gigabit"
# The same programme on another portal, under an id with ':' and '/' in it.
OTHER_PAGE = "bund:foerderprogramm/gigabit:2026"


def _amend_and_group(site: Site) -> None:
    """A second version of nrw:gigabit (deadline moved, so an event exists) and its page on another portal."""
    later = datetime(2026, 11, 27, tzinfo=UTC)
    amended = make_call("gigabit", "Gigabit Glasfaser für Gewerbegebiete", "Zuschuss für Glasfaser bis ins Gebäude.",
                        "https://www.example.org/gigabit")
    amended = amended.model_copy(update={
        "deadline": date(2027, 4, 30), "funding_body": "Land NRW", "level": "land", "max_amount_eur": 200000.0,
        "funding_rate_pct": 80.0, "topics": ["Breitband"], "funding_type": ["zuschuss"],
        "deadline_text": "bis 30. April 2027", "description": "Erster Absatz.\n\nZweiter Absatz über Glasfaser.",
    })
    site.store.upsert_call(amended, now=later)
    other = FundingCall.model_validate({
        "source": "bund", "source_id": "foerderprogramm/gigabit:2026", "url": "https://bund.example/gigabit",
        "title": "Gigabit-Förderung Gewerbegebiete (Bund)", "regions": ["DE"], "applicants": ["kommune"],
    })
    site.store.upsert_call(other, now=later)
    site.store.set_duplicate_of({"nrw:gigabit": [OTHER_PAGE]})


def test_aufruf_shows_fields_reasons_history_sources_and_the_form(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    _amend_and_group(site)
    client = signed_in(VERL_DM)
    page = get(client, site.url(GIGABIT))
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    assert text.count("<h1>") == 1 and "<h1>Gigabit Glasfaser für Gewerbegebiete</h1>" in text
    for shown in ("Land NRW", "200.000\u00a0€", "80\u00a0%", "30.04.2027",
                  "bis 30. April 2027", "Zuschuss", "Breitband", "Kommune", "DE-NW", "20.11.2026", "27.11.2026"):
        assert shown in text, shown
    assert "<p>Erster Absatz.</p>" in text and "<p>Zweiter Absatz über Glasfaser.</p>" in text
    # The reasons of Verl's measure that fits; the other says it does not.
    assert "Glasfaser und Gigabit" in text and "Passung" in text and 'class="gruende"' in text
    assert "Passt nicht zu dieser Maßnahme" in text  # WLAN und Tablets in Schulen
    # The history in the notifier's words.
    assert "Frist verschoben: 31.03.2027 → 30.04.2027" in text and "neu erfasst" in text
    # Every portal listing the programme, each a link.
    assert 'href="https://www.example.org/gigabit"' in text and 'href="https://bund.example/gigabit"' in text
    assert "Gigabit-Förderung Gewerbegebiete (Bund)" in text
    # One mark form per open measure, coming back to this page.
    assert text.count('action="/k/verl/markieren"') == 2 and 'name="zurueck" value="aufruf"' in text
    assert "Noch nicht bewertet" in text
    # The page of the other portal's copy opens too (its id holds ':' and '/').
    copy = get(client, site.url(f"/k/verl/aufruf/{OTHER_PAGE}"))
    assert copy.status_code == 200 and "Gigabit-Förderung Gewerbegebiete (Bund)" in html.unescape(copy.text)


def test_overview_titles_link_to_the_aufruf_page(site: Site, signed_in: Callable[[str], requests.Session]) -> None:
    page = get(signed_in(VERL_DM), site.url("/k/verl/"))
    assert f'href="{GIGABIT}"' in page.text
    assert 'href="https://www.example.org/gigabit"' in page.text  # the portal's page stays one click away


def test_marking_on_the_aufruf_page_returns_there_and_shows_who_when_and_note(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    client = signed_in(VERL_DM)
    token = csrf_of(get(client, site.url(GIGABIT)).text)
    data = {"csrf_token": token, "call_id": "nrw:gigabit", "measure_id": "breitband", "mark": "relevant",
            "note": "Antrag <b>vorbereiten</b>", "zurueck": "aufruf"}
    response = post(client, site.url("/k/verl/markieren"), data)
    assert response.status_code == 303 and response.headers["Location"] == f"{GIGABIT}?gespeichert=1"
    page = get(client, site.url(response.headers["Location"])).text
    assert "Bewertung gespeichert" in page
    assert "Antrag &lt;b&gt;vorbereiten&lt;/b&gt;" in page and "<b>vorbereiten" not in page
    assert "bewertet: relevant" in page
    # The audit row: when, who (not the header's signed-in address), the measure, the mark, the note.
    row = page.split("Wer hat wann bewertet", 1)[1].split("</tr>", 2)[1]
    assert datetime.now(UTC).strftime("%d.%m.%Y") in row and f"<td>{VERL_DM}</td>" in row
    assert "Glasfaser und Gigabit" in row and "relevant" in row and "vorbereiten" in row
    # The neighbour's page of the same call shows none of it.
    other = get(signed_in(SHS_DM), site.url(f"/k/{SHS_SLUG}/aufruf/nrw:gigabit")).text
    assert "vorbereiten" not in other and VERL_DM not in other and "Noch nicht bewertet" in other


def test_hostile_text_is_escaped_and_a_javascript_address_is_not_a_link(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    # A row an older, laxer version wrote: the model refuses such an address today.
    with site.store.session() as session:
        session.execute(sa.update(CallRecord).where(CallRecord.id == "nrw:e-akte").values(  # type: ignore[arg-type]
            url="javascript:alert(3)", description='<img src=x onerror="alert(4)">\n\n<script>alert(5)</script>',
            funding_body="<b>Amt</b>", deadline_text='"><script>alert(6)</script>'))
        session.commit()
    client = signed_in(VERL_DM)
    for path in ("/k/verl/aufruf/nrw:e-akte", "/k/verl/aufruf/nrw:boese"):
        page = get(client, site.url(path))
        assert page.status_code == 200
        assert "<script" not in page.text and "<img" not in page.text and "<b>" not in page.text
        assert 'href="javascript:' not in page.text.lower() and "evil.example/x\"" not in page.text
    page = get(client, site.url("/k/verl/aufruf/nrw:e-akte")).text
    assert "&lt;img src=x" in page and "&lt;b&gt;Amt&lt;/b&gt;" in page
    assert "passt zu keiner Maßnahme" in page  # Verl has no E-Akte measure
    boese = get(client, site.url("/k/verl/aufruf/nrw:boese")).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in boese and 'href="https://evil' not in boese


def test_another_municipalitys_user_and_an_unknown_call_get_404(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    shs = signed_in(SHS_DM)
    for path in (GIGABIT, "/k/verl/fristen"):
        page = get(shs, site.url(path))
        assert page.status_code == 404 and "Gigabit" not in page.text and "Verl" not in page.text
    missing = get(signed_in(VERL_DM), site.url("/k/verl/aufruf/nrw:gibt-es-nicht"))
    assert missing.status_code == 404 and "Nicht gefunden" in missing.text
    assert get(signed_in(VERL_DM), site.url("/k/unbekannt/aufruf/nrw:gigabit")).status_code == 404


def test_fristen_lists_calls_due_soon_and_running_applications(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    today = date.today()
    due = [("bald", "Glasfaser Sofortprogramm", 10), ("spaeter", "Glasfaser Ausbau Gewerbe", 60),
           ("fern", "Glasfaser Langfristprogramm", 200)]
    for source_id, title, days in due:
        call = make_call(source_id, title, "Zuschuss für Glasfaser und Gigabit.", f"https://www.example.org/{source_id}")
        site.store.upsert_call(call.model_copy(update={"deadline": today + timedelta(days=days)}))
    set_mark(site.store, "verl", "nrw:wlan-schule", "schulen", "applied", "Az. 4711")
    page = get(signed_in(VERL_DM), site.url("/k/verl/fristen"))
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert text.count("<h1>") == 1 and "Fristen: Verl" in text
    soon, rest = text.split("In den nächsten 30 Tagen", 1)[1].split("Laufende Anträge", 1)
    thirty, ninety = soon.split("bis 90 Tagen", 1)
    assert "Glasfaser Sofortprogramm" in thirty and "noch 10 Tage" in thirty
    assert "Glasfaser Ausbau Gewerbe" in ninety and "Glasfaser Ausbau Gewerbe" not in thirty
    assert "Glasfaser Langfristprogramm" not in text  # 200 days away
    assert 'href="/k/verl/aufruf/nrw:bald"' in text
    assert "WLAN für Schulen" in rest and "Az. 4711" in rest and "31.03.2027" in rest
    assert "WLAN für Schulen" not in soon  # an application is listed as one, not among the matches


def test_the_pages_follow_the_files_and_a_broken_file_keeps_the_last_good_one(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    """City IT edits a municipality's file by hand while the web app runs: the next page shows it; a
    file they break is named to IT (not to the manager), and the last good configuration stays."""
    profile = site.config.directory / "kommunen" / "verl.yaml"
    text = profile.read_text(encoding="utf-8")
    manager, admin = signed_in(VERL_DM), signed_in(ADMIN)
    profile.write_text(text.replace("WLAN und Tablets in Schulen", "Tablets für alle Grundschulen"), encoding="utf-8")
    page = get(manager, site.url("/k/verl/")).text
    assert "Tablets für alle Grundschulen" in page and "fehlerhaft" not in page

    profile.write_text(text.replace("title: Glasfaser und Gigabit", "titel: Glasfaser"), encoding="utf-8")
    page, admin_page = get(manager, site.url("/k/verl/")).text, get(admin, site.url("/k/verl/")).text
    assert "Tablets für alle Grundschulen" in page  # the last good configuration
    assert "fehlerhaft" in page and "verl.yaml" not in page  # the manager is told, without file details
    assert "verl.yaml" in admin_page and "titel" in admin_page  # IT sees file, entry and field

    profile.write_text(text, encoding="utf-8")
    page = get(manager, site.url("/k/verl/")).text
    assert "WLAN und Tablets in Schulen" in page and "fehlerhaft" not in page


def test_the_uebersicht_starts_with_what_this_week_brought(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    """New (first seen in the last 7 days) and changed (a new version in them) calls, and the matched
    deadlines of the next 30 days — each call once, with every measure it fits; old and far-off ones not."""
    today, now = date.today(), datetime.now(UTC)
    rows = [  # (source id, title, deadline in days, first seen days ago)
        ("frisch", "Glasfaser Frischprogramm Tablets WLAN Schule", 20, 1),
        ("alt", "Glasfaser Altprogramm", 200, 30),
        ("geaendert", "Glasfaser Änderungsprogramm", 100, 30),
    ]
    for source_id, title, days, ago in rows:
        call = make_call(source_id, title, "Zuschuss für Glasfaser und Gigabit.", f"https://www.example.org/{source_id}")
        site.store.upsert_call(call.model_copy(update={"deadline": today + timedelta(days=days)}),
                               now=now - timedelta(days=ago))
    amended = make_call("geaendert", "Glasfaser Änderungsprogramm", "Zuschuss für Glasfaser, jetzt mit Gigabit-Bonus.",
                        "https://www.example.org/geaendert")
    site.store.upsert_call(amended.model_copy(update={"deadline": today + timedelta(days=100)}),
                           now=now - timedelta(days=2))
    page = get(signed_in(VERL_DM), site.url("/k/verl/")).text
    week = page.split('id="woche"', 1)[1].split("</section>", 1)[0]
    fresh = week.split('id="woche-neu"', 1)[1].split('id="woche-fristen"', 1)[0]
    due = week.split('id="woche-fristen"', 1)[1]
    assert "Glasfaser Frischprogramm" in fresh and "– neu ·" in fresh
    assert "Glasfaser Änderungsprogramm</a> – geändert" in fresh
    assert "Glasfaser Altprogramm" not in week
    # due within 30 days: the fresh call, once, with both measures it fits
    assert due.count("Glasfaser Frischprogramm") == 1 and "noch 20 Tage" in due
    line = due.split("Glasfaser Frischprogramm", 1)[1].split("</li>", 1)[0]
    assert "Glasfaser und Gigabit" in line and "WLAN und Tablets in Schulen" in line
    assert "Änderungsprogramm" not in due
    assert page.count('<span class="zustand">NEU</span>') >= 1  # the cards below say it too


def test_aufruf_shows_the_contact_and_the_richtlinie_links(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    call = make_call("gigabit", "Gigabit Glasfaser für Gewerbegebiete", "Zuschuss für Glasfaser.",
                     "https://www.example.org/gigabit")
    site.store.upsert_call(FundingCall.model_validate({
        **call.model_dump(), "contact": "Projektträger Gigabit, gigabit@pt.example.org",
        "links": [{"label": "Richtlinie", "url": "https://www.example.org/richtlinie.pdf"},
                  {"label": "Merkblatt <b>", "url": "https://www.example.org/merkblatt.pdf"}],
    }))
    text = get(signed_in(VERL_DM), site.url(GIGABIT)).text
    assert "<td>Projektträger Gigabit, gigabit@pt.example.org</td>" in text
    assert '<a href="https://www.example.org/richtlinie.pdf" rel="noopener noreferrer">Richtlinie</a>' in text
    assert ">Merkblatt &lt;b&gt;</a>" in text  # the portal's label escaped


def test_overview_names_each_match_by_the_digests_band(
    site: Site, signed_in: Callable[[str], requests.Session]
) -> None:
    import re

    page = html.unescape(get(signed_in(VERL_DM), site.url("/k/verl/")).text)
    shown = re.findall(r"(stark|möglich), Passung (\d+) von 100", page)
    assert shown and len(shown) == page.count(" von 100 · Frist")
    strong = site.config.settings.digest.strong_score
    assert all((band == "stark") == (int(score) >= strong) for band, score in shown), shown
