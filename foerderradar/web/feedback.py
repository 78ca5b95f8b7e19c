"""Marks from people: the one-click form of the *Übersicht* and the confirmation page of a mail link.

Both end in :func:`foerderradar.storage.marks.set_mark` for the one municipality the request names
— after checking the user may see it (else 404) and the measure is that municipality's — and an
audit row. A mail link's GET only shows what would be recorded; its POST records it.
"""

from __future__ import annotations

from typing import cast

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from foerderradar import signing as links
from foerderradar.model import MARK_KINDS, MarkKind
from foerderradar.settings import Config
from foerderradar.storage import audit
from foerderradar.storage.marks import MARK_LABELS, UnknownCall, set_mark
from foerderradar.web.auth import kommune_or_404
from foerderradar.web.context import state

bp = Blueprint("feedback", __name__)
MAX_NOTE = 2000


def _note() -> str | None:
    note = " ".join(request.form.get("note", "").split())[:MAX_NOTE]
    return note or None


def _record(cfg: Config, call_id: str, measure_id: str, mark: str, note: str | None, via: str) -> None:
    """Check, store, audit. 404 for a measure of another municipality or an unknown call, 400 for an
    unknown mark — each before anything is written."""
    if all(m.id != measure_id for m in cfg.measures.measures):
        abort(404)
    if mark not in MARK_KINDS:
        abort(400)
    store = state().store
    try:
        row = set_mark(store, cfg.kommune, call_id, measure_id, cast(MarkKind, mark), note)
    except UnknownCall:
        abort(404)
    audit.record(store, g.user.email, "mark", kommune=cfg.kommune, call_id=row.call_id, measure_id=measure_id,
                 details={"mark": mark, "note": note, "via": via})


@bp.post("/k/<slug>/markieren")
def mark(slug: str) -> BaseResponse:
    cfg = kommune_or_404(slug)
    call_id = request.form.get("call_id", "")
    _record(cfg, call_id, request.form.get("measure_id", ""), request.form.get("mark", ""), _note(), "seite")
    if request.form.get("zurueck") == "aufruf":  # the form on the call's own page: back there
        return redirect(url_for("calls.aufruf", slug=slug, call_id=call_id, gespeichert="1"), 303)
    return redirect(url_for("pages.uebersicht", slug=slug, gespeichert="1"), 303)


def _link(token: str) -> tuple[links.MarkLink, Config]:
    try:
        link = links.read(state().link_key, token)
    except links.LinkExpired:
        abort(410)
    except links.LinkInvalid:
        abort(400)
    return link, kommune_or_404(link.kommune)


@bp.route(f"{links.PATH}<token>", methods=["GET", "POST"])
def confirm(token: str) -> BaseResponse | str:
    """GET: what the link would record, with a form; POST (the form): record it."""
    link, cfg = _link(token)
    if request.method == "POST":
        _record(cfg, link.call_id, link.measure_id, link.mark, _note(), "e-mail")
        return redirect(url_for("pages.uebersicht", slug=cfg.kommune, gespeichert="1"), 303)
    measure = next((m for m in cfg.measures.measures if m.id == link.measure_id), None)
    call = state().store.get_call(link.call_id)
    if measure is None or call is None:
        abort(404)
    return render_template("confirm.html", kommune=cfg.measures.city.name, measure=measure, call=call,
                           mark_label=MARK_LABELS[link.mark], token=token)
