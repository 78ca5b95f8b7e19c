"""Kind ``watch``: single pages watched for changes, one call per page, configured in portals.yaml only.

The Bezirksregierung-like pages under tests/fixtures/nrw/bezreg/ are invented; they are crawled
through the real worker from a loopback FixtureServer, and the store's versions and events are
checked after each crawl.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from config_files import assert_entry_mistake_named, crawl_config, write_portals

from foerderradar.crawler.kinds.watch.config import WatchPortal, watch_id
from foerderradar.crawler.kinds.watch.spider import parse_status
from foerderradar.crawler.runner import PortalResult, check_portal, crawl
from foerderradar.crawler.textextract import Terms
from foerderradar.fixture_server import FixtureServer
from foerderradar.settings import load_portals
from foerderradar.storage import Store, record_to_call

FIXTURES = Path(__file__).parent.parent / "fixtures" / "nrw"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "portal-kinds.md"
HOST = "https://bezirksregierung.example.org"
GIGABIT = f"{HOST}/foerderung/gigabitkoordination"
SCHULE = f"{HOST}/foerderung/digitale-schule"
KOFI = f"{HOST}/foerderung/breitband-kofinanzierung"
TODAY = date(2026, 11, 25)


def portal(**keys: Any) -> WatchPortal:
    entry = {
        "key": "bezreg",
        "kind": "watch",
        "urls": [GIGABIT, {"url": SCHULE, "title": "Digitale Schule (beendet)"}],
        "ignore": [".page-info"],
        "defaults": {"level": "land", "regions": ["DE-NW"], "funding_body": "Bezirksregierung (Beispiel)"},
        **keys,
    }
    return WatchPortal.model_validate(entry)


# -- the status a watched page stores -----------------------------------------------------------------

STATUSES = [
    # (terms read from the text, stored status): what a date says is left to effective_status
    (Terms(status="closed"), "closed"),  # "Antragstellung nicht mehr möglich"
    (Terms(status="closed", deadline=date(2027, 3, 31)), "closed"),  # closed by words before the date
    (Terms(status="closed", deadline=date(2026, 3, 31)), None),  # the past date says it by itself
    (Terms(status="open", deadline=date(2027, 3, 31)), None),  # open only because the date is ahead
    (Terms(status="open", deadline_text="laufend"), "open"),  # "laufend", "jederzeit"
    (Terms(status="upcoming", open_date=date(2027, 1, 1)), None),  # upcoming only because of the date
    (Terms(status="upcoming"), "upcoming"),  # "ein neuer Aufruf folgt"
    (Terms(), None),
]


@pytest.mark.parametrize(("terms", "expected"), STATUSES)
def test_stored_status_does_not_depend_on_the_day(terms: Terms, expected: str | None) -> None:
    assert parse_status(terms, TODAY) == expected


IDS = [
    ("https://www.example.org/foerderung/a", "https://www.example.org/foerderung/a"),
    ("HTTPS://WWW.Example.org/foerderung/a#top", "https://www.example.org/foerderung/a"),
    ("https://www.example.org:443/foerderung/a", "https://www.example.org/foerderung/a"),
    ("https://www.example.org", "https://www.example.org/"),
    ("https://www.example.org/a?id=3", "https://www.example.org/a?id=3"),  # the query selects the page
    ("https://www.example.org/Foerderung/A", "https://www.example.org/Foerderung/A"),  # paths are case-sensitive
]


@pytest.mark.parametrize(("url", "expected"), IDS)
def test_watch_id_is_stable(url: str, expected: str) -> None:
    assert watch_id(url) == expected


# -- config validation ----------------------------------------------------------------------------------

GOOD = {"key": "ok", "kind": "watch", "urls": [GIGABIT]}
MISTAKES = [
    ({"urls": []}, "portals[1].urls: darf nicht leer sein"),
    ({"urls": ["ftp://x.example.org/a"]}, "portals[1].urls[0].url: 'ftp://x.example.org/a' ist keine http(s)-Adresse"),
    ({"urls": [{"url": GIGABIT, "titel": "x"}]}, "portals[1].urls[0].titel: unbekannter Schlüssel"),
    ({"urls": [{"title": "x"}]}, "portals[1].urls[0].url: fehlt"),
    ({"urls": [GIGABIT, f"{GIGABIT}#abschnitt"]}, "portals[1].urls: "
     f"'{GIGABIT}#abschnitt' (Eintrag 1) ist dieselbe Seite wie Eintrag 0"),
    ({"region": "main["}, "portals[1].region: 'main[' ist kein gültiger CSS-Selektor"),
    ({"region": "main::text"}, "portals[1].region: 'main::text' muss Elemente auswählen"),
    ({"title": "h1::foo"}, "portals[1].title: 'h1::foo' ist kein gültiger CSS-Selektor"),
    ({"ignore": [".counter", "div["]}, "portals[1].ignore[1]: 'div[' ist kein gültiger CSS-Selektor"),
    ({"ignore": ["nav::text"]}, "portals[1].ignore[0]: 'nav::text' muss Elemente auswählen"),
    ({"url": GIGABIT}, "portals[1].url: unbekannter Schlüssel"),
    ({"fields": {"title": "h1"}}, "portals[1].fields: unbekannter Schlüssel"),
    ({"filter": ["x"]}, "portals[1].filter: unbekannter Schlüssel"),
    ({"defaults": {"status": "offen"}},
     "portals[1].defaults.status: 'offen' ist nicht erlaubt; möglich sind: open, upcoming"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), MISTAKES)
def test_config_mistakes_are_named(tmp_path: Path, change: dict[str, Any], expected: str) -> None:
    assert_entry_mistake_named(tmp_path, GOOD, change, expected)


def test_config_survives_the_worker_round_trip(tmp_path: Path) -> None:
    full = {**GOOD, "urls": [GIGABIT, {"url": SCHULE, "title": "Schule"}], "region": "article", "title": "h2",
            "ignore": ".counter", "read_terms": False, "defaults": {"level": "land"}}  # fmt: skip
    [p] = load_portals(write_portals(tmp_path, full))
    assert isinstance(p, WatchPortal) and [u.title for u in p.urls] == [None, "Schule"] and p.ignore == [".counter"]
    assert WatchPortal.model_validate(p.model_dump(mode="json")) == p


def test_shipped_nrw_entries_are_valid_and_disabled() -> None:
    portals = load_portals(Path(__file__).resolve().parents[2] / "config")
    watched = {p.key: p for p in portals if isinstance(p, WatchPortal)}
    assert {"bezreg-detmold", "gigabit-nrw", "gigabit-projekttraeger"} <= set(watched)
    assert not any(p.enabled for p in watched.values())  # addresses unverified against the live sites
    # overview pages of several calls must not take one call's deadline or "beendet" for the page
    assert not watched["gigabit-nrw"].read_terms and not watched["gigabit-projekttraeger"].read_terms


# -- end to end: runner → worker → Scrapy → spider → pipeline → store -----------------------------------

def crawl_version(tmp_path: Path, store: Store, gigabit_file: str, **keys: Any) -> PortalResult:
    """One crawl with the Gigabitkoordination page served from ``gigabit_file``."""
    routes = {
        "/foerderung/gigabitkoordination": gigabit_file,
        "/foerderung/digitale-schule": "bezreg/digitale-schule.html",
    }
    with FixtureServer(FIXTURES, routes) as server:
        [result] = crawl(crawl_config(tmp_path, portal(base_url=server.base_url, **keys)), store,
                         cache_dir=tmp_path / "c")  # fmt: skip
    assert result.ok and result.errors == 0, result.messages
    return result


def events(store: Store, call_id: str) -> list[tuple[str, int, list[str] | None]]:
    return [(e.kind, e.call_version, e.fields) for e in store.events_since() if e.call_id == call_id]


def test_text_change_is_one_amended_event_and_markup_change_none(tmp_path: Path, store: Store) -> None:
    call_id = f"bezreg:{GIGABIT}"
    first = crawl_version(tmp_path, store, "bezreg/gigabitkoordination.html")
    assert (first.items, first.new) == (2, 2)
    repeat = crawl_version(tmp_path, store, "bezreg/gigabitkoordination.html")
    assert (repeat.new, repeat.changed) == (0, 0)
    assert events(store, call_id) == [("new", 1, None)]

    changed = crawl_version(tmp_path, store, "bezreg/gigabitkoordination_neu.html")  # new amount and deadline
    assert (changed.new, changed.changed) == (0, 1)
    # New menus, scripts, buttons, forms, markup, whitespace and a visitor counter (ignored): same text.
    restyled = crawl_version(tmp_path, store, "bezreg/gigabitkoordination_neu_umgestaltet.html")
    assert (restyled.new, restyled.changed) == (0, 0)

    assert events(store, call_id) == [
        ("new", 1, None),
        ("amended", 2, ["description", "deadline", "deadline_text", "max_amount_eur"]),
    ]  # not "status": "open" only because the new deadline lies ahead is not stored (see parse_status)
    [amended] = [e for e in store.events_since() if e.call_id == call_id and e.kind == "amended"]
    assert amended.details is not None and amended.details["max_amount_eur"] == [180_000.0, 240_000.0]
    call = store.get_call(call_id)
    assert call is not None and call.version == 2
    assert "Der Höchstbetrag liegt bei 240.000 EUR für 48 Monate." in (call.description or "")
    assert call.deadline == date(2027, 6, 30) and call.status is None  # the date speaks for itself
    assert events(store, f"bezreg:{SCHULE}") == [("new", 1, None)]  # the other page never changed


STORED = [
    # (url, field, expected)
    (GIGABIT, "title", "Gigabitkoordination"),  # the page's h1
    (GIGABIT, "url", GIGABIT),
    (GIGABIT, "applicants", ["landkreis"]),  # "Kreise und kreisfreie Städte im Regierungsbezirk"
    (GIGABIT, "funding_rate_pct", 100.0),
    (GIGABIT, "max_amount_eur", 180_000.0),
    (GIGABIT, "deadline", None),  # "Vor Beginn der Maßnahme."
    (GIGABIT, "summary", "Personal- und Sachausgaben einer Gigabitkoordinatorin oder eines Gigabitkoordinators."),
    (GIGABIT, "description",
     "Gigabitkoordination\nDas Land fördert Koordinierungsstellen, die den Glasfaserausbau in ihrem Gebiet steuern "
     "und zwischen Land, Kommunen und Netzbetreibern vermitteln.\nWer wird gefördert?\nKreise und kreisfreie Städte "
     "im Regierungsbezirk.\nWas wird gefördert?\nPersonal- und Sachausgaben einer Gigabitkoordinatorin oder eines "
     "Gigabitkoordinators.\nWie sind die Konditionen?\nDer Fördersatz beträgt 100 %. Der Höchstbetrag liegt bei "
     "180.000 EUR für 36 Monate.\nWo ist der Antrag zu stellen?\nBei der Bezirksregierung, Dezernat Breitband.\n"
     "Wann ist der Antrag zu stellen?\nVor Beginn der Maßnahme."),  # no menu, breadcrumb, counter or cookie text
    (GIGABIT, "level", "land"),
    (GIGABIT, "funding_body", "Bezirksregierung (Beispiel)"),
    (SCHULE, "title", "Digitale Schule (beendet)"),  # the configured title wins
    (SCHULE, "applicants", ["schultraeger"]),  # under "Wer war antragsberechtigt?"
    (SCHULE, "deadline", date(2023, 7, 31)),
    (SCHULE, "status", None),  # the passed deadline says "closed" by itself (see the next test)
    (SCHULE, "funding_rate_pct", 90.0),
]  # fmt: skip


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One crawl for the whole table below (SQLite), not one per row."""
    tmp_path = tmp_path_factory.mktemp("watch")
    store = Store(f"sqlite:///{tmp_path / 'watch.db'}")
    crawl_version(tmp_path, store, "bezreg/gigabitkoordination.html")
    yield store
    store.close()


@pytest.mark.parametrize(("url", "name", "expected"), STORED)
def test_stored_fields(stored: Store, url: str, name: str, expected: object) -> None:
    call = stored.get_call(f"bezreg:{url}")
    assert call is not None
    assert getattr(call, name) == expected


def test_ended_programme_reads_as_closed(stored: Store) -> None:
    record = stored.get_call(f"bezreg:{SCHULE}")
    assert record is not None and record_to_call(record).effective_status(TODAY) == "closed"


def test_page_that_lost_its_region_is_reported_and_the_others_stored(tmp_path: Path, store: Store) -> None:
    with FixtureServer(FIXTURES) as server:
        [first] = crawl(crawl_config(tmp_path, portal(base_url=server.base_url)), store, cache_dir=tmp_path / "c")
        stored_before = store.get_call(f"bezreg:{GIGABIT}")
        p = portal(base_url=server.base_url, urls=[GIGABIT, SCHULE, KOFI])
        [result] = crawl(crawl_config(tmp_path, p), store, cache_dir=tmp_path / "c")
    assert first.ok and first.errors == 0
    assert result.ok and (result.items, result.new, result.errors) == (2, 0, 1)  # "teilweise", not failed
    expected = f"{KOFI}: layout changed: region selector 'main' matches nothing"
    assert len(result.messages) == 1 and expected in result.messages[0], result.messages
    assert store.get_call(f"bezreg:{KOFI}") is None
    after = store.get_call(f"bezreg:{GIGABIT}")
    assert stored_before is not None and after is not None and after.version == stored_before.version == 1
    assert result.gone == 0  # an unclean crawl never declares calls gone


def test_overview_page_without_terms_and_own_region(tmp_path: Path) -> None:
    url = "https://gigabit.example.org/aktuelles"
    entry = {"key": "gigabit", "kind": "watch", "urls": [url], "region": "#main-content", "read_terms": False}
    p = WatchPortal.model_validate({**entry, "defaults": {"level": "land"}})
    with FixtureServer(FIXTURES) as server:
        p = p.model_copy(update={"base_url": server.base_url})
        result = check_portal(p, crawl_config(tmp_path, p), cache_dir=tmp_path / "c")
        with_terms = check_portal(p.model_copy(update={"read_terms": True}), crawl_config(tmp_path, p),
                                  cache_dir=tmp_path / "c")  # fmt: skip
    assert result.ok and result.items == 1 and result.errors == 0, result.messages
    [sample] = result.sample
    assert (sample["title"], sample["source_id"], sample["level"]) == ("Aktuelles", url, "land")
    assert sample["description"].startswith("Aktuelles\nNeuer Förderaufruf „Standard“ gestartet\n12.01.2027")
    assert "Start" not in sample["description"].splitlines()  # the <nav> outside and inside is gone
    assert sample["deadline"] is None and sample["status"] is None and sample["funding_rate_pct"] is None
    # What read_terms: false prevents: one call's deadline and rate read as the page's.
    assert with_terms.sample[0]["deadline"] == "2027-10-31" and with_terms.sample[0]["funding_rate_pct"] == 40.0


def test_portals_check_shows_sample_and_filled_fields(tmp_path: Path) -> None:
    with FixtureServer(FIXTURES) as server:
        p = portal(base_url=server.base_url)
        result = check_portal(p, crawl_config(tmp_path, p), cache_dir=tmp_path / "c")
    assert result.ok and result.items == 2 and result.errors == 0, result.messages
    assert {s["url"] for s in result.sample} == {GIGABIT, SCHULE}
    assert result.filled["description"] == result.filled["applicants"] == result.filled["summary"] == 2
    assert result.filled["regions"] == 2 and result.filled.get("deadline_text") == 1
    assert not any("Antragsberechtigte" in w for w in result.warnings())


def test_a_region_inside_the_region_is_compared_once() -> None:
    """A damaged page with the content region opened twice: its text once, as on the intact page."""
    from scrapy.http import HtmlResponse

    from foerderradar.crawler.kinds.watch.spider import WatchSpider

    intact = (FIXTURES / "bezreg" / "gigabitkoordination.html").read_text(encoding="utf-8")
    doubled = intact.replace("<main>", '<main><main class="kopie">', 1).replace("</main>", "</main></main>", 1)
    assert doubled.count("<main") == 2

    def description(page: str) -> str:
        spider = WatchSpider(portal())
        [item] = spider.parse(HtmlResponse(url=GIGABIT, body=page.encode(), encoding="utf-8"))
        return str(item["description"])

    assert description(doubled) == description(intact)
