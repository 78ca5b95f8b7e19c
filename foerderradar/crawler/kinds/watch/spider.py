"""Pages without structure or feed, watched for changes (kind ``watch``), configured in ``portals.yaml``.

The Bezirksregierungen publish one static page per programme, Gigabit.NRW and the
Gigabit-Projektträger announce calls as news pages; none has a feed or an API. Each configured URL
is one call: its description is the normalised text of the page's content region (navigation,
scripts and the entry's ``ignore`` selectors removed; one line per paragraph; whitespace collapsed),
so the store's content hash — and with it the call's version and its ``amended`` event — moves
when, and only when, that text changes, not when the site's menu or markup does.

Deadline, status, rate and amount are read from the text (:mod:`foerderradar.crawler.textextract`),
applicants and a summary from the question headings where the page has them
(:mod:`foerderradar.crawler.sections`). The status is stored only as the words say it ("nicht mehr
möglich", "laufend"); what a date says is left to :meth:`FundingCall.effective_status` when the call
is read, because a status that flips when a deadline passes would be a new version without a
changed text. (Where a page names several deadlines, the stored one is the next; it moves to the
following one when a deadline passes — for an applicant, a real change.)

A region selector that matches nothing is an error for that URL only; the other URLs are crawled
and stored, and the stored call of the broken page is left as it was.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse

from foerderradar.crawler.kinds.html.spider import NOISE_CSS, html_response, region_text, values_of
from foerderradar.crawler.kinds.watch.config import WatchPortal, watch_id
from foerderradar.crawler.mapping import SourceError, is_empty
from foerderradar.crawler.sections import read_sections
from foerderradar.crawler.textextract import Terms
from foerderradar.model import Status

log = logging.getLogger(__name__)

def parse_status(terms: Terms, today: date) -> Status | None:
    """The status the words give, without what the dates give (``effective_status`` adds that on reading).

    - ``closed``: kept when no date explains it ("Antragstellung nicht mehr möglich"); a deadline
      that has passed explains it by itself.
    - ``upcoming``: kept when no future opening date explains it ("ein neuer Aufruf folgt").
    - ``open``: kept only without a deadline, i.e. from words such as "laufend", "jederzeit".
    """
    if terms.status == "closed":
        return "closed" if terms.deadline is None or terms.deadline >= today else None
    if terms.status == "upcoming":
        return "upcoming" if terms.open_date is None or terms.open_date <= today else None
    if terms.status == "open":
        return "open" if terms.deadline is None else None
    return terms.status


class WatchSpider(scrapy.Spider):
    name = "watch"

    noise_css = NOISE_CSS
    page_title_css = "title::text"  # when the title selector finds nothing

    def __init__(self, portal: WatchPortal, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portal = portal
        self.today = date.today()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for index, entry in enumerate(self.portal.urls):
            yield scrapy.Request(entry.url, callback=self.parse, cb_kwargs={"index": index})

    def parse(self, response: Response, index: int = 0) -> Iterator[dict[str, Any]]:
        entry = self.portal.urls[index]
        response = html_response(response)
        regions = response.css(self.portal.region)
        if not regions:
            raise SourceError(entry.url, f"layout changed: region selector {self.portal.region!r} matches nothing")
        text = region_text(regions, [*self.noise_css, *self.portal.ignore])
        if not text:
            raise SourceError(entry.url, f"region selector {self.portal.region!r} matches only empty elements")
        title = entry.title or self._parse_title(response, entry.url)
        reading = read_sections(text, self.today)
        terms = reading.terms if self.portal.read_terms else Terms()
        item: dict[str, Any] = {
            "source": self.portal.key,
            "source_id": watch_id(entry.url),
            "url": entry.url,
            "title": title,
            "summary": reading.summary,
            "description": text,
            "applicants": reading.applicants,
            "deadline": terms.deadline,
            "deadline_text": terms.deadline_text,
            "open_date": terms.open_date,
            "status": parse_status(terms, self.today),
            "funding_rate_pct": terms.funding_rate_pct,
            "max_amount_eur": terms.max_amount_eur,
        }
        for name, value in self.portal.defaults.values().items():
            if is_empty(item.get(name)):
                item[name] = value
        yield item

    def _parse_title(self, response: TextResponse, url: str) -> str:
        found = values_of(response.selector, self.portal.title)
        if found:
            return found[0]
        page_title = values_of(response.selector, self.page_title_css)
        if page_title:
            log.warning("%s: title selector %r matches nothing; using the page's <title>", url, self.portal.title)
            return page_title[0]
        raise SourceError(url, f"title selector {self.portal.title!r} matches nothing and the page has no <title>")
