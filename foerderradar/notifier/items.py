"""The digest's per-measure data: one item per (measure, call) pair, one section per measure.

Kept apart from :mod:`foerderradar.notifier.digest` (which builds them) so that the programme cards
(:mod:`foerderradar.notifier.cards`) can read them without importing the digest that uses the cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from foerderradar.notifier import formatting as fmt

ItemState = Literal["new", "changed", "existing"]
STATE_RANK: dict[ItemState, int] = {"new": 0, "changed": 1, "existing": 2}


@dataclass(frozen=True)
class SourceLink:
    """Another portal's page about the same programme (untrusted URL: templates filter it)."""

    label: str  # the portal's name from portals.yaml, else its key
    url: str


@dataclass(frozen=True)
class PageLink:
    """A page about the call beyond its portal page: the Richtlinie, a Merkblatt, the Antragsportal
    (FundingCall.links; untrusted URL: templates filter it)."""

    label: str
    url: str


@dataclass(frozen=True)
class Action:
    """A feedback link of one item: opens the web app's confirmation page (nothing is recorded by
    opening it) or, for ``mark`` None, the call's page."""

    label: str
    url: str
    mark: str | None = None


# The marks a digest offers per item, in this order (the web page offers all of them).
MAIL_MARKS = (("relevant", "Relevant"), ("dismissed", "Verwerfen"), ("applied", "Beantragt"))


@dataclass(frozen=True)
class DigestItem:
    """One call under one measure. Text fields are scraped, hence untrusted: templates escape them."""

    call_id: str
    title: str
    url: str
    score: float
    reasons: tuple[str, ...]
    state: ItemState
    funding_body: str | None
    funding_rate_pct: float | None
    max_amount_eur: float | None
    deadline: date | None
    deadline_label: str  # "31.12.2026", the portal's wording ("laufend") or "keine Angabe"
    days_left: int | None
    deadline_soon: bool
    also: tuple[SourceLink, ...] = ()  # the programme's pages on other portals
    changes: tuple[str, ...] = ()  # what an amendment changed, in German (see notifier/changes.py)
    actions: tuple[Action, ...] = ()  # feedback links (with a web app address), see Action
    what: str | None = None  # one sentence of what the programme funds (its summary's first)
    funding_kind: str | None = None  # "Zuschuss", "Darlehen", … (the first funding type)
    short_id: str = ""  # the call's human id (contract: "Human call ids"), empty where not stored
    eligible: bool = True  # False only in a report asked for everything (`match --all`)
    contact: str | None = None  # whom to ask, one line (FundingCall.contact)
    links: tuple[PageLink, ...] = ()  # Richtlinie, Merkblatt, … first (FundingCall.links)

    @property
    def is_new(self) -> bool:
        return self.state == "new"

    @property
    def is_changed(self) -> bool:
        return self.state == "changed"

    @property
    def score_label(self) -> str:
        return f"{round(self.score)}/100"

    @property
    def rate_label(self) -> str | None:
        return None if self.funding_rate_pct is None else f"bis zu {fmt.percent(self.funding_rate_pct)}"

    @property
    def amount_label(self) -> str | None:
        return None if self.max_amount_eur is None else f"max. {fmt.euro(self.max_amount_eur)}"

    @property
    def days_left_label(self) -> str | None:
        return fmt.days_left_label(self.days_left)


@dataclass(frozen=True)
class MeasureSection:
    measure_id: str
    title: str
    items: tuple[DigestItem, ...]  # at most settings.digest.max_per_measure
    hidden: int  # matches left out by the cap

    @property
    def more_label(self) -> str | None:
        return fmt.more_label(self.hidden) if self.hidden else None
