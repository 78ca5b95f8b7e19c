"""Portal kinds, registered by name with the config keys each declares (urlwatch-style).

Each kind lives in its own package, ``foerderradar/crawler/kinds/<kind>/``: ``config.py``
(a subclass of ``PortalBase`` with a ``kind`` literal and its own keys) and ``spider.py``; it is
registered here with one line. ``portals.yaml`` entries are validated against the model of their
``kind``, so a typo in a key is an error naming the entry, not a silent default.

The settings loader imports this module (lazily), never the reverse; spiders are imported only when a
crawl asks for one, so loading the config never imports Scrapy.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from foerderradar.crawler.entry.base import PortalBase
from foerderradar.crawler.kinds.csv.config import CsvPortal
from foerderradar.crawler.kinds.eu_sedia.config import EuSediaPortal
from foerderradar.crawler.kinds.feed.config import FeedPortal
from foerderradar.crawler.kinds.foerderdatenbank.config import FoerderdatenbankPortal
from foerderradar.crawler.kinds.foerderdatenbank_export.config import FoerderdatenbankExportPortal
from foerderradar.crawler.kinds.html.config import HtmlPortal
from foerderradar.crawler.kinds.json.config import JsonPortal
from foerderradar.crawler.kinds.watch.config import WatchPortal

if TYPE_CHECKING:
    import scrapy


@dataclass(frozen=True)
class PortalKind:
    name: str  # also the package the kind lives in: foerderradar/crawler/kinds/<name>/
    config_model: type[PortalBase]
    spider: str  # the class in the kind's spider.py, imported lazily so loading config never imports Scrapy

    @property
    def spider_path(self) -> str:
        return f"{__package__}.kinds.{self.name}.spider:{self.spider}"

    def spider_class(self) -> type[scrapy.Spider]:
        module, _, cls = self.spider_path.partition(":")
        spider: type[scrapy.Spider] = getattr(importlib.import_module(module), cls)
        return spider


KINDS: dict[str, PortalKind] = {
    kind.name: kind
    for kind in (
        PortalKind("foerderdatenbank", FoerderdatenbankPortal, "FoerderdatenbankSpider"),
        PortalKind("foerderdatenbank_export", FoerderdatenbankExportPortal, "FoerderdatenbankExportSpider"),
        PortalKind("eu_sedia", EuSediaPortal, "EuSediaSpider"),
        PortalKind("feed", FeedPortal, "FeedSpider"),
        PortalKind("json", JsonPortal, "JsonApiSpider"),
        PortalKind("html", HtmlPortal, "HtmlListSpider"),
        PortalKind("watch", WatchPortal, "WatchSpider"),
        PortalKind("csv", CsvPortal, "CsvSpider"),
    )
}


def portal_models() -> dict[str, type[PortalBase]]:
    return {name: kind.config_model for name, kind in KINDS.items()}
