"""``create_app``: the Flask app for one configuration, database and secret.

What every response gets, wherever it comes from: security headers (a Content-Security-Policy
that allows no script and no other site, no framing, no referrer — mail-link tokens sit in URLs),
``no-store`` for pages with data, and German error pages.
"""

from __future__ import annotations

from datetime import date

from flask import Flask, Response, render_template
from werkzeug.exceptions import HTTPException

from foerderradar.matcher.report import STATUS_DE
from foerderradar.notifier import formatting as fmt
from foerderradar.output_safety import safe_url
from foerderradar.settings import Config
from foerderradar.storage import Store
from foerderradar.storage.marks import MARK_LABELS
from foerderradar.web import auth, calls, feedback, kalender, measures, pages, portals, search
from foerderradar.web.context import EXTENSION, WebState, check_secret, state
from foerderradar.web.users import ROLE_LABELS

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
# German titles and sentences of the error pages (the status stays the HTTP one).
ERRORS = {
    400: ("Ungültige Anfrage", "Die Anfrage oder der Link ist ungültig."),
    403: ("Nicht erlaubt", "Das Formular ist abgelaufen oder stammt nicht von dieser Seite. Bitte die Seite "
          "neu laden und noch einmal versuchen."),
    404: ("Nicht gefunden", "Diese Seite gibt es nicht, oder sie gehört nicht zu Ihren Kommunen."),
    405: ("Nicht erlaubt", "Diese Adresse nimmt so keine Anfrage an."),
    413: ("Zu groß", "Die Anfrage ist zu groß."),
    410: ("Link abgelaufen", "Dieser Link ist abgelaufen. Bitte bewerten Sie den Treffer in der Übersicht."),
    429: ("Zu viele Versuche", "Bitte warten Sie einige Minuten."),
    500: ("Fehler", "Ein interner Fehler ist aufgetreten. Bitte später noch einmal versuchen."),
}


def create_app(
    config: Config, database_url: str, secret_key: str, *, store: Store | None = None, as_of: date | None = None
) -> Flask:
    """The app. ``secret_key``: ``FOERDERRADAR_SECRET_KEY`` (:class:`MissingSecret` when empty or short);
    the store is opened (and the schema upgraded) here unless one is handed in. ``as_of``: the day
    every page speaks for (default: today, each request)."""
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=64 * 1024, TEMPLATES_AUTO_RELOAD=False)
    app.extensions[EXTENSION] = WebState(config, store or Store(database_url), check_secret(secret_key),
                                         config.settings.web.base_url, as_of)
    app.before_request(auth.before_request)
    app.after_request(auth.after_request)
    app.after_request(_headers)
    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(feedback.bp)
    app.register_blueprint(calls.bp)
    app.register_blueprint(portals.bp)
    app.register_blueprint(measures.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(kalender.bp)
    app.add_url_rule("/healthz", "healthz", _healthz)
    app.register_error_handler(HTTPException, _error)
    app.jinja_env.filters.update(safe_url=safe_url, datum=_datum, status_de=lambda s: STATUS_DE.get(s, s),
                                 mark_de=lambda m: MARK_LABELS.get(m, m), tage=fmt.days_left_label,
                                 role_de=lambda r: ROLE_LABELS.get(r, r))
    app.jinja_env.globals.update(csrf_token=auth.csrf_token, config_problems=lambda: state().problems)
    return app


def _healthz() -> Response:
    """200 and nothing else: no data, no login, no database (the process answers)."""
    return Response("ok\n", mimetype="text/plain")


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


def _error(exc: HTTPException) -> tuple[str, int]:
    code = exc.code or 500
    title, text = ERRORS.get(code, (exc.name, exc.description or ""))
    return render_template("error.html", title=title, text=text, code=code), code


def _datum(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "–"
