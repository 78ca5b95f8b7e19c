"""Calls for municipalities below (or above) a population: "Gemeinden mit weniger als 10.000
Einwohnern", "bis zu 25.000 Einwohner", "ab 50.000 Einwohnern", "Einwohnerzahl unter 10 Tsd.".

Read only where who may apply is said (applicant section, cue or denying sentence) and in title and summary,
and only when a municipality is the subject ("Gemeinden", "Kommunen", "Städte" before the number):
"Orte mit bis zu 2.000 Einwohnern" may be a village of a larger town. A sentence with a rate
("Kommunen mit weniger als 10.000 Einwohnern erhalten 85 %") states a higher rate, not a limit.
A denying sentence ("Städte mit mehr als 100.000 Einwohnern sind ausgeschlossen") limits the other
way. Numbers as German portals write them: 10.000, 10 000, 10000, "10 Tsd.".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from foerderradar.german.numbers import amount_value
from foerderradar.matcher.gate import NO_LIMIT, Gate
from foerderradar.matcher.passages import DENIES, Sentence, about_applicants
from foerderradar.profile import City

_NUM = r"\d{1,3}(?:[.\u00a0\u202f ]\d{3})+|\d+(?:[.,]\d+)?"
_SCALE = r"(?:\s*(?:tsd|tausend|mio|millionen|million)\b\.?)?"
_PEOPLE = r"\s*(?:einwohner\w*|ew\b)"
# Comparators, longest first; (upper bound?, strict?).
_COMPARATORS = {
    "nicht mehr als": (True, False), "nicht weniger als": (False, False), "weniger als": (True, True),
    "unterhalb von": (True, True), "kleiner als": (True, True), "unter": (True, True), "<": (True, True),
    "bis zu": (True, False), "bis einschliesslich": (True, False), "bis": (True, False), "hoechstens": (True, False),
    "maximal": (True, False), "max": (True, False), "mehr als": (False, True), "oberhalb von": (False, True),
    "groesser als": (False, True), "ueber": (False, True), ">": (False, True), "ab": (False, False),
    "von mindestens": (False, False), "mindestens": (False, False), "wenigstens": (False, False),
}  # fmt: skip
_CMP = "|".join(re.escape(c) for c in _COMPARATORS)
_BOUND = rf"(?P<cmp>{_CMP})\.?\s*(?P<num>{_NUM})(?P<scale>{_SCALE})"
_LIMITS = (
    # "zwischen 5.000 und 20.000 Einwohnern", "von 5.000 bis 20.000", "5.000 bis 20.000 Einwohner"
    re.compile(rf"(?:zwischen\s+|von\s+)?(?<![\w.,])(?P<lo>{_NUM})(?P<loscale>{_SCALE})\s*(?:und|bis|-|–)\s*"
               rf"(?P<hi>{_NUM})(?P<hiscale>{_SCALE}){_PEOPLE}"),
    re.compile(rf"(?<![\w.,]){_BOUND}{_PEOPLE}"),  # "weniger als 10.000 Einwohnern"
    re.compile(rf"einwohnerzahl\w*\s+(?:von\s+)?{_BOUND}"),  # "Einwohnerzahl von unter 10.000"
    # "20.000 Einwohner und mehr", "10.000 oder weniger Einwohner"
    re.compile(rf"(?<![\w.,])(?P<num>{_NUM})(?P<scale>{_SCALE}){_PEOPLE}\s+(?:und|oder)\s+(?P<more>mehr|weniger)\b"),
    re.compile(rf"(?<![\w.,])(?P<num>{_NUM})(?P<scale>{_SCALE})\s+(?:und|oder)\s+(?P<more>mehr|weniger){_PEOPLE}"),
)
_MUNICIPALITY = re.compile(
    r"\b(?:kommunen|kommune|gemeinden|gemeinde|staedte|stadt|kleinstaedte|landgemeinden|gemeindeverbaende"
    r"|gebietskoerperschaften|aemter|samtgemeinden|verbandsgemeinden|ortsgemeinden|municipalities|towns)\b"
)
_RATE = re.compile(r"%|\bprozent\b|foerdersatz|foerderquote|\b(?:je|pro) einwohner")


@dataclass(frozen=True)
class Limit:
    low: float | None = None  # at least (more than, if low_strict)
    low_strict: bool = False
    high: float | None = None  # at most (less than, if high_strict)
    high_strict: bool = False
    excludes: bool = False  # a denying sentence: the range is excluded

    def holds(self, people: int) -> bool:
        inside = (self.low is None or (people > self.low if self.low_strict else people >= self.low)) and (
            self.high is None or (people < self.high if self.high_strict else people <= self.high))
        return inside != self.excludes

    def german(self) -> str:
        if self.low is not None and self.high is not None:
            text = f"{_n(self.low)} bis {_n(self.high)} Einwohnern"
        elif self.high is not None:
            text = f"{'weniger als' if self.high_strict else 'bis zu'} {_n(self.high)} Einwohnern"
        else:
            text = f"{'mehr als' if self.low_strict else 'ab'} {_n(self.low or 0)} Einwohnern"
        return f"außer Kommunen mit {text}" if self.excludes else f"Kommunen mit {text}"


def _n(value: float) -> str:
    return f"{round(value):,}".replace(",", ".")


def _value(raw: str, scale: str) -> float | None:
    return amount_value(raw, scale.strip().rstrip(".") or None)


def limits_in(sentence: str) -> list[Limit]:
    """The population limits one folded sentence sets for municipalities."""
    if ("einwohner" not in sentence and " ew" not in sentence) or _RATE.search(sentence):
        return []
    found: list[Limit] = []
    taken: list[tuple[int, int]] = []
    for pattern in _LIMITS:
        for m in pattern.finditer(sentence):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            if not _MUNICIPALITY.search(sentence[max(0, m.start() - 120) : m.start()]):
                continue
            taken.append(m.span())
            excludes = _excluded(sentence, m.start(), m.end())
            limit = None if excludes is None else _limit(m, excludes)
            if limit is not None:
                found.append(limit)
    return found


def _excluded(sentence: str, start: int, end: int) -> bool | None:
    """Whether a denial in the sentence is about the limit's municipalities: right after them
    ("Städte mit mehr als 100.000 Einwohnern sind ausgeschlossen") or right before ("Nicht
    antragsberechtigt sind Städte mit …"). None: a denial about something else, so unclear."""
    denials = list(DENIES.finditer(sentence))
    if not denials:
        return False
    for denial in denials:
        between = sentence[end : denial.start()] if denial.start() >= end else sentence[denial.end() : start]
        nouns = len(_MUNICIPALITY.findall(between))
        after = denial.start() >= end and nouns == 0 and "," not in between
        if after or (denial.end() <= start and nouns <= 1 and len(between) <= 60):
            return True
    return None


def _limit(m: re.Match[str], excludes: bool) -> Limit | None:
    groups = m.groupdict()
    if groups.get("lo"):
        low, high = _value(m["lo"], m["loscale"]), _value(m["hi"], m["hiscale"])
        return Limit(low=low, high=high, excludes=excludes) if low and high and low < high else None
    value = _value(m["num"], m["scale"])
    if not value:
        return None
    if groups.get("more"):
        upper, strict = m["more"] == "weniger", False
    else:
        upper, strict = _COMPARATORS[m["cmp"]]
    if upper:
        return Limit(high=value, high_strict=strict, excludes=excludes)
    return Limit(low=value, low_strict=strict, excludes=excludes)


def check_population(city: City, sentences: list[Sentence], head: list[Sentence]) -> Gate:
    """Population limits for who may apply (in ``sentences`` about applicants or denying, or in
    ``head``: title and summary), against ``city.einwohner``: out only if the city is outside every limit the text
    allows, or inside one it excludes."""
    read = [s for s in sentences if "einwohner" in s.folded or " ew" in s.folded]
    read = [s for s in read if s in head or about_applicants(s) or DENIES.search(s.folded)]
    limits = [lim for s in read for lim in limits_in(s.folded)]
    if not limits:
        return NO_LIMIT
    said = " oder ".join(dict.fromkeys(lim.german() for lim in limits))
    people = city.einwohner
    if people is None:
        return Gate(None, f"Nur für {said}; Einwohnerzahl von {city.name} steht nicht im Profil (bitte prüfen)")
    allowing = [lim for lim in limits if not lim.excludes]
    fits = all(lim.holds(people) for lim in limits if lim.excludes) and (
        not allowing or any(lim.holds(people) for lim in allowing))
    if fits:
        return Gate(True, f"Einwohnergrenze: {said}; {city.name} hat {_n(people)}")
    return Gate(False, f"Nur für {said}; {city.name} hat {_n(people)} Einwohner")
