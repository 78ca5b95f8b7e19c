"""What changed, in the digest's words: typed events → German lines, and end to end through a
stored amendment to the digest a recipient gets the week after."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from foerderradar.jobs import run_digest
from foerderradar.model import FundingCall
from foerderradar.notifier import ledger
from foerderradar.notifier.changes import describe
from foerderradar.settings import AppSettings, Config, DigestSettings, MeasuresFile
from foerderradar.storage import Store
from foerderradar.storage.tables import CallEvent

T = datetime(2026, 11, 1, tzinfo=UTC)


def ev(kind: str, fields: list[str] | None = None, details: dict[str, Any] | None = None, day: int = 1) -> CallEvent:
    return CallEvent(call_id="c", kind=kind, call_version=2, fields=fields, details=details,
                     at=T.replace(day=day))


CASES: list[tuple[str, list[CallEvent], list[str]]] = [
    ("deadline moved", [ev("amended", ["deadline"], {"deadline": ["2027-03-31", "2027-04-30"]})],
     ["Frist verschoben: 31.03.2027 → 30.04.2027"]),
    ("two moves collapse to first → last", [
        ev("amended", ["deadline"], {"deadline": ["2027-03-31", "2027-04-30"]}, day=1),
        ev("amended", ["deadline"], {"deadline": ["2027-04-30", "2027-05-31"]}, day=3)],
     ["Frist verschoben: 31.03.2027 → 31.05.2027"]),
    ("moved and back is no change", [
        ev("amended", ["deadline"], {"deadline": ["2027-03-31", "2027-04-30"]}, day=1),
        ev("amended", ["deadline"], {"deadline": ["2027-04-30", "2027-03-31"]}, day=3)], []),
    ("rate and amount", [ev("amended", ["funding_rate_pct", "max_amount_eur"],
                            {"funding_rate_pct": [50, 60], "max_amount_eur": [None, 200000]})],
     ["Förderquote geändert: 50\u00a0% → 60\u00a0%", "Höchstbetrag geändert: keine Angabe → 200.000\u00a0€"]),
    ("text lines", [ev("amended", ["description"], {"description": {"added": ["Neuer Stichtag: 1. März 2027"],
                                                                     "removed": []}})],
     ["neu im Text: „Neuer Stichtag: 1. März 2027“"]),
    ("other fields named", [ev("amended", ["title", "applicants"])], ["geändert: Titel, Antragsberechtigte"]),
    ("closed", [ev("closed")], ["Antragstellung geschlossen"]),
]


@pytest.mark.parametrize(("case", "events", "expected"), CASES, ids=[c[0] for c in CASES])
def test_describe(case: str, events: list[CallEvent], expected: list[str]) -> None:
    assert describe(events) == expected


def test_the_next_digest_says_what_changed(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    measures = MeasuresFile.model_validate({
        "city": {"name": "T", "region": "DE-NW", "applicant_types": ["kommune"]},
        "measures": [{"id": "breitband", "title": "Glasfaser Gigabit", "keywords": ["Glasfaser", "Gigabit"]}],
    })
    cfg = Config(tmp_path, measures, [], AppSettings(digest=DigestSettings(recipients=["dm@t.example"], min_score=1)))
    base = {"source": "nrw", "source_id": "g", "url": "https://example.org/g", "title": "Gigabit Glasfaser",
            "regions": ["DE-NW"], "applicants": ["kommune"], "deadline": "2027-03-31"}
    store = Store(db_url)
    try:
        store.upsert_call(FundingCall.model_validate(base), now=T)
        row = ledger.claim(store, "2026-W47", "dm@t.example", kommune="t")  # last week's digest went out on 17 Nov
        assert row.id is not None
        ledger.mark_sent(store, row.id, "<x@t>", when=datetime(2026, 11, 17, 7, tzinfo=UTC))
        store.upsert_call(FundingCall.model_validate({**base, "deadline": "2027-04-30"}),
                          now=datetime(2026, 11, 20, tzinfo=UTC))
        run_digest(store, cfg, date(2026, 11, 23), preview_dir=tmp_path / "out")
    finally:
        store.close()
    text = (tmp_path / "out" / "digest.txt").read_text(encoding="utf-8")
    assert "[GEÄNDERT] Gigabit Glasfaser" in text
    assert "Änderung: Frist verschoben: 31.03.2027 → 30.04.2027" in text
    assert "Frist verschoben" in (tmp_path / "out" / "digest.html").read_text(encoding="utf-8")
