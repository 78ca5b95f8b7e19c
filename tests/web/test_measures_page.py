"""The *Maßnahmen* page over real HTTP (issue 13): the municipality's file is the one truth — the page
shows it, a save changes it (comments kept) only after the file's own validation, a stale form or a
forged POST changes nothing, other municipalities' users see nothing; the history of the web app's
edits; the preview of the next digest (nothing sent, hostile text escaped, a CSP without script)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from config_files import write_config_dir
from sqlmodel import select
from web_site import ADMIN, PASSWORD, SECRET, SHS_DM, SHS_SLUG, VERL_DM, Site, browser, csrf_of, get, login, post

from foerderradar.kommunen import load_profile
from foerderradar.settings import load_config
from foerderradar.storage import Store
from foerderradar.storage.tables import SentDigest
from foerderradar.web import users
from foerderradar.web.app import create_app
from foerderradar.web.measures import terms
from foerderradar.web.server import WebServer

LIST = "/k/verl/massnahmen"
EDIT = "/k/verl/massnahmen/breitband"
NEW = "/k/verl/massnahmen/neu"
PREVIEW = "/k/verl/vorschau"
# Verl's file with the comments city IT writes; the edits below must leave every one of them.
COMMENTED = """\
# Verl: Maßnahmen der Digitalstrategie (gepflegt von der IT, Zimmer 2.14)
city: {name: Verl, region: DE-NW, applicant_types: [kommune], kreis: Gütersloh}

measures:
  # Breitband zuerst: Ratsbeschluss vom 12.3.
  - id: breitband
    title: Glasfaser und Gigabit  # so heißt es im Haushalt
    keywords: [Glasfaser, Gigabit]
  - id: schulen
    title: WLAN und Tablets in Schulen
    keywords: [WLAN, Schule, Tablets]  # Medienentwicklungsplan
# Empfänger des Wochenberichts
digest: {recipients: [digital@verl.example]}
"""


class _Form(HTMLParser):
    """The fields of the page's measure form as a browser would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_form = "massnahme-form" in a.get("class", "")
        elif self._in_form and tag == "input" and "name" in a:
            if a.get("type") != "radio" or "checked" in a:
                self.fields[a["name"]] = a.get("value", "")
        elif self._in_form and tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.fields[self._textarea] += data


def form_of(page: str) -> dict[str, str]:
    parser = _Form()
    parser.feed(page)
    assert parser.fields, "no measure form on the page"
    return parser.fields


def verl_file(site: Site) -> Path:
    return next(k.path for k in site.config.kommunen if k.slug == "verl")


def measure_rows(site: Site) -> list[tuple[str | None, str, dict[str, object] | None]]:
    return [(e.measure_id, e.user_email, e.details) for e in site.audit() if e.action == "measure"]


@pytest.fixture
def verl(signed_in: Callable[[str], requests.Session]) -> requests.Session:
    return signed_in(VERL_DM)


def test_the_list_shows_every_field_of_every_measure_and_the_forms(site: Site, verl: requests.Session) -> None:
    page = get(verl, site.url(LIST))
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    assert text.count("<h1>") == 1 and "<h1>Maßnahmen: Verl</h1>" in text
    for shown in ("Glasfaser und Gigabit", "breitband", "Glasfaser, Gigabit", "WLAN und Tablets in Schulen",
                  "schulen", "WLAN, Schule, Tablets", "offen", "kommunen/verl.yaml"):
        assert shown in text, shown
    assert 'href="/k/verl/massnahmen/breitband"' in text and 'href="/k/verl/massnahmen/schulen"' in text
    assert 'action="/k/verl/massnahmen/neu"' in text and 'name="csrf_token"' in text
    assert 'href="/k/verl/vorschau"' in text
    # The navigation names the page, and only the other municipality's measures are absent.
    assert 'href="/k/verl/massnahmen" aria-current="page">Maßnahmen</a>' in text
    assert "E-Akte in der Verwaltung" not in text
    assert "Noch keine Änderungen über diese Seite." in text
    # The Übersicht leads here and to the preview.
    overview = get(verl, site.url("/k/verl/")).text
    assert 'href="/k/verl/massnahmen"' in overview and 'href="/k/verl/vorschau"' in overview


def test_an_edit_lands_in_the_file_and_every_page_and_the_preview_follow(site: Site, verl: requests.Session) -> None:
    form = form_of(get(verl, site.url(EDIT)).text)
    assert form["title"] == "Glasfaser und Gigabit" and form["keywords"] == "Glasfaser\nGigabit"
    form.update(title="Glasfaser für alle Ortsteile", keywords="Glasfaser, Gigabit, FTTH",
                owner="breitband@verl.example", status="planned", description="Zeile eins.\r\nZeile zwei.")
    response = post(verl, site.url(EDIT), form)
    assert response.status_code == 303, response.text
    assert response.headers["Location"] == "/k/verl/massnahmen?gespeichert=breitband"

    saved = next(m for m in load_profile(verl_file(site)).measures if m.id == "breitband")
    assert (saved.title, saved.keywords, saved.owner, saved.status, saved.description) == (
        "Glasfaser für alle Ortsteile", ["Glasfaser", "Gigabit", "FTTH"], "breitband@verl.example", "planned",
        "Zeile eins.\nZeile zwei.")
    listed = html.unescape(get(verl, site.url(response.headers["Location"])).text)
    assert "Maßnahme „Glasfaser für alle Ortsteile“ gespeichert." in listed
    assert "geplant" in listed and "breitband@verl.example" in listed and "Glasfaser, Gigabit, FTTH" in listed
    # The next pages use the file as it is now: the edit form, and the preview of the digest.
    assert form_of(get(verl, site.url(EDIT)).text)["title"] == "Glasfaser für alle Ortsteile"
    assert "Glasfaser für alle Ortsteile" in html.unescape(get(verl, site.url(PREVIEW)).text)


def test_comments_and_untouched_lines_survive_an_edit_and_an_addition(site: Site, verl: requests.Session) -> None:
    path = verl_file(site)
    path.write_text(COMMENTED, encoding="utf-8")
    form = form_of(get(verl, site.url(EDIT)).text)
    assert post(verl, site.url(EDIT), {**form, "title": "Glasfaser und 5G"}).status_code == 303
    form = form_of(get(verl, site.url(NEW)).text)
    assert post(verl, site.url(NEW), {**form, "id": "sirenen", "title": "Sirenen"}).status_code == 303

    # Every line as it was but the title; the new entry at the end of the list, above the comment
    # that belongs to the next key. (The space before a moved comment is ruamel's to choose.)
    expected = COMMENTED.replace("title: Glasfaser und Gigabit", "title: Glasfaser und 5G").replace(
        "# Empfänger", "  - id: sirenen\n    title: Sirenen\n# Empfänger")
    assert _spaced(path.read_text(encoding="utf-8")) == _spaced(expected)
    assert [m.id for m in load_profile(path).measures] == ["breitband", "schulen", "sirenen"]


def test_emptying_the_last_field_keeps_the_comments_after_it(site: Site, verl: requests.Session) -> None:
    """The comment under the list belongs to the next key: emptying the keywords of the last entry
    (the key ruamel hangs it on) must not take it along."""
    path = verl_file(site)
    path.write_text(COMMENTED, encoding="utf-8")
    edit = "/k/verl/massnahmen/schulen"
    assert post(verl, site.url(edit), {**form_of(get(verl, site.url(edit)).text), "keywords": ""}).status_code == 303
    expected = COMMENTED.replace("    keywords: [WLAN, Schule, Tablets]  # Medienentwicklungsplan\n", "")
    assert path.read_text(encoding="utf-8") == expected


def _spaced(text: str) -> str:
    return re.sub(r" +#", " #", text)


@pytest.mark.parametrize(
    ("path", "change", "field", "message"),
    [
        (EDIT, {"title": ""}, "title", "darf nicht leer sein"),
        (EDIT, {"title": "   "}, "title", "darf nicht leer sein"),
        (EDIT, {"owner": "keine-adresse"}, "owner", "E-Mail-Adresse"),
        (EDIT, {"status": "vielleicht"}, "status", "nicht erlaubt"),
        (NEW, {"id": "Neue Id!", "title": "Sirenen"}, "id", "Kleinbuchstaben"),
        (NEW, {"id": "schulen", "title": "Noch einmal Schulen"}, "id", "kommt doppelt vor"),
        (NEW, {"id": "neu", "title": "Neu"}, "id", "reserviert"),
        (NEW, {"id": "sirenen", "title": ""}, "title", "darf nicht leer sein"),
    ],
)
def test_invalid_input_is_refused_next_to_its_field_and_the_file_is_untouched(
    site: Site, verl: requests.Session, path: str, change: dict[str, str], field: str, message: str
) -> None:
    before = verl_file(site).read_bytes()
    form = {**form_of(get(verl, site.url(path)).text), **change}
    response = post(verl, site.url(path), form)
    assert response.status_code == 422, response.text
    assert verl_file(site).read_bytes() == before
    assert measure_rows(site) == []
    page = html.unescape(response.text)
    # The summary (an alert) links to the field; the field is invalid and described by its message.
    assert 'role="alert"' in page and "Nicht gespeichert" in page
    error = re.search(rf'<p class="feldfehler" id="(f-{field}-fehler)">([^<]*)</p>', page)
    assert error is not None and message in error.group(2)
    if field == "status":
        assert re.search(rf'<fieldset class="feld" aria-describedby="{error.group(1)}">', page)
    else:
        control = re.search(rf'<(?:input|textarea)[^>]*id="f-{field}"[^>]*>', page)
        assert control is not None
        assert "aria-invalid=\"true\"" in control.group(0) and error.group(1) in control.group(0)
    # What was typed is still there.
    kept = form_of(response.text)
    assert all(kept[name].strip() == value.strip() for name, value in change.items() if name != "status")


def test_a_stale_form_is_refused_keeps_the_input_and_then_saves_on_the_current_file(
    site: Site, verl: requests.Session
) -> None:
    path = verl_file(site)
    form = form_of(get(verl, site.url(EDIT)).text)
    # Meanwhile someone edits the file directly.
    edited = path.read_text(encoding="utf-8").replace("Glasfaser und Gigabit", "Gigabit (Datei)")
    path.write_text(edited, encoding="utf-8")

    response = post(verl, site.url(EDIT), {**form, "title": "Aus dem Formular"})
    assert response.status_code == 409
    assert path.read_text(encoding="utf-8") == edited
    page = html.unescape(response.text)
    assert "wurde inzwischen geändert" in page and "Es wurde nichts gespeichert." in page
    assert "Gigabit (Datei)" in page  # what the file says now
    again = form_of(response.text)
    assert again["title"] == "Aus dem Formular" and again["version"] != form["version"]
    assert measure_rows(site) == []
    # Saving once more is a decision taken on the current file: it lands.
    assert post(verl, site.url(EDIT), again).status_code == 303
    assert load_profile(path).measures[0].title == "Aus dem Formular"


@pytest.mark.parametrize("path", [EDIT, NEW])
@pytest.mark.parametrize("token", [None, "0" * 64, "kaputt"])
def test_a_post_without_the_csrf_token_is_forbidden_and_changes_nothing(
    site: Site, verl: requests.Session, path: str, token: str | None
) -> None:
    before = verl_file(site).read_bytes()
    form = {**form_of(get(verl, site.url(path)).text), "id": "sirenen", "title": "Gefälscht"}
    del form["csrf_token"]
    if token is not None:
        form["csrf_token"] = token
    assert post(verl, site.url(path), form).status_code == 403
    assert verl_file(site).read_bytes() == before
    assert measure_rows(site) == []


def test_a_post_without_a_session_goes_to_the_login_and_changes_nothing(site: Site) -> None:
    client = browser()
    token = csrf_of(get(client, site.url("/login")).text)
    before = verl_file(site).read_bytes()
    response = post(client, site.url(EDIT), {"csrf_token": token, "title": "Gefälscht"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert verl_file(site).read_bytes() == before


@pytest.mark.parametrize("path", [LIST, EDIT, NEW, PREVIEW, "/k/verl/massnahmen/gibt-es-nicht",
                                  f"/k/{SHS_SLUG}/massnahmen/schulen"])
def test_other_municipalities_and_unknown_measures_are_not_found(
    site: Site, signed_in: Callable[[str], requests.Session], path: str
) -> None:
    client = signed_in(SHS_DM)
    token = csrf_of(get(client, site.url(f"/k/{SHS_SLUG}/massnahmen")).text)  # a valid token of the user's own
    before = verl_file(site).read_bytes()
    response = get(client, site.url(path))
    assert response.status_code == 404
    assert "Glasfaser" not in response.text and "Verl" not in response.text.split("<main", 1)[1]
    if path != PREVIEW and path != LIST:
        posted = post(client, site.url(path), {"csrf_token": token, "id": "x", "title": "Übernommen", "version": ""})
        assert posted.status_code == 404
    assert verl_file(site).read_bytes() == before


def test_the_history_names_who_and_each_change_old_and_new(site: Site, verl: requests.Session) -> None:
    form = form_of(get(verl, site.url(EDIT)).text)
    post(verl, site.url(EDIT), {**form, "title": "Glasfaser überall", "status": "done"})
    form = form_of(get(verl, site.url(NEW)).text)
    post(verl, site.url(NEW), {**form, "id": "", "title": "Sirenen für alle Ortsteile", "keywords": "Sirene"})

    rows = measure_rows(site)
    assert rows == [
        ("breitband", VERL_DM, {"created": False, "changes": {
            "title": ["Glasfaser und Gigabit", "Glasfaser überall"], "status": ["open", "done"]}}),
        ("sirenen-fuer-alle-ortsteile", VERL_DM, {"created": True, "changes": {
            "id": [None, "sirenen-fuer-alle-ortsteile"], "title": [None, "Sirenen für alle Ortsteile"],
            "keywords": [None, ["Sirene"]]}}),
    ]
    assert all(e.kommune == "verl" for e in site.audit() if e.action == "measure")
    page = html.unescape(get(verl, site.url(LIST)).text)
    history = page.split('id="verlauf"', 1)[1]
    assert history.count(VERL_DM) == 2
    assert "Titel: „Glasfaser und Gigabit“ → „Glasfaser überall“" in history
    assert "Stand: „offen“ → „erledigt“" in history
    assert "neu angelegt" in history and "Suchbegriffe: „Sirene“" in history
    assert "erscheinen aber nicht in diesem Verlauf" in history
    # Another municipality's history stays its own.
    shs = login(site, SHS_DM)[0]
    assert "Glasfaser überall" not in get(shs, site.url(f"/k/{SHS_SLUG}/massnahmen")).text


@pytest.mark.parametrize(
    "title",
    ['<b>Glasfaser</b> & "Gigabit"', "Glasfaser: Ausbau # Phase 2", "- Glasfaser", "'Glasfaser'", "yes", "off",
     "2027", "2027-03-31", "~", "1e3"],
)
def test_any_text_is_written_as_that_text_and_shown_escaped(site: Site, verl: requests.Session, title: str) -> None:
    """YAML's special characters (a colon, a hash, a leading dash, a quote, a word that would be a
    boolean or a number) are quoted by the writer: the file reads back as the text typed."""
    form = form_of(get(verl, site.url(EDIT)).text)
    assert post(verl, site.url(EDIT), {**form, "title": title}).status_code == 303
    assert load_profile(verl_file(site)).measures[0].title == title
    form = form_of(get(verl, site.url(EDIT)).text)
    assert post(verl, site.url(EDIT), {**form, "keywords": title}).status_code == 303
    assert load_profile(verl_file(site)).measures[0].keywords == [title]
    page = get(verl, site.url(LIST)).text
    assert f"<h2 id=\"m-1\">{title}</h2>" in html.unescape(page) and "<b>Glasfaser" not in page


def test_a_post_without_the_files_version_saves_nothing(site: Site, verl: requests.Session) -> None:
    before = verl_file(site).read_bytes()
    form = {**form_of(get(verl, site.url(EDIT)).text), "title": "Ohne Version"}
    del form["version"]
    assert post(verl, site.url(EDIT), form).status_code == 409
    assert verl_file(site).read_bytes() == before


def test_the_single_form_edits_measures_yaml(tmp_path: Path, sqlite_url: str) -> None:
    """One municipality in config/measures.yaml: the page edits that file."""
    directory = write_config_dir(tmp_path / "config", measures=(
        "# Teststadt\ncity: {name: Teststadt, region: DE-NW, applicant_types: [kommune]}\n"
        "measures:\n  - id: sirenen  # Warnung\n    title: Sirenen\n"))
    store = Store(sqlite_url)
    users.add_user(store, ADMIN, PASSWORD, "admin", [])
    with WebServer(create_app(load_config(directory, need_portals=False), sqlite_url, SECRET, store=store),
                   "127.0.0.1", 0) as server:
        site = Site(server.base_url, store, load_config(directory, need_portals=False))
        client = login(site, ADMIN)[0]
        page = get(client, site.url("/k/teststadt/massnahmen"))
        assert page.status_code == 200 and "<code>measures.yaml</code>" in page.text
        form = form_of(get(client, site.url("/k/teststadt/massnahmen/sirenen")).text)
        assert post(client, site.url("/k/teststadt/massnahmen/sirenen"),
                    {**form, "title": "Sirenen und Warn-App"}).status_code == 303
    store.close()
    assert (directory / "measures.yaml").read_text(encoding="utf-8") == (
        "# Teststadt\ncity: {name: Teststadt, region: DE-NW, applicant_types: [kommune]}\n"
        "measures:\n  - id: sirenen  # Warnung\n    title: Sirenen und Warn-App\n")


def test_submitting_the_form_unchanged_writes_nothing(site: Site, verl: requests.Session) -> None:
    before = verl_file(site).read_bytes()
    response = post(verl, site.url(EDIT), form_of(get(verl, site.url(EDIT)).text))
    assert response.status_code == 303 and response.headers["Location"].endswith("?unveraendert=1")
    assert verl_file(site).read_bytes() == before
    assert measure_rows(site) == []


def test_the_preview_is_the_digest_escaped_with_a_csp_without_script_and_nothing_sent(
    site: Site, verl: requests.Session
) -> None:
    response = get(verl, site.url(PREVIEW))
    assert response.status_code == 200, response.text
    page = html.unescape(response.text)
    assert "Wochenbericht" in page and "Vorschau" in page and "Es wurde nichts versendet." in page
    assert "Glasfaser und Gigabit" in page and "WLAN und Tablets in Schulen" in page
    # The hostile call fits "schulen": its title is shown as text, its address never becomes a link.
    assert "WLAN Schule <script>alert(1)</script> Tablets" in page
    assert "<script" not in response.text.lower() and "evil.example" not in response.text
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert directives["style-src"] == "'unsafe-inline'"
    assert not any(name.startswith("script") for name in directives)
    assert response.headers["X-Frame-Options"] == "DENY"
    with site.store.session() as session:
        assert session.exec(select(SentDigest)).all() == []
    # The other pages keep the strict policy.
    assert "'unsafe-inline'" not in get(verl, site.url(LIST)).headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Glasfaser, Gigabit", ["Glasfaser", "Gigabit"]),
        ("Glasfaser\r\nGigabit\r\n\r\n", ["Glasfaser", "Gigabit"]),
        ("Glasfaser\nGigabit, FTTH", ["Glasfaser", "Gigabit, FTTH"]),  # several lines: one term each
        (" Glasfaser , , Glasfaser ", ["Glasfaser"]),
        ("", []),
    ],
)
def test_terms_are_one_per_line_or_comma_separated(text: str, expected: list[str]) -> None:
    assert terms(text) == expected
