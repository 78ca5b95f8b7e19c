"""Config model of kind ``json``: a JSON API returning a list of calls.

``items`` and every source in ``fields`` are dotted paths (``data.results``, ``metadata.title.0``),
checked for shape when the file is loaded; whether they match the answer is the crawl's to say.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from foerderradar.crawler.entry.base import STRICT
from foerderradar.crawler.entry.mapping import FieldMap, MappedPortal, check_url_template

_SEGMENT = re.compile(r"^[^.\s][^.]*$")


def check_path(path: str, what: str = "Punkt-Pfad") -> None:
    """A dotted path: keys separated by dots, list positions as numbers (``metadata.title.0``)."""
    if not path or not all(_SEGMENT.match(part) and part == part.strip() for part in path.split(".")):
        raise ValueError(
            f"{path!r} ist kein {what} wie data.results oder metadata.title.0 "
            "(Schlüssel durch einzelne Punkte getrennt, ohne Leerzeichen am Rand)"
        )


class JsonFields(FieldMap):
    source_kind: ClassVar[str] = "ein Punkt-Pfad"

    @classmethod
    def check_source(cls, source: str) -> None:
        check_path(source)


class Pagination(BaseModel):
    """Page-number pagination: ``param`` counts up from ``start`` until a page has no items."""

    model_config = STRICT

    param: str = Field(min_length=1)
    start: int = Field(default=1, ge=0)
    max_pages: int | None = Field(default=None, ge=1, le=10_000)  # None: the entry's max_pages


class JsonPortal(MappedPortal):
    """A JSON API returning a list of calls (optionally under a path, optionally paginated)."""

    kind: Literal["json"]
    method: Literal["GET", "POST"] = "GET"
    body: Any = None
    items: str
    fields: JsonFields = Field(default_factory=JsonFields)
    url_template: str | None = None
    pagination: Pagination | None = None

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("body")
    @classmethod
    def _body(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None
        if info.data.get("method") != "POST":
            raise ValueError("body wird nur mit method: POST gesendet; method: POST ergänzen oder body löschen")
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise ValueError(
                "muss reines JSON sein (Abschnitte, Listen, Texte, Zahlen); Datumsangaben in Anführungszeichen setzen"
            ) from None
        return value

    @field_validator("items")
    @classmethod
    def _items(cls, value: str) -> str:
        if value:
            check_path(value, "Punkt-Pfad zur Liste der Einträge")
        return value

    @field_validator("url_template")
    @classmethod
    def _template(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        fields = info.data.get("fields")
        return check_url_template(
            value, isinstance(fields, JsonFields) and "url" in fields.mapped(), "pfad",
            lambda path: check_path(path, "Punkt-Pfad in {…}"),
        )
