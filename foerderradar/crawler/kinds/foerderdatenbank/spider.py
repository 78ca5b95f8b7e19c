"""Förderdatenbank des Bundes (www.foerderdatenbank.de): search result pages → programme pages.

Server-rendered HTML, no API. The structure is the one recorded in ../shared/captures/foerderdatenbank/
and described in ../shared/design/portals.md; every selector is a class attribute below, so a
layout change is fixed in one place. Deadline, status, rate and amount exist only in free text and
come from :mod:`foerderradar.crawler.textextract`.

Templates: the portal has served four detail templates since 2024 (tabbed; July 2025 without tab
headings; early Dec 2025 with only a Rechtsgrundlage block; late Dec 2025 with ASCII labels such as
"Foerderart:" and category *codes* such as "zuschuss" instead of display labels). Facts are therefore
looked up by their ASCII facet name (:func:`vocab.facet_name`) and every value goes through the shared
code vocabulary, so "Förderart: Zuschuss" and "Foerderart: zuschuss" give the same call. A value the
vocabulary does not know is logged and reported once per crawl as a note, never guessed.

Flow: each start URL (one facet of the search) → result cards → one request per programme page;
the "weiter" link is followed up to ``portal.max_pages`` list pages per start URL. Facets overlap
and the portal's ordering across pages is inconsistent, so the same programme is linked many
times: Scrapy's dupefilter drops repeated detail URLs (session ids and fragments are stripped
first so that repeats are identical), and the item pipeline de-duplicates by ``source_id``.

The spider always requests the portal's real URLs; a mirror or test server is the business of the
``base_url`` downloader middleware.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any, ClassVar

import scrapy
from parsel import Selector
from scrapy.http import Response

from foerderradar.crawler import vocab
from foerderradar.crawler.call_links import call_links, contact_line
from foerderradar.crawler.card_signatures import card_meta
from foerderradar.crawler.kinds.foerderdatenbank.config import FoerderdatenbankPortal
from foerderradar.crawler.middleware import note
from foerderradar.crawler.selectors import LayoutError, clean, maybe, one, text_of
from foerderradar.crawler.textextract import extract_terms

MAX_DESCRIPTION_CHARS = 50_000


class FoerderdatenbankSpider(scrapy.Spider):
    name = "foerderdatenbank"

    # List pages
    card_css = "div.card--fundingprogram"
    card_link_css = "p.card--title a::attr(href)"
    hits_css = "#hits--count"
    next_css = "a.forward.button::attr(href)"

    # Detail pages
    title_css = "h1.title ::text"
    canonical_css = "link[rel=canonical]::attr(href)"
    og_url_css = "meta[property='og:url']::attr(content)"
    description_meta_css = "meta[name=description]::attr(content)"
    status_line_css = "p.subtitle--text ::text"
    facts_dt_css = "dl.document-info-fundingprogram > dt"
    fact_card_css = "p.card--title ::text"  # Fördergeber / Ansprechpunkt are cards, not label lists
    tab_css = "article.content--tab-text"
    tab_label_xpath = (
        "preceding-sibling::h2[contains(@class, 'horizontal--tab-opener')][1]"
        "//span[contains(@class, 'btn--label')]//text()"
    )
    rich_text_xpath = (  # outermost rich-text blocks of the July 2025 layout (no tabs)
        "//main//div[contains(concat(' ', normalize-space(@class), ' '), ' rich--text ')]"
        "[not(ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' rich--text ')])]"
    )
    short_text = "Kurztext"  # heading of the short text in the Kurzzusammenfassung tab
    # "Weblink zur Förderrichtlinie" / "zum Gesetz" / "zum Abkommen" in the Rechtsgrundlage block: the
    # address of the directive itself, which the text names but does not show.
    legal_link_css = "a.RichTextExtLink"
    legal_link_prefix = "Weblink"
    external_suffix_re = re.compile(r"\s*\(externer Link\)\s*$", re.IGNORECASE)
    # Optional facts (a page without them gives None, never a LayoutError): whom to ask and the
    # further pages. Found by facet name, so "Weiterführende Links:" and "WeiterfuehrendeLinks:" are one.
    contact_facet = "Ansprechpunkt"
    links_facet = "WeiterfuehrendeLinks"
    fact_link_css = "a[href]"
    contact_name_css = "p.card--title ::text"
    contact_subtitle_css = "p.card--title-subtitle ::text"
    contact_email_css = "p.email a[href^='mailto:']::attr(href)"
    contact_phone_css = "p.tel ::text"

    # Facts by ASCII facet name (vocab.facet_name: "Förderart:" and "Foerderart:" → "Foerderart");
    # the facets that fill call fields are vocab.FACET_FIELDS, shared with the export route.
    funding_body_facet = "Foerdergeber"
    # How the field is called on the page, for the German note about a value nobody mapped yet.
    facet_labels: ClassVar[dict[str, str]] = {
        "Foerderart": "Förderart",
        "Foerderbereich": "Förderbereich",
        "Foerdergebiet": "Fördergebiet",
        "Foerderberechtigte": "Förderberechtigte",
    }

    # URLs: /FDB/Content/DE/Foerderprogramm/{Bund|Land|EU}/{Ressort|Land}/{slug}.html; removed
    # programmes move to /FDB/Content/DE/Archiv/{slug}.html.
    programme_re = re.compile(r"/FDB/Content/DE/Foerderprogramm/(?P<id>(?P<level>[^/]+)/[^?#;]+?)\.html")
    archive_re = re.compile(r"/FDB/Content/DE/Archiv/(?P<id>[^?#;]+?)\.html")
    session_re = re.compile(r";jsessionid=[^?#]*", re.IGNORECASE)

    def __init__(self, portal: FoerderdatenbankPortal, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portal = portal
        # The reference day for "next yearly cut-off" and open/closed; fixed per run.
        self.today = today or date.today()
        self._unmapped: set[tuple[str, str]] = set()

    # -- start -----------------------------------------------------------------------------------

    def start_requests(self) -> Iterator[scrapy.Request]:
        """Scrapy < 2.13 entry point; newer versions call :meth:`start`, which delegates here."""
        for url in self.portal.start_urls:
            yield scrapy.Request(url, callback=self.parse, cb_kwargs={"page": 1})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self.start_requests():
            yield request

    # -- list pages ------------------------------------------------------------------------------

    def parse(self, response: Response, page: int = 1) -> Iterator[scrapy.Request]:
        cards = response.css(self.card_css)
        self._check_result_list(response, len(cards))
        for card in cards:
            href = card.css(self.card_link_css).get()
            if not href or not href.strip():
                self.logger.warning("%s: result card without link skipped", response.url)
                continue
            url = self._absolute_url(response, href)
            # The card's signature lets a portal with recheck_days skip an unchanged programme page.
            yield scrapy.Request(url, callback=self.parse_detail, meta=card_meta(card, url))
        next_href = response.css(self.next_css).get()
        if next_href:
            if page < self.portal.max_pages:
                next_url = self._absolute_url(response, next_href)
                yield scrapy.Request(next_url, callback=self.parse, cb_kwargs={"page": page + 1})
            else:
                self.logger.info("%s: stopped after %d list pages (max_pages)", response.url, page)

    def _parse_hit_count(self, response: Response) -> int | None:
        """Total hits of the search ("2395" or "2.395"); None if the page does not say."""
        digits = re.sub(r"\D", "", "".join(response.css(f"{self.hits_css} ::text").getall()))
        return int(digits) if digits else None

    def _check_result_list(self, response: Response, cards: int) -> None:
        """No cards is fine only when the page says "0 hits"; otherwise the markup changed."""
        if cards:
            return
        if not response.css(self.hits_css):
            raise LayoutError(response.url, "result cards (div.card--fundingprogram) and hit count (#hits--count)")
        hits = self._parse_hit_count(response)
        if hits:
            raise LayoutError(response.url, f"result cards (div.card--fundingprogram) for {hits} hits")

    def _absolute_url(self, response: Response, href: str) -> str:
        """Absolute (honouring ``<base href>``), without session id or fragment, so repeats are identical."""
        url = self.session_re.sub("", response.urljoin(href.strip()))
        return url.split("#", 1)[0]

    # -- detail pages ----------------------------------------------------------------------------

    def parse_detail(self, response: Response) -> Iterator[dict[str, Any]]:
        url = self._parse_url(response)
        title = one(response, self.title_css, "title (h1.title)", response.url, sep="")
        source_id, level = self._parse_identity(response, url)
        facts = self._parse_facts(response)
        status_line = maybe(response, self.status_line_css)
        description = self._parse_description(response)
        terms = extract_terms("\n".join(filter(None, [status_line, description])), self.today)

        mapped, unknown = vocab.facet_fields(facts)
        for facet, values in unknown.items():
            self._report_unmapped(url, self.facet_labels.get(facet, facet), values)

        yield {
            "source": self.portal.key,
            "source_id": source_id,
            "url": url,
            "title": title,
            "summary": self._parse_summary(response),
            "description": description,
            # Fördergeber only: "Ansprechpunkt" is whom to call (often a Projektträger or bank),
            # not who funds; older pages without Fördergeber leave the field empty.
            "funding_body": next(iter(facts.get(self.funding_body_facet, [])), None),
            "level": level,
            **mapped,
            "language": "de",
            **terms.fields(),
            **({"status": "closed"} if self._is_archived(response, url) else {}),
            "contact": self._parse_contact(response),
            "links": self._parse_links(response),
        }

    def _report_unmapped(self, url: str, field: str, labels: list[str]) -> None:
        """A label or code the vocabulary does not know is a warning and a note once per run, not per page."""
        for label in labels:
            if (field, label) in self._unmapped:
                continue
            self._unmapped.add((field, label))
            self.logger.warning("%s label %r not mapped to a canonical value (first seen on %s)", field, label, url)
            crawler = getattr(self, "crawler", None)  # absent when a test hands pages to the callbacks
            if crawler is not None and crawler.stats is not None:
                note(
                    crawler,
                    f"Förderdatenbank: unbekannter Wert „{label}“ im Feld {field} (zuerst auf {url}). "
                    "Er wird keinem Förderradar-Wert zugeordnet; bitte dem Förderradar-Projekt melden, "
                    "damit das Vokabular ihn kennt.",
                )

    def _parse_url(self, response: Response) -> str:
        """The canonical URL: the same programme reached through any list page has one address."""
        for css in (self.canonical_css, self.og_url_css):
            value = (response.css(css).get() or "").strip()
            if value:
                return response.urljoin(value)
        return response.url

    def _candidate_urls(self, response: Response, url: str) -> list[str]:
        request = response.request
        redirects: list[str] = list(request.meta.get("redirect_urls", [])) if request is not None else []
        return [url, response.url, *([request.url] if request is not None else []), *redirects]

    def _parse_identity(self, response: Response, url: str) -> tuple[str, str | None]:
        """(source_id, level) from the programme path, stable across hosts and list pages.

        A programme that moved to the archive keeps the id of its programme URL when that URL is
        known (the request that was redirected there), so the store sees it close, not vanish.
        """
        for candidate in self._candidate_urls(response, url):
            match = self.programme_re.search(candidate)
            if match:
                return match.group("id"), vocab.level(match.group("level"))
        for candidate in self._candidate_urls(response, url):
            match = self.archive_re.search(candidate)
            if match:
                return f"Archiv/{match.group('id')}", None
        self.logger.warning("%s: not a programme URL, using the path as id", url)
        return re.sub(r"^https?://[^/]+/", "", url), None

    def _is_archived(self, response: Response, url: str) -> bool:
        request_url = response.request.url if response.request is not None else ""
        return any(self.archive_re.search(u) for u in (url, response.url, request_url))

    def _parse_facts(self, response: Response) -> dict[str, list[str]]:
        """The dt/dd list: ASCII facet name → comma-separated values, or a card's title.

        Keyed by :func:`vocab.facet_name`, so the umlaut labels of the older templates ("Förderart:")
        and the ASCII labels of the late-2025 one ("Foerderart:") are one key.
        """
        facts: dict[str, list[str]] = {}
        for dt in response.css(self.facts_dt_css):
            facet = vocab.facet_name(" ".join(dt.css("::text").getall()))
            dd = dt.xpath("following-sibling::*[1][self::dd]")
            if not facet or not dd:
                continue
            card_title = maybe(dd, self.fact_card_css, sep="")
            values = [card_title] if card_title else vocab.split_labels(" ".join(dd.css("::text").getall()))
            if values:
                facts[facet] = values
        return facts

    def _fact_dd(self, response: Response, facet: str) -> Selector | None:
        """The ``dd`` of one fact by its ASCII facet name, or None when the page has no such fact."""
        for dt in response.css(self.facts_dt_css):
            if vocab.facet_name(" ".join(dt.css("::text").getall())) == facet:
                dd = dt.xpath("following-sibling::*[1][self::dd]")
                return dd[0] if dd else None
        return None

    def _parse_contact(self, response: Response) -> str | None:
        """The "Ansprechpunkt" card as one line: office (and its subtitle), e-mail, phone."""
        dd = self._fact_dd(response, self.contact_facet)
        if dd is None:
            return None
        mail = (dd.css(self.contact_email_css).get() or "").removeprefix("mailto:").split("?", 1)[0]
        phone = re.sub(r"^\s*(Tel\.?|Telefon)\s*:?\s*", "", maybe(dd, self.contact_phone_css) or "")
        name = maybe(dd, self.contact_name_css, sep="")
        if name is None:  # not a card: the fact's plain text is the contact
            return contact_line([clean(" ".join(dd.css("::text").getall()))])
        return contact_line([
            name, maybe(dd, self.contact_subtitle_css), clean(mail) or None, f"Tel. {phone}" if phone else None,
        ])

    def _parse_links(self, response: Response) -> list[dict[str, str]] | None:
        """"Weiterführende Links", after the "Weblink zur Förderrichtlinie" of the text blocks (the
        directive itself); relative addresses resolved against the page."""
        found: list[tuple[str, str]] = []
        for link in response.css(self.legal_link_css):
            words = clean(" ".join(link.css("::text").getall()))
            href = (link.attrib.get("href") or "").strip()
            if words.startswith(self.legal_link_prefix) and href:
                found.append((words, response.urljoin(href)))
        dd = self._fact_dd(response, self.links_facet)
        if dd is not None:
            for link in dd.css(self.fact_link_css):
                href = (link.attrib.get("href") or "").strip()
                if href and not href.startswith(("javascript:", "#", "mailto:")):
                    found.append((" ".join(link.css("::text").getall()), response.urljoin(href)))
        return call_links(found)

    def _parse_description(self, response: Response) -> str | None:
        """Tab texts under their tab headings (older layout) or the rich-text blocks (July 2025 layout
        and later, where the Rechtsgrundlage block is all there is); links to the directive keep their
        address."""
        parts: list[str] = []
        tabs = response.css(self.tab_css)
        if tabs:
            for tab in tabs:
                label = clean("".join(tab.xpath(self.tab_label_xpath).getall()))
                parts.append("\n".join(filter(None, [label, self._block_text(response, tab)])))
        else:
            parts = [self._block_text(response, block) for block in response.xpath(self.rich_text_xpath)]
        text = "\n\n".join(p for p in parts if p).strip()
        return text[:MAX_DESCRIPTION_CHARS] or None

    def _block_text(self, response: Response, block: Selector) -> str:
        """A block's text; a line that is only a "Weblink zur Förderrichtlinie" link gets its address.

        Only a link that stands on a line of its own is rewritten: there the line is the link text,
        so nothing else on the page can be mistaken for it.
        """
        lines = text_of(block).split("\n")
        for link in block.css(self.legal_link_css):
            label = clean(" ".join(link.css("::text").getall()))
            href = (link.attrib.get("href") or "").strip()
            if not label.startswith(self.legal_link_prefix) or not href or href.startswith(("javascript:", "#")):
                continue
            if label in lines:
                short = self.external_suffix_re.sub("", label)
                lines[lines.index(label)] = f"{short}: {response.urljoin(href)}"
        return "\n".join(lines)

    def _parse_summary(self, response: Response) -> str | None:
        """``meta[name=description]``, else the paragraph(s) under the "Kurztext" heading."""
        meta = maybe(response, self.description_meta_css)
        if meta:
            return meta
        headings = response.xpath(f"//main//*[self::h2 or self::h3 or self::h4][normalize-space()='{self.short_text}']")
        if not headings:
            return None
        parts: list[str] = []
        for sibling in headings[0].xpath("following-sibling::*"):
            if sibling.xpath("name()").get() in ("h1", "h2", "h3", "h4", "h5", "h6"):
                break
            parts.append(text_of(sibling))
        return clean(" ".join(parts)) or None

