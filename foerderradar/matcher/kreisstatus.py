"""Calls only for Landkreise and kreisfreie Städte, or only for kreisangehörige Gemeinden.

Kreis-level tasks (Katastrophenschutz, Volkshochschulen, Oberzentren) are funded for "Landkreise und
kreisfreie Städte", and a kreisangehörige town reading "Städte" in that list would think itself
eligible; the reverse ("nur kreisangehörige Kommunen") excludes a kreisfreie Stadt. Three readings,
each on folded sentences, and only the clear ones:

- "nur / ausschließlich (die vier) (Landkreise und) kreisfreie(n) Städte", anywhere in the text; with
  "nicht nur" it is no limit.
- "Kreisangehörige Gemeinden sind nicht antragsberechtigt / ausgeschlossen", "eine eigene
  Antragstellung kreisangehöriger Städte ist nicht vorgesehen", anywhere; "nicht ausgeschlossen",
  "nicht allein antragsberechtigt" deny nothing.
- Who may apply (applicant section or cue sentence) names only "Landkreise und kreisfreie Städte"
  and, in no sentence about applicants, municipalities in general ("Gemeinden", "Kommunen",
  "kreisangehörige Städte"); "Landkreise, kreisfreie und kreisangehörige Städte und Gemeinden" is
  everybody. A name after a preposition or genitive ("Volkshochschulen in Trägerschaft der Landkreise
  und kreisfreien Städte") is an owner or a place, not an applicant.

The city's status is ``City.kreisfrei`` (from ``kreis`` or ``ags``); unknown keeps the call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from foerderradar.matcher.gate import NO_LIMIT, Gate
from foerderradar.matcher.passages import DENIES, Sentence, about_applicants
from foerderradar.profile import City

_KF = r"kreisfreie[nr]? (?:staedte|stadt)"
_KA = r"kreisangehoerige[nr]?(?: (?:staedte|stadt|gemeinden|gemeinde|kommunen|kommune)(?: und (?:gemeinden|staedte))?)?"
# "Landkreise und kreisfreie Städte" / "kreisfreie Städte und Landkreise" as one group.
_KF_GROUP = re.compile(rf"(?:(?:land)?kreise[n]? und )?{_KF}(?: und (?:land)?kreise[n]?)?")
_KA_GROUP = re.compile(_KA)
# Only: the group right after "nur"/"ausschließlich", with nothing but articles and numbers between.
_ONLY = (
    r"(?<!nicht )\b(?:nur|ausschliesslich|allein|lediglich)\s+"
    r"(?:(?:fuer|an|die|der|den|\d+|zwei|drei|vier|fuenf|sechs|sieben|acht|neun|zehn)\s+){0,3}"
)
_ONLY_KF = re.compile(_ONLY + rf"(?:(?:land)?kreise[n]? und )?{_KF}")
_ONLY_KA = re.compile(_ONLY + r"kreisangehoerige")
# Municipalities in general, once the qualified groups are blanked out.
_GENERAL = re.compile(r"\b(?:kommunen|kommune|gemeinden|gemeinde|staedte|stadt|gebietskoerperschaften|aemter"
                      r"|verbandsgemeinden|samtgemeinden|municipalities)\b")
_OWNER_BEFORE = re.compile(r"\b(?:in|im|aus|von|fuer|der|des|ueber|bei|mit)\s+$")
_ALSO = re.compile(r"\b(?:auch|ebenfalls|zudem|ausserdem)\b")
# "kreisfreie und kreisangehörige Städte": both named, so everybody.
_BOTH = re.compile(r"kreisfreie\w*(?:,| und| sowie| oder) kreisangehoerige"
                   r"|kreisangehoerige\w*(?:,| und| sowie| oder) kreisfreie")

KREISLEVEL, KREISANGEHOERIG = "kreislevel", "kreisangehoerig"  # whom the call is limited to


def _blank(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(lambda m: " " * len(m.group()), text)


def _as_applicants(pattern: re.Pattern[str], text: str) -> bool:
    """The group is named as an applicant somewhere (not after a preposition or a genitive article)."""
    return any(not _OWNER_BEFORE.search(text[max(0, m.start() - 20) : m.start()]) for m in pattern.finditer(text))


def limits(sentences: Iterable[Sentence]) -> tuple[str | None, str]:
    """Whom the text limits the call to (KREISLEVEL, KREISANGEHOERIG or None) and, in German, what
    it says; the first clear statement is the one shown."""
    kreislevel, kreisangehoerig = "", ""
    listed_kf = listed_ka = general = False
    for sentence in sentences:
        text = sentence.folded
        if "kreis" not in text:
            general = general or (about_applicants(sentence) and bool(_GENERAL.search(text))
                                  and not DENIES.search(text))
            continue
        if match := _ONLY_KF.search(text):
            who = "Landkreise und kreisfreie Städte" if "kreise" in match.group() else "kreisfreie Städte"
            kreislevel = kreislevel or f"Laut Text nur {who} antragsberechtigt"
        if _ONLY_KA.search(text):
            kreisangehoerig = kreisangehoerig or "Laut Text nur kreisangehörige Kommunen antragsberechtigt"
        denied = DENIES.search(text)
        has_ka, has_kf = bool(_KA_GROUP.search(text)), bool(re.search(_KF, text))
        if denied and has_ka and not has_kf:
            kreislevel = kreislevel or "Laut Text kreisangehörige Kommunen ausgeschlossen"
        elif denied and has_kf and not has_ka:
            kreisangehoerig = kreisangehoerig or "Laut Text kreisfreie Städte ausgeschlossen"
        if denied or not about_applicants(sentence):
            continue
        rest = _blank(_KA_GROUP, _blank(_KF_GROUP, text))
        general = general or bool(_GENERAL.search(rest) or _ALSO.search(text) or _BOTH.search(text))
        listed_kf = listed_kf or _as_applicants(_KF_GROUP, text)
        listed_ka = listed_ka or _as_applicants(_KA_GROUP, text)
    if not general and listed_kf != listed_ka:
        if listed_kf:
            kreislevel = kreislevel or "Laut Text antragsberechtigt: Landkreise und kreisfreie Städte"
        else:
            kreisangehoerig = kreisangehoerig or "Laut Text antragsberechtigt: kreisangehörige Kommunen"
    if kreislevel and kreisangehoerig:
        return None, ""  # contradicting: say nothing rather than guess
    if kreislevel:
        return KREISLEVEL, kreislevel
    if kreisangehoerig:
        return KREISANGEHOERIG, kreisangehoerig
    return None, ""


def check_kreisstatus(city: City, sentences: list[Sentence]) -> Gate:
    """Landkreise and kreisfreie Städte only, or kreisangehörige only, against ``City.kreisfrei``."""
    limit, said = limits(sentences)
    if limit is None:
        return NO_LIMIT
    status = city.kreisfrei
    if status is None:
        return Gate(None, f"{said}; ob {city.name} kreisfrei ist, steht nicht im Profil (bitte prüfen)")
    own = "kreisfrei" if status else f"kreisangehörig ({city.kreis})" if city.kreis else "kreisangehörig"
    return Gate(status if limit == KREISLEVEL else not status, f"{said}; {city.name} ist {own}")
