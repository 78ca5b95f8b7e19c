"""Programmes on several portals in the store (SQLite and PostgreSQL): grouping, the representative,
idempotence, leaving a group after an amendment, export/import."""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from foerderradar.calls_io import EXPORT_COLUMNS, export_calls, import_calls
from foerderradar.grouping import regroup
from foerderradar.grouping.rule import find_groups
from foerderradar.model import FundingCall
from foerderradar.storage import Store
from foerderradar.storage.tables import CallEvent

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from dedup_rule import SET, load_set

T0 = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
FDB_URL = "https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/Land/Nordrhein-Westfalen/modellregionen.html"


def fdb(**over: Any) -> FundingCall:
    data: dict[str, Any] = {
        "source": "foerderdatenbank", "source_id": "Land/Nordrhein-Westfalen/modellregionen", "url": FDB_URL,
        "title": "Digitale Modellregionen in Nordrhein-Westfalen", "level": "land", "regions": ["DE-NW"],
        "funding_type": ["zuschuss"], "summary": "Pilotprojekte zur Digitalisierung in Modellregionen.",
    }
    return FundingCall.model_validate({**data, **over})


def bank(**over: Any) -> FundingCall:
    data: dict[str, Any] = {
        "source": "nrwbank", "source_id": "15420",
        "url": "https://www.nrwbank.de/de/foerderung/foerderprodukte/15420/digitale-modellregionen.html",
        "title": "Digitale Modellregionen", "level": "land", "regions": ["DE-NW"], "funding_type": ["zuschuss"],
        "funding_rate_pct": 80, "applicants": ["kommune"], "summary": "Zuschüsse bis 80 % für Kommunen.",
    }
    return FundingCall.model_validate({**data, **over})


def other() -> FundingCall:
    return FundingCall(source="foerderdatenbank", source_id="Bund/BMDV/mobilfunk", title="Mobilfunkförderung",
                       url="https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/Bund/BMDV/mobilfunk.html")


def duplicates(store: Store) -> dict[str, str | None]:
    return {r.id: r.duplicate_of for r in store.iter_calls()}


def test_one_programme_two_portals_one_group_the_complete_record_represents(store: Store) -> None:
    store.upsert_calls([fdb(), other()], now=T0)
    store.upsert_call(bank(), now=T0 + timedelta(days=3))
    stats = regroup(store)
    assert (stats.groups, stats.duplicates, stats.changed) == (1, 1, 1)
    # The bank page states rate and applicants: more complete, so it represents the programme
    # although the Förderdatenbank entry was seen first.
    assert duplicates(store) == {bank().id: None, fdb().id: bank().id, other().id: None}
    assert [r.id for r in store.iter_calls(representatives_only=True)] == sorted([bank().id, other().id])
    [sources] = store.sources().values()
    assert [(s.call_id, s.source, s.url) for s in sources] == [
        (bank().id, "nrwbank", bank().url), (fdb().id, "foerderdatenbank", FDB_URL)
    ]


def test_equally_complete_records_the_first_seen_represents(store: Store) -> None:
    store.upsert_call(bank(funding_rate_pct=None, applicants=None, summary="x"), now=T0 + timedelta(days=1))
    store.upsert_call(fdb(summary="x"), now=T0)
    regroup(store)
    assert duplicates(store)[bank().id] == fdb().id


def test_regroup_is_idempotent_and_changes_no_call(store: Store) -> None:
    store.upsert_calls([fdb(), bank(), other()], now=T0)
    regroup(store)
    before = {r.id: (r.content_hash, r.version, r.changed_at, r.last_seen) for r in store.iter_calls()}
    assert regroup(store).changed == 0
    assert {r.id: (r.content_hash, r.version, r.changed_at, r.last_seen) for r in store.iter_calls()} == before
    with store.session() as session:
        kinds = [e.kind for e in session.exec(select(CallEvent)).all()]
    assert kinds == ["new", "new", "new"]  # grouping is bookkeeping, never an amendment


def test_a_call_that_stops_being_similar_leaves_its_group(store: Store) -> None:
    store.upsert_calls([fdb(), bank()], now=T0)
    regroup(store)
    store.upsert_call(fdb(title="Smart-City-Strategien für Mittelstädte"), now=T0 + timedelta(days=1))
    stats = regroup(store)
    assert (stats.groups, stats.changed) == (0, 1)
    assert duplicates(store) == {bank().id: None, fdb().id: None}
    assert store.sources() == {}


def test_a_gone_representative_hands_over(store: Store) -> None:
    store.upsert_calls([fdb(), bank()], now=T0)
    regroup(store)
    store.mark_gone("nrwbank", seen=set(), now=T0 + timedelta(days=1))  # the bank page disappeared
    regroup(store)
    assert duplicates(store) == {fdb().id: None, bank().id: fdb().id}


def test_the_labelled_set_groups_the_same_in_the_store(store: Store) -> None:
    """The store reads only what the rule needs (description cut in SQL): same groups as in memory."""
    items = load_set(SET)
    store.upsert_calls([i.call for i in items], now=T0)
    stats = regroup(store)
    expected = find_groups(i.record for i in items).groups
    stored: dict[str, list[str]] = {}
    for call_id, lead in duplicates(store).items():
        if lead is not None:
            stored.setdefault(lead, [lead]).append(call_id)
    assert sorted(tuple(sorted(g)) for g in stored.values()) == expected
    assert stats.groups == len(expected)


def test_export_names_the_representative_and_import_ignores_it(store: Store) -> None:
    store.upsert_calls([fdb(), bank()], now=T0)
    regroup(store)
    buf = io.StringIO()
    export_calls(store, buf)
    rows = {r["id"]: r for r in map(json.loads, buf.getvalue().splitlines())}
    assert rows[fdb().id]["duplicate_of"] == bank().id and rows[bank().id]["duplicate_of"] is None
    # The contract's fields are all still there, unchanged; duplicate_of is an addition.
    for key in ("id", "source", "source_id", "url", "title", "first_seen", "last_seen", "content_hash", "version"):
        assert key in rows[fdb().id]
    # additions at the end, in the order they came
    assert EXPORT_COLUMNS[-4:] == ["duplicate_of", "short_id", "contact", "links"]
    again = import_calls(buf.getvalue().splitlines(), store)
    assert (again.unchanged, again.problems) == (2, [])
