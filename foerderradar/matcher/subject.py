"""What a call funds: its description without the parts that say how to apply, how much, or what not.

Why: a call's description says what it funds ("Ziel und Gegenstand", "Was wird gefördert?") and much
besides — how to apply ("Anträge über das Portal der Bewilligungsbehörde"), how much ("Zuschuss bis
50 %"), and what it does *not* fund ("Datenplattformen oder Sensoren ohne Bezug zur Beleuchtung sind
nicht förderfähig"). Counted as subject, those words make a programme for charging points match an
open-data measure through "Portal", and a street-lighting programme match it through the very
"Datenplattformen" it excludes. Relevance reads only the subject; the eligibility gates still read
the whole text (who may apply is stated in exactly such sections).
"""

from __future__ import annotations

import re

from foerderradar.german.fold import fold

# Headings (folded) of blocks about the procedure, money or contact — not about what is funded.
_ASIDE_HEADING = re.compile(
    r"^(?:antragsverfahren|antragstellung|antrag|verfahren|einreichung|fristen?|termine?"
    r"|art und (?:umfang|hoehe)(?: der (?:foerderung|zuwendung))?|hoehe der (?:foerderung|zuwendung)"
    r"|foerderhoehe|foerdersatz|konditionen|finanzierung(?:sart)?|kontakt|ansprechpartner\w*"
    r"|application procedure|how to apply|submission|deadlines?|budget|funding rate|contact)\b"
)
_HEADING_LENGTH = 60
# A sentence that excludes something from funding (folded): "… sind nicht förderfähig", "… wird nicht
# gefördert", "… ausgeschlossen", "… are not eligible". "nicht nur" excludes nothing. (Each pattern
# starts with a literal, which the regex engine finds fast: these run over every description.)
_EXCLUDES = (
    re.compile(r"nicht (?!nur\b)(?:\w+ ){0,2}?(?:foerderfaehig|gefoerdert|finanzierbar|finanziert|zuwendungsfaehig"
               r"|erstattungsfaehig)"),
    re.compile(r"ausge(?<!nicht ausge)(?:schlossen|nommen)\b"),
    re.compile(r"not (?<![a-z]not )(?:\w+ )?(?:eligible|funded)\b"),
)
# Words without which no sentence excludes anything, as written: most blocks have none.
_CUES = ("nicht", "Nicht", "ausge", "Ausge", "not ", "Not ")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
_BLOCKS = re.compile(r"\n\s*\n")


def subject_text(description: str | None) -> str | None:
    """The description without procedure/money/contact blocks and without excluding sentences.

    Called for every call of a Land-wide corpus: only a short first line is folded to check for a
    heading, and only the sentences around a cue word are looked at."""
    if not description:
        return description
    kept: list[str] = []
    for block in _BLOCKS.split(description):
        head = block.lstrip()[: _HEADING_LENGTH + 1].partition("\n")[0]
        if len(head) <= _HEADING_LENGTH and _ASIDE_HEADING.match(fold(head)):
            continue
        kept.append(_without_exclusions(block))
    return "\n\n".join(kept)


def _without_exclusions(block: str) -> str:
    """The block without its sentences that exclude something from funding. (Plain substring
    tests first: a regular expression over every description of a Land-wide corpus costs seconds.)"""
    if not _has_cue(block) or not _excludes(fold(block)):
        return block
    return " ".join(s for s in _SENTENCE_END.split(block) if not (_has_cue(s) and _excludes(fold(s))))


def _excludes(folded: str) -> bool:
    return any(pattern.search(folded) for pattern in _EXCLUDES)


def _has_cue(text: str) -> bool:
    return any(cue in text for cue in _CUES)


__all__ = ["subject_text"]
