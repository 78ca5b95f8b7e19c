"""Who may apply: the portal's ``applicants`` field, or else what the call's text says.

About a third of the calls portals publish carry no structured applicant list; who may apply is then
only in a section such as „Antragsberechtigte“ or „Wer wird gefördert?“, or in a sentence such as
„Kommunen sind nicht antragsberechtigt“. This module reads those passages — and only those, since a
call for companies may well mention "Kommunen" elsewhere ("Leistungen für Kommunen"). The words
for the applicant types are German text, shared with the crawler: :mod:`foerderradar.german.applicants`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from foerderradar.german.applicants import (
    APPLICANT_LABELS,
    CUE,
    DENIAL,
    FOR_BEFORE,
    HEADING,
    PUBLIC,
    TEXT_LABELS,
    TYPE_RE,
    addressed_types,
    mentioned_types,
    sentences,
)
from foerderradar.matcher.text import CallText
from foerderradar.model import FundingCall


@dataclass(frozen=True)
class ApplicantVerdict:
    ok: bool | None  # None: the call does not say
    reason: str


def applicant_passages(texts: CallText) -> list[str]:
    """Folded sentences about who may apply: a section under an applicant heading, or cue sentences."""
    passages: list[str] = []
    for text in (texts.summary, texts.description):
        for block in re.split(r"\n\s*\n", text):
            lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
            if not lines:
                continue
            heading = HEADING.match(lines[0])
            if heading and len(lines[0]) <= 60:
                rest = lines[0][heading.end():]
                passages += sentences(" ".join([rest, *lines[1:]]) if rest else "\n".join(lines[1:]))
                continue
            # "Wenn Sie als Landwirtin … tätig sind": the Förderdatenbank addresses who may apply.
            passages += [s for s in sentences(block) if CUE.search(s) or addressed_types(s)]
    return list(dict.fromkeys(passages))


def _ours(types: set[str], city_types: set[str]) -> list[str]:
    hits = sorted(city_types & types)
    if not hits and "oeffentliche_einrichtung" in types and city_types & PUBLIC:
        hits = ["oeffentliche_einrichtung"]
    return hits


def _labels(types: Iterable[str], labels: dict[str, str]) -> str:
    return ", ".join(labels[t] for t in sorted(types, key=list(labels).index))


def check_applicants(call: FundingCall, city_types: list[str], texts: CallText | None = None,
                     passages: list[str] | None = None) -> ApplicantVerdict:
    ours = set(city_types)
    if call.applicants is not None:
        hits = _ours(set(call.applicants), ours)
        if hits:
            return ApplicantVerdict(True, "Antragsberechtigt: " + _labels(hits, APPLICANT_LABELS))
        who = _labels(call.applicants, APPLICANT_LABELS) or "keine Angabe"
        return ApplicantVerdict(False, f"Nicht antragsberechtigt (nur {who})")
    texts = texts or CallText(call)
    return read_applicants(texts, ours, applicant_passages(texts) if passages is None else passages)


def read_applicants(texts: CallText, ours: set[str], passages: list[str]) -> ApplicantVerdict:
    positives: set[str] = set()
    negatives: set[str] = set()
    for sentence in passages:
        types = mentioned_types(sentence) | addressed_types(sentence)
        (negatives if DENIAL.search(sentence) else positives).update(types)
    allowed, denied = _ours(positives, ours), _ours(negatives, ours)
    if allowed:
        # "Antragsberechtigt sind Kommunen … ausgenommen sind Kommunen, die …": in, but say so.
        caveat = " (mit Ausnahmen, bitte prüfen)" if denied else ""
        return ApplicantVerdict(True, "Antragsberechtigt laut Text: " + _labels(allowed, TEXT_LABELS) + caveat)
    if denied:
        return ApplicantVerdict(False, "Nicht antragsberechtigt laut Text: "
                                + _labels(negatives & (ours | PUBLIC), TEXT_LABELS) + " ausgeschlossen")
    if positives:
        return ApplicantVerdict(False, f"Nicht antragsberechtigt laut Text (nur {_labels(positives, TEXT_LABELS)})")
    others = _addressed_to_others(texts, ours)
    if others:
        return ApplicantVerdict(False, f"Nicht antragsberechtigt laut Kurztext (für {_labels(others, TEXT_LABELS)})")
    return ApplicantVerdict(None, "Antragsberechtigung nicht angegeben (bitte prüfen)")


def _addressed_to_others(texts: CallText, ours: set[str]) -> set[str]:
    """Types the title or summary addresses ("Kredite für Unternehmen"), if the whole call never names ours."""
    if any(TYPE_RE[t].search(texts.whole) for t in ours | PUBLIC):
        return set()
    addressed: set[str] = set()
    for folded in (texts.title, texts.summary):
        for kind, pattern in TYPE_RE.items():
            if any(FOR_BEFORE.search(folded[max(0, m.start() - 40) : m.start()]) for m in pattern.finditer(folded)):
                addressed.add(kind)
    return addressed
