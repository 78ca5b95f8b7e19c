"""Any JSON API that lists calls as a portal (kind ``json``), configured in ``portals.yaml`` only.

The entry names the list (``items``, a dotted path), where each canonical field sits inside an item
(``fields``) and how pages are counted (``pagination``); :mod:`foerderradar.crawler.mapping` does
the rest. An answer that is not JSON or lacks the ``items`` path is an error naming URL and path:
an API that changed must not look like an API with nothing to offer. One item without a required
field is reported with its position and skipped, so it cannot hide the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import date
from functools import partial
from typing import Any

import scrapy
from scrapy.http import Response
from w3lib.url import add_or_replace_parameter

from foerderradar.crawler.entry.mapping import FieldSpec
from foerderradar.crawler.kinds.json.config import JsonPortal
from foerderradar.crawler.mapping import MISSING, FieldMapper, ItemSkipped, SourceError, describe_missing, resolve_path

log = logging.getLogger(__name__)

# Items with these keys work without any `fields` in portals.yaml.
JSON_DEFAULT_FIELDS: dict[str, FieldSpec] = {"source_id": ["id"], "url": ["url"], "title": ["title"]}


class JsonApiSpider(scrapy.Spider):
    name = "json"

    def __init__(self, portal: JsonPortal, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portal = portal
        self.mapper = FieldMapper(portal, portal.fields, JSON_DEFAULT_FIELDS, url_template=portal.url_template)
        self.today = date.today()
        self._previous_page: str | None = None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.page_request(self.portal.pagination.start if self.portal.pagination else None)

    def page_request(self, page: int | None) -> scrapy.Request:
        """The request for one page (None: the API is not paginated)."""
        url = self.portal.url
        if page is not None and self.portal.pagination is not None:
            url = add_or_replace_parameter(url, self.portal.pagination.param, str(page))
        headers = {"Accept": "application/json"}
        body: bytes | None = None
        meta: dict[str, Any] = {}
        if self.portal.method == "POST":
            meta["dont_cache"] = True  # a POST answer is a search result, not a document to revalidate
            if self.portal.body is not None:
                body = json.dumps(self.portal.body, ensure_ascii=False).encode("utf-8")
                headers["Content-Type"] = "application/json"
        return scrapy.Request(
            url,
            method=self.portal.method,
            body=body,
            headers=headers,
            meta=meta,
            callback=self.parse,
            cb_kwargs={"page": page},
        )

    def items_of(self, response: Response) -> list[Any]:
        try:
            data = json.loads(response.body)
        except (ValueError, UnicodeDecodeError) as exc:
            ctype = (response.headers.get("Content-Type") or b"").decode("latin-1") or "no Content-Type"
            raise SourceError(response.url, f"response is not JSON ({ctype}; {exc})") from None
        except RecursionError:  # json.loads recurses per level: a hostile "[[[[…" would crash the spider
            raise SourceError(response.url, "response is JSON nested too deeply to read") from None
        path = self.portal.items
        items = resolve_path(data, path)
        if items is MISSING:
            raise SourceError(
                response.url, f"layout changed: items path {path!r} not found: {describe_missing(data, path)}"
            )
        if items is None:
            return []  # "results": null is how some APIs say "nothing"
        if not isinstance(items, list):
            where = repr(path) if path else "the top level"
            raise SourceError(
                response.url, f"layout changed: items path {where} is a {type(items).__name__}, not a list"
            )
        return items

    def parse(self, response: Response, page: int | None = None) -> Iterator[dict[str, Any] | scrapy.Request]:
        items = self.items_of(response)
        where = self.portal.items or ""
        for index, raw in enumerate(items):
            try:
                mapped = self.mapper.build(partial(resolve_path, raw), base_url=response.url, today=self.today)
            except ItemSkipped as exc:
                log.error("%s: item %s[%d] skipped: %s", response.url, where, index, exc)
                continue
            if mapped is None:
                continue
            for note in mapped.notes:
                log.warning("%s: item %s[%d]: %s", response.url, where, index, note)
            yield mapped.item
        next_page = self._next_page(page, items)
        if next_page is not None:
            yield self.page_request(next_page)

    def _next_page(self, page: int | None, items: list[Any]) -> int | None:
        """The next page number, or None: after an empty page, at max_pages, or when a page repeats."""
        pagination = self.portal.pagination
        if pagination is None or page is None or not items:
            return None
        max_pages = pagination.max_pages or self.portal.max_pages
        if page - pagination.start + 1 >= max_pages:
            return None
        digest = hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode()).hexdigest()
        if digest == self._previous_page:
            # An API that ignores the parameter would otherwise be asked max_pages times for page 1.
            log.warning("page %d repeats the previous page: does the API know parameter %r?", page, pagination.param)
            return None
        self._previous_page = digest
        return page + 1
