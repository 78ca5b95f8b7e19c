"""Selector helpers that fail loudly (the spatula habit).

A portal that changes its markup must not produce calls with silently empty fields: required
elements go through :func:`one`, which raises :class:`LayoutError` naming the URL and the missing
element, so the crawl summary shows a broken spider instead of a quiet drop in data quality.
Optional elements go through :func:`maybe`. Free text becomes plain text with :func:`text_of`,
keeping paragraph and list-item boundaries, because the deadline/rate extraction reads clauses and
must not glue the last words of one paragraph to the first of the next.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from bs4 import BeautifulSoup
from parsel import Selector, SelectorList

# Characters that are invisible on the page but split words for every later step (search, dates).
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_WHITESPACE = re.compile(r"\s+")


class Selectable(Protocol):
    """A response, selector or selector list: anything with ``.css``."""

    def css(self, query: str) -> SelectorList[Any]: ...


class LayoutError(Exception):
    """The page no longer has the structure the spider was written for.

    The message is English and names URL and element, because it ends up in logs and in the
    per-portal error summary where a developer has to find the broken selector.
    """

    def __init__(self, url: str, what: str) -> None:
        super().__init__(f"{url}: page layout changed, {what} not found")
        self.url = url
        self.what = what


def clean(text: str | None) -> str:
    """One line: runs of whitespace (incl. non-breaking spaces) become one space; invisibles go."""
    return _WHITESPACE.sub(" ", (text or "").translate(_INVISIBLE)).strip()


def maybe(sel: Selectable, css: str, *, sep: str = " ") -> str | None:
    """The cleaned text of all matches of ``css`` (a ``::text``/``::attr`` query), or None if blank.

    ``sep=""`` joins text nodes directly, for inline markup such as ``(<span>Minitraité)</span>``.
    """
    value = clean(sep.join(sel.css(css).getall()))
    return value or None


def one(sel: Selectable, css: str, what: str, url: str, *, sep: str = " ") -> str:
    """Like :func:`maybe`, but a missing or blank element is a :class:`LayoutError`."""
    value = maybe(sel, css, sep=sep)
    if value is None:
        raise LayoutError(url, what)
    return value


_BLOCKS = (
    "p", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "div", "article", "section",
    "br", "dt", "dd", "blockquote", "table",
)  # fmt: skip
_NOISE = ("script", "style", "svg", "button", "noscript", "template")
_BREAK = "\ue000"  # a private-use character: cannot occur in page text, is not whitespace


def text_of(fragment: str | Selector) -> str:
    """Plain text of an HTML fragment: one line per paragraph, heading or list item.

    Inline markup (``<abbr>``, ``<strong>``, ``<a>``) is joined without extra spaces, so words and
    numbers stay intact ("50 <abbr>Mio.</abbr> EUR" → "50 Mio. EUR").
    """
    html = fragment.get() if isinstance(fragment, Selector) else fragment
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(_NOISE):
        tag.decompose()
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before(_BREAK)
        tag.insert_after(_BREAK)
    # Line breaks in the HTML source are just spaces; only block boundaries start a new line.
    lines = (clean(line) for line in soup.get_text().split(_BREAK))
    return "\n".join(line for line in lines if line)
