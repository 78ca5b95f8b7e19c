"""The matcher's output: one scored (measure, call) pair, shared by reports and the digest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from foerderradar.model import CallSource, Status


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
    # Every portal page of the programme, this call first (match_calls always fills it; a Match
    # built by hand may leave it empty, and then ``url`` is the one page).
    sources: tuple[CallSource, ...] = ()

    @property
    def other_sources(self) -> tuple[CallSource, ...]:
        """The programme's pages on other portals: what reports list under "auch bei"."""
        return tuple(s for s in self.sources if s.call_id != self.call_id)

    @property
    def other_pages(self) -> tuple[CallSource, ...]:
        """The other portals' pages worth a link: one per address, none repeating this call's own
        (the Förderdatenbank's export and its HTML pages name the same site page)."""
        seen = {self.url}
        pages = []
        for source in self.other_sources:
            if source.url not in seen:
                seen.add(source.url)
                pages.append(source)
        return tuple(pages)

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
            # Added with cross-portal de-duplication; the keys above are the contract's and unchanged.
            "sources": [
                {"call_id": s.call_id, "source": s.source, "url": s.url, "title": s.title}
                for s in (self.sources or ())
            ],
        }
