"""The store: the database connection, and the calls, crawl runs and page states in it.
Everyone else hands it canonical calls.

Upserts are keyed by ``source:source_id`` and versioned by a content hash, so crawling the same
pages twice stores each call once and a real change is visible as a version bump. The other
storage modules keep what belongs to one municipality — marks (``marks.py``), verdicts
(``verdicts.py``) — and the job leases (``locks.py``), each through :meth:`Store.session`.
(Near 600 lines: a call's whole lifecycle — upsert with its events, gone and back, the incremental
crawl's bookkeeping, the columns grouping reads — shares one connection and one error policy.)
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from foerderradar.german.fold import fold
from foerderradar.model import CallSource, FundingCall
from foerderradar.storage import short_ids
from foerderradar.storage.tables import (
    CallEvent,
    CallRecord,
    CrawlRun,
    PageState,
    utcnow,
)
from foerderradar.storage.textdiff import text_changes

DEFAULT_DATABASE_URL = "sqlite:///foerderradar.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

UpsertOutcome = Literal["new", "changed", "unchanged"]
# How stale `calls.last_seen` may get before a crawl that lists the call refreshes it. A week, not a
# day: with the daily crawl a 20 h threshold would rewrite every row of every portal every day
# (one write per call per crawl in all but name); see docs/contract.md.
LAST_SEEN_RESOLUTION = timedelta(days=7)
_CHUNK = 500  # ids per IN (...) list: far below SQLite's and PostgreSQL's parameter limits
_CALL_FIELDS = tuple(FundingCall.model_fields)
_CALLS: Any = sa.inspect(CallRecord).local_table
# The fields the web app's search looks in (storage/search.py), title first.
SEARCHED_FIELDS = ("title", "summary", "funding_body", "description")
# Fields whose old and new values an amended-event keeps, because a person acts on them.
# Fields whose change alone refreshes the stored call without a new version or event (see _upsert).
QUIET_FIELDS = frozenset({"contact", "links"})
_DETAIL_FIELDS = ("deadline", "deadline_text", "status", "funding_rate_pct", "max_amount_eur", "open_date")


# How long SQLite waits for another process's write transaction before giving up ("database is
# locked"); a `?timeout=S` on the URL overrides it (tests use a short one).
SQLITE_BUSY_TIMEOUT_S = 30.0


class StoreError(RuntimeError):
    """A database problem worth a plain message (unreachable server, locked file, bad URL)."""


class UnknownCall(LookupError):
    """What a person typed for a call is neither a stored call's id nor its short id (a typo, or a
    call that was never crawled). ``message`` says so in German, naming what was typed."""

    def __init__(self, typed: str) -> None:
        super().__init__(typed)
        self.typed = typed

    @property
    def message(self) -> str:
        return (f"Unbekannter Förderaufruf {self.typed!r} (die IDs und Kurzkennungen zeigt: "
                "foerderradar match --format csv).")


def database_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get("FOERDERRADAR_DATABASE_URL") or DEFAULT_DATABASE_URL


def redacted_url(url: str) -> str:
    """The database URL as it may be shown: with the password hidden, even in a URL SQLAlchemy cannot
    parse. (Not a link check — that is :func:`foerderradar.output_safety.safe_url`.)"""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):  # ValueError: e.g. a port that is not a number
        return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", url)


def _busy_timeout(url: str) -> float:
    value = sa.engine.make_url(url).query.get("timeout")
    try:
        return float(value) if isinstance(value, str) else SQLITE_BUSY_TIMEOUT_S
    except ValueError:
        return SQLITE_BUSY_TIMEOUT_S


def unavailable(url: str, exc: sa.exc.DBAPIError) -> str:
    """German: which database, what happened to it, and what to check — never the password.

    Raised mid-run, so it also says what became of the work: each write is its own transaction,
    so nothing half-written is left, and the next run does the rest.
    """
    where = redacted_url(url)
    cause = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
    lowered = cause.lower()
    if "locked" in lowered:
        return (
            f"Datenbank {where} ist gesperrt: ein anderer Prozess schreibt seit über "
            f"{_busy_timeout(url):g} s ({cause}). Läuft noch ein anderer Förderradar-Lauf, ein Backup "
            "oder ein Programm, das die Datei offen hält? Der nächste Lauf holt die Arbeit nach."
        )
    if exc.connection_invalidated or "terminat" in lowered or "server closed" in lowered:
        return (
            f"Verbindung zur Datenbank {where} abgebrochen ({cause}). Wurde der Datenbankserver neu "
            "gestartet oder die Verbindung beendet? Der nächste Lauf holt die Arbeit nach."
        )
    if url.startswith("sqlite"):
        return (
            f"Datenbank {where} nicht nutzbar ({cause}). Prüfen Sie FOERDERRADAR_DATABASE_URL und ob die "
            "Datei und ihr Verzeichnis existieren und beschreibbar sind."
        )
    return (
        f"Datenbank {where} nicht erreichbar ({cause}). "
        "Prüfen Sie FOERDERRADAR_DATABASE_URL und ob der Server läuft."
    )


# Errors that say "the database is not there for us" (as opposed to a bug or a constraint).
_UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError)


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        has_timeout = "timeout" in sa.engine.make_url(url).query
        engine = sa.create_engine(url, connect_args={} if has_timeout else {"timeout": SQLITE_BUSY_TIMEOUT_S})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


# Alembic keeps its migration context in module globals: two threads upgrading at once (the
# scheduler's job thread and the main thread) would trample each other.
_UPGRADE_LOCK = threading.Lock()


def upgrade_schema(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (a no-op when it is already there)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with _UPGRADE_LOCK, engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@dataclass(frozen=True)
class RunStats:
    items: int = 0
    new: int = 0
    changed: int = 0
    errors: int = 0
    gone: int = 0
    requests: int = 0
    bytes: int = 0
    extracted: int = 0  # items whose fields were parsed in this run (the base of `filled`)
    filled: dict[str, int] | None = None


class Store:
    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = database_url(url)
        try:
            self.engine = _make_engine(self.url)
            if migrate:
                upgrade_schema(self.engine)
        except (sa.exc.ArgumentError, ValueError) as exc:
            raise StoreError(f"Ungültige Datenbank-URL {redacted_url(self.url)!r}: {exc}") from exc
        except _UNAVAILABLE as exc:
            raise StoreError(unavailable(self.url, exc)) from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose "database gone" errors arrive as :class:`StoreError` with a German message.

        Every caller (CLI, crawl worker, digest, scheduler) then reports a locked file, a refused
        connection or a connection killed mid-run the same way, instead of a driver traceback. The
        transaction of the failed block is rolled back: nothing half-written stays behind.
        """
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except _UNAVAILABLE as exc:
            raise StoreError(unavailable(self.url, exc)) from exc

    def close(self) -> None:
        self.engine.dispose()

    # -- funding calls ---------------------------------------------------------------------------

    def upsert_call(self, call: FundingCall, now: datetime | None = None) -> UpsertOutcome:
        with self.session() as session:
            outcome = self._upsert(session, call, now or utcnow())
            session.commit()
            return outcome

    def upsert_calls(self, calls: list[FundingCall], now: datetime | None = None) -> list[UpsertOutcome]:
        """Many calls in one transaction: all stored or (on a database error) none."""
        stamp = now or utcnow()
        with self.session() as session:
            outcomes = [self._upsert(session, call, stamp) for call in calls]
            session.commit()
            return outcomes

    def _insert(self) -> Any:
        """INSERT … ON CONFLICT for this database (both dialects have it, SQLite since 3.24)."""
        return postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert

    def _upsert(self, session: Session, call: FundingCall, now: datetime) -> UpsertOutcome:
        """Insert or update one call. Race-safe when several crawl workers store the same call at
        once (docs/scale-out.md): the row is created by INSERT … ON CONFLICT DO NOTHING, so of two
        concurrent inserts exactly one creates it (and records 'new'); the other waits for it to
        commit and then takes the update path under a row lock (SELECT … FOR UPDATE)."""
        digest = call.content_hash()
        record = session.get(CallRecord, call.id, with_for_update=True)
        values = call.model_dump()
        if record is None:
            row = {
                "id": call.id, **values, "first_seen": now, "last_seen": now, "changed_at": now,
                "content_hash": digest, "version": 1, "duplicate_of": None, "gone_at": None,
                "search_text": search_text(values), "short_id": short_ids.short_id(call.id),
            }
            if self._insert_new(session, row):
                session.add(CallEvent(call_id=call.id, kind="new", call_version=1, at=now))
                session.flush()
                return "new"
            # Another worker inserted it between our read and our insert: update its row instead.
            record = session.get(CallRecord, call.id, with_for_update=True, populate_existing=True)
            assert record is not None
        record.last_seen = now
        if record.gone_at is not None:
            record.gone_at = None
            session.add(CallEvent(call_id=call.id, kind="back", call_version=record.version, at=now))
        if record.content_hash == digest:
            session.add(record)
            return "unchanged"
        changed = [k for k, v in values.items() if getattr(record, k) != v]
        if set(changed) <= QUIET_FIELDS:
            # Only whom to ask or where the Richtlinie lies: kept current, but not a new version. A
            # new version would put every call on the digest as GEÄNDERT the first crawl after these
            # fields came (0015), and bring back calls someone had dismissed (marks name a version).
            for key in changed:
                setattr(record, key, values[key])
            record.content_hash = digest
            session.add(record)
            return "unchanged"
        details: dict[str, Any] = {
            k: [_jsonable(getattr(record, k)), _jsonable(values[k])] for k in changed if k in _DETAIL_FIELDS
        }
        if "description" in changed:
            details["description"] = text_changes(record.description, values["description"])
        was_closed = record.status == "closed"
        for key in changed:
            setattr(record, key, values[key])
        if record.search_text is None or any(key in SEARCHED_FIELDS for key in changed):
            record.search_text = search_text(values)
        record.content_hash = digest
        record.version += 1
        record.changed_at = now
        session.add(record)
        session.add(
            CallEvent(call_id=call.id, kind="amended", call_version=record.version, fields=changed,
                      details=details or None, at=now)
        )
        if call.status == "closed" and not was_closed:
            session.add(CallEvent(call_id=call.id, kind="closed", call_version=record.version, at=now))
        return "changed"

    def _insert_new(self, session: Session, row: dict[str, Any]) -> bool:
        """Insert a call's first row; False when a row with its id exists (a concurrent worker's).

        The short id is the call's first choice, so storing a call costs no query for it: ON CONFLICT
        without a target skips the row on either unique column, and only when the id is still free
        was the short id taken — the rare collision (storage/short_ids.py) — and the shortest free
        one of the call's candidates is looked up and tried instead (again, should another worker
        take that one meanwhile)."""
        call_id = row["id"]
        while True:
            stmt = self._insert()(_CALLS).values(row).on_conflict_do_nothing()
            # RETURNING, not rowcount: psycopg reports -1 for this statement.
            if session.execute(stmt.returning(_CALLS.c.id)).first() is not None:
                return True
            if session.execute(sa.select(_CALLS.c.id).where(_CALLS.c.id == call_id)).first() is not None:
                return False
            wanted = short_ids.candidates(call_id)
            taken = set(session.execute(sa.select(_CALLS.c.short_id).where(_CALLS.c.short_id.in_(wanted))).scalars())
            row = {**row, "short_id": short_ids.short_id(call_id, taken)}

    def mark_gone(self, source: str, seen: set[str], now: datetime | None = None) -> int:
        """Flag the source's calls a complete crawl no longer listed (never after a partial crawl:
        a portal hiccup must not make programmes "disappear").

        Streams (id, version) pairs instead of loading the portal's rows: memory is the ``seen``
        set passed in plus the calls that are gone, not the portal's full records.
        """
        stamp = now or utcnow()
        query = sa.select(col(CallRecord.id), col(CallRecord.version)).where(
            col(CallRecord.source) == source, col(CallRecord.gone_at).is_(None)
        )
        with self.session() as session:
            rows = session.execute(query.execution_options(yield_per=_CHUNK))
            gone = [(row.id, row.version) for row in rows if row.id not in seen]
            for start in range(0, len(gone), _CHUNK):
                chunk = gone[start : start + _CHUNK]
                session.execute(
                    sa.update(CallRecord)
                    .where(col(CallRecord.id).in_([call_id for call_id, _ in chunk]))
                    .values(gone_at=stamp)
                )
                session.add_all(
                    CallEvent(call_id=call_id, kind="gone", call_version=version, at=stamp)
                    for call_id, version in chunk
                )
            session.commit()
            return len(gone)

    def events_since(self, since: datetime | None = None, kinds: tuple[str, ...] = ()) -> list[CallEvent]:
        with self.session() as session:
            query = select(CallEvent).order_by(col(CallEvent.id))
            if since is not None:
                query = query.where(CallEvent.at > since)
            if kinds:
                query = query.where(col(CallEvent.kind).in_(kinds))
            return list(session.exec(query).all())

    def events_of(self, call_id: str) -> list[CallEvent]:
        """One call's change events, oldest first (the web app's history of a call)."""
        with self.session() as session:
            query = select(CallEvent).where(CallEvent.call_id == call_id).order_by(col(CallEvent.id))
            return list(session.exec(query).all())

    def get_call(self, call_id: str) -> CallRecord | None:
        with self.session() as session:
            return session.get(CallRecord, call_id)

    def resolve_call(self, typed: str) -> CallRecord:
        """The call a person means by ``typed`` (:func:`resolve_call`); raises :class:`UnknownCall`."""
        with self.session() as session:
            return resolve_call(session, typed)

    def short_ids(self, ids: Iterable[str]) -> dict[str, str]:
        """``{call id: short id}`` of these calls (unknown ids are left out), in chunked IN lists."""
        wanted = sorted(set(ids))
        out: dict[str, str] = {}
        with self.session() as session:
            for start in range(0, len(wanted), _CHUNK):
                query = sa.select(_CALLS.c.id, _CALLS.c.short_id).where(_CALLS.c.id.in_(wanted[start : start + _CHUNK]))
                out.update((row.id, row.short_id) for row in session.execute(query))
        return out

    def calls_by_id(self, ids: set[str] | list[str]) -> dict[str, CallRecord]:
        """The stored records of these ids (unknown ids are left out), in chunked IN lists."""
        wanted = sorted(ids)
        out: dict[str, CallRecord] = {}
        with self.session() as session:
            for start in range(0, len(wanted), _CHUNK):
                query = select(CallRecord).where(col(CallRecord.id).in_(wanted[start : start + _CHUNK]))
                out.update((r.id, r) for r in session.exec(query).all())
        return out

    def iter_calls(self, batch: int = 500, *, representatives_only: bool = False) -> Iterator[CallRecord]:
        """All calls in id order, fetched in pages so memory stays flat however large the store.

        ``representatives_only``: one call per programme (calls that are no one's duplicate) —
        what the matcher scores, so a programme on three portals is judged and shown once.
        """
        last = ""
        while True:
            with self.session() as session:
                query = select(CallRecord).where(CallRecord.id > last)
                if representatives_only:
                    query = query.where(col(CallRecord.duplicate_of).is_(None))
                rows = session.exec(query.order_by(CallRecord.id).limit(batch)).all()
            if not rows:
                return
            yield from rows
            last = rows[-1].id
            del rows  # not two pages at once while the next one is fetched

    # -- programmes on several portals -----------------------------------------------------------

    def call_columns(self, names: Sequence[str], *, cut: Mapping[str, int] | None = None) -> list[Any]:
        """These columns of every stored call, in id order; a text column named in ``cut`` is read
        only up to that many characters. For whole-store passes that need a few fields of every call
        (``grouping.regroup``) without loading 50,000 full records."""
        table = _CALLS
        columns = [
            sa.func.substr(table.c[name], 1, (cut or {})[name]).label(name) if name in (cut or {}) else table.c[name]
            for name in names
        ]
        with self.session() as session:
            return list(session.execute(sa.select(*columns).order_by(table.c.id)).all())

    def set_duplicate_of(self, moves: Mapping[str | None, Sequence[str]]) -> int:
        """Point these calls to the call that represents their programme (None: they represent
        themselves), in one transaction; returns how many rows were written."""
        written = 0
        with self.session() as session:
            for target, ids in moves.items():
                for start in range(0, len(ids), _CHUNK):
                    session.execute(
                        sa.update(CallRecord)
                        .where(col(CallRecord.id).in_(list(ids[start : start + _CHUNK])))
                        .values(duplicate_of=target)
                    )
                    written += len(ids[start : start + _CHUNK])
            session.commit()
        return written

    def sources(self) -> dict[str, tuple[CallSource, ...]]:
        """For every programme found on several portals: representative id → its pages,
        the representative first, then the others by portal key."""
        with self.session() as session:
            members = session.execute(
                sa.select(
                    col(CallRecord.id), col(CallRecord.source), col(CallRecord.url), col(CallRecord.title),
                    col(CallRecord.duplicate_of),
                )
                .where(col(CallRecord.duplicate_of).is_not(None))
                .order_by(CallRecord.source, CallRecord.id)
            ).all()
            leaders = {m.duplicate_of for m in members}
            heads = {
                r.id: r
                for start in range(0, len(leaders), 500)
                for r in session.execute(
                    sa.select(
                        col(CallRecord.id), col(CallRecord.source), col(CallRecord.url), col(CallRecord.title)
                    ).where(
                        col(CallRecord.id).in_(sorted(leaders)[start : start + 500])
                    )
                ).all()
            }
        out: dict[str, list[CallSource]] = {
            lead: [CallSource(h.id, h.source, h.url, h.title)] for lead, h in heads.items()
        }
        for m in members:
            if m.duplicate_of in out:
                out[m.duplicate_of].append(CallSource(m.id, m.source, m.url, m.title))
        return {lead: tuple(found) for lead, found in out.items()}

    def programme_pages(self, call_id: str) -> tuple[CallSource, ...]:
        """The pages of the programme this call belongs to, on every portal: the representative
        first, then the others by portal key (just the call itself when it is listed once; empty
        for an unknown id)."""
        with self.session() as session:
            record = session.get(CallRecord, call_id)
            if record is None:
                return ()
            lead = record.duplicate_of or record.id
            rows = session.execute(
                sa.select(col(CallRecord.id), col(CallRecord.source), col(CallRecord.url), col(CallRecord.title))
                .where(sa.or_(col(CallRecord.id) == lead, col(CallRecord.duplicate_of) == lead))
                .order_by(CallRecord.source, CallRecord.id)
            ).all()
        pages = [CallSource(r.id, r.source, r.url, r.title) for r in rows]
        return tuple(sorted(pages, key=lambda p: p.call_id != lead))  # stable: the others keep their order

    def last_event_id(self) -> int:
        """The newest change event's id (0 if none): events are numbered in the order they were made."""
        with self.session() as session:
            newest = session.execute(sa.select(sa.func.max(col(CallEvent.id)))).scalar()
            return int(newest or 0)

    def changes_since(self, source: str, after_event: int) -> tuple[int, int]:
        """(new, amended) events of the source's calls after event ``after_event``: what a crawl
        that started then created — taken from the events themselves, so a crawl process that died
        after storing a call but before counting it cannot make the figure wrong."""
        query = (
            sa.select(col(CallEvent.kind), sa.func.count())
            .join(CallRecord, col(CallRecord.id) == col(CallEvent.call_id))
            .where(col(CallEvent.id) > after_event, col(CallRecord.source) == source,
                   col(CallEvent.kind).in_(("new", "amended")))
            .group_by(col(CallEvent.kind))
        )
        with self.session() as session:
            counts = {kind: int(n) for kind, n in session.execute(query).all()}
        return counts.get("new", 0), counts.get("amended", 0)

    def count_calls(self, *, duplicates_only: bool = False) -> int:
        """How many calls are stored; ``duplicates_only``: how many are another call's duplicate."""
        query = select(sa.func.count()).select_from(CallRecord)
        if duplicates_only:
            query = query.where(col(CallRecord.duplicate_of).is_not(None))
        with self.session() as session:
            return int(session.exec(query).one())

    # -- crawl runs ------------------------------------------------------------------------------

    def start_run(self, portal: str) -> int:
        with self.session() as session:
            run = CrawlRun(portal=portal, started_at=utcnow())
            session.add(run)
            session.commit()
            assert run.id is not None
            return run.id

    def finish_run(self, run_id: int, stats: RunStats, ok: bool, message: str | None = None) -> None:
        with self.session() as session:
            run = session.get(CrawlRun, run_id)
            if run is None:
                raise StoreError(f"crawl run {run_id} does not exist")
            run.finished_at = utcnow()
            for name in ("items", "new", "changed", "errors", "gone", "requests", "bytes", "extracted", "filled"):
                setattr(run, name, getattr(stats, name))
            run.ok = ok
            run.message = message
            session.add(run)
            session.commit()

    def recent_runs(self, portal: str, limit: int = 10) -> list[CrawlRun]:
        """A portal's newest finished-or-not runs, newest first: the history health is judged on."""
        with self.session() as session:
            query = select(CrawlRun).where(CrawlRun.portal == portal).order_by(col(CrawlRun.id).desc()).limit(limit)
            return list(session.exec(query).all())

    def last_runs(self) -> dict[str, CrawlRun]:
        """The newest run of each portal."""
        with self.session() as session:
            newest = (
                select(CrawlRun.portal, sa.func.max(CrawlRun.id).label("id"))
                .group_by(CrawlRun.portal)
                .subquery()
            )
            rows = session.exec(select(CrawlRun).join(newest, col(CrawlRun.id) == newest.c.id)).all()
            return {run.portal: run for run in rows}

    # -- incremental crawling ----------------------------------------------------------------------
    # A repeat crawl of an unchanged portal writes nothing: the pipeline compares against these
    # hashes instead of upserting, and page states let a crawl skip unchanged detail pages.

    def call_hashes(self, source: str) -> dict[str, str]:
        """``{call id: content hash}`` of the source's calls that are not gone, in one SELECT.

        Gone calls are left out on purpose: when one is listed again it must go through the upsert,
        which records its ``back`` event.
        """
        with self.session() as session:
            rows = session.exec(
                select(CallRecord.id, CallRecord.content_hash).where(
                    CallRecord.source == source, col(CallRecord.gone_at).is_(None)
                )
            ).all()
            return dict(rows)

    def refresh_last_seen(
        self, source: str, seen: set[str], now: datetime | None = None, older_than: timedelta = LAST_SEEN_RESOLUTION
    ) -> int:
        """Move ``last_seen`` to now for listed calls whose ``last_seen`` is older than ``older_than``.

        Bulk UPDATEs instead of a write per call per crawl; returns how many rows changed.
        """
        stamp = now or utcnow()
        ids = sorted(seen)
        changed = 0
        with self.session() as session:
            for start in range(0, len(ids), _CHUNK):
                result = session.execute(
                    sa.update(CallRecord)
                    .where(
                        col(CallRecord.source) == source,
                        col(CallRecord.id).in_(ids[start : start + _CHUNK]),
                        col(CallRecord.last_seen) < stamp - older_than,
                    )
                    .values(last_seen=stamp)
                )
                changed += int(getattr(result, "rowcount", 0) or 0)
            session.commit()
        return changed

    def page_states(self, portal: str) -> dict[str, PageState]:
        """The portal's page states by URL, only those whose call is stored and not gone.

        A page whose call went missing or is gone must be fetched again (to record ``back``).
        """
        with self.session() as session:
            rows = session.exec(
                select(PageState)
                .join(CallRecord, col(CallRecord.id) == col(PageState.call_id))
                .where(PageState.portal == portal, col(CallRecord.gone_at).is_(None))
            ).all()
            return {row.url: row for row in rows}

    def save_page_states(self, portal: str, pages: dict[str, tuple[str, str]], now: datetime | None = None) -> int:
        """Record full fetches: ``{url: (card signature, call id)}``, inserted or replaced in one transaction."""
        if not pages:
            return 0
        stamp = now or utcnow()
        rows = [
            {"portal": portal, "url": url, "card_signature": sig, "call_id": call_id, "fetched_at": stamp}
            for url, (sig, call_id) in sorted(pages.items())
        ]
        dialect_insert = self._insert()
        table: Any = sa.inspect(PageState).local_table
        with self.session() as session:
            for start in range(0, len(rows), _CHUNK):
                stmt = dialect_insert(table).values(rows[start : start + _CHUNK])
                stmt = stmt.on_conflict_do_update(
                    index_elements=["portal", "url"],
                    set_={name: stmt.excluded[name] for name in ("card_signature", "call_id", "fetched_at")},
                )
                session.execute(stmt)
            session.commit()
        return len(rows)


    # -- what verdicts depend on (storage/verdicts.py keeps the verdicts) -------------------------

    def calls_fingerprint(self) -> str:
        """A digest of every stored call's id, content hash and group (``duplicate_of``), streamed
        in id order: equal digests mean the matcher would see the same calls and the same programme
        pages, so verdicts computed for one still hold for the other (``jobs.inputs_fingerprint``)."""
        digest = hashlib.sha256()
        query = sa.select(_CALLS.c.id, _CALLS.c.content_hash, _CALLS.c.duplicate_of).order_by(_CALLS.c.id)
        with self.session() as session:
            for row in session.execute(query.execution_options(yield_per=_CHUNK)):
                digest.update(f"{row.id}\t{row.content_hash}\t{row.duplicate_of or ''}\n".encode())
        return digest.hexdigest()

    def call_versions(self, ids: Iterable[str] | None = None) -> dict[str, int]:
        """Current version of these calls (default: every call), read as two columns."""
        with self.session() as session:
            if ids is None:
                return dict(session.exec(select(CallRecord.id, CallRecord.version)).all())
            return versions_in(session, set(ids))


def resolve_call(session: Session, typed: str) -> CallRecord:
    """The one reading of a call id a person or a form gives, for every command and page that takes
    one: the exact full id (``source:source_id``) first, else a short id in any case (look-alikes
    forgiven, ``short_ids.normalized``). A full id always holds ``:`` and a short id never does, so
    the order only saves a query. Raises :class:`UnknownCall` naming what was typed."""
    record = session.get(CallRecord, typed)
    if record is None and (wanted := short_ids.normalized(typed)) is not None:
        record = session.exec(select(CallRecord).where(CallRecord.short_id == wanted)).first()
    if record is None:
        raise UnknownCall(typed)
    return record


def versions_in(session: Session, ids: set[str]) -> dict[str, int]:
    """Current version of these calls, read in ``session`` (chunked IN lists)."""
    wanted = sorted(ids)
    out: dict[str, int] = {}
    for start in range(0, len(wanted), _CHUNK):
        query = select(CallRecord.id, CallRecord.version).where(col(CallRecord.id).in_(wanted[start : start + _CHUNK]))
        out.update(session.exec(query).all())
    return out


def search_text(values: Mapping[str, Any]) -> str:
    """What the search compares a query with (``calls.search_text``): title, summary, funding body
    and description folded (``german.fold``: case, umlauts, ß, accents) and joined by line breaks,
    each on one line — so the title is the first line, which ranks a word found in it first.

    Folded once when the call is written, in Python, rather than on every search in SQL: the same
    fold on SQLite and PostgreSQL (whose ``lower()`` differ beyond ASCII), and a search reads one
    column with a substring test instead of folding every description of a Land per query."""
    return "\n".join(fold(" ".join(str(values.get(name) or "").split())) for name in SEARCHED_FIELDS)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def record_to_call(record: CallRecord) -> FundingCall:
    return FundingCall.model_validate({name: getattr(record, name) for name in _CALL_FIELDS})


def record_to_export(record: CallRecord) -> dict[str, Any]:
    """The contract's export shape: canonical fields plus the store's bookkeeping."""
    out = record_to_call(record).model_dump(mode="json")
    out.update(
        id=record.id,
        first_seen=record.first_seen.isoformat(),
        last_seen=record.last_seen.isoformat(),
        content_hash=record.content_hash,
        version=record.version,
        duplicate_of=record.duplicate_of,  # added in 0004: the call representing this programme, or null
        short_id=record.short_id,  # added in 0014: what people read and type (storage/short_ids.py)
    )
    return out
