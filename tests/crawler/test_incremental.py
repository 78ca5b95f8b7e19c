"""Incremental crawling: a repeat crawl of an unchanged portal re-downloads nothing and writes nothing.

Real parts throughout: runner → worker process → Scrapy (HTTP cache with revalidation) → spider →
pipeline → SQLite and PostgreSQL, against the FixtureServer on 127.0.0.1 serving the bench's
synthetic Förderdatenbank site (bench/fdb_site.py). Writes are counted by row triggers in the
database, so even an UPDATE that rewrites equal values would count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bench_modules
import pytest
from config_files import crawl_config
from parsel import Selector
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import HtmlResponse, Request, Response
from scrapy.settings import Settings
from write_counter import WriteCounter

from foerderradar.crawler.card_signatures import CARD_META, card_signature, recheck_due, recheck_slot
from foerderradar.crawler.http_cache import RevalidatingPolicy
from foerderradar.crawler.kinds.foerderdatenbank.config import FDB_DEFAULT_START_URLS, FoerderdatenbankPortal
from foerderradar.crawler.runner import PortalResult, crawl
from foerderradar.fixture_server import Answer, FixtureServer
from foerderradar.model import FundingCall
from foerderradar.storage import Store

PROJECT = Path(__file__).resolve().parents[2]
KEY = "fdb"
N = 12  # programmes: two list pages of the first facet
T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
TABLES = ("calls", "call_events", "page_state")


site = bench_modules.load("fdb_site")


def call_id(i: int) -> str:
    return f"{KEY}:Land/Bench/programm-{i:05d}"


def detail_target(i: int) -> str:
    return "/" + str(site.detail_path(i))


def details(answers: list[Answer], status: int | None = None) -> list[str]:
    """Programme pages among the server's answers (optionally only those with ``status``)."""
    return sorted(a.target for a in answers if a.target.startswith("/FDB/Content/") and status in (None, a.status))


class Portal:
    """The bench site on a loopback server, one store, and a crawl that returns what the server saw."""

    def __init__(self, tmp_path: Path, store: Store, server: FixtureServer, recheck_days: int | None = None) -> None:
        self.store, self.server, self.tmp = store, server, tmp_path
        portal = FoerderdatenbankPortal(
            key=KEY, kind="foerderdatenbank", base_url=server.base_url, max_pages=100, recheck_days=recheck_days
        )
        self.config = crawl_config(tmp_path, portal, concurrent_requests=8, http_cache=True)

    def crawl(self, now: datetime) -> tuple[PortalResult, list[Answer]]:
        mark = len(self.server.site.answers)
        [result] = crawl(self.config, self.store, cache_dir=self.tmp / "cache", now=now)
        return result, list(self.server.site.answers[mark:])

    def events(self, after: datetime) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for event in self.store.events_since(after):
            out.setdefault(event.kind, set()).add(event.call_id)
        return out


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.close()


def test_repeat_crawl_revalidates_writes_nothing_and_finds_every_change(
    tmp_path: Path, store: Store
) -> None:
    root = site.build_site(tmp_path / "site", N)
    writes = WriteCounter(store, TABLES)
    with FixtureServer(root) as server:
        portal = Portal(tmp_path, store, server)
        first, _ = portal.crawl(T0)
        assert first.ok and (first.new, first.errors) == (N, 0), first.messages
        assert first.requests == first.downloads > N and first.not_modified == 0

        # Repeat: every page is asked for conditionally and answered 304; the cached body is parsed.
        before = writes.counts()
        repeat, answers = portal.crawl(T0 + timedelta(hours=1))
        assert (repeat.items, repeat.new, repeat.changed, repeat.errors) == (N, 0, 0, 0)
        assert len(details(answers)) == N and details(answers, 200) == []
        assert all(a.conditional and a.status == 304 for a in answers), answers
        assert repeat.downloads == 0 and repeat.not_modified == repeat.requests == len(answers)
        assert 0 < repeat.bytes < first.bytes / 5
        assert writes.counts() == before  # not a row of calls, call_events or page_state

        # One programme page changes: downloaded alone, recorded as amended (deadline moved).
        site.write_detail(root, 3, revision=1)
        changed, answers = portal.crawl(T0 + timedelta(hours=2))
        assert details(answers, 200) == [detail_target(3)]
        assert (changed.changed, changed.downloads) == (1, 1)
        [event] = store.events_since(T0 + timedelta(hours=1, minutes=59))
        assert (event.kind, event.call_id) == ("amended", call_id(3))
        assert event.fields and "deadline" in event.fields

        # A programme leaves the list: gone after the complete crawl, though nothing was re-downloaded.
        site.write_lists(root, N, hidden={5})
        removed, answers = portal.crawl(T0 + timedelta(hours=3))
        assert removed.gone == 1 and details(answers, 200) == []
        assert portal.events(T0 + timedelta(hours=2, minutes=59)) == {"gone": {call_id(5)}}
        record = store.get_call(call_id(5))
        assert record is not None and record.gone_at is not None

        # Listed again: its unchanged page (304) still goes through the upsert, which records "back".
        site.write_lists(root, N)
        back, _ = portal.crawl(T0 + timedelta(hours=4))
        assert portal.events(T0 + timedelta(hours=3, minutes=59)) == {"back": {call_id(5)}}
        assert back.items == N and store.count_calls() == N


def test_recheck_days_skips_unchanged_cards_and_fetches_changed_and_new(tmp_path: Path, store: Store) -> None:
    root = site.build_site(tmp_path / "site", N)
    writes = WriteCounter(store, TABLES)
    with FixtureServer(root, validators=False) as server:
        portal = Portal(tmp_path, store, server, recheck_days=7)
        first, _ = portal.crawl(T0)
        assert first.ok and first.new == N and len(store.page_states(KEY)) == N

        before = writes.counts()
        repeat, answers = portal.crawl(T0 + timedelta(hours=1))
        assert details(answers) == [] and (repeat.skipped, repeat.items, repeat.new, repeat.changed) == (N, N, 0, 0)
        assert repeat.requests == len(answers) == first.requests - N  # robots.txt and the list pages only
        assert writes.counts() == before

        # Renamed (card changes), new card, card removed, and a change only on a programme page.
        site.write_detail(root, 4, revision=1)
        site.write_detail(root, 2, renamed=True)
        site.write_detail(root, N)
        site.write_lists(root, N + 1, renamed={2}, hidden={7})
        changed, answers = portal.crawl(T0 + timedelta(hours=2))
        assert details(answers) == sorted([detail_target(2), detail_target(N)])
        assert changed.skipped == N - 2 and changed.gone == 1
        assert portal.events(T0 + timedelta(hours=1, minutes=59)) == {
            "amended": {call_id(2)}, "new": {call_id(N)}, "gone": {call_id(7)}
        }

        # The page-only change is found when its page is re-checked: within recheck_days at the latest.
        later, answers = portal.crawl(T0 + timedelta(days=7, hours=1))
        assert detail_target(4) in details(answers)
        assert portal.events(T0 + timedelta(days=7)).get("amended") == {call_id(4)}
        assert later.items == N and later.errors == 0


def test_portal_down_is_reported_not_answered_from_the_cache(tmp_path: Path, sqlite_url: str) -> None:
    """Scrapy's cache would serve the cached copies when the connection fails; that hides a dead portal."""
    root = site.build_site(tmp_path / "site", N)
    store = Store(sqlite_url)
    try:
        with FixtureServer(root) as server:
            portal = Portal(tmp_path, store, server)
            first, _ = portal.crawl(T0)
            assert first.ok and first.new == N
        down, _ = portal.crawl(T0 + timedelta(hours=1))  # same base_url, nobody listening
        assert not down.ok and down.items == 0 and down.errors > 0
        assert store.count_calls() == N and not store.events_since(T0 + timedelta(minutes=59))
    finally:
        store.close()


# -- the pieces ----------------------------------------------------------------------------------


def cached_page(**headers: str) -> tuple[Request, Response]:
    request = Request("https://www.foerderdatenbank.de/p.html")
    return request, HtmlResponse(request.url, status=200, headers=headers, body=b"<html></html>", request=request)


def test_policy_always_revalidates_even_a_fresh_page() -> None:
    request, cached = cached_page(
        ETag='"abc"', **{"Last-Modified": "Mon, 02 Nov 2026 06:00:00 GMT", "Cache-Control": "max-age=86400"}
    )
    assert RFC2616Policy(Settings()).is_cached_response_fresh(cached, Request(request.url))  # would not ask
    assert not RevalidatingPolicy(Settings()).is_cached_response_fresh(cached, request)
    assert request.headers[b"If-None-Match"] == b'"abc"'
    assert request.headers[b"If-Modified-Since"] == b"Mon, 02 Nov 2026 06:00:00 GMT"


def test_policy_uses_the_cached_copy_only_on_304() -> None:
    request, cached = cached_page(ETag='"abc"')
    error = Response(request.url, status=500, request=request)
    assert RFC2616Policy(Settings()).is_cached_response_valid(cached, error, request)  # stale-if-error
    assert not RevalidatingPolicy(Settings()).is_cached_response_valid(cached, error, request)
    assert RevalidatingPolicy(Settings()).is_cached_response_valid(cached, Response(request.url, status=304), request)


def test_policy_stores_only_pages_it_can_revalidate() -> None:
    policy = RevalidatingPolicy(Settings())
    request, with_etag = cached_page(ETag='"abc"')
    _, fresh_only = cached_page(**{"Cache-Control": "max-age=3600"})
    assert policy.should_cache_response(with_etag, request)
    assert not policy.should_cache_response(fresh_only, request)


def test_recheck_due_after_the_interval_or_on_the_page_s_day() -> None:
    url = "https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/Bund/BMDV/x.html"
    assert not recheck_due(url, T0, T0 + timedelta(hours=19), 1)  # not twice on one day
    assert recheck_due(url, T0, T0 + timedelta(days=1), 1)
    assert recheck_due(url, T0, T0 + timedelta(days=7), 7)
    due_days = [d for d in range(1, 8) if recheck_due(url, T0, T0 + timedelta(days=d), 7)]
    slot_day = next(d for d in range(1, 8) if (T0 + timedelta(days=d)).date().toordinal() % 7 == recheck_slot(url, 7))
    assert due_days[0] == slot_day


def test_recheck_days_spread_the_first_rechecks_over_the_interval() -> None:
    """Pages all fetched on one day are not all re-checked on one later day."""
    urls = [f"https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/Land/x/p{i}.html" for i in range(700)]
    first_due = [next(d for d in range(1, 8) if recheck_due(u, T0, T0 + timedelta(days=d), 7)) for u in urls]
    per_day = [first_due.count(d) for d in range(1, 8)]
    assert all(60 <= n <= 140 for n in per_day), per_day  # 100 expected per day


def test_card_signature_covers_text_and_link() -> None:
    card = '<div class="card"><p class="card--title"><a href="a.html"> Programm A </a></p><dd> Kommune </dd></div>'
    same = card.replace("> Programm A <", ">Programm   A<")
    other = card.replace("Kommune", "Unternehmen")
    sig = card_signature(Selector(text=card), "https://x/a.html")
    assert card_signature(Selector(text=same), "https://x/a.html") == sig  # whitespace is not a change
    assert card_signature(Selector(text=other), "https://x/a.html") != sig
    assert card_signature(Selector(text=card), "https://x/b.html") != sig


def test_recorded_list_page_gives_every_programme_request_its_card_signature(captures: Path) -> None:
    """On the real result page each card has its own signature, and it ignores the card's markup noise."""
    from foerderradar.crawler.kinds.foerderdatenbank.spider import FoerderdatenbankSpider

    url = FDB_DEFAULT_START_URLS[0]
    body = (captures / "foerderdatenbank" / "list_page1.html").read_bytes()
    spider = FoerderdatenbankSpider(FoerderdatenbankPortal(key=KEY, kind="foerderdatenbank"))
    out = list(spider.parse(HtmlResponse(url, body=body, encoding="utf-8", request=Request(url))))
    cards = [r.meta[CARD_META] for r in out if isinstance(r, Request) and r.callback == spider.parse_detail]
    assert len(cards) == 10 and len({c["signature"] for c in cards}) == 10
    assert all(c["url"].startswith("https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/") for c in cards)
    # A new session id in every link (the portal adds them) is not a change of the card.
    again = re.sub(rb'(href="FDB/Content/DE/Foerderprogramm/[^"]+?)\.html"', rb'\1.html;jsessionid=4F2A"', body)
    assert again != body
    out = list(spider.parse(HtmlResponse(url, body=again, encoding="utf-8", request=Request(url))))
    assert [r.meta[CARD_META] for r in out if isinstance(r, Request) and r.callback == spider.parse_detail] == cards


def _call(i: int, source: str = KEY) -> FundingCall:
    return FundingCall(source=source, source_id=f"p/{i}", url=f"https://x/{i}.html", title=f"P {i}")


def test_last_seen_is_refreshed_in_bulk_only_when_stale(store: Store) -> None:
    store.upsert_calls([_call(1), _call(2), _call(3), _call(1, source="other")], now=T0)
    store.upsert_call(_call(2), now=T0 + timedelta(days=6))  # seen recently (old path: a write)
    now = T0 + timedelta(days=8)
    seen = {_call(1).id, _call(2).id, _call(1, source="other").id}  # 3 not listed
    assert store.refresh_last_seen(KEY, seen, now) == 1
    stamps = {c.id: c.last_seen for c in store.iter_calls()}
    assert stamps[_call(1).id] == now  # stale and listed
    assert stamps[_call(2).id] == T0 + timedelta(days=6)  # fresh enough: untouched
    assert stamps[_call(3).id] == T0  # not listed
    assert stamps[_call(1, source="other").id] == T0  # another portal's call
    assert store.refresh_last_seen(KEY, seen, now) == 0


def test_call_hashes_leave_out_gone_calls(store: Store) -> None:
    store.upsert_calls([_call(1), _call(2)], now=T0)
    store.mark_gone(KEY, {_call(1).id}, now=T0)
    assert store.call_hashes(KEY) == {_call(1).id: _call(1).content_hash()}
