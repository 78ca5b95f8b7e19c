"""Who is asking, and may they: the browser's cookie, login and logout, the CSRF check of every
POST, and the municipality checks every route makes.

Deny by default: :func:`before_request` sends every request without a session to ``/login``,
except the endpoints in ``PUBLIC`` — a page added later is protected without remembering to.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from foerderradar.kommunen import Kommune
from foerderradar.settings import Config
from foerderradar.storage import audit
from foerderradar.web import csrf, sessions, throttle, users
from foerderradar.web.context import state

bp = Blueprint("auth", __name__)
# Without a session: no cookie is read or set, nothing is loaded for a user. The calendar address
# carries its own proof (a calendar app cannot log in; calendar_links.py).
NO_SESSION = frozenset({"healthz", "static", "kalender.feed"})
PUBLIC = frozenset({"auth.login", *NO_SESSION})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def before_request() -> BaseResponse | None:
    """Load the browser's token and user, refuse a POST without a valid CSRF token (403, before any
    route runs, so nothing changes), and send anyone without a session to the login page."""
    if request.endpoint in NO_SESSION:
        return None  # no cookie: a load balancer's probe, the stylesheet, a calendar app
    web = state()
    token = request.cookies.get(sessions.COOKIE)
    g.user, g.new_cookie = None, None
    if token is not None and sessions.plausible(token):
        user_id = sessions.user_of(web.store, token)
        g.user = users.get(web.store, user_id) if user_id is not None else None
        g.browser_token = token
    else:
        g.browser_token = g.new_cookie = sessions.new_token()
    if request.method not in SAFE_METHODS and not csrf.valid(
        web.csrf_key, None if g.new_cookie else g.browser_token, request.form.get(csrf.FIELD)
    ):
        abort(403)
    if g.user is None and request.endpoint not in PUBLIC:
        return redirect(url_for("auth.login", next=_here()), 303)
    return None


def after_request(response: Response) -> Response:
    """Set the cookie when a new token was handed out (first visit, login, logout)."""
    new = g.get("new_cookie")
    if new:
        secure = state().https or request.is_secure or _forwarded_https()
        response.set_cookie(sessions.COOKIE, new, httponly=True, samesite="Lax", secure=secure, path="/")
    return response


def _forwarded_https() -> bool:
    """The reverse proxy says the browser spoke https. Trusted only to *add* the Secure flag: a client
    lying about it only keeps its own cookie from being sent back over plain http."""
    return request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower() == "https"


def csrf_token() -> str:
    """The token the forms of this page carry (templates: ``{{ csrf_token() }}``)."""
    return csrf.token_for(state().csrf_key, g.browser_token)


def _here() -> str:
    return request.full_path.rstrip("?") if request.method in SAFE_METHODS else request.path


def safe_next(value: str | None) -> str:
    """Where to go after the login: only a path on this site, never another host (no open redirect;
    ``//evil.example`` and ``/\\evil.example`` are other hosts to a browser)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


@bp.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse | tuple[str, int] | str:
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.user is not None:
            return redirect(next_url, 303)
        return render_template("login.html", next=next_url, email="", error=None)
    web = state()
    email = users.normal_email(request.form.get("email", ""))
    password = request.form.get("password", "")

    def again(error: str, status: int) -> tuple[str, int]:
        return render_template("login.html", next=next_url, email=email, error=error), status

    if not email or not password:
        return again("Bitte E-Mail-Adresse und Passwort angeben.", 400)
    if throttle.locked_until(web.store, email) is not None:
        minutes = int(throttle.LOCK.total_seconds() // 60)
        return again(f"Zu viele Fehlversuche. Die Anmeldung ist für bis zu {minutes} Minuten gesperrt.", 429)
    user = users.check_password(web.store, email, password)
    if user is None:
        throttle.failed(web.store, email)
        return again("E-Mail-Adresse oder Passwort ist falsch.", 401)
    throttle.clear(web.store, email)
    if g.user is not None:  # signed in again over a live session: the old one ends
        sessions.end(web.store, g.browser_token)
    g.new_cookie = sessions.start(web.store, user.id)  # always a new token: no session fixation
    audit.record(web.store, user.email, "login")
    return redirect(next_url, 303)


@bp.post("/logout")
def logout() -> BaseResponse:
    sessions.end(state().store, g.browser_token)
    g.new_cookie = sessions.new_token()
    return redirect(url_for("auth.login"), 303)


# -- what a signed-in user may see -------------------------------------------------------------------


def visible_kommunen() -> list[Kommune]:
    """The municipalities of the signed-in user, in the configuration's order."""
    return [k for k in state().config.kommunen if g.user.sees(k.slug)]


def kommune_or_404(slug: str) -> Config:
    """The configuration for ``slug`` if the user may see it. Otherwise 404 — the same answer as for
    a municipality that does not exist, so a URL does not tell which others the instance serves."""
    if not any(k.slug == slug for k in state().config.kommunen) or not g.user.sees(slug):
        abort(404)
    return state().config.for_kommune(slug)


def role_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """For pages only some roles may use (portals: ``it``/``admin``): others get 404."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user is None or g.user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorate
