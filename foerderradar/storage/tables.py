"""Every database table, in one place, so the schema can be read (and migrated) at a glance.

Shared by every municipality of an instance: calls, their events, crawl runs, page state, locks and
job runs. Owned by one municipality (column ``kommune``, its slug): verdicts (``matches``,
``match_state``), marks and sent digests — every read and write of those names the municipality.

Timestamps are always timezone-aware UTC. SQLite has no timezone type, so :class:`UTCDateTime`
stores UTC and re-attaches the zone when reading; PostgreSQL gets ``timestamptz``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Column, Field, SQLModel, UniqueConstraint

from foerderradar.storage import short_ids


class UTCDateTime(TypeDecorator[datetime]):
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(nullable: bool = False, **kw: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, **kw))


def _json(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(sa.JSON(), nullable=nullable))


class CallRecord(SQLModel, table=True):
    """A stored funding call: the canonical fields plus the store's own bookkeeping."""

    __tablename__ = "calls"

    id: str = Field(primary_key=True, max_length=600)
    source: str = Field(index=True, max_length=64)
    source_id: str = Field(max_length=512)
    url: str
    title: str
    summary: str | None = None
    description: str | None = Field(default=None, sa_column=Column(sa.Text(), nullable=True))
    funding_body: str | None = None
    level: str | None = Field(default=None, max_length=16)
    regions: list[str] | None = _json()
    applicants: list[str] | None = _json()
    funding_type: list[str] | None = _json()
    topics: list[str] | None = _json()
    language: str | None = Field(default=None, max_length=8)
    open_date: date | None = None
    deadline: date | None = Field(default=None, index=True)
    deadline_text: str | None = None
    status: str | None = Field(default=None, max_length=16)
    max_amount_eur: float | None = None
    funding_rate_pct: float | None = None
    published_at: datetime | None = _ts(nullable=True)
    updated_at: datetime | None = _ts(nullable=True)
    # Whom to ask (one line) and the pages beyond the portal page ([{label, url}]); added in 0015.
    contact: str | None = Field(default=None, sa_column=Column(sa.Text(), nullable=True))
    links: list[dict[str, str]] | None = _json()

    first_seen: datetime = _ts()
    last_seen: datetime = _ts()
    changed_at: datetime = _ts()  # when `version` last increased (equals first_seen for version 1)
    content_hash: str = Field(max_length=64)
    version: int = 1
    gone_at: datetime | None = _ts(nullable=True)  # set when a complete crawl no longer lists the call
    # The same programme found on several portals is one group; every member but the call that
    # represents it points here to that call (foerderradar/grouping decides, Store.set_duplicate_of writes).
    duplicate_of: str | None = Field(default=None, index=True, max_length=600)
    # Title, summary, funding body and description folded, one per line (store.search_text): what the
    # web app's search reads. Written with the call; filled for older rows by migration 0013.
    search_text: str | None = Field(default=None, sa_column=Column(sa.Text(), nullable=True))
    # What people read and type (``K7Q2M``; storage/short_ids.py): given when the row is inserted
    # (Store._upsert picks a free one), never changed after. Filled for older rows by migration 0014.
    short_id: str | None = Field(
        default=None, sa_column=Column(sa.String(short_ids.MAX_LENGTH), nullable=False, index=True, unique=True)
    )


class CallEvent(SQLModel, table=True):
    """A typed change of a call — what digests report instead of text diffs.

    kind: ``new`` | ``amended`` (``fields`` names what changed; ``details`` holds old/new values of
    the fields a person acts on: deadline, status, rate, amount) | ``closed`` | ``gone`` | ``back``.
    """

    __tablename__ = "call_events"

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(index=True, max_length=600)
    kind: str = Field(max_length=16)
    call_version: int
    fields: list[str] | None = _json()
    details: dict[str, Any] | None = _json()
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class CrawlRun(SQLModel, table=True):
    """One portal's share of one crawl: the raw material of portal-health reporting."""

    __tablename__ = "crawl_runs"

    id: int | None = Field(default=None, primary_key=True)
    portal: str = Field(index=True, max_length=64)
    started_at: datetime = _ts()
    finished_at: datetime | None = _ts(nullable=True)
    items: int = 0
    new: int = 0
    changed: int = 0
    errors: int = 0
    ok: bool = False
    message: str | None = Field(default=None, sa_column=Column(sa.Text(), nullable=True))
    gone: int = 0
    requests: int = 0
    bytes: int = 0
    # How many of the items parsed in this run had each canonical field filled, plus the number
    # parsed (``extracted``): a field that suddenly stays empty betrays a changed page layout.
    extracted: int = 0
    filled: dict[str, int] | None = _json()


class MatchRecord(SQLModel, table=True):
    """One stored verdict: a (measure, call) pair the matcher found eligible and relevant (score
    above zero and at least :attr:`MatchState.min_score`).

    The one truth that report, digest and feeds read (``jobs.match_stored_calls``): a measure's
    rows are replaced together with its :class:`MatchState`, and read back only while that state's
    inputs fingerprint still fits the stored calls, the measures, the day and the code. ``rank`` is
    the row's place in the measure's list, so a read gives exactly the order the matcher chose
    (ties included); ``title``, ``url``, ``deadline`` (possibly read from the text) and ``status``
    (as of the day) are what the verdict said, so reading needs no second look at the calls.
    """

    __tablename__ = "matches"
    __table_args__ = (UniqueConstraint("kommune", "measure_id", "call_id", name="uq_match_kommune_measure_call"),)

    id: int | None = Field(default=None, primary_key=True)
    kommune: str = Field(index=True, max_length=64)  # the municipality (slug) whose measure this is
    measure_id: str = Field(index=True, max_length=128)
    call_id: str = Field(index=True, max_length=600)
    call_version: int
    score: float
    eligible: bool
    reasons: list[str] | None = _json()
    computed_at: datetime = _ts()
    rank: int = 0
    title: str = Field(default="", sa_column=Column(sa.Text(), nullable=False))
    url: str = Field(default="", sa_column=Column(sa.Text(), nullable=False))
    deadline: date | None = None
    status: str = Field(default="unknown", max_length=16)


class MatchState(SQLModel, table=True):
    """What one measure's stored verdicts were computed from: ``inputs`` is a fingerprint of the
    stored calls (content and grouping), the measures file, the day and the matcher's code. Equal
    fingerprint (and ``min_score`` no higher than asked for) → the stored verdicts are read; any
    difference → they are recomputed and replaced.

    One row per municipality and measure: the municipalities of one instance keep their verdicts
    side by side, and two of them may use the same measure id.
    """

    __tablename__ = "match_state"

    kommune: str = Field(primary_key=True, max_length=64)
    measure_id: str = Field(primary_key=True, max_length=128)
    inputs: str = Field(max_length=64)
    as_of: date
    computed_at: datetime = _ts()
    calls_checked: int = 0  # stored calls the verdicts speak for (representatives and their other pages)
    calls_skipped: int = 0  # stored rows that failed validation and were left out
    # The lowest score stored: a reader asking for less recomputes (a report with --min-score 0 after the
    # daily job stored only what the digest shows).
    min_score: float = 0


class MarkRecord(SQLModel, table=True):
    """A stored :class:`foerderradar.model.Mark` (a person's verdict on one (measure, call) pair).

    Read through ``storage/marks.py``, which hands out the plain value: the matcher applies marks
    without knowing this table.
    """

    __tablename__ = "marks"
    __table_args__ = (UniqueConstraint("kommune", "measure_id", "call_id", name="uq_mark_kommune_measure_call"),)

    id: int | None = Field(default=None, primary_key=True)
    kommune: str = Field(index=True, max_length=64)
    measure_id: str = Field(index=True, max_length=128)
    call_id: str = Field(index=True, max_length=600)
    mark: str = Field(max_length=16)
    note: str | None = Field(default=None, sa_column=Column(sa.Text(), nullable=True))
    call_version: int
    marked_at: datetime = _ts()


class SentDigest(SQLModel, table=True):
    """One recipient's digest for one period and municipality: the guard that makes sending happen
    at most once. ``kommune`` is empty for the instance's own mails (portal-health alerts to city IT)."""

    __tablename__ = "sent_digests"
    __table_args__ = (
        UniqueConstraint("kommune", "period", "recipient", name="uq_digest_kommune_period_recipient"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kommune: str = Field(default="", max_length=64)
    period: str = Field(max_length=32)  # "2026-W49" digest, "health-…" alert, "frist-…" deadline reminder
    recipient: str = Field(max_length=320)
    status: str = Field(default="pending", max_length=16)  # pending | sent
    attempts: int = 0
    created_at: datetime = _ts()
    sent_at: datetime | None = _ts(nullable=True)
    # The newest data this digest can have seen (its inputs were loaded after it, minus a margin
    # for writes still in flight): the next digest's "new since". Not sent_at — a call a crawl
    # stored while this digest was being sent would otherwise never count as new. Null on rows
    # written before the column existed (sent_at stands in).
    covers_until: datetime | None = _ts(nullable=True)
    message_id: str | None = Field(default=None, max_length=255)
    last_error: str | None = Field(default=None, sa_column=Column(sa.Text(), nullable=True))


class JobLock(SQLModel, table=True):
    """A named lease so two processes (two `serve`, or `serve` and a manual run) never crawl or
    send at the same time. Expired leases, or leases of a dead process on this host, are taken over."""

    __tablename__ = "locks"

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=255)  # host:pid
    acquired_at: datetime = _ts()
    expires_at: datetime = _ts()


class JobRun(SQLModel, table=True):
    """One run of a scheduled or manual job, for `foerderradar status`."""

    __tablename__ = "job_runs"

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(index=True, max_length=32)
    trigger: str = Field(default="manual", max_length=16)  # schedule | manual
    started_at: datetime = _ts()
    finished_at: datetime | None = _ts(nullable=True)
    ok: bool | None = None
    summary: str | None = Field(default=None, sa_column=Column(sa.Text(), nullable=True))


class PageState(SQLModel, table=True):
    """The last full fetch of one detail page, kept for portals with ``recheck_days``.

    It lets a repeat crawl skip a detail page whose card on the list page is unchanged (same
    ``card_signature``) and that was fetched recently, and still count the page's call as listed
    (``call_id``), so the call is neither re-downloaded nor marked gone.
    """

    __tablename__ = "page_state"

    portal: str = Field(primary_key=True, max_length=64)
    url: str = Field(primary_key=True, max_length=2048)
    card_signature: str = Field(max_length=64)
    call_id: str = Field(max_length=600)
    fetched_at: datetime = _ts()


# -- the web app: accounts, sessions, login throttling, audit log (migrations 0011, 0012) ----------


class UserRecord(SQLModel, table=True):
    """A person who signs in to the web app (``foerderradar users``).

    ``password_hash`` is an argon2 hash (never the password); ``kommunen`` are the municipalities
    (slugs) the user may see and change — an ``admin`` sees every municipality whatever it lists.
    """

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("email", name="uq_users_email"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320)  # lower case
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)  # manager | it | admin
    kommunen: list[str] | None = _json()
    created_at: datetime = _ts()
    last_login_at: datetime | None = _ts(nullable=True)
    password_changed_at: datetime = _ts()
    # Random; with the municipality's slug and a key derived from FOERDERRADAR_SECRET_KEY it makes
    # the private calendar address (web/calendar_links.py). Replacing it kills every address the
    # user had. Null until the user first opens the Fristen page (migration 0012).
    calendar_secret: str | None = Field(default=None, max_length=64)


class WebSession(SQLModel, table=True):
    """A signed-in browser. The cookie carries a random token; only its SHA-256 is stored, so a
    leaked database row does not open a session. A row exists only after a login (a visitor's
    pre-login token is never one), which is why a login always hands out a new token."""

    __tablename__ = "web_sessions"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(index=True)
    created_at: datetime = _ts()
    last_seen_at: datetime = _ts()
    expires_at: datetime = _ts()


class LoginThrottle(SQLModel, table=True):
    """Failed logins per e-mail address, known or not (so a lock-out does not tell whether an account
    exists): after too many, ``locked_until`` refuses every attempt for a while."""

    __tablename__ = "login_throttle"

    email: str = Field(primary_key=True, max_length=320)
    failures: int = 0
    last_failure_at: datetime = _ts()
    locked_until: datetime | None = _ts(nullable=True)


class AuditEntry(SQLModel, table=True):
    """Who changed what, when: marks set in the web app, logins and account changes. Rows are only
    ever added; ``details`` holds the action's values (mark, note, where it came from)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    user_email: str = Field(max_length=320)
    kommune: str = Field(default="", index=True, max_length=64)
    action: str = Field(max_length=32)
    call_id: str | None = Field(default=None, max_length=600)
    measure_id: str | None = Field(default=None, max_length=128)
    details: dict[str, Any] | None = _json()
