"""Scraped text is untrusted: the two checks every output shares — the match report (HTML, Markdown)
and the notifier's mail, .ics and feeds.

A leaf at the bottom of the layers (it imports nothing of the project), so the matcher's reports and
the notifier link URLs by one rule: a link one of them refused, the other cannot show.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f<>\"'`\\]")


def safe_url(value: object) -> str | None:
    """The URL if it may become a link (absolute http/https, nothing that breaks out of an attribute
    or a Markdown ``<…>``), else None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if _UNSAFE_URL_CHARS.search(url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def one_line(value: str) -> str:
    """Header-safe: CR/LF and other control characters become spaces (no header injection)."""
    return " ".join(_CONTROL.sub(" ", value).split())
