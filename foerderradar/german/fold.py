"""Umlauts and their spellings: portals and scrapers write both "Schulträger" and "Schultraeger".

One table, three uses — and why there are three:

- :func:`fold` is *the* folding for comparing text: lower case, umlauts and ß spelled out, other
  accents dropped (é → e). Crawler and matcher compare folded text against folded patterns.
- :func:`spell_out` keeps the case: for ASCII names built from German labels ("Förderart" →
  "Foerderart"), where the capitals carry meaning (CamelCase facet names).
- :func:`fold_pattern` folds a *pattern* instead of the text: the text extractor quotes the portal's
  own sentence and needs the offsets of the text as written, so it cannot fold the text; each
  umlaut of a cue becomes "either spelling" instead.
"""

from __future__ import annotations

import re
import unicodedata

SPELLED_OUT: tuple[tuple[str, str], ...] = (
    ("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"),
)  # fmt: skip
_LOWER = SPELLED_OUT[:4]  # after lower() the capitals are gone ("ẞ".lower() is "ß")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_FOLDED: dict[str, str] = {"\u2010": "-", "\u2011": "-"}  # other characters, learned on first sight


def fold(text: str) -> str:
    """Lower case with umlauts and ß spelled out and other accents dropped (é → e)."""
    text = text.lower()
    if text.isascii():
        return text
    for umlaut, spelled in _LOWER:  # str.replace is far cheaper than translate() on long texts
        if umlaut in text:
            text = text.replace(umlaut, spelled)
    return text if text.isascii() else _NON_ASCII.sub(_fold_char, text)


def _fold_char(match: re.Match[str]) -> str:
    char = match.group()
    folded = _FOLDED.get(char)
    if folded is None:
        decomposed = unicodedata.normalize("NFKD", char)
        # lower() again: a compatibility form may be a capital ("𝐀" → "A"), and fold must stay idempotent.
        folded = _FOLDED[char] = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return folded


def spell_out(text: str) -> str:
    """Umlauts and ß spelled out, case kept ("Förderart" → "Foerderart")."""
    for umlaut, plain in SPELLED_OUT:
        text = text.replace(umlaut, plain)
    return text


def fold_pattern(fragment: str) -> str:
    """A regex fragment whose umlauts match either spelling: "März" also finds "Maerz"."""
    for umlaut, plain in _LOWER:
        fragment = fragment.replace(umlaut, f"(?:{umlaut}|{plain})")
    return fragment


def cues(*fragments: str) -> re.Pattern[str]:
    """Cue words as one case-insensitive pattern that finds them in text as written, either spelling."""
    return re.compile("|".join(fold_pattern(f) for f in fragments), re.IGNORECASE)


__all__ = ["SPELLED_OUT", "cues", "fold", "fold_pattern", "spell_out"]
