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
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from lxml import etree
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
_BLOCK_SET = frozenset(_BLOCKS)
_NOISE_SET = frozenset(_NOISE)
_RUBY = frozenset({"rt", "rp"})  # BeautifulSoup keeps their strings out of get_text()


def text_of(fragment: str | Selector) -> str:
    """Plain text of an HTML fragment: one line per paragraph, heading or list item.

    Inline markup (``<abbr>``, ``<strong>``, ``<a>``) is joined without extra spaces, so words and
    numbers stay intact ("50 <abbr>Mio.</abbr> EUR" → "50 Mio. EUR").

    Linear in the size of the fragment: the parser's events are turned into text as they come,
    without building a tree. The BeautifulSoup version this replaces built one and then inserted
    break markers with ``insert_before``, which looks the element up among its siblings:
    quadratic on a page of thousands of sibling paragraphs. The text is the same, character for
    character (tests/crawler/test_selectors_text_of.py holds the old version and compares): the same lxml
    parser in the same mode, BeautifulSoup's rules for unclosed tags and for the text it leaves
    out (ruby annotations ``<rt>``/``<rp>``, comments) included. A selector is serialised and
    parsed again, as before, so a fragment reads the same whichever way it is handed over.
    """
    html = fragment.get() if isinstance(fragment, Selector) else fragment
    collector = _TextCollector()
    if html.startswith("\ufeff"):  # lxml trips over a byte order mark in a str
        html = html[1:]
    try:
        parser = etree.HTMLParser(target=collector, recover=True)
        parser.feed(html)
        parser.close()
    except (UnicodeDecodeError, LookupError, etree.ParserError):
        collector = _TextCollector()  # as BeautifulSoup does: once more, as UTF-8 bytes
        parser = etree.HTMLParser(target=collector, recover=True, encoding="utf8")
        parser.feed(html.encode("utf8"))
        parser.close()
    # Line breaks in the HTML source are just spaces; only block boundaries start a new line.
    lines = (clean(line) for line in "".join(collector.out).split(_BREAK))
    return "\n".join(line for line in lines if line)


class _TextCollector:
    """lxml parser target: the text in document order, a break before and after each block.

    Tags are closed as BeautifulSoup closes them: an end tag closes every tag opened after the
    last open tag of its name, and an end tag with no open tag of its name is ignored. Text inside
    a noise element is dropped with the element; text inside ``<rt>``/``<rp>`` is dropped too,
    while breaks there are kept (BeautifulSoup types those strings as ruby text, not as text).
    """

    def __init__(self) -> None:
        self.out: list[str] = []
        self.stack: list[str] = []
        self.open: dict[str, int] = {}
        self.noise = 0  # open noise elements
        self.ruby = 0  # open <rt>/<rp>

    def start(self, tag: str, attrib: object, nsmap: object = None) -> None:
        self.stack.append(tag)
        self.open[tag] = self.open.get(tag, 0) + 1
        if tag in _NOISE_SET:
            self.noise += 1
        elif tag in _RUBY:
            self.ruby += 1
        elif tag in _BLOCK_SET and not self.noise:
            self.out.append(_BREAK)

    def end(self, tag: str) -> None:
        if not self.open.get(tag):
            return
        while self.stack:
            closed = self.stack.pop()
            self.open[closed] -= 1
            if closed in _NOISE_SET:
                self.noise -= 1
            elif closed in _RUBY:
                self.ruby -= 1
            elif closed in _BLOCK_SET and not self.noise:
                self.out.append(_BREAK)
            if closed == tag:
                return

    def data(self, text: str) -> None:
        if not self.noise and not self.ruby:
            self.out.append(text)

    def close(self) -> None:
        """Tags still open at the end stay open: breaks after them would only end the last line."""


# -- matches inside matches -------------------------------------------------------------------------
#
# A selector can match elements that contain each other: nested <main>s on a damaged page, list
# cards that lost their closing tags so that each contains all later ones. Reading every match in
# full then reads the rest of the page once per match: quadratic. The helpers below let callers
# read such matches in time linear in the page; where nothing is nested they change nothing.

NESTED_READ_FACTOR = 4  # nested matches are read while they add up to this many times their outer match


def _groups(matches: Sequence[Selector]) -> list[tuple[Selector, list[Selector]]]:
    """Each outermost match with the matches inside it (document order, as selectors return them)."""
    groups: list[tuple[Selector, list[Selector]]] = []
    inside: set[Any] = set()
    for match in matches:
        if groups and match.root in inside:
            groups[-1][1].append(match)
            continue
        # Outermost matches are disjoint, so these sets cover each element of the page at most once.
        inside = set(match.root.iterdescendants()) if len(matches) > 1 else set()
        groups.append((match, []))
    return groups


def outermost(matches: Sequence[Selector]) -> list[Selector]:
    """The matches that lie inside no other match: the text of an outer match has the inner ones'."""
    if len(matches) < 2:
        return list(matches)
    return [outer for outer, _ in _groups(matches)]


def readable(matches: Sequence[Selector]) -> list[Selector]:
    """The matches whose values are read: all of them, unless they nest beyond reason.

    A match inside another is read as long as the nested matches of one outer match add up (in
    elements) to at most :data:`NESTED_READ_FACTOR` times that outer match: a list in a list is read
    in full, 36 ``<main>``s inside each other are not read 36 times.
    """
    if len(matches) < 2:
        return list(matches)
    out: list[Selector] = []
    for outer, nested, sizes in _measured_groups(matches):
        out.append(outer)
        budget, spent = NESTED_READ_FACTOR * sizes.get(outer.root, 0), 0
        for match in nested:
            spent += sizes[match.root]
            if spent > budget:
                break
            out.append(match)
    return out


def nested_beyond_bound(matches: Sequence[Selector]) -> list[Selector]:
    """The matches inside an outer match whose nested matches add up to more than the bound above.

    Empty on a normal page, also where a list item holds a small list of its own.
    """
    if len(matches) < 2:
        return []
    out: list[Selector] = []
    for outer, nested, sizes in _measured_groups(matches):
        if sum(sizes[m.root] for m in nested) > NESTED_READ_FACTOR * sizes.get(outer.root, 0):
            out.extend(nested)
    return out


def _measured_groups(matches: Sequence[Selector]) -> Iterator[tuple[Selector, list[Selector], dict[Any, int]]]:
    """:func:`_groups` with the size (elements) of the outer and each nested match; none without nesting."""
    for outer, nested in _groups(matches):
        sizes = _subtree_sizes(outer.root, {m.root for m in nested}) if nested else {}
        yield outer, nested, sizes


def _subtree_sizes(root: Any, wanted: set[Any]) -> dict[Any, int]:
    """Elements in the subtree of ``root`` and of each element in ``wanted``, in one walk."""
    started: dict[Any, int] = {}
    sizes: dict[Any, int] = {}
    count = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            count += 1
            if element is root or element in wanted:
                started[element] = count
        elif element in started:
            sizes[element] = count - started[element] + 1
    return sizes


def remove_keeping_tail(element: Any) -> None:
    """Take an element out of its tree; the text that followed it stays where it was."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = _settable((previous.tail or "") + element.tail)
        else:
            parent.text = _settable((parent.text or "") + element.tail)
    parent.remove(element)


# The parser keeps control characters that lxml refuses when text is set through its API.
_NOT_SETTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _settable(text: str) -> str:
    return _NOT_SETTABLE.sub("", text)
