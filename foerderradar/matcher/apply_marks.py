"""Applying a person's marks to fresh matches: what they dismissed stays away, what they applied
for moves to "laufende Anträge", what they confirmed says so.

Pure functions of matches, plain marks (:class:`foerderradar.model.Mark`) and current call
versions, so the report, the digest and the feeds — all through ``jobs.match_stored_calls`` —
apply feedback the same way, and the matcher never sees the store's tables.

- ``dismissed`` and ``rejected``: the pair is not listed again — unless the call was amended after
  the mark (a changed deadline or scope can make a dismissed call fit), then it comes back with a
  reason saying so.
- ``applied``: the pair leaves the match list and is listed among the running applications, with
  its deadline, whether or not it still matches.
- ``relevant``: the match stays and carries a reason "von Ihnen als relevant markiert".
- ``done`` (erledigt): the pair is finished — not listed again, not even after an amendment (a later
  round of the programme is a call of its own), and no longer a running application.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from foerderradar.model import Mark, Match

HIDING = ("dismissed", "rejected")
RELEVANT_REASON = "von Ihnen als relevant markiert"


@dataclass(frozen=True)
class Application:
    """A call the city applied for (mark ``applied``) under one measure."""

    measure_id: str
    call_id: str
    note: str | None
    marked_at: date


def apply_marks(
    matches: Iterable[Match], marks: Iterable[Mark], versions: Mapping[str, int]
) -> tuple[list[Match], list[Application]]:
    by_pair = {(m.measure_id, m.call_id): m for m in marks}
    kept: list[Match] = []
    for match in matches:
        mark = by_pair.get((match.measure_id, match.call_id))
        if mark is None:
            kept.append(match)
        elif mark.mark == "done":
            continue
        elif mark.mark in HIDING:
            if versions.get(match.call_id, 0) > mark.call_version:
                label = "verworfen" if mark.mark == "dismissed" else "abgelehnt"
                kept.append(replace(match, reasons=[*match.reasons, f"seit Ihrer Markierung „{label}“ geändert"]))
        elif mark.mark == "relevant":
            kept.append(replace(match, reasons=[RELEVANT_REASON, *match.reasons]))
        # applied: listed as a running application instead
    applications = [
        Application(m.measure_id, m.call_id, m.note, m.marked_at.date())
        for m in by_pair.values()
        if m.mark == "applied"
    ]
    return kept, applications
