"""The pages about calls of one municipality: *Aufruf* (one call with every field, why it fits this
municipality's measures, its change history, every portal that lists it, the marks on it and the mark
form) and *Fristen* (the matched calls due soon, and the running applications with their deadlines;
and the user's private calendar address of the same entries, answered by ``kalender.py``).

Both live under ``/k/<slug>/`` and start with :func:`auth.kommune_or_404`, like the *Übersicht*.
Call ids hold ``:`` and ``/`` (``nrw:foerderdatenbank/…``): the route takes the rest of the path —
or a short id (``/k/verl/aufruf/K7Q2M``, any case), read by ``storage.store.resolve_call``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import Blueprint, abort, g, render_template, request, url_for

from foerderradar.german.applicants import APPLICANT_LABELS
from foerderradar.german.labels import FUNDING_TYPE_DE, LEVEL_DE
from foerderradar.jobs import match_stored_calls
from foerderradar.matcher.report import STATUS_DE
from foerderradar.model import CallSource, Mark, Match
from foerderradar.notifier import formatting as fmt
from foerderradar.notifier.changes import describe
from foerderradar.settings import Config, Measure
from foerderradar.storage import UnknownCall, audit
from foerderradar.storage.marks import all_marks
from foerderradar.storage.tables import AuditEntry, CallEvent, CallRecord
from foerderradar.web import calendar_links, users
from foerderradar.web.auth import kommune_or_404
from foerderradar.web.context import state

bp = Blueprint("calls", __name__)
SOON_DAYS = 30  # the Fristen page's first section
LATER_DAYS = 90  # and its second
# Events notifier/changes.describe has no words for (it reports changes, not arrivals and departures).
EVENT_DE = {"new": "neu erfasst", "gone": "nicht mehr auf dem Portal gelistet", "amended": "geändert"}


@dataclass(frozen=True)
class MeasureFit:
    """One open measure of the municipality and this call's verdict for it (None: no fit)."""

    measure: Measure
    verdict: Match | None


@dataclass(frozen=True)
class Change:
    """One entry of the call's history: when, which version, and German phrases."""

    at: datetime
    version: int
    phrases: list[str]


@dataclass(frozen=True)
class Due:
    """A call on the Fristen page: its deadline and the measures it fits (or was applied for under)."""

    call_id: str
    title: str
    deadline: date | None  # None: a running application whose call names no date
    days_left: int | None
    measures: list[str]
    note: str | None = None  # a running application's note
    short_id: str = ""  # the call's short id ("Kennung K7Q2M")


def _joined(values: list[str] | None, labels: dict[str, str] | None = None) -> str | None:
    if not values:
        return None
    return ", ".join(labels.get(v, v) if labels else v for v in values)


def _datetime(value: datetime | None) -> str | None:
    return value.strftime("%d.%m.%Y, %H:%M Uhr (UTC)") if value else None


def facts(call: CallRecord) -> list[tuple[str, str | None]]:
    """Every field of the call that is a short value, labelled in German (None: not given)."""
    return [
        ("Fördergeber", call.funding_body),
        ("Kontakt", call.contact),
        ("Ebene", LEVEL_DE.get(call.level, call.level) if call.level else None),
        ("Fördergebiet", _joined(call.regions)),
        ("Antragsberechtigte", _joined(call.applicants, APPLICANT_LABELS)),
        ("Förderart", _joined(call.funding_type, FUNDING_TYPE_DE)),
        ("Themen", _joined(call.topics)),
        ("Höchstbetrag", fmt.euro(call.max_amount_eur) if call.max_amount_eur is not None else None),
        ("Förderquote", fmt.percent(call.funding_rate_pct) if call.funding_rate_pct is not None else None),
        ("Antragsbeginn", fmt.german_date(call.open_date) if call.open_date else None),
        ("Frist", fmt.german_date(call.deadline) if call.deadline else None),
        ("Fristangabe des Portals", call.deadline_text),
        ("Status laut Portal", STATUS_DE.get(call.status, call.status) if call.status else None),
        ("Veröffentlicht", _datetime(call.published_at)),
        ("Aktualisiert laut Portal", _datetime(call.updated_at)),
        ("Zuerst gesehen", _datetime(call.first_seen)),
        ("Zuletzt gesehen", _datetime(call.last_seen)),
        ("Nicht mehr gelistet seit", _datetime(call.gone_at)),
        ("Version", str(call.version)),
        ("Portal", call.source),
        ("Kennung", call.short_id),
        ("Vollständige Kennung", call.id),
    ]


def paragraphs(text: str | None) -> list[str]:
    """A scraped description as paragraphs (blank lines separate them; other breaks are spaces)."""
    if not text:
        return []
    return [" ".join(block.split()) for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]


def history(events: list[CallEvent]) -> list[Change]:
    """The call's events in German, newest first — the notifier's phrases wherever it has them."""
    out = []
    for event in events:
        phrases = describe([event]) or [EVENT_DE.get(event.kind, event.kind)]
        out.append(Change(event.at, event.call_version, phrases))
    return out[::-1]


def status_of(call: CallRecord, today: date) -> str:
    """Open/closed as of today, by the rules of ``FundingCall.effective_status`` (read off the stored
    row: a row an older version wrote may not validate as a FundingCall any more)."""
    if (call.deadline is not None and call.deadline < today) or call.status == "closed":
        return "closed"
    if call.open_date is not None and call.open_date > today:
        return "upcoming"
    return "open" if call.deadline is not None else (call.status or "unknown")


@bp.get("/k/<slug>/aufruf/<path:call_id>")
def aufruf(slug: str, call_id: str) -> str:
    cfg = kommune_or_404(slug)
    store = state().store
    try:
        call = store.resolve_call(call_id)
    except UnknownCall:
        abort(404)
    # Verdicts, marks and the audit rows belong to the programme's representative call.
    lead = call.duplicate_of or call.id
    # The verdicts before marks apply: this page shows the marks beside them, so a dismissed or
    # applied pair still says why it fits. The same threshold as the Übersicht.
    found = match_stored_calls(store, cfg, state().today(), min_score=cfg.settings.digest.min_score, feedback=False)
    verdicts = {m.measure_id: m for m in found.matches if m.call_id == lead}
    fits = [MeasureFit(m, verdicts.get(m.id)) for m in cfg.measures.measures if m.status == "open"]
    titles = {m.id: m.title for m in cfg.measures.measures}
    marks: list[Mark] = [m for m in all_marks(store, cfg.kommune) if m.call_id == lead]
    log: list[AuditEntry] = [e for e in audit.entries(store, cfg.kommune, call_id=lead) if e.action == "mark"]
    pages: tuple[CallSource, ...] = store.programme_pages(call.id)
    return render_template(
        "aufruf.html", kommune=cfg.measures.city.name, slug=slug, call=call, facts=facts(call),
        paragraphs=paragraphs(call.description), fits=fits, matched=bool(verdicts), titles=titles,
        marks=marks, log=log, history=history(store.events_of(call.id)), pages=pages,
        status=status_of(call, state().today()), saved=request.args.get("gespeichert") == "1",
    )


def due_calls(cfg: Config, today: date, days: int) -> tuple[list[Due], list[Due]]:
    """(matched calls due within ``days``, running applications) — each sorted by deadline.

    The matched calls are those the Übersicht shows (marks applied: dismissed ones stay away), one
    entry per call with every measure it fits; applications keep their note and list deadlines of
    any date (a past one too: the application runs on)."""
    store = state().store
    found = match_stored_calls(store, cfg, today, min_score=cfg.settings.digest.min_score)
    titles = {m.id: m.title for m in cfg.measures.measures}
    records = store.calls_by_id({a.call_id for a in found.applications})
    running = []
    for application in found.applications:
        record = records.get(application.call_id)
        if record is not None:
            left = (record.deadline - today).days if record.deadline else None
            running.append(Due(record.id, record.title, record.deadline, left,
                               [titles.get(application.measure_id, application.measure_id)], application.note,
                               record.short_id or ""))
    return due_within(found.matches, titles, today, days), sorted(running, key=_by_deadline)


def due_within(matches: Iterable[Match], titles: Mapping[str, str], today: date, days: int) -> list[Due]:
    """The matched calls whose deadline is today or within ``days``, by deadline — one entry per
    call with every measure it fits (``titles``: measure id → title). Fristen and Übersicht."""
    last = today + timedelta(days=days)
    soon: dict[str, Due] = {}
    for match in matches:
        if match.deadline is None or not today <= match.deadline <= last:
            continue
        entry = soon.setdefault(match.call_id, Due(match.call_id, match.title, match.deadline,
                                                   (match.deadline - today).days, [], short_id=match.short_id))
        entry.measures.append(titles.get(match.measure_id, match.measure_id))
    return sorted(soon.values(), key=_by_deadline)


def _by_deadline(due: Due) -> tuple[bool, date, str]:
    return due.deadline is None, due.deadline or date.max, due.title


@bp.get("/k/<slug>/fristen")
def fristen(slug: str) -> str:
    cfg = kommune_or_404(slug)
    today = state().today()
    due, running = due_calls(cfg, today, LATER_DAYS)
    return render_template(
        "fristen.html", kommune=cfg.measures.city.name, slug=slug, today=today, soon_days=SOON_DAYS,
        later_days=LATER_DAYS, soon=[d for d in due if (d.days_left or 0) <= SOON_DAYS],
        later=[d for d in due if (d.days_left or 0) > SOON_DAYS], running=running,
        calendar_url=calendar_url(slug), renewed=request.args.get("kalender") == "neu",
    )


def calendar_url(slug: str) -> str:
    """The signed-in user's private calendar address for this municipality (kalender.py answers it);
    the user's secret is made the first time it is needed."""
    web = state()
    secret = users.calendar_secret(web.store, g.user.id, create=True)
    if secret is None:  # the account was removed while the page was being made
        abort(404)
    token = calendar_links.make(web.calendar_key, g.user.id, slug, secret)
    return calendar_links.public_url(url_for("kalender.feed", token=token))
