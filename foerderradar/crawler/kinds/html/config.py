"""Config model of kind ``html``: server-rendered list pages (and detail pages) read by CSS selectors.

Every selector is checked when the file is loaded (:mod:`foerderradar.crawler.entry.css`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from foerderradar.crawler.entry.base import http_url
from foerderradar.crawler.entry.css import check_css
from foerderradar.crawler.entry.mapping import FieldMap, MappingKeys

PAGE_URL = "@page"  # a source that is not a selector: the address of the page the call is read from


class HtmlFields(FieldMap):
    """Call field → CSS selector on the detail page (or on the list item when there is no ``link``).

    ``@page`` (not valid CSS, so it cannot clash with a selector) is the page's own address: the
    default of ``url``, and a fallback after a selector, e.g. ``url: ["link[rel=canonical]::attr(href)", "@page"]``.
    """

    source_kind: ClassVar[str] = "ein CSS-Selektor"

    @classmethod
    def check_source(cls, source: str) -> None:
        if source != PAGE_URL:
            check_css(source)


class HtmlPortal(MappingKeys):
    """Server-rendered list pages, optionally with one detail page per call.

    ``link`` absent: each list item is a call, and ``fields`` are read from the item. ``sections``:
    also read the German question headings ("Wer wird gefördert?" …) of the page (``true``: its
    ``main`` element, else ``body``) or of the region a CSS selector names.
    """

    kind: Literal["html"]
    list_urls: list[str] = Field(min_length=1)
    item: str
    link: str | None = None
    next_page: str | None = None
    fields: HtmlFields = Field(default_factory=HtmlFields)
    sections: bool | str = False

    @field_validator("list_urls", mode="before")
    @classmethod
    def _one_url_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("list_urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            http_url(url)
        return value

    @field_validator("item")
    @classmethod
    def _item(cls, value: str) -> str:
        return check_css(value, elements=True)

    @field_validator("link", "next_page")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        return None if value is None else check_css(value)

    @field_validator("sections")
    @classmethod
    def _sections(cls, value: bool | str) -> bool | str:
        return check_css(value, elements=True) if isinstance(value, str) else value
