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

import botwall_pages
import pytest
from config_files import FAST_CRAWL, fdb_portal, write_config_dir
from crawl_faults import LAND_PAGES, LIST_PAGES, PROGRAMME_PAGES, PROGRAMMES, config, events, fdb, snapshot
from fault_server import FaultServer
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.crawler.runner import PortalResult, crawl, crawl_portal
from foerderradar.demo import DEMO_SITE
from foerderradar.fixture_server import FixtureServer
from foerderradar.health import portal_health
from foerderradar.notifier.alerts import alerts_for, render_alert
from foerderradar.settings import Config
from foerderradar.storage import Store

REAL_LIST_URL = "https://www.foerderdatenbank.de/SiteGlobals/FDB/Forms/Suche/Foederprogrammsuche_Formular.html"


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


# -- bot detection (challenge pages, captchas) ----------------------------------------------------

BOT_WALL = "Portal blockiert automatisierte Abrufe: https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/"
CHALLENGES = [
    # (case, status, body, how the message names it)
    ("403-cloudflare-challenge", 403, botwall_pages.CLOUDFLARE, "(HTTP 403, Cloudflare-Prüfseite)"),
    ("200-captcha-page", 200, botwall_pages.GERMAN_CAPTCHA, "(HTTP 200, Captcha)"),
    ("429-captcha-page", 429, botwall_pages.ALTCHA_429, "(HTTP 429, Captcha)"),
]


def programme_hits(server: FaultServer, since: int) -> list[str]:
    return [p for p in server.site.hits[since:] if PROGRAMME_PAGES in p]


@pytest.mark.parametrize(("status", "body", "named"), [c[1:] for c in CHALLENGES], ids=[c[0] for c in CHALLENGES])
def test_challenge_pages_are_a_bot_wall_not_a_layout_change_and_are_not_retried(
    tmp_path: Path, sqlite_store: Store, status: int, body: bytes, named: str
) -> None:
    """Every programme page answers with a bot-detection page: one German message naming the page and
    what to do, never "Seitenaufbau geändert" (a 200 challenge has none of the page's structure), no
    page asked for twice (Scrapy would retry a 429 three times), the host left alone after the first
    wall, the stored calls untouched and none marked gone; the other portal is crawled in full."""
    store = sqlite_store
    with FaultServer(DEMO_SITE) as bad, FixtureServer(DEMO_SITE) as good:
        cfg = config(tmp_path, fdb("victim", bad.base_url), fdb("other", good.base_url))
        first = crawl_victim(cfg, store)
        assert first.ok and first.items == PROGRAMMES
        bad.fault, bad.only = "challenge", PROGRAMME_PAGES
        bad.challenge_status, bad.challenge_body = status, body
        hits_before = len(bad.site.hits)
        victim = assert_fails_alone(cfg, store)
        asked = programme_hits(bad, hits_before)
    walls = [m for m in victim.messages if m.startswith(BOT_WALL)]
    assert len(walls) == 1 and named in walls[0], victim.messages
    assert "nicht wiederholt" in walls[0] and "gespeicherte Aufrufe bleiben unverändert" in walls[0]
    text = " ".join(victim.messages)
    assert "Seitenaufbau" not in text and "127.0.0.1" not in text and "Zugriff verweigert" not in text
    assert victim.gone == 0
    assert asked and len(asked) == len(set(asked))  # not retried
    # Left alone: only requests already handed to the downloader (≤ concurrency 4) reach the wall.
    assert len(asked) <= 4 < PROGRAMMES


def test_bot_wall_in_portal_health_and_alert_mail_then_the_next_run_completes(
    tmp_path: Path, sqlite_store: Store
) -> None:
    """Health: Warnung at once, Störung after failures_in_a_row, each naming the bot wall; the alert
    mail says so in its subject and advises export or operator, not selectors."""
    store = sqlite_store
    with FaultServer(DEMO_SITE) as bad:
        cfg = config(tmp_path, fdb("victim", bad.base_url))
        first = crawl_victim(cfg, store)
        bad.fault, bad.only = "challenge", PROGRAMME_PAGES
        crawl_victim(cfg, store)
        [warned] = portal_health(store, ["victim"], failures_in_a_row=2)
        crawl_victim(cfg, store)
        [flagged] = portal_health(store, ["victim"], failures_in_a_row=2)
        bad.fault = "ok"  # the operator lets us in again
        assert_next_run_completes(cfg, store, first.items)
        [healed] = portal_health(store, ["victim"], failures_in_a_row=2)
    assert warned.state == "warnung" and warned.bot_wall
    assert warned.summary.startswith(f"letzter Abruf fehlgeschlagen ({BOT_WALL}")
    assert flagged.state == "fehler" and flagged.bot_wall
    assert flagged.summary.startswith(f"2 Abrufe in Folge fehlgeschlagen (zuletzt: {BOT_WALL}")
    assert "Seitenaufbau" not in warned.summary + flagged.summary
    [alert] = alerts_for(cfg, [flagged])
    mail = render_alert(alert, cfg)
    assert mail.subject.endswith("gestört – blockiert automatisierte Abrufe")
    for part in (" ".join(mail.text.split()), " ".join(mail.html.split())):
        assert "Das Portal blockiert automatisierte Abrufe" in part and "XML-Export" in part
        assert "Selektoren anpassen hilft nicht" in part and "Seitenaufbau" not in part
    assert healed.state == "ok" and not healed.bot_wall


def test_plain_403_without_a_challenge_keeps_its_message(tmp_path: Path, sqlite_store: Store) -> None:
    store = sqlite_store
    with FaultServer(DEMO_SITE) as bad:
        cfg = config(tmp_path, fdb("victim", bad.base_url))
        [first] = crawl(cfg, store, cache_dir=tmp_path / "c")
        before = snapshot(store, "victim")
        bad.fault, bad.only = "challenge", PROGRAMME_PAGES
        bad.challenge_status, bad.challenge_body = 403, botwall_pages.PLAIN_403
        [refused] = crawl(cfg, store, cache_dir=tmp_path / "c")
    assert first.ok and not refused.ok and refused.items == 0 and refused.gone == 0
    assert len(refused.messages) == refused.errors == PROGRAMMES
    prefix = "HTTP 403 (Zugriff verweigert): https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/"
    assert all(m.startswith(prefix) and m.endswith(".html") for m in refused.messages), refused.messages
    assert snapshot(store, "victim") == before


def test_crawl_summary_and_portals_check_name_the_bot_wall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", sqlite_url)
    monkeypatch.chdir(tmp_path)
    with FaultServer(DEMO_SITE) as bad:
        bad.fault, bad.only = "challenge", PROGRAMME_PAGES
        cfg_dir = write_config_dir(
            tmp_path / "config", toml=FAST_CRAWL + "timeout_s = 5\n", portals=fdb_portal(bad.base_url, key="fdb")
        )
        crawled = CliRunner().invoke(app, ["crawl", "--config", str(cfg_dir)])
        checked = CliRunner().invoke(app, ["portals", "check", "fdb", "--config", str(cfg_dir)])
    assert crawled.exit_code == 1 and checked.exit_code == 1
    assert "fehlgeschlagen" in crawled.stdout and "(blockiert)" in crawled.stdout, crawled.output  # status column
    assert f"fdb: {BOT_WALL}" in " ".join(crawled.stderr.split())
    check = " ".join(checked.output.split())
    assert "das Portal blockiert automatisierte Abrufe (Prüfseite gegen Roboter)" in check
    assert "Selektoren anpassen hilft nicht" in check and f"fdb: {BOT_WALL}" in check
    assert "Seitenaufbau" not in crawled.output + checked.output
