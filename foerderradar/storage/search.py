"""Search over every stored call (the web app's *Suche*): free text and filters, counted and paged
in the database, so a page of 50 results never loads the 50,000 calls of a Land.

Free text is matched *folded* on both sides, the way crawler and matcher compare text
(:func:`foerderradar.german.fold.fold`: case, umlauts, ß, accents): "foerder" finds "Förder",
"strasse" finds "Straße", "STRASSE" finds "straße", "cafe" finds "Café". The calls are folded once,
in Python, when they are written (``calls.search_text``, ``store.search_text``), the query here —
so SQLite and PostgreSQL compare the same strings (their ``lower()`` differ beyond ASCII), and a
search is one substring test per row (``instr``/``strpos``, no LIKE wildcards to escape).

One result per programme: the representative (``duplicate_of`` empty) stands for its pages on
other portals, and a word or a portal found only on such a page finds the representative.
Whether a call fits the municipality's measures is read from the stored verdicts (``matches``),
which the caller must have brought up to date first (``jobs.match_stored_calls``): this module
reads them, it never judges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from foerderradar.german.fold import fold
from foerderradar.storage import short_ids
from foerderradar.storage.store import Store, UnknownCall
from foerderradar.storage.tables import CallRecord, MatchRecord

StatusFilter = Literal["open", "upcoming", "closed"]
LEVELS = ("eu", "bund", "land", "regional")
STATUSES: tuple[StatusFilter, ...] = ("open", "upcoming", "closed")
MAX_TERMS = 10  # words of one query: each adds a substring test per row
MAX_TERM_LENGTH = 100
IN_TITLE, ELSEWHERE = 3, 1  # what a word counts for the relevance, found in the title or only elsewhere


@dataclass(frozen=True)
class VerdictFilter:
    """Only calls with a stored verdict of ``kommune`` for one of ``measure_ids`` scoring at least
    ``min_score`` (the threshold the pages show verdicts from)."""

    kommune: str
    measure_ids: tuple[str, ...]
    min_score: float = 0


@dataclass(frozen=True)
class CallQuery:
    """What to look for; every part left empty does not filter."""

    today: date  # the day "offen" and "geschlossen" are judged on
    text: str = ""
    level: str | None = None  # one of LEVELS
    status: StatusFilter | None = None
    deadline_until: date | None = None  # a deadline on or before this day (calls without one: no)
    source: str | None = None  # a portal key: the programme has a page on it
    verdicts: VerdictFilter | None = None


@dataclass(frozen=True)
class SearchPage:
    total: int  # every call the query finds
    records: list[CallRecord]  # the asked-for slice, best first


def terms(text: str) -> list[str]:
    """The folded words of a query (each must be found), at most :data:`MAX_TERMS`, duplicates once."""
    words = [w[:MAX_TERM_LENGTH] for w in fold(text).split()]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def _position(dialect: str, text: Any, word: str) -> Any:
    """Where ``word`` first occurs in ``text`` (1-based; 0: nowhere) — a plain substring test."""
    return sa.func.strpos(text, word) if dialect == "postgresql" else sa.func.instr(text, word)


def _has(dialect: str, table: Any, word: str) -> Any:
    return _position(dialect, sa.func.coalesce(table.search_text, ""), word) > 0


def _closed(t: Any, today: date) -> Any:
    return sa.or_(sa.and_(t.deadline.is_not(None), t.deadline < today), sa.func.coalesce(t.status, "") == "closed")


def status_clause(t: Any, status: StatusFilter, today: date) -> Any:
    """The rule of ``web.calls.status_of`` (``FundingCall.effective_status`` on a stored row) in SQL:
    closed when the deadline passed or the portal says so; else coming when it opens later (or has
    no deadline and the portal says coming); else open when it has a deadline or the portal says open.
    Every branch guards its NULLs, so no comparison with NULL decides anything."""
    closed = _closed(t, today)
    later = sa.and_(t.open_date.is_not(None), t.open_date > today)
    portal = sa.func.coalesce(t.status, "")
    if status == "closed":
        return closed
    if status == "upcoming":
        return sa.and_(sa.not_(closed), sa.or_(later, sa.and_(t.deadline.is_(None), portal == "upcoming")))
    return sa.and_(sa.not_(closed), sa.not_(later), sa.or_(t.deadline.is_not(None), portal == "open"))


def _bytewise(store: Store, expr: Any) -> Any:
    """Byte order for ties, the same on both databases (PostgreSQL's default collation is the locale's)."""
    return expr.collate("C") if store.engine.dialect.name == "postgresql" else expr


def _where(dialect: str, query: CallQuery, words: Sequence[str]) -> list[Any]:
    t = CallRecord
    other = aliased(CallRecord)
    clauses: list[Any] = [col(t.duplicate_of).is_(None)]
    for word in words:
        on_other_page = sa.exists().where(col(other.duplicate_of) == col(t.id), _has(dialect, other, word))
        clauses.append(sa.or_(_has(dialect, t, word), on_other_page))
    if query.level is not None:
        clauses.append(col(t.level) == query.level)
    if query.status is not None:
        clauses.append(status_clause(t, query.status, query.today))
    if query.deadline_until is not None:
        clauses.append(sa.and_(col(t.deadline).is_not(None), col(t.deadline) <= query.deadline_until))
    if query.source is not None:
        clauses.append(sa.or_(col(t.source) == query.source, sa.exists().where(
            col(other.duplicate_of) == col(t.id), col(other.source) == query.source)))
    if query.verdicts is not None:
        v = query.verdicts
        clauses.append(sa.exists().where(
            col(MatchRecord.kommune) == v.kommune, col(MatchRecord.call_id) == col(t.id),
            col(MatchRecord.measure_id).in_(v.measure_ids), col(MatchRecord.score) >= v.min_score,
            col(MatchRecord.eligible).is_(True),
        ))
    return clauses


def _order(store: Store, query: CallQuery, words: Sequence[str]) -> list[Any]:
    """Relevance first (when words were given), then the next deadlines soonest, then calls without
    a deadline, then the past ones most recent first; ties in byte order of title and id."""
    t = CallRecord
    order: list[Any] = []
    if words:
        dialect = store.engine.dialect.name
        text = sa.func.coalesce(t.search_text, "")
        title_end = _position(dialect, text.op("||")("\n"), "\n")  # the title is the first line
        score: Any = sa.literal(0)
        for word in words:
            at = _position(dialect, text, word)
            score = score + sa.case((sa.and_(at > 0, at < title_end), IN_TITLE), else_=ELSEWHERE)
        order.append(score.desc())
    deadline = col(t.deadline)
    order += [
        sa.case((deadline >= query.today, 0), (deadline.is_(None), 1), else_=2),
        sa.case((deadline >= query.today, deadline), else_=None).asc(),
        deadline.desc(),
        _bytewise(store, col(t.title)),
        _bytewise(store, col(t.id)),
    ]
    return order


def search_calls(store: Store, query: CallQuery, *, offset: int = 0, limit: int = 50) -> SearchPage:
    """The calls ``query`` finds, one per programme: how many, and ``limit`` of them from ``offset``."""
    words = terms(query.text)
    where = _where(store.engine.dialect.name, query, words)
    with store.session() as session:
        total = int(session.execute(sa.select(sa.func.count()).select_from(CallRecord).where(*where)).scalar() or 0)
        rows = session.exec(
            select(CallRecord).where(*where).order_by(*_order(store, query, words)).offset(offset).limit(limit)
        ).all()
    return SearchPage(total, list(rows))


def call_named(store: Store, text: str) -> CallRecord | None:
    """The call whose short id ``text`` is, in any case — else None, and the text is searched.

    Stricter than the ``calls mark`` resolver (``store.resolve_call``), which also reads ``O`` as
    ``0`` and ``I``/``L`` as ``1``: in a search box a word is more likely meant as a word, and with
    look-alikes forgiven "solar" would open the call ``S01AR``. Exact, only words without those
    letters can collide — about one five-letter word in 33 million per stored call."""
    typed = text.strip().upper()
    if short_ids.normalized(typed) != typed:  # a look-alike read, a ':' or a length no short id has
        return None
    try:
        return store.resolve_call(typed)
    except UnknownCall:
        return None


def call_sources(store: Store) -> list[str]:
    """Every portal key some stored call came from (the choices of the *Portal* filter)."""
    with store.session() as session:
        rows = session.execute(sa.select(col(CallRecord.source)).distinct()).scalars().all()
    return sorted(rows)
