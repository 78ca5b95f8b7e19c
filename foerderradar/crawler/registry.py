"""Portal kinds, registered by name with the config keys each declares (urlwatch-style).

Adding a portal type means: a config model (subclass of ``PortalBase`` with a ``kind`` literal and
its own keys) and a spider class, registered here. ``portals.yaml`` entries are validated against
the model of their ``kind``, so a typo in a key is an error naming the entry, not a silent default.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

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
    kind: Literal["foerderdatenbank"]
    name: str = "Förderdatenbank des Bundes"
    start_urls: list[str] = Field(default_factory=lambda: list(FDB_DEFAULT_START_URLS), min_length=1)

    @field_validator("start_urls")
    @classmethod
    def _http(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{url!r} is not an http(s) URL")
        return value


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
}


def portal_models() -> dict[str, type[PortalBase]]:
    return {name: kind.config_model for name, kind in KINDS.items()}
