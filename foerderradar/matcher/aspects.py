"""A measure's core and its frame: which of its words say what it does, which only who, where, with whom.

Why: a measure such as "Funknetz und Sensoren für Daten aus dem Stadtgebiet" also names the Bauhof
that will use the data and the Winterdienst it serves. Relevance that adds up every shared word
ranks a programme for Bauhof vehicles above the sensor programmes — it shares two rare words with the
measure, both in its title. Förderradar looks for *digitalisation* funding, so a measure's core is
its digital object: words that name one ("Sensoren", "Stadt-App", "Datenplattform") and nouns a
measure qualifies as digital ("digitale Einsatzdokumentation"). A call that shares none of them
with the measure matches only its frame; unless it is a digitalisation programme itself (its
title, topics or summary name a digital object: then the frame is a fair lead, "DigitalPakt Alter"
for a library measure) it counts :data:`CONTEXT_SHARE` of its score. A measure that names no digital
object at all (a town may enter any measure) has no core and no such cap.

What the measure says is already done ("Neue Fahrzeuge … sind bereits finanziert") is not asked
for at all: those clauses are left out of the query.

The word lists are general domain knowledge, in ``thesaurus.yaml`` (``digital:``) beside the
synonym groups, so a city can read and extend them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, cached_property

from foerderradar.german.fold import fold
from foerderradar.matcher.thesaurus import concept_key, read_groups, thesaurus_data

# A call that matches only a measure's frame keeps this share of its score ...
CONTEXT_SHARE = 0.5
# ... and a digitalisation programme that matches only the frame this share.
DIGITAL_FRAME_SHARE = 0.8

# Clauses (sentences, or parts between semicolons) that report what is done or paid for already.
_DONE = re.compile(
    r"\b(?:bereits|schon|längst)\b(?:\s+\S+){0,4}?\s+"
    r"(?:finanziert|vorhanden|beschafft|bewilligt|gefördert|umgesetzt|abgeschlossen|erledigt|installiert"
    r"|eingeführt|angeschafft|gesichert)\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"(?<=[.;!?])\s+")
# Words that make the next noun a digital object: "digitale Einsatzdokumentation", "digital
# ansteuerbare Sirenen" (up to the first capitalised word within a few words).
_QUALIFIER = re.compile(r"^(?:digital|elektronisch|online|smart|vernetzt|virtuell)(?:e|en|er|es|em)?$", re.IGNORECASE)
_QUALIFIER_REACH = 3
# The same qualifier as the first part of a compound: the rest of the compound is the object.
_QUALIFIED_COMPOUND = re.compile(r"^(?:(?:digital(?:isierungs)?|online|elektronisch|smart)-?|e-)(?=[a-z]{4})")
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_REMEMBERED = 1 << 17


def open_text(description: str) -> str:
    """The description without the clauses that say what is already done or financed."""
    clauses = _CLAUSE_END.split(description.replace(";", "; "))
    return " ".join(c for c in clauses if not _DONE.search(c))


@dataclass(frozen=True)
class DigitalWords:
    """``digital:`` in thesaurus.yaml: ``contains`` — a word with one of these inside names a
    digital object; ``parts`` — short words that do so only as a whole word or hyphen part
    ("App", "IT-Notfallhandbuch", "E-Books")."""

    contains: tuple[str, ...]
    parts: frozenset[str]

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Finds any of the words in folded text (parts only as whole words or hyphen parts)."""
        parts = "|".join(re.escape(p) for p in sorted(self.parts, key=len, reverse=True))
        contains = "|".join(re.escape(c) for c in sorted(self.contains, key=len, reverse=True))
        return re.compile(rf"{contains}|(?<![^\W_])(?:{parts})s?(?![^\W_])")

    @cached_property
    def _answers(self) -> dict[str, bool]:
        return {}

    def names_digital(self, word: str) -> bool:
        """Does the word name a digital object? (Remembered, up to :data:`_REMEMBERED` words: the
        same words come back in every measure and call title, and a long-running ``serve`` must
        not collect every word it ever saw.)"""
        known = self._answers.get(word)
        if known is None:
            if len(self._answers) >= _REMEMBERED:
                self._answers.clear()
            known = self._answers[word] = self.pattern.search(fold(word)) is not None
        return known

    def core_words(self, text: str) -> tuple[dict[str, str], set[str]]:
        """The words of ``text`` that name a digital object (→ the part that is the object:
        "Digitalisierungsfahrplan" → "fahrplan", else the word), and the nouns it qualifies as
        digital ("digitale Einsatzdokumentation"), as written."""
        named: dict[str, str] = {}
        qualified: set[str] = set()
        written = _WORD.findall(text)
        for n, word in enumerate(written):
            head = _QUALIFIED_COMPOUND.match(fold(word))
            if head:  # "Digitalisierungsfahrplan": a digital roadmap
                named[word] = fold(word)[head.end() :]
            elif self.names_digital(word) and not _QUALIFIER.match(word):  # "digitale" alone names nothing
                named[word] = word
            if _QUALIFIER.match(word):  # the next noun is the qualified object
                for nxt in written[n + 1 : n + 1 + _QUALIFIER_REACH]:
                    if nxt[:1].isupper():
                        qualified.add(nxt)
                        break
        return named, qualified


@cache
def digital_words() -> DigitalWords:
    data = thesaurus_data()
    section = data.get("digital") or {}
    return DigitalWords(
        tuple(fold(str(w)) for w in section.get("contains", [])),
        frozenset(fold(str(w)) for w in section.get("parts", [])),
    )


@cache
def digital_concepts() -> frozenset[str]:
    """The thesaurus groups with a member that names a digital object: all their members are."""
    names = digital_words().names_digital
    return frozenset(
        concept_key(str(group[0])) for group in read_groups()
        if group and any(names(str(word)) or any(names(w) for w in str(word).split()) for word in group)
    )


def core_terms(pairs: Iterable[tuple[str, str]], text: str, whole: Callable[[str], str | None]) -> set[str]:
    """Of a measure's (term, written word) pairs, the terms of its digital object: digital
    thesaurus concepts, terms that name a digital object themselves ("sensor", "lorawan"), the
    whole of a word that names one ("ebook" for "E-Books", not its part "book") and every term of a
    noun the text qualifies as digital. ``whole``: a written word's own term (not its parts')."""
    words = digital_words()
    named, qualified = words.core_words(text)
    digital = digital_concepts()
    return {
        term for term, word in pairs
        if term in digital or word in qualified or words.names_digital(term)
        or (word in named and term in (whole(word), whole(named[word])))
    }


__all__ = [
    "CONTEXT_SHARE", "DIGITAL_FRAME_SHARE", "DigitalWords", "core_terms", "digital_concepts", "digital_words",
    "open_text",
]
