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

Free text under "Wer wird gefördert?" → applicants: the words for applicant types in running text
are German text, not this portal's vocabulary — :mod:`foerderradar.german.applicants`.

Fördergebiet → regions (ISO 3166-2)
- "bundesweit" (and "Deutschland") → ``DE``; the 16 Länder by name → ``DE-xx``; "EU"/"europaweit"/
  "Europäische Union" → ``EU`` (not a facet today; kept for EU programmes listed with such a label).
- Anything else (a district, "Ausland") is dropped and reported, never guessed.

Category codes (one vocabulary for every route to the Förderdatenbank)
- The XML export links each programme to category documents
  (``/BMWI/SiteGlobals/Categories/FDB/Foerderberechtigte/kommune``), the search form filters on the
  same codes (``cl2Processes_Foerderberechtigte=kommune``), and the late-2025 HTML template prints
  them instead of the display label ("Foerderberechtigte: kommune"). :data:`CATEGORY_CODES` turns a
  code into the facet's display label (as the list page's sidebar pairs them), and every mapping
  below reads codes and labels alike: a code means the same thing on every route.
- Codes seen in two spellings are both listed (``_bundesweit``/``bundesweit``, ``de_ni``/``niedersachsen``).
- An unknown code is returned as unknown, like an unknown label, so the caller can report it once.
  Förderbereich codes become the display label in ``topics``; an unknown one stays as the code.

Level (from the detail URL, not a label)
- ``/Foerderprogramm/Bund/`` → ``bund``, ``/Land/`` → ``land``, ``/EU/`` → ``eu``; the Fördergeber
  facet (Bund/Land/EU) says the same. Archived pages have no level in their URL → None.
"""

from __future__ import annotations

import re

from foerderradar.crawler.selectors import clean
from foerderradar.german.fold import spell_out

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

# Category codes → display labels, per facet (the ASCII facet names the codes live under). Pairs as
# the search page's sidebar shows them (../shared/captures/foerderdatenbank/list_page1.html).
CATEGORY_CODES: dict[str, dict[str, str]] = {
    "Foerderberechtigte": {
        "bildungseinrichtung": "Bildungseinrichtung",
        "existenzgruenderin": "Existenzgründer/in",
        "forschungseinrichtung": "Forschungseinrichtung",
        "hochschule": "Hochschule",
        "kommune": "Kommune",
        "oeffentliche_einrichtung": "Öffentliche Einrichtung",
        "privatperson": "Privatperson",
        "unternehmen": "Unternehmen",
        "verband_vereinigung": "Verband/Vereinigung",
    },
    "Foerdergebiet": {
        "_bundesweit": "bundesweit",
        "bundesweit": "bundesweit",
        "baden_wuerttemberg": "Baden-Württemberg",
        "bayern": "Bayern",
        "berlin": "Berlin",
        "brandenburg": "Brandenburg",
        "bremen": "Bremen",
        "hamburg": "Hamburg",
        "hessen": "Hessen",
        "mecklenburg_vorpommern": "Mecklenburg-Vorpommern",
        "de_ni": "Niedersachsen",
        "niedersachsen": "Niedersachsen",
        "nordrhein_westfalen": "Nordrhein-Westfalen",
        "rheinland_pfalz": "Rheinland-Pfalz",
        "saarland": "Saarland",
        "sachsen": "Sachsen",
        "de_st": "Sachsen-Anhalt",
        "sachsen_anhalt": "Sachsen-Anhalt",
        "schleswig_holstein": "Schleswig-Holstein",
        "thueringen": "Thüringen",
    },
    "Foerderart": {
        "beteiligung": "Beteiligung",
        "buergschaft": "Bürgschaft",
        "darlehen": "Darlehen",
        "garantie": "Garantie",
        "sonstige": "Sonstige",
        "zuschuss": "Zuschuss",
    },
    "Foerderbereich": {
        "arbeit": "Arbeit",
        "aus_weiterbildung": "Aus- & Weiterbildung",
        "aussenwirtschaft": "Außenwirtschaft",
        "beratung": "Beratung",
        "corona": "Corona-Hilfe",
        "digitalisierung": "Digitalisierung",
        "energieeffizienz_erneuerbare_energien": "Energieeffizienz & Erneuerbare Energien",
        "existenzgruendung_festigung": "Existenzgründung & -festigung",
        "forschung_innovation_themenoffen": "Forschung & Innovation (themenoffen)",
        "forschung_innovation_themenspezifisch": "Forschung & Innovation (themenspezifisch)",
        "frauenfoerderung": "Frauenförderung",
        "gesundheit_soziales": "Gesundheit & Soziales",
        "infrastruktur": "Infrastruktur",
        "kultur_medien_sport": "Kultur, Medien & Sport",
        "landwirtschaft_laendliche_entwicklung": "Landwirtschaft & Ländliche Entwicklung",
        "messen_ausstellungen": "Messen & Ausstellungen",
        "mobilitaet": "Mobilität",
        "regionalfoerderung": "Regionalförderung",
        "smart_cities_regionen": "Smart Cities & Regionen",
        "staedtebau_stadterneuerung": "Städtebau & Stadterneuerung",
        "umwelt_naturschutz": "Umwelt- & Naturschutz",
        "unternehmensfinanzierung": "Unternehmensfinanzierung",
        "wohnungsbau_modernisierung": "Wohnungsbau & Modernisierung",
    },
    "Foerdergeber": {"bund": "Bund", "land": "Land", "eu": "EU"},
}
# A category code: lower-case ASCII words joined by "_" (a leading "_" marks "_bundesweit").
_CODE_RE = re.compile(r"^_?[a-z0-9]+(?:_[a-z0-9]+)*$")

# Facet labels that contain a comma themselves; dd values are comma-separated lists of labels.
COMMA_LABELS: tuple[str, ...] = ("Kultur, Medien & Sport",)


def _key(label: str) -> str:
    return clean(label).casefold()


def facet_name(label: str) -> str:
    """The ASCII facet name of a fact label: "Förderberechtigte:" and "Foerderberechtigte:" →
    "Foerderberechtigte", "Weiterführende Links:" and "WeiterfuehrendeLinks:" → "WeiterfuehrendeLinks"."""
    words = spell_out(clean(label).rstrip(":").strip()).split()
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:]) if words else ""


def is_code(value: str) -> bool:
    """Whether a value is written as a category code ("oeffentliche_einrichtung"), not as a label."""
    return bool(_CODE_RE.match(value.strip()))


def decode(facet: str, values: list[str]) -> tuple[list[str], list[str]]:
    """(values with known codes replaced by their display label, codes this facet does not know).

    Display labels pass unchanged (the older templates print them); an unknown code passes unchanged
    too and is also returned as unknown, so the caller can report it.
    """
    table = CATEGORY_CODES.get(facet, {})
    out: list[str] = []
    unknown: list[str] = []
    for value in values:
        code = value.strip()
        label = table.get(code)
        if label is None and is_code(code):
            label = table.get(code.lower())
            if label is None and not _is_label(facet, code):
                unknown.append(code)
        out.append(label or code)
    return out, unknown


def _is_label(facet: str, value: str) -> bool:
    """A one-word display label that happens to look like a code ("bundesweit", "zuschuss" lower-cased)."""
    table = {"Foerdergebiet": REGIONS, "Foerderberechtigte": APPLICANTS, "Foerderart": FUNDING_TYPES}.get(facet, {})
    return _key(value) in table


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
    """(ISO 3166-2 codes, unknown labels or category codes)."""
    return _map(decode("Foerdergebiet", labels)[0], REGIONS)


def applicants(labels: list[str]) -> tuple[list[str], list[str]]:
    """(canonical applicant types, unknown labels or category codes)."""
    return _map(decode("Foerderberechtigte", labels)[0], APPLICANTS)


def funding_types(labels: list[str]) -> tuple[list[str], list[str]]:
    """(canonical funding types, unknown labels); an unknown Förderart still counts as ``sonstiges``."""
    values, unknown = _map(decode("Foerderart", labels)[0], FUNDING_TYPES)
    if unknown and FUNDING_TYPE_FALLBACK not in values:
        values.append(FUNDING_TYPE_FALLBACK)
    return values, unknown


def topics(values: list[str]) -> tuple[list[str], list[str]]:
    """(Förderbereich display labels, unknown codes): codes become labels, labels stay, unknown codes
    stay as written (a topic the reader can still see) and are returned for reporting."""
    labels, unknown = decode("Foerderbereich", values)
    return list(dict.fromkeys(label for label in labels if label)), unknown


# The facets that fill call fields, by their ASCII facet name: field → mapping.
FACET_FIELDS: tuple[tuple[str, str], ...] = (
    ("Foerdergebiet", "regions"),
    ("Foerderberechtigte", "applicants"),
    ("Foerderart", "funding_type"),
    ("Foerderbereich", "topics"),
)


def facet_fields(facets: dict[str, list[str]]) -> tuple[dict[str, list[str] | None], dict[str, list[str]]]:
    """(call fields, unknown values by facet) from a programme's facets, codes or labels alike.

    One function for both routes to the Förderdatenbank (the export's category links, the HTML
    pages' facts), so a programme gets the same fields whichever route brought it. An empty field
    is None ("unknown"), never ``[]``, which would read as "nobody may apply".
    """
    mappings = {"regions": regions, "applicants": applicants, "funding_type": funding_types, "topics": topics}
    fields: dict[str, list[str] | None] = {}
    unknown: dict[str, list[str]] = {}
    for facet, field in FACET_FIELDS:
        values, missed = mappings[field](facets.get(facet, []))
        fields[field] = values or None
        if missed:
            unknown[facet] = missed
    return fields, unknown


def level(label: str) -> str | None:
    """``Bund``/``Land``/``EU`` (URL segment or Fördergeber facet) → canonical level."""
    return LEVELS.get(_key(label))
