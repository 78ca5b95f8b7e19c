"""German-aware text normalisation: folding, stop words, light stemming, compounds, thesaurus.

The same pipeline runs over measures and calls, so "Breitbandausbau" in a call meets "Breitband"
in a measure, and "fibre" in an English EU call meets "Glasfaser".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from itertools import pairwise
from pathlib import Path

import yaml

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "á": "a"})
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

# Words every call shares (they carry no signal) and plain function words, German and English.
_STOP_TEXT = """
der die das den dem des ein eine einer eines einem einen und oder aber auch als am an auf aus bei bis
durch fuer gegen im in ins ist sind mit nach ohne ueber um unter vom von vor wie zu zum zur so sowie
sie wir ihr ihre ihren unsere es sich nicht noch nur werden wird wurde wurden kann koennen soll sollen
muss muessen hat haben dass damit dabei dazu zwischen je pro etwa weitere weiteren alle allen
the of and or to for in on at by with from as is are be an a this that these those their its it can
will may must not into per than also such other which who within under up
foerderung foerdern gefoerdert foerderprogramm programm programme zuschuss zuschuesse antrag antraege
antragstellung kommune kommunen digital digitale digitalen digitaler digitalisierung vorhaben projekt
projekte massnahme massnahmen stadt staedte gemeinde gemeinden mittel einsatz ziel ziele zweck
ausgaben kosten unterstuetzung unterstuetzt funding grant grants call project projects support
eligible costs action actions programme program eu european
"""
STOPWORDS = frozenset(_STOP_TEXT.split())

_SUFFIXES = ("ungen", "ungen", "ung", "heit", "keit", "lich", "isch", "ern", "en", "er", "es", "e", "s", "n",
             "ing", "ed")
_LINKING = ("s", "es", "n", "en")


def fold(text: str) -> str:
    return text.lower().translate(_FOLD)


def stem(token: str) -> str:
    """A light suffix stripper: enough to meet plural and inflected forms, never below 4 letters."""
    if token.isdigit() or len(token) <= 4:
        return token
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            return token[: -len(suffix)]
    return token


def raw_tokens(text: str) -> list[str]:
    out: list[str] = []
    for token in _TOKEN.findall(fold(text)):
        out.append(token)
        if "-" in token:  # "Online-Dienste" also counts as "online" and "dienste"
            out.extend(part for part in token.split("-") if part)
    return out


@cache
def thesaurus() -> dict[str, str]:
    """stem → concept key (the group's first term)."""
    data = yaml.safe_load((Path(__file__).parent / "thesaurus.yaml").read_text(encoding="utf-8"))
    mapping: dict[str, str] = {}
    for group in data["groups"]:
        concept = "§" + stem(fold(str(group[0])))
        for term in group:
            mapping.setdefault(stem(fold(str(term))), concept)
    return mapping


class Analyzer:
    """Turns text into comparable terms; knows a vocabulary for splitting compounds."""

    def __init__(self, vocabulary: Iterable[str] = ()) -> None:
        self.concepts = thesaurus()
        self.vocabulary = {stem(w) for w in vocabulary if len(w) >= 4} | set(self.concepts)

    def split(self, token: str) -> list[str]:
        """Breitbandausbau → breitband + ausbau, when both halves are known words."""
        if len(token) < 9 or "-" in token:
            return []
        for cut in range(len(token) - 4, 3, -1):
            head, tail = token[:cut], token[cut:]
            if stem(head) not in self.vocabulary:
                continue
            if stem(tail) in self.vocabulary:
                return [head, tail]
            for link in _LINKING:
                if head.endswith(link) and stem(head[: -len(link)]) in self.vocabulary:
                    return [head[: -len(link)], tail]
        for cut in range(4, len(token) - 3):
            head, tail = token[:cut], token[cut:]
            if stem(tail) in self.vocabulary and stem(head) in self.vocabulary:
                return [head, tail]
        return []

    def terms(self, text: str | None) -> list[str]:
        if not text:
            return []
        out: list[str] = []
        tokens = raw_tokens(text)
        for first, second in pairwise(tokens):
            phrase = self.concepts.get(stem(f"{first}-{second}"))  # "public administration"
            if phrase:
                out.append(phrase)
        for token in tokens:
            parts = [token, *self.split(token)]
            for part in parts:
                if part in STOPWORDS or len(part) < 3:
                    continue
                term = stem(part)
                if term in STOPWORDS:
                    continue
                out.append(self.concepts.get(term, term))
        return out
