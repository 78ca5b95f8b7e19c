"""The private calendar subscription: ``GET /kalender/<token>.ics`` (no session — calendar apps
cannot log in; the token is the proof, ``calendar_links``) and ``POST /k/<slug>/kalender/neu``
(signed in, CSRF) which replaces the user's secret, so every address handed out before answers 404.

The calendar holds exactly the entries of the *Fristen* page (``calls.due_calls``: matched calls
due within 90 days, running applications), written by the notifier's iCalendar writer — no third
list of deadlines. Every refusal (malformed, forged, altered, rotated, removed user, municipality
no longer the user's or no longer served) is the same 404 with no data, so a probe learns nothing.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, redirect, url_for
from werkzeug.wrappers import Response as BaseResponse

from foerderradar.notifier.ics import Deadline, calendar
from foerderradar.storage import audit
from foerderradar.web import calendar_links, users
from foerderradar.web.auth import kommune_or_404
from foerderradar.web.calls import LATER_DAYS, Due, due_calls
from foerderradar.web.context import state

bp = Blueprint("kalender", __name__)


@bp.get(calendar_links.PATH + "<token>.ics")
def feed(token: str) -> Response:
    web = state()
    parsed = calendar_links.parse(token)
    if parsed is None:
        abort(404)
    user = users.get(web.store, parsed.user_id)
    secret = users.calendar_secret(web.store, parsed.user_id)
    if user is None or not calendar_links.proves(web.calendar_key, parsed, secret):
        abort(404)
    config = web.config
    if not user.sees(parsed.kommune) or all(k.slug != parsed.kommune for k in config.kommunen):
        abort(404)
    cfg = config.for_kommune(parsed.kommune)
    due, running = due_calls(cfg, state().today(), LATER_DAYS)
    items = [_deadline(parsed.kommune, d, running=False) for d in due if d.deadline is not None]
    items += [_deadline(parsed.kommune, d, running=True) for d in running if d.deadline is not None]
    body = calendar(items, name=f"Förderradar – Fristen {cfg.measures.city.name}")
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Cache-Control"] = "private"
    return response


def _deadline(slug: str, due: Due, *, running: bool) -> Deadline:
    """One event: the call's title and deadline, the measures (or the application's note), and the
    address of its *Aufruf* page (which asks for the login)."""
    assert due.deadline is not None
    measures = ", ".join(due.measures)
    note = f"Laufender Antrag ({measures})" + (f": {due.note}" if due.note else "") if running else \
        f"Passt zu: {measures}"
    url = calendar_links.public_url(url_for("calls.aufruf", slug=slug, call_id=due.call_id))
    return Deadline(due.call_id, due.title, due.deadline, url, note)


@bp.post("/k/<slug>/kalender/neu")
def rotate(slug: str) -> BaseResponse:
    cfg = kommune_or_404(slug)
    web = state()
    if not users.new_calendar_secret(web.store, g.user.id):
        abort(404)
    audit.record(web.store, g.user.email, "calendar_secret_new", kommune=cfg.kommune)
    return redirect(url_for("calls.fristen", slug=slug, kalender="neu"), 303)
