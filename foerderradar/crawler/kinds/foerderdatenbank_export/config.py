"""Config model of kind ``foerderdatenbank_export``: the Förderdatenbank des Bundes through its XML export."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from foerderradar.crawler.entry.base import PortalBase, http_url

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
        return http_url(value, FDB_EXPORT_URL)
