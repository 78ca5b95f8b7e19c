"""Who may apply, in the portals' words: applicant types, their codes and their German labels.

The codes are those of :data:`foerderradar.model.APPLICANTS` (``kommune``, ``landkreis``,
``zweckverband``, ``schultraeger``, ``oeffentliche_einrichtung``, ``unternehmen``, ``kmu``, ``verein``,
``hochschule``, ``forschung``, ``privatperson``). The Förderdatenbank's own facet labels and category
codes ("Kommune", ``oeffentliche_einrichtung``) are the portal's vocabulary and stay in
``crawler/vocab.py``. All patterns here work on folded text (:func:`foerderradar.german.fold.fold`).

Two readers, because they read different things and decide differently:

Names in an applicant section (:func:`applicants_in_text`; the crawler fills ``applicants`` from
the "Wer wird gefördert?" section of NRW pages)
- The section names applicant types in running text or bullet lists ("Kreise und kreisfreie
  Städte in NRW", "Kommunen und kommunale Zweckverbände"); each known name gives a code, the most
  specific phrase first (its words cannot match again).
- "Kreise und kreisfreie Städte" and "kreisfreie Städte" → ``landkreis`` only: they are addressed as
  Kreis-level authorities, and a kreisangehörige Stadt (such as the one this tool was built for) may
  not apply. Reading ``kommune`` there would make the matcher call the programme eligible.
- "Gebietskörperschaft(en)" → ``kommune`` and ``landkreis``; "Kommunalverband", "Gemeindeverband"
  are not mapped (legal meaning varies); "kommunale Unternehmen" and "Unternehmen in (ausschließlich)
  öffentlicher Trägerschaft" → ``oeffentliche_einrichtung``, not ``unternehmen``.
- "Bildungseinrichtung(en)" → ``oeffentliche_einrichtung``, as for the portal's facet label.
- A name right after "in"/"im" is a place, not an applicant ("Unternehmen in Kommunen"); a sentence
  that denies ("nicht antragsberechtigt", "ausgenommen", "ausgeschlossen") is skipped entirely.
  Beneficiaries ("Begünstigte sind die Betreiber …") are not applicants and have no entry here.
- Names with no entry (Wirtschaftsförderungseinrichtungen, Träger von Pflegeschulen …) are ignored:
  the section text stays in the description for the matcher and the reader.

Types a sentence mentions (:func:`mentioned_types`; the matcher checks a stored call whose
``applicants`` field is empty, in German and English sentences about who may apply)
- Every type named counts, several at once ("kleine und mittlere Unternehmen" is ``kmu`` and
  ``unternehmen``); a name after a preposition ("Projekte in Kommunen", "Leistungen für Kommunen")
  is a place or a beneficiary. Whether the sentence allows or denies is :data:`DENIAL`'s to say.
- "kreisfreie Städte" here → ``kommune``: the matcher asks whether a municipality is named at all.
  (The two readings of that phrase differ; aligning them changes verdicts and wants an eval run.)
"""

from __future__ import annotations

import re

from foerderradar.german.fold import fold

# Code → how a verdict names the type, for the structured field and for the text's own words.
APPLICANT_LABELS = {
    "kommune": "Kommune", "landkreis": "Landkreis", "zweckverband": "Zweckverband", "schultraeger": "Schulträger",
    "oeffentliche_einrichtung": "öffentliche Einrichtung", "unternehmen": "Unternehmen", "kmu": "KMU",
    "verein": "Verein/Verband", "hochschule": "Hochschule", "forschung": "Forschungseinrichtung",
    "privatperson": "Privatperson",
}  # fmt: skip
TEXT_LABELS = {
    "kommune": "Kommunen", "landkreis": "Landkreise", "zweckverband": "Zweckverbände", "schultraeger": "Schulträger",
    "oeffentliche_einrichtung": "öffentliche Stellen", "unternehmen": "Unternehmen", "kmu": "KMU",
    "verein": "Vereine/Verbände", "hochschule": "Hochschulen", "forschung": "Forschungseinrichtungen",
    "privatperson": "Privatpersonen",
}  # fmt: skip
# Public bodies: a municipality is one, so calls for "öffentliche Einrichtungen" include it.
PUBLIC = frozenset({"kommune", "landkreis", "zweckverband", "schultraeger", "oeffentliche_einrichtung"})

SENTENCE_BREAK = re.compile(r"(?<=[.!?;])\s+|\n+")


def sentences(text: str) -> list[str]:
    """The text's sentences (and lines), stripped, empty ones dropped."""
    return [s.strip() for s in SENTENCE_BREAK.split(text) if s.strip()]


# ---------------------------------------------------------------------------------------------
# Names in an applicant section (crawler)
# ---------------------------------------------------------------------------------------------

# Names of applicant types in running text (folded), most specific first: a matched phrase is
# blanked out so that "kommunale Unternehmen" cannot also count as "Unternehmen".
SECTION_TERMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"kreise und kreisfreien? staedte", ("landkreis",)),
    (r"kreisfreien? staedte", ("landkreis",)),
    (r"unternehmen in (?:ausschliesslich )?oeffentlicher\w* traegerschaft", ("oeffentliche_einrichtung",)),
    (r"kommunalen? unternehmen|oeffentlichen? unternehmen", ("oeffentliche_einrichtung",)),
    (r"(?:kommunalen? )?zweckverb(?:aende|and)n?e?s?", ("zweckverband",)),
    (r"gebietskoerperschaft(?:en)?", ("kommune", "landkreis")),
    (r"kommunen?|gemeinden?|staedte und gemeinden", ("kommune",)),
    (r"(?:land)?kreise?n?", ("landkreis",)),
    (r"schultraeger\w*", ("schultraeger",)),
    (r"(?:fach)?hochschulen?|universitaet(?:en)?", ("hochschule",)),
    (r"forschungseinrichtung(?:en)?|forschungsinstitut\w*", ("forschung",)),
    (
        r"oeffentlichen? einrichtung(?:en)?|oeffentliche stellen|bildungseinrichtung(?:en)?"
        r"|koerperschaften (?:und anstalten )?des oeffentlichen rechts",
        ("oeffentliche_einrichtung",),
    ),
    (r"kleinen? und mittleren? unternehmen|kmu", ("kmu",)),
    (r"\w*unternehmen|existenzgruender\w*", ("unternehmen",)),
    (r"vereine?n?|verbaende|verband|gemeinnuetzigen? organisation(?:en)?|stiftung(?:en)?", ("verein",)),
    (r"privatperson(?:en)?", ("privatperson",)),
)
_SECTION_RES = tuple((re.compile(rf"\b(?:{pattern})\b"), codes) for pattern, codes in SECTION_TERMS)
_PLACE_BEFORE = re.compile(r"\b(?:in|im|innerhalb)\s+(?:der\s+|den\s+|des\s+)?$")
SECTION_DENIAL = re.compile(
    r"nicht (?:\w+ ){0,2}(?:antragsberechtigt|gefoerdert|foerderfaehig)|ausgenommen|ausgeschlossen"
)


def applicants_in_text(text: str) -> list[str]:
    """Applicant codes named in a "Wer wird gefördert?" section, in the order the text names them.

    Only for text known to be about applicants: elsewhere "Kommunen" is as often a place or an
    audience ("Leistungen für Kommunen") as an applicant. Denied sentences are skipped.
    """
    found: list[tuple[int, str]] = []
    for sentence_start, sentence in _sentences_with_offsets(fold(text)):
        if SECTION_DENIAL.search(sentence):
            continue
        chars = list(sentence)
        for pattern, codes in _SECTION_RES:
            for match in pattern.finditer("".join(chars)):
                if _PLACE_BEFORE.search("".join(chars[max(0, match.start() - 20) : match.start()])):
                    continue
                found.extend((sentence_start + match.start(), code) for code in codes)
                chars[match.start() : match.end()] = " " * (match.end() - match.start())  # specific first
    ordered = [code for _, code in sorted(found, key=lambda hit: hit[0])]
    return list(dict.fromkeys(ordered))


def _sentences_with_offsets(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    start = 0
    for boundary in SENTENCE_BREAK.finditer(text):
        out.append((start, text[start : boundary.start()]))
        start = boundary.end()
    out.append((start, text[start:]))
    return [(offset, sentence) for offset, sentence in out if sentence.strip()]


# ---------------------------------------------------------------------------------------------
# Types a sentence mentions (matcher)
# ---------------------------------------------------------------------------------------------

# How each applicant type is named in German and English calls (folded text).
TYPE_WORDS: dict[str, str] = {
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
}  # fmt: skip
TYPE_RE = {kind: re.compile(rf"\b(?:{pattern})\b") for kind, pattern in TYPE_WORDS.items()}
# "… Projekte in Kommunen", "Leistungen für Kommunen": the type names a place or a beneficiary.
_PREPOSITION_BEFORE = re.compile(
    r"\b(?:in|im|in den|in der|fuer|fuer die|fuer den|von|vom|mit|bei|zugunsten|aus|with|in the)\s+"
    r"(?:\w+\s+)?$"
)
# A heading over who may apply ("Antragsberechtigte", "Wer wird gefördert?", "Eligibility").
HEADING = re.compile(
    r"^(?:antragsberechtigt\w*|wer (?:wird|ist|kann) (?:gefoerdert|antragsberechtigt|antraege? stellen)\??"
    r"|wer kann (?:einen )?antrag stellen\??|zuwendungsempfaenger\w*|foerderempfaenger\w*|foerdernehmer\w*"
    r"|zielgruppe\w*|eligib\w*(?: applicants| entities| participants| organisations)?|who can apply\??"
    r"|who is eligible\??|applicants)\s*:?\s*"
)
# Words that make a sentence one about who may apply.
CUE = re.compile(
    r"antragsberechtigt|antrag stellen|antraege stellen|zuwendungsempfaenger|foerderempfaenger|foerdernehmer"
    r"|gefoerdert werden|richtet sich an|zielgruppe|eligib|can apply|may apply|open to|applicants|beneficiar"
)
# A sentence that denies: "Kommunen sind nicht antragsberechtigt", "… können keinen (eigenen) Antrag
# stellen", "… are not eligible".
DENIAL = re.compile(
    r"(?:nicht|keine|kein) (?:\w+ ){0,2}(?:antragsberechtigt|zuwendungsempfaenger|foerderfaehig|gefoerdert)"
    r"|\bkeine[nr]? (?:eigenen? )?(?:antrag|antraege) stellen"
    r"|ausgeschlossen|excluded|not eligible|cannot apply|may not apply|are not eligible"
)
# Title/summary phrasing of a call for others: "Kredite für Unternehmen", "Beratung für kleine Betriebe".
FOR_BEFORE = re.compile(r"\b(?:fuer|an|for)\s+(?:\w+\s+){0,3}$")


# "… die Volkshochschulen in Trägerschaft der Landkreise und kreisfreien Städte", "… getragen von
# Kommunen": the type owns or runs the applicant; it is not one itself.
_OWNER_BEFORE = re.compile(
    r"\b(?:in traegerschaft|unter traegerschaft|getragen|betrieben|unterhalten)\s+"
    r"(?:der|des|von|vom|eines|einer|durch)\s+(?:\w+\s+){0,3}$"
)


def mentioned_types(sentence: str) -> set[str]:
    """The applicant types a folded sentence names as such (not as a place, a beneficiary or the
    owner of the applicant)."""
    found: set[str] = set()
    for kind, pattern in TYPE_RE.items():
        for match in pattern.finditer(sentence):
            before = sentence[max(0, match.start() - 60) : match.start()]
            if not _PREPOSITION_BEFORE.search(before[-30:]) and not _OWNER_BEFORE.search(before):
                found.add(kind)
                break
    return found



# ---------------------------------------------------------------------------------------------
# "Wenn Sie als … tätig sind", "unterstützt Sie als Landwirtin oder Landwirt" (matcher)
# ---------------------------------------------------------------------------------------------

# The Förderdatenbank names who may apply by addressing them: the words after "Sie als" are the
# applicant, usually in the singular. Checked in this order, first hit per word (Zweckverband before
# the associations' "…verband").
ROLE_WORDS: dict[str, str] = {
    "zweckverband": r"zweckverb\w*",
    "schultraeger": r"schultraeger\w*",
    "landkreis": r"landkreis\w*|kreis|kreise",
    "kommune": r"kommunen?|gemeinden?|staedte|stadt|gebietskoerperschaft\w*",
    "oeffentliche_einrichtung": r"behoerden?|einrichtungen? der oeffentlichen hand|koerperschaft\w*",
    "kmu": r"kmu|mittelstaendler\w*",
    "unternehmen": r"\w*unternehmen|unternehmer\w*|\w*betrieb\w*|firm\w*|landwirt\w*|selbststaendige\w*"
                   r"|freiberufler\w*|gruender\w*|existenzgruender\w*|handwerker\w*|gewerbetreibende\w*"
                   r"|start-?ups?|investor\w*|erzeuger\w*|winzer\w*|fischer\w*|forstwirt\w*",
    "verein": r"vereine?n?|\w*verband|\w*verbaende|stiftung\w*|initiative\w*|genossenschaft\w*",
    "hochschule": r"hochschul\w*|universitaet\w*",
    "forschung": r"forschungs\w*|wissenschaftler\w*",
    "privatperson": r"privatperson\w*|buerger\w*|eigentuemer\w*|mieter\w*|studierende\w*|student\w*"
                    r"|einzelperson\w*|verbraucher\w*|eltern|familie\w*|kuenstler\w*|sportler\w*|athlet\w*",
}  # fmt: skip
ROLE_RE = {kind: re.compile(rf"(?:{pattern})") for kind, pattern in ROLE_WORDS.items()}
SIE_ALS = re.compile(r"\bsie als\s+((?:[\w-]+[ ,]*){1,6})")
# Where the role ends: a preposition, an article, a verb of the clause.
_ROLE_END = frozenset({
    "in", "im", "an", "am", "auf", "bei", "mit", "fuer", "von", "vom", "zur", "zum", "aus", "nach", "der",
    "die", "das", "den", "dem", "des", "ihre", "ihren", "ihr", "ihrer", "sind", "ist", "taetig", "koennen",
    "kann", "erhalten", "bekommen", "wollen", "moechten", "planen", "beantragen", "haben", "eine", "einen",
    "ein", "einer", "bzw", "sowie",
})


def addressed_types(sentence: str) -> set[str]:
    """The applicant types a folded sentence's "Sie als …" names ("Sie als Landwirtin oder Landwirt" →
    unternehmen); empty without such a phrase, for a generic role ("Sie als Antragsteller") or for
    words no type covers (then the call says nothing this reader understands)."""
    found = SIE_ALS.search(sentence)
    if found is None:
        return set()
    types: set[str] = set()
    for word in re.findall(r"[\w-]+", found.group(1)):
        if word in _ROLE_END:
            break
        kind = next((k for k, pattern in ROLE_RE.items() if pattern.fullmatch(word)), None)
        if kind is not None:
            types.add(kind)
    return types

__all__ = [
    "APPLICANT_LABELS", "CUE", "DENIAL", "FOR_BEFORE", "HEADING", "PUBLIC", "SECTION_DENIAL", "SECTION_TERMS",
    "SENTENCE_BREAK", "TEXT_LABELS", "TYPE_RE", "TYPE_WORDS", "addressed_types", "applicants_in_text",
    "mentioned_types", "sentences",
]  # fmt: skip
