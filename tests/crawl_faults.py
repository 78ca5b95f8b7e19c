"""Helpers shared by the crawl fault tests: small configs, portal entries and store snapshots."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from config_files import crawl_config

from foerderradar.crawler.entry.base import PortalBase
from foerderradar.crawler.kinds.foerderdatenbank.config import FoerderdatenbankPortal
from foerderradar.crawler.kinds.json.config import JsonPortal
from foerderradar.settings import Config
from foerderradar.storage import Store

JSON_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "json"
JSON_ROUTES = {"/v1/calls?page=1": "page1.json", "/v1/calls?page=2": "page2.json", "/v1/calls?page=3": "page3.json"}
# Paths of the demo site (foerderradar/demo_site): every list page, the programme pages, the Land ones.
LIST_PAGES = "Foederprogrammsuche_Formular"
PROGRAMME_PAGES = "/FDB/Content/"
LAND_PAGES = "/Foerderprogramm/Land/"
PROGRAMMES = 14  # programme pages on the demo site


def config(
    tmp_path: Path, *portals: PortalBase, timeout_s: float = 1, portal_timeout_s: float = 120, concurrency: int = 4,
    **crawler: Any,
) -> Config:
    return crawl_config(tmp_path, *portals, timeout_s=timeout_s, portal_timeout_s=portal_timeout_s,
                        concurrent_requests=concurrency, **crawler)


def fdb(key: str, base_url: str) -> FoerderdatenbankPortal:
    return FoerderdatenbankPortal(key=key, kind="foerderdatenbank", base_url=base_url)


def api(key: str, base_url: str) -> JsonPortal:
    return JsonPortal.model_validate({
        "key": key, "kind": "json", "base_url": base_url, "url": "https://api.foerderung.example.org/v1/calls",
        "items": "data.results", "pagination": {"param": "page"},
        "fields": {"source_id": "identifier", "title": "metadata.title.0", "deadline": "metadata.deadlineDate.0"},
        "url_template": "https://foerderung.example.org/aufruf/{identifier}",
    })


def snapshot(store: Store, source: str) -> dict[str, tuple[Any, ...]]:
    """Everything a failed crawl must not touch: content, version, gone flag, last change."""
    return {
        r.id: (r.content_hash, r.version, r.gone_at, r.changed_at, r.title, r.deadline)
        for r in store.iter_calls() if r.source == source
    }


def events(store: Store) -> Counter[tuple[str, str]]:
    return Counter((e.call_id.split(":", 1)[0], e.kind) for e in store.events_since())
