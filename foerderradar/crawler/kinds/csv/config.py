"""Config model of kind ``csv``: a CSV table (a download or a local file), one row per call.

Open republications of funding data and the exports city IT makes itself are tables, not APIs.
The entry says where the table is (``url`` or ``file``), how to read it where detection is not
enough (``delimiter``, ``encoding``, ``header_row``, ``zip_member``), which rows to keep
(``where``, ``filter``) and which column feeds which call field (``fields``, as for ``json``:
one column, columns tried in order, or ``{value: …}``).

``file`` is a path, relative to the config directory. ``portals.yaml`` keeps it as written; a crawl
job gets it absolute (:meth:`CsvPortal.for_crawl`), because the worker is another process with
its own working directory. Reading it is not a network fetch: the private-network policy
(:mod:`foerderradar.netpolicy`) has nothing to protect there, and the crawl-time guard lets exactly
this one file through (``local_file_url``). ``url`` must still be http(s), so ``file:`` URLs and
redirects to them stay refused.
"""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from foerderradar.config_messages import shown
from foerderradar.crawler.entry.base import http_url
from foerderradar.crawler.entry.mapping import FieldMap, MappingKeys, check_url_template

DELIMITERS = (";", ",", "\t", "|")  # what detection tries, German Excel's ';' first
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "tabulator": "\t", "semikolon": ";", "komma": ",", "pipe": "|"}
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class CsvFields(FieldMap):
    """Call field → column name (the header cell), a list of column names, or ``{value: …}``."""

    source_kind: ClassVar[str] = "ein Spaltenname"

    @classmethod
    def check_source(cls, source: str) -> None:
        if not source.strip():
            raise ValueError("ein Spaltenname darf nicht leer sein; den Namen aus der Kopfzeile der Datei eintragen")
        if "\n" in source or "\r" in source:
            raise ValueError(f"{source!r}: ein Spaltenname steht in einer Zeile")


def _delimiter(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # the type check reports it
    named = _DELIMITER_NAMES.get(value.strip().lower())
    if named is not None:
        return named
    if value == "\t":
        return value
    char = value.strip()
    if len(char) != 1 or char.isalnum() or char in "\"'\r\n":
        raise ValueError(
            f"{shown(value)} ist kein Trennzeichen; erwartet wird ein einzelnes Zeichen wie ';', ',', '|' "
            "oder tab (Tabulator) – oder den Schlüssel weglassen, dann wird es erkannt"
        )
    return char


def _encoding(value: str) -> str:
    try:
        info = codecs.lookup(value)
    except LookupError:
        raise ValueError(
            f"{shown(value)} ist keine bekannte Zeichenkodierung; z. B. utf-8, cp1252 (Windows, Excel) oder "
            "latin-1 – oder den Schlüssel weglassen, dann wird sie erkannt"
        ) from None
    if not getattr(info, "_is_text_encoding", True):  # base64, zlib …: codecs, but not for text
        raise ValueError(f"{shown(value)} ist keine Zeichenkodierung für Text; z. B. utf-8 oder cp1252")
    return info.name


def _cell_value(value: Any) -> str:
    """A value of ``where`` as it appears in a cell: YAML's ``false`` is the cell text "false"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    raise ValueError(f"erwartet wird ein Wert wie false, 0 oder ein Text; hier steht {shown(value)}")


class CsvPortal(MappingKeys):
    """A CSV table: every data row below the header row is one call."""

    kind: Literal["csv"]
    url: str | None = None
    file: str | None = None
    zip_member: str | None = Field(default=None, min_length=1)
    delimiter: Annotated[str, StringConstraints(strip_whitespace=False)] | None = None  # a tab is whitespace
    encoding: str | None = None
    header_row: int = Field(default=1, ge=1, le=1000)
    fields: CsvFields = Field(default_factory=CsvFields)
    url_template: str | None = None
    # Keep only rows whose column holds one of the values (e.g. ``deleted: false`` in a dataset that
    # keeps programmes taken offline); the comparison ignores case and surrounding spaces.
    where: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else http_url(value)

    @field_validator("file")
    @classmethod
    def _file(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value:
            raise ValueError("darf nicht leer sein; den Pfad zur CSV-Datei eintragen oder den Schlüssel weglassen")
        if _SCHEME.match(value):
            raise ValueError(
                f"{shown(value)} ist eine Adresse; file erwartet einen Pfad wie daten/programme.csv "
                "(relativ zum Konfigurationsordner). Für http(s)-Adressen url: verwenden"
            )
        return value

    @field_validator("delimiter", mode="before")
    @classmethod
    def _delimiter(cls, value: Any) -> Any:
        return _delimiter(value)

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str | None) -> str | None:
        return None if value is None else _encoding(value)

    @field_validator("url_template")
    @classmethod
    def _template(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        fields = info.data.get("fields")

        def column(name: str) -> None:
            if not name.strip():
                raise ValueError(f"{value!r}: in {{…}} gehört ein Spaltenname, z. B. {{id}}")

        return check_url_template(value, isinstance(fields, CsvFields) and "url" in fields.mapped(), "spalte", column)

    @field_validator("where", mode="before")
    @classmethod
    def _where(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value  # the type check reports it
        out: dict[Any, list[str]] = {}
        for column, wanted in value.items():
            if isinstance(column, str) and not column.strip():
                raise ValueError("ein Spaltenname darf nicht leer sein")
            values = wanted if isinstance(wanted, list) else [wanted]
            if not values:
                raise ValueError(f"{column}: mindestens einen Wert angeben, sonst passt keine Zeile")
            out[column.strip() if isinstance(column, str) else column] = [_cell_value(v) for v in values]
        return out

    @model_validator(mode="after")
    def _one_source(self) -> CsvPortal:
        if self.url is None and self.file is None:
            raise ValueError("url (eine http(s)-Adresse) oder file (ein Pfad zur CSV-Datei) angeben")
        if self.url is not None and self.file is not None:
            raise ValueError("entweder url oder file angeben, nicht beides")
        if self.file is not None and self.base_url is not None:
            raise ValueError("base_url gilt nur für url; eine Datei (file) wird direkt gelesen – base_url löschen")
        return self

    def for_crawl(self, config_dir: Path) -> CsvPortal:
        if self.file is None:
            return self
        path = Path(self.file).expanduser()
        if path.is_absolute():
            return self
        return self.model_copy(update={"file": os.path.abspath(config_dir / path)})

    @property
    def local_file_url(self) -> str | None:
        """The ``file:`` URL of the entry's own file (None for ``url``): the one local read allowed."""
        if self.file is None:
            return None
        return Path(os.path.abspath(Path(self.file).expanduser())).as_uri()

    @property
    def source_url(self) -> str:
        """What the spider requests: the URL, or the file as a ``file:`` URL."""
        return self.url or str(self.local_file_url)


__all__ = ["DELIMITERS", "CsvFields", "CsvPortal"]
