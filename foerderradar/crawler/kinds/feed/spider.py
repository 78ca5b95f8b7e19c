"""Any RSS 2.0, RSS 1.0 or Atom feed as a portal (kind ``feed``), configured in ``portals.yaml`` only.

Entries are read into a neutral set of named sources (``title``, ``link``, ``description`` …, see
``FEED_SOURCES``) so that one ``fields`` mapping works whatever the feed's dialect; the mapping
itself is :mod:`foerderradar.crawler.mapping`. The XML is parsed strictly with lxml: a recovering
parser would turn a truncated or HTML answer into a plausible but short feed, and a changed source
must fail loudly. Entities are never resolved and nothing is fetched over the network (XXE).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urldefrag

import scrapy
from lxml import etree
from scrapy.http import Response

from foerderradar.crawler.entry.mapping import FieldSpec
from foerderradar.crawler.kinds.feed.config import FeedPortal
from foerderradar.crawler.mapping import FieldMapper, ItemSkipped, SourceError

log = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
RSS1 = "{http://purl.org/rss/1.0/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC = "{http://purl.org/dc/elements/1.1/}"
DCTERMS = "{http://purl.org/dc/terms/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"

# What a plain feed gives without any `fields` in portals.yaml.
FEED_DEFAULT_FIELDS: dict[str, FieldSpec] = {
    "source_id": ["guid", "link"],
    "url": ["link"],
    "title": ["title"],
    "summary": ["summary"],
    "description": ["content", "description"],
    "topics": ["category"],
    "language": ["language"],
    "published_at": ["pubDate"],
    "updated_at": ["updated"],
}


class FeedError(SourceError):
    """Not a feed (broken XML, an HTML error page, an unknown root element)."""


@dataclass
class Feed:
    dialect: str  # "rss", "rdf" or "atom": for messages
    entries: list[dict[str, Any]]


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True, remove_pis=True, recover=False
    )


def _inner(el: etree._Element | None) -> str | None:
    """Text and markup inside an element: Atom ``type="xhtml"`` content is child elements, not text."""
    if el is None:
        return None
    parts = [el.text or ""]
    parts.extend(etree.tostring(child, encoding="unicode", with_tail=True) for child in el)
    text = "".join(parts).strip()
    return text or None


def _first(el: etree._Element, *tags: str) -> etree._Element | None:
    for tag in tags:
        found = el.find(tag)
        if found is not None:
            return found
    return None


def _text(el: etree._Element, *tags: str) -> str | None:
    for tag in tags:
        value = _inner(el.find(tag))
        if value:
            return value
    return None


def _texts(el: etree._Element, *tags: str) -> list[str]:
    return [t for tag in tags for t in (_inner(found) for found in el.findall(tag)) if t]


def _language(code: str | None) -> str | None:
    return code.strip() if code and code.strip() else None


def _entry(
    *,
    title: str | None,
    link: str | None,
    description: str | None,
    summary: str | None,
    content: str | None,
    guid: str | None,
    published: str | None,
    updated: str | None,
    category: list[str],
    author: str | None,
    language: str | None,
) -> dict[str, Any]:
    """All named sources of one entry, aliases included, so a lookup never needs to know the dialect."""
    return {
        "title": title,
        "link": link,
        "description": description,
        "summary": summary,
        "content": content,
        "guid": guid,
        "id": guid,
        "pubDate": published,
        "published": published,
        "updated": updated,
        "category": category,
        "author": author,
        "language": language,
    }


def _rss_item(item: etree._Element, language: str | None) -> dict[str, Any]:
    description = _text(item, "description", f"{RSS1}description")
    guid_el = item.find("guid")
    guid = _inner(guid_el) or item.get(f"{RDF}about")
    link = _text(item, "link", f"{RSS1}link")
    if not link:
        atom_link = item.find(f"{ATOM}link")
        link = atom_link.get("href") if atom_link is not None else None
    permalink = guid_el is None or guid_el.get("isPermaLink", "true").lower() != "false"
    if not link and guid and permalink and guid.startswith(("http://", "https://")):
        link = guid
    return _entry(
        title=_text(item, "title", f"{RSS1}title", f"{DC}title"),
        link=link,
        description=description,
        summary=description,
        content=_text(item, f"{CONTENT}encoded"),
        guid=guid,
        published=_text(item, "pubDate", f"{DC}date", f"{DCTERMS}issued"),
        updated=_text(item, f"{ATOM}updated", f"{DCTERMS}modified"),
        category=_texts(item, "category", f"{DC}subject"),
        author=_text(item, "author", f"{DC}creator"),
        language=_language(_text(item, f"{DC}language")) or language,
    )


def _atom_link(entry: etree._Element) -> str | None:
    links = entry.findall(f"{ATOM}link")
    for link in links:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    return next((link.get("href") for link in links if link.get("href")), None)


def _atom_entry(entry: etree._Element, language: str | None) -> dict[str, Any]:
    content_el = entry.find(f"{ATOM}content")
    content = _inner(content_el) if content_el is not None and content_el.get("src") is None else None
    summary = _text(entry, f"{ATOM}summary")
    author = _first(entry, f"{ATOM}author")
    return _entry(
        title=_text(entry, f"{ATOM}title"),
        link=_atom_link(entry),
        description=content or summary,
        summary=summary or content,
        content=content,
        guid=_text(entry, f"{ATOM}id"),
        published=_text(entry, f"{ATOM}published"),
        updated=_text(entry, f"{ATOM}updated"),
        category=[c.get("label") or c.get("term") or "" for c in entry.findall(f"{ATOM}category")],
        author=_text(author, f"{ATOM}name") if author is not None else None,
        language=_language(entry.get(XML_LANG)) or language,
    )


def parse_feed(body: bytes, url: str) -> Feed:
    """Entries of an RSS 2.0, RSS 1.0 (RDF) or Atom document; anything else is a FeedError naming ``url``."""
    if not body.strip():
        raise FeedError(url, "empty response where an RSS or Atom feed was expected")
    try:
        root = etree.fromstring(body, parser=_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise FeedError(url, f"not well-formed XML, so not a readable feed ({exc})") from None
    name = etree.QName(root).localname
    if name == "rss":
        channel = root.find("channel")
        if channel is None:
            raise FeedError(url, "feed layout changed: <rss> without <channel>")
        language = _language(_text(channel, "language"))
        return Feed("rss", [_rss_item(item, language) for item in channel.findall("item")])
    if name == "RDF":
        channel = root.find(f"{RSS1}channel")
        language = _language(_text(channel, f"{DC}language")) if channel is not None else None
        return Feed("rdf", [_rss_item(item, language) for item in root.findall(f"{RSS1}item")])
    if root.tag == f"{ATOM}feed":
        language = _language(root.get(XML_LANG))
        return Feed("atom", [_atom_entry(entry, language) for entry in root.findall(f"{ATOM}entry")])
    raise FeedError(url, f"not an RSS or Atom feed (the document is <{name}>)")


class FeedSpider(scrapy.Spider):
    name = "feed"

    def __init__(self, portal: FeedPortal, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portal = portal
        self.mapper = FieldMapper(portal, portal.fields, FEED_DEFAULT_FIELDS)
        self.today = date.today()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.portal.url, callback=self.parse, headers={"Accept": ACCEPT})

    def parse(self, response: Response) -> Iterator[dict[str, Any]]:
        feed = parse_feed(response.body, response.url)
        kept = 0
        for index, entry in enumerate(feed.entries):
            try:
                mapped = self.mapper.build(entry.get, base_url=response.url, today=self.today)
            except ItemSkipped as exc:
                log.error("%s: feed entry [%d] skipped: %s", response.url, index, exc)
                continue
            if mapped is None:
                continue
            if mapped.sources.get("source_id") == "link":
                # Feeds decorate links with tracking fragments (#track=feed-…); the id must not move with them.
                mapped.item["source_id"] = urldefrag(mapped.item["source_id"]).url
            for note in mapped.notes:
                log.warning("%s: %s", mapped.item["url"], note)
            kept += 1
            yield mapped.item
        log.info("%s: %d of %d %s entries kept", response.url, kept, len(feed.entries), feed.dialect)
