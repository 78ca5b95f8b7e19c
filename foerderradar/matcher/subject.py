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

# Headings (folded) of sections about the procedure, money, contact or what is not funded;
# a heading line is this and nothing more ("Antragsverfahren", "Art und Höhe der Förderung:").
_ASIDE = (r"(?:antragsverfahren|antragstellung|antrag|verfahren|einreichung|fristen?|termine?"
          r"|art und (?:umfang|hoehe)(?: der (?:foerderung|zuwendung))?|hoehe der (?:foerderung|zuwendung)"
          r"|foerderhoehe|foerdersatz|konditionen|finanzierung(?:sart)?|kontakt|ansprechpartner\w*"
          r"|application procedure|how to apply|submission|deadlines?|budget|funding rate|contact"
          r"|was wird nicht (?:gefoerdert|finanziert)\??|nicht (?:foerderfaehig|zuwendungsfaehig)\w*(?: \w+)?"
          r"|(?:foerder)?ausschluess?\w*|von der foerderung ausgeschlossen\w*|ineligible (?:costs|activities))")
_ASIDE_HEADING = re.compile(rf"{_ASIDE}(?:\s*(?:und|&|/|,)\s*{_ASIDE})*\s*:?")
# How such a heading begins, as written at a line's start: capitalised or in capitals. Found by one
# case-sensitive search over the text, which is what keeps this cheap for 50,000 descriptions; the
# lines that only look so ("Antragsberechtigt sind …", "Förderprogramme …") are not even found.
_ASIDE_STARTS = (r"Antrag(?!sberecht)", "Verfahren", "Einreichung", "Frist", "Termin", "Art und", r"H(?:ö|oe)he",
                 r"F(?:ö|oe)rder(?:h|satz|aus)", "Konditionen", "Finanzierung", "Kontakt", "Ansprechpartner",
                 "Application", "How to", "Submission", "Deadline", "Budget", "Funding rate", "Contact",
                 "Was wird nicht", "Nicht", "Ausschl", "Von der", "Ineligible")
_ASIDE_LINE = re.compile(  # searched in "\n" + text: a literal first character is what the engine finds fast
    r"\n[ \t]*(?:" + "|".join(w for start in _ASIDE_STARTS for w in (start, start.upper())) + r")[^\n]*")
_HEADING_LENGTH = 60
_HEADING_WORDS = 7
# A sentence that excludes something from funding (folded): "… sind nicht förderfähig", "… wird nicht
# gefördert", "… ausgeschlossen", "… are not eligible". "nicht nur" excludes nothing. (Each pattern
# starts with a literal, which the regex engine finds fast: these run over every description.)
_EXCLUDES = (
    re.compile(r"nicht (?!nur\b)(?:\w+ ){0,2}?(?:foerderfaehig|gefoerdert|finanzierbar|finanziert|zuwendungsfaehig"
               r"|erstattungsfaehig)"),
    re.compile(r"ausge(?<!nicht ausge)(?:schlossen|nommen)\b"),
    re.compile(r"not (?<![a-z]not )(?:\w+ )?(?:eligible|funded)\b"),
)
# Words without which no sentence excludes anything, as written: most texts have none.
_CUES = ("nicht", "Nicht", "ausge", "Ausge", "not ", "Not ")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


def subject_text(description: str | None) -> str | None:
    """The description without procedure/money/contact sections and without excluding sentences.

    A section runs from its heading line to the next heading line or blank line. Portals' texts
    come as one line per heading and paragraph (``crawler.selectors.text_of``), the labelled sets'
    with blank lines between sections: both read the same. Called for every call of a Land-wide
    corpus: only short lines are looked at as headings, only lines with a cue word as exclusions."""
    if not description:
        return description
    text = _without_asides(description)
    if not _has_cue(text) or not _excludes(fold(text)):  # most texts exclude nothing
        return text
    return "\n".join(_without_exclusions(line) if _has_cue(line) else line for line in text.split("\n"))


def _without_asides(text: str) -> str:
    text = "\n" + text
    parts: list[str] = []
    kept = 1  # the text is kept from here on
    for found in _ASIDE_LINE.finditer(text):
        line = found.group().strip()
        if found.start() + 1 < kept or not _is_heading(line) or not _ASIDE_HEADING.fullmatch(fold(line)):
            continue
        parts.append(text[kept : found.start() + 1])
        kept = _section_end(text, found.end())
    return "".join(parts) + text[kept:] if parts else text[1:]


def _section_end(text: str, at: int) -> int:
    """Where the section whose heading line ends at ``at`` ends: at the next heading line or blank
    line (its start), or at the end of the text."""
    while at < len(text):
        stop = text.find("\n", at + 1)
        line = text[at + 1 : stop if stop >= 0 else len(text)].strip()
        if not line or _is_heading(line):
            return at + 1
        if stop < 0:
            return len(text)
        at = stop
    return len(text)


def _is_heading(line: str) -> bool:
    """A short capitalised line of a few words that ends no sentence: "Antragsverfahren", "Was wird
    gefördert?", "Kontakt:" — not "referat@example.org" or "Zuschuss bis 80 %, höchstens 75.000 Euro."."""
    return (len(line) <= _HEADING_LENGTH and line[:1].isupper() and not line.endswith((".", ";", ","))
            and line.count(" ") < _HEADING_WORDS and "@" not in line)


def _without_exclusions(line: str) -> str:
    """The line without its sentences that exclude something from funding. (Plain substring
    tests first: a regular expression over every description of a Land-wide corpus costs seconds.)"""
    if not _has_cue(line) or not _excludes(fold(line)):
        return line
    return " ".join(s for s in _SENTENCE_END.split(line) if not (_has_cue(s) and _excludes(fold(s))))


def _excludes(folded: str) -> bool:
    return any(pattern.search(folded) for pattern in _EXCLUDES)


def _has_cue(text: str) -> bool:
    return any(cue in text for cue in _CUES)


__all__ = ["subject_text"]
