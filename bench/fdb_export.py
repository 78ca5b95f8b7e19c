"""Generate a synthetic Förderdatenbank XML export (the zip of ``GET /FDB/WS/export``) of any size.

Invented text only (numbered programmes, invented bodies and addresses); the structure is the real
one recorded in ../shared/captures/foerderdatenbank-export/: member paths ``BMWI/FDB/Content/DE/…``,
``<document>``/``<property>`` XML, RichText as escaped ``<![CDATA[…]]>`` HTML with ``xlink:href``
links, ClassifiedLinkLists naming their classifier and category codes (including the long empty
``cl2Satisfaction`` lists that make a real programme document ~20 KB), and Foerdergeber, Kontakt
(with ``_Uebergeordnet``), Adresse and ExternerLink documents shared between programmes.

Deterministic: fixed member timestamps and attributes, members in sorted order, so equal content
gives equal bytes (a stable ETag on the fixture server) and one changed programme changes only its
member. Used by tests (tests/crawler/test_spider_fdb_export.py), benches (bench/crawl_fdb_export.py) and,
if wanted, the demo::

    write_export(path, 2500)                                   # the first export
    write_export(path, 2500, revisions={i: 1 for i in pick(2500, 5)})   # 5 % changed
    write_export(path, 2500, removed={7, 8})                   # two programmes left the export
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Collection, Iterable, Mapping
from html import escape
from pathlib import Path

ROOT = "BMWI/FDB/Content/DE/"
XLINK = "http://www.w3.org/1999/xlink"
CATEGORY = "target:/BMWI/SiteGlobals/Categories/FDB/"
CLASSIFIER = "target:/BMWI/SiteGlobals/Classifications/Classifier/Common/"
ZIP_TIME = (2026, 1, 1, 0, 0, 0)

# (path segment, Foerdergebiet code, display name) of the Länder programmes are spread over.
LANDS = [
    ("NRW", "nordrhein_westfalen", "Nordrhein-Westfalen"),
    ("Bayern", "bayern", "Bayern"),
    ("Sachsen", "sachsen", "Sachsen"),
    ("Hessen", "hessen", "Hessen"),
    ("Niedersachsen", "de_ni", "Niedersachsen"),
]
RESSORTS = ["BMWK", "BMBF", "BMDV"]
TOPICS = [
    ("digitalisierung", "Digitalisierung"),
    ("infrastruktur", "Infrastruktur"),
    ("smart_cities_regionen", "Smart Cities & Regionen"),
    ("umwelt_naturschutz", "Umwelt- & Naturschutz"),
    ("arbeit", "Arbeit"),
]
WHO = [
    ("kommune", "Kommunen"),
    ("unternehmen", "Unternehmen"),
    ("hochschule", "Hochschulen"),
    ("oeffentliche_einrichtung", "öffentliche Einrichtungen"),
    ("verband_vereinigung", "Verbände und Vereine"),
]
WHO_CANONICAL = ["kommune", "unternehmen", "hochschule", "oeffentliche_einrichtung", "verein"]
KINDS = ["zuschuss", "darlehen", "zuschuss", "buergschaft"]
CONTACTS, UNITS, GEBER, FURTHER = 40, 5, 15, 20  # shared linked documents
UF_LISTS = [
    "UFExistenzgruendung", "UFUnternehmensfinanzierung", "UFArbeit", "UFAusWeiterbildung", "UFAussenwirtschaft",
    "UFBeratung", "UFEnergieeffizienz", "UFForschungOffen", "UFForschungSpezifisch", "UFGesundheitSoziales",
    "UFInfrastruktur", "UFKulturMedienSport", "UFLandwirtschaft", "UFMessenAusstellungen", "UFRegionalfoerderung",
    "UFStaedtebauStadterneuerung", "UFUmweltNaturschutz", "UFWohnungsbau", "UFFrauenfoerderung",
]
EMPTY_RICH = ("challenge", "customerBenefit", "functions", "header", "procQuality", "progress", "referenceCustomer",
              "remark", "requirements", "serviceDescription", "serviceFeeDescr", "termsOfPayment")
UNKNOWN_APPLICANT = "genossenschaft"  # a Förderberechtigte code the vocabulary does not know


# -- where things are ------------------------------------------------------------------------------


def level(i: int) -> str:
    """``Land`` for six in ten programmes, ``Bund`` for three, ``EU`` for one."""
    return "Land" if i % 10 < 6 else ("Bund" if i % 10 < 9 else "EU")


def slug(i: int) -> str:
    """Programmes 1, 2, 3 of every hundred share one slug under three Länder: ids must be paths."""
    return f"gemeinsam-{i // 100:04d}" if i % 100 in (1, 2, 3) else f"programm-{i:05d}"


def source_id(i: int) -> str:
    """The call's ``source_id``: the path below ``Foerderprogramm/`` (kinds/foerderdatenbank_export/reader.py)."""
    where = {"Land": f"Land/{LANDS[i % len(LANDS)][0]}", "Bund": f"Bund/{RESSORTS[i % len(RESSORTS)]}",
             "EU": "EU/Kommission"}[level(i)]
    return f"{where}/{slug(i)}"


def programme_path(i: int) -> str:
    return f"{ROOT}Foerderprogramm/{source_id(i)}.xml"


def site_url(i: int) -> str:
    return f"https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/{source_id(i)}.html"


def pick(programmes: int, percent: float, offset: int = 0) -> list[int]:
    """Every (100/percent)-th programme from ``offset``: a deterministic ``percent`` % of them."""
    every = max(1, round(100 / percent))
    return list(range(offset % every, programmes, every))


# -- what programme i says -------------------------------------------------------------------------


def title(i: int, dirt: bool = True) -> str:
    """As written in the export (with a soft hyphen in every eleventh title when ``dirt``)."""
    topic = TOPICS[i % len(TOPICS)][1]
    if dirt and i % 11 == 0:
        topic = topic[:4] + "\u00ad" + topic[4:]
    return f"Testprogramm {i}: {topic} für {WHO[i % len(WHO)][1]}"


def clean_title(i: int) -> str:
    """The title the reader must produce: soft hyphens gone."""
    return title(i, dirt=False)


def deadline(i: int, revision: int = 0) -> str | None:
    """The Fristen date (ISO), None for programmes with an open-ended or no Fristen text."""
    if i % 7 == 0 or i % 13 == 0:
        return None
    return f"{2027 + revision}-{(i % 12) + 1:02d}-{(i % 28) + 1:02d}"


def fristen(i: int, revision: int = 0) -> str:
    day = deadline(i, revision)
    if day is not None:
        y, m, d = day.split("-")
        return f"<p>Anträge können bis zum {d}.{m}.{y} bei der Bewilligungsstelle eingereicht werden.</p>"
    if i % 7 == 0:
        return "<p>Anträge können jederzeit gestellt werden.</p>"
    return ""


def rate(i: int) -> int:
    return 50 + (i % 5) * 10


def amount(i: int) -> int:
    return (i % 9 + 1) * 10_000


def expired(i: int) -> bool:
    """Every 17th programme has a ``dateOfExpiration`` in the past (the reader closes it)."""
    return i % 17 == 0


def status(i: int) -> str | None:
    """The status the reader must give on a day in 2026: closed past the expiration date, open with a
    deadline or "jederzeit", unknown without a Fristen text."""
    if expired(i):
        return "closed"
    return "open" if deadline(i) is not None or i % 7 == 0 else None


# -- XML ----------------------------------------------------------------------------------------------


def _rich(name: str, html: str) -> str:
    inner = f'<![CDATA[<div xmlns:xlink="{XLINK}">{html}</div>]]>'
    return (f'    <property name="gsb:{name}" type="RichText">\n'
            f"        <text>{escape(inner, quote=False)}</text>\n    </property>\n")


def _value(name: str, kind: str, value: str) -> str:
    return (f'    <property name="gsb:{name}" type="{kind}">\n'
            f"        <value>{escape(value, quote=False)}</value>\n    </property>\n")


def _link(href: str, indent: int) -> str:
    return f'{" " * indent}<link xlink:href="{escape(href)}"/>\n'


def _link_list(name: str, hrefs: Iterable[str]) -> str:
    links = "".join(_link(h, 12) for h in hrefs)
    return (f'    <property name="gsb:{name}" type="LinkList">\n        <links>\n{links}        </links>\n'
            "    </property>\n")


def _classified(name: str, lists: Iterable[tuple[str | None, list[str]]]) -> str:
    body = ""
    for classifier, hrefs in lists:
        classifier_links = _link(CLASSIFIER + classifier, 20) if classifier else ""
        links = ("                <links>\n" + "".join(_link(h, 20) for h in hrefs) + "                </links>\n"
                 if hrefs else "                <links/>\n")
        body += ("            <classifiedLinkList>\n                <classifierText></classifierText>\n"
                 f"                <classifierLinks>\n{classifier_links}                </classifierLinks>\n"
                 f"{links}            </classifiedLinkList>\n")
    return (f'    <property name="gsb:{name}" type="ClassifiedLinkLists">\n        <classifiedLinkLists>\n'
            f"{body}        </classifiedLinkLists>\n    </property>\n")


def _document(path: str, doc_type: str, properties: str) -> bytes:
    folder, _, name = path.removesuffix(".xml").rpartition("/")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<document xmlns:xlink="{XLINK}" name="{name}" path="/{folder}" type="{doc_type}">\n'
        f"{properties}</document>\n"
    ).encode()


def _target(path: str) -> str:
    return "target:/" + path.removesuffix(".xml")


def contact_path(c: int) -> str:
    return f"{ROOT}Kontakt/K/kontakt-{c:03d}.xml"


def geber_path(g: int) -> str:
    return f"{ROOT}Foerdergeber/G/geber-{g:03d}.xml"


def richtlinie_path(i: int) -> str:
    return f"{ROOT}ExternerLink/R/rgl-{source_id(i).replace('/', '-').lower()}.xml"


def further_path(w: int) -> str:
    return f"{ROOT}ExternerLink/W/weitere-info-{w:03d}.xml"


def geber_title(g: int) -> str:
    return f"Beispielministerium {g} (BM{g})"


def programme_xml(i: int, revision: int = 0, dirt: bool = True, unknown_codes: bool = False) -> bytes:
    topic_code, topic = TOPICS[i % len(TOPICS)]
    who_code, who = WHO[i % len(WHO)]
    lvl = level(i)
    area = {"Land": LANDS[i % len(LANDS)][1], "Bund": "_bundesweit", "EU": "bundesweit"}[lvl]
    applicants = [who_code, *([UNKNOWN_APPLICANT] if unknown_codes and i % 50 == 7 else [])]
    word = "Vor\x02haben" if dirt and i % 37 == 5 else "Vorhaben"  # the real export's stray control character
    changed = "".join(f"<p>Fassung {r + 1}: Die Fördergrundsätze wurden überarbeitet.</p>" for r in range(revision))
    properties = [
        _rich("bodyText", f"<p><strong>Richtlinie zu Testprogramm {i}</strong></p><h2>Gegenstand</h2>"
              f"<p>Gefördert werden {word} im Bereich {escape(topic)}.</p><p><a xlink:type=\"simple\" "
              f"xlink:href=\"{_target(richtlinie_path(i))}\" xlink:show=\"new\">Richtlinie (externer Link)</a></p>"),
        *(_rich(name, "") for name in EMPTY_RICH[:1]),
        _classified("cl2Contacts", [("Kontakt", [_target(contact_path(i % CONTACTS))])]),
        _classified("cl2CustServices", [("ExternerLink", [_target(further_path(i % FURTHER))])]),
        _classified("cl2Location", [("Foerdertermin", [])]),
        _classified("cl2Processes", [
            ("Foerderart", [CATEGORY + f"Foerderart/{KINDS[i % len(KINDS)]}"]),
            ("Foerdergebiet", [CATEGORY + f"Foerdergebiet/{area}"]),
            ("Foerdergeber", [CATEGORY + f"Foerdergeber/{lvl.lower()}"]),
            ("Foerderberechtigte", [CATEGORY + f"Foerderberechtigte/{code}" for code in applicants]),
            ("BranchenUnternehmen", [CATEGORY + "Branchen/handwerk", CATEGORY + "Branchen/handel"]),
            ("Foerderbereich", [CATEGORY + f"Foerderbereich/{topic_code}"]),
            ("GRW", [CATEGORY + "GRW/keine_grw_foerderung"]),
            ("Foerderorganisation", [_target(geber_path(i % GEBER))]),
        ]),
        _classified("cl2RelatedEnts", [(None, [])]),
        _classified("cl2Satisfaction", [(name, []) for name in UF_LISTS]),
        _rich("comment", f"<p>{i}</p><p>Ticket#{100000 + i}</p>"),
        _rich("competenceDescr", "<p>Projektskizze und Finanzierungsplan.</p>" if i % 3 == 0 else ""),
        _value("dateOfExpiration", "Date", "2025-06-30T00:00:00.000+02:00") if expired(i) else "",
        _value("dateOfIssue", "Date", f"2025-{(i % 12) + 1:02d}-{(i % 28) + 1:02d}T10:00:00.000+01:00"),
        *(_rich(name, "") for name in EMPTY_RICH[1:4]),
        _value("keywords", "String", "Test\tBeispiel Förderung" if dirt else "Test Beispiel Förderung"),
        _link_list("languageInd", ["target:/BMWI/SiteGlobals/Languages/Deutsch"]),
        _rich("procDescription", f"<p>Richtlinie des Beispielministeriums, Stand März 2025 (Testprogramm {i}).</p>"),
        _rich("procInfluence", fristen(i, revision)),
        _rich("procMethod", "<p>Das Antragsverfahren ist einstufig.</p>"),
        *(_rich(name, "") for name in EMPTY_RICH[4:]),
        _rich("regulatoryFWork", f"<p>Antragsberechtigt sind {escape(who)}.</p><ul><li>Sitz im Fördergebiet</li>"
              "<li>Vorhaben noch nicht begonnen</li></ul>"),
        _value("shouldNotBeIndexed", "Long", "0"),
        _value("subType", "String", "ServiceOffer-FundingProgram"),
        _rich("summary", f"<p>Testprogramm {i} unterstützt {escape(who)} bei {word} im Bereich {escape(topic)}."
              f"</p><p>Der Zuschuss beträgt bis zu {rate(i)} Prozent der zuwendungsfähigen Ausgaben, höchstens "
              f"{amount(i) // 1000}.000 Euro je Vorhaben.</p>{changed}"),
        _rich("teaserText", f"<p>Förderung für {escape(who)}: {escape(topic)}.</p>"),
        _rich("title", f"<p>{escape(title(i, dirt))}</p>"),
    ]
    return _document(programme_path(i), "gsb:ServiceOffer", "".join(properties))


def _contact_xml(c: int) -> bytes:
    return _document(contact_path(c), "gsb:ContactData", "".join([
        _classified("cl2Addresses", [("Adresse", [_target(f"{ROOT}Adresse/A/adresse-{c:03d}.xml")])]),
        _classified("cl2RespTargets", [("UebergeordneteEinheit",
                                        [_target(f"{ROOT}Kontakt/_Uebergeordnet/U/einheit-{c % UNITS}.xml")])]),
        _value("email", "String", f"foerderung{c}@example.org"),
        _value("phone", "String", f"+49 30 {1000 + c}-0"),
        _value("subType", "String", "ContactData-FundingOrganisation"),
        _rich("title", f"<p>Förderberatung {c}</p>"),
        _link_list("website", [_target(f"{ROOT}ExternerLink/K/kontakt-web-{c:03d}.xml")]),
    ]))


def _titled(path: str, doc_type: str, title_html: str, url: str | None = None) -> bytes:
    return _document(path, doc_type, _rich("title", title_html) + (_value("url", "String", url) if url else ""))


def _address_xml(c: int) -> bytes:
    path = f"{ROOT}Adresse/A/adresse-{c:03d}.xml"
    return _document(path, "gsb:Address", "".join([
        _value("city", "String", "Musterstadt"), _value("houseId", "String", str(c + 1)),
        _value("road", "String", "Beispielstraße"), _rich("title", f"<p>Förderberatung {c}</p>"),
        _value("zipCode", "String", f"{10000 + c * 7:05d}"),
    ]))


def shared_documents() -> dict[str, Callable[[], bytes]]:
    """Linked documents every export has, whichever programmes it holds."""
    docs: dict[str, Callable[[], bytes]] = {}
    for c in range(CONTACTS):
        docs[contact_path(c)] = lambda c=c: _contact_xml(c)
        docs[f"{ROOT}Adresse/A/adresse-{c:03d}.xml"] = lambda c=c: _address_xml(c)
        web = f"{ROOT}ExternerLink/K/kontakt-web-{c:03d}.xml"
        docs[web] = lambda web=web, c=c: _titled(
            web, "gsb:ExternalLink", f"<p>Förderberatung {c} (externer Link)</p>", f"https://beratung{c}.example.org/")
    for u in range(UNITS):
        unit = f"{ROOT}Kontakt/_Uebergeordnet/U/einheit-{u}.xml"
        docs[unit] = lambda unit=unit, u=u: _titled(unit, "gsb:ContactData", f"<p>Förderagentur {u}</p>")
    for g in range(GEBER):
        docs[geber_path(g)] = lambda g=g: _titled(
            geber_path(g), "gsb:ContactData", f"<p>{escape(geber_title(g))}</p>")
    for w in range(FURTHER):
        docs[further_path(w)] = lambda w=w: _titled(
            further_path(w), "gsb:ExternalLink", f"<p>Weitere Informationen {w}</p>", f"https://info.example.org/{w}")
    return docs


def write_export(
    path: Path,
    programmes: int,
    *,
    revisions: Mapping[int, int] | None = None,
    removed: Collection[int] = (),
    dirt: bool = True,
    unknown_codes: bool = False,
    compresslevel: int = 6,
) -> Path:
    """Programmes ``0 … programmes-1`` except ``removed``, each at its revision (default 0).

    ``dirt``: the real export's stray control character (every 37th programme), soft hyphens (every
    11th title) and tabs; ``unknown_codes``: every 50th programme also names a Förderberechtigte code
    the vocabulary does not know. Equal arguments give equal bytes.
    """
    revisions = revisions or {}
    docs = shared_documents()
    for i in range(programmes):
        if i in removed:
            continue
        rev = revisions.get(i, 0)
        docs[programme_path(i)] = lambda i=i, rev=rev: programme_xml(i, rev, dirt, unknown_codes)
        rgl = richtlinie_path(i)
        docs[rgl] = lambda rgl=rgl, i=i: _titled(
            rgl, "gsb:ExternalLink", f"<p>Richtlinie zu Testprogramm {i}<br />vom: 01.03.2025</p>",
            f"https://richtlinien.example.org/programm-{i}.pdf")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for name in sorted(docs):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, docs[name](), compresslevel=compresslevel)
    if path.is_file() and path.read_bytes() == tmp.read_bytes():
        tmp.unlink()  # unchanged: keep the file (and its mtime), as a real server would
    else:
        tmp.replace(path)
    return path


def truncate(source: Path, target: Path, fraction: float = 0.5) -> Path:
    """The first ``fraction`` of an export: what an interrupted download of it would hold."""
    data = source.read_bytes()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data[: int(len(data) * fraction)])
    return target


def expected_call(i: int, revision: int = 0) -> dict[str, object]:
    """Fields the reader must produce for programme ``i`` (the ones a test can state exactly)."""
    lvl = level(i)
    return {
        "source_id": source_id(i),
        "url": site_url(i),
        "title": clean_title(i),
        "level": lvl.lower(),
        "regions": {"Land": ["DE-" + {"NRW": "NW", "Bayern": "BY", "Sachsen": "SN", "Hessen": "HE",
                                      "Niedersachsen": "NI"}[LANDS[i % len(LANDS)][0]]],
                    "Bund": ["DE"], "EU": ["DE"]}[lvl],
        "applicants": [WHO_CANONICAL[i % len(WHO)]],
        "funding_type": [KINDS[i % len(KINDS)]],
        "topics": [TOPICS[i % len(TOPICS)][1]],
        "funding_body": geber_title(i % GEBER),
        "deadline": deadline(i, revision),
        "funding_rate_pct": float(rate(i)),
        "max_amount_eur": float(amount(i)),
    }
