"""Förderdatenbank des Bundes through its official XML export (kind ``foerderdatenbank_export``).

The HTML site now turns bots away; the export (``GET /FDB/WS/export``, one zip of the whole
database, ../shared/design/portals.md "the XML export") is the route that works. One request: the
zip is read programme by programme by the kind's reader (:mod:`.reader`, no Scrapy), which this
spider only connects to Scrapy.

- Size: the zip is far larger than the 10 MiB page limit, so this one request carries its own
  ``download_maxsize``/``download_warnsize`` (``max_size_mb``); the crawl-wide limits stay.
- Repeat crawls: the HTTP cache revalidates (If-None-Match / If-Modified-Since). An unchanged export
  is one ``304``; the cached body is read again (open/closed depends on today), and the pipeline
  writes no row for a call whose content did not change.
- Gone detection (the worker's) runs only after a clean crawl. So a response Scrapy flags as
  incomplete, a damaged zip and an unreadable programme document are *reported* errors; a linked
  document that cannot be read and a category code the vocabulary does not know are notes.

The spider requests the portal's real URL; a mirror or test server is ``base_url``'s business
(crawler/middleware.py).
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response

from foerderradar.crawler.kinds.foerderdatenbank_export.config import FoerderdatenbankExportPortal
from foerderradar.crawler.kinds.foerderdatenbank_export.reader import ExportError, ExportReader, Reading
from foerderradar.crawler.middleware import note, report
from foerderradar.crawler.scrapy_settings import crawl_now

MiB = 1024 * 1024


class FoerderdatenbankExportSpider(scrapy.Spider):
    name = "foerderdatenbank_export"

    accept = "application/zip, application/octet-stream;q=0.9, */*;q=0.5"
    incomplete_flags = ("partial", "dataloss")  # Scrapy's marks on a body cut short
    warn_fraction = 0.5  # log a warning once the export passes half its size limit

    def __init__(self, portal: FoerderdatenbankExportPortal, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portal = portal
        self.today = today  # None: the crawl's clock (benches fix it), else today

    # -- start -----------------------------------------------------------------------------------

    def start_requests(self) -> Iterator[scrapy.Request]:
        """Scrapy < 2.13 entry point; newer versions call :meth:`start`, which delegates here."""
        maxsize = self.portal.max_size_mb * MiB
        yield scrapy.Request(
            self.portal.url,
            callback=self.parse,
            headers={"Accept": self.accept},
            meta={"download_maxsize": maxsize, "download_warnsize": int(maxsize * self.warn_fraction)},
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self.start_requests():
            yield request

    # -- the export ------------------------------------------------------------------------------

    def parse(self, response: Response) -> Iterator[dict[str, Any]]:
        if self._parse_incomplete(response):
            return
        try:
            with ExportReader(io.BytesIO(response.body), url=response.url, today=self._today()) as export:
                for reading in export:
                    yield from self._parse_reading(reading)
        except ExportError as exc:
            report(self._crawler(), str(exc))

    def _parse_incomplete(self, response: Response) -> bool:
        """A body Scrapy marks as cut short is not read: a shorter export is not a smaller database."""
        flags = [f for f in self.incomplete_flags if f in response.flags]
        if flags:
            problem = f"Übertragung abgebrochen, Antwort markiert als {', '.join(flags)}"
            report(self._crawler(), str(ExportError(response.url, problem)))
        return bool(flags)

    def _parse_reading(self, reading: Reading) -> Iterator[dict[str, Any]]:
        crawler = self._crawler()
        for message in reading.errors:
            report(crawler, message)
        for message in reading.notes:
            note(crawler, message)
        for unknown in reading.unknown:
            note(crawler, unknown.message)
        if reading.call is not None:
            yield {"source": self.portal.key, **reading.call}

    def _today(self) -> date:
        if self.today is not None:
            return self.today
        now = crawl_now(self._crawler().settings)
        return (now or datetime.now()).date()

    def _crawler(self) -> Crawler:
        crawler: Crawler | None = getattr(self, "crawler", None)
        assert crawler is not None, "the spider reports through its crawler"
        return crawler
