"""Config model of kind ``eu_sedia``: the EU Funding & Tenders Portal through its search API (SEDIA)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from foerderradar.crawler.entry.base import PortalBase

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
