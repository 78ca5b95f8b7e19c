"""Förderdatenbank labels → canonical values of :class:`foerderradar.model.FundingCall`.

The labels are the portal's facet labels (sidebar of the search page, dd values on detail pages),
matched case-insensitively after whitespace normalisation. Every mapping function returns the
mapped values *and* the labels it did not know, so the spider can log them: a new label on the
portal shows up in the logs instead of being guessed at.

Decisions (they change who is told about which call):

Förderberechtigte → applicants
- "Kommune" → ``kommune``. The portal has no finer label (Landkreis, Zweckverband, Schulträger
  appear only in the free text); the matcher reads the text for those.
- "Öffentliche Einrichtung" → ``oeffentliche_einrichtung``.
- "Bildungseinrichtung" → ``oeffentliche_einrichtung``: most are schools, adult-education centres and
  libraries run by a municipality (as Schulträger) or another public body. Mapping it keeps school
  programmes in view of a city; the matcher still reads the text for "nur private Träger" etc.
- "Existenzgründer/in" → ``unternehmen`` (a company being founded; not a municipality either way).
- "Verband/Vereinigung" → ``verein``; "Forschungseinrichtung" → ``forschung``.
- Unknown labels are dropped (and reported). If no label is known the spider sets ``applicants`` to
  None ("unknown"), never to ``[]``, which would read as "nobody may apply".
- ``topics`` carries only the Förderbereich labels; unmapped Förderberechtigte labels do not go there.

Förderart → funding_type
- Zuschuss, Darlehen, Bürgschaft, Beteiligung → same name; "Garantie" → ``buergschaft`` (a guarantee
  for a loan works like a Bürgschaft for the applicant); "Sonstige" → ``sonstiges``; "Preis" and
  "Wettbewerb" → ``preis``; "Beratung" → ``beratung`` (not portal facets today, seen in texts/other
  portals). Any other label → ``sonstiges`` and reported: the call is still some kind of funding.

Free text under "Wer wird gefördert?" → applicants (NRW pages; :func:`applicants_in_text`)
- The section names applicant types in running text or bullet lists ("Kreise und kreisfreie
  Städte in NRW", "Kommunen und kommunale Zweckverbände"); each known name gives a code, the most
  specific phrase first (its words cannot match again).
- "Kreise und kreisfreie Städte" and "kreisfreie Städte" → ``landkreis`` only: they are addressed as
  Kreis-level authorities, and a kreisangehörige Stadt (such as the one this tool was built for) may
  not apply. Reading ``kommune`` there would make the matcher call the programme eligible.
- "Gebietskörperschaft(en)" → ``kommune`` and ``landkreis``; "Kommunalverband", "Gemeindeverband"
  are not mapped (legal meaning varies); "kommunale Unternehmen" and "Unternehmen in (ausschließlich)
  öffentlicher Trägerschaft" → ``oeffentliche_einrichtung``, not ``unternehmen``.
- "Bildungseinrichtung(en)" → ``oeffentliche_einrichtung``, as for the facet label above.
- A name right after "in"/"im" is a place, not an applicant ("Unternehmen in Kommunen"); a sentence
  that denies ("nicht antragsberechtigt", "ausgenommen", "ausgeschlossen") is skipped entirely.
  Beneficiaries ("Begünstigte sind die Betreiber …") are not applicants and have no entry here.
- Names with no entry (Wirtschaftsförderungseinrichtungen, Träger von Pflegeschulen …) are ignored:
  the section text stays in the description for the matcher and the reader.

Fördergebiet → regions (ISO 3166-2)
- "bundesweit" (and "Deutschland") → ``DE``; the 16 Länder by name → ``DE-xx``; "EU"/"europaweit"/
  "Europäische Union" → ``EU`` (not a facet today; kept for EU programmes listed with such a label).
- Anything else (a district, "Ausland") is dropped and reported, never guessed.

Level (from the detail URL, not a label)
- ``/Foerderprogramm/Bund/`` → ``bund``, ``/Land/`` → ``land``, ``/EU/`` → ``eu``; the Fördergeber
  facet (Bund/Land/EU) says the same. Archived pages have no level in their URL → None.
"""

from __future__ import annotations

import re

from foerderradar.crawler.selectors import clean

REGIONS: dict[str, str] = {
    "bundesweit": "DE",
    "deutschland": "DE",
    "baden-württemberg": "DE-BW",
    "bayern": "DE-BY",
    "berlin": "DE-BE",
    "brandenburg": "DE-BB",
    "bremen": "DE-HB",
    "hamburg": "DE-HH",
    "hessen": "DE-HE",
    "mecklenburg-vorpommern": "DE-MV",
    "niedersachsen": "DE-NI",
    "nordrhein-westfalen": "DE-NW",
    "rheinland-pfalz": "DE-RP",
    "saarland": "DE-SL",
    "sachsen": "DE-SN",
    "sachsen-anhalt": "DE-ST",
    "schleswig-holstein": "DE-SH",
    "thüringen": "DE-TH",
    "eu": "EU",
    "europaweit": "EU",
    "europäische union": "EU",
}

APPLICANTS: dict[str, str] = {
    "kommune": "kommune",
    "kommunen": "kommune",
    "öffentliche einrichtung": "oeffentliche_einrichtung",
    "bildungseinrichtung": "oeffentliche_einrichtung",
    "unternehmen": "unternehmen",
    "existenzgründer/in": "unternehmen",
    "existenzgründer/-in": "unternehmen",
    "existenzgründer": "unternehmen",
    "verband/vereinigung": "verein",
    "verein": "verein",
    "hochschule": "hochschule",
    "forschungseinrichtung": "forschung",
    "privatperson": "privatperson",
    "landkreis": "landkreis",
    "zweckverband": "zweckverband",
    "schulträger": "schultraeger",
}

FUNDING_TYPES: dict[str, str] = {
    "zuschuss": "zuschuss",
    "darlehen": "darlehen",
    "bürgschaft": "buergschaft",
    "garantie": "buergschaft",
    "beteiligung": "beteiligung",
    "preis": "preis",
    "wettbewerb": "preis",
    "beratung": "beratung",
    "sonstige": "sonstiges",
    "sonstiges": "sonstiges",
}
FUNDING_TYPE_FALLBACK = "sonstiges"

LEVELS: dict[str, str] = {"bund": "bund", "land": "land", "eu": "eu"}

# Facet labels that contain a comma themselves; dd values are comma-separated lists of labels.
COMMA_LABELS: tuple[str, ...] = ("Kultur, Medien & Sport",)


def _key(label: str) -> str:
    return clean(label).casefold()


def split_labels(text: str) -> list[str]:
    """A dd's comma-separated labels, keeping labels with a comma of their own in one piece."""
    text = clean(text)
    protected: dict[str, str] = {}
    for i, label in enumerate(COMMA_LABELS):
        placeholder = f"\x00{i}\x00"
        text, count = re.subn(re.escape(label), placeholder, text, flags=re.IGNORECASE)
        if count:
            protected[placeholder] = label
    parts: list[str] = []
    for part in re.split(r",(?![^()]*\))", text):  # no split inside "(…, …)"
        for placeholder, label in protected.items():
            part = part.replace(placeholder, label)
        part = part.strip()
        if part and part not in parts:
            parts.append(part)
    return parts


def _map(labels: list[str], table: dict[str, str]) -> tuple[list[str], list[str]]:
    values: list[str] = []
    unknown: list[str] = []
    for label in labels:
        value = table.get(_key(label))
        if value is None:
            unknown.append(label)
        elif value not in values:
            values.append(value)
    return values, unknown


def regions(labels: list[str]) -> tuple[list[str], list[str]]:
    """(ISO 3166-2 codes, unknown labels)."""
    return _map(labels, REGIONS)


def applicants(labels: list[str]) -> tuple[list[str], list[str]]:
    """(canonical applicant types, unknown labels)."""
    return _map(labels, APPLICANTS)


def funding_types(labels: list[str]) -> tuple[list[str], list[str]]:
    """(canonical funding types, unknown labels); an unknown Förderart still counts as ``sonstiges``."""
    values, unknown = _map(labels, FUNDING_TYPES)
    if unknown and FUNDING_TYPE_FALLBACK not in values:
        values.append(FUNDING_TYPE_FALLBACK)
    return values, unknown


def level(label: str) -> str | None:
    """``Bund``/``Land``/``EU`` (URL segment or Fördergeber facet) → canonical level."""
    return LEVELS.get(_key(label))


def _fold(text: str) -> str:
    """Lower case, umlauts and ß spelt out: pages and scrapers write "Schulträger" and "Schultraeger"."""
    text = text.casefold()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return text


# Names of applicant types in running text (folded), most specific first: a matched phrase is
# blanked out so that "kommunale Unternehmen" cannot also count as "Unternehmen".
APPLICANT_TERMS: tuple[tuple[str, tuple[str, ...]], ...] = (
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
_APPLICANT_RES = tuple((re.compile(rf"\b(?:{pattern})\b"), codes) for pattern, codes in APPLICANT_TERMS)
_PLACE_BEFORE = re.compile(r"\b(?:in|im|innerhalb)\s+(?:der\s+|den\s+|des\s+)?$")
_DENIAL = re.compile(r"nicht (?:\w+ ){0,2}(?:antragsberechtigt|gefoerdert|foerderfaehig)|ausgenommen|ausgeschlossen")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")


def applicants_in_text(text: str) -> list[str]:
    """Applicant codes named in a "Wer wird gefördert?" section, in the order the text names them.

    Only for text known to be about applicants: elsewhere "Kommunen" is as often a place or an
    audience ("Leistungen für Kommunen") as an applicant. Denied sentences are skipped.
    """
    found: list[tuple[int, str]] = []
    for sentence_start, sentence in _sentences_with_offsets(_fold(text)):
        if _DENIAL.search(sentence):
            continue
        chars = list(sentence)
        for pattern, codes in _APPLICANT_RES:
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
    for boundary in _SENTENCE.finditer(text):
        out.append((start, text[start : boundary.start()]))
        start = boundary.end()
    out.append((start, text[start:]))
    return [(offset, sentence) for offset, sentence in out if sentence.strip()]
