"""The Förderdatenbank export reader (crawler/kinds/foerderdatenbank_export/reader.py) on the recorded
export documents (../shared/captures/foerderdatenbank-export, zipped at test time in tmp_path at their real paths),
on variants of them with one thing changed, and on the synthetic export of bench/fdb_export.py.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import bench_modules
import pytest
from lxml import etree

from foerderradar.crawler.kinds.foerderdatenbank_export.reader import (
    EXPORT_URL,
    ExportError,
    ExportReader,
    Reading,
    member_of,
    site_url,
    source_id_of,
)
from foerderradar.model import FundingCall

PROJECT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 12, 1)
CONTENT = "BMWI/FDB/Content/DE/"
EZB = CONTENT + "Foerderprogramm/Bund/BA/eingliederungszuschuss-bund.xml"
ESG = CONTENT + "Foerderprogramm/Bund/BMAS/einstiegsgeld.xml"
DIRTY_LINK = CONTENT + "ExternerLink/R/rgl-buergschaften-als-de-minimis-beihilfe-863736.xml"
PROGRAMMES = "https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/"


gen = bench_modules.load("fdb_export")


# -- helpers ------------------------------------------------------------------------------------------


def recorded_members(captures: Path) -> dict[str, bytes]:
    """The recorded export documents by their path in the export (BMWI/FDB/Content/DE/…)."""
    root = captures / "foerderdatenbank-export"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.xml"))}


def write_zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def read_all(source: Any, today: date = TODAY) -> list[Reading]:
    with ExportReader(source, today=today) as export:
        return list(export)


def calls_by_path(readings: list[Reading]) -> dict[str, dict[str, Any]]:
    return {r.path: r.call for r in readings if r.call is not None}


def with_rich(xml: bytes, name: str, html: str) -> bytes:
    """A recorded document with one RichText property's HTML replaced (escaped CDATA, as exported)."""
    inner = escape(f'<![CDATA[<div xmlns:xlink="http://www.w3.org/1999/xlink">{html}</div>]]>', quote=False)
    pattern = re.compile(rb'(<property name="' + name.encode() + rb'" type="RichText">\s*<text>).*?(</text>)', re.S)
    out, n = pattern.subn(lambda m: m.group(1) + inner.encode() + m.group(2), xml)
    assert n == 1, name
    return out


def with_value(xml: bytes, name: str, kind: str, value: str) -> bytes:
    """A recorded document with one String/Date property added in front of the others."""
    prop = f'<property name="{name}" type="{kind}"><value>{escape(value)}</value></property>\n    '.encode()
    return xml.replace(b'<property name="gsb:bodyText"', prop + b'<property name="gsb:bodyText"', 1)


@pytest.fixture
def recorded(captures: Path) -> dict[str, bytes]:
    return recorded_members(captures)


@pytest.fixture
def recorded_calls(recorded: dict[str, bytes], tmp_path: Path) -> dict[str, dict[str, Any]]:
    readings = read_all(write_zip(tmp_path / "export.zip", recorded))
    assert [r.errors for r in readings] == [[], []]
    assert [r.notes for r in readings] == [[], []] and [r.unknown for r in readings] == [[], []]
    return calls_by_path(readings)


# -- the recorded programmes, field by field -----------------------------------------------------------

RECORDED: list[tuple[str, str, Any]] = [
    (EZB, "source_id", "Bund/BA/eingliederungszuschuss-bund"),
    (EZB, "url", PROGRAMMES + "Bund/BA/eingliederungszuschuss-bund.html"),
    (EZB, "title", "Finanzielle Unterstützungsmöglichkeiten bei Neueinstellungen (Eingliederungszuschüsse)"),
    (EZB, "summary", "Für die Einstellung von förderungsbedürftigen Arbeitnehmerinnen und Arbeitnehmern "
                     "können Sie als Arbeitgeberin oder Arbeitgeber unter bestimmten Voraussetzungen einen "
                     "Zuschuss erhalten."),
    (EZB, "level", "bund"),
    (EZB, "regions", ["DE"]),  # code "_bundesweit"
    (EZB, "applicants", ["unternehmen", "verein", "oeffentliche_einrichtung"]),
    (EZB, "funding_type", ["zuschuss"]),
    (EZB, "topics", ["Arbeit"]),
    (EZB, "funding_body", "Bundesagentur für Arbeit (BA)"),
    (EZB, "language", "de"),
    (EZB, "published_at", "2020-01-15T13:47:20.411000+01:00"),
    (EZB, "funding_rate_pct", 70.0),  # "bis zu 70 Prozent" for schwerbehinderte Menschen, the highest
    (EZB, "deadline", None),
    (EZB, "status", None),  # no Fristen, no dates: the text does not say
    (ESG, "source_id", "Bund/BMAS/einstiegsgeld"),
    (ESG, "url", PROGRAMMES + "Bund/BMAS/einstiegsgeld.html"),
    (ESG, "title", "Einstiegsgeld"),
    (ESG, "summary", None),  # no Kurztext in the export
    (ESG, "level", "bund"),
    (ESG, "regions", ["DE"]),  # code "bundesweit", the other spelling
    (ESG, "applicants", ["unternehmen"]),  # Existenzgründer/in
    (ESG, "funding_type", ["zuschuss"]),
    (ESG, "topics", ["Existenzgründung & -festigung"]),
    (ESG, "funding_body", "Bundesagentur für Arbeit (BA)"),
    (ESG, "published_at", "2020-04-21T08:12:51.975000+02:00"),
    (ESG, "max_amount_eur", 5000.0),  # "Zuschüsse sind bis zu einer Höhe von EUR 5.000 möglich"
    (ESG, "funding_rate_pct", None),
    # Kontakt documents → one line: the office, then the first e-mail and phone any contact gives.
    (EZB, "contact", "Bundesagentur für Arbeit (BA), Tel. +49 800 455-5520"),
    (ESG, "contact", "Bundesagentur für Arbeit ? Ansprechpartner, Tel. +49 800 455-5500"),  # "?": the portal's
    # ExternerLink documents (in the texts, then gsb:cl2CustServices) → links, labelled by their title.
    (EZB, "links", [
        {"label": "Informationen für Arbeitgeber. Eingliederungszuschuss ? Finanzielle Unterstützungsmöglichkeiten "
                  "bei Neueinstellungen, Stand: Januar 2024, Bundesagentur für Arbeit",
         "url": "https://www.arbeitsagentur.de/datei/dok_ba033295.pdf"},
        {"label": "Bundesagentur für Arbeit - Förderung der Arbeitsaufnahme",
         "url": "https://www.arbeitsagentur.de/unternehmen/finanziell/foerderung-arbeitsaufnahme"},
        {"label": "Suchübersicht der zuständigen Agenturen für Arbeit",
         "url": "https://web.arbeitsagentur.de/portal/metasuche/suche/dienststellen"},
    ]),
    (ESG, "links", [
        {"label": "Bundesministerium für Arbeit und Soziales (BMAS)", "url": "https://www.bmas.de"},
        {"label": "Unterstützung beim Einstieg in den Job oder bei Existenzgründung",  # "(exerner Link)" goes
         "url": "https://www.arbeitsagentur.de/arbeitslosengeld-2/arbeit-aufnehmen-existenzgruendung"},
        {"label": "www.existenzgruendungsportal.de", "url": "https://www.existenzgruender.de"},
    ]),
]


@pytest.mark.parametrize(
    ("path", "name", "expected"), RECORDED, ids=[f"{p.rsplit('/', 1)[1]}-{n}" for p, n, _ in RECORDED]
)
def test_recorded_programme_field(
    recorded_calls: dict[str, dict[str, Any]], path: str, name: str, expected: Any
) -> None:
    assert recorded_calls[path][name] == expected


def test_recorded_programmes_are_valid_calls(recorded_calls: dict[str, dict[str, Any]]) -> None:
    for call in recorded_calls.values():
        FundingCall.model_validate({"source": "foerderdatenbank", **call})
    assert sorted(recorded_calls) == [EZB, ESG]


DESCRIPTION: list[tuple[str, str]] = [
    # (programme, text the description holds) — each section under its heading, links with their URLs
    (EZB, "Volltext\nDie Bundesagentur für Arbeit (BA) unterstützt Sie bei der Einstellung"),
    (EZB, "\nSie erhalten die Förderung als Lohnkostenzuschuss.\n"),  # paragraph breaks kept
    (EZB, "Richtlinie\nInformationen für Arbeitgeber. Eingliederungszuschuss ? Finanzielle"),  # the portal's "?"
    (EZB, "Rechtliche Voraussetzungen\nAntragsberechtigt sind Arbeitgeberinnen und Arbeitgeber"),
    (EZB, "\nArbeitsverhältnisse, die bereits bestanden haben"),  # a list item is a line
    (EZB, "Rechtsgrundlage\nMerkblatt der Bundesagentur für Arbeit, Stand Juli 2022; Sozialgesetzbuch, Drittes "
          "Buch (SGB III ? Arbeitsförderung, §§ 88 ff.)."),  # &#xa0; became a plain space
    (EZB, "Ansprechpunkt\nBundesagentur für Arbeit (BA)\nRegensburger Straße 104, 90478 Nürnberg\n"
          "Telefon: +49 800 455-5520\nInternet: http://www.arbeitsagentur.de/"),
    (EZB, "Weiterführende Links\nInformationen für Arbeitgeber. Eingliederungszuschuss ? Finanzielle "
          "Unterstützungsmöglichkeiten bei Neueinstellungen, Stand: Januar 2024, Bundesagentur für Arbeit: "
          "https://www.arbeitsagentur.de/datei/dok_ba033295.pdf"),  # the Richtlinie, linked in bodyText
    (EZB, "Bundesagentur für Arbeit - Förderung der Arbeitsaufnahme: "
          "https://www.arbeitsagentur.de/unternehmen/finanziell/foerderung-arbeitsaufnahme"),  # cl2CustServices
    (EZB, "Suchübersicht der zuständigen Agenturen für Arbeit: "
          "https://web.arbeitsagentur.de/portal/metasuche/suche/dienststellen"),
    (ESG, "Richtlinie\nEinstiegsgeld\nZiel und Gegenstand\nDas Einstiegsgeld dient der Unterstützung"),
    (ESG, "Zuschüsse sind bis zu einer Höhe von EUR 5.000 möglich"),
    (ESG, "Ansprechpunkt\nBundesagentur für Arbeit ? Ansprechpartner\n"
          "Internet: https://www.arbeitsagentur.de/ueber-uns/ansprechpartner\nBundesagentur für Arbeit (BA)\n"
          "Regensburger Straße 104, 90478 Nürnberg\nTelefon: +49 800 455-5500\n"),  # two contacts
    (ESG, "Bundesministerium für Arbeit und Soziales (BMAS) (externer Link): https://www.bmas.de"),
    (ESG, "www.existenzgruendungsportal.de: https://www.existenzgruender.de"),  # untitled link: its link text
]


@pytest.mark.parametrize(("path", "text"), DESCRIPTION)
def test_recorded_description_holds(recorded_calls: dict[str, dict[str, Any]], path: str, text: str) -> None:
    assert text in recorded_calls[path]["description"]


def test_recorded_description_sections_in_order_without_internal_notes(
    recorded_calls: dict[str, dict[str, Any]],
) -> None:
    description = recorded_calls[EZB]["description"]
    headings = [line for line in description.split("\n") if line in (
        "Volltext", "Richtlinie", "Rechtliche Voraussetzungen", "Fristen", "Verfahrensablauf",
        "Erforderliche Unterlagen", "Rechtsgrundlage", "Ansprechpunkt", "Weiterführende Links")]
    assert headings == ["Volltext", "Richtlinie", "Rechtliche Voraussetzungen", "Rechtsgrundlage",
                        "Ansprechpunkt", "Weiterführende Links"]  # empty sections get no heading
    assert "Ticket#" not in description  # gsb:comment is the editors' note, not the page
    assert "Kurztext" not in description and recorded_calls[EZB]["summary"] not in description
    assert recorded_calls[ESG]["description"].count("Internet: http://www.arbeitsagentur.de/\n") == 1


# -- dirt and damage ---------------------------------------------------------------------------------


def test_recorded_control_character_breaks_a_strict_parser_but_not_the_reader(
    recorded: dict[str, bytes], tmp_path: Path
) -> None:
    raw = recorded[DIRTY_LINK]
    assert b"\x02" in raw
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(raw)
    # A programme (the recorded one, moved to a Land and linking this Richtlinie) reads it.
    programme = recorded[EZB].replace(
        b"ExternerLink/R/rgl-eingliederungszuschuss-bund",
        b"ExternerLink/R/rgl-buergschaften-als-de-minimis-beihilfe-863736",
    )
    moved = CONTENT + "Foerderprogramm/Land/Sachsen-Anhalt/eingliederungszuschuss-bund.xml"
    readings = read_all(write_zip(tmp_path / "x.zip", {**recorded, moved: programme}))
    call = calls_by_path(readings)[moved]
    assert all(not r.errors and not r.notes for r in readings)
    assert ("Richtlinie über Bürgschaften als De-minimis-Beihilfen für Investitions- und Betriebsmittelkredite, "
            "vom: 01.10.2024, Ministerium der Finanzen, MBl. LSA. 2024, 640: "
            "https://www.landesrecht.sachsen-anhalt.de/bsst/document/VVST-VVST000013627") in call["description"]
    # Same slug as the federal programme, another path: another call (and the level follows the path).
    assert (call["source_id"], call["level"]) == ("Land/Sachsen-Anhalt/eingliederungszuschuss-bund", "land")
    assert call["url"] == PROGRAMMES + "Land/Sachsen-Anhalt/eingliederungszuschuss-bund.html"


def test_soft_hyphens_tabs_and_control_characters_are_removed(recorded: dict[str, bytes], tmp_path: Path) -> None:
    title = "<p>Ein\u00adgliede\x01rungs\tzuschuss  für\u00a0Arbeit\u00adgeber</p>"
    dirty = with_rich(recorded[EZB], "gsb:title", title)
    dirty = with_rich(dirty, "gsb:teaserText", "<p>Kurz\u00adtext\x1f mit\t\tTab</p>")
    [reading] = [r for r in read_all(write_zip(tmp_path / "x.zip", {**recorded, EZB: dirty})) if r.path == EZB]
    assert reading.call is not None and not reading.errors
    assert reading.call["title"] == "Eingliederungs zuschuss für Arbeitgeber"
    assert reading.call["summary"] == "Kurztext mit Tab"


FRISTEN: list[tuple[str, str, str, dict[str, Any]]] = [
    # (Fristen text, Volltext, expiration, expected)
    ("<p>Anträge können bis zum 31.03.2027 gestellt werden.</p>",
     "<p>Die Frist zur Einreichung von Projektskizzen endete am 28.11.2024.</p>", "",
     {"deadline": "2027-03-31", "status": "open"}),  # the Fristen section wins over the rest
    ("", "<p>Anträge sind bis zum 15. Januar 2027 zu stellen.</p>", "",
     {"deadline": "2027-01-15", "status": "open"}),  # no Fristen: the rest of the text
    ("<p>Anträge können jederzeit gestellt werden.</p>", "", "",
     {"deadline": None, "deadline_text": "laufend", "status": "open"}),
    ("<p>Anträge können bis zum 31.03.2027 gestellt werden.</p>", "", "2026-06-30T00:00:00.000+02:00",
     {"deadline": "2027-03-31", "status": "closed"}),  # the portal's end date for the entry has passed
    ("<p>Anträge können bis zum 31.03.2027 gestellt werden.</p>", "", "2027-06-30T00:00:00.000+02:00",
     {"status": "open"}),  # an end date still to come changes nothing
    ("<p>Förderquote bis zu 40 Prozent.</p>", "<p>Zuschuss bis zu 90 Prozent, höchstens 200.000 Euro.</p>", "",
     {"funding_rate_pct": 40.0, "max_amount_eur": 200000.0}),  # rate from Fristen first, amount from the rest
]


@pytest.mark.parametrize(("fristen", "volltext", "expires", "expected"), FRISTEN)
def test_terms_read_the_fristen_section_first(
    recorded: dict[str, bytes], tmp_path: Path, fristen: str, volltext: str, expires: str, expected: dict[str, Any]
) -> None:
    xml = with_rich(with_rich(recorded[EZB], "gsb:procInfluence", fristen), "gsb:summary", volltext)
    if expires:
        xml = with_value(xml, "gsb:dateOfExpiration", "Date", expires)
    call = calls_by_path(read_all(write_zip(tmp_path / "x.zip", {**recorded, EZB: xml})))[EZB]
    assert {k: call[k] for k in expected} == expected
    if fristen:
        assert "\n\nFristen\n" in call["description"]


def test_unreadable_programme_is_an_error_naming_its_path_and_the_others_are_read(
    recorded: dict[str, bytes], tmp_path: Path
) -> None:
    broken = CONTENT + "Foerderprogramm/Land/Bayern/kaputt.xml"
    untitled = CONTENT + "Foerderprogramm/Land/Bayern/ohne-titel.xml"
    members = {**recorded, broken: recorded[EZB][:5000], untitled: with_rich(recorded[ESG], "gsb:title", "<p> </p>")}
    readings = read_all(write_zip(tmp_path / "x.zip", members))
    assert sorted(calls_by_path(readings)) == [EZB, ESG]
    errors = {r.path: r.errors for r in readings if r.errors}
    assert sorted(errors) == [broken, untitled]
    [message] = errors[broken]
    assert message.startswith(f"{EXPORT_URL}: Dokument {broken} nicht lesbar (kein gültiges XML")
    assert errors[untitled] == [f"{EXPORT_URL}: Dokument {untitled} nicht lesbar (ohne Titel (gsb:title leer)); "
                                "die übrigen Programme wurden gelesen"]


def test_unreadable_linked_document_is_a_note_and_the_programme_is_read(
    recorded: dict[str, bytes], tmp_path: Path
) -> None:
    geber = CONTENT + "Foerdergeber/B/bundesagentur-fuer-arbeit.xml"
    readings = read_all(write_zip(tmp_path / "x.zip", {**recorded, geber: b"<document><property"}))
    calls = calls_by_path(readings)
    assert sorted(calls) == [EZB, ESG] and all(not r.errors for r in readings)
    notes = [n for r in readings for n in r.notes]
    assert len(notes) == 1 and f"verknüpftes Dokument {geber} nicht lesbar" in notes[0]  # once, though linked twice
    # The Fördergeber is gone, so the funding body falls back to the first contact's title.
    assert calls[EZB]["funding_body"] == "Bundesagentur für Arbeit (BA)"
    assert calls[ESG]["funding_body"] == "Bundesagentur für Arbeit ? Ansprechpartner"


def test_missing_linked_documents_are_skipped(recorded: dict[str, bytes], tmp_path: Path) -> None:
    only = {EZB: recorded[EZB]}  # the programme without any of its linked documents
    [reading] = read_all(write_zip(tmp_path / "x.zip", only))
    assert reading.call is not None and not reading.errors and not reading.notes
    assert reading.call["funding_body"] is None
    description = reading.call["description"]
    assert "Ansprechpunkt" not in description and "Weiterführende Links" not in description


def damaged_crc(members: dict[str, bytes], tmp_path: Path) -> Path:
    """A stored (uncompressed) zip with one byte of a programme's data changed: only the CRC says so."""
    path = write_zip(tmp_path / "crc.zip", members, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    offset = data.index(b"Finanzielle Unterst")
    data[offset] = ord("f")
    path.write_bytes(bytes(data))
    return path


def half(data: bytes) -> bytes:
    return data[: len(data) // 2]


EXPORT_DAMAGE: list[tuple[str, Callable[[dict[str, bytes], Path], Any], str]] = [
    ("truncated", lambda m, t: io.BytesIO(half(write_zip(t / "x.zip", m).read_bytes())),
     "Zip-Verzeichnis fehlt, die Datei ist abgeschnitten"),
    ("crc", damaged_crc, "Prüfsummenfehler"),
    ("html", lambda m, t: io.BytesIO(b"<!DOCTYPE html><html><body>Zugriff verweigert</body></html>"),
     "eine HTML-Seite statt einer Zip-Datei"),
    ("empty", lambda m, t: io.BytesIO(b""), "leere Antwort statt einer Zip-Datei"),
    ("no programmes", lambda m, t: write_zip(t / "x.zip", {k: v for k, v in m.items() if "Foerderprogramm" not in k}),
     "enthält keine Förderprogramme unter BMWI/FDB/Content/DE/Foerderprogramm/"),
]


@pytest.mark.parametrize(("case", "make", "problem"), EXPORT_DAMAGE, ids=[c for c, _, _ in EXPORT_DAMAGE])
def test_damaged_export_is_one_error_for_the_whole_export(
    recorded: dict[str, bytes], tmp_path: Path, case: str, make: Callable[[dict[str, bytes], Path], Any], problem: str
) -> None:
    with pytest.raises(ExportError) as info:
        read_all(make(recorded, tmp_path))
    message = str(info.value)
    assert message.startswith(f"Export unvollständig oder beschädigt: {EXPORT_URL} (")
    assert problem in message and "Kein Programm wird deshalb als entfernt markiert" in message


# -- the synthetic export (bench/fdb_export.py) ------------------------------------------------------------


def test_synthetic_export_reads_back_what_was_written(tmp_path: Path) -> None:
    n = 120
    readings = read_all(gen.write_export(tmp_path / "export.zip", n))
    calls = {c["source_id"]: c for c in calls_by_path(readings).values()}
    assert len(calls) == n and all(not r.errors and not r.notes for r in readings)
    for i in range(n):
        call = calls[gen.source_id(i)]
        assert {k: call[k] for k in gen.expected_call(i)} == gen.expected_call(i), i
        assert call["status"] == gen.status(i), i
        assert "\u00ad" not in call["title"] and "\x02" not in (call["description"] or "")
    # Programmes 101–103 share one slug under three Länder: three calls.
    assert len({gen.source_id(i) for i in (101, 102, 103)}) == 3 and {gen.slug(i) for i in (101, 102, 103)} == {
        "gemeinsam-0001"}


def test_synthetic_export_is_byte_stable_and_changes_only_what_changed(tmp_path: Path) -> None:
    a = gen.write_export(tmp_path / "a.zip", 60)
    b = gen.write_export(tmp_path / "b.zip", 60)
    assert a.read_bytes() == b.read_bytes()
    changed = gen.pick(60, 5)
    c = gen.write_export(tmp_path / "c.zip", 60, revisions={i: 1 for i in changed}, removed={7})
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(c) as zc:
        before = {i.filename: i.CRC for i in za.infolist()}
        after = {i.filename: i.CRC for i in zc.infolist()}
    differing = {n for n in before.keys() & after.keys() if before[n] != after[n]}
    assert differing == {gen.programme_path(i) for i in changed}
    assert set(before) - set(after) == {gen.programme_path(7), gen.richtlinie_path(7)}


def test_unknown_codes_are_collected_once_with_the_first_document(tmp_path: Path) -> None:
    path = gen.write_export(tmp_path / "export.zip", 160, unknown_codes=True)
    with ExportReader(path, today=TODAY) as export:
        readings = list(export)
        first = export.unknown
    told = [(u.facet, u.code, u.path) for r in readings for u in r.unknown]
    carriers = sorted(gen.programme_path(i) for i in (7, 57, 107, 157))
    assert told == [("Förderberechtigte", "genossenschaft", carriers[0])]
    assert first == {("Foerderberechtigte", "genossenschaft"): carriers[0]}
    [unknown] = [u for r in readings for u in r.unknown]
    assert unknown.message == (f"Förderberechtigte-Code 'genossenschaft' ist noch nicht zugeordnet "
                               f"(zuerst gesehen in {carriers[0]})")
    # The known code of the same list still counts: the call is not left without applicants.
    calls = {c["source_id"]: c for c in calls_by_path(readings).values()}
    assert calls[gen.source_id(7)]["applicants"] == gen.expected_call(7)["applicants"]


def test_linked_documents_are_cached_within_the_bound(tmp_path: Path) -> None:
    path = gen.write_export(tmp_path / "export.zip", 200)
    with ExportReader(path, today=TODAY, cache_size=8) as export:
        calls = [r.call for r in export]
        assert len(export._cache) <= 8
    with ExportReader(path, today=TODAY) as export:
        assert [r.call for r in export] == calls  # evicting changes nothing but the work


# -- paths -------------------------------------------------------------------------------------------


PATHS = [
    ("target:/BMWI/FDB/Content/DE/Kontakt/_Uebergeordnet/B/bundesagentur-arbeit",
     "BMWI/FDB/Content/DE/Kontakt/_Uebergeordnet/B/bundesagentur-arbeit.xml"),
    ("target:/BMWI/FDB/Content/DE/ExternerLink/A/x#top", "BMWI/FDB/Content/DE/ExternerLink/A/x.xml"),
    ("https://www.example.org/", None),
    ("target:/", None),
]


@pytest.mark.parametrize(("href", "member"), PATHS)
def test_member_of(href: str, member: str | None) -> None:
    assert member_of(href) == member


def test_identity_of_a_programme_path() -> None:
    assert source_id_of(EZB) == "Bund/BA/eingliederungszuschuss-bund"
    assert site_url(EZB) == PROGRAMMES + "Bund/BA/eingliederungszuschuss-bund.html"


def test_member_names_with_a_leading_slash_are_read(recorded: dict[str, bytes], tmp_path: Path) -> None:
    members = {"/" + name: data for name, data in recorded.items()}
    path = write_zip(tmp_path / "x.zip", members)
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist()[0].startswith("/BMWI/")  # what some zip writers produce
    calls = calls_by_path(read_all(path))
    assert sorted(calls) == [EZB, ESG] and calls[EZB]["funding_body"] == "Bundesagentur für Arbeit (BA)"


# (programme of the demo's own export, foerderradar/demo_site/export: contact, links) — invented documents.
# The contact's website is the contact's (the description's "Internet:" line), not a link of the programme.
DEMO_EXPORT = PROJECT / "foerderradar" / "demo_site" / "export"
DEMO_CONTACT_LINKS: list[tuple[str, str | None, list[dict[str, str]] | None]] = [
    ("Bund/BMDV/gigabit-aufruf-kommunen-2027", "Projektträger Gigabit (Beispiel), gigabit@pt.example.org, "
     "Tel. +49 30 5550-200", [
         # "Gigabit-Richtlinie …"
         {"label": "Richtlinie", "url": "https://www.pt-gigabit.example.org/richtlinie.pdf"}]),
    ("Land/NRW/schul-it-administration-nrw", "Bezirksregierung Detmold – Dezernat 34 (Beispiel), "
     "dezernat34@bezreg-detmold.example.org, Tel. +49 5231 555-0", [
         # "Förderrichtlinie …"
         {"label": "Richtlinie", "url": "https://www.bezreg-detmold.example.org/schul-it.pdf"}]),
    # "Fördergrundsätze" are not a Richtlinie by their words: the title stays the label.
    ("Bund/BMI/onlinedienste-nachnutzung", "Projektträger Gigabit (Beispiel), gigabit@pt.example.org, "
     "Tel. +49 30 5550-200", [
         {"label": "Fördergrundsätze Onlinedienste (Beispiel)", "url": "https://www.pt-gigabit.example.org/onlinedienste.pdf"}]),
]


@pytest.mark.parametrize(("source_id", "contact", "links"), DEMO_CONTACT_LINKS, ids=[s for s, *_ in DEMO_CONTACT_LINKS])
def test_demo_export_gives_contact_and_links(
    tmp_path: Path, source_id: str, contact: str | None, links: list[dict[str, str]] | None
) -> None:
    members = {p.relative_to(DEMO_EXPORT).as_posix(): p.read_bytes() for p in sorted(DEMO_EXPORT.rglob("*.xml"))}
    calls = {c["source_id"]: c for c in calls_by_path(read_all(write_zip(tmp_path / "demo.zip", members))).values()}
    assert (calls[source_id]["contact"], calls[source_id]["links"]) == (contact, links)


def test_a_programme_without_contacts_and_links_gives_none(recorded: dict[str, bytes], tmp_path: Path) -> None:
    """The optional fields never make a programme an error: without its Kontakt/ExternerLink documents
    (missing from the zip) it is read, with contact and links None."""
    kept = {p: d for p, d in recorded.items() if "/Kontakt/" not in p and "/ExternerLink/" not in p}
    readings = read_all(write_zip(tmp_path / "bare.zip", kept))
    assert all(not r.errors for r in readings)
    assert [(c["contact"], c["links"]) for c in calls_by_path(readings).values()] == [(None, None), (None, None)]
