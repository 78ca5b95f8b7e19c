"""The pages that show data: the start page (the user's municipalities) and the *Übersicht* of one
municipality — its stored verdicts, each with the one-click mark form (``feedback.py`` records it).
Later pages (Aufruf, Maßnahmen, Portale, Fristen, Suche) go here or beside it, under ``/k/<slug>/``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from foerderradar.jobs import match_stored_calls
from foerderradar.matcher.apply_marks import Application
from foerderradar.model import Mark, Match
from foerderradar.settings import Measure
from foerderradar.storage.marks import all_marks
from foerderradar.web.auth import kommune_or_404, visible_kommunen
from foerderradar.web.context import state

bp = Blueprint("pages", __name__)
PER_MEASURE = 50  # the best verdicts of each measure on the overview (the digest shows fewer)


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
    titles = {a.call_id: (r.title if (r := store.get_call(a.call_id)) else a.call_id) for a in found.applications}
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
        "uebersicht.html", kommune=cfg.measures.city.name, slug=slug, blocks=blocks,
        saved=request.args.get("gespeichert") == "1", skipped=found.skipped, user=g.user,
    )
