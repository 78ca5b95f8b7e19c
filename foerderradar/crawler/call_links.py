"""A call's further pages and its contact, as both Förderdatenbank routes give them to a card.

The HTML pages ("Weiterführende Links", the "Weblink zur Förderrichtlinie" in the Rechtsgrundlage
block, the "Ansprechpunkt" card) and the XML export (``ExternerLink`` and ``Kontakt`` documents) name
the same things in different markup; what a reader needs from them is decided here, once:

- A link whose words or address say *Richtlinie* (also Förderrichtlinie), *Merkblatt* or name an
  application portal is labelled by that kind and comes first, in that order — a card shows three
  links at most, and those are the ones a person opens to judge a call. Words inside quotation
  marks do not count: "Leitfaden zur „Richtlinie zur Förderung …“" is a Leitfaden.
- Any other link keeps its own words; only http(s) addresses are kept (the model refuses others,
  and one bad link must not cost the call).
- The contact is one line: name and office, e-mail, phone — what the portal gives, nothing guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from foerderradar.crawler.selectors import clean
from foerderradar.model import MAX_CONTACT, MAX_LINKS

RICHTLINIE = "Richtlinie"
MERKBLATT = "Merkblatt"
ANTRAGSPORTAL = "Antragsportal"
# (label, words in the link text, words in the address); the order is the order on the card.
KINDS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    (RICHTLINIE, re.compile(r"richtlinie", re.IGNORECASE), re.compile(r"richtlinie", re.IGNORECASE)),
    (MERKBLATT, re.compile(r"merkblatt", re.IGNORECASE), re.compile(r"merkblatt", re.IGNORECASE)),
    (
        ANTRAGSPORTAL,
        re.compile(r"antragsportal|kundenportal|serviceportal|easy-?online|online-?antrag", re.IGNORECASE),
        re.compile(r"antragsportal|easy-?online", re.IGNORECASE),
    ),
)
_QUOTED = re.compile(r"„[^“”\"]*[“”\"]|“[^”]*”|\"[^\"]*\"|«[^»]*»|»[^«]*«|‚[^‘’]*[‘’]")
# "(externer Link)", also as the export misspells it ("(exerner Link)").
_EXTERNAL = re.compile(r"\s*\((?:ex\w*\s+Link|extern)\)\s*$", re.IGNORECASE)
# "Weblink zum Gesetz" (the Rechtsgrundlage block's wording) reads as "Gesetz" on a card.
_WEBLINK = re.compile(r"^Weblink\s+(?:zu[mr]?|auf\s+d(?:as|en|ie))\s+(?=\S)", re.IGNORECASE)


def kind_of(text: str, url: str) -> str | None:
    """``Richtlinie`` / ``Merkblatt`` / ``Antragsportal`` when the link's words (outside quotes) or
    its address say so, else None."""
    words = _QUOTED.sub(" ", text)
    where = urlsplit(url)
    address = f"{where.netloc}{where.path}"
    for label, in_text, in_address in KINDS:
        if in_text.search(words) or in_address.search(address):
            return label
    return None


def is_http(url: str) -> bool:
    return re.match(r"^https?://[^\s/]+", url, re.IGNORECASE) is not None


def call_links(found: Iterable[tuple[str, str]]) -> list[dict[str, str]] | None:
    """(link text, absolute address) pairs in page order → the call's ``links``: labelled, known kinds
    first, one per address, at most MAX_LINKS; None when there is none."""
    ranked: list[tuple[int, int, dict[str, str]]] = []
    seen: set[str] = set()
    for position, (text, url) in enumerate(found):
        url = url.strip()
        if not is_http(url) or url in seen:
            continue
        seen.add(url)
        words = _EXTERNAL.sub("", clean(text))
        kind = kind_of(words, url)
        if _WEBLINK.match(words):
            words = _WEBLINK.sub("", words)
            words = words[:1].upper() + words[1:]
        rank = next((i for i, (label, _, _) in enumerate(KINDS) if label == kind), len(KINDS))
        ranked.append((rank, position, {"label": kind or words, "url": url}))
    ranked.sort(key=lambda entry: entry[:2])
    return [link for _, _, link in ranked[:MAX_LINKS]] or None


def contact_line(parts: Iterable[str | None]) -> str | None:
    """Name/office, e-mail, phone … as one line, each part once, in the order given."""
    seen: dict[str, Any] = {}
    for part in parts:
        text = clean(part or "").strip(" ,;")
        if text and text.casefold() not in seen:
            seen[text.casefold()] = text
    line = ", ".join(seen.values())
    if not line:
        return None
    return line if len(line) <= MAX_CONTACT else line[: MAX_CONTACT - 1].rstrip() + "…"
