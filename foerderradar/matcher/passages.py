"""A call's sentences with what they are about, for the gates that read limits from the text.

The area, Kreis-status and population gates all need the same thing: the sentences of summary and
description, and whether each stands under a heading about who may apply or where ("Antrags-
berechtigte", "Fördergebiet"). A limit stated there is a limit; the same words in a contact address
or a project example are not. Unlike :func:`applicant_passages` this keeps the text as written when
asked (Kreis names are found by their capitals) and does not split "10 Tsd. Einwohner" or
"St. Wendel" at the abbreviation's dot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from foerderradar.german.applicants import CUE, HEADING, sentences
from foerderradar.german.fold import fold

# Headings over where a call applies (folded): the sentences below them limit the area.
AREA_HEADING = re.compile(
    r"^(?:foerdergebiet|gebietskulisse|programmgebiet|geltungsbereich|raeumlicher geltungsbereich"
    r"|wo wird gefoerdert)\b"
)
# Abbreviations whose dot is no sentence end; the dot is dropped (only gates read this text).
_ABBREVIATIONS = frozenset({"tsd", "mio", "st", "nr", "ca", "bzw", "vgl", "abs", "ziff"})
_DOT_BEFORE_SPACE = re.compile(r"\.(?=\s)")

# A sentence that denies (folded): "… sind nicht antragsberechtigt", "… ist nicht vorgesehen", "…
# ausgeschlossen", "können keinen eigenen Antrag stellen"; but "nicht ausgeschlossen", "nicht nur" and
# "nicht allein antragsberechtigt" deny nothing.
DENIES = re.compile(
    r"\bnicht (?!nur\b|allein\b|einzeln\b|ausschliesslich\b)(?:\w+ ){0,2}?"
    r"(?:antragsberechtigt|foerderfaehig|gefoerdert|vorgesehen|zuwendungsempfaenger)"
    r"|(?<!nicht )\b(?:ausgeschlossen|ausgenommen)\b|\bkein\w* (?:eigene\w* )?(?:antrag|antraege|antragstellung)\b"
)


@dataclass(frozen=True)
class Sentence:
    text: str  # as written (or folded, if the source was folded)
    folded: str
    heading: bool  # under a heading about applicants or the area

    @cached_property
    def applicants(self) -> bool:
        """Under such a heading, or a sentence about who may apply (asked only of the few sentences
        that mention a Kreis or inhabitants)."""
        return self.heading or bool(CUE.search(self.folded))


def call_sentences(*texts: str) -> list[Sentence]:
    """The sentences of each text, block by block; a block's first line may be its heading."""
    out: list[Sentence] = []
    for text in texts:
        for block in re.split(r"\n\s*\n", _keep_abbreviations(text)):
            lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
            if not lines:
                continue
            first = fold(lines[0])
            heading = len(lines[0]) <= 60 and bool(HEADING.match(first) or AREA_HEADING.match(first))
            out += [Sentence(sentence, fold(sentence), heading) for sentence in sentences("\n".join(lines))]
    return out


def about_applicants(sentence: Sentence) -> bool:
    """Under an applicant or area heading, or a sentence about who may apply."""
    return sentence.applicants


def _keep_abbreviations(text: str) -> str:
    """Drop the dot of "10 Tsd. Einwohner", "St. Wendel", "z. B." so that the sentence split does not
    cut there. Looking back from each ". " is far cheaper than a regex alternation over the text."""
    text = text.replace("z. B.", "zB").replace("z.B.", "zB")
    parts: list[str] = []
    last = 0
    for dot in _DOT_BEFORE_SPACE.finditer(text):
        end = start = dot.start()
        while start and text[start - 1].isalpha():
            start -= 1
        if text[start:end].lower() in _ABBREVIATIONS:
            parts.append(text[last:end])
            last = end + 1
    parts.append(text[last:])
    return "".join(parts)
