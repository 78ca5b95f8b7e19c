"""Field mapping at crawl time: one source item of a configured kind → one canonical item dict.

The kinds city IT configures without Python (``feed``, ``json``, ``csv``, ``html``) say in
``portals.yaml`` where each field comes from; their config models and the pieces they share live in
:mod:`foerderradar.crawler.kinds` (:mod:`~foerderradar.crawler.entry.mapping`). This module
applies such an entry: it coerces values to the shape of each
:class:`~foerderradar.model.FundingCall` field (lists ↔ scalars, dates, HTML to text, German labels
to vocabulary codes), reads deadline, status, rate and amount from the text when they are not
mapped, and fills the rest from ``defaults``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urljoin

from foerderradar.crawler.entry.mapping import (
    IDENTITY_FIELDS,
    LIST_FIELDS,
    PLACEHOLDER,
    FieldMap,
    FieldSpec,
    LiteralValue,
    MappingKeys,
)
from foerderradar.crawler.textextract import extract_terms
from foerderradar.german.dates import parse_german_date
from foerderradar.german.numbers import parse_number as german_number
from foerderradar.german.status import STATUS_LABELS
from foerderradar.model import APPLICANTS, FUNDING_TYPES, LEVELS, STATUSES

log = logging.getLogger(__name__)

# -- the canonical fields, by the shape their values take -----------------------------------------

# (IDENTITY_FIELDS, which every item needs, and LIST_FIELDS come with the config models.)
TEXT_FIELDS = frozenset({"summary", "description"})  # HTML → text; a list's elements are joined
LINE_FIELDS = frozenset({"source_id", "url", "title", "funding_body", "deadline_text", "language", "level", "status",
                         "contact"})
DATE_FIELDS = frozenset({"open_date", "deadline"})
DATETIME_FIELDS = frozenset({"published_at", "updated_at"})
NUMBER_FIELDS = frozenset({"max_amount_eur", "funding_rate_pct"})
# Read from the item's text by textextract unless the entry maps them itself.
TERMS_FIELDS = ("deadline", "deadline_text", "status", "open_date", "funding_rate_pct", "max_amount_eur")

LANGUAGE_LABELS = {"deutsch": "de", "german": "de", "englisch": "en", "english": "en"}


class SourceError(Exception):
    """The portal answered, but not with what its entry describes: a changed source must fail loudly."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"{url}: {problem}")
        self.url = url
        self.problem = problem


class ItemSkipped(Exception):
    """One source item lacks a required field; the crawl reports it and keeps the other items.

    ``field`` (and, for ``url_template``, the empty ``placeholder``) let a spider word the report
    in its own terms (the ``csv`` kind names the column and the line).
    """

    def __init__(self, message: str, *, field: str | None = None, placeholder: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.placeholder = placeholder


class CoercionError(ValueError):
    """A source value that cannot become the field's type (an object where a date was expected …)."""


# -- crawl time: reading values -------------------------------------------------------------------

MISSING: Any = object()  # a path that is not there (as opposed to a JSON null)
_INDEX = re.compile(r"^-?\d+$")
_REGION_CODE = re.compile(r"EU|[A-Z]{2}(-[A-Z0-9]{1,3})?")


def resolve_path(data: Any, path: str) -> Any:
    """The value at a dotted path, or MISSING; ``""`` is the data itself."""
    if path == "":
        return data
    current = data
    for part in path.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and _INDEX.match(part) and -len(current) <= int(part) < len(current):
            current = current[int(part)]
        else:
            return MISSING
    return current


def describe_missing(data: Any, path: str) -> str:
    """Where a path stops matching, and what is there instead: what city IT needs to fix the entry."""
    current = data
    walked: list[str] = []
    for part in path.split("."):
        found = resolve_path(current, part)
        if found is MISSING:
            where = ".".join(walked) or "the top level"
            if isinstance(current, Mapping):
                keys = ", ".join(sorted(map(str, current))[:15]) or "none"
                return f"{part!r} not in {where} (keys there: {keys})"
            if isinstance(current, list):
                return f"{part!r} not in {where}: a list of {len(current)}"
            return f"{part!r} not in {where}: a {type(current).__name__}"
        walked.append(part)
        current = found
    return "found"


def is_empty(value: Any) -> bool:
    return (
        value is None
        or value is MISSING
        or value == []
        or value == {}
        or (isinstance(value, str) and not value.strip())
    )


_HTML = re.compile(r"<[A-Za-z/!][^>]*>|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")


def html_to_text(value: str) -> str:
    """Plain text, one line per paragraph; plain text passes through (the HTML parser only when needed)."""
    if _HTML.search(value):
        from foerderradar.crawler.selectors import text_of  # lxml: only when a crawl needs it

        return text_of(value)
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in value.splitlines())
    return "\n".join(line for line in lines if line)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    raise CoercionError(f"a {type(value).__name__}, not a text value")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _one_line(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def parse_number(text: str) -> float:
    """A field value's number (the one reader: :func:`foerderradar.german.numbers.parse_number`)."""
    number = german_number(text)
    if number is None:
        raise CoercionError(f"{text[:40]!r} is not a number")
    return number


def to_datetime(value: Any, today: date) -> datetime:
    """ISO 8601, RFC 822 (RSS ``pubDate``), Unix seconds/milliseconds, or a German date."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise CoercionError(f"{value!r} is not a timestamp") from None
    text = _scalar_text(value).strip()
    try:
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except ValueError:
        pass
    try:
        parsed = parsedate_to_datetime(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError):
        pass
    day = parse_german_date(text, today)
    if day is None:
        raise CoercionError(f"{text[:60]!r} is not a date")
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def to_date(value: Any, today: date) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and (iso := re.match(r"^\s*(\d{4}-\d{2}-\d{2})(?:$|[T ])", value)):
        try:
            return date.fromisoformat(iso.group(1))
        except ValueError:
            raise CoercionError(f"{value[:60]!r} is not a date") from None
    if isinstance(value, datetime | int | float) and not isinstance(value, bool):
        return to_datetime(value, today).date()
    text = _scalar_text(value)
    day = parse_german_date(text, today)  # "31. März 2027", "30.09.2026", "Fri, 1 May 2026 15:06:33 +0200"
    if day is None:
        raise CoercionError(f"{text[:60]!r} is not a date")
    return day


def _vocabulary(name: str, labels: list[str]) -> tuple[list[str], list[str]]:
    """Canonical codes pass; the portals' German labels are mapped; the rest is returned as unknown."""
    if name == "topics":
        return labels, []
    from foerderradar.crawler import vocab  # crawl time only: keeps loading the config light

    known: list[str] = []
    unknown: list[str] = []
    for label in labels:
        low, upper = label.strip().lower(), label.strip().upper()
        codes: list[str]
        missed: list[str]
        if name == "applicants":
            codes, missed = ([low], []) if low in APPLICANTS else vocab.applicants([label])
        elif name == "funding_type":
            codes, missed = ([low], []) if low in FUNDING_TYPES else vocab.funding_types([label])
        elif _REGION_CODE.fullmatch(upper):
            codes, missed = [upper], []
        else:
            codes, missed = vocab.regions([label])
        known.extend(c for c in codes if c not in known)
        unknown.extend(missed)
    return known, unknown


def _scalar_code(name: str, label: str) -> str | None:
    low = label.strip().lower()
    if name == "level":
        return low if low in LEVELS else None
    if name == "status":
        return low if low in STATUSES else STATUS_LABELS.get(low)
    # language: "de", "de-DE", "de_DE", "Deutsch"
    code = LANGUAGE_LABELS.get(low, re.split(r"[-_]", low)[0])
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


@dataclass
class Coerced:
    value: Any
    unknown: list[str] = field(default_factory=list)  # labels no vocabulary knows (logged, never guessed)


def coerce(name: str, raw: Any, *, base_url: str = "", today: date | None = None) -> Coerced:
    """A source value in the shape of canonical field ``name``; empty results are None."""
    today = today or date.today()
    if is_empty(raw):
        return Coerced(None)
    if name in LIST_FIELDS:
        labels = [_one_line(_scalar_text(v)) for v in _as_list(raw) if not is_empty(v)]
        known, unknown = _vocabulary(name, [label for label in labels if label])
        return Coerced(known or None, unknown)
    values = [v for v in _as_list(raw) if not is_empty(v)]
    if not values:
        return Coerced(None)
    if name in TEXT_FIELDS:  # all paragraphs of a list; HTML stripped
        text = "\n\n".join(html_to_text(_scalar_text(v)) for v in values).strip()
        return Coerced(text or None)
    first = values[0]  # a list where one value belongs: its first element
    if name in DATE_FIELDS:
        return Coerced(to_date(first, today))
    if name in DATETIME_FIELDS:
        return Coerced(to_datetime(first, today))
    if name in NUMBER_FIELDS:
        if isinstance(first, int | float) and not isinstance(first, bool):
            return Coerced(float(first))
        return Coerced(parse_number(_scalar_text(first)))
    text = _one_line(html_to_text(_scalar_text(first)))
    if not text:
        return Coerced(None)
    if name == "url":
        try:
            return Coerced(urljoin(base_url, text) if base_url else text)
        except ValueError:  # "http://[x/…": urllib reads an unclosed IPv6 bracket
            raise CoercionError(f"{text[:60]!r} is not a URL") from None
    if name in ("level", "status", "language"):
        code = _scalar_code(name, text)
        return Coerced(code, [] if code else [text])
    return Coerced(text)


def render_template(template: str, lookup: Callable[[str], Any]) -> tuple[str | None, str | None]:
    """(URL, None) or (None, the placeholder that is missing); values are percent-encoded but '/'."""
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        value = lookup(match.group(1))
        if is_empty(value) or isinstance(value, dict | list):
            missing.append(match.group(1))
            return ""
        return quote(_scalar_text(value).strip(), safe="/")

    url = PLACEHOLDER.sub(fill, template)
    return (None, missing[0]) if missing else (url, None)


# -- crawl time: one source item → one canonical item ---------------------------------------------


@dataclass
class Mapped:
    item: dict[str, Any]
    sources: dict[str, str]  # field → the source that gave its value (for messages and the feed's link rule)
    notes: list[str]  # values that were present but unusable, for the log


def describe_spec(spec: FieldSpec | None) -> str:
    if spec is None:
        return "not mapped"
    if isinstance(spec, LiteralValue):
        return f"literal {spec.value!r}"
    return " or ".join(repr(s) for s in spec) or "mapping switched off"


class FieldMapper:
    """One portal entry's mapping, applied to every item of every response."""

    def __init__(
        self,
        portal: MappingKeys,
        fields: FieldMap,
        builtin: Mapping[str, FieldSpec],
        *,
        url_template: str | None = None,
        split_list: Callable[[str], list[str]] | None = None,
    ) -> None:
        user = fields.mapped()
        self.source = portal.key
        self.specs: dict[str, FieldSpec] = {**builtin, **user}
        self.explicit = frozenset(user) | ({"url"} if url_template else set())
        self.defaults = portal.defaults.values()
        self.keywords = [k.casefold() for k in portal.filter]
        self.url_template = url_template
        # A source that writes several values into one text ("Kommune, Unternehmen" in a CSV cell)
        # is split for the list fields only; a title with a comma stays one title.
        self.split_list = split_list

    def build(self, lookup: Callable[[str], Any], *, base_url: str, today: date) -> Mapped | None:
        """The canonical item, or None when ``filter`` rules it out.

        Raises ItemSkipped when a required field is missing: one bad item must not hide the others.
        """
        item: dict[str, Any] = {}
        sources: dict[str, str] = {}
        notes: list[str] = []
        for name, spec in self.specs.items():
            if isinstance(spec, LiteralValue):
                item[name] = spec.value
                continue
            for source in spec:
                raw = lookup(source)
                if self.split_list is not None and name in LIST_FIELDS and isinstance(raw, str):
                    raw = self.split_list(raw)
                try:
                    coerced = coerce(name, raw, base_url=base_url, today=today)
                except CoercionError as exc:
                    notes.append(f"{name} from {source!r}: {exc}")
                    continue
                if coerced.unknown:
                    notes.append(f"{name} from {source!r}: unknown {', '.join(map(repr, coerced.unknown))} dropped")
                if coerced.value is not None:
                    item[name], sources[name] = coerced.value, source
                    break
        if self.url_template:
            url, missing = render_template(self.url_template, lookup)
            if url is None:
                raise ItemSkipped(
                    f"url missing (url_template placeholder {{{missing}}} is empty or not there)",
                    field="url",
                    placeholder=missing,
                )
            item["url"], sources["url"] = url, "url_template"
        if not item.get("source_id") and "source_id" not in self.explicit and item.get("url"):
            item["source_id"], sources["source_id"] = item["url"], sources["url"]
        for name in IDENTITY_FIELDS:
            if not item.get(name):
                raise ItemSkipped(f"{name} missing (source: {describe_spec(self.specs.get(name))})", field=name)
        if not self.keep(item):
            return None
        self._complete(item, today)
        item["source"] = self.source
        return Mapped(item, sources, notes)

    def keep(self, item: Mapping[str, Any]) -> bool:
        if not self.keywords:
            return True
        text = "\n".join(str(item.get(name) or "") for name in ("title", "summary", "description")).casefold()
        return any(keyword in text for keyword in self.keywords)

    def _complete(self, item: dict[str, Any], today: date) -> None:
        """Terms from the text where the entry maps nothing, then the literal defaults where still empty."""
        texts: Iterable[str] = dict.fromkeys(
            str(item[name]) for name in ("title", "summary", "description") if item.get(name)
        )
        terms = extract_terms("\n".join(texts), today)
        for name in TERMS_FIELDS:
            if name not in self.explicit and item.get(name) is None:
                value = getattr(terms, name)
                if value is not None:
                    item[name] = value
        for name, value in self.defaults.items():
            if is_empty(item.get(name)):
                item[name] = value


__all__ = [
    "FieldMapper",
    "ItemSkipped",
    "SourceError",
    "coerce",
    "parse_number",
    "resolve_path",
]
