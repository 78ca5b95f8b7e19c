"""Changing a file city IT edits from a program (the web app, ``portals enable``) without losing what
people wrote in it, and without two truths.

- Comments, key order and quoting survive: the file is changed by a ruamel.yaml round trip, never
  re-dumped from the model (PyYAML would drop every comment of ``portals.yaml``).
- The new text is checked by the same reader as the file (``check``: the model's validation, with its
  German messages) *before* it replaces the file; a refused change leaves the file as it was.
- The replacement is atomic (temporary file beside it + ``os.replace``): a crash mid-write leaves the
  old file or the new one, never half of one.
- An edit made on a stale view is refused (:class:`StaleFile`): a form carries the :func:`version`
  of the file it was shown from; when someone edited the file in the meantime, nothing is
  overwritten. Writers in one process are serialised by a lock; across processes the version check
  right before the replace narrows the window to microseconds (documented, not closed: two
  processes editing the same config file in the same instant is not a case this tool has).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken

from foerderradar.config_reading import ConfigError

_LOCK = threading.Lock()


class StaleFile(ConfigError):
    """The file changed since the caller read it (German message naming the file)."""


def version(path: Path) -> str:
    """A short fingerprint of the file's bytes: equal versions, equal files."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _yaml() -> YAML:
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 4096  # never re-wrap a line people wrote (new long values stay on one line too)
    rt.indent(mapping=2, sequence=4, offset=2)  # the shipped files' style: "  - key: value"
    return rt


def load_round_trip(text: str, path: Path, rt: YAML | None = None) -> Any:
    """The round-trip document of ``text`` (every node knows its line and column, ``.lc``), or a
    :class:`ConfigError` naming ``path`` when the text is no YAML."""
    try:
        return (rt or _yaml()).load(text)
    except YAMLError as exc:
        raise ConfigError([f"{path}: ist kein gültiges YAML mehr ({exc}); bitte die Datei reparieren"]) from None


def rewrite(
    path: Path,
    change: Callable[[Any], None],
    check: Callable[[Path], object],
    *,
    expected: str | None = None,
) -> str:
    """Apply ``change`` to the round-trip document of ``path``, check the result with ``check`` (which
    raises :class:`ConfigError` naming ``path``), replace the file, and return its new version.

    ``expected``: the version the caller's view came from (:class:`StaleFile` if it differs).
    ``change`` gets the parsed document (ruamel's ``CommentedMap``/``CommentedSeq``) and edits it in
    place; a ``ValueError`` it raises becomes a :class:`ConfigError` about ``path``.
    """
    def edit(text: str) -> str:
        rt = _yaml()
        document = load_round_trip(text, path, rt)
        try:
            change(document)
        except ValueError as exc:
            raise ConfigError([f"{path}: {exc}"]) from None
        buffer = io.StringIO()
        rt.dump(document, buffer)
        return buffer.getvalue()

    return rewrite_text(path, edit, check, expected=expected)


def rewrite_text(
    path: Path,
    change: Callable[[str], str],
    check: Callable[[Path], object],
    *,
    expected: str | None = None,
) -> str:
    """:func:`rewrite` for a change a YAML tree cannot express without losing comments: ``change``
    gets the file's text and returns the new text (removing a portal entry together with the comment
    block above it — ruamel hangs that block on the previous entry's last value). Checked, atomic and
    refused when stale exactly like :func:`rewrite`; returns the new version."""
    with _LOCK:
        before = path.read_bytes()
        if expected is not None and hashlib.sha256(before).hexdigest()[:16] != expected:
            raise StaleFile([
                f"{path}: wurde inzwischen geändert (von jemand anderem oder direkt in der Datei). Bitte neu "
                "laden und die Änderung noch einmal vornehmen; es wurde nichts gespeichert."
            ])
        try:
            text = before.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError([f"{path}: ist kein gültiges YAML mehr ({exc}); bitte die Datei reparieren"]) from None
        new_text = change(text)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(temporary)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(new_text)
            try:
                check(tmp)
            except ConfigError as exc:
                # The reader names the file it read; the person knows the real one.
                raise type(exc)([p.replace(str(tmp), str(path)) for p in exc.problems]) from None
            os.chmod(tmp, path.stat().st_mode & 0o777)
            if path.read_bytes() != before:  # changed while we worked (another process)
                raise StaleFile([f"{path}: wurde gerade eben anderweitig geändert; bitte noch einmal versuchen"])
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return version(path)


# -- keeping what people wrote when a program edits a round-trip document ---------------------------
# ruamel keeps comments, but hangs them on the scalar *before* them: a comment about the next key or
# entry belongs, in its model, to the previous value. Deleting or appending naively moves such lines
# to the wrong place; these helpers keep them where a reader of the file expects them.

_RESOLVER = yaml.resolver.Resolver()  # how the reader (PyYAML, YAML 1.1) types a plain scalar
_STR = "tag:yaml.org,2002:str"


def append_below_comments(seq: CommentedSeq, item: CommentedMap) -> None:
    """Append ``item`` to ``seq`` with the comment lines that follow the list still after it.

    ruamel hangs the lines after a block list (``# Empfänger`` above the next top-level key) on the
    last scalar of its last entry; appended as is, the new entry would land below those lines and
    they would seem to describe it. The end-of-line comment (and blank lines) stay; the lines move
    to the new entry's end."""
    found = _trailing_comment(seq)
    seq.append(item)
    if found is None:
        return
    slots, slot = found
    token = slots[slot]
    eol, _, rest = str(token.value).partition("\n")
    if not rest.strip():
        return
    blank = len(rest) - len(rest.lstrip("\n"))
    token.value = eol + "\n" * (1 + blank)
    moved = CommentToken("\n" + rest, CommentMark(0), None)
    if item.fa.flow_style() or not item:
        seq.ca.items[len(seq) - 1] = [moved, None, None, None]
    else:
        item.ca.items[list(item)[-1]] = [None, None, moved, None]


def _trailing_comment(node: Any) -> tuple[list[Any], int] | None:
    """The comment slot after the last scalar of ``node`` (a mapping keeps it at index 2 of its last
    key's slots, a list at index 0 of its last item's), if it holds one."""
    if isinstance(node, CommentedMap) and node:
        at: Any = list(node)[-1]
        slot = 2
    elif isinstance(node, CommentedSeq) and node:
        at, slot = len(node) - 1, 0
    else:
        return None
    value = node[at]
    if isinstance(value, CommentedMap | CommentedSeq) and not value.fa.flow_style():
        inner = _trailing_comment(value)
        if inner is not None:
            return inner
    slots = node.ca.items.get(at)
    if slots is not None and len(slots) > slot and slots[slot] is not None:
        return slots, slot
    return None


def drop_key(item: CommentedMap, name: str) -> None:
    """Delete a key, and keep the comment lines that follow it (about the next key, or — after the
    list's last entry — about the next top-level key): they move to the key before. Only its own
    end-of-line comment goes with it."""
    keys = list(item)
    at, value = keys.index(name), item[name]
    token = None
    if isinstance(value, CommentedMap | CommentedSeq) and not value.fa.flow_style():
        found = _trailing_comment(value)
        token = found[0][found[1]] if found else None
    slots = item.ca.items.get(name)
    if token is None and slots is not None and len(slots) > 2:
        token = slots[2]
    del item[name]
    rest = str(token.value).partition("\n")[2] if token is not None else ""
    if not rest.strip() or at == 0:
        return
    before = keys[at - 1]
    target = item.ca.items.setdefault(before, [None, None, None, None])
    if target[2] is not None:
        target[2].value = str(target[2].value) + rest
    else:  # a block scalar ends with its line break; anything else needs one
        lead = "" if isinstance(item[before], LiteralScalarString | FoldedScalarString) else "\n"
        target[2] = CommentToken(lead + rest, CommentMark(0), None)


def yaml_text(value: str) -> str:
    """Text the reader reads back as text. ruamel writes YAML 1.2, where ``yes``, ``off``, ``2027``
    or ``2027-03-31`` written bare are strings; the reader (PyYAML, YAML 1.1) would make them a
    boolean, a number, a date — and refuse the title. Such text goes in double quotes."""
    if _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != _STR:
        return DoubleQuotedScalarString(value)
    return value


def _attach_after(item: CommentedMap, key: Any, token: CommentToken) -> None:
    """Hang ``token`` (comment lines) after the value of ``key``: after its last element when the value
    is a block list or mapping (whose elements are scalars or flow collections), else after the key."""
    value = item[key]
    if isinstance(value, CommentedSeq) and value and not value.fa.flow_style():
        value.ca.items[len(value) - 1] = [token, None, None, None]
    elif isinstance(value, CommentedMap) and value and not value.fa.flow_style():
        value.ca.items[list(value)[-1]] = [None, None, token, None]
    else:
        slots = item.ca.items.setdefault(key, [None, None, None, None])
        slots[2] = token


def set_value(item: CommentedMap, key: str, value: Any) -> None:
    """``item[key] = value`` keeping what people wrote around it.

    - A replaced value keeps its style (a block list stays one; elements inside it are written in
      flow style) and the comment lines that followed it, which ruamel hangs on the old value's last
      element (a comment above the next key, or above the next entry).
    - A new key goes last, and the comment lines after the mapping's last value stay after the new one
      (as :func:`append_below_comments` does for a list); a long list is written as a block list.
    Strings are quoted where the reader would take them for another type (:func:`yaml_text`)."""
    if key in item:
        old = item[key]
        block = isinstance(old, CommentedMap | CommentedSeq) and not old.fa.flow_style()
        found = _trailing_comment(old) if block else None
        token = found[0][found[1]] if found is not None else None
        if found is not None:
            found[0][found[1]] = None
        item[key] = round_trip_value(value, block=block)
        if token is not None:
            _attach_after(item, key, token)
        return
    found = _trailing_comment(item)
    item[key] = round_trip_value(value, block=_long(value))
    if found is None:
        return
    slots, slot = found
    token = slots[slot]
    eol, _, rest = str(token.value).partition("\n")
    if not rest.strip():
        return
    token.value = eol + "\n"  # the new key follows directly; blank lines stay before the comment
    _attach_after(item, key, CommentToken("\n" + rest, CommentMark(0), None))


def round_trip_value(value: Any, *, block: bool, in_flow: bool = False) -> Any:
    """A plain value as a round-trip node: lists and mappings in flow style (``[a, b]``) unless
    ``block`` (then the outer one, and inside it lists too long for one line), strings quoted where
    the reader needs it."""
    if isinstance(value, dict):
        mapping = CommentedMap(
            (k, round_trip_value(v, block=block and _long(v), in_flow=in_flow or not block)) for k, v in value.items()
        )
        mapping.fa.set_block_style() if block else mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list | tuple):
        seq = CommentedSeq(round_trip_value(v, block=False, in_flow=in_flow or not block) for v in value)
        seq.fa.set_block_style() if block else seq.fa.set_flow_style()
        return seq
    if isinstance(value, str):
        if in_flow and not _plain_in_flow(value):
            return DoubleQuotedScalarString(value)
        return yaml_text(value)
    return value


def _long(value: Any) -> bool:
    """A list too long for one readable line (addresses): written as a block list, one item a line."""
    return isinstance(value, list | tuple) and len(", ".join(map(str, value))) > 80


def _plain_in_flow(text: str) -> bool:
    """Whether the reader reads ``text`` back unquoted inside ``[…]``: PyYAML refuses a plain ``?``
    there (``https://x.example/a?b=1``), and ``,``, ``:`` or brackets would split or nest it."""
    try:
        return bool(yaml.safe_load(f"[{text}]") == [text])
    except yaml.YAMLError:
        return False
