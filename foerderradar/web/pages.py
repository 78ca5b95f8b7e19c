"""The start page (the user's municipalities) and the *Übersicht* of one municipality: first what
this week brought — calls new or changed in the last seven days, deadlines in the next 30 — each
once with every measure it fits; then per measure its stored verdicts, each with the one-click mark
form (``feedback.py`` records it), and its running applications."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from foerderradar.jobs import match_stored_calls
from foerderradar.matcher.apply_marks import Application
from foerderradar.model import Mark, Match
from foerderradar.settings import Measure
from foerderradar.storage.marks import all_marks
from foerderradar.storage.tables import CallRecord
from foerderradar.web.auth import kommune_or_404, visible_kommunen
from foerderradar.web.calls import due_within
from foerderradar.web.context import state

bp = Blueprint("pages", __name__)
PER_MEASURE = 50  # the best verdicts of each measure on the overview (the digest shows fewer)
WEEK_DAYS = 7  # "new and changed this week"
SOON_DAYS = 30  # "deadlines in the next 30 days" (the Fristen page has 90)


@dataclass(frozen=True)
class WeekItem:
    """One call new or changed this week, and the measures it fits."""

    call_id: str
    title: str
    label: str  # "neu" or "geändert"
    measures: list[str] = field(default_factory=list)
    short_id: str = ""  # the call's short id ("Kennung K7Q2M")


def state_of(record: CallRecord | None, since: datetime) -> str | None:
    """"neu" / "geändert" for a call first seen / changed (a new version) since ``since``, else None."""
    if record is None:
        return None
    if record.first_seen >= since:
        return "neu"
    if record.version > 1 and record.changed_at >= since:
        return "geändert"
    return None


def new_or_changed(
    matches: list[Match], records: Mapping[str, CallRecord], titles: Mapping[str, str], today: date
) -> list[WeekItem]:
    """The calls first seen or changed in the last WEEK_DAYS — one item per call with every measure it fits."""
    since = datetime.combine(today - timedelta(days=WEEK_DAYS), time.min, tzinfo=UTC)
    fresh: dict[str, WeekItem] = {}
    for match in matches:
        if (label := state_of(records.get(match.call_id), since)) is not None:
            item = fresh.setdefault(match.call_id, WeekItem(match.call_id, match.title, label, short_id=match.short_id))
            item.measures.append(titles.get(match.measure_id, match.measure_id))
    return list(fresh.values())


@dataclass(frozen=True)
class MeasureBlock:
    """One measure on the overview: its verdicts (best first), their current marks, and the running
    applications (mark ``applied``), which the matcher lists apart."""

    measure: Measure
    matches: list[Match]
    marks: dict[str, Mark]  # call id → this measure's current mark
    applications: list[tuple[Application, str]]  # with the call's title


@bp.get("/")
def index() -> BaseResponse | str:
    mine = visible_kommunen()
    if len(mine) == 1:
        return redirect(url_for("pages.uebersicht", slug=mine[0].slug))
    return render_template("index.html", kommunen=mine)


@bp.get("/k/<slug>/")
def uebersicht(slug: str) -> str:
    cfg = kommune_or_404(slug)
    store = state().store
    found = match_stored_calls(store, cfg, state().today(), min_score=cfg.settings.digest.min_score,
                               limit=PER_MEASURE)
    marks = all_marks(store, cfg.kommune)
    records = store.calls_by_id({m.call_id for m in found.matches} | {a.call_id for a in found.applications})
    titles = {a.call_id: (r.title if (r := records.get(a.call_id)) else a.call_id) for a in found.applications}
    measure_titles = {m.id: m.title for m in cfg.measures.measures}
    fresh = new_or_changed(found.matches, records, measure_titles, state().today())
    due = due_within(found.matches, measure_titles, state().today(), SOON_DAYS)
    blocks = [
        MeasureBlock(
            measure,
            [m for m in found.matches if m.measure_id == measure.id],
            {k.call_id: k for k in marks if k.measure_id == measure.id},
            [(a, titles[a.call_id]) for a in found.applications if a.measure_id == measure.id],
        )
        for measure in cfg.measures.measures
        if measure.status == "open"
    ]
    return render_template(
        "uebersicht.html", kommune=cfg.measures.city.name, slug=slug, blocks=blocks, fresh=fresh, due=due,
        week_days=WEEK_DAYS, soon_days=SOON_DAYS, running=len(found.applications),
        states={item.call_id: item.label for item in fresh},
        saved=request.args.get("gespeichert") == "1", skipped=found.skipped, user=g.user,
        strong_score=cfg.settings.digest.strong_score,  # the digest's bands: "stark" from here
    )
