"""*Suche* (``/k/<slug>/suche``): every stored call, not only the matched ones — free text and
filters, one result per programme, each with the measures of this municipality it fits.

A GET form: searching changes nothing, so the address can be bookmarked and shared and needs no
CSRF token. The query runs in ``storage.search`` (folded text, counted and paged in the database);
which measures a call fits comes from the stored verdicts, read through ``jobs.match_stored_calls``
like every other page — the raw verdicts (``feedback=False``, as on the *Aufruf* page), because a
search should find a call whatever it was marked, and say why it fits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from foerderradar.german.dates import parse_day
from foerderradar.jobs import match_stored_calls
from foerderradar.storage.search import (
    LEVELS,
    STATUSES,
    CallQuery,
    StatusFilter,
    VerdictFilter,
    call_named,
    call_sources,
    search_calls,
)
from foerderradar.storage.tables import CallRecord
from foerderradar.web.auth import kommune_or_404
from foerderradar.web.calls import LEVEL_DE, status_of
from foerderradar.web.context import state

bp = Blueprint("search", __name__)
PER_PAGE = 50
MAX_QUERY = 200  # characters of free text read (storage reads at most ten words of it anyway)
STATUS_LABELS = {"open": "offen", "upcoming": "demnächst", "closed": "geschlossen"}
# The form's fields, in the order of the address (links to other pages keep every one of them).
FIELDS = ("q", "ebene", "status", "frist_bis", "portal", "massnahme", "nur_treffer")


@dataclass
class Form:
    """What the user asked for, as typed (shown again in the form), and what was wrong with it."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)  # field → German message


@dataclass(frozen=True)
class Result:
    call: CallRecord
    status: str
    measures: list[str]  # titles of the open measures whose verdicts it has


def _page(value: str | None) -> int:
    try:
        return max(1, int(value or "1"))
    except ValueError:
        return 1


def read_form(values: dict[str, str], today: date, sources: list[str], measures: dict[str, str],
              kommune: str, min_score: float) -> tuple[Form, CallQuery]:
    """The query the form asks for; each field that cannot be read gets a German message (and then
    the query is not run)."""
    form = Form(values)
    level = values["ebene"] or None
    if level is not None and level not in LEVELS:
        form.errors["ebene"] = "Diese Ebene gibt es nicht. Bitte EU, Bund, Land oder regional wählen."
    status = values["status"] or None
    if status is not None and status not in STATUSES:
        form.errors["status"] = "Diesen Status gibt es nicht. Bitte offen, demnächst oder geschlossen wählen."
    until = None
    if values["frist_bis"].strip():
        until = parse_day(values["frist_bis"])
        if until is None:
            form.errors["frist_bis"] = (f"„{values['frist_bis'][:40]}“ ist kein gültiges Datum. "
                                        "Bitte als TT.MM.JJJJ angeben, z. B. 31.12.2026.")
    source = values["portal"] or None
    if source is not None and source not in sources:
        form.errors["portal"] = "Von diesem Portal ist kein Förderaufruf gespeichert. Bitte eines aus der Liste wählen."
    measure = values["massnahme"] or None
    if measure is not None and measure not in measures:
        form.errors["massnahme"] = ("Diese Maßnahme gibt es nicht (oder sie ist nicht offen). "
                                    "Bitte eine aus der Liste wählen.")
    verdicts = None
    if measure is not None or values["nur_treffer"]:
        chosen = (measure,) if measure is not None else tuple(measures)
        verdicts = VerdictFilter(kommune, chosen, min_score)
    query = CallQuery(today, values["q"][:MAX_QUERY], level, cast(StatusFilter | None, status), until, source, verdicts)
    return form, query


@bp.get("/k/<slug>/suche")
def suche(slug: str) -> tuple[str, int] | Response:
    cfg = kommune_or_404(slug)  # first: another municipality's address answers 404, whatever is asked
    store = state().store
    # A short id typed into the box ("K7Q2M" from the digest) means that call: its Aufruf page of
    # this municipality, not a list of calls that mention the text.
    if (named := call_named(store, request.args.get("q", "")[:MAX_QUERY])) is not None:
        return redirect(url_for("calls.aufruf", slug=slug, call_id=named.short_id or named.id), 303)
    today = state().today()
    open_measures = {m.id: m.title for m in cfg.measures.measures if m.status == "open"}
    sources = call_sources(store)
    values = {name: request.args.get(name, "").strip()[:MAX_QUERY] for name in FIELDS}
    values["nur_treffer"] = "1" if values["nur_treffer"] else ""
    min_score = cfg.settings.digest.min_score
    form, query = read_form(values, today, sources, open_measures, cfg.kommune, min_score)
    results: list[Result] = []
    total, page, pages = 0, _page(request.args.get("seite")), 1
    if not form.errors:
        # First: brings the stored verdicts up to date, which the measure filters read in SQL.
        found = match_stored_calls(store, cfg, today, min_score=min_score, feedback=False)
        fits: dict[str, list[str]] = {}
        for match in found.matches:
            fits.setdefault(match.call_id, []).append(open_measures.get(match.measure_id, match.measure_id))
        hits = search_calls(store, query, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
        pages = max(1, math.ceil(hits.total / PER_PAGE))
        if page > pages:  # an address from before calls went away, or edited by hand: the last page
            page = pages
            hits = search_calls(store, query, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
        total = hits.total
        results = [Result(r, status_of(r, today), fits.get(r.id, [])) for r in hits.records]
    kept = {name: value for name, value in values.items() if value}
    return render_template(
        "suche.html", kommune=cfg.measures.city.name, slug=slug, form=form, results=results, total=total,
        page=page, pages=pages, kept=kept,
        levels=[(code, LEVEL_DE[code]) for code in LEVELS], statuses=list(STATUS_LABELS.items()),
        sources=[(source, source) for source in sources], measures=list(open_measures.items()),
        first=(page - 1) * PER_PAGE + 1,
    ), 400 if form.errors else 200
