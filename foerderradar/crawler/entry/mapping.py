"""Config pieces the kinds with a field mapping share (``feed``, ``json``, ``csv``, ``html``; ``watch``'s defaults).

A portal entry says where each canonical field comes from (a feed element, a dotted path into a
JSON item, a column, a CSS selector), which literal values every item gets (``defaults``) and
which items to keep (``filter``). Everything a person can mistype is checked when ``portals.yaml``
is loaded — a misspelt field, ``applicants: [gemeinde]`` — so mistakes surface in ``portals list``
rather than as silently empty fields after a night's crawl.

The models that list call fields (:class:`CallDefaults`, :class:`FieldMap`) are derived from
:class:`~foerderradar.model.FundingCall`: a field added there can be mapped and defaulted at once.
What happens to the values at crawl time is :mod:`foerderradar.crawler.mapping`'s job; this module
imports nothing of it, so loading the config stays light.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, create_model, field_validator

from foerderradar.config_messages import error_message
from foerderradar.crawler.entry.base import STRICT, PortalBase, http_url
from foerderradar.model import FundingCall

# -- the canonical fields a mapping names ----------------------------------------------------------

# A call is told apart by these; a portal-wide literal would make all its items one call. ``source``
# is the entry's own key, set by the mapper: no entry maps it; nor ``links`` (label and address pairs,
# read by the kinds that know a portal's link lists — one selector cannot say which text labels which URL).
IDENTITY_FIELDS = ("source_id", "url", "title")
MAPPABLE_FIELDS = tuple(name for name in FundingCall.model_fields if name not in ("source", "links"))
DEFAULTABLE_FIELDS = tuple(name for name in MAPPABLE_FIELDS if name not in IDENTITY_FIELDS)
LIST_FIELDS = frozenset({"regions", "applicants", "funding_type", "topics"})


def _optional(name: str) -> Any:
    """FundingCall's type of field ``name`` with its constraints (``ge=0``, ``max_length``), None allowed."""
    info = FundingCall.model_fields[name]
    annotation: Any = info.annotation
    return Annotated[annotation | None, *info.metadata] if info.metadata else annotation | None


def _all_optional(name: str, config: ConfigDict, fields: dict[str, Any]) -> type[BaseModel]:
    """A model of ``fields`` (name → type), each None unless given: the base of a derived model."""
    optional: dict[str, Any] = {field: (annotation, None) for field, annotation in fields.items()}
    return create_model(name, __config__=config, **optional)


# -- defaults and literals ------------------------------------------------------------------------

_DefaultFields = _all_optional("_DefaultFields", STRICT, {name: _optional(name) for name in DEFAULTABLE_FIELDS})


class CallDefaults(_DefaultFields):  # type: ignore[misc,valid-type]
    """Literal canonical values for every item of a portal, checked against the call vocabularies.

    Its fields are FundingCall's minus the identity, with FundingCall's types, so that
    ``defaults.applicants: [gemeinde]`` is an error when the file is loaded, not a dropped item later.
    """

    @field_validator(*sorted(LIST_FIELDS), mode="before")
    @classmethod
    def _one_value_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("regions")
    @classmethod
    def _region_codes(cls, value: list[str] | None) -> list[str] | None:
        for region in value or []:
            try:
                FundingCall._regions([region])
            except ValueError:  # the model's own message is English: it is meant for developers
                raise ValueError(f"{region!r} ist kein Regionskürzel nach ISO 3166-2 wie DE, DE-NW oder EU") from None
        return FundingCall._regions(value)

    def values(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


def literal_value(name: str, value: Any) -> Any:
    """A ``{value: …}`` literal for field ``name``, validated like ``defaults``."""
    if name in IDENTITY_FIELDS:
        raise ValueError(f"ein fester Wert für {name} wäre bei jedem Eintrag gleich; {name} aus einer Quelle lesen")
    try:
        parsed = CallDefaults.model_validate({name: value})
    except ValidationError as exc:
        raise ValueError("; ".join(dict.fromkeys(error_message(e) for e in exc.errors()))) from None
    return getattr(parsed, name)


# -- field sources --------------------------------------------------------------------------------


class LiteralValue(BaseModel):
    """``{value: bund}``: the same value for every item."""

    model_config = ConfigDict(extra="forbid")
    value: Any


# One or more sources tried in order (the first non-empty one wins), or a literal.
FieldSpec = list[str] | LiteralValue

_MappedFields = _all_optional(
    "_MappedFields", ConfigDict(extra="forbid"), dict.fromkeys(MAPPABLE_FIELDS, FieldSpec | None)
)


class FieldMap(_MappedFields):  # type: ignore[misc,valid-type]
    """Canonical field → source; subclasses say what a source is (a feed element, a JSON path)."""

    source_kind: ClassVar[str] = "eine Quelle"

    @field_validator("*", mode="before")
    @classmethod
    def _spec(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or "?"
        if value is None:
            return None
        if isinstance(value, LiteralValue):
            value = {"value": value.value}
        if isinstance(value, dict):
            if set(value) != {"value"}:
                raise ValueError("einen festen Wert als {value: …} schreiben; andere Schlüssel gibt es hier nicht")
            return {"value": literal_value(name, value["value"])}
        sources = [value] if isinstance(value, str) else value
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            raise ValueError(
                f"erwartet wird {cls.source_kind}, eine Liste davon (der Reihe nach versucht) oder {{value: …}}"
            )
        if not sources and name in ("url", "title"):
            raise ValueError(f"jeder Förderaufruf braucht {name}; die Liste darf hier nicht leer sein")
        for source in sources:
            cls.check_source(source)
        return sources

    @classmethod
    def check_source(cls, source: str) -> None:
        """Raise ValueError naming the mistake; subclasses know their sources."""

    def mapped(self) -> dict[str, FieldSpec]:
        return {name: spec for name in MAPPABLE_FIELDS if (spec := getattr(self, name)) is not None}


# -- keys of the kinds with a mapping -------------------------------------------------------------


class MappingKeys(PortalBase):
    """Keys every kind with a field mapping has (``feed``, ``json``, ``csv``, ``html``): what FieldMapper reads."""

    defaults: CallDefaults = Field(default_factory=CallDefaults)
    filter: list[str] = Field(default_factory=list)

    @field_validator("filter", mode="before")
    @classmethod
    def _keywords(cls, value: Any) -> Any:
        keywords = [value] if isinstance(value, str) else value
        if isinstance(keywords, list) and any(isinstance(k, str) and not k.strip() for k in keywords):
            raise ValueError("ein Stichwort darf nicht leer sein; leere Einträge aus der Liste löschen")
        return keywords


class MappedPortal(MappingKeys):
    """Keys the ``feed`` and ``json`` kinds share: one source address."""

    url: str

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return http_url(value)


PLACEHOLDER = re.compile(r"\{([^{}]*)\}")  # ``{id}`` in a url_template


def check_url_template(value: str, has_url_field: bool, placeholder: str, check: Callable[[str], object]) -> str:
    """A call's link built from an item (json) or row (csv): one way to say what is wrong with it."""
    if has_url_field:
        raise ValueError("entweder url_template oder fields.url angeben, nicht beides")
    placeholders = PLACEHOLDER.findall(value)
    if not placeholders:
        raise ValueError(
            f"{value!r} enthält keinen Platzhalter {{{placeholder}}}; so bekäme jeder Eintrag dieselbe Adresse"
        )
    for name in placeholders:
        check(name)
    http_url(PLACEHOLDER.sub("x", value))
    return value
