"""*Portale* (``/portale``, roles ``it`` and ``admin``; others get 404): every entry of ``portals.yaml``
with its health judged from the stored crawl runs (as ``portals list`` and the alert mail judge it),
its last runs and the first line of each failure — and, per entry, the two things city IT does after
editing the file: a trial fetch that stores nothing (``portals check KEY``) and switching it off or on.

- The page reads ``portals.yaml`` itself on every request: :class:`WebState` loads the configuration
  without portals (the other pages do not need them, and a broken portals.yaml must not hide the
  *Übersicht*). A broken file is shown with the loader's German problems, never a traceback.
- Switching goes through :func:`portals_io.edit_portal`, the function behind ``portals enable`` /
  ``disable``: comments kept, the new text checked like loading before it replaces the file. The form
  carries the file's version; when the file changed since the page was made, nothing is written
  (409). Every change gets an audit row (action ``portal``).
- The check is :func:`crawler.runner.check_portal`, as in ``portals check``: Scrapy runs in a worker
  *process* (its reactor cannot be restarted within one process, and must not run in a request thread),
  killed after :data:`CHECK_LIMIT_S` — a hung portal costs the person a minute, not the server a thread
  for half an hour. One check at a time per web process: each occupies one of waitress's few threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from foerderradar.config_writing import StaleFile, version
from foerderradar.crawler.botwall import any_bot_wall
from foerderradar.crawler.entry.base import PortalBase
from foerderradar.crawler.runner import check_portal
from foerderradar.health import HISTORY, PortalHealth, assess
from foerderradar.portals_io import CHANGE_DE, PortalChange, UnknownPortal, edit_portal, unknown_portal
from foerderradar.settings import ConfigError, read_portals
from foerderradar.storage import audit
from foerderradar.storage.tables import CrawlRun
from foerderradar.web.auth import role_required
from foerderradar.web.context import state

bp = Blueprint("portals", __name__)
ROLES = ("it", "admin")
# The check's time limit: below the 60 s a reverse proxy (nginx's default) waits for an answer.
CHECK_LIMIT_S = 55.0
RUNS_SHOWN = 5  # per portal; health looks at more (health.HISTORY)
# The switch form's value → the change (German in the form, as the page is).
SWITCHES: dict[str, PortalChange] = {"einschalten": "enable", "abschalten": "disable"}
_CHECKING = threading.BoundedSemaphore(1)


@dataclass(frozen=True)
class FileState:
    """``portals.yaml`` as this request found it: the entries, or the problems why they do not load."""

    path: Path
    portals: list[PortalBase]
    problems: list[str]
    version: str | None  # of the bytes read; None: the file is missing or unreadable


@dataclass(frozen=True)
class RunView:
    """One crawl run as the page shows it."""

    started: str
    result: str
    failed: bool
    items: int
    new: int
    changed: int
    errors: int
    message: str  # the first line of the run's message ("" for none)


@dataclass(frozen=True)
class PortalView:
    portal: PortalBase
    health: PortalHealth
    last_run: str
    last_success: str
    items: int | None  # found by the last finished run
    runs: list[RunView]
    failures: int  # failed runs among ``runs``


def read_file() -> FileState:
    """The entries of ``portals.yaml`` now. The version is taken *before* reading: if the file changes in
    between, a form made from this page is refused as stale instead of overwriting what it did not show."""
    path = state().config.directory / "portals.yaml"
    try:
        current = version(path)
    except OSError:
        current = None
    try:
        return FileState(path, read_portals(path), [], current)
    except ConfigError as exc:
        return FileState(path, [], exc.problems, current)


def _when(value: datetime | None) -> str:
    if value is None:
        return "–"
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%d.%m.%Y, %H:%M UTC")


def first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0].strip()[:300] if lines else ""


def _run_view(run: CrawlRun) -> RunView:
    if run.finished_at is None:
        result, failed = "läuft oder abgebrochen", False
    elif run.ok:
        result, failed = ("ok, mit Fehlern" if run.errors else "ok"), False
    else:
        result, failed = "fehlgeschlagen", True
    return RunView(_when(run.started_at), result, failed, run.items, run.new, run.changed, run.errors,
                   first_line(run.message))


def portal_views(portals: list[PortalBase]) -> list[PortalView]:
    """Health as :func:`health.portal_health` judges it (the same :func:`health.assess` on the same
    history), with the runs kept for the page."""
    web = state()
    failures_in_a_row = web.config.settings.health.failures_in_a_row
    views = []
    for portal in portals:
        runs = web.store.recent_runs(portal.key, HISTORY)
        health = assess(portal.key, runs, failures_in_a_row)
        success = next((r for r in runs if r.ok and r.finished_at is not None), None)
        finished = next((r for r in runs if r.finished_at is not None), None)
        shown = [_run_view(r) for r in runs[:RUNS_SHOWN]]
        views.append(PortalView(
            portal, health, _when(runs[0].started_at) if runs else "noch nie",
            _when(success.started_at) if success else "noch nie",
            finished.items if finished else None, shown, sum(r.failed for r in shown),
        ))
    return views


def _page(*, error: list[str] | None = None, error_heading: str = "", status: int = 200) -> tuple[str, int]:
    file = read_file()
    done_key, done = request.args.get("portal", ""), request.args.get("erledigt", "")
    keys = {p.key for p in file.portals}
    notice = f"Portal {done_key} ist jetzt {done}." if done in CHANGE_DE.values() and done_key in keys else None
    return render_template(
        "portale.html", file=file, views=portal_views(file.portals), error=error, error_heading=error_heading,
        notice=notice, check_limit=int(min(CHECK_LIMIT_S, state().config.settings.crawler.portal_timeout_s)),
    ), status


@bp.get("/portale")
@role_required(*ROLES)
def portale() -> tuple[str, int]:
    return _page()


@bp.post("/portale/schalten")
@role_required(*ROLES)
def schalten() -> BaseResponse | tuple[str, int]:
    """Switch one entry on or off; the form names the file version it was made from."""
    change = SWITCHES.get(request.form.get("aktion", ""))
    key, expected = request.form.get("key", ""), request.form.get("version", "")
    if change is None or not key or not expected:
        abort(400)
    web = state()
    try:
        done = edit_portal(web.config.directory, key, change, expected=expected)
    except StaleFile as exc:
        return _page(error=exc.problems, error_heading="Nicht gespeichert", status=409)
    except UnknownPortal as exc:
        return _page(error=exc.problems, error_heading="Nicht gespeichert", status=400)
    except ConfigError as exc:
        return _page(error=exc.problems, error_heading="Nicht gespeichert: portals.yaml ist fehlerhaft", status=400)
    if done.changed:
        audit.record(web.store, g.user.email, "portal",
                     details={"portal": key, "change": change, "version": done.version})
    return redirect(url_for("portals.portale", erledigt=CHANGE_DE[change], portal=key), 303)


@bp.post("/portale/pruefen")
@role_required(*ROLES)
def pruefen() -> tuple[str, int]:
    """``portals check KEY`` from the page: fetch, show what would be recognised, store nothing."""
    key = request.form.get("key", "")
    file = read_file()
    if file.problems:
        return _page(error=file.problems, error_heading="Nicht geprüft: portals.yaml ist fehlerhaft", status=400)
    found = {p.key: p for p in file.portals}
    if key not in found:
        return _page(error=unknown_portal(key, list(found)).problems, error_heading="Nicht geprüft", status=400)
    if not _CHECKING.acquire(blocking=False):
        return _page(error=["Gerade läuft schon eine Prüfung. Bitte in einer Minute noch einmal versuchen."],
                     error_heading="Nicht geprüft", status=503)
    try:
        config = state().config
        limit = min(CHECK_LIMIT_S, config.settings.crawler.portal_timeout_s)
        result = check_portal(found[key], config.replace(portals=file.portals), timeout_s=limit)
    finally:
        _CHECKING.release()
    return render_template(
        "portal_check.html", portal=found[key], result=result, warnings=result.warnings(),
        fine=result.ok and result.items > 0, bot_wall=any_bot_wall(result.messages),
        fields=sorted(result.filled.items()),
    ), 200
