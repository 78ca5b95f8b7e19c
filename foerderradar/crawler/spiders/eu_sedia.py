"""EU Funding & Tenders Portal through its public search API (SEDIA): POSTed searches, JSON results.

Request and response shapes as recorded in ../shared/captures/eu-sedia/ and described in
../shared/design/portals.md §2. What this spider has to work around:

- **One row per language.** A topic comes back up to 24 times (one row per language) and the rows
  disagree: in the recording the non-English rows carry the dates converted to UTC (a deadline of
  27 November becomes 26 November 23:00), the English row the dates the portal's page shows. So one
  call is yielded per ``identifier``, built from its English row. The rows of one topic may be
  spread over two result pages (the sort key, the start date, differs between them), so a topic
  whose English row has not been seen yet waits in ``_pending``; when its English row arrives it is
  yielded, other rows only fill metadata keys the English row lacks. Topics still waiting after
  the last page (or when a page fails) are yielded from their first row: a call with slightly
  uncertain dates is better than a missing call.
- **Stale status.** ``metadata.status`` says "open" long after the deadline. The status is
  derived from the dates only; the configured statuses merely pre-filter the search.
- **Several deadlines.** ``actions`` (one per type of action) each list deadlines; the call's
  deadline is the next one a newcomer can still meet (of a two-stage action only stage one).
- **JSON inside strings.** Every metadata value is a list of strings; ``actions``,
  ``budgetOverview`` and ``keywords`` may be JSON inside such a string (and may be cut off).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import date
from typing import Any, ClassVar
from urllib.parse import urlencode

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from foerderradar.crawler.registry import SEDIA_PROGRAMME_CODES, SEDIA_STATUS_CODES, EuSediaPortal
from foerderradar.crawler.selectors import clean, text_of

log = logging.getLogger(__name__)

Row = dict[str, Any]
Metadata = dict[str, list[Any]]

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
_MONTH_NUMBERS = {name.lower(): i for i, name in enumerate(MONTHS, 1)} | {
    name[:3].lower(): i for i, name in enumerate(MONTHS, 1)
}
# "2024-04-18T19:00:00.000+0200" or "2026-04-29": the local date (and clock time) as written.
_ISO_RE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ](?P<hh>\d{2}):(?P<mm>\d{2}))?")
# "11 June 2020" / "11 Jun 2020", as in actions[].deadlineDates and plannedOpeningDate.
_DMY_RE = re.compile(r"^(?P<d>\d{1,2})\s+(?P<month>[A-Za-z]+)\.?\s+(?P<y>\d{4})")

# Framework programme codes → names for funding_body and topics. The configurable programmes
# (registry.SEDIA_PROGRAMME_CODES) plus Horizon 2020, whose code the recorded H2020 topics carry.
PROGRAMME_NAMES = {
    SEDIA_PROGRAMME_CODES["DIGITAL"]: "Digital Europe Programme",
    SEDIA_PROGRAMME_CODES["CEF"]: "Connecting Europe Facility",
    SEDIA_PROGRAMME_CODES["HORIZON"]: "Horizon Europe",
    SEDIA_PROGRAMME_CODES["LIFE"]: "LIFE Programme",
    SEDIA_PROGRAMME_CODES["ERASMUS"]: "Erasmus+",
    SEDIA_PROGRAMME_CODES["CERV"]: "Citizens, Equality, Rights and Values Programme",
    "31045243": "Horizon 2020",
}

# A sentence that states eligibility ("eligible …", "applicants must be …", "consortia must
# include …") and names municipal or public authorities. Deliberately narrow: a wrong applicants
# list hides a call from the matcher, None only leaves the decision to the matcher's own text check.
# Negated sentences ("… are not eligible") never count.
_ELIGIBILITY_RE = re.compile(
    r"\beligib"
    r"|\b(?:applicants?|beneficiar(?:y|ies)|participants?)\b[^.;]{0,40}\b(?:must|shall|can|may|should)(?: only)? be\b"
    r"|\bconsorti(?:a|um)\b[^.;]{0,40}\bmust include\b",
    re.I,
)
_PUBLIC_BODY_RE = re.compile(
    r"\b(?:local|regional|public|municipal) (?:and regional |or regional |and local |or local )?"
    r"(?:authorit|administration|government|bod)|\bmunicipalit",
    re.I,
)
_NEGATION_RE = re.compile(r"\bnot (?:be )?eligible\b|\bexcluded\b|\bineligible\b", re.I)


class SediaResponseError(Exception):
    """The search API answered something that is not a result page (maintenance page, error JSON)."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"{url}: not a SEDIA search result page ({problem})")
        self.url = url


class EuSediaSpider(scrapy.Spider):
    name = "eu_sedia"

    topic_url = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/{}"
    grant_types = ("1", "2", "8")  # 0 would be tenders
    languages = ("en",)
    sort: ClassVar[dict[str, str]] = {"order": "DESC", "field": "startDate"}  # newest first
    boundary = "foerderradar-sedia-7f3a9c1e"  # fixed: identical searches make identical requests
    english = "en"
    description_limit = 20_000
    summary_limit = 500
    funding_body = "European Commission"

    def __init__(self, portal: EuSediaPortal, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portal = portal
        self.today = today or date.today()
        self._pending: dict[str, list[Row]] = {}  # identifier → its rows, while no English row was seen
        self._done: set[str] = set()  # identifiers already yielded

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.search_request(1)

    # -- requests --------------------------------------------------------------------------------

    def search_url(self, page: int) -> str:
        params = {
            "apiKey": self.portal.api_key,
            "text": self.portal.text,
            "pageSize": self.portal.page_size,
            "pageNumber": page,
        }
        return f"{self.portal.api_url}?{urlencode(params, safe='*')}"

    def search_query(self) -> dict[str, Any]:
        return {
            "bool": {
                "must": [
                    {"terms": {"type": list(self.grant_types)}},
                    {"terms": {"status": [SEDIA_STATUS_CODES[s] for s in self.portal.statuses]}},
                    {"terms": {"frameworkProgramme": [SEDIA_PROGRAMME_CODES[p] for p in self.portal.programmes]}},
                ]
            }
        }

    def search_request(self, page: int) -> scrapy.Request:
        parts = {"query": self.search_query(), "languages": list(self.languages), "sort": self.sort}
        return scrapy.Request(
            self.search_url(page),
            method="POST",
            body=multipart_json(parts, self.boundary),
            headers={
                "Content-Type": f"multipart/form-data; boundary={self.boundary}",
                "Accept": "application/json",
            },
            callback=self.parse,
            errback=self.parse_failure,
            cb_kwargs={"page": page},
            # A search answer is only valid today; POST responses have no useful validators to revalidate.
            meta={"dont_cache": True},
        )

    # -- result pages ----------------------------------------------------------------------------

    def parse(self, response: Response, page: int = 1) -> Iterator[dict[str, Any] | scrapy.Request]:
        try:
            data = self._parse_payload(response)
        except SediaResponseError:
            yield from self.flush()  # what earlier pages held back is still good data
            raise
        rows: list[Any] = data["results"]
        for row in rows:
            yield from self._take_row(row, response.url)
        if self._has_next_page(data, page, len(rows)):
            yield self.search_request(page + 1)
        else:
            self._check_complete(data, page, len(rows), response.url)
            yield from self.flush()

    def parse_failure(self, failure: Failure) -> Iterator[dict[str, Any]]:
        """A page failed after retries: keep the held-back topics, then let the failure be reported.

        HTTP errors and robots.txt refusals are already counted by the worker; anything else
        (connection refused, timeout) is re-raised so it is logged as an error and the run fails.
        """
        yield from self.flush()
        if not failure.check(HttpError, IgnoreRequest):
            failure.raiseException()

    def flush(self) -> Iterator[dict[str, Any]]:
        """Yield the topics whose English row never came, each from its first row."""
        pending, self._pending = self._pending, {}
        for identifier, rows in pending.items():
            log.info("%s: no English row in the results, built from its %r row", identifier, row_language(rows[0]))
            self._done.add(identifier)
            yield self.parse_call(identifier, rows)

    def _parse_payload(self, response: Response) -> dict[str, Any]:
        try:
            data = json.loads(response.body)
        except ValueError:
            raise SediaResponseError(response.url, "not JSON") from None
        except RecursionError:  # json.loads recurses per level: a hostile "[[[[…" would crash the spider
            raise SediaResponseError(response.url, "JSON nested too deeply") from None
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise SediaResponseError(response.url, "no 'results' list")
        return data

    def _has_next_page(self, data: dict[str, Any], page: int, count: int) -> bool:
        total = data.get("totalResults")
        if not count or not isinstance(total, int):
            return False
        return page * self.portal.page_size < total and page + 1 <= self.portal.max_pages

    def _check_complete(self, data: dict[str, Any], page: int, count: int, url: str) -> None:
        """Stopping at max_pages while results remain is reported as an error, not a quiet success.

        Each topic comes once per language (up to 24 rows), so the page limit cuts off much sooner
        than it seems; and a crawl without errors counts as complete, which would mark every call
        beyond the limit as gone.
        """
        total = data.get("totalResults")
        if count and isinstance(total, int) and page * self.portal.page_size < total:
            log.error(
                "%s: page limit reached, %d of %d results read (max_pages %d, page_size %d); "
                "raise max_pages or narrow programmes/statuses",
                url, page * self.portal.page_size, total, self.portal.max_pages, self.portal.page_size,
            )

    def _take_row(self, row: Any, url: str) -> Iterator[dict[str, Any]]:
        identifier = first(metadata_of(row), "identifier")
        if not identifier:
            ref = row.get("reference") if isinstance(row, dict) else None
            log.warning("%s: result row without identifier skipped (reference %r)", url, ref)
            return
        if identifier in self._done:
            return  # another language row of a topic already yielded (or a row repeated across pages)
        if row_language(row) == self.english:
            self._done.add(identifier)
            yield self.parse_call(identifier, [row, *self._pending.pop(identifier, [])])
        else:
            self._pending.setdefault(identifier, []).append(row)

    # -- one topic -------------------------------------------------------------------------------

    def parse_call(self, identifier: str, rows: list[Row]) -> dict[str, Any]:
        """The first row is the one to trust (English if there is one); the others only fill gaps."""
        primary = rows[0]
        meta = merged_metadata(rows)
        description = self._parse_description(meta)
        programmes = [PROGRAMME_NAMES[c] for c in strings(meta, "frameworkProgramme") if c in PROGRAMME_NAMES]
        deadlines = self._parse_deadlines(meta)
        deadline = self._next_deadline(deadlines)
        open_date = self._parse_open_date(meta)
        return {
            "source": self.portal.key,
            "source_id": identifier,
            "url": self.topic_url.format(identifier),
            "title": self._parse_title(primary, meta),
            "summary": self._parse_summary(description),
            "description": description,
            "funding_body": f"{self.funding_body} ({programmes[0]})" if programmes else self.funding_body,
            "level": "eu",
            "regions": ["EU"],
            "applicants": self._parse_applicants(description, meta),
            "funding_type": self._parse_funding_type(meta),
            "topics": self._parse_topics(meta, programmes) or None,
            "language": self.english,
            "open_date": open_date,
            "deadline": deadline,
            "deadline_text": self._parse_deadline_text(meta, deadlines, deadline, row_language(primary)),
            "status": self._derive_status(open_date, deadline),
            "max_amount_eur": self._parse_max_amount(meta, identifier),
        }

    def _parse_title(self, row: Row, meta: Metadata) -> str | None:
        # metadata.title is the topic title; the top-level summary/content repeat it in some API versions.
        title = first(meta, "title") or row.get("summary") or row.get("content")
        return clean(title) if isinstance(title, str) else None

    def _parse_description(self, meta: Metadata) -> str | None:
        html = "".join(strings(meta, "descriptionByte"))
        text = text_of(html) if html.strip() else ""
        return text[: self.description_limit].strip() or None

    def _parse_summary(self, description: str | None) -> str | None:
        """The opening of the description ("Expected Outcome: …"): the topic title is already the title."""
        if not description:
            return None
        text = clean(description)
        if len(text) <= self.summary_limit:
            return text
        cut = text.rfind(" ", 0, self.summary_limit)
        return text[: cut if cut > 0 else self.summary_limit].rstrip(" ,;:") + " …"

    def _parse_topics(self, meta: Metadata, programmes: list[str]) -> list[str]:
        types = [clean(t) for t in strings(meta, "typesOfAction")]
        return [t for t in [*programmes, *types, *json_strings(meta, "keywords")] if t]

    def _parse_funding_type(self, meta: Metadata) -> list[str] | None:
        # The search asks for grant types only; a row that says otherwise is not called a grant.
        kinds = strings(meta, "type")
        return ["zuschuss"] if not kinds or any(k in self.grant_types for k in kinds) else None

    def _parse_applicants(self, description: str | None, meta: Metadata) -> list[str] | None:
        """Public bodies only when an eligibility sentence names them; otherwise unknown (None).

        The topic texts rarely state eligibility (it is in the call documents); guessing from words
        like "cities" in a project description would mark research calls as municipal ones.
        """
        html = "".join(strings(meta, "topicConditions"))
        conditions = text_of(html) if html.strip() else ""
        for sentence in re.split(r"(?<=[.;])\s+|\n", f"{description or ''}\n{conditions}"):
            stated = _ELIGIBILITY_RE.search(sentence) and _PUBLIC_BODY_RE.search(sentence)
            if stated and not _NEGATION_RE.search(sentence):
                return ["kommune", "oeffentliche_einrichtung"]
        return None

    def _parse_open_date(self, meta: Metadata) -> date | None:
        starts = [d for d in (parse_date(s) for s in strings(meta, "startDate")) if d]
        if not starts:
            starts = [d for a in self._parse_actions(meta) if (d := parse_date(a.get("plannedOpeningDate")))]
        return min(starts) if starts else None

    def _parse_actions(self, meta: Metadata) -> list[dict[str, Any]]:
        return [a for a in json_objects(meta, "actions") if isinstance(a, dict)]

    def _parse_deadlines(self, meta: Metadata) -> list[tuple[date, bool]]:
        """All deadlines, each with whether a newcomer can still apply by it.

        ``actions`` first (one per type of action, each with its deadlineDates); ``deadlineDate``
        only when there are none, because it is sometimes a placeholder (a 2020 topic says 2026).
        Of a two-stage action only the first date is open to new proposals; the second stage is
        for those invited after stage one, so it must not keep a call "open" for the city.
        """
        found: list[tuple[date, bool]] = []
        for action in self._parse_actions(meta):
            procedure = action.get("submissionProcedure")
            model = procedure.get("abbreviation") if isinstance(procedure, dict) else None
            dates = [d for d in (parse_date(s) for s in action.get("deadlineDates") or []) if d]
            found.extend(self._entry_flags(sorted(set(dates)), model))
        if not found:
            dates = [d for d in (parse_date(s) for s in strings(meta, "deadlineDate")) if d]
            found = self._entry_flags(sorted(set(dates)), first(meta, "deadlineModel"))
        return sorted(set(found))

    @staticmethod
    def _entry_flags(dates: list[date], model: str | None) -> list[tuple[date, bool]]:
        two_stage = bool(model) and "two-stage" in str(model).lower()
        return [(d, not two_stage or i == 0) for i, d in enumerate(dates)]

    def _next_deadline(self, deadlines: list[tuple[date, bool]]) -> date | None:
        """The next entry deadline on or after the crawl date; when all have passed, the last one."""
        entry = sorted(d for d, is_entry in deadlines if is_entry)
        upcoming = [d for d in entry if d >= self.today]
        if upcoming:
            return upcoming[0]
        return entry[-1] if entry else None

    def _parse_deadline_text(
        self, meta: Metadata, deadlines: list[tuple[date, bool]], deadline: date | None, language: str
    ) -> str | None:
        """The portal's wording: "18 April 2024 19:00 Brussels time (single-stage)".

        The clock time comes from the English row's ``deadlineDate`` (the portal states deadlines in
        Brussels time and that row keeps the wall-clock time; the other rows hold a UTC conversion,
        so their time is left out). With several dates (cut-offs, stages) the coming ones are listed
        after the next one; once all have passed, all of them.
        """
        model = first(meta, "deadlineModel")
        if deadline is None:
            return model
        times: dict[date | None, str] = {}
        for value in strings(meta, "deadlineDate") if language == self.english else []:
            match = _ISO_RE.match(value.strip())
            if match and match["hh"] and (match["hh"], match["mm"]) != ("00", "00"):
                times[parse_date(value)] = f"{match['hh']}:{match['mm']}"
        text = format_date(deadline) + (f" {times[deadline]} Brussels time" if deadline in times else "")
        every = sorted({d for d, _ in deadlines})
        shown = [d for d in every if d >= self.today] or every
        if len(shown) > 1:
            text += "; deadlines: " + ", ".join(format_date(d) for d in shown)
        return f"{text} ({model})" if model else text

    def _derive_status(self, open_date: date | None, deadline: date | None) -> str:
        if deadline is not None and deadline < self.today:
            return "closed"
        if open_date is not None and open_date > self.today:
            return "upcoming"
        if deadline is None and open_date is None:
            return "unknown"  # nothing to judge by, and metadata.status is not trusted
        return "open"

    def _parse_max_amount(self, meta: Metadata, identifier: str) -> float | None:
        """``maxContribution`` of this topic's own budget lines: the most one project can get.

        The budget overview lists the whole call; a line belongs to the topic when its ``action``
        starts with the identifier. The budget total is not a per-project amount and is not used.
        """
        overview = next(iter(json_objects(meta, "budgetOverview")), None)
        lines = overview.get("budgetTopicActionMap") if isinstance(overview, dict) else None
        if not isinstance(lines, dict):
            return None
        amounts: list[float] = []
        for entries in lines.values():
            for entry in entries if isinstance(entries, list) else []:
                action = entry.get("action") if isinstance(entry, dict) else None
                if not isinstance(action, str) or not re.match(rf"{re.escape(identifier)}(?:\s|$)", action, re.I):
                    continue
                amount = to_number(entry.get("maxContribution"))
                if amount:
                    amounts.append(amount)
        return max(amounts) if amounts else None


# -- helpers on the API's shapes --------------------------------------------------------------------


def multipart_json(parts: dict[str, Any], boundary: str) -> bytes:
    """multipart/form-data with one application/json part per entry (Scrapy has no helper for it).

    Parts are sent as "blob" files, as the portal's own web page does.
    """
    chunks: list[bytes] = []
    for name, value in parts.items():
        payload = json.dumps(value, separators=(",", ":"))
        if boundary in payload:
            raise ValueError(f"multipart boundary {boundary!r} occurs in part {name!r}")
        chunks.append(
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{name}"; filename="blob"\r\n'
            "Content-Type: application/json\r\n\r\n"
            f"{payload}\r\n".encode()
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks)


def metadata_of(row: Any) -> Metadata:
    meta = row.get("metadata") if isinstance(row, dict) else None
    return meta if isinstance(meta, dict) else {}


def row_language(row: Row) -> str:
    """The row's language: the top-level field (it matches the reference suffix), else metadata's."""
    language = row.get("language")
    if not isinstance(language, str) or not language:
        language = first(metadata_of(row), "language") or ""
    return language.strip().lower()


def merged_metadata(rows: list[Row]) -> Metadata:
    merged = dict(metadata_of(rows[0]))
    for row in rows[1:]:
        for key, value in metadata_of(row).items():
            if not strings(merged, key) and value:
                merged[key] = value
    return merged


def strings(meta: Metadata, key: str) -> list[str]:
    value = meta.get(key)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str) and v.strip()]


def first(meta: Metadata, key: str) -> str | None:
    values = strings(meta, key)
    return values[0].strip() if values else None


def _loads(value: str, key: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        log.info("metadata %s is not valid JSON (cut off?): %.80r", key, value)
        return None


def json_objects(meta: Metadata, key: str) -> list[Any]:
    """Values that are JSON inside the string (``actions``: a list of objects in one string)."""
    out: list[Any] = []
    for value in strings(meta, key):
        parsed = _loads(value, key)
        if isinstance(parsed, list):
            out.extend(parsed)
        elif parsed is not None:
            out.append(parsed)
    return out


def json_strings(meta: Metadata, key: str) -> list[str]:
    """Plain strings, or one string holding a JSON list of them (both spellings occur for keywords)."""
    out: list[str] = []
    for value in strings(meta, key):
        text = value.strip()
        parsed = _loads(text, key) if text.startswith("[") else None
        items: Iterable[Any] = parsed if isinstance(parsed, list) else [text]
        out.extend(clean(v) for v in items if isinstance(v, str) and v.strip())
    return out


def parse_date(value: Any) -> date | None:
    """The date as written (no time zone conversion): "…T19:00:00.000+0200" is that local day."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if match := _ISO_RE.match(text):
            return date(int(match["y"]), int(match["m"]), int(match["d"]))
        if (match := _DMY_RE.match(text)) and match["month"].lower() in _MONTH_NUMBERS:
            return date(int(match["y"]), _MONTH_NUMBERS[match["month"].lower()], int(match["d"]))
    except ValueError:
        pass
    log.info("date %r not understood", text)
    return None


def format_date(day: date) -> str:
    # Not strftime("%B"): the month name must not depend on the process locale.
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def to_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").strip())
        except ValueError:
            return None
    return None
