"""``portals export`` / ``portals add``: the watched-portal list as a spreadsheet and back.

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
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from foerderradar.crawler.entry.base import PortalBase
from foerderradar.netpolicy import portal_url_problems
from foerderradar.settings import ConfigError, format_validation_error, kind_message, load_portals, read_yaml

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
