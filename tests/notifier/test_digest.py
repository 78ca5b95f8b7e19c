"""What the digest says: ordering, new/changed, caps, counts and German wording (no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from foerderradar.model import Match
from foerderradar.notifier import formatting as fmt
from foerderradar.notifier.digest import Digest, HealthLine, build_digest, item_state, period_key
from foerderradar.settings import AppSettings, Config, DigestSettings, MeasuresFile
from foerderradar.storage.tables import CallRecord

AS_OF = date(2026, 11, 23)  # Monday of 2026-W48
LAST_DIGEST = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
BEFORE = LAST_DIGEST - timedelta(days=30)
AFTER = LAST_DIGEST + timedelta(days=2)
NBSP = "\u00a0"


def make_config(tmp_path: Path, **digest: Any) -> Config:
    measures = MeasuresFile.model_validate(
        {
            "city": {"name": "Schloß Holte-Stukenbrock", "region": "DE-NW", "applicant_types": ["kommune"]},
            "measures": [
                {"id": "wlan-schulen", "title": "WLAN an allen Schulen"},
                {"id": "ratsinfo", "title": "Ratsinformationssystem", "status": "done"},
                {"id": "geoportal", "title": "Geoportal", "status": "planned"},
                {"id": "glasfaser", "title": "Glasfaser für das Gewerbegebiet"},
            ],
        }
    )
    settings = AppSettings(digest=DigestSettings(**digest))
    return Config(directory=tmp_path, measures=measures, portals=[], settings=settings)


def record(
    call_id: str,
    *,
    first_seen: datetime = BEFORE,
    changed_at: datetime | None = None,
    version: int = 1,
    **fields: Any,
) -> CallRecord:
    source, _, source_id = call_id.partition(":")
    return CallRecord(
        id=call_id,
        source=source,
        source_id=source_id,
        url=f"https://example.org/{source_id}",
        title=f"Aufruf {source_id}",
        first_seen=first_seen,
        last_seen=first_seen,
        changed_at=changed_at or first_seen,
        content_hash="0" * 64,
        version=version,
        **fields,
    )


def match(measure_id: str, call_id: str, score: float = 50, deadline: date | None = None) -> Match:
    source_id = call_id.partition(":")[2]
    return Match(
        measure_id=measure_id,
        call_id=call_id,
        title=f"Aufruf {source_id}",
        url=f"https://example.org/{source_id}",
        score=score,
        eligible=True,
        deadline=deadline,
        status="open",
        reasons=["Begriff „WLAN“ in Titel"],
    )


# -- wording tables ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 23), "2026-W48"),
        (date(2026, 11, 29), "2026-W48"),  # Sunday: same week
        (date(2026, 1, 5), "2026-W02"),  # zero-padded, so string order is time order
        (date(2024, 12, 30), "2025-W01"),  # ISO year differs from calendar year
        (date(2027, 1, 1), "2026-W53"),
    ],
)
def test_period_key_is_the_iso_week(day: date, expected: str) -> None:
    assert period_key(day) == expected


@pytest.mark.parametrize(
    ("new", "changed", "soon", "soon_days", "expected"),
    [
        (0, 0, 0, 14, "Keine neuen passenden Förderaufrufe, keine Frist in den nächsten 14 Tagen"),
        (1, 0, 0, 14, "1 neuer passender Förderaufruf, keine Frist in den nächsten 14 Tagen"),
        (3, 0, 1, 14, "3 neue passende Förderaufrufe, 1 Frist in den nächsten 14 Tagen"),
        (2, 1, 2, 7, "2 neue passende Förderaufrufe, 1 geänderter Förderaufruf, 2 Fristen in den nächsten 7 Tagen"),
        (
            0, 3, 0, 3,
            "Keine neuen passenden Förderaufrufe, 3 geänderte Förderaufrufe, keine Frist in den nächsten 3 Tagen",
        ),
        (1, 0, 1, 1, "1 neuer passender Förderaufruf, 1 Frist bis morgen"),
    ],
)
def test_summary_line_singular_and_plural(new: int, changed: int, soon: int, soon_days: int, expected: str) -> None:
    assert fmt.summary_line(new, changed, soon, soon_days) == expected


@pytest.mark.parametrize(
    ("deadline", "text", "expected"),
    [
        (date(2026, 12, 1), None, "01.12.2026"),
        (date(2027, 3, 31), "31. März 2027, 12 Uhr", "31.03.2027"),  # the date wins over wording
        (None, "laufend", "laufend"),
        (None, "  bis auf\n Weiteres ", "bis auf Weiteres"),
        (None, None, "keine Angabe"),
        (None, "x" * 200, "x" * 79 + "…"),
    ],
)
def test_deadline_label(deadline: date | None, text: str | None, expected: str) -> None:
    assert fmt.deadline_label(deadline, text) == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [(None, None), (-1, "abgelaufen"), (0, "endet heute"), (1, "noch 1 Tag"), (14, "noch 14 Tage")],
)
def test_days_left_label(days: int | None, expected: str | None) -> None:
    assert fmt.days_left_label(days) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(250000, f"250.000{NBSP}€"), (1_500_000.4, f"1.500.000{NBSP}€"), (999, f"999{NBSP}€"), (0, f"0{NBSP}€")],
)
def test_euro(value: float, expected: str) -> None:
    assert fmt.euro(value) == expected


@pytest.mark.parametrize(("value", "expected"), [(80, f"80{NBSP}%"), (72.5, f"72,5{NBSP}%"), (100.0, f"100{NBSP}%")])
def test_percent(value: float, expected: str) -> None:
    assert fmt.percent(value) == expected


@pytest.mark.parametrize(("hidden", "expected"), [(1, "… und 1 weiterer Treffer"), (4, "… und 4 weitere Treffer")])
def test_more_label(hidden: int, expected: str) -> None:
    assert fmt.more_label(hidden) == expected


# -- new / changed / existing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_seen", "changed_at", "version", "since", "expected"),
    [
        (BEFORE, BEFORE, 1, None, "new"),  # first digest: everything is new
        (AFTER, AFTER, 1, LAST_DIGEST, "new"),
        (AFTER, AFTER + timedelta(hours=1), 2, LAST_DIGEST, "new"),  # new wins over changed
        (BEFORE, AFTER, 2, LAST_DIGEST, "changed"),
        (BEFORE, AFTER, 1, LAST_DIGEST, "existing"),  # version 1 is never "changed"
        (BEFORE, BEFORE, 3, LAST_DIGEST, "existing"),  # changed, but before the last digest
    ],
)
def test_item_state(
    first_seen: datetime, changed_at: datetime, version: int, since: datetime | None, expected: str
) -> None:
    rec = record("p:1", first_seen=first_seen, changed_at=changed_at, version=version)
    assert item_state(rec, since) == expected


# -- building -----------------------------------------------------------------------------------------


def test_sections_follow_measures_yaml_and_omit_done_ones(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    records = {"p:1": record("p:1")}
    digest = build_digest(
        cfg, records, [match("glasfaser", "p:1"), match("ratsinfo", "p:1"), match("unbekannt", "p:1")], AS_OF, None
    )
    assert [s.measure_id for s in digest.sections] == ["wlan-schulen", "geoportal", "glasfaser"]
    by_id = {s.measure_id: s for s in digest.sections}
    assert by_id["wlan-schulen"].items == ()  # listed, rendered as "keine Treffer"
    assert [i.call_id for i in by_id["glasfaser"].items] == ["p:1"]
    assert digest.total_matches == 1


def test_new_first_then_changed_then_existing_each_by_score(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    records = {
        "p:old-best": record("p:old-best"),
        "p:changed": record("p:changed", changed_at=AFTER, version=2),
        "p:new-low": record("p:new-low", first_seen=AFTER),
        "p:new-high": record("p:new-high", first_seen=AFTER),
    }
    matches = [
        match("glasfaser", "p:old-best", 99),
        match("glasfaser", "p:changed", 90),
        match("glasfaser", "p:new-low", 35),
        match("glasfaser", "p:new-high", 70),
    ]
    digest = build_digest(cfg, records, matches, AS_OF, LAST_DIGEST)
    items = digest.sections[-1].items
    assert [(i.call_id, i.state) for i in items] == [
        ("p:new-high", "new"),
        ("p:new-low", "new"),
        ("p:changed", "changed"),
        ("p:old-best", "existing"),
    ]
    assert (digest.new_count, digest.changed_count) == (2, 1)
    assert digest.summary.startswith("2 neue passende Förderaufrufe, 1 geänderter Förderaufruf")


def test_cap_per_measure_counts_the_rest(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, max_per_measure=2)
    records = {f"p:{n}": record(f"p:{n}") for n in range(5)}
    digest = build_digest(cfg, records, [match("glasfaser", f"p:{n}", 10 * n) for n in range(5)], AS_OF, None)
    section = digest.sections[-1]
    assert [i.call_id for i in section.items] == ["p:4", "p:3"]
    assert section.hidden == 3
    assert section.more_label == "… und 3 weitere Treffer"
    assert digest.new_count == 5  # the summary counts every match, not only the shown ones


def test_a_call_matching_two_measures_counts_once(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    soon = AS_OF + timedelta(days=3)
    records = {"p:1": record("p:1", deadline=soon)}
    matches = [match("glasfaser", "p:1", deadline=soon), match("wlan-schulen", "p:1", deadline=soon)]
    digest = build_digest(cfg, records, matches, AS_OF, None)
    assert (digest.new_count, digest.soon_count) == (1, 1)
    assert digest.summary == "1 neuer passender Förderaufruf, 1 Frist in den nächsten 14 Tagen"


@pytest.mark.parametrize(
    ("offset", "soon"),
    [(None, False), (-1, False), (0, True), (14, True), (15, False)],
)
def test_deadline_soon_flag_uses_soon_days(tmp_path: Path, offset: int | None, soon: bool) -> None:
    cfg = make_config(tmp_path, soon_days=14)
    deadline = AS_OF + timedelta(days=offset) if offset is not None else None
    digest = build_digest(cfg, {"p:1": record("p:1")}, [match("glasfaser", "p:1", deadline=deadline)], AS_OF, None)
    item = digest.sections[-1].items[0]
    assert item.deadline_soon is soon
    assert item.days_left == offset


def test_item_carries_the_stored_details(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    rec = record(
        "p:1",
        funding_body="Ministerium für Heimat, Kommunales, Bau und Digitalisierung NRW",
        funding_rate_pct=90.0,
        max_amount_eur=500000.0,
        deadline_text="laufend",
    )
    digest = build_digest(cfg, {"p:1": rec}, [match("glasfaser", "p:1", 61.6)], AS_OF, None)
    item = digest.sections[-1].items[0]
    assert item.funding_body == rec.funding_body
    assert item.rate_label == f"bis zu 90{NBSP}%"
    assert item.amount_label == f"max. 500.000{NBSP}€"
    assert item.deadline_label == "laufend"
    assert item.days_left is None and item.days_left_label is None
    assert item.score_label == "62/100"
    assert item.reasons == ("Begriff „WLAN“ in Titel",)


def test_a_match_without_a_stored_record_still_shows(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    digest = build_digest(cfg, {}, [match("glasfaser", "p:gone", deadline=date(2026, 12, 24))], AS_OF, LAST_DIGEST)
    item = digest.sections[-1].items[0]
    assert (item.state, item.funding_body, item.deadline_label) == ("existing", None, "24.12.2026")


def test_digest_metadata(tmp_path: Path) -> None:
    digest = build_digest(make_config(tmp_path), {}, [], AS_OF, LAST_DIGEST)
    assert (digest.period, digest.city, digest.as_of_label, digest.since_label) == (
        "2026-W48",
        "Schloß Holte-Stukenbrock",
        "23.11.2026",
        "16.11.2026",
    )
    assert digest.summary == "Keine neuen passenden Förderaufrufe, keine Frist in den nächsten 14 Tagen"


HEALTH_LINES = [
    (0, (), "Noch keine Portale abgerufen."),
    (1, (), "Das Portal wurde ohne Befund abgerufen."),
    (4, (), "Alle 4 Portale wurden ohne Befund abgerufen."),
    (4, (HealthLine("eu", "EU-Portal", True, "3 Abrufe in Folge fehlgeschlagen"),), "1 von 4 Portalen mit Problemen:"),
]


@pytest.mark.parametrize(("checked", "health", "expected"), HEALTH_LINES)
def test_health_and_checked_lines(checked: int, health: tuple[HealthLine, ...], expected: str) -> None:
    digest = Digest(period="2026-W48", city="T", as_of=date(2026, 11, 23), since=None, soon_days=14, sections=(),
                    new_count=0, changed_count=0, soon_count=0, health=health, portals_checked=checked,
                    calls_checked=1234)
    assert digest.health_line == expected
    assert digest.checked_line == "Abgeglichen: 1.234 gespeicherte Förderaufrufe mit 0 Maßnahmen."
