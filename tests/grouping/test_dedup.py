"""Cross-portal de-duplication, the rule: canonical URLs, the similarity rule with its guards, the
labelled sets (floors), and grouping (blocking loses nothing, conflicts never chain)."""

from __future__ import annotations

import sys
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from foerderradar.grouping.rule import (
    DEFAULT_RULE,
    Deduplicator,
    DedupRecord,
    Rule,
    canonical_url,
    find_groups,
    same_programme,
)

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "bench"))
from dedup_rule import HOLDOUT, SET, gold_pairs, load_set  # noqa: E402

FDB = "https://www.foerderdatenbank.de/FDB/Content/DE"

# -- canonical URLs ------------------------------------------------------------------------------

SAME_PAGE = [
    ("https://www.Example.org/foerderung/", "http://example.org/foerderung"),
    ("https://example.org/a?utm_source=newsletter&utm_campaign=x#top", "https://example.org/a"),
    ("https://example.org/a?fbclid=1&gclid=2&mtm_campaign=3", "https://example.org/a"),
    ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"),  # parameter order
    ("https://example.org/a;jsessionid=ABC.node1?x=1", "https://example.org/a?x=1"),
    ("https://example.org/foerderung/index.html", "https://example.org/foerderung/"),
    ("https://example.org:443/a", "https://example.org/a"),
    ("https://example.org/a//b", "https://example.org/a/b"),
    ("https://example.org/f%C3%B6rderung", "https://example.org/förderung"),
    ("https://example.org/topic?lang=de", "https://example.org/topic?lang=en"),  # same page, other language
    # Förderdatenbank: GSB session and nn parameters
    ("http://foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/Land/NRW/x.html;jsessionid=1A.i2?nn=12",
     f"{FDB}/Foerderprogramm/Land/NRW/x.html"),
    # NRW.BANK: the numeric product id identifies the page, the slug may change
    ("https://www.nrwbank.de/de/foerderung/foerderprodukte/15420/digitale-modellregionen.html",
     "https://www.nrwbank.de/de/foerderung/foerderprodukte/15420/modellregionen-neu.html"),
    # EU topic pages, whatever the case of the identifier and the query
    ("https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/"
     "cef-dig-2025-wifi4eu-4?isExactMatch=true",
     "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/"
     "CEF-DIG-2025-WIFI4EU-4"),
]

OTHER_PAGE = [
    ("https://example.org/a?id=1", "https://example.org/a?id=2"),  # a content parameter stays
    ("https://example.org/a", "https://example.net/a"),
    ("https://example.org/Foerderung", "https://example.org/foerderung"),  # paths are case-sensitive
    ("https://example.org:8080/a", "https://example.org/a"),
    (f"{FDB}/Foerderprogramm/Bund/BMVI/breitband.html", f"{FDB}/Foerderprogramm/Bund/BMVI/breitband-2.html"),
    # One slug under several Länder: three programmes (../shared/design/portals.md, the XML export)
    (f"{FDB}/Foerderprogramm/Land/Hessen/digital-invest.html",
     f"{FDB}/Foerderprogramm/Land/Bayern/digital-invest.html"),
    # An archive page names only the (ambiguous) slug: its own address (tied by same_address, below)
    (f"{FDB}/Foerderprogramm/Bund/BMVI/breitband.html", f"{FDB}/Archiv/breitband.html"),
    ("https://www.nrwbank.de/de/foerderung/foerderprodukte/15420/x.html",
     "https://www.nrwbank.de/de/foerderung/foerderprodukte/15421/x.html"),
]


@pytest.mark.parametrize(("a", "b"), SAME_PAGE)
def test_canonical_url_same_page(a: str, b: str) -> None:
    assert canonical_url(a) == canonical_url(b)


@pytest.mark.parametrize(("a", "b"), OTHER_PAGE)
def test_canonical_url_other_page(a: str, b: str) -> None:
    assert canonical_url(a) != canonical_url(b)


# -- the rule, pair by pair -----------------------------------------------------------------------


def rec(source: str, title: str, text: str = "", n: int = 0, **fields: Any) -> DedupRecord:
    url = fields.pop("url", f"https://{source}.example/{abs(hash((title, n)))}")
    return DedupRecord(id=f"{source}:{n}", source=source, url=url, title=title, text=text,
                       level=fields.get("level"), regions=tuple(fields.get("regions", ())),
                       funding_type=tuple(fields.get("funding_type", ())))


SAME = [
    # (a, b, why)
    (rec("fdb", "Digitale Modellregionen in Nordrhein-Westfalen"), rec("nrwbank", "Digitale Modellregionen"),
     "the Land in the aggregator's title is not a word of the name"),
    (rec("lotse", "Förderung von digitalen Modellregionen"), rec("nrwbank", "Digitale Modellregionen"),
     "inflection and the funding vocabulary"),
    (rec("arnsberg", "Gigabitkoordination"),
     rec("detmold", "Förderung von Gigabitkoordinatorinnen und Gigabitkoordinatoren"),
     "compounds, gender forms and -ation/-ator"),
    (rec("muenster", "Breitband Kofinanzierung Bund"), rec("detmold", "Kofinanzierung der Gigabitförderung des Bundes",
                                                          "nach der Gigabit-Richtlinie 2.0"),
     "Breitband and Gigabit name one programme"),
    (rec("fdb", "Pakt für Informatik 2.0", "Das Land fördert auf Grundlage der EFRE/JTF-Rahmenrichtlinie …"),
     rec("efre", "EFRE/JTF NRW – Aufruf Pakt für Informatik 2.0", "Projektaufruf"),
     "the edition in both titles, the extra words named in the other text"),
    (rec("lotse", "Pakt für Informatik", "Der Pakt für Informatik 2.0 fördert außerschulische Kurse."),
     rec("fdb", "Pakt für Informatik 2.0"), "the edition missing from one title but named in its text"),
    (rec("fdb", "NRW.BANK.Kommunal Invest", funding_type=["darlehen"]),
     rec("nrwbank", "NRW.BANK.Kommunal Invest", funding_type=["darlehen"]), "identical titles"),
    (rec("pt", "Lückenschluss-Pilotprogramm – dritter Förderaufruf"),
     rec("gigabitnrw", "Dritter Aufruf im Lückenschluss-Pilotprogramm gestartet"), "the same round, ordinal words"),
    (rec("fdb", "Bundesförderprogramm Breitbandausbau", url=f"{FDB}/Foerderprogramm/Bund/BMVI/bfb.html"),
     rec("dump", "Förderung zur Unterstützung des Breitbandausbaus", url=f"{FDB}/Archiv/bfb.html"),
     "same canonical URL on two portals: the titles do not matter"),
    (rec("fdb", "Bundesförderprogramm Breitbandausbau", n=1, url=f"{FDB}/Foerderprogramm/Bund/BMVI/bfb.html"),
     rec("fdb", "Bundesförderprogramm Breitbandausbau", n=2, url=f"{FDB}/Archiv/bfb.html"),
     "one portal, content and archive address of one programme"),
]

DIFFERENT = [
    (rec("nrwbank", "Gigabit-RL 2.0 Ergänzungsdarlehen", funding_type=["darlehen"]),
     rec("fdb", "Gigabit-RL 2.0 Kofinanzierung", funding_type=["zuschuss"]), "loan vs grant (structured)"),
    (rec("nrwbank", "Gigabit-RL 2.0 Ergänzungsdarlehen"), rec("muenster", "Gigabit-RL 2.0 Kofinanzierung"),
     "loan vs co-financing (titles)"),
    (rec("nrwbank", "Breitband-Zuschuss NRW"), rec("fdb", "Breitband-Darlehen NRW"), "loan vs grant named in titles"),
    (rec("koeln", "DigitalPakt Schule"), rec("fdb", "DigitalPakt Schule 2.0"), "the successor programme"),
    (rec("detmold", "Digitale Dörfer – Projektaufruf 2024"), rec("fdb", "Digitale Dörfer – Aufruf 2025"),
     "yearly rounds"),
    (rec("detmold", "Digitale Dörfer – Projektaufruf 2024", "Aufruf 2024"), rec("fdb", "Digitale Dörfer"),
     "a round vs the programme page that does not name it"),
    (rec("pt", "Lückenschluss – zweiter Förderaufruf"), rec("gigabitnrw", "Lückenschluss – dritter Förderaufruf"),
     "ordinal rounds"),
    (rec("sc", "Aufruf zur 4. Staffel der Modellprojekte Smart Cities"), rec("fdb", "Modellprojekte Smart Cities"),
     "a numbered round vs the programme"),
    (rec("fdb", "Modul 1: Beratung"), rec("lotse", "Modul 2: Beratung"), "different numbers"),
    (rec("fdb", "Mobilfunkförderung", level="bund"), rec("detmold", "Mobilfunkförderung", level="land"),
     "Bund vs Land"),
    (rec("fdb", "Coworking im ländlichen Raum", regions=["DE-BY"]),
     rec("detmold", "Coworking im ländlichen Raum", regions=["DE-NW"]), "different Länder (structured)"),
    (rec("fdb", "Coworking im ländlichen Raum Bayern"), rec("detmold", "Coworking im ländlichen Raum NRW"),
     "different Länder named in the titles"),
    (rec("fdb", "Digitale Modellregionen", n=1), rec("fdb", "Digitale Modellregionen NRW", n=2),
     "one portal never lists a programme twice"),
    (rec("bra", "Gigabitkoordination", n=1, url="https://www.bra.nrw.de/3915338#gigabitkoordination"),
     rec("bra", "Breitband Kofinanzierung", n=2, url="https://www.bra.nrw.de/3915338#kofinanzierung"),
     "one page of one portal describing two programmes"),
    (rec("fdb", "Mittelstand Innovativ & Digital – MID-Digitalisierung"), rec("lotse", "MID-Innovation",
     "Modul des Programms Mittelstand Innovativ & Digital"), "sibling modules"),
    (rec("fdb", "Digitale Modellregionen Gesundheit"), rec("nrwbank", "Digitale Modellregionen"),
     "a qualifier the other never mentions"),
    (rec("fdb", "Pakt für Informatik 2.0"), rec("efre", "EFRE/JTF NRW – Aufruf Pakt für Informatik 2.0"),
     "extra title words nobody explains: not enough evidence"),
    (rec("fdb", "Digitalisierung"), rec("lotse", "Digitale Dörfer"), "one shared word is not a name"),
]


# The Förderdatenbank through its two routes (XML export and HTML pages) and its archive. One slug can
# run under several Länder as separate programmes (../shared/design/portals.md, the XML export).
FDB_ROUTES = [
    # (a, b, same?, why)
    (rec("foerderdatenbank", "Digitalisierung kommunaler Schulen", level="land", regions=["DE-NW"],
         url=f"{FDB}/Foerderprogramm/Land/Nordrhein-Westfalen/digitale-schule.html"),
     rec("fdb-html", "Förderung der Digitalisierung an Schulen in NRW", level="land", regions=["DE-NW"],
         url=f"{FDB}/Foerderprogramm/Land/Nordrhein-Westfalen/digitale-schule.html"),
     True, "export and HTML route name the same site page"),
    (rec("foerderdatenbank", "Digital-Invest", level="land", regions=["DE-HE"],
         url=f"{FDB}/Foerderprogramm/Land/Hessen/digital-invest.html"),
     rec("fdb-html", "Digital-Invest", level="land", regions=["DE-BY"],
         url=f"{FDB}/Foerderprogramm/Land/Bayern/digital-invest.html"),
     False, "one slug, two Länder: two programmes"),
    (rec("foerderdatenbank", "Digital-Invest", n=1, level="land", regions=["DE-HE"],
         url=f"{FDB}/Foerderprogramm/Land/Hessen/digital-invest.html"),
     rec("foerderdatenbank", "Digital-Invest", n=2, regions=["DE-HE"], url=f"{FDB}/Archiv/digital-invest.html"),
     True, "the archive page of the Hessian programme"),
    (rec("foerderdatenbank", "Digital-Invest", n=1, level="land", regions=["DE-BY"],
         url=f"{FDB}/Foerderprogramm/Land/Bayern/digital-invest.html"),
     rec("foerderdatenbank", "Digital-Invest", n=2, regions=["DE-HE"], url=f"{FDB}/Archiv/digital-invest.html"),
     False, "an archive page of another Land's programme with that slug"),
]


@pytest.mark.parametrize(("a", "b", "same", "why"), FDB_ROUTES, ids=[w for *_, w in FDB_ROUTES])
def test_foerderdatenbank_routes_and_archive(a: DedupRecord, b: DedupRecord, same: bool, why: str) -> None:
    assert same_programme(a, b).same is same
    assert same_programme(b, a).same is same


def test_one_slug_in_three_laender_stays_three_programmes_beside_its_archive_page() -> None:
    """Three Länder run one slug; the archive page of one of them may join that one only."""
    laender = {"Hessen": "DE-HE", "Bayern": "DE-BY", "Sachsen": "DE-SN"}
    records = [
        rec("foerderdatenbank", "Digital-Invest", n=i, level="land", regions=[code],
            url=f"{FDB}/Foerderprogramm/Land/{land}/digital-invest.html")
        for i, (land, code) in enumerate(laender.items())
    ]
    archive = f"{FDB}/Archiv/digital-invest.html"
    records.append(rec("foerderdatenbank", "Digital-Invest", n=9, regions=["DE-BY"], url=archive))
    assert find_groups(records).groups == [("foerderdatenbank:1", "foerderdatenbank:9")]


@pytest.mark.parametrize(("a", "b", "why"), SAME, ids=[w for _, _, w in SAME])
def test_same_programme(a: DedupRecord, b: DedupRecord, why: str) -> None:
    verdict = same_programme(a, b)
    assert verdict.same, verdict.reason
    assert same_programme(b, a).same  # symmetric


@pytest.mark.parametrize(("a", "b", "why"), DIFFERENT, ids=[w for _, _, w in DIFFERENT])
def test_different_programmes(a: DedupRecord, b: DedupRecord, why: str) -> None:
    verdict = same_programme(a, b)
    assert not verdict.same, verdict.reason
    assert not same_programme(b, a).same


def test_canonical_url_only_rule_ignores_titles() -> None:
    a, b = rec("fdb", "Digitale Modellregionen"), rec("nrwbank", "Digitale Modellregionen")
    assert not same_programme(a, b, Rule(use_titles=False)).same
    assert same_programme(a, b).same


# -- the labelled sets: floors, so a change that costs precision fails here -----------------------


@pytest.mark.parametrize(("path", "min_recall"), [(SET, 0.9), (HOLDOUT, 0.5)], ids=["dev", "holdout"])
def test_labelled_set_no_wrong_merge(path: Path, min_recall: float) -> None:
    """The figures in docs/benchmarks.md come from bench/dedup_rule.py; these are floors, not targets."""
    items = load_set(path)
    gold = gold_pairs(items)
    merged = {p for g in find_groups(i.record for i in items).groups for p in combinations(g, 2)}
    assert merged - gold == set()  # precision first: a wrong merge hides a programme
    assert len(merged & gold) / len(gold) >= min_recall


def test_blocking_loses_no_pair_of_the_labelled_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """Prefix filtering is exact for the threshold: comparing all pairs gives the same groups."""
    records = [i.record for i in load_set(SET) + load_set(HOLDOUT)]
    blocked = Deduplicator(records).group()

    def all_pairs(self: Deduplicator) -> Any:
        return combinations(range(len(self.records)), 2)

    monkeypatch.setattr(Deduplicator, "candidate_pairs", all_pairs)
    exhaustive = Deduplicator(records).group()
    assert blocked.groups == exhaustive.groups
    assert blocked.compared < exhaustive.compared / 5


# -- grouping -------------------------------------------------------------------------------------


def test_a_chain_of_similar_titles_cannot_join_two_rounds() -> None:
    """2024 ~ (programme page naming both years) ~ 2025, but 2024 and 2025 conflict: one merge only."""
    r2024 = rec("detmold", "Digitale Dörfer – Aufruf 2024", "Frist 30.09.2024")
    general = rec("gigabitnrw", "Digitale Dörfer – Aufruf", "Aufrufe 2024 und 2025")
    r2025 = rec("fdb", "Digitale Dörfer – Aufruf 2025", "Frist 30.09.2025")
    assert same_programme(r2024, general).same and same_programme(general, r2025).same
    assert not same_programme(r2024, r2025).same
    groups = find_groups([r2024, general, r2025]).groups
    assert len(groups) == 1 and len(groups[0]) == 2


def test_one_group_never_holds_two_pages_of_one_portal() -> None:
    """Two FDB entries both similar to one NRW.BANK page: the bank page joins one of them."""
    bank = rec("nrwbank", "Digitale Modellregionen")
    fdb1 = rec("fdb", "Digitale Modellregionen NRW", n=1)
    fdb2 = rec("fdb", "Digitale Modellregionen in Nordrhein-Westfalen", n=2)
    [group] = find_groups([bank, fdb1, fdb2]).groups
    assert len(group) == 2 and bank.id in group


def test_grouping_is_deterministic_whatever_the_input_order() -> None:
    records = [i.record for i in load_set(SET)]
    assert find_groups(records).groups == find_groups(list(reversed(records))).groups


def test_default_rule_is_the_documented_one() -> None:
    """docs/benchmarks.md names these thresholds; change both together."""
    assert (DEFAULT_RULE.high, DEFAULT_RULE.low, DEFAULT_RULE.cover) == (1.0, 0.3, 0.75)
