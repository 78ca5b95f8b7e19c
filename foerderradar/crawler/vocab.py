"""Portal labels → canonical values. Unknown labels are dropped (and logged), never guessed."""

from __future__ import annotations

import re

LAND_CODES = {
    "baden-württemberg": "DE-BW", "bayern": "DE-BY", "berlin": "DE-BE", "brandenburg": "DE-BB",
    "bremen": "DE-HB", "hamburg": "DE-HH", "hessen": "DE-HE", "mecklenburg-vorpommern": "DE-MV",
    "niedersachsen": "DE-NI", "nordrhein-westfalen": "DE-NW", "rheinland-pfalz": "DE-RP",
    "saarland": "DE-SL", "sachsen": "DE-SN", "sachsen-anhalt": "DE-ST", "schleswig-holstein": "DE-SH",
    "thüringen": "DE-TH", "bundesweit": "DE", "deutschland": "DE", "eu": "EU", "europaweit": "EU",
    "europäische union": "EU",
}

# Förderberechtigte labels of the Förderdatenbank. Existenzgründer found companies; Bildungs-
# einrichtungen are mostly public (schools, adult education) — applicants a city recognises.
APPLICANTS = {
    "kommune": ["kommune"],
    "kommunen": ["kommune"],
    "öffentliche einrichtung": ["oeffentliche_einrichtung"],
    "bildungseinrichtung": ["oeffentliche_einrichtung"],
    "unternehmen": ["unternehmen"],
    "existenzgründer/in": ["unternehmen"],
    "existenzgründer": ["unternehmen"],
    "verband/vereinigung": ["verein"],
    "verein": ["verein"],
    "hochschule": ["hochschule"],
    "forschungseinrichtung": ["forschung"],
    "privatperson": ["privatperson"],
    "landkreis": ["landkreis"],
    "zweckverband": ["zweckverband"],
    "schulträger": ["schultraeger"],
}

FUNDING_TYPES = {
    "zuschuss": "zuschuss", "darlehen": "darlehen", "bürgschaft": "buergschaft", "garantie": "buergschaft",
    "beteiligung": "beteiligung", "preis": "preis", "beratung": "beratung", "wettbewerb": "preis",
}

LEVELS = {"bund": "bund", "land": "land", "eu": "eu"}


def split_labels(text: str) -> list[str]:
    return [part.strip() for part in re.split(r",(?![^()]*\))", text) if part.strip()]


def regions(labels: list[str]) -> tuple[list[str], list[str]]:
    """(codes, unknown labels)"""
    codes: list[str] = []
    unknown: list[str] = []
    for label in labels:
        code = LAND_CODES.get(label.lower())
        if code is None:
            unknown.append(label)
        elif code not in codes:
            codes.append(code)
    return codes, unknown


def applicants(labels: list[str]) -> tuple[list[str], list[str]]:
    out: list[str] = []
    unknown: list[str] = []
    for label in labels:
        mapped = APPLICANTS.get(label.lower())
        if mapped is None:
            unknown.append(label)
        else:
            out.extend(v for v in mapped if v not in out)
    return out, unknown


def funding_types(labels: list[str]) -> list[str]:
    out: list[str] = []
    for label in labels:
        value = FUNDING_TYPES.get(label.lower(), "sonstiges")
        if value not in out:
            out.append(value)
    return out
