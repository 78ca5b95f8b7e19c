"""What changed in a call, in German, from its typed change events ("Frist verschoben: …").

The digest marks a call GEÄNDERT; the digital manager then needs to know whether that is a moved
deadline (act now) or a reworded paragraph (ignore). Everything comes from ``call_events``: the
fields an amendment changed, the old/new values of the ones a person acts on, and the added lines
of a changed description — never from diffing pages again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from foerderradar.notifier import formatting as fmt
from foerderradar.storage.tables import CallEvent

FIELD_NAMES = {
    "title": "Titel", "summary": "Kurzbeschreibung", "funding_body": "Fördergeber", "regions": "Fördergebiet",
    "applicants": "Antragsberechtigte", "funding_type": "Förderart", "topics": "Themen",
    "deadline_text": "Fristangabe", "url": "Adresse", "level": "Ebene",
}  # fmt: skip
MAX_LINES = 4
MAX_QUOTE = 160


def _value(field: str, value: Any) -> str:
    if value is None:
        return "keine Angabe"
    if field in ("deadline", "open_date"):
        return fmt.german_date(date.fromisoformat(str(value)))
    if field == "funding_rate_pct":
        return fmt.percent(float(value))
    if field == "max_amount_eur":
        return fmt.euro(float(value))
    return str(value)


_DETAIL_LABELS = {
    "deadline": "Frist verschoben", "funding_rate_pct": "Förderquote geändert",
    "max_amount_eur": "Höchstbetrag geändert", "open_date": "Beginn geändert", "status": "Status geändert",
}  # fmt: skip


def describe(events: Iterable[CallEvent]) -> list[str]:
    """Short German lines, oldest change first, at most MAX_LINES (the newest value wins per field)."""
    moves: dict[str, list[Any]] = {}
    other: list[str] = []
    added: list[str] = []
    lines: list[str] = []
    for event in sorted(events, key=lambda e: (e.at, e.id or 0)):
        if event.kind == "closed":
            lines.append("Antragstellung geschlossen")
        elif event.kind == "back":
            lines.append("wieder auf dem Portal gelistet")
        elif event.kind == "amended":
            details = event.details or {}
            for field, change in details.items():
                if field in _DETAIL_LABELS and isinstance(change, list) and len(change) == 2:
                    first = moves.get(field, change)[0]
                    moves[field] = [first, change[1]]
                elif field == "description" and isinstance(change, dict):
                    added.extend(str(line) for line in change.get("added", []))
            other.extend(f for f in event.fields or [] if f in FIELD_NAMES)
            if "description" in (event.fields or []) and "description" not in details:
                added.append("")
    out = [
        f"{_DETAIL_LABELS[field]}: {_value(field, old)} → {_value(field, new)}"
        for field, (old, new) in moves.items()
        if old != new
    ]
    names = [FIELD_NAMES[f] for f in other]
    if names:
        out.append("geändert: " + ", ".join(dict.fromkeys(names)))
    quoted = next((line for line in added if line), None)
    if quoted:
        short = quoted if len(quoted) <= MAX_QUOTE else quoted[: MAX_QUOTE - 1] + "…"
        out.append(f"neu im Text: „{short}“")
    elif added:
        out.append("Beschreibung geändert")
    return [*lines, *out][:MAX_LINES]
