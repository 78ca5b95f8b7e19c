"""A call's contact and links in the store: stored and read back; a crawl that brings only them
refreshes the call in place — same version, no event, so no GEÄNDERT and no dismissed call coming
back — while a change of anything else is an amendment as before. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from foerderradar.model import FundingCall
from foerderradar.storage import Store, record_to_call, record_to_export

T = datetime(2026, 12, 1, 6, tzinfo=UTC)
BASE: dict[str, Any] = {"source": "nrw", "source_id": "gigabit", "url": "https://www.example.org/gigabit",
                        "title": "Gigabit-Förderung", "deadline": "2027-03-31"}
RL = [{"label": "Richtlinie", "url": "https://www.example.org/rl.pdf"}]
MB = [{"label": "Merkblatt", "url": "https://www.example.org/m.pdf"}]


def call(**extra: Any) -> FundingCall:
    return FundingCall.model_validate({**BASE, **extra})


# (first stored, then crawled, outcome, version after, event kinds after the "new")
STEPS: list[tuple[dict[str, Any], dict[str, Any], str, int, list[str]]] = [
    ({}, {"contact": "Bezirksregierung Detmold", "links": RL}, "unchanged", 1, []),  # gained after 0015: quiet
    ({"contact": "Amt A"}, {"contact": "Amt B"}, "unchanged", 1, []),  # another office: quiet
    ({"links": RL}, {"links": MB}, "unchanged", 1, []),
    ({"links": RL}, {}, "unchanged", 1, []),  # the page lost them: kept current, quietly
    ({}, {"contact": "Amt A", "deadline": "2027-04-30"}, "changed", 2, ["amended"]),  # with a real change
    ({}, {}, "unchanged", 1, []),
]


@pytest.mark.parametrize(("first", "then", "outcome", "version", "events"), STEPS)
def test_contact_and_links_alone_refresh_without_a_new_version(
    store: Store, first: dict[str, Any], then: dict[str, Any], outcome: str, version: int, events: list[str]
) -> None:
    assert store.upsert_call(call(**first), now=T) == "new"
    assert store.upsert_call(call(**then), now=T + timedelta(days=1)) == outcome
    record = store.get_call("nrw:gigabit")
    assert record is not None and record.version == version
    assert record_to_call(record) == call(**then)  # the stored values are the crawled ones
    assert record.content_hash == call(**then).content_hash()  # the next crawl of the same page skips it
    assert [e.kind for e in store.events_of("nrw:gigabit")][1:] == events
    if outcome == "unchanged":
        assert record.changed_at == T


def test_export_carries_them(store: Store) -> None:
    store.upsert_call(call(contact="Amt A, a@example.org", links=RL))
    record = store.get_call("nrw:gigabit")
    assert record is not None
    exported = record_to_export(record)
    assert (exported["contact"], exported["links"]) == ("Amt A, a@example.org", RL)
