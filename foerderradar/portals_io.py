"""``portals export`` / ``portals add``: the watched-portal list as a spreadsheet and back; and
``portals enable/disable/remove`` — one entry changed by key, by the CLI and the web app's *Portale*
page alike (:func:`edit_portal`).

City IT keeps portal lists in spreadsheets, and several towns share them. The CSV has one row per
portal and one column per key (the common keys first, then every other key any entry uses); lists
and mappings are JSON inside their cell, an empty cell means "not set". ``add`` validates every new
entry with the same rules as loading ``portals.yaml`` and then *appends* it to the file as text, so
the comments city IT wrote there survive; the file is re-read after writing and restored from the
backup if the result is not exactly the list that was validated.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError
from ruamel.yaml.comments import CommentedSeq

from foerderradar.config_writing import (
    StaleFile,
    append_below_comments,
    drop_key,
    load_round_trip,
    rewrite,
    rewrite_text,
    round_trip_value,
    set_value,
    version,
)
from foerderradar.crawler.entry.base import PortalBase
from foerderradar.netpolicy import portal_url_problems
from foerderradar.settings import (
    ConfigError,
    format_validation_error,
    kind_message,
    load_portals,
    read_portals,
    read_yaml,
)
from foerderradar.tabular import Column, TableError, column_letter, read_table

COMMON_COLUMNS = ["key", "kind", "name", "enabled", "base_url", "max_pages"]
# People's exports (excel-csv, xlsx) head the four keys every entry has in German; every other column
# keeps its key, the name portals.yaml and docs/portal-kinds.md use. Reading back takes either.
COMMON_TABLE: tuple[Column, ...] = (
    Column("key", "Schlüssel"),
    Column("kind", "Art"),
    Column("name", "Name"),
    Column("enabled", "aktiv", "auto"),
    Column("base_url", "base_url", "url"),
    Column("max_pages", "max_pages", "auto"),
)
HEADER_KEYS = {c.header.lower(): c.key for c in COMMON_TABLE}


def portal_entry(portal: PortalBase) -> dict[str, Any]:
    """The keys the entry sets itself (defaults stay implicit, so a later default change applies)."""
    entry = portal.model_dump(mode="json", exclude_unset=True)
    return {"key": entry.pop("key"), "kind": entry.pop("kind"), **entry}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def export_csv(portals: Iterable[PortalBase]) -> str:
    entries = [portal_entry(p) for p in portals]
    extra = sorted({k for e in entries for k in e} - set(COMMON_COLUMNS))
    columns = COMMON_COLUMNS + extra
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        writer.writerow({k: _cell(entry.get(k)) for k in columns})
    return buffer.getvalue()


def portal_table(portals: Iterable[PortalBase]) -> tuple[list[Column], list[dict[str, Any]]]:
    """The portal list for people's exports: the columns of :func:`export_csv`, German where
    :data:`COMMON_TABLE` says, and the entries' own values (lists and mappings as in portals.yaml)."""
    entries = [portal_entry(p) for p in portals]
    extra = sorted({k for e in entries for k in e} - set(COMMON_COLUMNS))
    return [*COMMON_TABLE, *(Column(k, k, "auto") for k in extra)], entries


def export_yaml(portals: Iterable[PortalBase]) -> str:
    return yaml.safe_dump(
        {"portals": [portal_entry(p) for p in portals]}, allow_unicode=True, sort_keys=False, width=120
    )


def parse_settings(pairs: Sequence[str]) -> dict[str, Any]:
    """``--set key=value`` options; the value is read as YAML, so lists and numbers work as in the file."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not re.fullmatch(r"[a-z_][a-z0-9_]*", key.strip()):
            raise ConfigError([f"--set {pair!r}: erwartet SCHLÜSSEL=WERT, z. B. --set url=https://…"])
        try:
            out[key.strip()] = yaml.safe_load(value) if value.strip() else None
        except yaml.YAMLError:
            raise ConfigError([f"--set {pair!r}: der Wert ist kein gültiger YAML-Wert"]) from None
    return out


def validate_new(
    existing: Sequence[PortalBase], entries: Sequence[Mapping[str, Any]], kinds: Mapping[str, type[PortalBase]],
    source: str,
) -> list[PortalBase]:
    """All entries checked like portals.yaml entries; every problem reported at once."""
    problems: list[str] = []
    taken = {p.key for p in existing}
    out: list[PortalBase] = []
    for i, entry in enumerate(entries):
        where = f"{source}: Eintrag {i + 1}"
        kind = str(entry.get("kind"))
        if kind not in kinds:
            problems.append(f"{where}: kind: {kind_message(entry.get('kind'), kinds)}")
            continue
        try:
            portal = kinds[kind].model_validate(dict(entry))
        except ValidationError as exc:
            problems.extend(format_validation_error(f"{where} ({entry.get('key', '?')})", exc, (), kinds[kind]))
            continue
        for loc, message in portal_url_problems(portal.model_dump()):  # as load_portals checks them
            problems.append(f"{where} ({portal.key}): {loc}: {message}")
        if portal.key in taken:
            problems.append(f"{where}: key: {portal.key!r} gibt es schon; Schlüssel müssen eindeutig sein")
        taken.add(portal.key)
        out.append(portal)
    if problems:
        raise ConfigError(problems)
    return out


def _entries_yaml(portals: Sequence[PortalBase], indent: str) -> str:
    text = yaml.safe_dump([portal_entry(p) for p in portals], allow_unicode=True, sort_keys=False, width=120)
    return "".join(f"{indent}{line}\n" if line else "\n" for line in text.splitlines())


def _list_indent(text: str) -> str:
    match = re.search(r"^( *)- ", text, flags=re.MULTILINE)
    return match.group(1) if match else "  "


def add_portals(directory: Path, new: Sequence[PortalBase], kinds: Mapping[str, type[PortalBase]]) -> Path:
    """Append validated entries to ``directory/portals.yaml``; returns the backup's path.

    Appending keeps comments; it works when ``portals:`` is the file's last top-level key in block
    style (as in the shipped file). Anything else is detected by re-reading and rolled back.
    """
    path = directory / "portals.yaml"
    before = load_portals(directory, dict(kinds))
    data = read_yaml(path) or {}
    text = path.read_text(encoding="utf-8")
    if data.get("portals") in (None, []) and not before:
        text = re.sub(r"^portals:.*$", "portals:", text, count=1, flags=re.MULTILINE)
        if "portals:" not in text:
            text = text + ("" if text.endswith("\n") or not text else "\n") + "portals:\n"
    addition = _entries_yaml(new, _list_indent(text) if before else "  ")
    backup = path.with_name(path.name + ".bak")
    shutil.copy2(path, backup)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text + ("" if text.endswith("\n") else "\n") + addition, encoding="utf-8")
    os.replace(tmp, path)
    try:
        after = load_portals(directory, dict(kinds))
        ok = [portal_entry(p) for p in after] == [portal_entry(p) for p in [*before, *new]]
    except ConfigError:
        ok = False
    if not ok:
        shutil.copy2(backup, path)
        raise ConfigError([
            f"{path}: die Einträge lassen sich nicht anhängen (steht 'portals:' nicht am Dateiende oder in "
            "Listenform [...]?). Die Datei ist unverändert; bitte die Einträge von Hand ergänzen."
        ])
    return backup


# -- one entry changed by key: `portals enable/disable/remove` and the web app's Portale page -------------

PortalChange = Literal["enable", "disable", "remove"]
CHANGE_DE: dict[str, str] = {"enable": "eingeschaltet", "disable": "abgeschaltet", "remove": "entfernt"}


class UnknownPortal(ConfigError):
    """No entry of ``portals.yaml`` has this key (German message naming the keys there are)."""


@dataclass(frozen=True)
class PortalEdit:
    """What :func:`edit_portal` did: ``changed`` False when the entry already was as asked (the file
    was not written); ``version`` is the file's version afterwards (:func:`config_writing.version`)."""

    key: str
    change: PortalChange
    changed: bool
    version: str


class _AlreadySo(Exception):
    """Raised inside a change to leave the file untouched (no rewrite, not even a byte-equal one)."""


def unknown_portal(key: str, keys: Sequence[str]) -> UnknownPortal:
    # The wording of crawler/runner.select_portals (`portals check`, `crawl`): one message for one mistake.
    return UnknownPortal([f"Unbekanntes Portal: {key}. Bekannt sind: {', '.join(keys) or '(keine)'}"])


def _entries(document: Any, path: Path) -> Any:
    entries = document.get("portals") if isinstance(document, dict) else None
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise ConfigError([f"{path}: portals: erwartet eine Liste von Einträgen (- key: …)"])
    return entries


def _index(entries: Sequence[Any], key: str) -> int:
    keys = [str(e.get("key")) for e in entries if isinstance(e, dict)]
    for i, entry in enumerate(entries):
        if isinstance(entry, dict) and entry.get("key") == key:
            return i
    raise unknown_portal(key, keys)


def _set_enabled(entry: Any, enabled: bool) -> None:
    """``enabled: true/false`` in place; a new key goes after ``name`` (else ``kind``), never last: the
    comment block above the *next* entry hangs on this entry's last value, and would end up above it."""
    current = entry.get("enabled", True)
    if isinstance(current, str):  # pydantic reads "false", "no" … as booleans too
        current = current.strip().lower() in {"true", "1", "yes", "on", "t", "y"}
    if bool(current) is enabled:
        raise _AlreadySo
    if "enabled" in entry:
        entry["enabled"] = enabled
        return
    keys = list(entry)
    after = keys.index("name") if "name" in keys else keys.index("kind") if "kind" in keys else 0
    entry.insert(min(after + 1, len(keys) - 1), "enabled", enabled)


def _content_end(lines: Sequence[str], start: int, column: int) -> int:
    """The last line of the block-sequence item starting on line ``start`` whose ``-`` is at
    ``column``: the last line that is neither blank nor only a comment before the next line indented
    no deeper than the ``-`` (the next item, or the next top-level key)."""
    end = start
    for i in range(start + 1, len(lines)):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(lines[i]) - len(lines[i].lstrip(" ")) <= column:
            break
        end = i
    return end


def _without_entry(text: str, key: str, path: Path) -> str:
    """``text`` without the entry ``key``: its lines and the comment lines directly above it (no blank
    line between: that is its description); a section heading above a blank line, and the comments
    above the next entry, stay where they are."""
    document = load_round_trip(text, path)
    entries = _entries(document, path)
    i = _index(entries, key)
    lines = text.splitlines(keepends=True)
    line, col = entries.lc.item(i)
    if entries.fa.flow_style() or not lines[line][:col].rstrip().endswith("-"):
        raise ConfigError([
            f"{path}: die Liste 'portals' steht in Listenform [...]; bitte den Eintrag {key} von Hand löschen"
        ])
    dash = lines[line].index("-")
    first = line
    while first > 0 and lines[first - 1].strip().startswith("#"):
        first -= 1
    last = _content_end(lines, line, dash)
    return "".join(lines[:first] + lines[last + 1 :])


def edit_portal(
    directory: Path, key: str, change: PortalChange, *, expected: str | None = None,
    kinds: Mapping[str, type[PortalBase]] | None = None,
) -> PortalEdit:
    """Switch the entry ``key`` of ``directory/portals.yaml`` on or off, or remove it — comments kept,
    checked by the loader's own rules (:func:`settings.read_portals`) before the file is replaced.

    ``expected``: the file version the caller's view was made from (web forms); a newer file raises
    :class:`config_writing.StaleFile` and nothing is written. An unknown key raises :class:`UnknownPortal`,
    a file that would not load (or does not load now) :class:`ConfigError` with the loader's messages.
    """
    path = directory / "portals.yaml"
    models = dict(kinds) if kinds is not None else None

    def check(candidate: Path) -> object:
        return read_portals(candidate, models)

    try:
        if change == "remove":
            new = rewrite_text(path, lambda text: _without_entry(text, key, path), check, expected=expected)
        else:
            enabled = change == "enable"

            def switch(document: Any) -> None:
                entries = _entries(document, path)
                _set_enabled(entries[_index(entries, key)], enabled)

            new = rewrite(path, switch, check, expected=expected)
    except _AlreadySo:
        return PortalEdit(key, change, False, version(path))
    except (StaleFile, UnknownPortal):
        raise
    except ConfigError as exc:
        # A file that is broken now: its own problems, in the loader's words and with the entry numbers
        # the person sees (the new text's would be shifted by a removal). Else the change broke it.
        try:
            read_portals(path, models)
        except ConfigError as current:
            raise ConfigError(current.problems) from None
        raise exc from None
    except OSError as exc:
        raise ConfigError([f"{path}: kann nicht gelesen oder geschrieben werden ({exc.strerror})"]) from None
    return PortalEdit(key, change, True, new)


# -- the portal list read back from a spreadsheet: `portals import` (and `portals add --from-csv`) -----


@dataclass(frozen=True)
class PortalRow:
    """One row of a portal table: its row number as the spreadsheet shows it, its cells by portal key
    (as read: text, or a workbook cell's own type), and where each key's column is."""

    row: int
    cells: dict[str, Any]
    columns: dict[str, str]  # key → "Spalte D (aktiv)"


@dataclass(frozen=True)
class PortalFile:
    rows: list[PortalRow]
    keys: frozenset[str]  # the portal keys the file has a column for


def read_portal_file(path: Path) -> PortalFile:
    """A table as ``portals export`` writes it (csv, excel-csv or xlsx), edited or not. Headings are
    the keys or the German headings of :data:`COMMON_TABLE`; a problem names file, row and column."""
    source = str(path)
    try:
        table = read_table(path)
    except TableError as exc:
        raise ConfigError([str(exc)]) from None
    keys = [HEADER_KEYS.get(h.lower(), h) for h in table.headers]
    if not {"key", "kind"} <= set(keys):
        raise ConfigError([
            f"{source}: Zeile 1: die Spalten 'key' und 'kind' (oder 'Schlüssel' und 'Art') fehlen "
            "(Kopfzeile wie portals export)"
        ])
    problems = [f"{source}: Zeile {n}: mehr Zellen als Spalten in der Kopfzeile" for n in table.extra]
    by_header = dict(zip(table.headers, keys, strict=True))
    where = {key: f"Spalte {column_letter(i)} ({header})" for i, (header, key) in enumerate(by_header.items())}
    rows = [
        PortalRow(number, {by_header[h]: v for h, v in cells.items()}, where) for number, cells in table.rows
    ]
    if problems:
        raise ConfigError(problems)
    return PortalFile(rows, frozenset(keys))


_GERMAN_INT = re.compile(r"-?\d{1,3}(?:\.\d{3})+")
_GERMAN_DECIMAL = re.compile(r"-?\d+,\d+")
_BOOL_WORDS = {"true": True, "false": False, "ja": True, "nein": False, "wahr": True, "falsch": False}


def _admits(annotation: Any, kind: type) -> bool:
    """Whether a field's type (``int``, ``bool | str``, ``list[str] | None`` …) takes a ``kind`` value."""
    if annotation is kind:
        return True
    return any(_admits(arg, kind) for arg in getattr(annotation, "__args__", ()))


def _cell_value(value: Any, annotation: Any) -> Any:
    """A cell as the entry's value: lists and mappings written as in portals.yaml (``[a, b]``,
    ``{level: land}``) or as JSON (the scripts' CSV); ja/nein, true/false, WAHR/FALSCH; German numbers
    where the key takes a number. Raises ValueError with the German reason."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool | int | float):
        takes_number = _admits(annotation, int) or _admits(annotation, float) or _admits(annotation, bool)
        return str(value) if _admits(annotation, str) and not takes_number else value
    if not isinstance(value, str):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    text = value.strip()
    if text[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
        try:
            parsed = yaml.safe_load(text)
        except yaml.YAMLError:
            parsed = None
        if parsed is None and text.endswith("]") and not re.search(r"[\[\]{}]", text[1:-1]):
            # "[https://a.example/x?y=1, https://b.example/]": PyYAML refuses a plain "?" inside
            # brackets; a flat list of words or addresses is what a person means.
            parsed = [item.strip() for item in text[1:-1].split(",") if item.strip()]
        if not isinstance(parsed, list | dict):
            raise ValueError(
                "weder eine Liste [a, b] noch eine Zuordnung {schlüssel: wert} wie in portals.yaml (auch JSON "
                "geht); eckige oder geschweifte Klammer fehlt oder ein Komma zu viel?"
            )
        return parsed
    word = text.lower()
    if word in ("true", "false") or (word in _BOOL_WORDS and _admits(annotation, bool)):
        return _BOOL_WORDS[word]
    if _admits(annotation, int) or _admits(annotation, float):
        if _GERMAN_INT.fullmatch(text):
            return int(text.replace(".", ""))
        if _GERMAN_DECIMAL.fullmatch(text):
            return float(text.replace(",", "."))
    return text


def _first_key(loc: str) -> str | None:
    """``max_pages`` of ``max_pages: …``, ``fields`` of ``fields.title: …``."""
    found = re.match(r"[A-Za-z_]\w*", loc)
    return found.group(0) if found else None


def _located(problem: str, where: str, columns: Mapping[str, str]) -> str:
    """``where: loc: message`` with the column of ``loc``'s first key: file, row and column."""
    rest = problem[len(where) + 2 :] if problem.startswith(where + ": ") else problem
    first = _first_key(rest)
    column = columns.get(first) if first else None
    return f"{where}, {column}: {rest}" if column else f"{where}: {rest}"


def validate_rows(
    table: PortalFile, kinds: Mapping[str, type[PortalBase]], source: str,
    existing: Mapping[str, PortalBase] | None = None,
) -> list[tuple[PortalRow, PortalBase]]:
    """Every row checked like a portals.yaml entry (the loader's models and messages), all problems at
    once. ``existing``: entries that rows may update; a key whose column the file lacks keeps its value
    there (an empty cell removes it)."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    out: list[tuple[PortalRow, PortalBase]] = []
    for row in table.rows:
        key = str(row.cells.get("key", "?"))
        where = f"{source}: Zeile {row.row} ({key})"
        kind = row.cells.get("kind")
        if kind not in kinds:
            problems.append(_located(f"{where}: kind: {kind_message(kind, kinds)}", where, row.columns))
            continue
        model = kinds[str(kind)]
        entry: dict[str, Any] = {}
        if existing is not None and key in existing:
            entry = {k: v for k, v in portal_entry(existing[key]).items() if k not in table.keys}
        unreadable: set[str] = set()
        for name, value in row.cells.items():
            field = model.model_fields.get(name)
            try:
                entry[name] = _cell_value(value, field.annotation if field else None)
            except ValueError as exc:
                problems.append(f"{where}, {row.columns[name]}: {exc}")
                unreadable.add(name)
        try:
            # The row's other cells are checked too (one round of corrections); a cell that could not be
            # read is left out, and what the model then says about its key is not news.
            portal = model.model_validate({k: v for k, v in entry.items() if k not in unreadable})
        except ValidationError as exc:
            problems.extend(
                _located(p, where, row.columns) for p in format_validation_error(where, exc, (), model)
                if _first_key(p[len(where) + 2 :]) not in unreadable
            )
            continue
        if unreadable:
            continue
        for loc, message in portal_url_problems(portal.model_dump()):  # as load_portals checks them
            problems.append(_located(f"{where}: {loc}: {message}", where, row.columns))
        if portal.key in seen:
            problems.append(
                f"{where}, {row.columns['key']}: {portal.key!r} steht schon in Zeile {seen[portal.key]}; "
                "Schlüssel müssen eindeutig sein"
            )
        seen.setdefault(portal.key, row.row)
        out.append((row, portal))
    if problems:
        raise ConfigError(problems)
    return out


def new_from_file(
    existing: Sequence[PortalBase], path: Path, kinds: Mapping[str, type[PortalBase]],
) -> list[PortalBase]:
    """``portals add --from-csv``: every row a new entry; a key portals.yaml has already is refused
    (changing entries is ``portals import``)."""
    taken = {p.key for p in existing}
    rows = validate_rows(read_portal_file(path), kinds, str(path))
    problems = [
        f"{path}: Zeile {row.row} ({portal.key}), {row.columns['key']}: {portal.key!r} gibt es schon in "
        f"portals.yaml; bestehende Einträge ändert: foerderradar portals import {path}"
        for row, portal in rows if portal.key in taken
    ]
    if problems:
        raise ConfigError(problems)
    return [portal for _, portal in rows]


@dataclass(frozen=True)
class PortalImport:
    """What :func:`import_portals` did (or, with ``dry_run``, would do)."""

    new: list[PortalBase]
    changed: list[tuple[PortalBase, list[str]]]  # the entry and the keys that changed
    unchanged: list[str]
    absent: list[str]  # keys in portals.yaml with no row in the file: left as they are
    backup: Path | None


def import_portals(
    directory: Path, path: Path, kinds: Mapping[str, type[PortalBase]], *, dry_run: bool = False,
) -> PortalImport:
    """Rows of ``path`` update the entries of ``directory/portals.yaml`` with their key and add the
    others; entries without a row stay. Validated as loading does, written through the round trip
    that keeps comments (:func:`config_writing.rewrite`) and checked by re-reading: the file afterwards
    holds exactly the validated list, or it is unchanged."""
    target = directory / "portals.yaml"
    models = dict(kinds)
    before = load_portals(directory, models)
    old = {p.key: p for p in before}
    table = read_portal_file(path)
    rows = validate_rows(table, kinds, str(path), old)
    new: list[PortalBase] = []
    changed: list[tuple[PortalBase, list[str]]] = []
    unchanged: list[str] = []
    for _, portal in rows:
        if portal.key not in old:
            new.append(portal)
            continue
        was, now = portal_entry(old[portal.key]), portal_entry(portal)
        keys = [k for k in dict.fromkeys([*was, *now]) if was.get(k, _UNSET) != now.get(k, _UNSET)]
        if keys:
            changed.append((portal, keys))
        else:
            unchanged.append(portal.key)
    in_file = {p.key for _, p in rows}
    absent = [p.key for p in before if p.key not in in_file]
    if dry_run or not (new or changed):
        return PortalImport(new, changed, unchanged, absent, None)
    replaced = {p.key: p for p, _ in changed}
    expected = [portal_entry(replaced.get(p.key, p)) for p in before] + [portal_entry(p) for p in new]

    def change(document: Any) -> None:
        if not isinstance(document, dict):
            raise ValueError("erwartet 'portals:' mit einer Liste von Einträgen")
        entries = document.get("portals")
        if not isinstance(entries, CommentedSeq):
            entries = document["portals"] = CommentedSeq()
        if not entries:
            entries.fa.set_block_style()
        for portal, _ in changed:
            node = entries[_index(entries, portal.key)]
            now = portal_entry(portal)
            for name in [k for k in node if k not in now]:
                drop_key(node, name)
            was = portal_entry(old[portal.key])
            for name, value in now.items():
                if name not in node or was.get(name, _UNSET) != value:
                    set_value(node, name, value)
        for portal in new:
            append_below_comments(entries, round_trip_value(portal_entry(portal), block=True))

    def check(candidate: Path) -> object:
        after = read_portals(candidate, models)
        if [portal_entry(p) for p in after] != expected:
            raise ConfigError([
                f"{target}: die Änderungen lassen sich nicht so schreiben, dass die Datei genau die geprüften "
                "Einträge enthält; die Datei ist unverändert. Bitte die Einträge von Hand ändern."
            ])
        return after

    backup = target.with_name(target.name + ".bak")
    shutil.copy2(target, backup)
    try:
        rewrite(target, change, check)
    except OSError as exc:
        raise ConfigError([f"{target}: kann nicht gelesen oder geschrieben werden ({exc.strerror})"]) from None
    return PortalImport(new, changed, unchanged, absent, backup)


_UNSET = object()
