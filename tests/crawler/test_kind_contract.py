"""The contract every portal kind gets for free: load, crawl end to end, repeat, portals check, failure.

One sample per registered kind — an entry as city IT would write it in portals.yaml, and a loopback
copy of a portal (the demo site or a fixture folder) — run through the real code path: the config
loader, the runner, a worker process, Scrapy, the kind's spider, the pipeline, SQLite. A kind added to
``KINDS`` without a sample here fails :func:`test_every_kind_has_a_sample`, so a new kind cannot skip
the contract. Kind-specific behaviour (fields, pitfalls of one portal) stays in the kind's own tests.

For every kind:

1. the entry loads from a portals.yaml file (validated by the kind's config model);
2. a first crawl stores the sample's calls, every one a valid call of this portal with an http(s)
   address on the portal's real host (base_url never leaks into the data);
3. a repeat crawl of the unchanged portal finds nothing new, changed or gone;
4. ``portals check`` reads the same portal and stores nothing;
5. a portal answering 500 everywhere fails with a German message naming the real URL, and the
   stored calls stay as they are — nothing is marked gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from fault_server import FaultServer

from foerderradar.crawler.registry import KINDS
from foerderradar.crawler.runner import check_portal, crawl_portal
from foerderradar.fixture_server import FixtureServer
from foerderradar.settings import AppSettings, Config, CrawlerSettings, MeasuresFile, load_portals
from foerderradar.storage import Store

TESTS = Path(__file__).resolve().parents[1]
DEMO_SITE = TESTS.parent / "foerderradar" / "demo_site"
FIXTURES = TESTS / "fixtures"
MEASURES = MeasuresFile.model_validate(
    {"city": {"name": "Teststadt", "region": "DE-NW", "applicant_types": ["kommune"]},
     "measures": [{"id": "a", "title": "Digitalisierung"}]}
)


@dataclass(frozen=True)
class Sample:
    entry: dict[str, Any]  # as in portals.yaml, without base_url
    site: Path
    routes: dict[str, str] | None  # None: the site's routes.json (or plain files)
    items: int  # calls a crawl stores
    errors: int = 0  # pages the sample breaks on purpose (reported, the rest stored)
    host: str = ""  # the real host every stored call's URL names (base_url never leaks into the data)
    fetched: str = ""  # the real address failures name (default: https://<host>)

    @property
    def fetch_prefix(self) -> str:
        return self.fetched or f"https://{self.host}"


SAMPLES: dict[str, Sample] = {
    "foerderdatenbank": Sample(
        {"key": "fdb-html", "kind": "foerderdatenbank"}, DEMO_SITE, None, 14, host="www.foerderdatenbank.de"),
    "foerderdatenbank_export": Sample(
        {"key": "fdb", "kind": "foerderdatenbank_export"}, DEMO_SITE, None, 8, host="www.foerderdatenbank.de"),
    "eu_sedia": Sample(
        {"key": "eu", "kind": "eu_sedia", "page_size": 100}, DEMO_SITE, None, 3, host="ec.europa.eu",
        fetched="https://api.tech.ec.europa.eu/search-api/"),
    "feed": Sample(
        {"key": "aufrufe", "kind": "feed", "url": "https://foerderung.example.org/rss/aufrufe.xml"},
        FIXTURES / "feed", {"/rss/aufrufe.xml": "rss2.xml"}, 3, host="foerderung.example.org"),
    "json": Sample(
        {"key": "api", "kind": "json", "url": "https://api.foerderung.example.org/v1/calls",
         "items": "data.results", "pagination": {"param": "page"},
         "fields": {"source_id": "identifier", "title": "metadata.title.0"},
         "url_template": "https://foerderung.example.org/aufruf/{identifier}"},
        FIXTURES / "json",
        {"/v1/calls?page=1": "page1.json", "/v1/calls?page=2": "page2.json", "/v1/calls?page=3": "page3.json"},
        3, host="foerderung.example.org", fetched="https://api.foerderung.example.org/v1/calls"),
    "csv": Sample(
        {"key": "tabelle", "kind": "csv", "url": "https://www.foerderung.example.org/export/programme.csv",
         "fields": {"source_id": "id_hash", "description": "description"}, "where": {"deleted": False}},
        FIXTURES / "csv", {"/export/programme.csv": "republication.csv"}, 3, errors=1,  # a row without link
        host="foerderung.example.org", fetched="https://www.foerderung.example.org/export/"),
    "html": Sample(
        {"key": "foerderbank", "kind": "html", "list_urls": ["https://foerderbank.example.org/de/foerderung/foerderprodukte.html"],
         "item": "article.product-teaser:not(.product-teaser--promo)", "link": "h3 a",
         "next_page": "a.pagination__next", "sections": True, "fields": {"title": "h1 ::text"}},
        FIXTURES / "nrw", None, 5, errors=1, host="foerderbank.example.org"),  # one product page has no title
    "watch": Sample(
        {"key": "bezreg", "kind": "watch",
         "urls": ["https://bezirksregierung.example.org/foerderung/gigabitkoordination",
                  "https://bezirksregierung.example.org/foerderung/digitale-schule"]},
        FIXTURES / "nrw", None, 2, host="bezirksregierung.example.org"),
}


def config_of(tmp_path: Path, sample: Sample, base_url: str) -> Config:
    """The entry written to a portals.yaml and loaded as city IT's would be."""
    directory = tmp_path / "config"
    directory.mkdir(exist_ok=True)
    entry = {**sample.entry, "base_url": base_url}
    (directory / "portals.yaml").write_text(yaml.safe_dump({"portals": [entry]}, allow_unicode=True), encoding="utf-8")
    [portal] = load_portals(directory)
    crawler = CrawlerSettings(download_delay=0, http_cache=False, timeout_s=5, portal_timeout_s=120)
    return Config(directory, MEASURES, [portal], AppSettings(crawler=crawler))


def serve(sample: Sample) -> FixtureServer:
    return FixtureServer(sample.site, sample.routes)


def test_every_kind_has_a_sample() -> None:
    assert set(SAMPLES) == set(KINDS), "a new portal kind needs a sample in this contract test"


@pytest.fixture(params=sorted(SAMPLES))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_load_crawl_repeat_and_check(kind: str, tmp_path: Path) -> None:
    sample = SAMPLES[kind]
    store = Store(f"sqlite:///{tmp_path / 'contract.db'}")
    try:
        with serve(sample) as server:
            cfg = config_of(tmp_path, sample, server.base_url)
            [portal] = cfg.portals
            assert type(portal) is KINDS[kind].config_model
            first = crawl_portal(portal, cfg, store, cache_dir=tmp_path / "cache")
            second = crawl_portal(portal, cfg, store, cache_dir=tmp_path / "cache")
            check = check_portal(portal, cfg, cache_dir=tmp_path / "check-cache")
        calls = list(store.iter_calls())
    finally:
        store.close()
    assert first.ok and first.errors == sample.errors, first.messages
    assert first.items == first.new == len(calls) > 0
    assert first.items == sample.items
    for call in calls:
        assert call.source == portal.key
        assert urlsplit(call.url).scheme in ("http", "https")
        assert urlsplit(call.url).hostname == sample.host, call.url  # the real host, not the loopback copy
    assert (second.items, second.new, second.changed, second.gone) == (first.items, 0, 0, 0)
    assert check.ok and check.items > 0 and check.sample
    assert check.sample[0]["source"] == portal.key


def test_a_failing_portal_fails_in_german_and_keeps_its_calls(kind: str, tmp_path: Path) -> None:
    sample = SAMPLES[kind]
    store = Store(f"sqlite:///{tmp_path / 'contract.db'}")
    try:
        with serve(sample) as good:
            cfg = config_of(tmp_path, sample, good.base_url)
            [portal] = cfg.portals
            crawl_portal(portal, cfg, store, cache_dir=tmp_path / "cache")
        before = {c.id: (c.content_hash, c.gone_at) for c in store.iter_calls()}
        with FaultServer(sample.site, sample.routes) as bad:
            bad.fault = "500"
            cfg = config_of(tmp_path, sample, bad.base_url)
            [portal] = cfg.portals
            failed = crawl_portal(portal, cfg, store, cache_dir=tmp_path / "cache")
        after = {c.id: (c.content_hash, c.gone_at) for c in store.iter_calls()}
    finally:
        store.close()
    assert not failed.ok and failed.items == 0 and failed.gone == 0
    assert any(m.startswith(f"HTTP 500 (Serverfehler des Portals): {sample.fetch_prefix}") for m in failed.messages), (
        failed.messages
    )
    assert after == before  # nothing changed, nothing gone

