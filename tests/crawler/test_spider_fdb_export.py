"""The ``foerderdatenbank_export`` kind end to end: runner → worker process → Scrapy (HTTP cache with
revalidation) → spider → reader → pipeline → SQLite (and PostgreSQL where configured), against a
loopback server serving a synthetic export written by bench/fdb_export.py.

Writes are counted by row triggers in the database, so even an UPDATE that rewrites equal values
would count.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import bench_modules
import pytest
import yaml
from config_files import crawl_config
from fault_server import FaultServer
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from write_counter import WriteCounter

from foerderradar.crawler.entry.base import PortalBase
from foerderradar.crawler.kinds.foerderdatenbank_export.config import FDB_EXPORT_URL, FoerderdatenbankExportPortal
from foerderradar.crawler.kinds.foerderdatenbank_export.reader import ExportReader
from foerderradar.crawler.kinds.foerderdatenbank_export.spider import FoerderdatenbankExportSpider
from foerderradar.crawler.runner import PortalResult, check_portal, crawl_portal
from foerderradar.fixture_server import Answer, FixtureServer
from foerderradar.health import portal_health
from foerderradar.model import FundingCall
from foerderradar.notifier.alerts import alerts_for, render_alert
from foerderradar.settings import ConfigError, load_portals
from foerderradar.storage import Store

PROJECT = Path(__file__).resolve().parents[2]
KEY = "fdb"
N = 40
EXPORT = "FDB/WS/export"  # where the export lives below the server root (the real URL's path)
T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
TABLES = ("calls", "call_events")


gen = bench_modules.load("fdb_export")


def call_id(i: int) -> str:
    return f"{KEY}:{gen.source_id(i)}"


class Portal:
    """The export on a loopback server, one store, and crawls that return what the server saw."""

    def __init__(self, tmp_path: Path, store: Store, base_url: str, **portal: Any) -> None:
        self.store, self.tmp = store, tmp_path
        self.portal = FoerderdatenbankExportPortal(
            key=KEY, kind="foerderdatenbank_export", base_url=base_url, **portal
        )
        self.config = crawl_config(tmp_path, self.portal, http_cache=True, timeout_s=10)

    def crawl(self, now: datetime) -> PortalResult:
        return crawl_portal(self.portal, self.config, self.store, cache_dir=self.tmp / "cache", now=now)

    def events(self, after: datetime) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for event in self.store.events_since(after):
            out.setdefault(event.kind, set()).add(event.call_id)
        return out


def export_answers(answers: list[Answer]) -> list[Answer]:
    return [a for a in answers if a.target == "/" + EXPORT]


def stored(store: Store) -> dict[str, tuple[str, Any]]:
    """Every call of the portal: id → (content hash, gone_at)."""
    return {c.id: (c.content_hash, c.gone_at) for c in store.iter_calls()}


def seed(store: Store, export: Path, now: datetime) -> None:
    """The store as a first crawl of ``export`` would leave it (read directly: no crawl needed)."""
    with ExportReader(export, today=now.date()) as reader:
        calls = [FundingCall.model_validate({"source": KEY, **r.call}) for r in reader if r.call is not None]
    store.upsert_calls(calls, now=now)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.close()


def test_first_crawl_then_one_304_writing_nothing_then_only_the_changed_calls(tmp_path: Path, store: Store) -> None:
    root = tmp_path / "site"
    gen.write_export(root / EXPORT, N, unknown_codes=True)
    writes = WriteCounter(store, TABLES)
    with FixtureServer(root) as server:
        portal = Portal(tmp_path, store, server.base_url)
        first = portal.crawl(T0)
        assert first.ok and (first.items, first.new, first.errors) == (N, N, 0), first.messages
        assert [a.status for a in export_answers(server.site.answers)] == [200]
        # An unknown category code is a note, not an error: the crawl stays clean.
        assert first.notes == [
            "Förderberechtigte-Code 'genossenschaft' ist noch nicht zugeordnet (zuerst gesehen in "
            f"{sorted(gen.programme_path(i) for i in range(7, N, 50))[0]})"
        ]
        record = store.get_call(call_id(3))
        assert record is not None and record.url == gen.site_url(3)  # the site's address, not 127.0.0.1
        assert record.title == gen.clean_title(3) and record.funding_body == gen.geber_title(3)

        # Repeat, nothing changed: one conditional request answered 304, the cached zip read again,
        # not one row written.
        before, mark = writes.counts(), len(server.site.answers)
        repeat = portal.crawl(T0 + timedelta(hours=1))
        [answer] = export_answers(server.site.answers[mark:])
        assert answer.conditional and answer.status == 304
        assert (repeat.items, repeat.new, repeat.changed, repeat.errors, repeat.gone) == (N, 0, 0, 0, 0)
        assert (repeat.not_modified, repeat.bytes < 2000) == (1, True)
        assert writes.counts() == before

        # 5 % changed (a new deadline in the Fristen section): exactly those calls amended.
        changed = gen.pick(N, 5, offset=3)  # programmes 3 and 23: both have a Fristen date
        gen.write_export(root / EXPORT, N, revisions={i: 1 for i in changed}, unknown_codes=True)
        result = portal.crawl(T0 + timedelta(hours=2))
        assert (result.items, result.new, result.changed, result.errors) == (N, 0, len(changed), 0)
        assert portal.events(T0 + timedelta(hours=1, minutes=59)) == {"amended": {call_id(i) for i in changed}}
        after = writes.counts()
        assert after["calls"] - before["calls"] == len(changed)
        for i in changed:
            record = store.get_call(call_id(i))
            assert record is not None and record.deadline is not None
            assert record.deadline.isoformat() == gen.deadline(i, revision=1) != gen.deadline(i)


def test_truncated_export_fails_marks_nothing_gone_and_a_clean_read_does(tmp_path: Path, sqlite_url: str) -> None:
    root = tmp_path / "site"
    full = gen.write_export(tmp_path / "full.zip", N)
    store = Store(sqlite_url)
    try:
        seed(store, full, T0)
        before = stored(store)
        # The new export lacks programme 9, but only its first half arrives (served as if complete).
        gen.write_export(tmp_path / "new.zip", N, removed={9})
        gen.truncate(tmp_path / "new.zip", root / EXPORT, 0.5)
        with FixtureServer(root) as server:
            portal = Portal(tmp_path, store, server.base_url)
            failed = portal.crawl(T0 + timedelta(hours=1))
            assert not failed.ok and (failed.items, failed.errors, failed.gone) == (0, 1, 0)
            [message] = failed.messages
            assert message.startswith(f"Export unvollständig oder beschädigt: {FDB_EXPORT_URL} (Zip-Verzeichnis fehlt")
            assert stored(store) == before and not store.events_since(T0 + timedelta(minutes=59))
            # Health names the failure kind; the alert mail gives the export's advice, not the layout's.
            [health] = portal_health(store, [KEY], failures_in_a_row=1)
            assert health.flagged and "Export unvollständig oder beschädigt" in health.summary
            [alert] = alerts_for(portal.config, [health])
            mail = render_alert(alert, portal.config)
            for part in (" ".join(mail.text.split()), " ".join(mail.html.split())):
                assert "Der Export (eine ZIP-Datei mit allen Programmen) kam nicht vollständig" in part
                assert "max_size_mb" in part and "Seitenaufbau" not in part

            # The whole export arrives: programme 9 is gone, the others unchanged.
            gen.write_export(root / EXPORT, N, removed={9})
            clean = portal.crawl(T0 + timedelta(hours=2))
            assert clean.ok and (clean.items, clean.errors, clean.gone, clean.changed) == (N - 1, 0, 1, 0)
            assert portal.events(T0 + timedelta(hours=1, minutes=59)) == {"gone": {call_id(9)}}
    finally:
        store.close()


FAULTS: list[tuple[str, dict[str, Any], str]] = [
    # (fault of the server, portal keys, start of the German message)
    ("truncated", {}, f"Antwort unvollständig: {FDB_EXPORT_URL} hat die Verbindung vor dem Ende"),
    ("garbage", {}, f"Export unvollständig oder beschädigt: {FDB_EXPORT_URL} (eine HTML-Seite statt einer Zip-Datei"),
    ("500", {}, f"HTTP 500 (Serverfehler des Portals): {FDB_EXPORT_URL}"),
    ("oversized", {"max_size_mb": 1}, f"Antwort zu groß: {FDB_EXPORT_URL} liefert mehr als 1 MB"),
]


@pytest.mark.parametrize(("fault", "keys", "message"), FAULTS, ids=[f for f, _, _ in FAULTS])
def test_a_failed_download_is_reported_and_marks_nothing_gone(
    tmp_path: Path, sqlite_url: str, fault: str, keys: dict[str, Any], message: str
) -> None:
    root = tmp_path / "site"
    seed_store = Store(sqlite_url)
    try:
        seed(seed_store, gen.write_export(tmp_path / "full.zip", N), T0)
        before = stored(seed_store)
        gen.write_export(root / EXPORT, N, removed={4})  # were it read, programme 4 would be gone
        with FaultServer(root) as server:
            server.fault = fault  # type: ignore[assignment]
            server.only = "/" + EXPORT
            result = Portal(tmp_path, seed_store, server.base_url, **keys).crawl(T0 + timedelta(hours=1))
        assert not result.ok and result.items == 0 and result.errors >= 1 and result.gone == 0
        assert any(m.startswith(message) for m in result.messages), result.messages
        assert stored(seed_store) == before
    finally:
        seed_store.close()


def test_portals_check_reads_the_loopback_copy_and_stores_nothing(tmp_path: Path) -> None:
    root = tmp_path / "site"
    gen.write_export(root / EXPORT, N, unknown_codes=True)
    with FixtureServer(root) as server:
        portal = Portal(tmp_path, Store(f"sqlite:///{tmp_path / 'unused.db'}"), server.base_url)
        check = check_portal(portal.portal, portal.config, max_items=5, cache_dir=tmp_path / "cache")
    assert check.ok and check.items >= 5 and not check.messages, check.messages
    assert check.warnings() == []  # summary, description, applicants, regions and deadlines are filled
    sample = check.sample[0]
    assert sample["url"].startswith("https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/")
    assert sample["source"] == KEY and sample["language"] == "de"
    assert any("genossenschaft" in n for n in check.notes)  # read among the first programmes (Bund/BMBF)
    assert date.fromisoformat(sample["published_at"][:10]).year == 2025


# -- the spider's pieces (responses handed to it directly) ---------------------------------------------


def make_spider(**portal: Any) -> tuple[FoerderdatenbankExportSpider, Any]:
    config = FoerderdatenbankExportPortal.model_validate({"key": KEY, "kind": "foerderdatenbank_export", **portal})
    crawler = get_crawler(FoerderdatenbankExportSpider)
    crawler.stats.open_spider()  # type: ignore[union-attr]
    spider = FoerderdatenbankExportSpider.from_crawler(crawler, portal=config, today=date(2026, 11, 25))
    return spider, crawler


def test_one_request_with_its_own_size_limit() -> None:
    spider, _ = make_spider(max_size_mb=300)
    [request] = list(spider.start_requests())
    assert request.url == FDB_EXPORT_URL and request.callback == spider.parse
    assert (request.meta["download_maxsize"], request.meta["download_warnsize"]) == (300 * 2**20, 150 * 2**20)
    assert request.headers[b"Accept"].startswith(b"application/zip")


def test_a_body_marked_incomplete_is_not_read(tmp_path: Path) -> None:
    body = gen.write_export(tmp_path / "x.zip", 10).read_bytes()  # a complete zip: the flag alone decides
    for flag in ("partial", "dataloss"):
        spider, crawler = make_spider()
        assert list(spider.parse(Response(FDB_EXPORT_URL, body=body, flags=[flag]))) == []
        [message] = crawler.stats.get_value("foerderradar/download_messages")
        assert message.startswith(f"Export unvollständig oder beschädigt: {FDB_EXPORT_URL} (Übertragung abgebrochen")
        assert crawler.stats.get_value("foerderradar/download_errors") == 1


def test_parse_yields_every_programme_and_reports_a_broken_one(tmp_path: Path) -> None:
    path = gen.write_export(tmp_path / "x.zip", 12, unknown_codes=True)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(f"{gen.ROOT}Foerderprogramm/Land/Bayern/kaputt.xml", b"<document><property name=")
    spider, crawler = make_spider()
    items = list(spider.parse(Response(FDB_EXPORT_URL, body=path.read_bytes())))
    assert sorted(i["source_id"] for i in items) == sorted(gen.source_id(i) for i in range(12))
    assert all(i["source"] == KEY for i in items)
    [error] = crawler.stats.get_value("foerderradar/download_messages")
    assert f"Dokument {gen.ROOT}Foerderprogramm/Land/Bayern/kaputt.xml nicht lesbar" in error
    assert crawler.stats.get_value("foerderradar/download_errors") == 1
    [unknown] = crawler.stats.get_value("foerderradar/notes")
    assert unknown.startswith("Förderberechtigte-Code 'genossenschaft' ist noch nicht zugeordnet")


# -- config -----------------------------------------------------------------------------------------------

CONFIG: list[tuple[dict[str, Any], str | None]] = [
    ({}, None),
    ({"url": "https://spiegel.example.org/FDB/WS/export", "max_size_mb": 500}, None),
    ({"url": "ftp://www.foerderdatenbank.de/export"}, "portals[0].url: 'ftp://www.foerderdatenbank.de/export' ist "
     "keine http(s)-Adresse; erwartet z. B. https://www.foerderdatenbank.de/FDB/WS/export"),
    ({"max_size_mb": 0}, "portals[0].max_size_mb: muss mindestens 1 sein, nicht 0"),
    ({"max_size_mb": 501}, "portals[0].max_size_mb: darf höchstens 500 sein"),
    ({"start_urls": []}, "portals[0].start_urls: unbekannter Schlüssel"),
]


@pytest.mark.parametrize(("entry", "problem"), CONFIG)
def test_config_entry(tmp_path: Path, entry: dict[str, Any], problem: str | None) -> None:
    doc = {"portals": [{"key": "fdb", "kind": "foerderdatenbank_export", **entry}]}
    (tmp_path / "portals.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    if problem is None:
        [portal] = load_portals(tmp_path)
        assert isinstance(portal, FoerderdatenbankExportPortal)
        assert portal.name == "Förderdatenbank des Bundes (Export)"
        assert (portal.url, portal.max_size_mb) == (entry.get("url", FDB_EXPORT_URL), entry.get("max_size_mb", 200))
        return
    with pytest.raises(ConfigError) as info:
        load_portals(tmp_path)
    [message] = info.value.problems
    assert problem in message, message


def test_documented_example_and_keys(tmp_path: Path) -> None:
    text = (PROJECT / "docs" / "portal-kinds.md").read_text(encoding="utf-8")
    body = text.split("\n## foerderdatenbank_export\n", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```yaml\n(.*?)```", body, re.S)
    (tmp_path / "portals.yaml").write_text(block, encoding="utf-8")
    [portal] = load_portals(tmp_path)
    assert isinstance(portal, FoerderdatenbankExportPortal) and portal.url == FDB_EXPORT_URL
    own_keys = set(FoerderdatenbankExportPortal.model_fields) - set(PortalBase.model_fields) - {"kind"}
    assert own_keys == {"url", "max_size_mb"}
    assert all(f"| `{key}` |" in body for key in own_keys)
    shipped = (PROJECT / "config" / "portals.yaml").read_text(encoding="utf-8")
    assert all(f"#       {key}:" in shipped for key in own_keys)  # the comment block city IT reads
