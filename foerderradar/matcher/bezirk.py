"""Calls limited to one or more Regierungsbezirke ("ausschließlich Kommunen im Regierungsbezirk
Arnsberg", "in den Regierungsbezirken Detmold und Münster"): judged by the city's Bezirk.

The city's Bezirk is an ``areas`` entry naming it ("Regierungsbezirk Detmold") or, failing that,
the third digit of its Amtlicher Gemeindeschlüssel in the four Länder that still have Bezirke. A
Bezirksregierung named as the authority to apply to limits nothing; neither does an example
("insbesondere im Regierungsbezirk …"). Only sentences about who may apply or where count.
"""

from __future__ import annotations

import re

from foerderradar.german.fold import fold
from foerderradar.matcher.gate import NO_LIMIT, Gate
from foerderradar.matcher.passages import Sentence, about_applicants
from foerderradar.profile import City

# AGS Land prefix → third digit → Regierungsbezirk (the Länder that keep them).
BEZIRKE: dict[str, dict[str, str]] = {
    "05": {"1": "Düsseldorf", "3": "Köln", "5": "Münster", "7": "Detmold", "9": "Arnsberg"},
    "06": {"4": "Darmstadt", "5": "Gießen", "6": "Kassel"},
    "08": {"1": "Stuttgart", "2": "Karlsruhe", "3": "Freiburg", "4": "Tübingen"},
    "09": {"1": "Oberbayern", "2": "Niederbayern", "3": "Oberpfalz", "4": "Oberfranken", "5": "Mittelfranken",
           "6": "Unterfranken", "7": "Schwaben"},
}
_NAME = r"[A-ZÄÖÜ][\wäöüß]+"
_BEZIRKE_NAMED = re.compile(
    rf"\bRegierungsbezirk(?:e|es|s|en)?\s+(?P<names>{_NAME}(?:\s*(?:,|und|sowie|oder)\s*(?:im\s+)?{_NAME})*)"
)
_LIMITING = re.compile(r"\b(?:nur|ausschliesslich|lediglich|beschraenkt|begrenzt|foerdergebiet|programmgebiet)\b")
_NOT_A_LIMIT = re.compile(r"\b(?:insbesondere|vorrangig|bevorzugt|beispielsweise|etwa|unter anderem)\b")
_WORDS = re.compile(r"\s*(?:,|\bund\b|\bsowie\b|\boder\b)\s*(?:im\s+)?")


def own_bezirk(city: City) -> str | None:
    """The city's Regierungsbezirk (folded), from ``areas`` or the AGS; None when neither says."""
    for area in city.areas:
        found = re.match(r"(?i)regierungsbezirk\s+(.+)", area.strip())
        if found:
            return fold(found.group(1))
    if city.ags:
        name = BEZIRKE.get(city.ags[:2], {}).get(city.ags[2])
        return fold(name) if name else None
    return None


def named_bezirke(text: str) -> list[str]:
    """The Regierungsbezirke a sentence names, as written."""
    names: list[str] = []
    for match in _BEZIRKE_NAMED.finditer(text):
        names += [n for n in _WORDS.split(match["names"]) if n]
    return list(dict.fromkeys(names))


def check_bezirk(city: City, sentences: list[Sentence]) -> Gate:
    limiting = [s for s in sentences if "regierungsbezirk" in s.folded
                and (about_applicants(s) or _LIMITING.search(s.folded)) and not _NOT_A_LIMIT.search(s.folded)]
    named = [name for s in limiting for name in named_bezirke(s.text)]
    if not named:
        return NO_LIMIT
    listed = ", ".join(f"Regierungsbezirk {n}" for n in dict.fromkeys(named))
    own = own_bezirk(city)
    if own is None:
        unknown = f"Regierungsbezirk von {city.name} nicht angegeben (bitte prüfen)"
        return Gate(None, f"Nur für Kommunen im {listed}; {unknown}")
    mine = [n for n in named if fold(n) == own]
    if mine:
        return Gate(True, f"Gebiet: Regierungsbezirk {mine[0]} ist genannt")
    return Gate(False, f"Nur für Kommunen im {listed}; {city.name} liegt nicht dort")
