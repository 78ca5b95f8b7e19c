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
- **Stale duplicate records.** The index also holds copies of topics from a second data source
  (``DATASOURCE``/``datasource`` ``SEDIA_PRD_CENTRICITY``; recorded in 2026 for a 2024 topic): the
  status flag says "forthcoming" two years after the deadline, ``url`` points at the JSON export,
  ``keywords`` is one JSON string, and there is no description. Only rows of a ``trusted_datasources``
  source (or naming none, as older API versions do) are "SEDIA rows". So that such a copy never
  becomes a second call and never changes a real one, other rows always wait in ``_pending`` and
  are dropped as soon as a SEDIA row of the same identifier is used — whether it came before or
  after them, on the same page or another; they do not even fill gaps of a SEDIA row. A topic
  the index holds *only* as such a copy is still yielded after the last page, built from it, if
  its data is sound: a title and a readable deadline. Why not drop it: the copy may be the only
  trace of a topic in the index, and a dropped topic is a lost call (and a stored one would be
  marked gone); why a deadline is required: the status is derived from the dates, so with a
  deadline a stale copy of a 2024 topic is stored as closed and the matcher leaves it out, while a
  copy without one would be "open" for ever. ``url`` is always the topic's page, never the row's.
- **Stale status.** ``metadata.status`` says "open" long after the deadline. The status is
  derived from the dates only; the configured statuses merely pre-filter the search.
- **Several deadlines.** ``actions`` (one per type of action) each list deadlines; the call's
  deadline is the next one a newcomer can still meet (of a two-stage action only stage one).
- **JSON inside strings.** Every metadata value is a list of strings; ``actions``,
  ``budgetOverview`` and ``keywords`` may be JSON inside such a string (and may be cut off: of a
  cut-off keyword list the complete entries are kept).
- **Keywords are not all topics.** They repeat the topic's and call's identifiers (dropped) and
  entries the index cut at 50 characters next to their full form (the cut one is dropped).
  ``crossCuttingPriorities`` codes ("DigitalAgenda", "AI") become topics through ``priority_labels``
  — for a city often the only hint that a research topic is about digitalisation; an unknown code is
  passed on as a note, not guessed.

(Near 580 lines: the one-row-per-language and stale-copy rules above work across result pages on
shared state (``_pending``) and decide which row each field is built from, so the search protocol
and the building of a call stay together; the pure readers of the payload's shapes are in
payload.py.)
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any, ClassVar, Self
from urllib.parse import quote, urlencode

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from foerderradar.crawler.kinds.eu_sedia.config import SEDIA_PROGRAMME_CODES, SEDIA_STATUS_CODES, EuSediaPortal
from foerderradar.crawler.kinds.eu_sedia.payload import (
    Metadata,
    Row,
    clock_time,
    first,
    format_date,
    json_objects,
    json_strings,
    multipart_json,
    parse_date,
    strings,
    to_number,
)
from foerderradar.crawler.middleware import note
from foerderradar.crawler.scrapy_settings import crawl_now
from foerderradar.crawler.selectors import clean, text_of

log = logging.getLogger(__name__)

# Framework programme codes → names for funding_body and topics. The configurable programmes
# (config.SEDIA_PROGRAMME_CODES) plus Horizon 2020, whose code the recorded H2020 topics carry.
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
    # Rows of these sources are the portal's own; others (SEDIA_PRD_CENTRICITY) are stale copies.
    trusted_datasources = frozenset({"SEDIA"})
    keyword_cut = 50  # the index cuts keywords at 50 characters (49 once a trailing space goes)
    # crossCuttingPriorities codes seen in the recordings → the names the portal shows for them.
    priority_labels: ClassVar[dict[str, str]] = {
        "AI": "Artificial Intelligence",
        "DigitalAgenda": "Digital Agenda",
        "Gender": "Gender",
        "IntlCoop": "International Cooperation",
        "MultiActorApproach": "Multi-Actor Approach",
        "NEB": "New European Bauhaus",
        "OpenInnovation": "Open Innovation",
        "PART-COPROGR": "Co-programmed European Partnerships",
        "SocInnov": "Social Innovation",
        "SSH": "Social sciences and humanities",
    }

    # -- JSON paths (../shared/captures/eu-sedia) --------------------------------------------------
    # the result page
    results_key = "results"
    total_key = "totalResults"
    # one result row
    metadata_key = "metadata"
    row_language_key = "language"  # matches the reference suffix; metadata's language_key otherwise
    reference_key = "reference"
    database_key = "database"  # "SEDIA"; absent on the stale copies
    title_fallback_keys = ("summary", "content")  # repeat the topic title in some API versions
    # its metadata: every value a list of strings
    identifier_key = "identifier"
    call_identifier_key = "callIdentifier"
    language_key = "language"
    datasource_keys = ("DATASOURCE", "datasource")
    title_key = "title"
    description_key = "descriptionByte"  # HTML
    conditions_key = "topicConditions"  # HTML
    programme_key = "frameworkProgramme"
    types_of_action_key = "typesOfAction"
    keywords_key = "keywords"  # strings, or one string holding a JSON list
    priorities_key = "crossCuttingPriorities"
    type_key = "type"
    start_key = "startDate"
    deadline_key = "deadlineDate"
    deadline_model_key = "deadlineModel"
    actions_key = "actions"  # JSON list in a string
    budget_key = "budgetOverview"  # JSON object in a string
    # inside an action of ``actions``
    action_procedure_keys = ("submissionProcedure", "abbreviation")
    action_deadlines_key = "deadlineDates"
    action_opening_key = "plannedOpeningDate"
    # inside ``budgetOverview``
    budget_lines_key = "budgetTopicActionMap"
    budget_action_key = "action"
    budget_max_key = "maxContribution"

    def __init__(self, portal: EuSediaPortal, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portal = portal
        self.today = today or date.today()
        self._pending: dict[str, list[Row]] = {}  # identifier → its rows, while no English SEDIA row was seen
        self._done: set[str] = set()  # identifiers already yielded (or given up)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Statuses are judged on the crawl's day: a crawl with a fixed clock (benches, tests) uses it."""
        now = crawl_now(crawler.settings)
        if now is not None and kwargs.get("today") is None:
            kwargs["today"] = now.date()
        return super().from_crawler(crawler, *args, **kwargs)

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
        rows: list[Any] = data[self.results_key]
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
        """Yield the topics still waiting: from their SEDIA rows, else from a sound stale copy."""
        pending, self._pending = self._pending, {}
        for identifier, rows in pending.items():
            self._done.add(identifier)
            call = self._parse_held_rows(identifier, rows)
            if call is not None:
                yield call

    def _parse_held_rows(self, identifier: str, rows: list[Row]) -> dict[str, Any] | None:
        trusted = [r for r in rows if self._is_trusted(r)]
        if trusted:
            language = self._row_language(trusted[0])
            log.info("%s: no English row in the results, built from its %r row", identifier, language)
            return self.parse_call(identifier, trusted)
        # Only stale copies: English first (sorted is stable), the others fill gaps.
        copies = sorted(rows, key=lambda r: self._row_language(r) != self.english)
        call = self.parse_call(identifier, copies)
        sources = ", ".join(sorted({s for r in copies for s in self._parse_datasources(r)})) or "?"
        if not call["title"] or call["deadline"] is None:
            log.info("%s: only a %s record, without title or readable deadline: skipped", identifier, sources)
            return None
        log.info("%s: only a %s record; taken, status %s from its dates", identifier, sources, call["status"])
        return call

    def _parse_payload(self, response: Response) -> dict[str, Any]:
        try:
            data = json.loads(response.body)
        except ValueError:
            raise SediaResponseError(response.url, "not JSON") from None
        except RecursionError:  # json.loads recurses per level: a hostile "[[[[…" would crash the spider
            raise SediaResponseError(response.url, "JSON nested too deeply") from None
        if not isinstance(data, dict) or not isinstance(data.get(self.results_key), list):
            raise SediaResponseError(response.url, f"no {self.results_key!r} list")
        return data

    def _has_next_page(self, data: dict[str, Any], page: int, count: int) -> bool:
        total = data.get(self.total_key)
        if not count or not isinstance(total, int):
            return False
        return page * self.portal.page_size < total and page + 1 <= self.portal.max_pages

    def _check_complete(self, data: dict[str, Any], page: int, count: int, url: str) -> None:
        """Stopping at max_pages while results remain is reported as an error, not a quiet success.

        Each topic comes once per language (up to 24 rows), so the page limit cuts off much sooner
        than it seems; and a crawl without errors counts as complete, which would mark every call
        beyond the limit as gone.
        """
        total = data.get(self.total_key)
        if count and isinstance(total, int) and page * self.portal.page_size < total:
            log.error(
                "%s: page limit reached, %d of %d results read (max_pages %d, page_size %d); "
                "raise max_pages or narrow programmes/statuses",
                url, page * self.portal.page_size, total, self.portal.max_pages, self.portal.page_size,
            )

    def _take_row(self, row: Any, url: str) -> Iterator[dict[str, Any]]:
        identifier = first(self._metadata(row), self.identifier_key)
        if not identifier:
            ref = row.get(self.reference_key) if isinstance(row, dict) else None
            log.warning("%s: result row without identifier skipped (reference %r)", url, ref)
            return
        if identifier in self._done:
            return  # another row of a topic already yielded (a language, a stale copy, a repeat across pages)
        if self._is_trusted(row) and self._row_language(row) == self.english:
            self._done.add(identifier)
            held = [r for r in self._pending.pop(identifier, []) if self._is_trusted(r)]  # stale copies go
            yield self.parse_call(identifier, [row, *held])
        else:
            self._pending.setdefault(identifier, []).append(row)

    # -- one row ---------------------------------------------------------------------------------

    def _metadata(self, row: Any) -> Metadata:
        meta = row.get(self.metadata_key) if isinstance(row, dict) else None
        return meta if isinstance(meta, dict) else {}

    def _row_language(self, row: Row) -> str:
        """The row's language: the top-level field (it matches the reference suffix), else metadata's."""
        language = row.get(self.row_language_key)
        if not isinstance(language, str) or not language:
            language = first(self._metadata(row), self.language_key) or ""
        return language.strip().lower()

    def _parse_datasources(self, row: Row) -> list[str]:
        meta = self._metadata(row)
        named = [v.strip().upper() for key in self.datasource_keys for v in strings(meta, key)]
        database = row.get(self.database_key)
        if isinstance(database, str) and database.strip():
            named.append(database.strip().upper())
        return named

    def _is_trusted(self, row: Row) -> bool:
        """A SEDIA row: every source it names is trusted (older API versions name none)."""
        return all(source in self.trusted_datasources for source in self._parse_datasources(row))

    # -- one topic -------------------------------------------------------------------------------

    def parse_call(self, identifier: str, rows: list[Row]) -> dict[str, Any]:
        """The first row is the one to trust (English if there is one); the others only fill gaps."""
        primary = rows[0]
        meta = self._merged_metadata(rows)
        description = self._parse_description(meta)
        programmes = [PROGRAMME_NAMES[c] for c in strings(meta, self.programme_key) if c in PROGRAMME_NAMES]
        deadlines = self._parse_deadlines(meta)
        deadline = self._next_deadline(deadlines)
        open_date = self._parse_open_date(meta)
        return {
            "source": self.portal.key,
            "source_id": identifier,
            # Always the human page: rows point at the JSON export (topicDetails/….json) instead.
            "url": self.topic_url.format(quote(identifier, safe="")),
            "title": self._parse_title(primary, meta),
            "summary": self._parse_summary(description),
            "description": description,
            "funding_body": f"{self.funding_body} ({programmes[0]})" if programmes else self.funding_body,
            "level": "eu",
            "regions": ["EU"],
            "applicants": self._parse_applicants(description, meta),
            "funding_type": self._parse_funding_type(meta),
            "topics": self._parse_topics(meta, programmes, identifier) or None,
            "language": self.english,
            "open_date": open_date,
            "deadline": deadline,
            "deadline_text": self._parse_deadline_text(meta, deadlines, deadline, self._row_language(primary)),
            "status": self._derive_status(open_date, deadline),
            "max_amount_eur": self._parse_max_amount(meta, identifier),
        }

    def _merged_metadata(self, rows: list[Row]) -> Metadata:
        merged = dict(self._metadata(rows[0]))
        for row in rows[1:]:
            for key, value in self._metadata(row).items():
                if not strings(merged, key) and value:
                    merged[key] = value
        return merged

    def _parse_title(self, row: Row, meta: Metadata) -> str | None:
        # metadata.title is the topic title; the top-level summary/content repeat it in some API versions.
        title = first(meta, self.title_key)
        for key in self.title_fallback_keys:
            title = title or row.get(key)
        return clean(title) if isinstance(title, str) else None

    def _parse_description(self, meta: Metadata) -> str | None:
        html = "".join(strings(meta, self.description_key))
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

    def _parse_topics(self, meta: Metadata, programmes: list[str], identifier: str) -> list[str]:
        types = [clean(t) for t in strings(meta, self.types_of_action_key)]
        candidates = [*programmes, *types, *self._parse_keywords(meta, identifier), *self._parse_priorities(meta)]
        topics: dict[str, str] = {}  # casefolded → first spelling: "Social Innovation" once
        for topic in candidates:
            if topic:
                topics.setdefault(topic.casefold(), topic)
        return list(topics.values())

    def _parse_keywords(self, meta: Metadata, identifier: str) -> list[str]:
        """Keywords without the identifiers and without cut-off copies of a keyword also there in full."""
        own = {identifier.casefold(), *(c.strip().casefold() for c in strings(meta, self.call_identifier_key))}
        keywords = [k for k in json_strings(meta, self.keywords_key) if k.casefold() not in own]
        folded = [k.casefold() for k in keywords]

        def cut_copy(keyword: str) -> bool:
            key = keyword.casefold()
            return len(key) >= self.keyword_cut - 1 and any(o != key and o.startswith(key) for o in folded)

        return [k for k in keywords if not cut_copy(k)]

    def _parse_priorities(self, meta: Metadata) -> list[str]:
        labels: list[str] = []
        for code in (c.strip() for c in strings(meta, self.priorities_key)):
            if code in self.priority_labels:
                labels.append(self.priority_labels[code])
            else:
                self._note(f"EU Funding & Tenders: Querschnittspriorität {code!r} ist unbekannt "
                           "und wurde nicht als Thema übernommen.")
        return labels

    def _note(self, message: str) -> None:
        """A note for city IT (once per crawl); outside a crawl (tests, fuzzing) only the log."""
        log.info("%s", message)
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            note(crawler, message)

    def _parse_funding_type(self, meta: Metadata) -> list[str] | None:
        # The search asks for grant types only; a row that says otherwise is not called a grant.
        kinds = strings(meta, self.type_key)
        return ["zuschuss"] if not kinds or any(k in self.grant_types for k in kinds) else None

    def _parse_applicants(self, description: str | None, meta: Metadata) -> list[str] | None:
        """Public bodies only when an eligibility sentence names them; otherwise unknown (None).

        The topic texts rarely state eligibility (it is in the call documents); guessing from words
        like "cities" in a project description would mark research calls as municipal ones.
        """
        html = "".join(strings(meta, self.conditions_key))
        conditions = text_of(html) if html.strip() else ""
        for sentence in re.split(r"(?<=[.;])\s+|\n", f"{description or ''}\n{conditions}"):
            stated = _ELIGIBILITY_RE.search(sentence) and _PUBLIC_BODY_RE.search(sentence)
            if stated and not _NEGATION_RE.search(sentence):
                return ["kommune", "oeffentliche_einrichtung"]
        return None

    def _parse_open_date(self, meta: Metadata) -> date | None:
        starts = [d for d in (parse_date(s) for s in strings(meta, self.start_key)) if d]
        if not starts:
            starts = [d for a in self._parse_actions(meta) if (d := parse_date(a.get(self.action_opening_key)))]
        return min(starts) if starts else None

    def _parse_actions(self, meta: Metadata) -> list[dict[str, Any]]:
        return [a for a in json_objects(meta, self.actions_key) if isinstance(a, dict)]

    def _parse_deadlines(self, meta: Metadata) -> list[tuple[date, bool]]:
        """All deadlines, each with whether a newcomer can still apply by it.

        ``actions`` first (one per type of action, each with its deadlineDates); ``deadlineDate``
        only when there are none, because it is sometimes a placeholder (a 2020 topic says 2026).
        Of a two-stage action only the first date is open to new proposals; the second stage is
        for those invited after stage one, so it must not keep a call "open" for the city.
        """
        found: list[tuple[date, bool]] = []
        procedure_key, model_key = self.action_procedure_keys
        for action in self._parse_actions(meta):
            procedure = action.get(procedure_key)
            model = procedure.get(model_key) if isinstance(procedure, dict) else None
            dates = [d for d in (parse_date(s) for s in action.get(self.action_deadlines_key) or []) if d]
            found.extend(self._entry_flags(sorted(set(dates)), model))
        if not found:
            dates = [d for d in (parse_date(s) for s in strings(meta, self.deadline_key)) if d]
            found = self._entry_flags(sorted(set(dates)), first(meta, self.deadline_model_key))
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
        model = first(meta, self.deadline_model_key)
        if deadline is None:
            return model
        times: dict[date | None, str] = {}
        for value in strings(meta, self.deadline_key) if language == self.english else []:
            if clock := clock_time(value):
                times[parse_date(value)] = clock
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
        overview = next(iter(json_objects(meta, self.budget_key)), None)
        lines = overview.get(self.budget_lines_key) if isinstance(overview, dict) else None
        if not isinstance(lines, dict):
            return None
        amounts: list[float] = []
        for entries in lines.values():
            for entry in entries if isinstance(entries, list) else []:
                action = entry.get(self.budget_action_key) if isinstance(entry, dict) else None
                if not isinstance(action, str) or not re.match(rf"{re.escape(identifier)}(?:\s|$)", action, re.I):
                    continue
                amount = to_number(entry.get(self.budget_max_key))
                if amount:
                    amounts.append(amount)
        return max(amounts) if amounts else None
