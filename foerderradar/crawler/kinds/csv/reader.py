"""Reading a CSV table for kind ``csv``: bytes → encoding, delimiter, header and a stream of rows.

The tables come from exports: German Excel writes ``;`` and Windows-1252, data projects write ``,``
and UTF-8 (with or without BOM), some ship a zip or gzip. A source that changed answers with an HTML
error page, an Excel workbook or JSON instead. Each of these must end in a table or in a German
message naming the source — never in a table of mojibake or an empty one. So:

- The encoding is what the whole file decodes as, checked before the first row is read: UTF-8 (a
  BOM is dropped), else Windows-1252 (which reads Latin-1 text the same). A file that is UTF-8 up to
  some line and then not (or the other way round) is an error naming the lines — decoding it all as
  Windows-1252 would garble every UTF-8 umlaut. Checking costs a pass through the bytes, not a copy
  of the text.
- The delimiter is the candidate that splits the header into most columns and the next rows into
  as many (quoted fields with delimiters and line breaks inside are parsed, not counted).
- Rows are read lazily, one at a time: a table of thousands of programmes is never a list here.
- A malformed row (a stray quote) is reported with its line and skipped; a quote left open to the
  end of the file would swallow all later rows, so it fails the table instead.

No Scrapy here: the spider hands over the response body and gets rows back.

(Near 470 lines: encoding, delimiter, header and rows are one pass over the bytes, each step
deciding on what the one before found — a BOM, the decoded header the delimiter is sniffed from —
with one way of naming the source in an error; apart, none could be tested without the others.)
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import IO, Any

from foerderradar.crawler.kinds.csv.config import DELIMITERS
from foerderradar.crawler.mapping import SourceError

CHUNK = 1024 * 1024  # bytes per step of the encoding check
SAMPLE_LINES = 100  # lines after the header row read to detect the delimiter …
SAMPLE_CHARS = 256 * 1024  # … or fewer, when lines are long
MAX_CELL_CHARS = 4 * 1024 * 1024  # csv's default (128 KiB) is less than a long legal text
MAX_UNPACKED = 512 * 1024 * 1024  # a zip or gzip that unpacks to more is no table of calls
TABLE_SUFFIXES = (".csv", ".tsv", ".txt")

csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARS))

Opener = Callable[[], IO[bytes]]

ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 mit BOM", "cp1252": "Windows-1252", "utf-16": "UTF-16"}
_DELIMITER_NAMES = {";": "';'", ",": "','", "\t": "Tabulator", "|": "'|'"}
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "eine Excel-Arbeitsmappe im alten Format (.xls)"),
    (b"%PDF-", "ein PDF-Dokument"),
    (b"\x89PNG", "ein Bild (PNG)"),
    (b"\xff\xd8\xff", "ein Bild (JPEG)"),
)
_SAVE_AS_CSV = "in Excel oder LibreOffice „Speichern unter … CSV“ wählen"
_HTML = re.compile(r"<(?:!doctype\s+html|html|head|body|title|meta)\b", re.IGNORECASE)
_JSON = re.compile(r"^\s*(?:\{\s*(?:\"|\}|$)|\[\s*(?:[\[{\"\]]|$))")
# Control characters that are no text (a stray \x02 inside a word has been seen in real exports),
# and soft hyphens, which would split words for the matcher.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad]")


@dataclass(frozen=True)
class Row:
    """One record: the line it starts on (1-based, as an editor counts) and its cells."""

    line: int
    cells: list[str]
    problem: str | None = None  # a malformed record: what is wrong (German); cells are empty


@dataclass
class Table:
    where: str  # the URL or path, and the member of an archive: what messages name
    columns: list[str]
    header_line: int
    delimiter: str
    encoding: str
    rows: Iterator[Row]

    @property
    def dialect(self) -> str:
        """How the file was read, for messages: "';'-getrennt, Windows-1252"."""
        name = _DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))
        return f"{name}-getrennt, {ENCODING_NAMES.get(self.encoding, self.encoding)}"


def clean_cell(value: str) -> str:
    """A cell without control characters and soft hyphens, trimmed."""
    return _INVISIBLE.sub("", value).strip()


def open_table(
    body: bytes,
    where: str,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    header_row: int = 1,
    member: str | None = None,
) -> Table:
    """The table in ``body``; anything that is not a readable CSV table is a SourceError naming ``where``."""
    opener, where = _unpack(body, where, member)
    encoding = _encoding(opener, where, encoding)
    with io.TextIOWrapper(opener(), encoding=encoding, newline="") as peek:
        _not_markup(peek.read(2048), where)
    text = io.TextIOWrapper(opener(), encoding=encoding, newline="")
    for skipped in range(header_row - 1):
        if not text.readline():
            raise SourceError(
                where,
                f"die Kopfzeile soll in Zeile {header_row} stehen (header_row), die Datei hat nur {skipped} Zeilen",
            )
    sample, complete = _sample(text)
    if not any(line.strip() for line in sample):
        if header_row > 1:
            raise SourceError(
                where, f"ab Zeile {header_row} (header_row) ist die Datei leer; erwartet wird die Kopfzeile"
            )
        raise SourceError(where, "die Datei ist leer; erwartet wird eine CSV-Tabelle mit Kopfzeile")
    delimiter = delimiter or detect_delimiter(sample, complete=complete)
    reader = csv.reader(chain(sample, text), delimiter=delimiter, strict=True)
    columns, header_line = _header(reader, where, header_row)
    return Table(where, columns, header_line, delimiter, encoding, _rows(reader, where, header_row - 1))


# -- archives and other formats ---------------------------------------------------------------------


def _unpack(body: bytes, where: str, member: str | None) -> tuple[Opener, str]:
    """How to open the table's bytes (again and again): the body, a zip member or a gunzipped body."""
    if not body.strip():
        raise SourceError(where, "die Datei ist leer; erwartet wird eine CSV-Tabelle mit Kopfzeile")
    if body.startswith(b"PK\x03\x04") or body.startswith(b"PK\x05\x06"):
        return _zip_member(body, where, member)
    if member is not None:
        raise SourceError(where, f"zip_member {member!r} ist angegeben, die Datei ist aber kein Zip-Archiv")
    if body.startswith(b"\x1f\x8b"):
        return (lambda: io.BufferedReader(_Bounded(gzip.GzipFile(fileobj=io.BytesIO(body)), where))), where
    for magic, what in _MAGIC:
        if body.startswith(magic):
            raise SourceError(where, f"keine CSV-Datei, sondern {what}; {_SAVE_AS_CSV}")
    return (lambda: io.BytesIO(body)), where


def _zip_member(body: bytes, where: str, member: str | None) -> tuple[Opener, str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(where, f"beschädigtes Zip-Archiv ({exc}); ist der Download vollständig?") from None
    files = [info for info in archive.infolist() if not info.is_dir()]
    names = [info.filename for info in files]
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        raise SourceError(where, f"keine CSV-Datei, sondern eine Excel-Arbeitsmappe (.xlsx); {_SAVE_AS_CSV}")
    if "mimetype" in names and "content.xml" in names:
        raise SourceError(where, f"keine CSV-Datei, sondern ein OpenDocument (.ods); {_SAVE_AS_CSV}")
    listed = ", ".join(names[:20]) or "keine"
    if member is not None:
        chosen = [info for info in files if info.filename == member]
        if not chosen:
            raise SourceError(where, f"zip_member {member!r} steht nicht im Zip-Archiv; darin sind: {listed}")
    else:
        chosen = [info for info in files if info.filename.lower().endswith(TABLE_SUFFIXES)]
        if len(chosen) != 1:
            found = "keine CSV-Datei" if not chosen else f"{len(chosen)} CSV-Dateien"
            raise SourceError(
                where,
                f"das Zip-Archiv enthält {found} (darin: {listed}); zip_member: mit dem Namen der Tabelle angeben",
            )
    info = chosen[0]
    inside = f"{where} (Datei {info.filename} im Zip-Archiv)"
    if info.flag_bits & 0x1:
        raise SourceError(inside, "die Datei im Zip-Archiv ist verschlüsselt")
    if info.file_size > MAX_UNPACKED:
        size = info.file_size // (1024 * 1024)
        raise SourceError(inside, f"entpackt {size} MB groß; das ist keine Tabelle von Förderaufrufen")

    def opener() -> IO[bytes]:
        return io.BufferedReader(_Bounded(archive.open(info), inside))

    try:  # a damaged member (bad CRC, unknown compression) fails here, not in the middle of the rows
        with archive.open(info) as stream:
            stream.read(1)
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
        raise SourceError(inside, f"lässt sich nicht entpacken ({exc})") from None
    return opener, inside


class _Bounded(io.RawIOBase):
    """An unpacking stream that stops with a SourceError beyond MAX_UNPACKED (a zip bomb is no table)."""

    def __init__(self, stream: IO[bytes] | gzip.GzipFile, where: str) -> None:
        self.stream = stream
        self.where = where
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self.stream.read(len(buffer))
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise SourceError(self.where, f"lässt sich nicht entpacken ({exc})") from None
        self.count += len(data)
        if self.count > MAX_UNPACKED:
            limit = MAX_UNPACKED // (1024 * 1024)
            raise SourceError(self.where, f"entpackt größer als {limit} MB; das ist keine Tabelle")
        buffer[: len(data)] = data
        return len(data)


def _not_markup(head: str, where: str) -> None:
    """An HTML page (a login or error page), XML or JSON where a table was expected."""
    start = head.lstrip("\ufeff \t\r\n")
    if start.startswith("<"):
        if _HTML.search(head):
            raise SourceError(
                where,
                "keine CSV-Datei, sondern eine HTML-Seite (eine Fehler- oder Anmeldeseite?); stimmt die Adresse?",
            )
        raise SourceError(where, "keine CSV-Datei, sondern XML; für RSS- oder Atom-Feeds kind: feed verwenden")
    if _JSON.match(start):
        raise SourceError(where, "keine CSV-Datei, sondern JSON; für JSON-Schnittstellen kind: json verwenden")


# -- encoding -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Invalid:
    line: int
    byte: int
    after_text: bool  # valid non-ASCII text came before: the file changes encoding midway


def _encoding(opener: Opener, where: str, configured: str | None) -> str:
    with opener() as stream:
        head = stream.read(4096)
    bom = _bom(head)
    if configured is not None:
        encoding = "utf-8-sig" if configured == "utf-8" and bom == "utf-8-sig" else configured
        invalid = _first_invalid(opener, encoding)
        if invalid is not None:
            raise SourceError(
                where,
                f"nicht in der angegebenen Zeichenkodierung {configured} (Zeile {invalid.line}: Byte "
                f"0x{invalid.byte:02x}); encoding: in portals.yaml prüfen oder weglassen, dann wird sie erkannt",
            )
        return encoding
    if bom is not None:
        invalid = _first_invalid(opener, bom)
        if invalid is not None:
            raise SourceError(
                where,
                f"beginnt mit der Kennung (BOM) für {ENCODING_NAMES[bom]}, ist aber keine "
                f"(Zeile {invalid.line}: Byte 0x{invalid.byte:02x}); die Datei ist beschädigt",
            )
        return bom
    if b"\x00" in head:
        raise SourceError(
            where,
            "keine Textdatei (sie enthält Null-Bytes): erwartet wird eine CSV-Datei in UTF-8 oder Windows-1252 "
            "– vielleicht UTF-16 ohne Kennung, dann encoding: utf-16-le angeben",
        )
    invalid = _first_invalid(opener, "utf-8")
    if invalid is None:
        return "utf-8"
    if invalid.after_text:
        raise SourceError(
            where,
            f"gemischte Zeichenkodierung: bis vor Zeile {invalid.line} UTF-8, dort Byte 0x{invalid.byte:02x}, das "
            "kein UTF-8 ist; die Datei einheitlich als UTF-8 speichern (lassen)",
        )
    bad = _first_invalid(opener, "cp1252")
    if bad is None:
        utf8_line = _utf8_umlaut_line(opener)
        if utf8_line is not None:
            raise SourceError(
                where,
                f"gemischte Zeichenkodierung: Zeile {invalid.line} ist Windows-1252 (Byte 0x{invalid.byte:02x}), "
                f"Zeile {utf8_line} UTF-8; die Datei einheitlich als UTF-8 speichern (lassen)",
            )
        return "cp1252"
    raise SourceError(
        where,
        f"Zeichenkodierung nicht erkannt: weder UTF-8 noch Windows-1252/Latin-1 (Zeile {bad.line}: Byte "
        f"0x{bad.byte:02x}); encoding: in portals.yaml angeben",
    )


def _bom(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _first_invalid(opener: Opener, encoding: str) -> _Invalid | None:
    """Where the bytes stop being ``encoding``, or None; one pass in chunks, no copy of the text."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines = 0
    ascii_so_far = True
    with opener() as stream:
        while True:
            chunk = stream.read(CHUNK)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                data = bytes(exc.object)
                local = max(0, exc.start - (len(data) - len(chunk)))  # exc.object = pending bytes + chunk
                before = chunk[:local]
                after_text = not (ascii_so_far and before.isascii())
                return _Invalid(lines + before.count(b"\n") + 1, data[exc.start], after_text)
            if not chunk:
                return None
            lines += chunk.count(b"\n")
            ascii_so_far = ascii_so_far and chunk.isascii()


# UTF-8 of Ä…ÿ (umlauts, ß, accents): in Windows-1252 text these pairs would read "Ã¤", "Ã¼" …
_UTF8_LETTER = re.compile(rb"[\xc2\xc3][\x80-\xbf]")


def _utf8_umlaut_line(opener: Opener) -> int | None:
    """The first line holding a UTF-8 umlaut (in a file that is not UTF-8 as a whole), or None."""
    lines = 0
    carry = b""
    with opener() as stream:
        while chunk := stream.read(CHUNK):
            data = carry + chunk
            found = _UTF8_LETTER.search(data)
            if found is not None:
                return lines + data.count(b"\n", 0, found.start()) + 1
            lines += data[:-1].count(b"\n")
            carry = data[-1:]  # a pair may straddle two chunks
    return None


# -- delimiter, header, rows ----------------------------------------------------------------------


def _sample(text: IO[str]) -> tuple[list[str], bool]:
    """The first lines (for delimiter detection), and whether they are the whole rest of the file."""
    lines: list[str] = []
    size = 0
    while len(lines) < SAMPLE_LINES and size < SAMPLE_CHARS:
        line = text.readline()
        if not line:
            return lines, True
        lines.append(line)
        size += len(line)
    return lines, False


def detect_delimiter(lines: list[str], *, complete: bool = False) -> str:
    """The candidate that splits the header into most columns and the following records into as many.

    ``complete``: the lines are the whole file (else the last record may be cut off and is ignored).
    Without any candidate giving two columns, ';' (the table then has one column, and the missing
    columns are reported with what the header holds).
    """

    def score(delimiter: str) -> tuple[int, float, int]:
        records: list[list[str]] = []
        try:
            records = [r for r in csv.reader(lines, delimiter=delimiter) if r]
        except csv.Error:
            return (0, 0.0, 0)
        if not complete:
            records = records[:-1] or records
        if not records or len(records[0]) < 2:
            return (0, 0.0, 0)
        width = len(records[0])
        rest = records[1:]
        share = sum(len(r) == width for r in rest) / len(rest) if rest else 1.0
        return (1, share, width)

    best = max(DELIMITERS, key=score)  # max keeps the first of equals: ';' before ','
    return best if score(best)[0] else ";"


def _header(reader: Any, where: str, header_row: int) -> tuple[list[str], int]:
    try:
        cells = next(reader)
    except StopIteration:
        raise SourceError(where, "die Datei ist leer; erwartet wird eine CSV-Tabelle mit Kopfzeile") from None
    except csv.Error as exc:
        raise SourceError(where, f"Kopfzeile (Zeile {header_row}): {_csv_problem(exc)}") from None
    columns = [clean_cell(cell.lstrip("\ufeff")) for cell in cells]
    if not any(columns):
        raise SourceError(
            where,
            f"Zeile {header_row} ist leer; dort wird die Kopfzeile mit den Spaltennamen erwartet (steht sie weiter "
            "unten, header_row: mit ihrer Zeilennummer angeben)",
        )
    return columns, header_row


def _rows(reader: Any, where: str, offset: int) -> Iterator[Row]:
    """Records below the header, each with the line it starts on; blank rows are left out.

    ``reader`` is a ``csv.reader`` (its ``line_num`` counts the lines it consumed); ``offset`` is
    the number of lines above the header row.
    """
    while True:
        start = offset + reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise SourceError(
                    where,
                    f"ein Anführungszeichen ab Zeile {start} wird bis zum Dateiende nicht geschlossen; die Zeilen "
                    "danach wären verloren",
                ) from None
            yield Row(start, [], _csv_problem(exc))
            continue
        if any(cell.strip() for cell in cells):
            yield Row(start, cells)


def _csv_problem(exc: csv.Error) -> str:
    """The csv module's complaint about a record, in German."""
    text = str(exc)
    if "field larger than field limit" in text:
        limit = MAX_CELL_CHARS // (1024 * 1024)
        return f"ein Feld ist länger als {limit} MB; fehlt ein schließendes Anführungszeichen?"
    expected = re.match(r"'(.)' expected after '\"'", text)
    if expected:
        return (
            "nach einem schließenden Anführungszeichen folgt nicht das Trennzeichen "
            f"{_DELIMITER_NAMES.get(expected.group(1), repr(expected.group(1)))}; Anführungszeichen in einem "
            'Feld werden verdoppelt ("")'
        )
    return f"keine gültige CSV-Zeile ({text})"


class Columns:
    """Column name → position in the header: as written, else ignoring case and spaces."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = list(names)
        self.exact: dict[str, int] = {}
        self.folded: dict[str, int] = {}
        for index, name in enumerate(self.names):
            self.exact.setdefault(name, index)
            self.folded.setdefault(_fold(name), index)

    def index(self, name: str) -> int | None:
        found = self.exact.get(name.strip())
        return found if found is not None else self.folded.get(_fold(name))

    def shown(self, limit: int = 25) -> str:
        named = [repr(n) for n in self.names[:limit] if n]
        more = f" … ({len(self.names)} Spalten)" if len(self.names) > limit else ""
        return ", ".join(named) + more if named else "keine Spaltennamen"


def _fold(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


__all__ = ["Columns", "Row", "Table", "clean_cell", "detect_delimiter", "open_table"]
