"""Portal health judged from crawl-run history: a table of histories → state, reasons, incident."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from foerderradar.health import assess, portal_health
from foerderradar.storage import Store
from foerderradar.storage.store import RunStats
from foerderradar.storage.tables import CrawlRun

T0 = datetime(2026, 11, 1, 6, tzinfo=UTC)
FULL = {"summary": 10, "description": 10, "applicants": 9, "deadline_text": 8, "regions": 10, "topics": 2}


def run(i: int, *, ok: bool = True, items: int = 10, errors: int = 0, filled: dict[str, int] | None = None,
        extracted: int | None = None, finished: bool = True, message: str | None = None) -> CrawlRun:
    return CrawlRun(
        id=i, portal="p", started_at=T0 + timedelta(days=i),
        finished_at=(T0 + timedelta(days=i, minutes=5)) if finished else None,
        items=items, errors=errors, ok=ok, message=message,
        extracted=items if extracted is None else extracted, filled=FULL if filled is None else filled,
    )


def newest_first(*runs: CrawlRun) -> list[CrawlRun]:
    return sorted(runs, key=lambda r: -(r.id or 0))


LOST_MOST = {"summary": 10, "description": 0, "applicants": 0, "deadline_text": 0, "regions": 0}
LOST_ONE = {**FULL, "deadline_text": 1}
LOST_CRITICAL = {**FULL, "applicants": 1}

CASES: list[tuple[str, list[CrawlRun], str, list[str], int | None]] = [
    # (case, runs oldest→newest, state, words the reasons must contain, incident run id)
    ("never crawled", [], "unbekannt", ["noch nie"], None),
    ("healthy", [run(1), run(2)], "ok", [], None),
    ("one failure", [run(1), run(2, ok=False, items=0, errors=1, message="HTTP 500: x")], "warnung",
     ["letzter Abruf fehlgeschlagen", "HTTP 500"], 2),
    ("two failures < 3", [run(1), run(2, ok=False, items=0), run(3, ok=False, items=0)], "warnung", [], 2),
    ("three failures in a row", [run(1), run(2, ok=False, items=0), run(3, ok=False, items=0),
                                 run(4, ok=False, items=0, message="Timeout\nlong log")], "fehler",
     ["3 Abrufe in Folge", "Timeout"], 2),
    ("failures interrupted by success", [run(1, ok=False), run(2, ok=False), run(3), run(4, ok=False)],
     "warnung", ["letzter Abruf"], 4),
    ("zero items", [run(1), run(2, items=0, extracted=0, filled={})], "fehler", ["keine Einträge"], 2),
    ("partial run", [run(1), run(2, errors=2)], "warnung", ["2 Fehler"], 2),
    ("most fields lost", [run(1), run(2), run(3, filled=LOST_MOST)], "fehler",
     ["die meisten Felder", "Beschreibung", "Antragsberechtigte"], 3),
    ("one field lost", [run(1), run(2), run(3, filled=LOST_ONE)], "warnung",
     ["Felder plötzlich leer: Frist"], 3),
    ("a field eligibility needs lost", [run(1), run(2), run(3, filled=LOST_CRITICAL)], "fehler",
     ["für den Abgleich nötige Felder", "Antragsberechtigte"], 3),
    ("rarely filled field may vanish", [run(1), run(2), run(3, filled={**FULL, "topics": 0})], "ok", [], None),
    ("too few parsed items prove nothing", [run(1), run(2), run(3, extracted=2, filled={"summary": 2})],
     "ok", [], None),
    ("no baseline yet", [run(1, filled=LOST_MOST)], "ok", [], None),
    ("lost fields persist: incident stays the first run", [run(1), run(2), run(3, filled=LOST_MOST),
                                                          run(4, filled=LOST_MOST)], "fehler", [], 3),
    ("running crawl is not judged", [run(1), run(2, finished=False, ok=False)], "ok", [], None),
    ("crashed crawl counts as failure", [run(1), run(2, finished=False, ok=False), run(3, finished=False)],
     "warnung", ["nie beendet"], 2),
    ("recovered", [run(1, ok=False), run(2, ok=False), run(3, ok=False), run(4)], "ok", [], None),
]


@pytest.mark.parametrize(("case", "runs", "state", "words", "incident"), CASES, ids=[c[0] for c in CASES])
def test_assess(case: str, runs: list[CrawlRun], state: str, words: list[str], incident: int | None) -> None:
    health = assess("p", newest_first(*runs), failures_in_a_row=3)
    assert health.state == state, health.reasons
    text = " ".join(health.reasons)
    for word in words:
        assert word in text
    assert health.incident == incident
    assert health.flagged == (state == "fehler")


BOT_WALL = (
    "Portal blockiert automatisierte Abrufe: https://www.foerderdatenbank.de/FDB/x.html antwortete mit einer "
    "Prüfseite gegen Roboter (HTTP 403, Cloudflare-Prüfseite). Der Abruf wurde nicht wiederholt …"
)
BOT_CASES: list[tuple[str, list[CrawlRun], str, list[str], bool]] = [
    # (case, runs oldest→newest, state, words the reasons must contain, bot_wall flag)
    ("blocked once", [run(1), run(2, ok=False, items=0, errors=3, message=BOT_WALL)], "warnung",
     ["letzter Abruf fehlgeschlagen (Portal blockiert automatisierte Abrufe: https://"], True),
    ("blocked, named although another message came first",
     [run(1), run(2, ok=False, items=0, errors=2, message="HTTP 500 (Serverfehler des Portals): u\n" + BOT_WALL)],
     "warnung", ["(Portal blockiert automatisierte Abrufe:"], True),
    ("blocked three times in a row", [run(1)] + [run(i, ok=False, items=0, message=BOT_WALL) for i in (2, 3, 4)],
     "fehler", ["3 Abrufe in Folge fehlgeschlagen (zuletzt: Portal blockiert automatisierte Abrufe"], True),
    ("partly blocked", [run(1), run(2, errors=4, message=BOT_WALL)], "warnung",
     ["4 Fehler beim letzten Abruf (teilweise abgerufen; Portal blockiert automatisierte Abrufe)"], True),
    ("other failure", [run(1), run(2, ok=False, items=0, message="HTTP 403 (Zugriff verweigert): u")], "warnung",
     ["HTTP 403 (Zugriff verweigert)"], False),
    ("blocked before, healthy now", [run(1, ok=False, message=BOT_WALL), run(2)], "ok", [], False),
]


@pytest.mark.parametrize(("case", "runs", "state", "words", "bot_wall"), BOT_CASES, ids=[c[0] for c in BOT_CASES])
def test_bot_wall_is_named(case: str, runs: list[CrawlRun], state: str, words: list[str], bot_wall: bool) -> None:
    health = assess("p", newest_first(*runs), failures_in_a_row=3)
    assert (health.state, health.bot_wall) == (state, bot_wall), health.reasons
    for word in words:
        assert word in health.summary
    assert "Seitenaufbau" not in health.summary


def test_threshold_is_configurable() -> None:
    runs = newest_first(run(1), run(2, ok=False, items=0))
    assert assess("p", runs, failures_in_a_row=1).state == "fehler"
    assert assess("p", runs, failures_in_a_row=2).state == "warnung"


def _finish(store: Store, portal: str, **kw: Any) -> int:
    run_id = store.start_run(portal)
    ok = kw.pop("ok", True)
    store.finish_run(run_id, RunStats(**kw), ok=ok, message=kw.get("message"))
    return run_id


def test_portal_health_reads_stored_runs(db_url: str) -> None:
    store = Store(db_url)
    try:
        for _ in range(2):
            _finish(store, "a", items=10, extracted=10, filled=FULL)
        _finish(store, "a", items=10, extracted=10, filled=LOST_MOST)
        _finish(store, "b", items=5, extracted=5, filled=FULL)
        first = _finish(store, "b", ok=False, errors=1)
        [a, b, c] = portal_health(store, ["a", "b", "c"], failures_in_a_row=1)
    finally:
        store.close()
    assert (a.state, b.state, c.state) == ("fehler", "fehler", "unbekannt")
    assert "Beschreibung" in a.summary
    assert b.incident == first
    assert a.last_run is not None and a.last_run.filled == LOST_MOST
