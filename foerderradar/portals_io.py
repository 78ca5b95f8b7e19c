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

from foerderradar.config_writing import StaleFile, load_round_trip, rewrite, rewrite_text, version
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

COMMON_COLUMNS = ["key", "kind", "name", "enabled", "base_url", "max_pages"]


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


def export_yaml(portals: Iterable[PortalBase]) -> str:
    return yaml.safe_dump(
        {"portals": [portal_entry(p) for p in portals]}, allow_unicode=True, sort_keys=False, width=120
    )


def _parse_cell(value: str) -> Any:
    """The inverse of :func:`_cell`: JSON for lists/mappings, true/false for switches, else text
    (numbers stay text: the portal's model converts them where a number is expected)."""
    text = value.strip()
    if text[:1] in ("[", "{"):
        return json.loads(text)
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def read_csv(text: str, source: str) -> list[dict[str, Any]]:
    """Rows → entries (empty cells left out). Problems name the file, line and column."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))  # spreadsheets like to add a BOM
    if not reader.fieldnames or not {"key", "kind"} <= {f.strip() for f in reader.fieldnames}:
        raise ConfigError([f"{source}: Zeile 1: die Spalten 'key' und 'kind' fehlen (Kopfzeile wie portals export)"])
    entries: list[dict[str, Any]] = []
    problems: list[str] = []
    for row in reader:
        entry: dict[str, Any] = {}
        for column, value in row.items():
            if column is None:  # more cells than header columns
                problems.append(f"{source}: Zeile {reader.line_num}: mehr Zellen als Spalten in der Kopfzeile")
                continue
            if value is None or not value.strip():
                continue
            try:
                entry[column.strip()] = _parse_cell(value)
            except json.JSONDecodeError as exc:
                problems.append(f"{source}: Zeile {reader.line_num}: Spalte {column!r}: kein gültiges JSON ({exc.msg})")
        if entry:
            entries.append(entry)
    if problems:
        raise ConfigError(problems)
    return entries


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
            problems.extend(format_validation_error(f"{where} ({entry.get('key', '?')})", exc))
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
