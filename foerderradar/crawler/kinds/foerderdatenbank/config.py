"""Config model of kind ``foerderdatenbank``: the Förderdatenbank des Bundes through its HTML pages."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from foerderradar.crawler.entry.base import PortalBase

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
    result card is unchanged and that was fetched in full less than N days ago (crawler/card_signatures.py).
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
