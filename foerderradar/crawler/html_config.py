"""Config models of the kinds ``html`` (list and detail pages read by CSS selectors) and ``watch``.

Both are configured in ``portals.yaml`` only. Every CSS selector is compiled when the file is loaded,
so ``item: "div.teaser["`` is an error naming the entry and the key (``portals[3].item: …``) in
``portals list`` — not a crawl that silently finds nothing. Selectors that must pick elements
(``item``, ``region``, ``ignore``) may not end in ``::text`` or ``::attr(…)``.

Like :mod:`foerderradar.crawler.mapping`, this module imports no Scrapy: loading the config stays
light. Only parsel's CSS translator (lxml + cssselect) is needed to check a selector.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from foerderradar.config_messages import css_problem
from foerderradar.crawler.mapping import CallDefaults, FieldMap, MappingKeys, _http_url
from foerderradar.settings import PortalBase

_VALUE_PSEUDO = re.compile(r"::(?:text|attr\([^()]*\))\s*$")


def check_css(query: str, *, elements: bool = False) -> str:
    """``query`` if it is a CSS selector parsel understands, else ValueError saying what is wrong.

    ``elements``: the selector must pick elements, not text or attribute values.
    """
    from cssselect import SelectorError
    from parsel.csstranslator import HTMLTranslator

    if not isinstance(query, str) or not query.strip():
        raise ValueError("ein CSS-Selektor darf nicht leer sein")
    try:
        HTMLTranslator().css_to_xpath(query)
    except SelectorError as exc:
        raise ValueError(f"{query!r} ist kein gültiger CSS-Selektor: {css_problem(str(exc))}") from None
    if elements and "::" in query:
        raise ValueError(f"{query!r} muss Elemente auswählen; ::text bzw. ::attr(…) am Ende entfernen")
    return query


def is_value_query(query: str) -> bool:
    """Does the selector end in ``::text`` or ``::attr(name)`` (a value, not an element)?"""
    return bool(_VALUE_PSEUDO.search(query))


PAGE_URL = "@page"  # a source that is not a selector: the address of the page the call is read from


# A selector of elements, checked where it stands: a mistake in a list is named with its position.
ElementSelector = Annotated[str, AfterValidator(lambda query: check_css(query, elements=True))]


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
            _http_url(url)
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


# -- watch --------------------------------------------------------------------------------------


def watch_id(url: str) -> str:
    """The stable ``source_id`` of a watched page: its URL without fragment, scheme and host in lower case.

    A tracking fragment or "HTTPS://" must not make the same page a second call, and the id must
    not depend on anything the page says (a new title is a new version, not a new call).
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    default_port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    port = parts.port
    netloc = host if port is None or port == default_port else f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


class WatchUrl(BaseModel):
    """One watched page: ``{url, title}``; the title, when given, wins over the page's own heading."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str
    title: str | None = Field(default=None, min_length=1)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value)


class WatchPortal(PortalBase):
    """Pages without structure or feed, watched for changes: each URL is one call.

    The call's description is the normalised text of the page's ``region``; the store records a new
    version (and an ``amended`` event) when that text changes.
    """

    kind: Literal["watch"]
    urls: list[WatchUrl] = Field(min_length=1)
    region: str = "main"
    title: str = "h1"
    ignore: list[ElementSelector] = Field(default_factory=list)
    read_terms: bool = True
    defaults: CallDefaults = Field(default_factory=CallDefaults)

    @field_validator("urls", mode="before")
    @classmethod
    def _plain_urls(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            return [{"url": entry} if isinstance(entry, str) else entry for entry in value]
        return value

    @field_validator("urls")
    @classmethod
    def _unique(cls, value: list[WatchUrl]) -> list[WatchUrl]:
        seen: dict[str, int] = {}
        for index, entry in enumerate(value):
            key = watch_id(entry.url)
            if key in seen:
                raise ValueError(
                    f"{entry.url!r} (Eintrag {index}) ist dieselbe Seite wie Eintrag {seen[key]}; "
                    "einen der beiden löschen"
                )
            seen[key] = index
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        return check_css(value, elements=True)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return check_css(value)

    @field_validator("ignore", mode="before")
    @classmethod
    def _one_ignore_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value



__all__ = ["PAGE_URL", "HtmlFields", "HtmlPortal", "WatchPortal", "WatchUrl", "check_css", "is_value_query", "watch_id"]
