"""Fault matrix, HTTP part: redirects that never end, robots.txt, and a portal that asks for a pause.

Every case runs the real path (runner → worker process → Scrapy → spider → pipeline → store)
against :class:`FaultServer` on 127.0.0.1 and checks the four things docs/reliability.md lists per
case: what city IT reads (German, with the portal's real URL), that the other portal and the stored
calls are untouched, and that the next run completes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from crawl_faults import LAND_PAGES, LIST_PAGES, PROGRAMME_PAGES, config, events, fdb, snapshot
from fault_server import FaultServer

from foerderradar.crawler.runner import PortalResult, crawl, crawl_portal
from foerderradar.demo import DEMO_SITE
from foerderradar.fixture_server import FixtureServer
from foerderradar.health import portal_health
from foerderradar.settings import Config
from foerderradar.storage import Store

REAL_LIST_URL = "https://www.foerderdatenbank.de/SiteGlobals/FDB/Forms/Suche/Foederprogrammsuche_Formular.html"
PROGRAMMES = 14  # on the demo site


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    # HTTP behaviour is under test, not the database: SQLite keeps the matrix quick.
    store = Store(sqlite_url)
    yield store
    store.close()


def by_portal(results: list[PortalResult]) -> dict[str, PortalResult]:
    return {r.portal: r for r in results}


def crawl_victim(cfg: Config, store: Store) -> PortalResult:
    [portal] = [p for p in cfg.portals if p.key == "victim"]
    return crawl_portal(portal, cfg, store, cache_dir=cfg.directory / "c")


def assert_fails_alone(cfg: Config, store: Store) -> PortalResult:
    """Crawl both portals with the fault switched on: the victim fails, the other portal is crawled
    in full, the victim's stored calls and events are exactly as before. Returns the victim's result."""
    before, before_events = snapshot(store, "victim"), events(store)
    after = by_portal(crawl(cfg, store, cache_dir=cfg.directory / "c"))
    other, victim = after["other"], after["victim"]
    assert other.ok and other.errors == 0 and other.items == other.new == PROGRAMMES, other.messages
    assert not victim.ok and victim.items == 0 and victim.errors > 0, victim.messages
    assert snapshot(store, "victim") == before
    assert events(store) == before_events + Counter({("other", "new"): PROGRAMMES})
    run = store.last_runs()["victim"]
    assert run.ok is False and run.finished_at is not None
    return victim


def assert_next_run_completes(cfg: Config, store: Store, items: int) -> None:
    before = snapshot(store, "victim")
    result = crawl_victim(cfg, store)
    assert result.ok and result.errors == 0 and result.items == items, result.messages
    assert result.new == result.changed == result.gone == 0
    assert snapshot(store, "victim") == before


# -- redirects -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("redirect_loop", f"Weiterleitungsschleife: {REAL_LIST_URL}?"),
        ("redirect_chain", f"Zu viele Weiterleitungen: {REAL_LIST_URL}?"),
    ],
)
def test_endless_redirects_fail_the_portal_alone_and_the_next_run_completes(
    tmp_path: Path, sqlite_store: Store, fault: str, expected: str
) -> None:
    """A loop (A → B → A) is caught at the first repeated address; an endless chain at Scrapy's
    limit of 20. The next run meets a chain of 3 redirects that ends in the page: followed."""
    store = sqlite_store
    with FaultServer(DEMO_SITE) as bad, FixtureServer(DEMO_SITE) as good:
        cfg = config(tmp_path, fdb("victim", bad.base_url), fdb("other", good.base_url))
        first = crawl_victim(cfg, store)
        assert first.ok and first.items == PROGRAMMES

        bad.fault, bad.only = fault, LIST_PAGES  # type: ignore[assignment]
        victim = assert_fails_alone(cfg, store)
        assert any(m.startswith(expected) for m in victim.messages), victim.messages
        assert "127.0.0.1" not in " ".join(victim.messages)
        if fault == "redirect_chain":
            assert "mehr als 20-mal" in " ".join(victim.messages)
            hops = [p for p in bad.site.hits if p.startswith("/hop/")]
            assert max(int(p.split("/")[2]) for p in hops) == 20  # followed up to the limit, not beyond
        else:  # A, A?loop=1, A again
            assert "leitet im Kreis weiter (nach 2 Weiterleitung(en) wieder auf eine schon besuchte Adresse)" in (
                " ".join(victim.messages)
            )

        bad.fault, bad.hops = "redirect_chain", 3  # the portal moved its pages: three hops, then the page
        assert_next_run_completes(cfg, store, first.items)


def test_redirect_loop_on_some_programme_pages_is_partial_and_marks_nothing_gone(
    tmp_path: Path, sqlite_store: Store
) -> None:
    """Scrapy used to drop such pages without a word: an apparently clean crawl without them would
    have marked their calls gone. Now each is an error, so the crawl is incomplete. A robots.txt
    caught in a loop is no such error: the crawl goes on as if there were no robots.txt."""
    store = sqlite_store
    with FaultServer(DEMO_SITE) as bad:
        cfg = config(tmp_path, fdb("victim", bad.base_url))
        [first] = crawl(cfg, store, cache_dir=tmp_path / "c")
        before, before_events = snapshot(store, "victim"), events(store)
        # robots.txt loops as well: Scrapy then crawls as if there were none — not an error of ours.
        bad.fault, bad.only = "redirect_loop", (LAND_PAGES, "/robots.txt")
        [partial] = crawl(cfg, store, cache_dir=tmp_path / "c")
        after = snapshot(store, "victim"), events(store)
        bad.fault = "ok"
        assert_next_run_completes(cfg, store, first.items)
    looped = {p for p in bad.site.hits if LAND_PAGES in p and not p.endswith("loop=1")}
    assert first.ok and looped and "/robots.txt?loop=1" in bad.site.hits
    assert partial.ok and 0 < partial.items < first.items  # "teilweise": the Bund pages came through
    assert partial.errors == len(looped) and partial.gone == 0
    assert sum("Weiterleitungsschleife: https://www.foerderdatenbank.de/" in m for m in partial.messages) == len(looped)
    assert after == (before, before_events)


# -- robots.txt ------------------------------------------------------------------------------------


def test_robots_txt_disallow_is_reported_as_such_changes_nothing_and_is_not_a_layout_change(
    tmp_path: Path, sqlite_store: Store
) -> None:
    """Decision (docs/reliability.md): a portal that forbids crawling fails like any portal we cannot
    read — Warnung at once, Störung after [health] failures_in_a_row — with robots.txt as the reason,
    never "Seitenaufbau geändert"; its stored calls stay as they are (not gone)."""
    store = sqlite_store
    with FaultServer(DEMO_SITE) as bad, FixtureServer(DEMO_SITE) as good:
        cfg = config(tmp_path, fdb("victim", bad.base_url), fdb("other", good.base_url))
        first = crawl_victim(cfg, store)
        bad.robots = "User-agent: *\nDisallow: /\n"
        hits_before = len(bad.site.hits)
        victim = assert_fails_alone(cfg, store)
        assert victim.messages[0].startswith(f"robots.txt verbietet den Abruf: {REAL_LIST_URL}?"), victim.messages
        assert bad.site.hits[hits_before:] == ["/robots.txt"]  # obeyed: not one page fetched
        [warned] = portal_health(store, ["victim"], failures_in_a_row=2)
        crawl_victim(cfg, store)
        [flagged] = portal_health(store, ["victim"], failures_in_a_row=2)

        bad.robots = None  # the operator allows us again
        assert_next_run_completes(cfg, store, first.items)
        [healed] = portal_health(store, ["victim"], failures_in_a_row=2)

    assert warned.state == "warnung" and "robots.txt verbietet" in warned.summary
    assert flagged.state == "fehler" and "2 Abrufe in Folge fehlgeschlagen" in flagged.summary
    assert "robots.txt verbietet" in flagged.summary and "Seitenaufbau" not in flagged.summary
    assert healed.state == "ok"


def test_robots_txt_disallowing_some_programme_pages_is_partial_and_marks_nothing_gone(
    tmp_path: Path, sqlite_store: Store
) -> None:
    store = sqlite_store
    with FaultServer(DEMO_SITE) as bad:
        cfg = config(tmp_path, fdb("victim", bad.base_url))
        [first] = crawl(cfg, store, cache_dir=tmp_path / "c")
        before = snapshot(store, "victim")
        bad.robots = f"User-agent: *\nDisallow: {PROGRAMME_PAGES}DE{LAND_PAGES}\n"
        hits_before = len(bad.site.hits)
        [partial] = crawl(cfg, store, cache_dir=tmp_path / "c")
        after = snapshot(store, "victim")
        asked = bad.site.hits[hits_before:]
        bad.robots = None
        assert_next_run_completes(cfg, store, first.items)
    assert not [p for p in asked if LAND_PAGES in p]  # never asked for
    refused = [m for m in partial.messages if m.startswith("robots.txt verbietet den Abruf: https://www.foerderdatenbank.de/")]
    assert partial.ok and 0 < partial.items < first.items and partial.gone == 0
    assert len(refused) == partial.errors == first.items - partial.items
    assert after == before


# -- 429 / 503 with Retry-After --------------------------------------------------------------------

THROTTLED = "cl2Processes_Foerderberechtigte=kommune"  # the first list page


@pytest.mark.parametrize(
    ("status", "retry_after"), [(429, "2"), (503, "date+2")], ids=["429-seconds", "503-http-date"]
)
def test_retry_after_is_waited_for_then_the_crawl_succeeds(
    tmp_path: Path, sqlite_store: Store, status: int, retry_after: str
) -> None:
    """Checked from the server's side: the page is asked for exactly twice, and the repeat does not
    come before the instant the server named; nor does any other request to the paused host
    (allowing half a second for requests already on the wire when the 429 arrived)."""
    with FaultServer(DEMO_SITE) as portal:
        portal.fault, portal.only = "throttle", THROTTLED
        portal.retry_after, portal.throttle_status = retry_after, status
        cfg = config(tmp_path, fdb("victim", portal.base_url), timeout_s=10)
        [result] = crawl(cfg, sqlite_store, cache_dir=tmp_path / "c")
    assert result.ok and result.errors == 0 and result.messages == [], result.messages
    assert result.items == result.new == sqlite_store.count_calls() == 14
    asked = [t for path, t in portal.arrivals if THROTTLED in path]
    [allowed] = portal.allowed_at.values()
    assert len(asked) == 2 and portal.too_early == []
    assert asked[1] >= allowed
    early = [p for p, t in portal.arrivals if asked[0] + 0.5 < t < allowed]
    assert early == []


def test_retry_after_beyond_the_limit_is_reported_the_portal_left_alone_and_the_next_run_completes(
    tmp_path: Path, sqlite_store: Store
) -> None:
    store = sqlite_store
    with FaultServer(DEMO_SITE) as bad, FixtureServer(DEMO_SITE) as good:
        cfg = config(tmp_path, fdb("victim", bad.base_url), fdb("other", good.base_url), retry_after_max_s=30)
        first = crawl_victim(cfg, store)
        bad.fault, bad.only, bad.retry_after = "throttle", LIST_PAGES, "3600"
        hits_before = len(bad.site.hits)
        victim = assert_fails_alone(cfg, store)
        asked = bad.site.hits[hits_before:]
        bad.fault = "ok"
        assert_next_run_completes(cfg, store, first.items)
    throttled = f"HTTP 429 (zu viele Anfragen – das Portal bremst den Abruf): {REAL_LIST_URL}?"
    assert victim.messages[0].startswith(throttled), victim.messages
    assert "erst in 60 min wieder anzufragen" in victim.messages[0]
    assert "erlaubte Wartezeit von 30 s" in victim.messages[0]
    # Left alone: no programme page asked for, no list page asked for twice.
    assert not [p for p in asked if PROGRAMME_PAGES in p]
    assert len(asked) == len(set(asked))


def test_a_portal_that_keeps_asking_for_a_pause_is_given_up_after_the_retries(
    tmp_path: Path, sqlite_store: Store
) -> None:
    """Every repeat is answered 429 again: after RETRY_TIMES (3) waits, each not before the instant
    named, the page is an HTTP error — the run is partial and marks nothing gone."""
    with FaultServer(DEMO_SITE) as portal:
        cfg = config(tmp_path, fdb("victim", portal.base_url), timeout_s=10)
        [first] = crawl(cfg, sqlite_store, cache_dir=tmp_path / "c")
        before = snapshot(sqlite_store, "victim")
        portal.fault, portal.only, portal.retry_after, portal.throttle_times = "throttle", THROTTLED, "1", None
        [partial] = crawl(cfg, sqlite_store, cache_dir=tmp_path / "c")
    asked = [p for p in portal.site.hits if THROTTLED in p]
    assert len(asked) == 1 + 1 + 3 and portal.too_early == []  # the first crawl, then 1 + 3 retries
    # "teilweise": one error, so incomplete — even though the programmes were all listed elsewhere.
    assert partial.ok and partial.items == first.items and partial.errors == 1 and partial.gone == 0
    query = asked[0].split("?", 1)[1]
    assert partial.messages == [f"HTTP 429 (zu viele Anfragen – das Portal bremst den Abruf): {REAL_LIST_URL}?{query}"]
    assert snapshot(sqlite_store, "victim") == before
