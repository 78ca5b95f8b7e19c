"""The Förderdatenbank spider on every detail template the portal has served, field by field.

Six recorded pages (../shared/captures/foerderdatenbank): 2024 tabbed (detail_1..3), July 2025
(detail_4), early Dec 2025 (detail_5: only a Rechtsgrundlage block), late Dec 2025 (detail_6: ASCII
labels "Foerderart:" and category codes such as "zuschuss" instead of display labels). The late
template used to be read as a valid call without applicants, region, funding type or funding body.
Two hand-written pages (tests/fixtures/foerderdatenbank) state the same facts in both label styles
and must give the same call.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from foerderradar.crawler.kinds.foerderdatenbank.config import FoerderdatenbankPortal
from foerderradar.crawler.kinds.foerderdatenbank.spider import FoerderdatenbankSpider
from foerderradar.model import FundingCall

FDB = "https://www.foerderdatenbank.de/"
PROGRAMMES = FDB + "FDB/Content/DE/Foerderprogramm/"
TODAY = date(2026, 11, 25)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "foerderdatenbank"
PORTAL = {"key": "foerderdatenbank", "kind": "foerderdatenbank"}
NOTES = "foerderradar/notes"


def make_spider() -> FoerderdatenbankSpider:
    return FoerderdatenbankSpider(portal=FoerderdatenbankPortal.model_validate(PORTAL), today=TODAY)


def parse(spider: FoerderdatenbankSpider, body: bytes, url: str = FDB + "x.html") -> dict[str, Any]:
    [item] = list(spider.parse_detail(HtmlResponse(url=url, body=body, encoding="utf-8", request=Request(url))))
    FundingCall.model_validate(item)  # what the pipeline would accept
    return item


def recorded(captures: Path, name: str) -> dict[str, Any]:
    return parse(make_spider(), (captures / "foerderdatenbank" / name).read_bytes())


HESSEN_MINISTRY = "Hessisches Ministerium für Wirtschaft, Energie, Verkehr, Wohnen und ländlichen Raum"

# (file, field, expected) — every canonical field the Förderdatenbank offers, on all six templates.
FIELDS: list[tuple[str, str, Any]] = [
    # 2024, tabbed: Kurzzusammenfassung / Zusatzinfos / Rechtsgrundlage
    ("detail_1.html", "title",
     "Beteiligungen der Mittelständischen Beteiligungsgesellschaft Thüringen mbH (MBG express)"),
    ("detail_1.html", "url", PROGRAMMES + "Land/Thueringen/beteiligungen-thueringen-mbg-express.html"),
    ("detail_1.html", "source_id", "Land/Thueringen/beteiligungen-thueringen-mbg-express"),
    ("detail_1.html", "level", "land"),
    ("detail_1.html", "regions", ["DE-TH"]),
    ("detail_1.html", "applicants", ["unternehmen"]),
    ("detail_1.html", "funding_type", ["beteiligung"]),
    ("detail_1.html", "topics", ["Unternehmensfinanzierung"]),
    ("detail_1.html", "funding_body", None),  # only an Ansprechpunkt card, no Fördergeber
    ("detail_1.html", "deadline", None),
    ("detail_1.html", "status", None),
    # 2024, Rechtsgrundlage only, a yearly cut-off in the text
    ("detail_2.html", "title", "Förderung von Unternehmerinnen in der Vorgründungsphase (EXIST-Women) im Rahmen des "
     "Förderprogramms „Existenzgründungen aus der Wissenschaft“"),
    ("detail_2.html", "url", PROGRAMMES + "Bund/BMWi/exist-women-2024.html"),
    ("detail_2.html", "source_id", "Bund/BMWi/exist-women-2024"),
    ("detail_2.html", "level", "bund"),
    ("detail_2.html", "regions", ["DE"]),
    ("detail_2.html", "applicants", ["forschung", "hochschule"]),
    ("detail_2.html", "funding_type", ["zuschuss"]),
    ("detail_2.html", "topics", ["Beratung", "Existenzgründung & -festigung", "Frauenförderung",
                                 "Forschung & Innovation (themenoffen)"]),
    ("detail_2.html", "funding_body", "Bundesministerium für Wirtschaft und Klimaschutz (BMWK)"),
    ("detail_2.html", "deadline", "2027-09-30"),  # "spätestens bis zum 30.09. jeden Jahres", "bis 2027"
    ("detail_2.html", "status", "open"),
    # 2024, a deadline that has passed
    ("detail_3.html", "title", "Förderung von forschenden Fachärztinnen und Fachärzten in der Universitätsmedizin"),
    ("detail_3.html", "url", PROGRAMMES + "Bund/BMBF/foerderung-forschende-fachaerztinnen-unimedizin.html"),
    ("detail_3.html", "source_id", "Bund/BMBF/foerderung-forschende-fachaerztinnen-unimedizin"),
    ("detail_3.html", "level", "bund"),
    ("detail_3.html", "regions", None),  # no Fördergebiet on the page: unknown
    ("detail_3.html", "applicants", ["forschung", "hochschule"]),
    ("detail_3.html", "funding_type", None),
    ("detail_3.html", "topics", ["Aus- & Weiterbildung", "Forschung & Innovation (themenspezifisch)",
                                 "Gesundheit & Soziales"]),
    ("detail_3.html", "funding_body", "Bundesministerium für Bildung und Forschung (BMBF)"),
    ("detail_3.html", "deadline", "2024-11-28"),
    ("detail_3.html", "deadline_text", "Die Frist zur Einreichung von Projektskizzen endete am 28.11.2024"),
    ("detail_3.html", "status", "closed"),
    # July 2025: pretty-printed, Fördergeber card, no tab headings
    ("detail_4.html", "title", "Förderung Deutsch-Französischer Koproduktionen im Rahmen des Filmförderungsgesetzes "
     "2025 (Minitraité-Förderung)"),
    ("detail_4.html", "url", PROGRAMMES + "Bund/BKM/deutsch-franzoesische-kooperationen-film-ffa.html"),
    ("detail_4.html", "source_id", "Bund/BKM/deutsch-franzoesische-kooperationen-film-ffa"),
    ("detail_4.html", "level", "bund"),
    ("detail_4.html", "regions", ["DE"]),
    ("detail_4.html", "applicants", ["unternehmen"]),
    ("detail_4.html", "funding_type", ["darlehen", "buergschaft"]),
    ("detail_4.html", "topics", ["Kultur, Medien & Sport"]),
    ("detail_4.html", "funding_body", "FFA Filmförderungsanstalt"),
    ("detail_4.html", "deadline", None),
    # early Dec 2025: only a Rechtsgrundlage block (h2 > span), chatbot widget
    ("detail_5.html", "title", "Förderung von Bildung für nachhaltige Entwicklung (BNE) in Thüringen im non-formalen "
     "und informellen Bildungsbereich"),
    ("detail_5.html", "url", PROGRAMMES + "Land/Thueringen/schulbezogene-jahresprogramme-bne.html"),
    ("detail_5.html", "source_id", "Land/Thueringen/schulbezogene-jahresprogramme-bne"),
    ("detail_5.html", "level", "land"),
    ("detail_5.html", "regions", ["DE-TH"]),
    ("detail_5.html", "applicants", ["oeffentliche_einrichtung"]),  # Bildungseinrichtung
    ("detail_5.html", "funding_type", ["zuschuss"]),
    ("detail_5.html", "topics", ["Aus- & Weiterbildung", "Umwelt- & Naturschutz"]),
    ("detail_5.html", "funding_body", "Thüringer Ministerium für Umwelt, Energie, Naturschutz und Forsten (TMUENF)"),
    ("detail_5.html", "deadline", "2027-03-31"),  # "jeweils bis zum 31. März … oder bis zum 30. September"
    ("detail_5.html", "status", "open"),
    # late Dec 2025: ASCII labels, category codes
    ("detail_6.html", "title", "Förderung von Forschung und Entwicklung in Unternehmen"),
    ("detail_6.html", "url", PROGRAMMES + "Land/Hessen/fue-unternehmen-hessen-864943.html"),
    ("detail_6.html", "source_id", "Land/Hessen/fue-unternehmen-hessen-864943"),
    ("detail_6.html", "level", "land"),
    ("detail_6.html", "regions", ["DE-HE"]),
    ("detail_6.html", "applicants", ["unternehmen"]),
    ("detail_6.html", "funding_type", ["zuschuss"]),
    ("detail_6.html", "topics", ["Forschung & Innovation (themenspezifisch)"]),  # the label, as older pages show it
    ("detail_6.html", "funding_body", HESSEN_MINISTRY),
    ("detail_6.html", "deadline", None),
    ("detail_6.html", "status", None),
]


@pytest.mark.parametrize(("name", "field", "expected"), FIELDS, ids=[f"{n[:-5]}-{f}" for n, f, _ in FIELDS])
def test_field_on_every_template(captures: Path, name: str, field: str, expected: Any) -> None:
    assert recorded(captures, name)[field] == expected


# (file, field holding the text, phrase it must contain)
TEXTS = [
    ("detail_1.html", "summary", "um die Wettbewerbsfähigkeit Ihres Unternehmens zu verbessern"),
    ("detail_1.html", "description", "Sie erhalten die Förderung als stille Beteiligung bis zu EUR 140.000."),
    ("detail_2.html", "description", "spätestens bis zum 30.09. jeden Jahres stellen."),
    ("detail_3.html", "description", "Die Frist zur Einreichung von Projektskizzen endete am 28.11.2024"),
    ("detail_4.html", "description", "Gesetz über Maßnahmen zur Förderung des deutschen Films"),
    ("detail_5.html", "description", "jeweils bis zum 31. März (für einen Projektbeginn im laufenden Kalenderjahr)"),
    ("detail_6.html", "description", "Richtlinie des Landes Hessen zur Innovationsförderung"),
]


@pytest.mark.parametrize(("name", "field", "phrase"), TEXTS)
def test_text_on_every_template(captures: Path, name: str, field: str, phrase: str) -> None:
    item = recorded(captures, name)
    assert item["summary"] or item["description"]
    assert phrase in item[field]


# (file, line of the description): the directive's address, which the page shows only as a link
LEGAL_LINKS = [
    ("detail_2.html", "Weblink zur Förderrichtlinie: https://www.exist.de/EXIST/Redaktion/DE/Downloads/"),
    ("detail_4.html", "Weblink zum Gesetz: https://www.recht.bund.de/eli/bund/bgbl-1/2024/451"),
    ("detail_5.html", "Weblink zur Förderrichtlinie: https://landesrecht.thueringen.de/bsth/document/VVTH-VVTH000011678"),
    ("detail_6.html", "Weblink zur Förderrichtlinie: https://www.wibank.de/resource/blob/wibank/656992/"),
]


@pytest.mark.parametrize(("name", "line"), LEGAL_LINKS)
def test_rechtsgrundlage_keeps_the_directive_link(captures: Path, name: str, line: str) -> None:
    lines = recorded(captures, name)["description"].splitlines()
    assert "Rechtsgrundlage" in lines
    assert any(candidate.startswith(line) for candidate in lines), lines


def test_late_template_and_older_template_with_the_same_facts_give_the_same_call() -> None:
    """"Förderart: Zuschuss" and "Foerderart: zuschuss" are the same fact: the store must not see
    a change (or a different call) because the portal switched templates."""
    older = parse(make_spider(), (FIXTURES / "detail_labels_2025.html").read_bytes())
    late = parse(make_spider(), (FIXTURES / "detail_codes_late2025.html").read_bytes())
    assert late == older
    assert (late["regions"], late["applicants"], late["funding_type"]) == (
        ["DE-NW"], ["kommune", "oeffentliche_einrichtung"], ["zuschuss", "darlehen"]
    )
    assert late["topics"] == ["Digitalisierung", "Kultur, Medien & Sport", "Smart Cities & Regionen"]
    assert late["funding_body"] == "Ministerium für Beispielwesen des Landes Nordrhein-Westfalen"
    assert late["deadline"] == "2027-03-15" and late["status"] == "open"


# Codes the vocabulary does not know, written into the late-template fixture: (field, code, line replaced).
UNKNOWN = [
    ("Förderbereich", "quantenverwaltung", "digitalisierung, kultur_medien_sport"),
    ("Fördergebiet", "kreis_musterhausen", "nordrhein_westfalen"),
    ("Förderberechtigte", "kirchengemeinde", "oeffentliche_einrichtung"),
    ("Förderart", "zinsverbilligung", "darlehen"),
]


@pytest.mark.parametrize(("field", "code", "replaced"), UNKNOWN)
def test_unknown_code_is_one_note_per_crawl(field: str, code: str, replaced: str) -> None:
    crawler = get_crawler(FoerderdatenbankSpider)
    spider = FoerderdatenbankSpider.from_crawler(
        crawler, portal=FoerderdatenbankPortal.model_validate(PORTAL), today=TODAY
    )
    page = (FIXTURES / "detail_codes_late2025.html").read_text(encoding="utf-8")
    body = page.replace(replaced, f"{replaced}, {code}", 1).encode()
    assert body != page.encode()
    urls = [PROGRAMMES + f"Land/NRW/beispiel-{i}.html" for i in range(3)]
    items = [parse(spider, body, url) for url in urls]
    assert crawler.stats is not None
    notes = crawler.stats.get_value(NOTES) or []
    assert len(notes) == 1, notes
    # German, naming field, value and the first page it was seen on
    assert f"„{code}“" in notes[0] and f"im Feld {field}" in notes[0]
    assert "zuerst auf https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/" in notes[0]
    if field == "Förderbereich":  # an unknown topic stays visible as written
        assert code in items[0]["topics"]
    if field == "Förderart":  # still some kind of funding
        assert "sonstiges" in items[0]["funding_type"]


def test_known_codes_give_no_note() -> None:
    crawler = get_crawler(FoerderdatenbankSpider)
    spider = FoerderdatenbankSpider.from_crawler(
        crawler, portal=FoerderdatenbankPortal.model_validate(PORTAL), today=TODAY
    )
    parse(spider, (FIXTURES / "detail_codes_late2025.html").read_bytes())
    assert crawler.stats is not None and not crawler.stats.get_value(NOTES)


# -- Ansprechpunkt → contact, Weiterführende Links (and the Förderrichtlinie weblink) → links ------------

RL, AP = "Richtlinie", "Antragsportal"
EASY = "https://foerderportal.bund.de/easyonline"
# (recorded file, contact, the first links as (label, url), how many links in all)
RECORDED_CONTACT_LINKS: list[tuple[str, str, list[tuple[str, str]], int]] = [
    ("detail_1.html", "Mittelständische Beteiligungsgesellschaft Thüringen mbH (MBG), info@mbg-thueringen.de, "
     "Tel. 0361 21350", [("MBG express", "https://mbg-thueringen.de/loesungen/mbg-express/")], 1),
    ("detail_2.html", "Projektträger Jülich (PtJ), Forschungszentrum Jülich GmbH Geschäftsstelle Berlin, "
     "ptj-exist-women@fz-juelich.de",  # no phone on the page: none in the line
     [(RL, "https://www.exist.de/EXIST/Redaktion/DE/Downloads/EXIST-Richtlinien/Richtlinie-EXIST-Women-vom-21-11-"
           "2024.pdf?__blob=publicationFile&v=9"), (AP, EASY + "/"), ("EXIST-Women", "https://www.exist.de/EXIST/"
           "Navigation/DE/Gruendungsfoerderung/EXIST-WOMEN/EXIST-WOMEN/exist-women.html")], 5),
    # The Leitfaden names the Richtlinie only in quotes: it keeps its own words, after the known kinds.
    ("detail_3.html", "DLR Projektträger, Bereich Gesundheit, ACS@dlr.de, Tel. +49 228 3821 2442",
     [(RL, "https://www.bundesanzeiger.de/pub/publication/oVWr7Lai6IZMbEqOKrZ/content/oVWr7Lai6IZMbEqOKrZ/BAnz%20AT"
           "%2024.09.2024%20B3.pdf?inline"), (AP, EASY),
      ("Leitfaden für die Erstellung von Projektskizzen zur „Richtlinie zur Förderung von forschenden Fachärztinnen "
       "und Fachärzten in der Universitätsmedizin“", "https://projekttraeger.dlr.de/media/gesundheit/leitfaden/ACS2.pdf")],
     4),
    ("detail_4.html", "FFA Filmförderungsanstalt, info@ffa.de, Tel. +49 30 27577-0",
     [(RL, "https://www.ffa.de/files/ffa/ffg-richtlinien/20250321%20D.9%20RL_B%C3%BCrgschaften.pdf"),
      (RL, "https://www.ffa.de/files/ffa/ffg-richtlinien/20250321%20D.15%20RL%20Minitrait%C3%A9.pdf"),
      (AP, "https://portal.ffa.de/start"), ("Gesetz", "https://www.recht.bund.de/eli/bund/bgbl-1/2024/451")], 6),
    # The portal's "@@" is its own text: kept, not repaired and not dropped.
    ("detail_5.html", "Thüringer Ministerium für Umwelt, Energie, Naturschutz und Forsten (TMUENF), "
     "poststelle@@tmuenf.thueringen.de, Tel. +49 361 573911-099",
     [(RL, "https://landesrecht.thueringen.de/bsth/document/VVTH-VVTH000011678"),
      ("Informationen zur Bildung für Nachhaltige Entwicklung (BNE) in Thüringen",
       "https://umwelt.thueringen.de/themen/nachhaltigkeit/bildung-fuer-nachhaltige-entwicklung")], 2),
    # Late-2025 template: "WeiterfuehrendeLinks:" in ASCII.
    ("detail_6.html", "Wirtschafts- und Infrastrukturbank Hessen (WIBank), info@wibank.de, Tel. +49 69 9132-03",
     [(RL, "https://www.wibank.de/resource/blob/wibank/656992/3c6ee9de8d36065507ac43e606e8f8a1/rili-inno-20241223-"
           "data.pdf"), (AP, "https://foerderportal.wibank.de/site/#/public/home")], 2),
]


def _pairs(item: dict[str, Any]) -> tuple[str | None, list[tuple[str, str]] | None]:
    """contact and links as the pipeline stores them (through the model)."""
    call = FundingCall.model_validate(item)
    return call.contact, None if call.links is None else [(link.label, link.url) for link in call.links]


@pytest.mark.parametrize(("name", "contact", "first", "count"), RECORDED_CONTACT_LINKS,
                         ids=[n[:-5] for n, *_ in RECORDED_CONTACT_LINKS])
def test_recorded_pages_give_contact_and_links(
    captures: Path, name: str, contact: str, first: list[tuple[str, str]], count: int
) -> None:
    got_contact, links = _pairs(recorded(captures, name))
    assert got_contact == contact
    assert links is not None and links[: len(first)] == first and len(links) == count


OWN = FDB + "FDB/Content/DE/"
# (own fixture, contact, links as (label, url)) — invented pages, see tests/fixtures/foerderdatenbank/README.md
OWN_CONTACT_LINKS: list[tuple[str, str | None, list[tuple[str, str]] | None]] = [
    ("detail_contact_links.html",
     "Beispielagentur für Digitales (BAD), Referat 4 Förderberatung, foerderung@beispielagentur.example.org, "
     "Tel. +49 521 5550-0",  # no fax, no address, no ?subject=: one line a person reads
     [(RL, "https://recht.example.org/beispiel-richtlinie.pdf"),  # the weblink and the repeat: one link
      ("Merkblatt", OWN + "Downloads/merkblatt-beispiel.pdf"),  # by its address; relative → absolute
      (AP, "https://antrag.example.org/easy-online/"),
      ("Gesetz", "https://recht.example.org/beispiel-gesetz"),
      ("Leitfaden zur „Richtlinie Digitale Beispiele“", "https://www.beispielagentur.example.org/leitfaden.pdf"),
      ("www.beispielagentur.example.org", "https://www.beispielagentur.example.org/faq")]),  # no words: the host
    ("detail_labels_2025.html", "Beispielbank NRW",
     [(RL, "https://recht.example.org/richtlinie-digitale-rathaeuser.pdf"), (AP, "https://beispielbank.example.org/antrag")]),
    ("detail_codes_late2025.html", "Beispielbank NRW",
     [(RL, "https://recht.example.org/richtlinie-digitale-rathaeuser.pdf"), (AP, "https://beispielbank.example.org/antrag")]),
    ("detail_status_line_plain.html", None, None),  # neither on the page: None, not an error
    ("detail_archived.html", None, None),
]


@pytest.mark.parametrize(("name", "contact", "links"), OWN_CONTACT_LINKS, ids=[n[:-5] for n, *_ in OWN_CONTACT_LINKS])
def test_own_pages_give_contact_and_links(name: str, contact: str | None, links: list[tuple[str, str]] | None) -> None:
    assert _pairs(parse(make_spider(), (FIXTURES / name).read_bytes())) == (contact, links)


def test_a_plain_ansprechpunkt_is_its_text() -> None:
    """Not every Ansprechpunkt is a card: a plain value is the contact as it stands."""
    page = (FIXTURES / "detail_labels_2025.html").read_text(encoding="utf-8")
    start = page.index("<dt>Ansprechpunkt:</dt>")
    end = page.index("</dd>", start) + len("</dd>")
    plain = page[:start] + "<dt>Ansprechpunkt:</dt><dd> Stadt Musterstadt,\n Amt 10 </dd>" + page[end:]
    assert _pairs(parse(make_spider(), plain.encode()))[0] == "Stadt Musterstadt, Amt 10"
