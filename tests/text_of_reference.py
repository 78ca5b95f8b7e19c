"""The ``selectors.text_of`` implementation before December 2026, kept verbatim as the reference.

The linear rewrite must give exactly this text, character for character: tests/crawler/test_selectors_text_of.py
compares the two on every page we have, bench/selectors_text_of.py times them side by side. One copy,
imported by both.
"""

from __future__ import annotations

from bs4 import BeautifulSoup
from parsel import Selector

from foerderradar.crawler.selectors import _BLOCKS, _BREAK, _NOISE, clean


def reference_text_of(fragment: str | Selector) -> str:
    """The implementation before December 2026, unchanged: BeautifulSoup, break markers, get_text."""
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
