"""The real crawl path: runner → worker process → Scrapy → spider → pipeline → store.

Portals are served on 127.0.0.1 (the bundled demo site, the recorded captures from ../shared, or
nothing at all); only each portal's ``base_url`` differs from a live crawl.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
from config_files import FAST_CRAWL, crawl_config, fdb_portal, write_config_dir
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.crawler.kinds.foerderdatenbank.config import FDB_DEFAULT_START_URLS, FoerderdatenbankPortal
from foerderradar.crawler.runner import crawl
from foerderradar.demo import DEMO_SITE
from foerderradar.fixture_server import FixtureServer
from foerderradar.settings import CrawlerSettings
from foerderradar.storage import Store

FDB = "https://www.foerderdatenbank.de/"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def portal(key: str, base_url: str, **kw: object) -> FoerderdatenbankPortal:
    return FoerderdatenbankPortal.model_validate({"key": key, "kind": "foerderdatenbank", "base_url": base_url, **kw})


def test_demo_site_crawl_is_idempotent(tmp_path: Path, store: Store) -> None:
    with FixtureServer(DEMO_SITE) as server:
        cfg = crawl_config(tmp_path, portal("foerderdatenbank", server.base_url))
        [first] = crawl(cfg, store, cache_dir=tmp_path / "cache")
        assert first.ok and first.errors == 0, first.messages
        assert first.items >= 10 and first.new == first.items
        stored = store.count_calls()
        assert stored == first.items
        [second] = crawl(cfg, store, cache_dir=tmp_path / "cache")
    assert (second.items, second.new, second.changed) == (first.items, 0, 0)
    assert store.count_calls() == stored
    urls = [r.url for r in store.iter_calls()]
    # base_url is invisible to the data: stored URLs are the portal's real ones.
    assert all(u.startswith(FDB) for u in urls), urls
    run = store.last_runs()["foerderdatenbank"]
    assert run.ok and run.items == first.items and run.finished_at is not None


def test_unreachable_portal_fails_alone_and_keeps_stored_data(tmp_path: Path, store: Store) -> None:
    with FixtureServer(DEMO_SITE) as server:
        good = portal("demo", server.base_url)
        dead = portal("dead", f"http://127.0.0.1:{closed_port()}")
        cfg = crawl_config(tmp_path, dead, good)
        results = crawl(cfg, store, cache_dir=tmp_path / "cache")
    by_key = {r.portal: r for r in results}
    assert not by_key["dead"].ok and by_key["dead"].errors > 0 and by_key["dead"].items == 0
    assert any("127.0.0.1" in m or "Connection" in m for m in by_key["dead"].messages), by_key["dead"].messages
    assert by_key["demo"].ok and by_key["demo"].items > 0
    runs = store.last_runs()
    assert runs["dead"].ok is False and runs["dead"].message


def test_captured_pages_crawl_with_partial_errors(tmp_path: Path, store: Store, captures: Path) -> None:
    """The recorded list page links ten programmes of which one detail page is recorded."""
    site = captures / "foerderdatenbank"
    start = FDB_DEFAULT_START_URLS[0]
    routes = {
        start.removeprefix(FDB.rstrip("/")): "list_page1.html",
        "/FDB/Content/DE/Foerderprogramm/Land/Thueringen/beteiligungen-thueringen-mbg-express.html": "detail_1.html",
    }
    with FixtureServer(site, routes) as server:
        cfg = crawl_config(tmp_path, portal("foerderdatenbank", server.base_url, start_urls=[start], max_pages=2))
        [result] = crawl(cfg, store, cache_dir=tmp_path / "cache")
    assert result.ok and result.items == 1
    assert result.errors >= 9  # nine unrecorded detail pages (and the next list page) answer 404
    assert any("HTTP 404" in m for m in result.messages)
    record = store.get_call("foerderdatenbank:Land/Thueringen/beteiligungen-thueringen-mbg-express")
    assert record is not None and record.regions == ["DE-TH"] and record.level == "land"


def test_cli_crawl_summary_and_exit_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> None:
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", sqlite_url)
    monkeypatch.chdir(tmp_path)
    with FixtureServer(DEMO_SITE) as server:
        cfg_dir = write_config_dir(
            tmp_path / "config",
            toml=FAST_CRAWL + "timeout_s = 5\n",
            portals="portals:\n"
            f"  - {{key: demo, kind: foerderdatenbank, base_url: '{server.base_url}'}}\n"
            f"  - {{key: dead, kind: foerderdatenbank, base_url: 'http://127.0.0.1:{closed_port()}'}}\n",
        )
        result = CliRunner().invoke(app, ["crawl", "--config", str(cfg_dir)])
        only_demo = CliRunner().invoke(app, ["crawl", "demo", "--config", str(cfg_dir)])
        unknown = CliRunner().invoke(app, ["crawl", "nirgends", "--config", str(cfg_dir)])
    assert result.exit_code == 1, result.output
    assert "fehlgeschlagen" in result.stdout and "demo" in result.stdout
    assert only_demo.exit_code == 0, only_demo.output
    assert unknown.exit_code == 2 and "Unbekanntes Portal: nirgends" in unknown.stderr


def test_robots_txt_is_obeyed_and_reported(tmp_path: Path, store: Store) -> None:
    site = tmp_path / "site"
    shutil.copytree(DEMO_SITE, site)
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /\n", encoding="utf-8")
    with FixtureServer(site) as server:
        cfg = crawl_config(tmp_path, portal("foerderdatenbank", server.base_url))
        [result] = crawl(cfg, store, cache_dir=tmp_path / "cache")
        hits = list(server.site.hits)
    assert hits[0] == "/robots.txt"
    # No programme page is fetched. (Scrapy may let a start request race the robots.txt download.)
    assert not [h for h in hits if h.startswith("/FDB/Content/")], hits
    assert not result.ok and result.items == 0
    assert any("robots.txt" in m for m in result.messages)


USER_AGENTS = [("digital@shs.de", "digital@shs.de"), ("it@kreis-guetersloh.de", "it@kreis-guetersloh.de")]


@pytest.mark.parametrize(("contact", "expected"), USER_AGENTS)
def test_user_agent_names_project_and_contact(tmp_path: Path, contact: str, expected: str) -> None:
    from foerderradar.crawler.scrapy_settings import build_settings

    settings = build_settings(CrawlerSettings(contact=contact), tmp_path)
    assert settings["USER_AGENT"].startswith("Foerderradar/") and expected in settings["USER_AGENT"]
    assert settings["ROBOTSTXT_OBEY"] and settings["AUTOTHROTTLE_ENABLED"]
    assert 429 in settings["RETRY_HTTP_CODES"] and 503 in settings["RETRY_HTTP_CODES"]


def test_hanging_portal_is_stopped_and_recorded(tmp_path: Path, store: Store) -> None:
    from foerderradar.crawler.runner import crawl_portal

    with FixtureServer(DEMO_SITE) as server:
        p = portal("slow", server.base_url)
        result = crawl_portal(p, crawl_config(tmp_path, p), store, cache_dir=tmp_path / "c", timeout_s=0.05)
    assert not result.ok and "Abbruch nach" in result.messages[0]
    run = store.last_runs()["slow"]
    assert run.ok is False and run.finished_at is not None and "Abbruch" in (run.message or "")


def test_portals_check_extracts_without_storing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    from foerderradar.crawler.runner import check_portal

    with FixtureServer(DEMO_SITE) as server:
        p = portal("demo", server.base_url)
        result = check_portal(p, crawl_config(tmp_path, p), max_items=3, cache_dir=tmp_path / "c")
        cfg_dir = write_config_dir(tmp_path / "config", toml=FAST_CRAWL, portals=fdb_portal(server.base_url))
        monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", sqlite_url)
        cli = CliRunner().invoke(app, ["portals", "check", "demo", "--max-items", "2", "--config", str(cfg_dir)])
    assert result.ok and 3 <= result.items < 14  # stops after the limit (requests in flight still finish)
    assert len(result.sample) == min(5, result.items) and all(s["url"].startswith(FDB) for s in result.sample)
    assert result.filled["title"] == result.items
    assert cli.exit_code == 0, cli.output
    assert "Erste Einträge" in cli.stdout and "Gefüllte Felder" in cli.stdout
    store = Store(sqlite_url)
    assert store.count_calls() == 0  # a check stores nothing
    store.close()
