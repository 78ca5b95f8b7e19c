"""Which reminders are due on a day (notifier/reminders.py): pure, so every rule is a table row."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from foerderradar.model import Mark, MarkKind
from foerderradar.notifier.reminders import CallDeadline, due_reminders, due_step, period_key

AS_OF = date(2026, 12, 1)
STEPS = (14, 3)
MARKED = datetime(2026, 11, 1, tzinfo=UTC)


def in_days(days: int) -> date:
    return AS_OF + timedelta(days=days)


DUE_STEP = [
    # (days left, steps, (step due, steps passed over) or None)
    (15, STEPS, None),
    (14, STEPS, (14, ())),
    (13, STEPS, (14, ())),
    (4, STEPS, (14, ())),
    (3, STEPS, (3, (14,))),
    (1, STEPS, (3, (14,))),
    (0, STEPS, (3, (14,))),  # the deadline day itself still reminds
    (-1, STEPS, None),  # past: nothing
    (5, (3, 14, 7), (7, (14,))),  # any order of steps
    (10, (), None),  # reminders off
    (1, (1,), (1, ())),
]


@pytest.mark.parametrize(("days", "steps", "expected"), DUE_STEP)
def test_due_step(days: int, steps: tuple[int, ...], expected: tuple[int, tuple[int, ...]] | None) -> None:
    assert due_step(in_days(days), AS_OF, steps) == expected


def mark(kind: MarkKind, call: str = "nrw:gigabit", measure: str = "breitband", note: str | None = None) -> Mark:
    return Mark(measure, call, kind, 1, MARKED, note, kommune="verl")


DUE = [
    # (marks, calls, open measures, expected (call, measure, step, days left) list)
    ([mark("applied", note="Az. 4711")], {"nrw:gigabit": CallDeadline(in_days(14))}, {"breitband"},
     [("nrw:gigabit", "breitband", 14, 14)]),
    ([mark("relevant")], {"nrw:gigabit": CallDeadline(in_days(13))}, {"breitband"},
     [("nrw:gigabit", "breitband", 14, 13)]),
    ([mark("relevant")], {"nrw:gigabit": CallDeadline(in_days(15))}, {"breitband"}, []),
    ([mark("applied")], {"nrw:gigabit": CallDeadline(in_days(3))}, {"breitband"}, [("nrw:gigabit", "breitband", 3, 3)]),
    ([mark("applied")], {"nrw:gigabit": CallDeadline(in_days(-1))}, {"breitband"}, []),
    ([mark("done")], {"nrw:gigabit": CallDeadline(in_days(3))}, {"breitband"}, []),
    ([mark("dismissed")], {"nrw:gigabit": CallDeadline(in_days(3))}, {"breitband"}, []),
    ([mark("rejected")], {"nrw:gigabit": CallDeadline(in_days(3))}, {"breitband"}, []),
    ([mark("applied")], {"nrw:gigabit": CallDeadline(None)}, {"breitband"}, []),  # "laufend": no date
    ([mark("applied")], {"nrw:gigabit": CallDeadline(in_days(3), closed=True)}, {"breitband"}, []),
    ([mark("applied")], {}, {"breitband"}, []),  # the call is no longer stored
    ([mark("applied")], {"nrw:gigabit": CallDeadline(in_days(3))}, set(), []),  # measure done or removed
    # one call marked for two measures: a reminder each; nearest deadline first
    ([mark("applied", measure="schulen"), mark("relevant"), mark("applied", call="bund:dp")],
     {"nrw:gigabit": CallDeadline(in_days(10)), "bund:dp": CallDeadline(in_days(2))}, {"breitband", "schulen"},
     [("bund:dp", "breitband", 3, 2), ("nrw:gigabit", "breitband", 14, 10), ("nrw:gigabit", "schulen", 14, 10)]),
]


@pytest.mark.parametrize(("marks", "calls", "measures", "expected"), DUE)
def test_due_reminders(
    marks: list[Mark], calls: dict[str, CallDeadline], measures: set[str], expected: list[tuple[str, str, int, int]]
) -> None:
    due = due_reminders("verl", marks, calls, measures, AS_OF, STEPS)
    assert [(r.call_id, r.measure_id, r.step, r.days_left) for r in due] == expected
    assert all(r.kommune == "verl" for r in due)


def test_a_reminder_carries_the_mark_and_its_note() -> None:
    [due] = due_reminders("verl", [mark("applied", note="Az. 4711")], {"nrw:gigabit": CallDeadline(in_days(2))},
                          {"breitband"}, AS_OF, STEPS)
    assert (due.mark, due.note, due.deadline, due.passed) == ("applied", "Az. 4711", in_days(2), (14,))


# A run of days: which reminders go out, with a ledger of what was sent (as the real one does).
# (days the service runs, deadline per run day (a moved deadline), expected sends (run day, step, deadline))
D = in_days(20)
LATER = in_days(30)
RUNS = [
    ("daily", list(range(0, 22)), {}, [(6, 14, D), (17, 3, D)]),
    ("14 missed, caught up once", [0, 5, 8, 9, 10], {}, [(8, 14, D)]),
    ("both steps due on one run: only the nearer", [0, 18, 19, 20], {}, [(18, 3, D)]),
    ("a run after the deadline: nothing", [21, 22], {}, []),
    ("deadline moved later: steps armed again", list(range(0, 22)), {10: LATER},
     [(6, 14, D), (16, 14, LATER)]),
    ("deadline moved later after both were sent", list(range(0, 30)), {19: LATER},
     [(6, 14, D), (17, 3, D), (19, 14, LATER), (27, 3, LATER)]),
]


@pytest.mark.parametrize(("name", "days", "moves", "expected"), RUNS, ids=[r[0] for r in RUNS])
def test_each_step_goes_out_once(
    name: str, days: list[int], moves: dict[int, date], expected: list[tuple[int, int, date]]
) -> None:
    sent: set[str] = set()
    out = []
    deadline = D
    for day in days:
        deadline = moves.get(day, deadline)
        for r in due_reminders("verl", [mark("applied")], {"nrw:gigabit": CallDeadline(deadline)}, {"breitband"},
                               in_days(day), STEPS):
            if r.period not in sent:
                sent.add(r.period)
                out.append((day, r.step, r.deadline))
    assert out == expected


def test_period_key_fits_the_ledger_and_tells_reminders_apart() -> None:
    long_id = "foerderdatenbank:" + "x" * 580
    keys = {
        period_key(long_id, "breitband", D, 365),
        period_key(long_id, "breitband", D, 14),
        period_key(long_id, "schulen", D, 14),
        period_key(long_id, "breitband", LATER, 14),
        period_key("nrw:gigabit", "breitband", D, 14),
    }
    assert len(keys) == 5
    assert all(len(k) <= 32 for k in keys)  # sent_digests.period is 32 wide
    assert period_key("nrw:gigabit", "breitband", D, 14) == period_key("nrw:gigabit", "breitband", D, 14)
    assert period_key("nrw:gigabit", "breitband", D, 14).startswith(f"frist-14-{D:%Y%m%d}-")
