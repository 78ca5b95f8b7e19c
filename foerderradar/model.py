"""The canonical values every layer passes: a funding call, its pages, a verdict, a person's mark.

Spiders, importers and tests all produce :class:`FundingCall`; the store, matcher and notifier
only ever consume it. Validation happens here once, so nothing downstream has to guess whether a
deadline is a string, a date or missing. :class:`Match` (the matcher's verdict) and :class:`Mark`
(a person's feedback) live here too, not with the code that makes or stores them: the store saves
verdicts and reads marks, the matcher makes verdicts and applies marks, and neither may import the
other (docs/architecture.md, *Layers*).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Level = Literal["eu", "bund", "land", "regional"]
Status = Literal["open", "upcoming", "closed", "unknown"]
Applicant = Literal[
    "kommune",
    "landkreis",
    "zweckverband",
    "schultraeger",
    "oeffentliche_einrichtung",
    "unternehmen",
    "kmu",
    "verein",
    "hochschule",
    "forschung",
    "privatperson",
]
MarkKind = Literal["relevant", "dismissed", "applied", "rejected", "done"]
FundingType = Literal["zuschuss", "darlehen", "buergschaft", "beteiligung", "preis", "beratung", "sonstiges"]

APPLICANTS: tuple[str, ...] = get_args(Applicant)
FUNDING_TYPES: tuple[str, ...] = get_args(FundingType)
LEVELS: tuple[str, ...] = get_args(Level)
STATUSES: tuple[str, ...] = get_args(Status)
MARK_KINDS: tuple[str, ...] = get_args(MarkKind)

# Keys the store adds on export. Import accepts them so that export → import round-trips,
# but they are the store's to decide, never the input's.
STORE_FIELDS = frozenset({"id", "first_seen", "last_seen", "content_hash", "version", "duplicate_of", "short_id"})

_REGION_RE = re.compile(r"^(EU|[A-Z]{2}(-[A-Z0-9]{1,3})?)$")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


# C0 controls except tab/newline/CR, DEL, and the bidi embeddings, overrides and isolates.
_UNTRUSTED_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
MAX_TITLE = 500
MAX_CONTACT = 300
MAX_LINKS = 10
MAX_LINK_LABEL = 200
# Fields added after calls were stored: in the content hash only when set, so that a call the portal
# gives none of them for keeps the hash it was stored with (no mass "GEÄNDERT" after an upgrade).
HASHED_WHEN_SET = ("contact", "links")
_HTTP_URL = re.compile(r"^https?://[^\s/]+", re.IGNORECASE)


def http_url(value: str) -> str:
    """Only http(s) links ever reach a digest; anything else (javascript:, file:) is refused here."""
    if not _HTTP_URL.match(value):
        raise ValueError(f"{value[:80]!r} ist keine vollständige http(s)-Adresse wie https://www.beispiel.de/seite")
    return value


class CallLink(BaseModel):
    """A page about the call beyond its portal page: the Richtlinie, a Merkblatt, the Antragsportal."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    label: str = Field(max_length=100_000)  # one line, shortened to MAX_LINK_LABEL
    url: str = Field(min_length=1, max_length=2048)

    @model_validator(mode="before")
    @classmethod
    def _label_or_host(cls, data: Any) -> Any:
        """A link without words is named by its host: the reader must see something to click."""
        if isinstance(data, dict) and isinstance(data.get("url"), str):
            label = data.get("label")
            if label is None or (isinstance(label, str) and not _UNTRUSTED_CHARS.sub("", label).strip()):
                host = re.sub(r"^https?://", "", data["url"].strip(), flags=re.IGNORECASE).split("/", 1)[0]
                return {**data, "label": host or data["url"]}
        return data

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_url(value)

    @field_validator("label")
    @classmethod
    def _one_line(cls, value: str) -> str:
        label = re.sub(r"\s+", " ", _UNTRUSTED_CHARS.sub("", value)).strip()
        return label if len(label) <= MAX_LINK_LABEL else label[: MAX_LINK_LABEL - 1].rstrip() + "…"


class FundingCall(BaseModel):
    """One funding programme or call for proposals as one portal describes it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    source: str = Field(min_length=1, max_length=64)
    source_id: str = Field(min_length=1, max_length=512)
    url: str = Field(min_length=1, max_length=2048)
    title: str = Field(min_length=1, max_length=100_000)  # shortened to MAX_TITLE below
    summary: str | None = None
    description: str | None = None
    funding_body: str | None = None
    level: Level | None = None
    regions: list[str] | None = None
    applicants: list[Applicant] | None = None
    funding_type: list[FundingType] | None = None
    topics: list[str] | None = None
    language: str | None = Field(default=None, max_length=8)
    open_date: date | None = None
    deadline: date | None = None
    deadline_text: str | None = None
    status: Status | None = None
    max_amount_eur: float | None = Field(default=None, ge=0)
    funding_rate_pct: float | None = Field(default=None, ge=0, le=100)
    published_at: datetime | None = None
    updated_at: datetime | None = None
    # Whom to ask, as one line a person reads ("Projektträger Jülich, mail@…, Tel. …"), and the pages
    # beyond the portal page (Richtlinie, Merkblatt, Antragsportal). Added with issue 14's cards.
    contact: str | None = Field(default=None, max_length=100_000)  # shortened to MAX_CONTACT
    links: list[CallLink] | None = None

    @model_validator(mode="before")
    @classmethod
    def _drop_store_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and STORE_FIELDS & data.keys():
            return {k: v for k, v in data.items() if k not in STORE_FIELDS}
        return data

    @field_validator("source")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG_RE.match(value):
            raise ValueError(
                f"{value!r} ist kein Portal-Schlüssel; erlaubt sind Kleinbuchstaben a–z, Ziffern, '-', '_' und '.'"
            )
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_url(value)

    @field_validator("title", "summary", "description", "funding_body", "deadline_text", "contact", mode="before")
    @classmethod
    def _collapse_blank(cls, value: object) -> object:
        """Scraped text loses what only serves to deceive or break output: control characters
        (line breaks and tabs stay) and bidirectional overrides that make a title read backwards."""
        if not isinstance(value, str):
            return value
        value = _UNTRUSTED_CHARS.sub("", value)
        return value if value.strip() else None

    @field_validator("title")
    @classmethod
    def _one_line_title(cls, value: str | None) -> str:
        if not value:
            raise ValueError("darf nicht leer sein")
        title = re.sub(r"\s+", " ", value)
        # A runaway title (a whole page in the <h1>) is kept, shortened, rather than losing the call.
        return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1].rstrip() + "…"

    @field_validator("contact")
    @classmethod
    def _one_line_contact(cls, value: str | None) -> str | None:
        """One line: the card shows it after "Kontakt:"; a portal's address block is not a card's."""
        if value is None:
            return None
        contact = re.sub(r"\s+", " ", value).strip()
        return contact if len(contact) <= MAX_CONTACT else contact[: MAX_CONTACT - 1].rstrip() + "…"

    @field_validator("links")
    @classmethod
    def _links(cls, value: list[CallLink] | None) -> list[CallLink] | None:
        """One link per address (the first one's label wins), at most MAX_LINKS; none is None, so a
        page without links hashes as before the field existed."""
        if not value:
            return None
        out: dict[str, CallLink] = {}
        for link in value:
            out.setdefault(link.url, link)
        return list(out.values())[:MAX_LINKS]

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        out: list[str] = []
        for region in value:
            code = region.strip().upper()
            if not _REGION_RE.match(code):
                raise ValueError(f"{region!r} ist kein Regionskürzel nach ISO 3166-2 wie DE, DE-NW oder EU")
            if code not in out:
                out.append(code)
        return out

    @field_validator("applicants", "funding_type", "topics")
    @classmethod
    def _dedupe(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        return list(dict.fromkeys(v.strip() for v in value if v.strip()))

    @field_validator("published_at", "updated_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @property
    def id(self) -> str:
        return f"{self.source}:{self.source_id}"

    def canonical_json(self) -> str:
        """Stable serialisation: the basis of change detection, so key order must never vary.

        The fields of :data:`HASHED_WHEN_SET` are left out while they are None: a call stored before
        they existed hashes as it did then."""
        data = self.model_dump(mode="json")
        for name in HASHED_WHEN_SET:
            if data.get(name) is None:
                del data[name]
        return json.dumps(data, sort_keys=True, ensure_ascii=False)

    def content_hash(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    def effective_status(self, as_of: date) -> Status:
        """Open/closed as of a day.

        A past deadline wins over any status field (portals leave stale "open" flags behind); an
        explicit "closed" wins over a future deadline (funds exhausted before the date).
        """
        if self.deadline is not None and self.deadline < as_of:
            return "closed"
        if self.status == "closed":
            return "closed"
        if self.open_date is not None and self.open_date > as_of:
            return "upcoming"
        if self.deadline is not None:
            return "open"
        return self.status or "unknown"


@dataclass(frozen=True)
class CallSource:
    """One portal's page about a programme. A programme found on several portals has several;
    reports and the digest link each of them (representative first)."""

    call_id: str
    source: str
    url: str
    title: str

    @classmethod
    def of(cls, call: FundingCall) -> CallSource:
        return cls(call.id, call.source, call.url, call.title)


@dataclass(frozen=True)
class Match:
    """The matcher's verdict on one (measure, call) pair, shared by reports, the digest, the feeds
    and the stored ``matches`` table."""

    measure_id: str
    call_id: str
    title: str
    url: str
    score: float  # 0–100
    eligible: bool
    deadline: date | None
    status: Status
    reasons: list[str] = field(default_factory=list)  # short German sentences a person can check
    # Every portal page of the programme, this call first (match_calls always fills it; a Match
    # built by hand may leave it empty, and then ``url`` is the one page).
    sources: tuple[CallSource, ...] = ()
    # The municipality (slug) whose measure this is: set by the jobs that match per municipality;
    # the matcher itself judges one city's measures and leaves it empty.
    kommune: str = ""
    # The call's short id (``K7Q2M``, calls.short_id): what people read and type. Filled wherever
    # verdicts are made from or read back with stored calls; a Match built by hand may leave it empty.
    short_id: str = ""

    @property
    def other_sources(self) -> tuple[CallSource, ...]:
        """The programme's pages on other portals: what reports list under "auch bei"."""
        return tuple(s for s in self.sources if s.call_id != self.call_id)

    @property
    def other_pages(self) -> tuple[CallSource, ...]:
        """The other portals' pages worth a link: one per address, none repeating this call's own
        (the Förderdatenbank's export and its HTML pages name the same site page)."""
        seen = {self.url}
        pages = []
        for source in self.other_sources:
            if source.url not in seen:
                seen.add(source.url)
                pages.append(source)
        return tuple(pages)

    def to_json(self) -> dict[str, Any]:
        """The contract's JSON shape for `match --format json`."""
        return {
            "measure_id": self.measure_id,
            "call_id": self.call_id,
            "title": self.title,
            "url": self.url,
            "score": round(self.score, 1),
            "eligible": self.eligible,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "status": self.status,
            "reasons": list(self.reasons),
            # Added with cross-portal de-duplication; the keys above are the contract's and unchanged.
            "sources": [
                {"call_id": s.call_id, "source": s.source, "url": s.url, "title": s.title}
                for s in (self.sources or ())
            ],
            # Added with several municipalities on one instance: whose measure this is (its slug).
            "kommune": self.kommune,
            # Added with short call ids: the id people read in the digest and type into `calls mark`.
            "short_id": self.short_id,
        }


@dataclass(frozen=True)
class Mark:
    """A person's current verdict on one (measure, call) pair, as a plain value.

    The store keeps it (table ``marks``), the matcher applies it; a plain value keeps the two apart.
    ``mark``: ``relevant`` | ``dismissed`` | ``applied`` | ``rejected`` (the application was turned
    down) | ``done`` (finished: funded and settled, or handled otherwise). ``call_version`` is the
    version that was judged: a dismissed call amended later comes back, because the change may be
    exactly what makes it fit.
    """

    measure_id: str
    call_id: str
    mark: MarkKind
    call_version: int
    marked_at: datetime
    note: str | None = None
    kommune: str = ""  # the municipality whose person marked it (storage always sets it)
