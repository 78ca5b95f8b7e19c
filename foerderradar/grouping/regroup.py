"""Regrouping the stored calls: which of them are one programme, and which call represents it.

Recomputed from scratch after every crawl and import (``jobs.after_ingest``), so it is idempotent
(a repeat writes nothing) and a call that stops being similar after an amendment leaves its group.
Reads only the columns the rule needs (the description cut to its start); the rule compares
candidate pairs from blocking, not all pairs. Content, versions and events are never touched:
grouping is bookkeeping, not a change of the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from foerderradar.grouping.rule import DEFAULT_RULE, DedupRecord, Rule, find_groups
from foerderradar.storage import Store

# Fields a person acts on: a call that states them represents its group before one that does not.
_ACTION_FIELDS = ("deadline", "funding_rate_pct", "max_amount_eur", "applicants", "open_date", "deadline_text")
_OTHER_FIELDS = ("summary", "description", "funding_body", "level", "regions", "funding_type", "topics", "status")
# What regrouping reads of every stored call: the rule's fields and what ranks a representative.
_COLUMNS = (
    "id", "source", "url", "title", "summary", "description", "level", "regions", "funding_type", "duplicate_of",
    "gone_at", "first_seen", *_ACTION_FIELDS, "funding_body", "topics", "status",
)


@dataclass(frozen=True)
class GroupStats:
    """What :func:`regroup` found: groups of two or more calls, and what it had to write."""

    groups: int = 0
    duplicates: int = 0  # calls that point to another call (members other than the representative)
    changed: int = 0  # rows whose duplicate_of this run changed (0 on a repeat: idempotent)
    compared: int = 0  # candidate pairs the rule looked at


def representative_key(row: Any) -> tuple[bool, int, int, datetime, str]:
    """Sort key; the smallest represents the group. Deterministic, and documented in
    docs/architecture.md: a call still listed (not gone) first; then the most complete record —
    first the fields a person acts on (deadline, rate, amount, applicants, opening date), then the
    rest; then the call seen first (so the group keeps its id and history when nothing is better);
    then the id. Bank and Bezirksregierung pages usually state rate, amount and deadline, so the
    more specific source tends to win over the aggregator by completeness alone."""
    action = sum(getattr(row, f) not in (None, "", []) for f in _ACTION_FIELDS)
    other = sum(getattr(row, f) not in (None, "", [], "unknown") for f in _OTHER_FIELDS)
    return (row.gone_at is not None, -action, -other, row.first_seen, row.id)


def regroup(store: Store, rule: Rule | None = None) -> GroupStats:
    """Recompute which calls are one programme and have the store keep it in ``calls.duplicate_of``."""
    text_chars = DedupRecord.TEXT_CHARS
    rows = {row.id: row for row in store.call_columns(_COLUMNS, cut={"description": text_chars})}
    records = [
        DedupRecord(
            id=row.id, source=row.source, url=row.url, title=row.title,
            text=" ".join(t for t in (row.summary, row.description) if t)[:text_chars], level=row.level,
            regions=tuple(row.regions or ()), funding_type=tuple(row.funding_type or ()),
        )
        for row in rows.values()
    ]
    grouping = find_groups(records, rule or DEFAULT_RULE)
    wanted: dict[str, str | None] = dict.fromkeys(rows)
    for group in grouping.groups:
        leader = min((rows[i] for i in group), key=representative_key).id
        for member in group:
            wanted[member] = None if member == leader else leader
    moves: dict[str | None, list[str]] = {}
    for call_id, target in wanted.items():
        if rows[call_id].duplicate_of != target:
            moves.setdefault(target, []).append(call_id)
    store.set_duplicate_of(moves)
    return GroupStats(
        groups=len(grouping.groups),
        duplicates=sum(target is not None for target in wanted.values()),
        changed=sum(len(ids) for ids in moves.values()),
        compared=grouping.compared,
    )
