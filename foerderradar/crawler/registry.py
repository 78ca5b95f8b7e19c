"""Portal kinds, registered by name with the config keys each declares (urlwatch-style).

Adding a portal type means: a config model (subclass of ``PortalBase`` with a ``kind`` literal and
its own keys) and a spider class, registered here. ``portals.yaml`` entries are validated against
the model of their ``kind``, so a typo in a key is an error naming the entry, not a silent default.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator

from foerderradar.crawler.csv_config import CsvPortal
from foerderradar.crawler.html_config import HtmlPortal, WatchPortal
from foerderradar.crawler.mapping import FeedPortal, JsonPortal
from foerderradar.settings import PortalBase

if TYPE_CHECKING:
    import scrapy

FDB_SEARCH = (
    "https://www.foerderdatenbank.de/SiteGlobals/FDB/Forms/Suche/Foederprogrammsuche_Formular.html"
    "?submit=Suchen&filterCategories=FundingProgram&sortOrder=dateOfIssue_dt+desc"
)
FDB_DEFAULT_START_URLS = [
    f"{FDB_SEARCH}&cl2Processes_Foerderberechtigte=kommune",
    f"{FDB_SEARCH}&cl2Processes_Foerderbereich=digitalisierung",
    f"{FDB_SEARCH}&cl2Processes_Foerderbereich=smart_cities_regionen",
    f"{FDB_SEARCH}&cl2Processes_Foerderbereich=infrastruktur",
]


class FoerderdatenbankPortal(PortalBase):
    """Förderdatenbank des Bundes: search result pages → programme pages.

    ``recheck_days`` (opt-in, for a server without ETag/Last-Modified): skip a programme page whose
    result card is unchanged and that was fetched in full less than N days ago (crawler/recheck.py).
    Without it every programme page is requested (and revalidated where the server allows).
    """

    kind: Literal["foerderdatenbank"]
    name: str = "Förderdatenbank des Bundes"
    start_urls: list[str] = Field(default_factory=lambda: list(FDB_DEFAULT_START_URLS), min_length=1)
    recheck_days: int | None = Field(default=None, ge=1, le=90)

    @field_validator("start_urls")
    @classmethod
    def _http(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{url!r} ist keine http(s)-Adresse; erwartet z. B. https://www.foerderdatenbank.de/…")
        return value


FDB_EXPORT_URL = "https://www.foerderdatenbank.de/FDB/WS/export"
# The export body is held in memory while it is read (MEMUSAGE_LIMIT_MB is 1 GiB): well below that.
FDB_EXPORT_MAX_SIZE_MB = 500


class FoerderdatenbankExportPortal(PortalBase):
    """Förderdatenbank des Bundes through its official XML export: one zip of the whole database.

    - ``url``: the export's address; only a mirror would change it (``base_url`` is the usual way).
    - ``max_size_mb``: the largest export accepted. The zip is far larger than the 10 MiB limit for
      pages, so this request has its own limit; a larger answer is reported, not read.

    ``max_pages`` has no meaning here (one request).
    """

    kind: Literal["foerderdatenbank_export"]
    name: str = "Förderdatenbank des Bundes (Export)"
    url: str = FDB_EXPORT_URL
    max_size_mb: int = Field(default=200, ge=1, le=FDB_EXPORT_MAX_SIZE_MB)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{value!r} ist keine http(s)-Adresse; erwartet z. B. {FDB_EXPORT_URL}")
        return value


SEDIA_API_URL = "https://api.tech.ec.europa.eu/search-api/prod/rest/search"
# The SEDIA index filters on numeric codes, city IT writes names: the names are the closed
# vocabulary of `programmes`/`statuses`, the codes are the API's (../shared/design/portals.md §2).
SediaProgramme = Literal["DIGITAL", "CEF", "HORIZON", "LIFE", "ERASMUS", "CERV"]
SediaStatus = Literal["open", "forthcoming"]
SEDIA_PROGRAMME_CODES: dict[str, str] = {
    "DIGITAL": "43152860",
    "CEF": "43251567",
    "HORIZON": "43108390",
    "LIFE": "43252405",
    "ERASMUS": "43353764",
    "CERV": "43251589",
}
SEDIA_STATUS_CODES: dict[str, str] = {"forthcoming": "31094501", "open": "31094502"}
# CERV (citizens, equality, rights and values) is rarely for a city's digital measures: opt-in.
SEDIA_DEFAULT_PROGRAMMES: list[SediaProgramme] = ["DIGITAL", "CEF", "HORIZON", "ERASMUS", "LIFE"]
SEDIA_DEFAULT_STATUSES: list[SediaStatus] = ["open", "forthcoming"]


class EuSediaPortal(PortalBase):
    """EU Funding & Tenders Portal, read through its public search API (SEDIA).

    Keys (all optional; the defaults are what a municipality usually wants):

    - ``api_url``: the search endpoint; only a mirror would change it (``base_url`` is the usual way).
    - ``api_key``: ``SEDIA`` is the portal's own public key, not a secret, so it may live in YAML.
    - ``text``: full-text filter, ``***`` means everything the other filters let through.
    - ``programmes``: programme names (DIGITAL, CEF, HORIZON, LIFE, ERASMUS, CERV), case-insensitive;
      names, not the API's numeric codes, so a typo is an error instead of an empty result.
    - ``statuses``: ``open`` and/or ``forthcoming``. Only a pre-filter: the stored status is derived
      from the dates, because the portal's status flag is often stale.
    - ``page_size``: results per request (1–100, the API's limit); ``max_pages`` caps the requests.
    """

    kind: Literal["eu_sedia"]
    name: str = "EU Funding & Tenders Portal"
    api_url: str = SEDIA_API_URL
    api_key: str = Field(default="SEDIA", min_length=1)
    text: str = Field(default="***", min_length=1)
    programmes: list[SediaProgramme] = Field(default_factory=lambda: list(SEDIA_DEFAULT_PROGRAMMES), min_length=1)
    statuses: list[SediaStatus] = Field(default_factory=lambda: list(SEDIA_DEFAULT_STATUSES), min_length=1)
    page_size: int = Field(default=50, ge=1, le=100)

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} ist keine http(s)-Adresse; erwartet z. B. {SEDIA_API_URL}")
        return value

    @field_validator("programmes", "statuses", mode="before")
    @classmethod
    def _normalise_names(cls, value: object, info: ValidationInfo) -> object:
        # "Horizon" and "HORIZON" mean the same to a person; duplicates would only repeat a code.
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return value  # the type check reports it
        upper = info.field_name == "programmes"
        return list(dict.fromkeys(v.strip().upper() if upper else v.strip().lower() for v in value))


@dataclass(frozen=True)
class PortalKind:
    name: str
    config_model: type[PortalBase]
    spider_path: str  # "module:Class", imported lazily so loading config never imports Scrapy

    def spider_class(self) -> type[scrapy.Spider]:
        module, _, cls = self.spider_path.partition(":")
        spider: type[scrapy.Spider] = getattr(importlib.import_module(module), cls)
        return spider


KINDS: dict[str, PortalKind] = {
    "foerderdatenbank": PortalKind(
        "foerderdatenbank",
        FoerderdatenbankPortal,
        "foerderradar.crawler.spiders.foerderdatenbank:FoerderdatenbankSpider",
    ),
    "foerderdatenbank_export": PortalKind(
        "foerderdatenbank_export",
        FoerderdatenbankExportPortal,
        "foerderradar.crawler.spiders.foerderdatenbank_export:FoerderdatenbankExportSpider",
    ),
    "eu_sedia": PortalKind("eu_sedia", EuSediaPortal, "foerderradar.crawler.spiders.eu_sedia:EuSediaSpider"),
    "feed": PortalKind("feed", FeedPortal, "foerderradar.crawler.spiders.feed:FeedSpider"),
    "json": PortalKind("json", JsonPortal, "foerderradar.crawler.spiders.json_api:JsonApiSpider"),
    "html": PortalKind("html", HtmlPortal, "foerderradar.crawler.spiders.html_list:HtmlListSpider"),
    "watch": PortalKind("watch", WatchPortal, "foerderradar.crawler.spiders.watch:WatchSpider"),
    "csv": PortalKind("csv", CsvPortal, "foerderradar.crawler.spiders.csv_table:CsvSpider"),
}


def portal_models() -> dict[str, type[PortalBase]]:
    return {name: kind.config_model for name, kind in KINDS.items()}
