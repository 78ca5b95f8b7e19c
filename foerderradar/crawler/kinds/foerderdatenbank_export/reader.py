"""The Förderdatenbank's XML export (one zip of the whole database) → call dicts, one programme at a time.

No Scrapy here, so the reader can be tested, benchmarked and reused on a file. The structure is the
one recorded in ../shared/captures/foerderdatenbank-export/ and described in
../shared/design/portals.md ("the XML export"):

- ``BMWI/FDB/Content/DE/Foerderprogramm/<Bund|Land/<Land>|EU>/<Geber>/<slug>.xml`` — one document
  per programme; the documents it links (``Foerdergeber/``, ``Kontakt/`` incl. ``_Uebergeordnet/``,
  ``Adresse/``, ``ExternerLink/``) sit next to it and are named by ``xlink:href="target:/BMWI/…"``.
- A document is ``<document>`` with ``<property name="gsb:…" type="RichText|String|Date|LinkList|
  ClassifiedLinkLists">``. RichText holds HTML inside a ``<![CDATA[…]]>`` that was *escaped* into
  the text, so the XML parser hands back the literal ``<![CDATA[<div>…</div>]]>``.
- Facets are ClassifiedLinkLists: the list's classifier (``…/Classifier/Common/Foerderberechtigte``)
  names the facet, its links name category codes (``…/Categories/FDB/Foerderberechtigte/kommune``),
  decoded with the one shared vocabulary (:mod:`foerderradar.crawler.vocab`).

Identity (decision): ``source_id`` is the programme's path below ``Foerderprogramm/`` without
``.xml`` (``Bund/BA/eingliederungszuschuss-bund``) and ``url`` the site page its path mirrors. That is
exactly the id and URL the HTML route (kinds/foerderdatenbank/spider.py) gives the same programme, so a
portal entry switched from kind ``foerderdatenbank`` to ``foerderdatenbank_export`` under the same
key keeps every call's id, feedback and history instead of seeing ~2,500 calls go and come back.
The slug alone is never the id: the same slug exists under several Länder.

Memory: the zip's central directory is read once; members are decompressed one at a time by name.
A programme's linked documents are read when it needs them and kept, reduced to the few fields
used, in a bounded LRU cache (they are shared: one Kontakt serves hundreds of programmes).

Dirt seen in the real export: stray C0 control characters (a ``\\x02`` inside a word) that make a
strict XML parser reject the file, soft hyphens, tabs. Control characters are removed from the raw
bytes before parsing; soft hyphens and whitespace runs go with :func:`selectors.clean`. The ``?`` the
portal writes where its source had a dash is the portal's own text and stays.

Failures, in the order of their reach:

- The zip cannot be read (truncated download, no central directory, CRC error, not a zip at all,
  no programme inside) → :class:`ExportError`, one message for the whole export. Whatever was read
  before stays valid; the caller must not run gone detection.
- A programme document cannot be read (broken XML, no title) → the programme's :class:`Reading`
  carries an error naming its path; the other programmes are read.
- A linked document cannot be read → a *note* naming its path (once per reader): the programme is
  still read, only without that contact or link, and which programmes exist is not in doubt.
- A category code the vocabulary does not know → an :class:`UnknownCode`, once per reader.

(Over 600 lines: the zip, the document format, the linked documents and the mapping to call fields
are one format's reader, tested and benchmarked as a whole against the recorded export; the
spider only hands it the downloaded file.)
"""

from __future__ import annotations

import logging
import re
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from os import PathLike
from typing import IO, Any
from urllib.parse import quote

from lxml import etree

from foerderradar.crawler import vocab
from foerderradar.crawler.call_links import call_links, contact_line
from foerderradar.crawler.selectors import clean, text_of
from foerderradar.crawler.textextract import Terms, extract_terms

log = logging.getLogger(__name__)

EXPORT_URL = "https://www.foerderdatenbank.de/FDB/WS/export"
SITE_URL = "https://www.foerderdatenbank.de/"
EXPORT_ROOT = "BMWI/"  # the site's URL path is the member's path below this
CONTENT = "BMWI/FDB/Content/DE/"
PROGRAMMES = CONTENT + "Foerderprogramm/"
TARGET = "target:/"
CATEGORY = "target:/BMWI/SiteGlobals/Categories/FDB/"
CLASSIFIER = "target:/BMWI/SiteGlobals/Classifications/Classifier/Common/"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

# A programme document is ~25 KB; anything near this is not one (or a zip bomb's member).
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
LINKED_CACHE_SIZE = 2048
MAX_DESCRIPTION_CHARS = 50_000

# Facets (classifier names) read into call fields → their German name in messages.
FACETS: dict[str, str] = {
    "Foerderart": "Förderart",
    "Foerdergebiet": "Fördergebiet",
    "Foerderberechtigte": "Förderberechtigte",
    "Foerderbereich": "Förderbereich",
    "Foerdergeber": "Fördergeber",
}
FUNDING_ORGANISATION = "Foerderorganisation"  # classifier whose links are Foerdergeber documents

# Page sections (property → heading) in the order the description shows them.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("gsb:summary", "Volltext"),
    ("gsb:bodyText", "Richtlinie"),
    ("gsb:regulatoryFWork", "Rechtliche Voraussetzungen"),
    ("gsb:procInfluence", "Fristen"),
    ("gsb:procMethod", "Verfahrensablauf"),
    ("gsb:competenceDescr", "Erforderliche Unterlagen"),
    ("gsb:procDescription", "Rechtsgrundlage"),
)
TITLE = "gsb:title"
SHORT_TEXT = "gsb:teaserText"
DEADLINES = "gsb:procInfluence"
ISSUED = "gsb:dateOfIssue"
EXPIRES = "gsb:dateOfExpiration"
CONTACTS = "gsb:cl2Contacts"
FURTHER_LINKS = "gsb:cl2CustServices"
CONTACT_HEADING = "Ansprechpunkt"
LINKS_HEADING = "Weiterführende Links"

# C0 controls but tab, LF, CR, and the non-characters U+FFFE/U+FFFF (as UTF-8): never valid XML.
# Byte-wise is safe: in UTF-8 (and every ISO-8859 charset) these bytes are never part of a character.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
_CDATA = re.compile(r"^\s*<!\[CDATA\[(.*)\]\]>\s*$", re.DOTALL)
_ANCHOR = re.compile(
    r"<a\b[^>]*?\bxlink:href\s*=\s*[\"'](?P<href>target:/[^\"']+)[\"'][^>]*>(?P<text>.{0,2000}?)</a\s*>",
    re.DOTALL | re.IGNORECASE,
)


class ExportError(Exception):
    """The export as a whole cannot be trusted: one German message naming its URL."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(
            f"Export unvollständig oder beschädigt: {url} ({problem}). "
            "Kein Programm wird deshalb als entfernt markiert; der nächste Lauf versucht es erneut."
        )
        self.url = url
        self.problem = problem


class DocumentError(Exception):
    """One document of the export cannot be read; the others can."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class UnknownCode:
    """A category code the vocabulary does not know yet, with the document it was first seen in."""

    facet: str  # German facet name ("Förderberechtigte")
    code: str
    path: str

    @property
    def message(self) -> str:
        return f"{self.facet}-Code '{self.code}' ist noch nicht zugeordnet (zuerst gesehen in {self.path})"


@dataclass
class Reading:
    """What reading one programme document gave: the call (None if unreadable) and what to tell."""

    path: str
    call: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)  # German; count as crawl errors
    notes: list[str] = field(default_factory=list)  # German; worth knowing, not failures
    unknown: list[UnknownCode] = field(default_factory=list)  # first seen in this document


@dataclass(frozen=True)
class Linked:
    """A linked document reduced to what a programme shows of it (small: these are cached)."""

    path: str
    title: str | None = None
    url: str | None = None  # ExternerLink: the external address
    phone: str | None = None
    fax: str | None = None
    email: str | None = None
    address: str | None = None  # Adresse: street, postcode and town on one line
    websites: tuple[str, ...] = ()  # Kontakt: ExternerLink targets
    addresses: tuple[str, ...] = ()  # Kontakt: Adresse targets
    parents: tuple[str, ...] = ()  # Kontakt: the superordinate unit (Kontakt/_Uebergeordnet)


# -- one document -------------------------------------------------------------------------------------


def _xml_parser() -> etree.XMLParser:
    # Strict (a damaged document must not read as a shorter one); no entities, DTDs or network (XXE).
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True, remove_pis=True,
        recover=False, huge_tree=False,
    )


def member_of(href: str) -> str | None:
    """``target:/BMWI/FDB/Content/DE/Kontakt/B/x`` → the zip member ``BMWI/FDB/Content/DE/Kontakt/B/x.xml``."""
    href = clean(href)
    if not href.startswith(TARGET):
        return None
    path = re.split(r"[?#]", href[len(TARGET) :], maxsplit=1)[0].strip("/")
    return f"{path}.xml" if path else None


def site_url(path: str) -> str:
    """The site page a document's path mirrors: below ``BMWI/``, ``.xml`` → ``.html``."""
    below = path[len(EXPORT_ROOT) :] if path.startswith(EXPORT_ROOT) else path
    return SITE_URL + quote(below.removesuffix(".xml") + ".html", safe="/-_.~")


def source_id_of(path: str) -> str:
    """``BMWI/FDB/Content/DE/Foerderprogramm/Bund/BA/x.xml`` → ``Bund/BA/x`` (see the module docstring)."""
    return path[len(PROGRAMMES) :].removesuffix(".xml")


def unwrap(text: str) -> str:
    """RichText ``<text>``: the HTML inside the literal ``<![CDATA[ … ]]>`` (a real CDATA section
    or bare HTML reads the same)."""
    match = _CDATA.match(text)
    return match.group(1) if match else text


def rich_lines(html: str) -> list[str]:
    """Plain text lines (paragraphs, list items, ``<br>``) of a RichText's HTML."""
    return [line for line in text_of(html).split("\n") if line] if html.strip() else []


def _timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


class Document:
    """One parsed document: its properties by name (``gsb:title`` …)."""

    def __init__(self, path: str, root: etree._Element) -> None:
        self.path = path
        self.properties: dict[str, etree._Element] = {}
        for prop in root.iterchildren("property"):
            name = prop.get("name")
            if name:
                self.properties[name] = prop

    @classmethod
    def parse(cls, path: str, raw: bytes, parser: etree.XMLParser) -> Document:
        """Stray control characters are removed first: one ``\\x02`` would otherwise lose the document."""
        raw = _CONTROL_BYTES.sub(b"", raw)
        try:
            root = etree.fromstring(raw, parser)
        except etree.XMLSyntaxError as first:
            try:  # bytes that are not UTF-8: read what can be read rather than lose the programme
                root = etree.fromstring(raw.decode("utf-8", "replace").encode("utf-8"), parser)
            except (etree.XMLSyntaxError, ValueError):
                raise DocumentError(path, f"kein gültiges XML ({first})") from None
        if root is None or root.tag != "document":
            raise DocumentError(path, f"kein <document>, sondern <{getattr(root, 'tag', '?')}>")
        return cls(path, root)

    def html(self, name: str) -> str:
        """A RichText property's HTML ("" if absent)."""
        prop = self.properties.get(name)
        if prop is None:
            return ""
        node = prop.find("text")
        return unwrap(node.text or "") if node is not None else ""

    def lines(self, name: str) -> list[str]:
        """A RichText (or String) property as plain text lines."""
        prop = self.properties.get(name)
        if prop is None:
            return []
        if prop.find("text") is not None:
            return rich_lines(self.html(name))
        value = self.string(name)
        return [value] if value else []

    def text(self, name: str) -> str:
        return "\n".join(self.lines(name))

    def string(self, name: str) -> str | None:
        """A String/Date/Long property's ``<value>``, whitespace and invisibles cleaned."""
        prop = self.properties.get(name)
        node = prop.find("value") if prop is not None else None
        value = clean(node.text) if node is not None else ""
        return value or None

    def links(self, name: str) -> list[str]:
        """Every link target of a LinkList or ClassifiedLinkLists property (classifiers excluded)."""
        prop = self.properties.get(name)
        if prop is None:
            return []
        return [h for links in prop.iter("links") for link in links.iterfind("link") if (h := link.get(XLINK_HREF))]

    def classified(self) -> Iterator[tuple[str | None, list[str]]]:
        """(classifier name, link targets) of every classified link list of every property."""
        for prop in self.properties.values():
            if prop.get("type") != "ClassifiedLinkLists":
                continue
            for cll in prop.iter("classifiedLinkList"):
                classifier = next(
                    (h for link in cll.iterfind("classifierLinks/link") if (h := link.get(XLINK_HREF))), None
                )
                name = classifier.rsplit("/", 1)[-1] if classifier else None
                yield name, [h for link in cll.iterfind("links/link") if (h := link.get(XLINK_HREF))]

    def anchors(self, name: str) -> list[tuple[str, str]]:
        """(target, link text) of the links inside a RichText property's HTML."""
        return [
            (m.group("href"), ", ".join(rich_lines(m.group("text")))) for m in _ANCHOR.finditer(self.html(name))
        ]


def one_line(lines: list[str], sep: str = " ") -> str:
    return clean(sep.join(lines))


def summarise(doc: Document) -> Linked:
    """The few fields of a Foerdergeber/Kontakt/Adresse/ExternerLink document a programme shows."""
    title = one_line(doc.lines(TITLE), ", ") or None
    url = re.sub(r"\s+", "", doc.string("gsb:url") or "") or None
    street = one_line([doc.string("gsb:road") or "", doc.string("gsb:houseId") or ""])
    town = one_line([doc.string("gsb:zipCode") or "", doc.string("gsb:city") or ""])
    box = doc.string("gsb:postOfficeBox")
    address = ", ".join(filter(None, [street, f"Postfach {box}" if box else "", town])) or None
    return Linked(
        path=doc.path, title=title, url=url, phone=doc.string("gsb:phone"), fax=doc.string("gsb:fax"),
        email=doc.string("gsb:email"), address=address if (street or town or box) else None,
        websites=tuple(doc.links("gsb:website")), addresses=tuple(doc.links("gsb:cl2Addresses")),
        parents=tuple(doc.links("gsb:cl2RespTargets")),
    )


# -- the export ------------------------------------------------------------------------------------------


Source = str | PathLike[str] | IO[bytes]


class ExportReader:
    """``with ExportReader(zip) as export: for reading in export: …`` — one :class:`Reading` per programme.

    ``url`` only names the export in messages; ``today`` decides open/closed (fixed per run).
    """

    def __init__(
        self, source: Source, *, url: str = EXPORT_URL, today: date | None = None,
        cache_size: int = LINKED_CACHE_SIZE,
    ) -> None:
        self.url = url
        self.today = today or date.today()
        self.cache_size = cache_size
        self.unknown: dict[tuple[str, str], str] = {}  # (facet, code) → path first seen in
        self._parser = _xml_parser()
        self._cache: OrderedDict[str, Linked | None] = OrderedDict()
        self._told: set[str] = set()  # linked documents already noted as unreadable
        try:
            self._zip = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
            raise ExportError(url, _sniff(source) or _zip_problem(exc)) from None
        except OSError as exc:
            raise ExportError(url, f"nicht lesbar [{exc}]") from None
        # Members by name: the central directory, not the data (that is read lazily). zipfile's own
        # table unless names need normalising: a second table would double the directory's cost.
        infos = self._zip.infolist()
        self._members: dict[str, zipfile.ZipInfo] = (
            {info.filename.lstrip("/"): info for info in infos}
            if any(info.filename.startswith("/") for info in infos) else self._zip.NameToInfo
        )

    def __enter__(self) -> ExportReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    def programme_paths(self) -> list[str]:
        """The programme documents, sorted (stable order: "first seen in" names the same document)."""
        paths = sorted(n for n in self._members if n.startswith(PROGRAMMES) and n.endswith(".xml"))
        if not paths:
            raise ExportError(self.url, f"enthält keine Förderprogramme unter {PROGRAMMES}")
        return paths

    def __iter__(self) -> Iterator[Reading]:
        for path in self.programme_paths():
            yield self.read_programme(path)

    # -- members --------------------------------------------------------------------------------------

    def _raw(self, path: str) -> bytes:
        info = self._members[path]
        if info.file_size > MAX_DOCUMENT_BYTES:
            raise DocumentError(path, f"zu groß ({info.file_size // 1024} KB entpackt)")
        try:
            with self._zip.open(info) as member:
                data = member.read(MAX_DOCUMENT_BYTES + 1)  # the CRC is checked on reaching the end
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
            raise ExportError(self.url, f"{path}: {_zip_problem(exc)}") from None
        except (NotImplementedError, RuntimeError) as exc:  # unknown compression, encryption
            raise ExportError(self.url, f"{path}: nicht entpackbar – {exc}") from None
        if len(data) > MAX_DOCUMENT_BYTES:
            raise DocumentError(path, "größer als im Zip-Verzeichnis angegeben")
        return data

    def document(self, path: str) -> Document:
        """One document, parsed (raises DocumentError; ExportError when the zip itself is damaged)."""
        if path not in self._members:
            raise DocumentError(path, "fehlt im Export")
        return Document.parse(path, self._raw(path), self._parser)

    def linked(self, href: str, reading: Reading | None = None) -> Linked | None:
        """A linked document's summary, from the bounded cache; None if it is missing or unreadable."""
        path = member_of(href)
        if path is None or not path.startswith(CONTENT):
            return None
        if path in self._cache:
            self._cache.move_to_end(path)
            return self._cache[path]
        linked: Linked | None = None
        if path not in self._members:
            log.debug("%s: linked document %s not in the export", self.url, path)
        else:
            try:
                linked = summarise(self.document(path))
            except DocumentError as exc:
                if path not in self._told:
                    self._told.add(path)
                    message = (
                        f"{self.url}: verknüpftes Dokument {path} nicht lesbar ({exc.problem}); "
                        "Programme, die darauf verweisen, werden ohne diese Angaben gespeichert"
                    )
                    if reading is not None:
                        reading.notes.append(message)
        self._cache[path] = linked
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return linked

    # -- programmes -----------------------------------------------------------------------------------

    def read_programme(self, path: str) -> Reading:
        reading = Reading(path)
        try:
            reading.call = self._call(path, self.document(path), reading)
        except DocumentError as exc:
            reading.errors.append(
                f"{self.url}: Dokument {exc.path} nicht lesbar ({exc.problem}); die übrigen Programme wurden gelesen"
            )
        return reading

    def _call(self, path: str, doc: Document, reading: Reading) -> dict[str, Any]:
        title = one_line(doc.lines(TITLE))
        if not title:
            raise DocumentError(path, "ohne Titel (gsb:title leer)")
        facets, organisations = self._facets(doc)
        mapped, unknown = vocab.facet_fields(facets)
        geber, unknown["Foerdergeber"] = vocab.decode("Foerdergeber", facets.get("Foerdergeber", []))
        for facet, codes in unknown.items():
            self._unknown(facet, codes, path, reading)

        summary = doc.text(SHORT_TEXT) or None
        sections = [(prop, heading, doc.text(prop)) for prop, heading in SECTIONS]
        contact = self._contact_lines(doc, reading)
        targets = self._link_targets(doc, reading)
        links = [f"{label}: {url}" if label else url for label, url in targets]
        parts = [f"{heading}\n{text}" for _, heading, text in sections if text]
        if contact:
            parts.append("\n".join([CONTACT_HEADING, *contact]))
        if links:
            parts.append("\n".join([LINKS_HEADING, *links]))
        description = "\n\n".join(parts)[:MAX_DESCRIPTION_CHARS] or None

        deadlines = next(text for prop, _, text in sections if prop == DEADLINES)
        rest = "\n".join(filter(None, [title, summary, *(t for p, _, t in sections if p != DEADLINES)]))
        terms = _terms(deadlines, rest, self.today).fields()
        expires = _timestamp(doc.string(EXPIRES))
        if expires is not None and expires.date() < self.today:
            terms["status"] = "closed"  # the portal's own end date for the programme entry
        issued = _timestamp(doc.string(ISSUED))

        level = vocab.level(source_id_of(path).split("/", 1)[0])
        if level is None:
            level = next((lv for g in geber if (lv := vocab.level(g))), None)
        funding_body = self._funding_body(organisations, doc, reading)
        return {
            "source_id": source_id_of(path),
            "url": site_url(path),
            "title": title,
            "summary": summary,
            "description": description,
            "funding_body": funding_body,
            "level": level,
            **mapped,
            "language": "de",
            **terms,
            "published_at": issued.isoformat() if issued else None,
            "contact": self._contact(doc, reading),
            "links": call_links(targets),
        }

    def _facets(self, doc: Document) -> tuple[dict[str, list[str]], list[str]]:
        """Category codes per facet (the classifier names the facet; the code path when there is
        none), and the Foerdergeber documents linked under the Foerderorganisation classifier."""
        facets: dict[str, list[str]] = {}
        organisations: list[str] = []
        for classifier, hrefs in doc.classified():
            if classifier == FUNDING_ORGANISATION:
                organisations.extend(hrefs)
                continue
            for href in hrefs:
                if not href.startswith(CATEGORY):
                    continue
                parts = href[len(CATEGORY) :].strip("/").split("/")
                facet = classifier if classifier in FACETS else (parts[0] if classifier is None else None)
                if facet in FACETS and len(parts) >= 2 and parts[-1]:
                    codes = facets.setdefault(facet, [])
                    if parts[-1] not in codes:
                        codes.append(parts[-1])
        return facets, organisations

    def _unknown(self, facet: str, codes: list[str], path: str, reading: Reading) -> None:
        for code in codes:
            if (facet, code) not in self.unknown:
                self.unknown[(facet, code)] = path
                reading.unknown.append(UnknownCode(FACETS[facet], code, path))

    def _funding_body(self, organisations: list[str], doc: Document, reading: Reading) -> str | None:
        """The Foerdergeber documents' titles; without any, the (first) contact's title."""
        titles = [t for href in organisations if (t := _title(self.linked(href, reading)))]
        if not titles:
            titles = [t for href in doc.links(CONTACTS)[:1] if (t := _title(self.linked(href, reading)))]
        return ", ".join(dict.fromkeys(titles)) or None

    def _contact_lines(self, doc: Document, reading: Reading) -> list[str]:
        """"Ansprechpunkt": whom to ask (FundingCall has no contact field; the reader wants it)."""
        lines: list[str] = []
        for href in doc.links(CONTACTS):
            contact = self.linked(href, reading)
            if contact is None:
                continue
            if contact.title:
                lines.append(contact.title)
            for parent in contact.parents:
                unit = _title(self.linked(parent, reading))
                if unit and unit.casefold() != (contact.title or "").casefold():
                    lines.append(f"Übergeordnete Stelle: {unit}")
            lines.extend(a.address for h in contact.addresses if (a := self.linked(h, reading)) and a.address)
            for label, value in (("Telefon", contact.phone), ("Fax", contact.fax), ("E-Mail", contact.email)):
                if value:
                    lines.append(f"{label}: {value}")
            lines.extend(f"Internet: {w.url}" for h in contact.websites if (w := self.linked(h, reading)) and w.url)
        return list(dict.fromkeys(lines))

    def _contact(self, doc: Document, reading: Reading) -> str | None:
        """The card's "Kontakt": the first contact's office (its superordinate unit's when it has no
        title of its own), then the first e-mail and phone number any of the contacts gives."""
        contacts = [c for href in doc.links(CONTACTS) if (c := self.linked(href, reading)) is not None]
        if not contacts:
            return None
        first = contacts[0]
        name = first.title or next((t for p in first.parents if (t := _title(self.linked(p, reading)))), None)
        email = next((c.email for c in contacts if c.email), None)
        phone = next((c.phone for c in contacts if c.phone), None)
        return contact_line([name, email, f"Tel. {phone}" if phone else None])

    def _link_targets(self, doc: Document, reading: Reading) -> list[tuple[str, str]]:
        """"Weiterführende Links" as (label, url), one per address: links in the texts (the
        Richtlinie …), then further information (``gsb:cl2CustServices``)."""
        targets = [a for prop in (SHORT_TEXT, *(p for p, _ in SECTIONS)) for a in doc.anchors(prop)]
        targets += [(href, "") for href in doc.links(FURTHER_LINKS)]
        found: dict[str, str] = {}  # url → label
        for href, text in targets:
            path = member_of(href)
            if path is None:
                continue
            if path.startswith(PROGRAMMES):  # another programme: its site page, no need to read it
                url, label = site_url(path), text
            else:
                target = self.linked(href, reading)
                if target is None or not target.url:
                    continue
                url, label = target.url, target.title or text
            found.setdefault(url, label)
        return [(label, url) for url, label in found.items()]


def _title(linked: Linked | None) -> str | None:
    return linked.title if linked is not None else None


def _terms(deadlines: str, rest: str, today: date) -> Terms:
    """Dates and status from the Fristen section when it says anything, else from the other text;
    rate and amount from the Fristen section first, then the rest."""
    first = extract_terms(deadlines, today) if deadlines else Terms()
    other = extract_terms(rest, today) if rest else Terms()
    dated = first if any((first.deadline, first.deadline_text, first.status, first.open_date)) else other
    return Terms(
        deadline=dated.deadline,
        deadline_text=dated.deadline_text,
        status=dated.status,
        open_date=dated.open_date,
        funding_rate_pct=first.funding_rate_pct if first.funding_rate_pct is not None else other.funding_rate_pct,
        max_amount_eur=first.max_amount_eur if first.max_amount_eur is not None else other.max_amount_eur,
    )



def _zip_problem(exc: BaseException) -> str:
    """German for what zipfile/zlib say, with their words kept (in brackets) for whoever debugs it."""
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if "crc" in lowered:
        return f"Prüfsummenfehler [{text}]"
    if "not a zip file" in lowered or "end of central directory" in lowered or "truncated" in lowered:
        return f"Zip-Verzeichnis fehlt, die Datei ist abgeschnitten [{text}]"
    if isinstance(exc, zlib.error | EOFError):
        return f"Daten beschädigt oder abgeschnitten [{text}]"
    return text


def _sniff(source: Source) -> str | None:
    """What came instead of a zip, when it is recognisable: a blocking or maintenance page is HTML."""
    try:
        if isinstance(source, str | PathLike):
            with open(source, "rb") as fh:
                head = fh.read(512)
        else:
            source.seek(0)
            head = source.read(512)
    except (OSError, ValueError):
        return None
    start = head.lstrip().lower()
    if not start:
        return "leere Antwort statt einer Zip-Datei"
    if start.startswith((b"<!doctype html", b"<html")):
        return "eine HTML-Seite statt einer Zip-Datei (Sperr- oder Wartungsseite?)"
    if start.startswith(b"<"):
        return "ein XML-/Textdokument statt einer Zip-Datei"
    return None
