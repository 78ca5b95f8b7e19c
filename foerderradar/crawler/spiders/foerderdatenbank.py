"""Förderdatenbank des Bundes (www.foerderdatenbank.de): search result pages → programme pages.

Server-rendered HTML, no API. Structure as recorded in ../shared/captures/foerderdatenbank/ and
described in ../shared/design/portals.md. Deadline, status, rate and amount exist only in free text
and come from :mod:`foerderradar.crawler.textextract`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import scrapy
from scrapy.http import Response

from foerderradar.crawler import vocab
from foerderradar.crawler.registry import FoerderdatenbankPortal
from foerderradar.crawler.selectors import LayoutError, clean, maybe, text_of
from foerderradar.crawler.textextract import extract_terms

log = logging.getLogger(__name__)


class FoerderdatenbankSpider(scrapy.Spider):
    name = "foerderdatenbank"

    card_css = "div.card--fundingprogram"
    card_link_css = "p.card--title a::attr(href)"
    hits_css = "#hits--count::text"
    next_css = "a.forward.button::attr(href)"
    title_css = "h1.title"
    facts_css = "dl.document-info-fundingprogram"
    status_line_css = "p.subtitle--text"
    tab_label_css = "h2.horizontal--tab-opener span.btn--label::text"
    tab_text_css = "article.content--tab-text"
    body_css = "div.rich--text"
    id_re = re.compile(r"/FDB/Content/DE/(?:Foerderprogramm|Archiv)/(?P<id>.+?)\.html")
    level_re = re.compile(r"/Foerderprogramm/(?P<level>Bund|Land|EU)/")

    def __init__(self, portal: FoerderdatenbankPortal, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portal = portal
        self.today = date.today()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.portal.start_urls:
            yield scrapy.Request(url, callback=self.parse, cb_kwargs={"page": 1})

    # -- list pages ------------------------------------------------------------------------------

    def parse(self, response: Response, page: int = 1) -> Iterator[scrapy.Request]:
        cards = response.css(self.card_css)
        hits = response.css(self.hits_css).get()
        if not cards and hits is None:
            raise LayoutError(response.url, "result cards (div.card--fundingprogram) and hit count")
        for card in cards:
            href = card.css(self.card_link_css).get()
            if not href:
                log.warning("%s: result card without link skipped", response.url)
                continue
            yield response.follow(href, callback=self.parse_detail)
        next_href = response.css(self.next_css).get()
        if next_href and page < self.portal.max_pages:
            yield response.follow(next_href, callback=self.parse, cb_kwargs={"page": page + 1})

    # -- detail pages ----------------------------------------------------------------------------

    def parse_detail(self, response: Response) -> Iterator[dict[str, Any]]:
        url = self._parse_url(response)
        facts = self._parse_facts(response)
        status_line = maybe(response, f"{self.status_line_css} *::text")
        description = self._parse_description(response)
        terms = extract_terms("\n".join(filter(None, [status_line, description])), self.today)
        regions, unknown_regions = vocab.regions(facts.get("Fördergebiet", []))
        applicants, unknown_applicants = vocab.applicants(facts.get("Förderberechtigte", []))
        for label in unknown_regions + unknown_applicants:
            log.info("%s: label %r not mapped", url, label)
        status = terms.status
        if "/Archiv/" in url:
            status = "closed"
        yield {
            "source": self.portal.key,
            "source_id": self._parse_source_id(url),
            "url": url,
            "title": self._parse_title(response, url),
            "summary": maybe(response, "meta[name=description]::attr(content)"),
            "description": description,
            "funding_body": next(iter(facts.get("Fördergeber", [])), None),
            "level": self._parse_level(url),
            "regions": regions or None,
            "applicants": applicants or None,
            "funding_type": vocab.funding_types(facts["Förderart"]) if facts.get("Förderart") else None,
            "topics": facts.get("Förderbereich") or None,
            "language": "de",
            "open_date": terms.open_date,
            "deadline": terms.deadline,
            "deadline_text": terms.deadline_text,
            "status": status,
            "funding_rate_pct": terms.funding_rate_pct,
            "max_amount_eur": terms.max_amount_eur,
        }

    def _parse_title(self, response: Response, url: str) -> str:
        # Text nodes are joined without spaces: "(<span>Minitraité)</span>" must not become "( Minitraité)".
        title = clean("".join(response.css(f"{self.title_css} ::text").getall()))
        if not title:
            raise LayoutError(url, "title (h1.title)")
        return title

    def _parse_url(self, response: Response) -> str:
        return (
            response.css("link[rel=canonical]::attr(href)").get()
            or response.css("meta[property='og:url']::attr(content)").get()
            or response.url
        ).strip()

    def _parse_source_id(self, url: str) -> str:
        match = self.id_re.search(url)
        return match.group("id") if match else url

    def _parse_level(self, url: str) -> str | None:
        match = self.level_re.search(url)
        return vocab.LEVELS[match.group("level").lower()] if match else None

    def _parse_facts(self, response: Response) -> dict[str, list[str]]:
        """The dt/dd list: label → comma-separated values (a card's title for Fördergeber)."""
        facts: dict[str, list[str]] = {}
        for dt in response.css(f"{self.facts_css} > dt"):
            label = clean(" ".join(dt.css("::text").getall())).rstrip(":").strip()
            dd = dt.xpath("following-sibling::dd[1]")
            card_title = maybe(dd, "p.card--title *::text")
            if card_title:
                facts[label] = [card_title]
            else:
                facts[label] = vocab.split_labels(clean(" ".join(dd.css("::text").getall())))
        return facts

    def _parse_description(self, response: Response) -> str | None:
        """Tab texts with their headings (older layout) or the rich-text blocks (July 2025 layout)."""
        labels = [clean(x) for x in response.css(self.tab_label_css).getall()]
        tabs = response.css(self.tab_text_css)
        parts: list[str] = []
        if tabs:
            for i, tab in enumerate(tabs):
                if i < len(labels):
                    parts.append(labels[i])
                parts.append(text_of(tab.get()))
        else:
            main = response.css("main").get() or response.text
            blocks = scrapy.Selector(text=main).css(f"{self.body_css}")
            parts = [text_of(b.get()) for b in blocks if not b.xpath("ancestor::div[contains(@class,'rich--text')]")]
        text = "\n\n".join(p for p in parts if p).strip()
        return text[:50_000] or None
