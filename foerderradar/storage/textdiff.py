"""What changed in a call's text, line by line, for the digest ("Neu im Text: …").

Watched pages (kind ``watch``) have no structured fields: the only change a person can act on is
the sentence that appeared ("Der nächste Stichtag ist der 1. März 2027") or disappeared. The store
keeps these lines in the ``amended`` event's details, bounded so a relaunched page cannot bloat it.
"""

from __future__ import annotations

import difflib

MAX_LINES = 8
MAX_CHARS = 300


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def text_changes(old: str | None, new: str | None) -> dict[str, list[str]]:
    """``{"added": [...], "removed": [...]}`` — whole lines, in page order, shortened and capped."""
    added: list[str] = []
    removed: list[str] = []
    before, after = _lines(old), _lines(new)
    for tag, a0, a1, b0, b1 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            removed.extend(before[a0:a1])
        if tag in ("replace", "insert"):
            added.extend(after[b0:b1])

    def cap(lines: list[str]) -> list[str]:
        out = [line if len(line) <= MAX_CHARS else line[: MAX_CHARS - 1] + "…" for line in lines[:MAX_LINES]]
        if len(lines) > MAX_LINES:
            out.append(f"(+{len(lines) - MAX_LINES} weitere Zeilen)")
        return out

    return {"added": cap(added), "removed": cap(removed)}
