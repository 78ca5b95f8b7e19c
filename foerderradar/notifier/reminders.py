"""Which deadline reminders are due on a day — a pure decision, no store and no mail.

A person who marked a call ``applied`` (a running application) or ``relevant`` for a measure wants
to hear about its deadline before it passes, not find it in next Monday's digest. Each municipality
sets the steps (``[reminders] steps``, days before the deadline, default 14 and 3).

The rules, and why:

- A step is *due* from the day it is reached (``days left <= step``) until the deadline itself, so a
  day the service did not run is caught up once on the next run, not lost.
- Only the nearest reached step is due: after two weeks of downtime the 3-day reminder goes out and
  the 14-day one is counted as done (``Reminder.passed``) — two mails about one deadline on one day
  would be noise. No state is needed for that: once the nearer step is reached, the farther one is
  never chosen again.
- Each reminder goes out once per recipient: the ``sent_digests`` ledger keyed by :attr:`Reminder.period`,
  which holds the deadline. A deadline moved later (or earlier) is a new key, so the steps are armed
  again for the new date.
- Marks ``done``, ``dismissed`` and ``rejected`` end reminders; so do a measure that is done or no
  longer in the file, a call without a dated deadline ("laufend"), and a call whose portal says it
  is closed (its deadline no longer applies).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from foerderradar.model import Mark, MarkKind

REMINDED_MARKS: tuple[MarkKind, ...] = ("applied", "relevant")
PERIOD_PREFIX = "frist-"  # sent_digests.period of a reminder (digests: "2026-W49", alerts: "health-…")


@dataclass(frozen=True)
class CallDeadline:
    """What the decision needs of a stored call."""

    deadline: date | None
    closed: bool = False  # the portal says so (status ``closed``), whatever the date


@dataclass(frozen=True)
class Reminder:
    """One reminder due today: a marked (call, measure) pair of one municipality and the step it is for."""

    kommune: str
    call_id: str
    measure_id: str
    mark: MarkKind  # applied | relevant
    note: str | None
    deadline: date
    days_left: int
    step: int
    passed: tuple[int, ...] = ()  # farther steps reached on the same run: counted as done, never sent

    @property
    def period(self) -> str:
        return period_key(self.call_id, self.measure_id, self.deadline, self.step)


def period_key(call_id: str, measure_id: str, deadline: date, step: int) -> str:
    """The ledger's period of one reminder, e.g. ``frist-14-20261215-3f2a9c0d1b7e``.

    ``sent_digests.period`` holds 32 characters and call ids run to 600, so the pair is a hash; the
    step and the deadline stay readable (a moved deadline is visibly a new row). Longest: 31.
    """
    pair = hashlib.sha256(f"{call_id}\0{measure_id}".encode()).hexdigest()[:12]
    return f"{PERIOD_PREFIX}{step}-{deadline:%Y%m%d}-{pair}"


def due_step(deadline: date, as_of: date, steps: Iterable[int]) -> tuple[int, tuple[int, ...]] | None:
    """(the step due on ``as_of``, the farther steps it supersedes), or None when no step is due."""
    days_left = (deadline - as_of).days
    if days_left < 0:
        return None
    reached = sorted({step for step in steps if days_left <= step})
    if not reached:
        return None
    return reached[0], tuple(sorted(reached[1:], reverse=True))


def due_reminders(
    kommune: str,
    marks: Iterable[Mark],
    calls: Mapping[str, CallDeadline],
    measures: Collection[str],
    as_of: date,
    steps: Sequence[int],
) -> list[Reminder]:
    """The reminders of one municipality due on ``as_of``, nearest deadline first.

    ``marks``: the municipality's marks; ``calls``: the marked calls (a call not in it — deleted —
    gets none); ``measures``: the ids of its measures that are not done.
    """
    out: list[Reminder] = []
    for mark in marks:
        if mark.mark not in REMINDED_MARKS or mark.measure_id not in measures:
            continue
        call = calls.get(mark.call_id)
        if call is None or call.deadline is None or call.closed:
            continue
        due = due_step(call.deadline, as_of, steps)
        if due is None:
            continue
        step, passed = due
        out.append(Reminder(kommune, mark.call_id, mark.measure_id, mark.mark, mark.note, call.deadline,
                            (call.deadline - as_of).days, step, passed))
    return sorted(out, key=lambda r: (r.deadline, r.call_id, r.measure_id))
