"""Who may apply: the portal's ``applicants`` field, or else what the call's text says.

About a third of the calls portals publish carry no structured applicant list; who may apply is then
only in a section such as „Antragsberechtigte“ or „Wer wird gefördert?“, or in a sentence such as
„Kommunen sind nicht antragsberechtigt“. This module reads those passages — and only those, since a
call for companies may well mention "Kommunen" elsewhere ("Leistungen für Kommunen").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from foerderradar.matcher.text import CallText
from foerderradar.model import FundingCall

APPLICANT_LABELS = {
    "kommune": "Kommune", "landkreis": "Landkreis", "zweckverband": "Zweckverband", "schultraeger": "Schulträger",
    "oeffentliche_einrichtung": "öffentliche Einrichtung", "unternehmen": "Unternehmen", "kmu": "KMU",
    "verein": "Verein/Verband", "hochschule": "Hochschule", "forschung": "Forschungseinrichtung",
    "privatperson": "Privatperson",
}
TEXT_LABELS = {
    "kommune": "Kommunen", "landkreis": "Landkreise", "zweckverband": "Zweckverbände", "schultraeger": "Schulträger",
    "oeffentliche_einrichtung": "öffentliche Stellen", "unternehmen": "Unternehmen", "kmu": "KMU",
    "verein": "Vereine/Verbände", "hochschule": "Hochschulen", "forschung": "Forschungseinrichtungen",
    "privatperson": "Privatpersonen",
}
# Public bodies: a municipality is one, so calls for "öffentliche Einrichtungen" include it.
PUBLIC = frozenset({"kommune", "landkreis", "zweckverband", "schultraeger", "oeffentliche_einrichtung"})

# How each applicant type is named in German and English calls (folded text).
_TYPES: dict[str, str] = {
    "kommune": r"kommunen?|gemeinden?|staedte|stadt|gebietskoerperschaften|kreisfreie\w* staedte"
               r"|municipalit(?:y|ies)|local (?:and regional )?authorit(?:y|ies)|cities|towns|local governments?",
    "landkreis": r"landkreisen?|landkreise|kreise|kreisen|counties|regional authorities",
    "zweckverband": r"zweckverb(?:a|ae)nde?n?",
    "schultraeger": r"schultraeger\w*|school (?:authorities|owners|maintaining bodies)",
    "oeffentliche_einrichtung": r"oeffentliche\w* (?:einrichtungen|stellen|hand|traeger|auftraggeber)"
                                r"|koerperschaften (?:und anstalten )?des oeffentlichen rechts"
                                r"|public (?:bod(?:y|ies)|authorit(?:y|ies)|entit(?:y|ies)|sector bodies"
                                r"|institutions?|administrations?)",
    "unternehmen": r"\w*unternehmen|betriebe|firmen|gewerbliche\w*|freiberufler\w*|selbststaendige\w*"
                   r"|\w*netzbetreiber|companies|enterprises|businesses|start-?ups",
    "kmu": r"kmu|kleine\w* und mittlere\w* unternehmen|kleinst\w*unternehmen|smes?"
           r"|small and medium-sized enterprises",
    "verein": r"vereine?n?|verbaende|stiftungen|ngos?|non-profits?|gemeinnuetzige\w* (?:organisationen|traeger)"
              r"|associations|wohlfahrtsverbaende",
    "hochschule": r"hochschulen|universitaeten|fachhochschulen|universities|higher education institutions",
    "forschung": r"forschungseinrichtungen|forschungsinstitute|research (?:organisations|organizations|institutions)",
    "privatperson": r"privatpersonen|privatleute|einzelpersonen|natuerliche personen|individuals",
}
_TYPE_RE = {kind: re.compile(rf"\b(?:{pattern})\b") for kind, pattern in _TYPES.items()}
# "… Projekte in Kommunen", "Leistungen für Kommunen": the type names a place or a beneficiary.
_PREPOSITION_BEFORE = re.compile(
    r"\b(?:in|im|in den|in der|fuer|fuer die|fuer den|von|vom|mit|bei|zugunsten|aus|with|in the)\s+"
    r"(?:\w+\s+)?$"
)
_HEADING = re.compile(
    r"^(?:antragsberechtigt\w*|wer (?:wird|ist|kann) (?:gefoerdert|antragsberechtigt|antraege? stellen)\??"
    r"|wer kann (?:einen )?antrag stellen\??|zuwendungsempfaenger\w*|foerderempfaenger\w*|foerdernehmer\w*"
    r"|zielgruppe\w*|eligib\w*(?: applicants| entities| participants| organisations)?|who can apply\??"
    r"|who is eligible\??|applicants)\s*:?\s*"
)
_CUE = re.compile(
    r"antragsberechtigt|antrag stellen|antraege stellen|zuwendungsempfaenger|foerderempfaenger|foerdernehmer"
    r"|gefoerdert werden|richtet sich an|zielgruppe|eligib|can apply|may apply|open to|applicants|beneficiar"
)
_NEGATION = re.compile(
    r"(?:nicht|keine|kein) (?:\w+ ){0,2}(?:antragsberechtigt|zuwendungsempfaenger|foerderfaehig|gefoerdert)"
    r"|ausgeschlossen|excluded|not eligible|cannot apply|may not apply|are not eligible"
)
# Title/summary phrasing of a call for others: "Kredite für Unternehmen", "Beratung für kleine Betriebe".
_FOR_OTHERS = re.compile(r"\b(?:fuer|an|for)\s+(?:\w+\s+){0,3}$")


@dataclass(frozen=True)
class ApplicantVerdict:
    ok: bool | None  # None: the call does not say
    reason: str


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?;])\s+|\n+", text) if s.strip()]


def applicant_passages(texts: CallText) -> list[str]:
    """Folded sentences about who may apply: a section under an applicant heading, or cue sentences."""
    passages: list[str] = []
    for text in (texts.summary, texts.description):
        for block in re.split(r"\n\s*\n", text):
            lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
            if not lines:
                continue
            heading = _HEADING.match(lines[0])
            if heading and len(lines[0]) <= 60:
                rest = lines[0][heading.end():]
                passages += _sentences(" ".join([rest, *lines[1:]]) if rest else "\n".join(lines[1:]))
                continue
            passages += [s for s in _sentences(block) if _CUE.search(s)]
    return list(dict.fromkeys(passages))


def mentioned_types(sentence: str) -> set[str]:
    found: set[str] = set()
    for kind, pattern in _TYPE_RE.items():
        for match in pattern.finditer(sentence):
            if not _PREPOSITION_BEFORE.search(sentence[max(0, match.start() - 30) : match.start()]):
                found.add(kind)
                break
    return found


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
        types = mentioned_types(sentence)
        (negatives if _NEGATION.search(sentence) else positives).update(types)
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
    if any(_TYPE_RE[t].search(texts.whole) for t in ours | PUBLIC):
        return set()
    addressed: set[str] = set()
    for folded in (texts.title, texts.summary):
        for kind, pattern in _TYPE_RE.items():
            if any(_FOR_OTHERS.search(folded[max(0, m.start() - 40) : m.start()]) for m in pattern.finditer(folded)):
                addressed.add(kind)
    return addressed
