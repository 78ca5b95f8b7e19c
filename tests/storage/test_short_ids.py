"""Short call ids (``calls.short_id``): the id function (format, never a ``:``, collisions), the
store giving them (once, stable across re-crawls and new versions, unique — on SQLite and
PostgreSQL) and the one resolver every command and page reads a typed call id with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from foerderradar.model import FundingCall
from foerderradar.storage import Store, UnknownCall
from foerderradar.storage.short_ids import ALPHABET, LENGTH, MAX_LENGTH, assign, code, normalized, short_id
from foerderradar.storage.tables import CallRecord

T = datetime(2026, 11, 20, tzinfo=UTC)
FDB_ID = "foerderdatenbank:FDB/Content/DE/Foerderprogramm/Land/NRW/gigabit.html"
# Two pairs of ids whose codes share their first five characters (found by trying; pinned here).
PAIR_A = ("nrw:aufruf-1134", "nrw:aufruf-4200")  # codes DPER6Q…, DPER6M…
PAIR_B = ("nrw:aufruf-2429", "nrw:aufruf-5589")  # codes GPKWJG…, GPKWJE…

# (call id, its short id) — pinned: a change of the rule would change every id people wrote down.
FORMAT = [
    ("nrw:gigabit", "F9RR0"),
    (FDB_ID, "NTNW3"),
    ("eu:DIGITAL-2027-AI-01", "XP0J1"),
    ("nrw:straße-ö", "K05BY"),
    ("x:" + "a" * 600, "B2N3R"),
    (PAIR_A[0], "DPER6"),
    (PAIR_A[1], "DPER6"),
]


@pytest.mark.parametrize(("call_id", "expected"), FORMAT)
def test_the_short_id_is_five_crockford_characters_of_the_ids_hash(call_id: str, expected: str) -> None:
    given = short_id(call_id)
    assert given == expected == code(call_id)[:LENGTH]
    assert ":" not in given and given == given.upper() and set(given) <= set(ALPHABET)
    assert not set("ILOU") & set(ALPHABET)  # nothing to confuse with 1 and 0, no accidental words


# (call id, short ids already given, expected) — a taken id gives way to a longer prefix of the code.
COLLISIONS = [
    (PAIR_A[1], set(), "DPER6"),
    (PAIR_A[1], {"DPER6"}, "DPER6M"),
    (PAIR_A[0], {"DPER6"}, "DPER6Q"),
    (PAIR_A[1], {"DPER6", "DPER6M"}, "DPER6MV"),
    (PAIR_A[1], {"DPER6M"}, "DPER6"),  # a longer id taken does not matter while the short one is free
    (PAIR_B[0], {"DPER6"}, "GPKWJ"),
]


@pytest.mark.parametrize(("call_id", "taken", "expected"), COLLISIONS)
def test_a_collision_gives_the_next_longer_prefix(call_id: str, taken: set[str], expected: str) -> None:
    assert short_id(call_id, taken) == expected
    assert code(call_id).startswith(expected)


def test_no_free_id_at_all_is_an_error_not_a_loop() -> None:
    every = {code(PAIR_A[0])[:n] for n in range(LENGTH, MAX_LENGTH + 1)}
    with pytest.raises(ValueError, match="no free short id"):
        short_id(PAIR_A[0], every)


def test_assign_gives_the_earlier_call_the_short_form() -> None:
    assert assign([*PAIR_A, *PAIR_B]) == {
        PAIR_A[0]: "DPER6", PAIR_A[1]: "DPER6M", PAIR_B[0]: "GPKWJ", PAIR_B[1]: "GPKWJE",
    }
    taken = {"DPER6"}
    assert assign([PAIR_A[1]], taken) == {PAIR_A[1]: "DPER6M"} and taken == {"DPER6", "DPER6M"}


# (typed, the short id it means or None)
TYPED = [
    ("F9RR0", "F9RR0"),
    ("f9rr0", "F9RR0"),
    ("  F9rR0\n", "F9RR0"),
    ("F9RRO", "F9RR0"),  # the letter O for the digit 0
    ("i9lr0", "191R0"),  # I and L for 1
    ("dper6m", "DPER6M"),
    ("nrw:gigabit", None),  # a full id is never read as a short one
    ("F9RR", None),  # too short
    ("F9RR0" + "0" * MAX_LENGTH, None),  # too long
    ("F9RU0", None),  # U is not in the alphabet
    ("F9-R0", None),
    ("", None),
]


@pytest.mark.parametrize(("typed", "expected"), TYPED)
def test_what_people_type_is_read_forgivingly(typed: str, expected: str | None) -> None:
    assert normalized(typed) == expected


# -- in the store (SQLite and PostgreSQL) --------------------------------------------------------


def call(source_id: str, title: str = "Gigabit für Gewerbegebiete", **kw: object) -> FundingCall:
    return FundingCall.model_validate({
        "source": "nrw", "source_id": source_id, "url": f"https://www.example.org/{source_id}", "title": title, **kw,
    })


def short_of(store: Store, call_id: str) -> str:
    record = store.get_call(call_id)
    assert record is not None and record.short_id
    return record.short_id


def test_the_short_id_is_given_once_and_survives_recrawls_versions_and_gone(store: Store) -> None:
    assert store.upsert_call(call("gigabit"), now=T) == "new"
    assert short_of(store, "nrw:gigabit") == "F9RR0"
    steps = [
        lambda: store.upsert_call(call("gigabit"), now=T + timedelta(days=1)),  # the same again: unchanged
        lambda: store.upsert_call(call("gigabit", "Gigabit 2027", deadline="2027-03-31"), now=T + timedelta(days=2)),
        lambda: store.mark_gone("nrw", set(), now=T + timedelta(days=3)),
        lambda: store.upsert_call(call("gigabit", "Gigabit 2028"), now=T + timedelta(days=4)),  # back, amended
        lambda: store.set_duplicate_of({"nrw:other": ["nrw:gigabit"]}),
    ]
    for step in steps:
        step()
        assert short_of(store, "nrw:gigabit") == "F9RR0"
    record = store.get_call("nrw:gigabit")
    assert record is not None and record.version == 3  # the versions really changed meanwhile


@pytest.mark.parametrize("order", ["in id order", "reversed"])
@pytest.mark.parametrize("batch", [True, False], ids=["one transaction", "one by one"])
def test_colliding_calls_get_distinct_ids_the_first_stored_keeping_the_short_one(
    store: Store, order: str, batch: bool
) -> None:
    ids = list(PAIR_A) if order == "in id order" else list(reversed(PAIR_A))
    calls = [call(call_id.split(":", 1)[1]) for call_id in ids]
    if batch:
        assert store.upsert_calls(calls, now=T) == ["new", "new"]
    else:
        assert [store.upsert_call(c, now=T) for c in calls] == ["new", "new"]
    first, second = ids
    assert short_of(store, first) == "DPER6"
    assert short_of(store, second) == code(second)[:6]
    # Stored again (a re-crawl), nothing moves.
    store.upsert_calls(calls, now=T + timedelta(days=1))
    assert [short_of(store, i) for i in ids] == ["DPER6", code(second)[:6]]


def test_short_ids_are_unique_in_the_table(store: Store) -> None:
    calls = [call(f"aufruf-{n}") for n in range(0, 6000, 7)] + [call(i.split(":", 1)[1]) for i in (*PAIR_A, *PAIR_B)]
    store.upsert_calls(calls, now=T)
    with store.session() as session:
        rows = session.execute(sa.select(CallRecord.id, CallRecord.short_id)).all()  # type: ignore[call-overload]
    given = [short for _, short in rows]
    assert len(rows) == len({c.id for c in calls}) and len(set(given)) == len(given)
    assert all(short and ":" not in short for short in given)
    # The unique index holds even against a write that bypasses the store.
    with pytest.raises(sa.exc.IntegrityError), store.session() as session:
        session.execute(sa.update(CallRecord).values(short_id="AAAAA"))
        session.commit()


# (typed, the call it finds or None for "unknown")
RESOLVE = [
    ("nrw:aufruf-1134", "nrw:aufruf-1134"),
    ("DPER6", "nrw:aufruf-1134"),
    ("dper6", "nrw:aufruf-1134"),
    (" Dper6m ", "nrw:aufruf-4200"),
    ("DPER6M", "nrw:aufruf-4200"),
    ("F9RRO", "nrw:gigabit"),  # O read as 0
    ("NRW:GIGABIT", None),  # a full id is exact
    ("nrw:nope", None),
    ("ZZZZZ", None),
    ("DPER6Q", None),  # aufruf-1134's longer prefix: not its id
    ("", None),
]


@pytest.mark.parametrize(("typed", "expected"), RESOLVE)
def test_the_resolver_reads_the_full_id_then_the_short_id(store: Store, typed: str, expected: str | None) -> None:
    store.upsert_calls([call("aufruf-1134"), call("aufruf-4200"), call("gigabit")], now=T)
    if expected is None:
        with pytest.raises(UnknownCall) as raised:
            store.resolve_call(typed)
        assert raised.value.message.startswith(f"Unbekannter Förderaufruf {typed!r}")
    else:
        assert store.resolve_call(typed).id == expected


def test_the_export_carries_the_short_id(store: Store) -> None:
    from foerderradar.storage import record_to_export

    store.upsert_call(call("gigabit"), now=T)
    record = store.get_call("nrw:gigabit")
    assert record is not None
    exported = record_to_export(record)
    assert exported["short_id"] == "F9RR0" and list(exported)[-1] == "short_id"
    # Import ignores it, like the store's other keys: the store decides short ids.
    assert FundingCall.model_validate(exported).id == "nrw:gigabit"


def test_a_worker_storing_a_colliding_call_meanwhile_pushes_the_other_to_the_longer_id(store: Store) -> None:
    """Another crawl worker has inserted a call with the same five characters and not committed yet:
    the store's insert waits for it (PostgreSQL: the unique index; SQLite: the write lock), is then
    skipped, finds its id still free and takes the next longer prefix."""
    import threading
    import time

    other = store.engine.connect()
    transaction = other.begin()
    first = call("aufruf-1134").model_dump()
    other.execute(sa.insert(CallRecord), {  # type: ignore[arg-type]
        "id": "nrw:aufruf-1134", **first, "first_seen": T, "last_seen": T, "changed_at": T,
        "content_hash": "0" * 64, "version": 1, "short_id": "DPER6",
    })
    outcome: list[str] = []
    worker = threading.Thread(target=lambda: outcome.append(store.upsert_call(call("aufruf-4200"), now=T)))
    worker.start()
    time.sleep(0.5)  # let the worker reach its insert; the result is the same if it has not yet
    transaction.commit()
    other.close()
    worker.join(timeout=60)
    assert outcome == ["new"]
    assert short_of(store, "nrw:aufruf-1134") == "DPER6" and short_of(store, "nrw:aufruf-4200") == "DPER6M"
