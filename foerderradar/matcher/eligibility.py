"""Can the city apply at all? Gates with a German reason each; relevance comes only after them.

A call the city cannot apply for is worse than no call: a digest full of company-only programmes or
other Länder's calls gets ignored. So a gate says "out" only when the data says so, and when the
data is silent the call is kept and the reason says what to check.

Everything here depends on the call and the city only, not on the measure (except the measure's
``exclude`` terms), so it is computed once per call however many measures there are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from foerderradar.matcher.applicants import applicant_passages, check_applicants
from foerderradar.matcher.area import check_area, check_kreis
from foerderradar.matcher.bezirk import check_bezirk
from foerderradar.matcher.deadlines import assess_deadline
from foerderradar.matcher.gate import Gate
from foerderradar.matcher.kreisstatus import check_kreisstatus
from foerderradar.matcher.passages import call_sentences
from foerderradar.matcher.population import check_population
from foerderradar.matcher.text import CallText, normalise_name
from foerderradar.model import FundingCall, Status
from foerderradar.profile import City, Measure

LAND_NAMES = {
    "DE-BW": "Baden-Württemberg", "DE-BY": "Bayern", "DE-BE": "Berlin", "DE-BB": "Brandenburg",
    "DE-HB": "Bremen", "DE-HH": "Hamburg", "DE-HE": "Hessen", "DE-MV": "Mecklenburg-Vorpommern",
    "DE-NI": "Niedersachsen", "DE-NW": "NRW", "DE-RP": "Rheinland-Pfalz", "DE-SL": "Saarland",
    "DE-SN": "Sachsen", "DE-ST": "Sachsen-Anhalt", "DE-SH": "Schleswig-Holstein", "DE-TH": "Thüringen",
    "DE": "bundesweit", "EU": "EU",
}
# How a call's text names a Land (folded): the name and its adjective ("bayerische Kommunen").
_LAND_WORDS = {
    "DE-BW": r"baden-wuerttemberg\w*", "DE-BY": r"bayern|bayerische\w*", "DE-BE": r"berlin|berliner",
    "DE-BB": r"brandenburg|brandenburgische\w*", "DE-HB": r"bremen|bremische\w*", "DE-HH": r"hamburg|hamburger",
    "DE-HE": r"hessen|hessische\w*", "DE-MV": r"mecklenburg-vorpommern\w*",
    "DE-NI": r"niedersachsen|niedersaechsische\w*", "DE-NW": r"nordrhein-westfal\w*|nrw",
    "DE-RP": r"rheinland-pfal\w*", "DE-SL": r"saarland\w*|saarlaendische\w*",
    "DE-SN": r"(?<!nieder)sachsen(?!-anhalt)|saechsische\w*", "DE-ST": r"sachsen-anhalt\w*",
    "DE-SH": r"schleswig-holstein\w*", "DE-TH": r"thueringen|thueringische\w*",
}
_LAND_RE = {code: re.compile(rf"\b(?:{pattern})\b") for code, pattern in _LAND_WORDS.items()}
_EW = re.compile(r"\bew\b")  # "Einwohner" abbreviated
_NATIONWIDE = re.compile(r"bundesweit|in allen (?:bundes)?laendern|ganz deutschland|throughout germany")

@dataclass(frozen=True)
class CallVerdict:
    eligible: bool
    status: Status
    deadline: date | None
    reasons: tuple[str, ...]
    texts: CallText  # the call's folded texts, for the measures' exclude terms


def check_region(call: FundingCall, city: City, texts: CallText | None = None,
                 passages: list[str] | None = None) -> Gate:
    if not call.regions:
        texts = texts or CallText(call)
        return _region_from_text(texts, city, applicant_passages(texts) if passages is None else passages)
    accepted = {city.region, "DE", "EU"}
    hits = [r for r in call.regions if r in accepted]
    if hits:
        return Gate(True, "Region: " + ", ".join(LAND_NAMES.get(r, r) for r in hits))
    return Gate(False, "Anderes Fördergebiet: " + ", ".join(LAND_NAMES.get(r, r) for r in call.regions))


def _region_from_text(texts: CallText, city: City, passages: list[str]) -> Gate:
    """No structured regions: a Land named in the title or the applicant passages decides."""
    text = " ".join([texts.title, *passages])
    if _NATIONWIDE.search(text):
        return Gate(True, "Region laut Text: bundesweit")
    named = [code for code, pattern in _LAND_RE.items() if pattern.search(text)]
    if city.region in named:
        return Gate(True, f"Region laut Text: {LAND_NAMES.get(city.region, city.region)}")
    if named:
        return Gate(False, "Anderes Fördergebiet laut Text: " + ", ".join(LAND_NAMES[c] for c in named))
    return Gate(None, "Fördergebiet nicht angegeben (bitte prüfen)")


def area_gates(call: FundingCall, city: City, texts: CallText) -> list[Gate]:
    """The gates for calls limited below the Land: a named area, named Kreise, Landkreise and
    kreisfreie Städte only (or kreisangehörige only), a population limit, named Regierungsbezirke.
    All but the first read the text sentence by sentence, so each first looks whether the text has
    its words at all."""
    gates = [check_area(call, city, texts)]
    whole = texts.whole
    kreis = "kreis" in whole
    status = "kreisfrei" in whole or "kreisangehoerig" in whole
    people = "einwohner" in whole or bool(_EW.search(whole))
    bezirk = "regierungsbezirk" in whole
    if kreis or status or people or bezirk:
        head = call_sentences(call.title, call.summary or "")
        sentences = head + call_sentences(call.description or "")
        gates += [check_kreis(call, city, sentences)] if kreis else []
        gates += [check_kreisstatus(city, sentences)] if status else []
        gates += [check_population(city, sentences, head)] if people else []
        gates += [check_bezirk(city, sentences)] if bezirk else []
    return gates


def assess_call(call: FundingCall, city: City, as_of: date) -> CallVerdict:
    texts = CallText(call)
    passages = applicant_passages(texts) if call.applicants is None or not call.regions else []
    applicants = check_applicants(call, city.applicant_types, texts, passages)
    gates = [
        Gate(applicants.ok, applicants.reason),
        check_region(call, city, texts, passages),
        *area_gates(call, city, texts),
    ]
    deadline = assess_deadline(call, as_of, texts)
    reasons = list(dict.fromkeys(g.reason for g in gates if g.reason)) + deadline.reasons
    eligible = deadline.open and all(g.ok is not False for g in gates)
    return CallVerdict(eligible, deadline.status, deadline.deadline, tuple(reasons), texts)


def excluded_terms(measure: Measure, verdict: CallVerdict) -> list[str]:
    """The measure's ``exclude`` terms the call uses (as words or word beginnings: "Mobilfunk…")."""
    found = []
    for term in measure.exclude:
        key = normalise_name(term)
        if key and re.search(rf"(?<![a-z0-9]){re.escape(key)}", verdict.texts.names):
            found.append(term)
    return found
