"""The *Maßnahmen* page of one municipality (issue 13): its measures as its file says them, a form to
edit one or add one, the history of the web app's edits — and a preview of its next digest.

One truth: the municipality's YAML file (``measures.yaml`` or ``kommunen/SLUG.yaml``). The pages read
the file itself, never a copy; a save is :func:`config_writing.rewrite` on that file — comments, key
order and quoting kept — checked by :func:`kommunen.load_profile`, the very reader that loads it (the
model's German messages, duplicate ids), before it replaces the file. A form carries the file's
:func:`config_writing.version`: an edit made on a view the file has moved on from is refused, so the
web app never overwrites what someone wrote in the file meanwhile. Edits made directly in the file
show in the list at once; only the web app's edits have an audit row, hence a history.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString
from werkzeug.wrappers import Response as BaseResponse

from foerderradar.config_writing import StaleFile, append_below_comments, drop_key, rewrite, version, yaml_text
from foerderradar.german.fold import fold
from foerderradar.jobs import run_digest
from foerderradar.kommunen import Kommune, load_profile
from foerderradar.settings import ConfigError, Measure
from foerderradar.storage import audit
from foerderradar.storage.tables import AuditEntry
from foerderradar.web.auth import kommune_or_404
from foerderradar.web.context import state

bp = Blueprint("measures", __name__)
ACTION = "measure"  # the audit rows of this page
# The add form's path segment. A new measure may not take it as its id: its edit page would be the
# add form. (A measure called "neu" written in the file is listed; it can be edited in the file.)
NEW = "neu"
EDITABLE = ("title", "description", "keywords", "exclude", "owner", "status")
ORDER = ("id", *EDITABLE)  # a measure's keys in the order of the shipped files
LABELS = {
    "id": "Kürzel (id)", "title": "Titel", "description": "Beschreibung", "keywords": "Suchbegriffe",
    "exclude": "Ausschlussbegriffe", "owner": "Zuständig", "status": "Stand",
}  # fmt: skip
STATUS_LABELS = {"open": "offen", "planned": "geplant", "done": "erledigt"}
# What a missing key means (the model's defaults): such a value is written by leaving the key out.
DEFAULTS: dict[str, Any] = {"description": "", "keywords": [], "exclude": [], "owner": None, "status": "open"}
# The digest is mail HTML with inline styles: the preview allows those, and still no script, no
# other site's resources, no framing.
PREVIEW_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'none'; "
               "frame-ancestors 'none'; base-uri 'none'")
_PROBLEM = re.compile(r"measures\[(\d+)\]\.([a-z_]+)(?:\[\d+\])?: (.*)", re.S)


# -- the file ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileView:
    """One municipality's file as a page shows it: its measures and the version they were read at."""

    kommune: Kommune
    measures: list[Measure]  # the configuration in use while the file is broken
    version: str
    problems: list[str]  # why the file cannot be read now (empty: it can)

    @property
    def name(self) -> str:
        return self.kommune.name

    @property
    def filename(self) -> str:
        """The file as city IT knows it: relative to the configuration directory."""
        try:
            return self.kommune.path.relative_to(state().config.directory).as_posix()
        except ValueError:
            return self.kommune.path.name

    def measure(self, measure_id: str) -> Measure | None:
        return next((m for m in self.measures if m.id == measure_id), None)


def file_view(slug: str) -> FileView:
    """The file of ``slug`` (404 unless the user may see it), read now.

    The version is taken *before* the file is read: a change in between makes the form's version
    older than what it shows, and its save is refused as stale — the safe direction."""
    kommune_or_404(slug)
    kommune = next(k for k in state().config.kommunen if k.slug == slug)
    before = version(kommune.path)
    try:
        profile = load_profile(kommune.path)
    except ConfigError as exc:
        return FileView(kommune, list(kommune.profile.measures), before, _without_path(exc.problems, kommune.path))
    return FileView(kommune, list(profile.measures), before, [])


def _without_path(problems: list[str], path: Path) -> list[str]:
    """The reader's messages start with the server's path of the file; the page names the file itself."""
    return [p.removeprefix(f"{path}: ") for p in problems]


# -- the form ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A measure as the form holds it: text as typed, so a refused save shows it again unchanged."""

    id: str = ""
    title: str = ""
    description: str = ""
    keywords: str = ""
    exclude: str = ""
    owner: str = ""
    status: str = "open"

    @classmethod
    def of(cls, measure: Measure) -> Entry:
        return cls(measure.id, measure.title, measure.description, "\n".join(measure.keywords),
                   "\n".join(measure.exclude), measure.owner or "", measure.status)

    @classmethod
    def posted(cls, form: Mapping[str, str], measure_id: str | None) -> Entry:
        """The form's fields; an existing measure keeps its id whatever the request says."""
        values = {name: form.get(name, "") for name in ORDER}
        values["status"] = values["status"] or "open"
        if measure_id is not None:
            values["id"] = measure_id
        return cls(**values)

    def values(self) -> dict[str, Any]:
        """What the file gets: text trimmed (as the model trims it), lists split, no owner → None."""
        return {
            "title": self.title.strip(),
            "description": _paragraphs(self.description),
            "keywords": terms(self.keywords),
            "exclude": terms(self.exclude),
            "owner": self.owner.strip() or None,
            "status": self.status.strip(),
        }


def terms(text: str) -> list[str]:
    """Search terms from a text area: one per line; written on one line, separated by commas. (A
    term may hold a comma when there are several lines: the list shows one per line.)"""
    text = text.replace("\r\n", "\n").strip()
    parts = text.split("\n") if "\n" in text else text.split(",")
    return list(dict.fromkeys(p.strip() for p in parts if p.strip()))


def _paragraphs(text: str) -> str:
    """A text area's text: browsers send CRLF; trailing spaces and blank edges go."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))


def suggest_id(title: str, taken: set[str]) -> str:
    """An id from the title ("Glasfaser für Schulen" → ``glasfaser-fuer-schulen``), not yet taken."""
    base = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")[:60].strip("-")
    if not base:
        return ""
    candidate, n = base, 1
    while candidate in taken or candidate == NEW:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


# -- saving -----------------------------------------------------------------------------------------


class Refused(ConfigError):
    """The reader refused the changed file; ``index`` is the measure's place in the file's list,
    where the messages about its fields point."""

    def __init__(self, problems: list[str], index: int) -> None:
        super().__init__(problems)
        self.index = index


class Unchanged(Exception):
    """The form holds what the file holds: nothing is written. (Not a ValueError: ``rewrite`` would
    report that as a problem of the file.)"""


@dataclass
class Saved:
    """What a save did: the measure's id, whether it is new, and each changed field's old and new value."""

    measure_id: str = ""
    created: bool = False
    changes: dict[str, list[Any]] = field(default_factory=dict)
    index: int = -1  # the measure's place in the file's list (where the reader's messages point)


def save(path: Path, measure_id: str | None, entry: Entry, expected: str) -> Saved:
    """Write ``entry`` into the file — the measure ``measure_id``, or a new one (``None``) — only the
    fields that changed. Raises StaleFile (the file is not at ``expected``), Refused (the reader
    refuses the result) or Unchanged (nothing to change)."""
    saved = Saved()
    values = entry.values()

    def change(document: Any) -> None:
        measures = document.get("measures") if isinstance(document, CommentedMap) else None
        if not isinstance(measures, CommentedSeq):
            raise ValueError("measures: keine Liste von Maßnahmen")
        if measure_id is None:
            _append(measures, entry.id.strip(), values, saved)
            return
        saved.measure_id = measure_id
        for index, item in enumerate(measures):
            if isinstance(item, CommentedMap) and item.get("id") == measure_id:
                saved.index = index
                break
        else:
            raise ValueError(f"measures: die Maßnahme {measure_id!r} steht nicht mehr in der Datei")
        item = measures[saved.index]
        for name in EDITABLE:
            old = _plain(item.get(name, DEFAULTS.get(name)))
            if old != values[name]:
                _put(item, name, values[name])
                saved.changes[name] = [old, values[name]]
        if not saved.changes:
            raise Unchanged

    try:
        rewrite(path, change, load_profile, expected=expected)
    except StaleFile:
        raise
    except ConfigError as exc:
        raise Refused(exc.problems, saved.index) from None
    return saved


def _append(measures: CommentedSeq, typed_id: str, values: dict[str, Any], saved: Saved) -> None:
    taken = {str(m.get("id")) for m in measures if isinstance(m, CommentedMap)}
    saved.index, saved.created = len(measures), True
    if typed_id == NEW:
        raise ValueError(f"measures[{saved.index}].id: {NEW!r} ist hier reserviert (die Adresse des Formulars "
                         "für neue Maßnahmen); bitte ein anderes Kürzel wählen")
    saved.measure_id = typed_id or suggest_id(values["title"], taken)
    item = CommentedMap()
    previous = measures[-1] if measures else None
    if isinstance(previous, CommentedMap) and previous.fa.flow_style():
        item.fa.set_flow_style()  # written like its neighbours: {id: …, title: …}
    for name, value in (("id", saved.measure_id), *values.items()):
        if name == "status" and value == DEFAULTS["status"]:
            continue  # the default, as most entries leave it
        if name == "id" or value != DEFAULTS.get(name):
            _put(item, name, value)
            saved.changes[name] = [None, value]
    append_below_comments(measures, item)


def _plain(value: Any) -> Any:
    """A value of the round-trip document as the model reads it (strings trimmed)."""
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    return str(value).strip() if value is not None else None


def _put(item: CommentedMap, name: str, value: Any) -> None:
    """Set one key in the file's style: a default value by leaving the key out (status stays), lists
    in flow style (``[a, b]``, as the shipped files) unless the key was written as a block, text with
    line breaks as a literal block in a block mapping."""
    if name in DEFAULTS and name != "status" and value == DEFAULTS[name]:
        if name in item:
            drop_key(item, name)
        return
    flow = item.fa.flow_style()
    if isinstance(value, list):
        old = item.get(name)
        seq = CommentedSeq([yaml_text(v) for v in value])
        if flow or not isinstance(old, CommentedSeq) or old.fa.flow_style():
            seq.fa.set_flow_style()
        value = seq
    elif isinstance(value, str) and "\n" in value and not flow:
        value = LiteralScalarString(value)
    elif isinstance(value, str):
        value = yaml_text(value)
    if name in item:
        item[name] = value
        return
    rank = ORDER.index(name)
    position = max((i + 1 for i, key in enumerate(item) if key in ORDER and ORDER.index(key) < rank), default=0)
    item.insert(position, name, value)


def field_errors(problems: list[str], path: Path, index: int) -> tuple[dict[str, str], list[str]]:
    """The reader's messages split: those about a field of the edited measure (shown next to it) and
    the rest (shown above the form)."""
    fields: dict[str, str] = {}
    general: list[str] = []
    for problem in _without_path(problems, path):
        found = _PROBLEM.fullmatch(problem)
        if found and int(found[1]) == index and found[2] in ORDER:
            fields.setdefault(found[2], found[3])
        else:
            general.append(problem)
    return fields, general


# -- the history ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """One edit made in the web app, for people: who, when, which measure, each field old → new."""

    at: datetime
    who: str
    measure_id: str
    title: str  # the measure's title now (its id when it is no longer in the file)
    created: bool
    changes: list[tuple[str, str, str]]  # German label, old, new


def shown(name: str, value: Any) -> str:
    """A field's value as text on the page ("–" for none)."""
    if value is None or value == "" or value == []:
        return "–"
    if name == "status":
        return STATUS_LABELS.get(str(value), str(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def history(entries: list[AuditEntry], titles: Mapping[str, str]) -> list[Edit]:
    out = []
    for entry in entries:
        details = entry.details or {}
        changes = details.get("changes") or {}
        rows = [(LABELS.get(name, name), shown(name, pair[0]), shown(name, pair[1]))
                for name, pair in changes.items() if isinstance(pair, list) and len(pair) == 2]
        measure_id = entry.measure_id or ""
        out.append(Edit(entry.at, entry.user_email, measure_id, titles.get(measure_id, measure_id),
                        bool(details.get("created")), rows))
    return out


# -- the pages --------------------------------------------------------------------------------------


@bp.get("/k/<slug>/massnahmen")
def massnahmen(slug: str) -> str:
    view = file_view(slug)
    titles = {m.id: m.title for m in view.measures}
    saved = request.args.get("gespeichert")
    edits = history(audit.entries(state().store, slug, action=ACTION), titles)
    return render_template(
        "massnahmen.html", kommune=view.name, slug=slug, view=view, entry=Entry(), labels=LABELS,
        status_labels=STATUS_LABELS, new=NEW, history=edits, saved=titles.get(saved) if saved else None,
        unchanged=request.args.get("unveraendert") == "1",
    )


@bp.route("/k/<slug>/massnahmen/neu", methods=["GET", "POST"])
def add(slug: str) -> BaseResponse | str | tuple[str, int]:
    view = file_view(slug)
    if request.method == "GET":
        return _form(view, None, Entry())
    return _submit(view, None)


@bp.route("/k/<slug>/massnahmen/<measure_id>", methods=["GET", "POST"])
def edit(slug: str, measure_id: str) -> BaseResponse | str | tuple[str, int]:
    view = file_view(slug)
    measure = view.measure(measure_id)
    if measure is None:
        abort(404)
    if request.method == "GET":
        return _form(view, measure_id, Entry.of(measure))
    return _submit(view, measure_id)


def _submit(view: FileView, measure_id: str | None) -> BaseResponse | tuple[str, int]:
    slug = view.kommune.slug
    entry = Entry.posted(request.form, measure_id)
    expected = request.form.get("version", "")
    try:
        saved = save(view.kommune.path, measure_id, entry, expected)
    except Unchanged:
        return redirect(url_for("measures.massnahmen", slug=slug, unveraendert="1"), 303)
    except StaleFile:
        # Nothing written. The form comes back with the input and the file's version *now*, and
        # shows what the file says now: saving again is a decision made on the current file.
        fresh = file_view(slug)
        current = fresh.measure(measure_id) if measure_id is not None else None
        return _form(fresh, measure_id, entry, stale=True, current=current), 409
    except Refused as exc:
        errors, problems = field_errors(exc.problems, view.kommune.path, exc.index)
        return _form(view, measure_id, entry, errors=errors, problems=problems, version=expected), 422
    state().reload()  # the next page (and every other reader of the config) sees the new file
    audit.record(state().store, g.user.email, ACTION, kommune=slug, measure_id=saved.measure_id,
                 details={"created": saved.created, "changes": saved.changes})
    return redirect(url_for("measures.massnahmen", slug=slug, gespeichert=saved.measure_id), 303)


def _form(
    view: FileView,
    measure_id: str | None,
    entry: Entry,
    *,
    errors: dict[str, str] | None = None,
    problems: list[str] | None = None,
    stale: bool = False,
    current: Measure | None = None,
    version: str | None = None,
) -> str:
    measure = view.measure(measure_id) if measure_id is not None else None
    titel = "Neue Maßnahme" if measure_id is None else "Maßnahme bearbeiten: " + (measure.title if measure else "")
    return render_template(
        "massnahme_form.html", kommune=view.name, slug=view.kommune.slug, view=view, measure_id=measure_id,
        titel=titel.rstrip(": "), entry=entry, errors=errors or {}, problems=problems or [], stale=stale,
        current=current, version=version or view.version, labels=LABELS, status_labels=STATUS_LABELS, new=NEW,
    )


@bp.get("/k/<slug>/vorschau")
def vorschau(slug: str) -> Response | tuple[str, int]:
    """The digest this municipality's first recipient would get now: ``run_digest`` with a preview
    directory, exactly what ``foerderradar digest --preview`` runs — nothing sent, no ledger row."""
    cfg = kommune_or_404(slug)
    with tempfile.TemporaryDirectory(prefix="foerderradar-vorschau-") as directory:
        try:
            outcome = run_digest(state().store, cfg, state().today(), preview_dir=Path(directory))
        except ValueError as exc:  # a recipient address or the subject template the digest refuses
            return render_template("error.html", title="Vorschau nicht möglich", text=str(exc), code=409), 409
        page = next(p for p in outcome.paths if p.name == "digest.html").read_text(encoding="utf-8")
    banner = render_template("vorschau_hinweis.html", slug=slug, kommune=cfg.measures.city.name)
    body = re.search(r"<body[^>]*>", page)
    at = body.end() if body else 0
    response = Response(page[:at] + banner + page[at:], mimetype="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response
