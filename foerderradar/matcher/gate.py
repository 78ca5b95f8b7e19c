"""One eligibility gate's answer: in, out or unknown, with the German reason a person can check.

Its own module because the gates live in several modules (eligibility, area, kreisstatus,
population) and each needs the type without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Gate:
    ok: bool | None  # None: unknown, the call is kept and the reason says so
    reason: str


NO_LIMIT = Gate(None, "")  # the text sets no such limit: nothing to say
