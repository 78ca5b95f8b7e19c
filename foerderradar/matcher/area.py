"""Calls limited to an area smaller than a Land: a LEADER region and its listed municipalities
(:func:`check_area`), or one or more named Kreise (:func:`check_kreis`).

A Kreis is found by its word and its capitalised name as written ("im Kreis Gütersloh", "der
Kreise Lippe und Höxter", "Landkreise Märkisch-Oderland, Oder-Spree und Dahme-Spreewald",
"Rhein-Sieg-Kreis", "Märkischer Kreis"). It limits the call only in a sentence about who may apply or
where (applicant or area heading, "nur", "ausschließlich", "Fördergebiet"): a Kreis in a contact
address, in "Anträge über den Landkreis einreichen" or in an example ("insbesondere im Kreis …")
limits nothing. The city's Kreis is ``city.kreis`` or an ``areas`` entry that names a Kreis.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from foerderradar.german.fold import fold
from foerderradar.matcher.gate import NO_LIMIT, Gate
from foerderradar.matcher.passages import Sentence, about_applicants, call_sentences
from foerderradar.matcher.text import CallText, normalise_name
from foerderradar.model import FundingCall
from foerderradar.profile import City

# A call limited to a named area smaller than a Land: a LEADER region and its member municipalities,
# or "ausschließlich … in den Kommunen <Name>, <Name>". Matched on the text as written (names are
# capitalised, "LEADER" is not the English word "leader"). A Kreis alone is check_kreis's to judge, and
# "Mitgliedsgemeinden" alone is no limit ("Ämter, deren Mitgliedsgemeinden die Grenze einhalten").
_AREA_LIMIT = re.compile(
    r"\bLEADER[- ](?:Region|Gebiet|Aktionsgruppe)|[Ll]okale[n]? Aktionsgruppe|\bILE[- ]Region|Gebietskulisse"
    r"|Mitglieds(?:kommunen|gemeinden|städte)n?(?::| der (?:LAG|LEADER|ILE|[Ll]okalen Aktionsgruppe))"
    r"|teilnehmenden (?:Kommunen|Gemeinden|Städte)"
    r"|\b(?i:ausschließlich|nur)\b[^.\n]{0,60}?(?i:im Gebiet|in der Region|in den (?:Kommunen|"
    r"Gemeinden|Städten)|in folgenden (?:Kommunen|Gemeinden|Städten))[:,]?\s+(?:der |des |also )?[A-ZÄÖÜ]"
)

# -- Kreis names as written --------------------------------------------------------------------
_W = r"[A-ZÄÖÜ]\w*(?:-\w+)*"  # a capitalised word, hyphen parts included ("Märkisch-Oderland")
_NAME = (
    rf"(?:[A-ZÄÖÜ]\w*ische[nrs]?\s+{_W}"  # "Sächsische Schweiz-Osterzgebirge"
    rf"|(?:(?:Bad|Sankt|St)\s+)?{_W}(?:\s+(?:an der|am|an|ob der|in der)\s+{_W}|\s+\({_W}\))?)"
)
_LIST = (
    rf"{_NAME}(?:\s*,\s*{_NAME})*"
    rf"(?:\s*,?\s+(?:und|sowie|oder)\s+(?:(?:de[mnrs]|die)\s+)?(?:(?:Land)?[Kk]reis(?:e|en|es)?\s+)?{_NAME})?"
)
_KREIS_THEN_NAMES = re.compile(rf"\b(?P<word>(?:Land)?[Kk]reis)(?:e|en|es)?\s+(?P<names>{_LIST})")
_NAMED_KREIS = re.compile(
    r"\b(?P<compound>(?:[A-ZÄÖÜ][\w-]*-)Kreis|[A-ZÄÖÜ][\w-]*ische[nrs]?\s+Kreis)(?:es)?\b"  # Rhein-Sieg-Kreis
    r"|\b(?:im|dem|des|den)\s+(?P<solid>[A-ZÄÖÜ]\w+kreis)(?:es)?\b"  # im Hochsauerlandkreis
)
# Words in a name's place that are no Kreis name, and solid compounds on -kreis that are no Kreis.
_NOT_A_NAME = re.compile(
    r"^(?:stadt|staedte|gemeinde|gemeinden|kommune|kommunen|amt|aemter|region|land|bund|die|der|das|den|dem"
    r"|des|und|sowie|oder|in|im|mit|fuer|bei|ab|bis|nur)$"
)
_NOT_A_KREIS = re.compile(
    r"^(?:land|stadt|arbeits|freundes|personen|teilnehmer|teilnehmenden|wahl|lenkungs|interessenten|adressaten"
    r"|empfaenger|nutzer|kunden|kirchen|regel|gespraechs|bekannten|fach|experten|leser|traeger|mitglieder"
    r"|berechtigten|anwender)kreis$"
)
_LAND_NAME = re.compile(
    r"^(?:baden|bayern|berlin|brandenburg|bremen|hamburg|hessen|mecklenburg|niedersachsen|nordrhein|nrw"
    r"|rheinland|saarland|sachsen|schleswig|thuering|deutschland)"
)
# "Anträge über den Landkreis X einreichen", "gemeinsam mit dem Kreis X": the Kreis is a channel or
# a partner, not the area.
_CHANNEL_BEFORE = re.compile(r"\b(?:ueber|beim|bei|an|vom|von|durch|mit|gegenueber)\s+(?:de[mnr]\s+|die\s+)?$")
# "insbesondere im Kreis X", "z. B. im Landkreis Y": an example or a priority, not a limit.
_NOT_A_LIMIT = re.compile(r"\b(?:insbesondere|vorrangig|bevorzugt|besonders|beispielsweise|zb|etwa|unter anderem)\b")
# Sentences that limit outside an applicant or area section.
_LIMITING = re.compile(r"\b(?:nur|ausschliesslich|lediglich|beschraenkt|begrenzt|foerdergebiet|programmgebiet"
                       r"|gebietskulisse|mit sitz)\b")
_KREIS_TOKEN = re.compile(r"^(?:land)?kreis(?:e|es|en)?$")
_IS_KREIS = re.compile(r"\b(?:land)?kreis\b|kreis$")


@dataclass(frozen=True)
class Kreis:
    shown: str  # "Landkreis Märkisch-Oderland", "Rhein-Sieg-Kreis"
    key: str  # as names are compared: kreis_key(shown)
    start: int
    end: int


def kreis_key(name: str) -> str:
    """A Kreis name as compared: without the word Kreis, folded, endings trimmed on both sides alike
    ("Märkischen Kreis" and "Märkischer Kreis", "Kreis Gütersloh" and "Gütersloh")."""
    tokens = [t for t in normalise_name(name).split() if not _KREIS_TOKEN.match(t)]
    tokens = [t[: -len("kreis")] if t.endswith("kreis") and len(t) > 8 else t for t in tokens]
    return " ".join(re.sub(r"(?:es|en|er|e|s|n)$", "", t) if len(t) > 4 else t for t in tokens)


def named_kreise(text: str) -> list[Kreis]:
    """The Kreise a written text names, in order; a Kreis named as a channel or partner is left out."""
    found: list[Kreis] = []
    for match in _KREIS_THEN_NAMES.finditer(text):
        if _CHANNEL_BEFORE.search(fold(text[max(0, match.start() - 25) : match.start()])):
            continue
        word = "Landkreis" if match["word"].startswith("L") else "Kreis"
        names = re.split(r"\s*,\s*|\s+(?:und|sowie|oder)\s+(?:(?:de[mnrs]|die)\s+)?", match["names"])
        for name in names:
            name = re.sub(r"^(?:Land)?[Kk]reis(?:e|en|es)?\s+", "", name).strip()
            if name and not _NOT_A_NAME.match(fold(name)) and not _LAND_NAME.match(fold(name)):
                found.append(Kreis(f"{word} {name}", kreis_key(name), match.start(), match.end()))
    for match in _NAMED_KREIS.finditer(text):
        name = match["compound"] or match["solid"]
        if match["solid"] and _NOT_A_KREIS.match(fold(name)):
            continue
        if not _CHANNEL_BEFORE.search(fold(text[max(0, match.start() - 25) : match.start()])):
            found.append(Kreis(name, kreis_key(name), match.start(), match.end()))
    return found


def own_kreise(city: City) -> list[str]:
    """The city's Kreis: ``city.kreis``, or an ``areas`` entry that names one ("Kreis Gütersloh")."""
    return [k for k in [city.kreis, *city.areas] if k and (k == city.kreis or _IS_KREIS.search(fold(k)))]


def _written(call: FundingCall) -> str:
    return "\n".join(filter(None, [call.title, call.summary, call.description, call.funding_body]))


def check_area(call: FundingCall, city: City, texts: CallText | None = None) -> Gate:
    """A call limited to a named area (LEADER region, listed municipalities) needs the city, one of
    its ``areas`` or its Kreis named in it."""
    written = _written(call)
    if not _AREA_LIMIT.search(written):
        return NO_LIMIT
    names = (texts or CallText(call)).names
    for name in [city.name, *city.areas]:
        if f" {normalise_name(name)} " in names:
            return Gate(True, f"Gebiet: {name} ist genannt")
    ours = {kreis_key(k) for k in own_kreise(city)}
    for kreis in named_kreise(written):
        if kreis.key in ours:
            return Gate(True, f"Gebiet: {kreis.shown} ist genannt")
    return Gate(False, f"Nur für ein bestimmtes Gebiet (z. B. LEADER-Region); {city.name} ist dort nicht genannt")


def _limiting(sentences: Iterable[Sentence]) -> list[Sentence]:
    return [s for s in sentences if "kreis" in s.folded and (about_applicants(s) or _LIMITING.search(s.folded))
            and not _NOT_A_LIMIT.search(s.folded)]


def check_kreis(call: FundingCall, city: City, sentences: list[Sentence] | None = None) -> Gate:
    """A call limited to named Kreise: in if the city's Kreis (or the city itself, or one of its
    areas) is named, out if the city's Kreis is known and not named or the city is kreisfrei,
    else kept with a reason to check. ``sentences``: the call's, if the caller has them."""
    if sentences is None:
        sentences = call_sentences(call.title, call.summary or "", call.description or "")
    sentences = _limiting(sentences)
    kreise = [(s, k) for s in sentences for k in named_kreise(s.text)]
    if not kreise:
        return NO_LIMIT
    listed = ", ".join(dict.fromkeys(k.shown for _, k in kreise))
    named = {k.key: k.shown for _, k in kreise}
    own = own_kreise(city)
    for name in own:
        if kreis_key(name) in named:
            return Gate(True, f"Gebiet: {named[kreis_key(name)]} ist genannt")
    # The city itself (a kreisfreie Stadt listed beside the Kreise) or one of its areas, outside the
    # Kreis names: "Kreis Offenbach" does not name the city Offenbach.
    rest = " ".join(_blank(s.text, [k for t, k in kreise if t is s]) for s in sentences)
    rest = f" {normalise_name(rest)} "
    for name in [city.name, *city.areas]:
        if f" {normalise_name(name)} " in rest:
            return Gate(True, f"Gebiet: {name} ist genannt")
    if own:
        return Gate(False, f"Nur für Kommunen in: {listed}; {own[0]} ist dort nicht genannt")
    if city.kreisfrei:
        return Gate(False, f"Nur für Kommunen in: {listed}; {city.name} ist kreisfrei und dort nicht genannt")
    return Gate(None, f"Nur für Kommunen in: {listed}; Kreis von {city.name} nicht angegeben (bitte prüfen)")


def _blank(text: str, kreise: list[Kreis]) -> str:
    for kreis in kreise:
        text = text[: kreis.start] + " " * (kreis.end - kreis.start) + text[kreis.end :]
    return text


__all__ = ["Kreis", "check_area", "check_kreis", "kreis_key", "named_kreise", "own_kreise"]
