"""Selector helpers that fail loudly (spatula habit): a page that no longer matches raises
``LayoutError`` naming URL and element, instead of yielding calls with silently empty fields."""

from __future__ import annotations

import re
from typing import Any, Protocol

from bs4 import BeautifulSoup
from parsel import SelectorList


class Selectable(Protocol):
    """A response, selector or selector list: anything with ``.css``."""

    def css(self, query: str) -> SelectorList[Any]: ...


class LayoutError(Exception):
    """The page no longer has the structure the spider was written for."""

    def __init__(self, url: str, what: str) -> None:
        super().__init__(f"{url}: page layout changed, {what} not found")
        self.url = url
        self.what = what


def clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def maybe(sel: Selectable, css: str) -> str | None:
    value = clean(" ".join(sel.css(css).getall()))
    return value or None


def one(sel: Selectable, css: str, what: str, url: str) -> str:
    value = maybe(sel, css)
    if value is None:
        raise LayoutError(url, what)
    return value


_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "div", "br", "dt", "dd")


def text_of(html: str) -> str:
    """Plain text with one line per paragraph/list item, so headings and sentences stay apart."""
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "svg", "button"]):
        tag.decompose()
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = (clean(line) for line in soup.get_text().splitlines())
    return "\n".join(line for line in lines if line)
