"""What a call keeps of its score: its subject only, its field of work, its kind of funding.

Tables of input → expected for each rule (matcher/subject.py, sectors.py, kinds.py), then each rule
through the whole matcher: the reason says it, and the array path agrees with the exact one.
"""

from __future__ import annotations

from datetime import date

import pytest

from foerderradar.matcher import match_calls
from foerderradar.matcher.kinds import NOT_GRANT_SHARE, not_a_grant
from foerderradar.matcher.relevance import SLACK, Index, score
from foerderradar.matcher.sectors import OTHER_SECTOR_SHARE, other_sector, sectors
from foerderradar.matcher.subject import subject_text
from foerderradar.model import FundingCall
from foerderradar.profile import City, Measure, MeasuresFile

AS_OF = date(2026, 12, 1)
CITY = City(name="Musterstadt", region="DE-NW", applicant_types=["kommune", "schultraeger"])


@pytest.mark.parametrize(("description", "kept", "dropped"), [
    # procedure, money and contact blocks (by their heading) say nothing about what is funded
    ("Ziel und Gegenstand\nGefördert werden Ladepunkte.\n\nAntragsverfahren\nAnträge über das Portal des Landes.",
     ["Ladepunkte"], ["Portal"]),
    ("Was wird gefördert?\nSensoren.\n\nArt und Höhe der Förderung\nZuschuss bis 80 % für Beteiligte.",
     ["Sensoren"], ["Beteiligte"]),
    ("Gegenstand\nE-Akte.\n\nKonditionen\nLaufzeit 20 Jahre.\n\nKontakt\nreferat@example.org",
     ["E-Akte"], ["Laufzeit", "referat"]),
    # who may apply stays: the gates read it anyway, and it is no procedure
    ("Gegenstand\nE-Akte.\n\nAntragsberechtigte\nStädte und Gemeinden.", ["E-Akte", "Gemeinden"], []),
    # a sentence that excludes something is not what the call funds
    ("Gefördert wird LED-Beleuchtung. Datenplattformen ohne Bezug zur Beleuchtung sind nicht förderfähig.",
     ["LED-Beleuchtung"], ["Datenplattformen"]),
    ("Gefördert werden Server. Personalkosten werden nicht gefördert. Software ist ausgeschlossen.",
     ["Server"], ["Personalkosten", "Software"]),
    ("Data platforms are funded. Staff costs are not eligible.", ["Data platforms"], ["Staff"]),
    # "nicht nur" and "nicht ausgeschlossen" exclude nothing
    ("Gefördert werden nicht nur Sensoren, sondern auch Funknetze.", ["Sensoren", "Funknetze"], []),
    ("Eine Kombination mit Landesmitteln ist nicht ausgeschlossen.", ["Landesmitteln"], []),
    # a long first line is text, not a heading
    ("Antrag und Bewilligung der Mittel für digitale Klassenzimmer in allen Schulen des Landes und der Kreise\n"
     "Tablets.", ["Klassenzimmer", "Tablets"], []),
    # as crawled portal pages come (crawler.selectors.text_of): one line per heading and paragraph
    ("Ziel und Gegenstand\nGefördert werden Sensoren.\nAntragsverfahren\nÜber das Portal des Landes.\n"
     "Wer wird gefördert?\nGemeinden.", ["Sensoren", "Gemeinden"], ["Portal"]),
    ("Was wird gefördert?\nE-Akte.\nWas wird nicht gefördert?\nPersonalkosten.\nNicht förderfähige Ausgaben:\n"
     "Software.\nHinweise\nTablets.", ["E-Akte", "Tablets"], ["Personalkosten", "Software"]),
    ("Gegenstand\nE-Akte.\nKONTAKT\nreferat@example.org\nAnsprechpartnerin\nFrau Muster, Referat Digitales.",
     ["E-Akte"], ["referat", "Muster"]),
    # the section ends at the next heading line, even one of a few capitalised words
    ("Art und Höhe der Förderung\nZuschuss bis 80 %.\nErgänzende Leistungen\nSensoren.", ["Sensoren"], ["Zuschuss"]),
    ("Förderhöhe\nZuschuss bis 80 % für Beteiligte.\nGegenstand\nSensoren.", ["Sensoren"], ["Beteiligte"]),
    ("ART UND HÖHE DER FÖRDERUNG\nZuschuss für Beteiligte.\nGEGENSTAND\nSensoren.", ["Sensoren"], ["Beteiligte"]),
    # a line that merely begins like a heading is text
    ("Antragsberechtigt sind Gemeinden mit Sensornetzen.\nFörderprogramme - Digitales", ["Sensornetzen",
     "Digitales"], []),
])
def test_the_subject_of_a_description(description: str, kept: list[str], dropped: list[str]) -> None:
    subject = subject_text(description) or ""
    assert all(word in subject for word in kept), subject
    assert not any(word in subject for word in dropped), subject


def test_no_description_stays_none() -> None:
    assert subject_text(None) is None and subject_text("") == ""


@pytest.mark.parametrize(("title", "labels"), [
    ("Medienkompetenz macht Schule – Fortbildungsbudgets für Schulen", ["Schulen"]),
    ("Schul-IT verlässlich betreiben", ["Schulen"]),
    ("Landesprogramm Endgeräte für Schülerinnen und Schüler", ["Schulen"]),
    ("Erasmus+ small-scale partnerships in school education", ["Schulen"]),
    ("Digitale Lehre an Hochschulen", ["Hochschulen"]),
    ("Kurse der Kreisvolkshochschule", ["Volkshochschulen"]),
    ("Sonderprogramm „Bibliothek digital“", ["Bibliotheken"]),
    ("Digitale Alarmierung der Freiwilligen Feuerwehr", ["Feuerwehr"]),
    ("Digitale Ausstattung von Jugendfreizeiteinrichtungen", ["Jugendeinrichtungen"]),
    ("Schulbibliotheken digital", ["Schulen", "Bibliotheken"]),
    # words that only look like a field
    ("Schulungen für Beschäftigte der Verwaltung", []), ("Entschuldung finanzschwacher Kommunen", []),
    ("Gigabitförderung des Bundes", []), ("Digitalstrategie für kleine Kommunen", []),
])
def test_the_fields_a_title_names(title: str, labels: list[str]) -> None:
    named = sectors()
    assert named.labels(named.of(title)) == labels
    # the index reads them from the title's words, each distinct one once: the same answer
    found = Index([call("t", title, "Zuschüsse.")], [LIBRARY]).kinds.sectors.tolist()
    assert named.labels(found[0]) == labels


def test_english_thesaurus_phrases_name_their_field_in_a_title() -> None:
    titles = ["Digital skills in higher education", "Erasmus+ cooperation partnerships in adult education",
              "Connected youth centres", "Digital learning"]
    found = Index([call(str(n), t, "Grants.") for n, t in enumerate(titles)], [LIBRARY]).kinds.sectors.tolist()
    assert [sectors().labels(mask) for mask in found] == [["Hochschulen"], ["Volkshochschulen"],
                                                          ["Jugendeinrichtungen"], []]


@pytest.mark.parametrize(("call", "measure", "other"), [
    (0b001, 0b000, True),  # the call names a field, the measure none
    (0b001, 0b010, True),  # another field
    (0b011, 0b010, False),  # one of the call's fields is the measure's
    (0b000, 0b010, False),  # a call that names no field is for anyone
    (0b000, 0b000, False),
])
def test_other_sector(call: int, measure: int, other: bool) -> None:
    assert other_sector(call, measure) is other


@pytest.mark.parametrize(("kinds", "said"), [
    (["darlehen"], "Darlehen"), (["beratung"], "Beratung"), (["preis"], "Preis/Wettbewerb"),
    (["darlehen", "buergschaft"], "Darlehen, Bürgschaft"),
    (["zuschuss"], None), (["zuschuss", "darlehen"], None), (["sonstiges"], None), (None, None), ([], None),
])
def test_a_call_that_pays_no_grant(kinds: list[str] | None, said: str | None) -> None:
    call = FundingCall(source="other", source_id="x", url="https://example.org/x", title="X", funding_type=kinds)
    assert not_a_grant(call) == said


def call(source_id: str, title: str, summary: str, kinds: list[str] | None = None,
         description: str | None = None) -> FundingCall:
    return FundingCall(source="other", source_id=source_id, url=f"https://example.org/{source_id}", title=title,
                       summary=summary, description=description, regions=["DE-NW"], applicants=["kommune"],
                       funding_type=kinds, status="open")


LIBRARY = Measure(id="bibliothek", title="Medienkompetenz für Ältere in der Stadtbibliothek",
                  description="Tablet-Kurse für Seniorinnen und Senioren in der Stadtbibliothek.")
SCHOOLS = Measure(id="schulen", title="Medienkompetenz an unseren Schulen",
                  description="Fortbildungen und Tablets für die Schulen der Stadt.")
CALLS = [
    call("alter", "Medienkompetenz im Alter", "Zuschüsse für Tablet-Kurse."),
    call("schule", "Medienkompetenz macht Schule", "Zuschüsse für Tablet-Kurse."),
    call("kredit", "Medienkompetenz im Alter – Förderkredit", "Zuschüsse für Tablet-Kurse.", ["darlehen"]),
    call("zuschuss", "Medienkompetenz im Alter – Zuschuss", "Zuschüsse für Tablet-Kurse.", ["zuschuss"]),
    call("ausschluss", "Förderprogramm Beleuchtung", "LED für Straßen.",
         description="Gegenstand\nLED-Leuchten. Tablet-Kurse sind nicht förderfähig.\n\nAntragsverfahren\n"
                     "Über das Portal für Medienkompetenz."),
]


def test_a_call_for_another_field_keeps_part_of_its_score_and_says_why() -> None:
    listed = {(m.measure_id, m.call_id): m for m in
              match_calls(CALLS, MeasuresFile(city=CITY, measures=[LIBRARY, SCHOOLS]), AS_OF)}
    alter, schule = listed["bibliothek", "other:alter"], listed["bibliothek", "other:schule"]
    assert alter.score > schule.score
    assert ("Für einen anderen Bereich: Schulen – die Maßnahme nennt ihn nicht, Wertung halbiert (bitte prüfen)"
            in schule.reasons)
    # the school measure names schools: the same call keeps its whole score there
    assert not any(r.startswith("Für einen anderen Bereich") for r in listed["schulen", "other:schule"].reasons)
    index = Index(CALLS, [LIBRARY])
    query = index.query(LIBRARY)
    hit = index.hit(1, query)
    assert hit.other_sectors and hit.share == OTHER_SECTOR_SHARE
    assert index.score(hit, query) == score(hit.raw, query.reference, share=OTHER_SECTOR_SHARE) == schule.score
    docs, approx = index.candidates(query, 0)
    assert abs(dict(zip(docs.tolist(), approx.tolist(), strict=True))[1] - schule.score) <= SLACK


def test_a_loan_ranks_after_a_grant_for_the_same_thing() -> None:
    listed = {m.call_id: m for m in match_calls(CALLS, MeasuresFile(city=CITY, measures=[LIBRARY]), AS_OF)}
    loan, grant = listed["other:kredit"], listed["other:zuschuss"]
    assert loan.score < grant.score
    assert "Förderart: Darlehen, kein Zuschuss – Wertung × 0,9" in loan.reasons
    assert not any(r.startswith("Förderart") for r in grant.reasons)
    index = Index(CALLS, [LIBRARY])
    query = index.query(LIBRARY)
    hit = index.hit(2, query)
    assert hit.share == NOT_GRANT_SHARE and index.score(hit, query) == loan.score
    docs, approx = index.candidates(query, 0)
    assert abs(dict(zip(docs.tolist(), approx.tolist(), strict=True))[2] - loan.score) <= SLACK


def test_words_a_call_excludes_or_uses_only_for_its_procedure_do_not_match() -> None:
    """"Tablet-Kurse sind nicht förderfähig" and "über das Portal für Medienkompetenz": no match at all."""
    listed = {m.call_id for m in match_calls(CALLS, MeasuresFile(city=CITY, measures=[LIBRARY]), AS_OF)}
    assert "other:ausschluss" not in listed
    assert {"other:alter", "other:schule", "other:kredit", "other:zuschuss"} <= listed
