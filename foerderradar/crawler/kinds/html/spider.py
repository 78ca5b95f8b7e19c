"""Server-rendered list pages as a portal (kind ``html``), configured in ``portals.yaml`` only.

Flow: each ``list_urls`` page → the elements ``item`` selects → with ``link``, one request per
detail page, whose fields are read there; without ``link``, each item is a call of its own. The
``next_page`` link is followed up to ``max_pages`` list pages per start URL. Field values go
through :class:`foerderradar.crawler.mapping.FieldMapper` like those of ``feed`` and ``json``
(coercion, vocabularies, text extraction, ``defaults``, ``filter``); with ``sections``, the German
question headings of the page are read by :mod:`foerderradar.crawler.sections` first.

A selector that finds nothing where something is required fails loudly, naming URL and selector:
a list page without items is an error (a changed layout must not look like an empty portal), and
a call without title or link is reported and skipped while the others are kept.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from datetime import date
from typing import Any
from urllib.parse import urldefrag

import scrapy
from parsel import Selector
from scrapy.http import Response, TextResponse

from foerderradar.crawler.entry.css import is_value_query
from foerderradar.crawler.entry.mapping import FieldSpec
from foerderradar.crawler.kinds.html.config import PAGE_URL, HtmlPortal
from foerderradar.crawler.mapping import FieldMapper, ItemSkipped, SourceError
from foerderradar.crawler.sections import SectionReading, read_sections
from foerderradar.crawler.selectors import (
    clean,
    nested_beyond_bound,
    outermost,
    readable,
    remove_keeping_tail,
    text_of,
)

log = logging.getLogger(__name__)

SECTION = "@sections."  # pseudo-sources: what the question headings say, e.g. "@sections.applicants"

# Never part of a programme's text: menus, scripts, forms (search boxes), embedded frames.
NOISE_CSS = ("nav", "[role=navigation]", "script", "style", "noscript", "template", "iframe", "form")
MAX_TEXT_CHARS = 100_000  # a programme page is a few thousand characters; beyond this it is not one

# Without `fields`: the detail page's address and its first <h1>.
HTML_DEFAULT_FIELDS: dict[str, FieldSpec] = {"url": [PAGE_URL], "title": ["h1"]}
# With `sections`: what the headings say, unless the entry maps the field itself.
SECTION_FIELDS: dict[str, FieldSpec] = {
    "description": [f"{SECTION}description"],
    "summary": [f"{SECTION}summary"],
    "applicants": [f"{SECTION}applicants"],
    **{name: [f"{SECTION}{name}"] for name in (
        "deadline", "deadline_text", "status", "open_date", "funding_rate_pct", "max_amount_eur",
    )},
}  # fmt: skip


def values_of(sel: Selector, query: str) -> list[str]:
    """One value per match: an element's text (paragraphs kept), or a ``::text``/``::attr`` value.

    ``h1 ::text`` and ``h1::text`` give one value per ``h1`` (all its text, or its own text nodes),
    so that inline markup (``<h1>Digitale <em>Schule</em></h1>``) does not split one title in two.

    Matches nested in matches (a list in a list) are read too, but not beyond
    :func:`~foerderradar.crawler.selectors.readable`'s bound: on a damaged page with hundreds of
    ``<main>``s inside each other, reading each would read the page hundreds of times.
    """
    if is_value_query(query) and query.rstrip().endswith("::text") and "," not in query:
        base = query.rstrip()[: -len("::text")]
        descendant = not base or base[-1].isspace()
        elements = sel.css(base.strip()) if base.strip() else [sel]
        if descendant:
            found = [clean(" ".join(el.xpath(".//text()").getall())) for el in readable(elements)]
        else:
            found = [clean(" ".join(el.xpath("./text()").getall())) for el in elements]
    elif is_value_query(query):
        found = [clean(value) for value in sel.css(query).getall()]
    else:
        found = [text_of(el) for el in readable(sel.css(query))]
    return [value for value in found if value]


def region_text(regions: Iterable[Selector], drop: Iterable[str]) -> str:
    """Plain text of page regions: one line per block, whitespace collapsed, ``drop`` elements removed.

    ``watch`` judges changes by this text, so it must not move with markup, menus or scripts.
    Works on a copy, so the response's own tree keeps everything (the title may sit in a header).
    A region inside another region is read once, as part of the outer one.
    """
    lines: list[str] = []
    for region in outermost(list(regions)):
        copy = Selector(text=region.get())
        for query in drop:
            for element in copy.css(query):
                element.drop()
        lines.extend(clean(line) for line in text_of(copy).splitlines())
    text = unicodedata.normalize("NFC", "\n".join(line for line in lines if line))
    return text[:MAX_TEXT_CHARS]


def separate_items(response: TextResponse, query: str, items: Sequence[Selector]) -> Sequence[Selector]:
    """The items, each without the items inside it where items nest beyond reason.

    On a normal list page items do not nest (or an item holds a few of its own, read as part of
    it, as before), and the items come back as they are. Where cards lost their closing tags, so
    that each contains all later ones, each item would carry the text of all later ones: calls
    with the wrong text, and work quadratic in the page. There an item inside an item is a call of
    its own and is cut out of the outer one — in a copy of the page, so the response's own tree
    stays whole.
    """
    if not nested_beyond_bound(items):
        return items
    copy = Selector(text=response.text, type="html").css(query)
    if len(copy) != len(items):  # not the same page twice: leave it as it is
        return items
    cut = {item.root for item in nested_beyond_bound(copy)}
    for item in reversed(copy):  # innermost first: lxml walks the subtree it moves out
        if item.root in cut:
            remove_keeping_tail(item.root)
    return copy


def href_of(sel: Selector, query: str) -> str | None:
    """The link a selector points at: its value (``a::attr(href)``) or the ``href`` of the element."""
    if is_value_query(query):
        found = values_of(sel, query)
        return found[0] if found else None
    for el in sel.css(query):
        href = el.attrib.get("href", "").strip()
        if href:
            return href
    return None


def html_response(response: Response) -> TextResponse:
    """The response as a page with text; a PDF or image where a page was expected is a SourceError."""
    if isinstance(response, TextResponse):
        return response
    ctype = (response.headers.get("Content-Type") or b"").decode("latin-1") or "no Content-Type"
    raise SourceError(response.url, f"not an HTML page ({ctype})")


def _absolute(response: TextResponse, href: str) -> str:
    """Absolute (honouring ``<base href>``) and without ``#…``: a fragment never selects another page,
    and the same page linked as ``…#top`` and without must be one request and one call."""
    return urldefrag(response.urljoin(href.strip())).url


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9äöüß]+", "-", text.casefold()).strip("-")[:200]


class HtmlListSpider(scrapy.Spider):
    name = "html"

    section_region_default = "main"  # `sections: true`: the page's main element …
    section_region_fallback = "body"  # … or, on pages without one, the whole body

    def __init__(self, portal: HtmlPortal, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portal = portal
        builtin = {**HTML_DEFAULT_FIELDS, **(SECTION_FIELDS if portal.sections else {})}
        self.mapper = FieldMapper(portal, portal.fields, builtin)
        self.today = date.today()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.portal.list_urls:
            yield scrapy.Request(url, callback=self.parse, cb_kwargs={"page": 1})

    # -- list pages ------------------------------------------------------------------------------

    def parse(self, response: Response, page: int = 1) -> Iterator[dict[str, Any] | scrapy.Request]:
        response = html_response(response)
        items = response.css(self.portal.item)
        if not items:
            raise SourceError(response.url, f"layout changed: item selector {self.portal.item!r} matches nothing")
        for index, item in enumerate(separate_items(response, self.portal.item, items)):
            if self.portal.link is None:
                yield from self._parse_call(item, response.url, f"item [{index}]")
                continue
            href = href_of(item, self.portal.link)
            if not href:
                log.error(
                    "%s: item [%d] skipped: link selector %r matches nothing", response.url, index, self.portal.link
                )
                continue
            yield scrapy.Request(_absolute(response, href), callback=self.parse_detail)
        yield from self._parse_next_page(response, page)

    def _parse_next_page(self, response: TextResponse, page: int) -> Iterator[scrapy.Request]:
        if self.portal.next_page is None:
            return
        href = href_of(response.selector, self.portal.next_page)
        if not href:
            return  # the last page has no "next" link
        if page >= self.portal.max_pages:
            log.info("%s: stopped after %d list pages (max_pages)", response.url, page)
            return
        yield scrapy.Request(_absolute(response, href), callback=self.parse, cb_kwargs={"page": page + 1})

    # -- calls -----------------------------------------------------------------------------------

    def parse_detail(self, response: Response) -> Iterator[dict[str, Any]]:
        response = html_response(response)
        yield from self._parse_call(response.selector, response.url, "detail page")

    def _parse_call(self, sel: Selector, page_url: str, where: str) -> Iterator[dict[str, Any]]:
        region_text = self._parse_section_text(sel) if self.portal.sections else ""
        reading = read_sections(region_text, self.today) if region_text else None

        def lookup(source: str) -> Any:
            if source == PAGE_URL:
                return page_url
            if source.startswith(SECTION):
                return _section_value(reading, region_text, source.removeprefix(SECTION))
            return values_of(sel, source)

        try:
            mapped = self.mapper.build(lookup, base_url=page_url, today=self.today)
        except ItemSkipped as exc:
            log.error("%s: %s skipped: %s", page_url, where, exc)
            return
        if mapped is None:
            return
        if self.portal.link is None and mapped.sources.get("source_id") == PAGE_URL:
            # Items without a page of their own share the list's address: the title tells them apart.
            mapped.item["source_id"] = f"{page_url.split('#', 1)[0]}#{_slug(mapped.item['title'])}"
        for note in mapped.notes:
            log.warning("%s: %s: %s", page_url, where, note)
        yield mapped.item

    def _parse_section_text(self, sel: Selector) -> str:
        """Plain text of the region the headings are read from (the item itself without ``link``)."""
        query = self.portal.sections
        regions: list[Selector]
        if isinstance(query, str):
            regions = sel.css(query)
            if not regions:
                log.warning("sections selector %r matches nothing: the question headings are not read", query)
        elif self.portal.link is None:
            regions = [sel]
        else:
            regions = sel.css(self.section_region_default) or sel.css(self.section_region_fallback)
        return region_text(regions, NOISE_CSS)


def _section_value(reading: SectionReading | None, region_text: str, name: str) -> Any:
    """One field as the question headings give it (``description``: the region's whole text)."""
    if reading is None:
        return None
    if name == "description":
        return region_text
    if name in ("summary", "applicants"):
        return getattr(reading, name)
    return getattr(reading.terms, name)
