"""Can the city apply at all? Gates with a German reason each; relevance comes only after them.

A call the city cannot apply for is worse than no call: a digest full of company-only programmes
or other Länder's calls gets ignored. So every gate errs on the side of "out" only when the data
says so, and says "unklar" (kept, flagged) when the data is silent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from foerderradar.matcher.text import fold
from foerderradar.model import FundingCall
from foerderradar.settings import City, Measure

LAND_NAMES = {
    "DE-BW": "Baden-Württemberg", "DE-BY": "Bayern", "DE-BE": "Berlin", "DE-BB": "Brandenburg",
    "DE-HB": "Bremen", "DE-HH": "Hamburg", "DE-HE": "Hessen", "DE-MV": "Mecklenburg-Vorpommern",
    "DE-NI": "Niedersachsen", "DE-NW": "NRW", "DE-RP": "Rheinland-Pfalz", "DE-SL": "Saarland",
    "DE-SN": "Sachsen", "DE-ST": "Sachsen-Anhalt", "DE-SH": "Schleswig-Holstein", "DE-TH": "Thüringen",
    "DE": "bundesweit", "EU": "EU",
}
APPLICANT_LABELS = {
    "kommune": "Kommune", "landkreis": "Landkreis", "zweckverband": "Zweckverband", "schultraeger": "Schulträger",
    "oeffentliche_einrichtung": "öffentliche Einrichtung", "unternehmen": "Unternehmen", "kmu": "KMU",
    "verein": "Verein/Verband", "hochschule": "Hochschule", "forschung": "Forschungseinrichtung",
    "privatperson": "Privatperson",
}
# Who counts as "us" beyond the city's own applicant types: public bodies a municipality is one of.
_PUBLIC = {"kommune", "landkreis", "zweckverband", "schultraeger", "oeffentliche_einrichtung"}

_EXCLUDES_MUNICIPALITIES = re.compile(
    r"(kommunen|gemeinden|gebietskoerperschaften|oeffentliche hand)[^.]{0,40}(sind|ist) (nicht|keine) "
    r"(antragsberechtigt|zuwendungsempfaenger|foerderfaehig)"
    r"|(ausschliesslich|nur)[^.]{0,30}(unternehmen|kmu|infrastrukturunternehmen|betriebe|startups|start-ups|"
    r"selbststaendige|privatpersonen|hochschulen|forschungseinrichtungen|vereine)"
    r"|antragsberechtigt sind[^.]{0,20}(kleine und mittlere )?(unternehmen|kmu|betriebe|hochschulen|"
    r"forschungseinrichtungen)(?![^.]{0,60}(kommun|gemeind|staedt|kreis))"
    r"|only (companies|smes|enterprises|businesses)|(companies|smes) only|municipalities are not eligible",
)
_INCLUDES_MUNICIPALITIES = re.compile(
    r"kommun|gemeinde|staedte|landkreis|kreise\b|schultraeger|gebietskoerperschaft|zweckverb|"
    r"public authorit|local authorit|regional authorit|municipalit|public bod|cities|local government"
)
_CLOSED_TEXT = re.compile(r"mittel (sind )?ausgeschoepft|antragsstellung nicht mehr moeglich|"
                          r"antragstellung (ist )?nicht mehr moeglich|keine antraege mehr")
_AREA_LIMIT = re.compile(
    r"(leader|lokale aktionsgruppe|lag\b|ile-region|foerderkulisse|mitgliedskommunen|teilnehmenden kommunen|"
    r"beteiligten kommunen|kommunen der region)"
)


@dataclass
class Verdict:
    eligible: bool
    reasons: list[str] = field(default_factory=list)


def _call_text(call: FundingCall) -> str:
    return fold(" ".join(filter(None, [call.title, call.summary, call.description])))


def check_applicants(call: FundingCall, city: City, text: str) -> tuple[bool | None, str]:
    ours = set(city.applicant_types)
    if call.applicants is not None:
        allowed = set(call.applicants)
        hits = sorted(ours & allowed)
        if not hits and "oeffentliche_einrichtung" in allowed and ours & _PUBLIC:
            hits = ["oeffentliche_einrichtung"]  # a municipality's own institutions count as public bodies
        if hits:
            return True, "Antragsberechtigt: " + ", ".join(APPLICANT_LABELS[a] for a in hits)
        who = ", ".join(APPLICANT_LABELS[a] for a in call.applicants) or "keine Angabe"
        return False, f"Nicht antragsberechtigt (nur {who})"
    if _EXCLUDES_MUNICIPALITIES.search(text):
        return False, "Nicht antragsberechtigt (laut Text nur andere Antragsteller)"
    if _INCLUDES_MUNICIPALITIES.search(text):
        return True, "Antragsberechtigt laut Text: Kommunen/öffentliche Stellen"
    return None, "Antragsberechtigung unklar (bitte prüfen)"


def check_region(call: FundingCall, city: City) -> tuple[bool | None, str]:
    if not call.regions:
        return None, "Fördergebiet nicht angegeben"
    accepted = {city.region, "DE", "EU"}
    hits = [r for r in call.regions if r in accepted]
    if hits:
        return True, "Region: " + ", ".join(LAND_NAMES.get(r, r) for r in hits)
    return False, "Anderes Fördergebiet: " + ", ".join(LAND_NAMES.get(r, r) for r in call.regions)


def check_area(call: FundingCall, city: City, text: str) -> tuple[bool | None, str]:
    """Calls limited to a named area (a LEADER region listing members) need the city inside it."""
    if not _AREA_LIMIT.search(text):
        return None, ""
    names = [city.name, *city.areas]
    if any(fold(name) in text for name in names):
        return True, "Gebietskulisse umfasst die Stadt"
    return False, "Nur für eine bestimmte Region/Gebietskulisse, die Stadt ist nicht genannt"


def check_deadline(call: FundingCall, as_of: date, text: str) -> tuple[bool, str]:
    status = call.effective_status(as_of)
    if status == "closed" or (call.status is None and call.deadline is None and _CLOSED_TEXT.search(text)):
        when = f" am {call.deadline:%d.%m.%Y}" if call.deadline else ""
        return False, f"Geschlossen (Frist endete{when})" if when else "Geschlossen (keine Anträge mehr möglich)"
    if status == "upcoming" and call.open_date:
        return True, f"Öffnet am {call.open_date:%d.%m.%Y}"
    return True, ""


def check(call: FundingCall, city: City, measure: Measure, as_of: date) -> Verdict:
    text = _call_text(call)
    reasons: list[str] = []
    eligible = True
    for ok, reason in (
        check_applicants(call, city, text),
        check_region(call, city),
        check_area(call, city, text),
        check_deadline(call, as_of, text),
    ):
        if reason:
            reasons.append(reason)
        if ok is False:
            eligible = False
    excluded = [term for term in measure.exclude if fold(term) in text]
    if excluded:
        eligible = False
        reasons.append("Ausschlussbegriff der Maßnahme: " + ", ".join(excluded))
    return Verdict(eligible, reasons)
