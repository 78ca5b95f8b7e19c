"""`foerderradar feed` and serve's feed endpoint: Atom of the current matches, iCalendar of deadlines."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from config_files import CITY, write_config_dir
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.jobs import digest_inputs
from foerderradar.model import FundingCall
from foerderradar.notifier.feeds import ATOM, FeedServer
from foerderradar.settings import load_config
from foerderradar.storage import Store
from foerderradar.storage.marks import set_mark

T = datetime(2026, 11, 20, tzinfo=UTC)
NS = {"a": ATOM}


def call(source_id: str, title: str, **kw: object) -> FundingCall:
    return FundingCall.model_validate({
        "source": "nrw", "source_id": source_id, "url": f"https://www.example.org/{source_id}", "title": title,
        "regions": ["DE-NW"], "applicants": ["kommune"], **kw,
    })


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Path:
    directory = write_config_dir(
        tmp_path / "config",
        measures=CITY + "measures:\n"
        "  - {id: breitband, title: Glasfaser Breitband, keywords: [Glasfaser, Gigabit]}\n"
        "  - {id: gewerbe, title: Glasfaser im Gewerbegebiet, keywords: [Gewerbegebiet]}\n",
        toml="[digest]\nmin_score = 1\n",
    )
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", sqlite_url)
    store = Store(sqlite_url)
    store.upsert_calls([
        call("gigabit", "Gigabit Glasfaser für Gewerbegebiete", deadline="2027-03-31", funding_body="Land NRW"),
        call("evil", "Glasfaser\x1b <script>alert(1)</script> & Gigabit", deadline="2026-12-10"),
        call("old", "Glasfaser Gigabit (abgelaufen)", deadline="2026-01-31"),
        call("dismiss", "Glasfaser Gigabit Sonderaufruf", deadline="2027-05-01"),
    ], now=T)
    set_mark(store, "teststadt", "nrw:dismiss", "breitband", "dismissed")
    set_mark(store, "teststadt", "nrw:dismiss", "gewerbe", "dismissed")
    store.close()
    return directory


def test_atom_feed_lists_each_matched_call_once(cfg: Path) -> None:
    result = CliRunner().invoke(app, ["feed", "--format", "atom", "--as-of", "2026-12-01", "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    root = ET.fromstring(result.stdout.encode("utf-8"))  # well-formed despite the hostile title
    entries = root.findall("a:entry", NS)
    titles = [e.findtext("a:title", namespaces=NS) for e in entries]
    assert len(titles) == 2 and "Gigabit Glasfaser für Gewerbegebiete" in titles
    evil = next(t for t in titles if t != "Gigabit Glasfaser für Gewerbegebiete")
    assert "<script>alert(1)</script> & Gigabit" in (evil or "") and "\x1b" not in (evil or "")
    assert "Glasfaser Gigabit (abgelaufen)" not in titles  # closed calls are not matches
    assert "Glasfaser Gigabit Sonderaufruf" not in titles  # dismissed by the digital manager
    assert len(titles) == len(set(titles))  # one entry per call, though it matches two measures
    gigabit = entries[titles.index("Gigabit Glasfaser für Gewerbegebiete")]
    summary = gigabit.findtext("a:summary", namespaces=NS) or ""
    assert "Maßnahmen: " in summary and "Fördergeber: Land NRW" in summary and "Frist: 31.03.2027" in summary
    link = gigabit.find("a:link", NS)
    assert link is not None and link.get("href") == "https://www.example.org/gigabit"
    assert (gigabit.findtext("a:id", namespaces=NS) or "").startswith("urn:foerderradar:call:")
    assert root.findtext("a:title", namespaces=NS) == "Förderradar – Treffer für Teststadt"


def test_ics_feed_has_future_deadlines_of_matches(cfg: Path, tmp_path: Path) -> None:
    out = tmp_path / "feeds" / "fristen.ics"
    result = CliRunner().invoke(app, ["feed", "--format", "ics", "--output", str(out), "--as-of", "2026-12-01",
                                      "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.count("BEGIN:VEVENT") == 2
    assert "DTSTART;VALUE=DATE:20270331" in text and "DTSTART;VALUE=DATE:20261210" in text
    assert "20260131" not in text and "20270501" not in text  # closed, dismissed


def test_unknown_format_is_a_usage_error(cfg: Path) -> None:
    result = CliRunner().invoke(app, ["feed", "--format", "rss", "--config", str(cfg)])
    assert result.exit_code == 2 and "atom, ics" in result.stderr


def test_feed_server_answers_both_routes(cfg: Path, sqlite_url: str) -> None:
    config = load_config(cfg)
    server = FeedServer(config, sqlite_url, "127.0.0.1", 0, digest_inputs).start()
    try:
        with urllib.request.urlopen(f"{server.base_url}/feed.atom", timeout=10) as response:
            assert response.headers["Content-Type"].startswith("application/atom+xml")
            root = ET.fromstring(response.read())
        assert root.find("a:link[@rel='self']", NS) is not None
        with urllib.request.urlopen(f"{server.base_url}/fristen.ics", timeout=10) as response:
            assert response.headers["Content-Type"].startswith("text/calendar")
            assert response.read().startswith(b"BEGIN:VCALENDAR")
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{server.base_url}/admin", timeout=10)
        assert missing.value.code == 404
    finally:
        server.stop()


def test_feed_server_reports_an_unavailable_database(cfg: Path, tmp_path: Path) -> None:
    config = load_config(cfg)
    server = FeedServer(config, "postgresql+psycopg://nobody@127.0.0.1:1/x", "127.0.0.1", 0, digest_inputs).start()
    try:
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(f"{server.base_url}/feed.atom", timeout=20)
        assert failed.value.code == 503
    finally:
        server.stop()


def test_feed_server_serves_each_municipality_its_own_feed(cfg: Path, sqlite_url: str) -> None:
    """With kommunen/: /SLUG/feed.atom per municipality; the bare /feed.atom would be ambiguous."""
    measures = cfg / "measures.yaml"
    (cfg / "kommunen").mkdir()
    (cfg / "kommunen" / "teststadt.yaml").write_text(measures.read_text(encoding="utf-8"), encoding="utf-8")
    (cfg / "kommunen" / "andere.yaml").write_text(
        "city: {name: Andere, region: DE-NW, applicant_types: [kommune]}\n"
        "measures: [{id: breitband, title: WLAN, keywords: [WLAN]}]\n", encoding="utf-8")
    measures.unlink()
    server = FeedServer(load_config(cfg), sqlite_url, "127.0.0.1", 0, digest_inputs).start()
    try:
        def titles(path: str) -> set[str]:
            with urllib.request.urlopen(f"{server.base_url}{path}", timeout=10) as response:
                root = ET.fromstring(response.read())
            return {e.findtext("a:title", namespaces=NS) or "" for e in root.findall("a:entry", NS)}

        assert any("Gigabit" in t for t in titles("/teststadt/feed.atom"))
        assert titles("/andere/feed.atom") == set()
        for path in ("/feed.atom", "/unbekannt/feed.atom", "/teststadt/admin", "/a/b/feed.atom"):
            with pytest.raises(urllib.error.HTTPError) as missing:
                urllib.request.urlopen(f"{server.base_url}{path}", timeout=10)
            assert missing.value.code == 404, path
    finally:
        server.stop()
