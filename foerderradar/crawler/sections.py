"""The German question headings of NRW programme pages, read into call fields.

NRW.BANK product pages and the Bezirksregierungen's programme pages have no fact list: who may
apply, what is funded, how much and until when are paragraphs under question headings — "Wer wird
gefördert?", "Was wird gefördert?", "Wie viel Förderung gibt es?" / "Wie sind die Konditionen?" /
"Wie hoch ist die Förderung?", "Wo ist der Antrag zu stellen?", "Wann ist der Antrag zu stellen?",
"Welche Rechtsgrundlage besteht?" (see ../shared/captures/nrw-text/). Reading a value from its own
section is more reliable than reading the whole page: the applicant names under "Wer wird
gefördert?" are applicants (elsewhere "Kommunen" is as often a place or an audience), and the rate
under "Wie sind die Konditionen?" is the funding rate, not the federal share an introduction
mentions.

The parser works on plain text, one line per paragraph, heading or list item (what
:func:`foerderradar.crawler.selectors.text_of` makes of HTML, and what the recorded text excerpts
are), so it needs no knowledge of a site's markup: ``<h2>``, ``<h3>`` or a bold paragraph are all
one line.

Decisions:

- A heading is a short line (at most 12 words): a question ending in "?" that starts with a
  question word, a label ending in ":" (at most 5 words), or a bare label such as
  "Antragsberechtigte" or "Verwendungszweck". Questions and labels that are not about a known topic
  ("Welche Voraussetzungen gelten?", "Fördergeber:") still end the section before them, as topic
  ``other``, so that their text is not read as applicants or rates.
- Headings in the past tense ("Wer war antragsberechtigt?", "Was wurde gefördert?") are how the
  Bezirksregierungen mark a programme that has ended. Two or more of them, and no heading in the
  present tense, make the status ``closed`` when the text itself says nothing about the status.
- Rate and amount come from the terms sections ("Wie hoch …", "Konditionen") when they name one,
  else from the whole text. Deadline, its wording and the opening date come from the "Wann …"
  sections when they name one; there the heading is the cue, so a bare date ("30.09.2027") counts as
  the application deadline. A closing by words anywhere ("Antragstellung nicht mehr möglich")
  still makes the call closed.
- Applicants are read only from applicant sections (see :func:`foerderradar.german.applicants.applicants_in_text`
  for the names and their decisions); none found means None (unknown), never ``[]``.
- The summary is the "Was wird gefördert?" text, cut at a line boundary after at most
  ``SUMMARY_MAX`` characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from foerderradar.crawler.textextract import Terms, extract_terms
from foerderradar.german.applicants import applicants_in_text
from foerderradar.german.fold import fold

Topic = Literal["applicants", "purpose", "terms", "where", "when", "legal", "other"]
TOPICS: tuple[Topic, ...] = ("applicants", "purpose", "terms", "where", "when", "legal", "other")

SUMMARY_MAX = 500
_MAX_HEADING_CHARS = 90
_MAX_HEADING_WORDS = 12
_MAX_LABEL_WORDS = 5


def _heading_form(line: str) -> str:
    """Folded, whitespace collapsed: the form headings are compared in."""
    return " ".join(fold(line).split())


# Questions (folded, without the "?"): the first pattern that matches decides the topic.
_QUESTION_PATTERNS: tuple[tuple[Topic, str], ...] = (
    ("applicants", r"^wer\b.*\b(?:gefoerdert|antragsberechtigt|antrag|antraege|beantragen|zuwendungsempfaenger"
                   r"|foerderung erhalten|foerderfaehig|profitier)"),
    ("purpose", r"^(?:was|welche\w* \w+)\b.*\b(?:gefoerdert|foerderfaehig|finanziert|unterstuetzt)"),
    ("terms", r"^wie (?:viel|hoch)\b|^(?:wie|welche)\b.*\bkonditionen\b|^in welche\w* hoehe\b"
              r"|^wie (?:wird|wurde) (?:gefoerdert|die foerderung)|^welche foerder(?:hoehe|quote|satz)"),
    ("where", r"^wo\b.*\b(?:antrag|antraege|beantrag|einzureichen|einreichen|stellen)"),
    ("when", r"^(?:wann|bis wann|ab wann)\b"),
    ("legal", r"\brechtsgrundlagen?\b"),
)  # fmt: skip
_QUESTIONS = tuple((topic, re.compile(pattern)) for topic, pattern in _QUESTION_PATTERNS)
_QUESTION_WORD = re.compile(
    r"^(?:wer|was|wie|wo|wann|welche\w*|warum|weshalb|wozu|woher|wohin|womit|an wen|bis wann|ab wann"
    r"|in welche\w*|gibt es|kann|koennen|muss|muessen|darf|duerfen)\b"
)
# Labels (folded, without a trailing ":"), matched as the whole line.
_LABEL_PATTERNS: tuple[tuple[Topic, str], ...] = (
    ("applicants", r"antragsberechtigt\w*(?: sind)?|foerderberechtigt\w*|zuwendungsempfaenger\w*"
                   r"|foerdernehmer\w*|foerderempfaenger\w*|zielgruppen?"),
    ("purpose", r"verwendungszweck|gegenstand der foerderung|foerdergegenst\w*|foerderfaehige \w+"),
    ("terms", r"konditionen|foerderhoehe|hoehe der foerderung|art und (?:umfang|hoehe) der foerderung"
              r"|foerdersatz|foerderquote|finanzierung"),
    ("where", r"antragstellung|antragsverfahren|verfahren"),
    ("when", r"antragsfrist\w*|fristen|frist|stichtage?|einreichungsfrist\w*|termine"),
    ("legal", r"rechtsgrundlagen?"),
)  # fmt: skip
_LABELS = tuple((topic, re.compile(rf"^(?:{pattern})$")) for topic, pattern in _LABEL_PATTERNS)
_PAST = re.compile(r"\b(?:war|waren|wurde|wurden|hatte|hatten|konnte|konnten)\b")
_BULLET = re.compile(r"^[•·▪◦‣●○■□\-–—*]\s*")


@dataclass(frozen=True)
class Heading:
    topic: Topic
    text: str  # as on the page
    past: bool  # "Wer war antragsberechtigt?": the programme has ended


@dataclass(frozen=True)
class Section:
    heading: Heading
    text: str  # the lines up to the next heading, one per paragraph or list item


def heading_of(line: str) -> Heading | None:
    """The heading this line is, or None for an ordinary line."""
    line = _BULLET.sub("", line.strip())
    if not line or len(line) > _MAX_HEADING_CHARS or len(line.split()) > _MAX_HEADING_WORDS:
        return None
    folded = _heading_form(line)
    past = bool(_PAST.search(folded))
    if folded.endswith("?"):
        question = folded.rstrip("? ")
        for topic, pattern in _QUESTIONS:
            if pattern.search(question):
                return Heading(topic, line, past)
        return Heading("other", line, past) if _QUESTION_WORD.match(question) else None
    label = folded.removesuffix(":").strip()
    words = len(label.split())
    if folded.endswith(":") and words > _MAX_LABEL_WORDS:
        return None  # "Die Modellregionen der einzelnen Regierungsbezirke sind:" introduces a list
    if not folded.endswith(":") and (words > _MAX_LABEL_WORDS or re.search(r"[.!,;]$", folded)):
        return None
    for topic, pattern in _LABELS:
        if pattern.match(label):
            return Heading(topic, line, past)
    return Heading("other", line, past) if folded.endswith(":") else None


@dataclass(frozen=True)
class Sections:
    """A page's text cut at its headings."""

    intro: str  # before the first heading
    sections: tuple[Section, ...]

    def text(self, topic: Topic) -> str:
        """All sections of one topic (a page may repeat a topic, e.g. a label list and a question)."""
        return "\n".join(s.text for s in self.sections if s.heading.topic == topic and s.text)

    def topics(self) -> list[Topic]:
        return [s.heading.topic for s in self.sections]

    @property
    def ended(self) -> bool:
        """Past-tense headings only (at least two): how the Bezirksregierungen show an ended programme."""
        known = [s.heading for s in self.sections if s.heading.topic != "other"]
        return len([h for h in known if h.past]) >= 2 and all(h.past for h in known)


def split_sections(text: str) -> Sections:
    """Cut plain text (one line per paragraph) at its headings."""
    intro: list[str] = []
    found: list[tuple[Heading, list[str]]] = []
    for raw in text.splitlines():
        line = _BULLET.sub("", raw.strip()).strip()
        if not line:
            continue
        heading = heading_of(line)
        if heading is not None:
            found.append((heading, []))
        elif found:
            found[-1][1].append(line)
        else:
            intro.append(line)
    return Sections("\n".join(intro), tuple(Section(h, "\n".join(lines)) for h, lines in found))


@dataclass(frozen=True)
class SectionReading:
    """What the headings of one page say, in canonical field values (None: the page does not say)."""

    sections: Sections
    applicants: list[str] | None
    summary: str | None
    terms: Terms


def _summary(text: str) -> str | None:
    if not text:
        return None
    kept: list[str] = []
    for line in text.splitlines():
        if kept and len("\n".join([*kept, line])) > SUMMARY_MAX:
            break
        kept.append(line)
    summary = "\n".join(kept)
    if len(summary) > SUMMARY_MAX:  # one long paragraph: cut at a word
        summary = summary[:SUMMARY_MAX].rsplit(" ", 1)[0] + " …"
    return summary


_LABEL_CUE = "Antragsfrist:\n"


def _when_terms(text: str, today: date) -> Terms:
    """Terms of a "Wann …" section: its heading is the cue, so a bare date is the deadline."""
    if not text:
        return Terms()
    terms = extract_terms(text, today)
    if terms.deadline is None and terms.deadline_text is None:
        labelled = extract_terms(_LABEL_CUE + text, today)
        if labelled.deadline is not None:
            wording = (labelled.deadline_text or "").removeprefix(_LABEL_CUE.strip()).strip() or None
            terms = replace(labelled, deadline_text=wording)
    return terms


def _first(section: float | None, whole: float | None) -> float | None:
    return section if section is not None else whole


def _closed_by_words(terms: Terms, today: date) -> bool:
    """Closed although no date has passed: "nicht mehr möglich", "Mittel ausgeschöpft"."""
    return terms.status == "closed" and (terms.deadline is None or terms.deadline >= today)


def read_sections(text: str, today: date) -> SectionReading:
    """Applicants, summary, rate, amount, deadline and status from a page's question headings.

    Where a section does not say, the whole text is read instead (see the module's decisions), so
    the result is never worse than :func:`extract_terms` over the whole text.
    """
    sections = split_sections(text)
    whole = extract_terms(text, today)
    conditions = extract_terms(sections.text("terms"), today) if sections.text("terms") else Terms()
    when = _when_terms(sections.text("when"), today)

    terms = replace(
        whole,
        funding_rate_pct=_first(conditions.funding_rate_pct, whole.funding_rate_pct),
        max_amount_eur=_first(conditions.max_amount_eur, whole.max_amount_eur),
    )
    if when.deadline is not None or when.deadline_text is not None:
        status = "closed" if _closed_by_words(whole, today) else when.status
        terms = replace(
            terms,
            deadline=when.deadline,
            deadline_text=when.deadline_text,
            open_date=when.open_date or whole.open_date,
            status=status,
        )
    if terms.status is None and sections.ended:
        terms = replace(terms, status="closed")
    applicants = applicants_in_text(sections.text("applicants"))
    return SectionReading(
        sections=sections,
        applicants=applicants or None,
        summary=_summary(sections.text("purpose")),
        terms=terms,
    )


__all__ = ["TOPICS", "Heading", "Section", "SectionReading", "Sections", "Topic", "heading_of", "read_sections"]
