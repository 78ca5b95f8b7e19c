"""The matcher's output: one scored (measure, call) pair, shared by reports and the digest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from foerderradar.model import Status


@dataclass(frozen=True)
class Match:
    measure_id: str
    call_id: str
    title: str
    url: str
    score: float  # 0–100
    eligible: bool
    deadline: date | None
    status: Status
    reasons: list[str] = field(default_factory=list)  # short German sentences a person can check

    def to_json(self) -> dict[str, Any]:
        """The contract's JSON shape for `match --format json`."""
        return {
            "measure_id": self.measure_id,
            "call_id": self.call_id,
            "title": self.title,
            "url": self.url,
            "score": round(self.score, 1),
            "eligible": self.eligible,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "status": self.status,
            "reasons": list(self.reasons),
        }
