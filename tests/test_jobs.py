"""The jobs seam (foerderradar/jobs.py): one policy for every surface, and the matches table as truth.

Every surface — report (`match`), digest, feed, the daily job — goes through
``jobs.match_stored_calls``: a stored row that fails validation is skipped and counted on all of
them, marks apply on all of them, and all of them show the verdicts of the ``matches`` table, which
is recomputed exactly when calls, grouping, measures, the day or the code changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from config_files import write_config_dir
from sqlmodel import select
from typer.testing import CliRunner

from foerderradar import jobs
from foerderradar.cli import app
from foerderradar.matcher import match_calls as matcher_lists
from foerderradar.model import FundingCall, Match
from foerderradar.notifier.feeds import ATOM, feed_entries
from foerderradar.scheduler import crawl_and_match
from foerderradar.settings import Config, MeasuresFile, city_slug, load_config
from foerderradar.storage import Store, record_to_call
from foerderradar.storage.marks import set_mark
from foerderradar.storage.short_ids import short_id
from foerderradar.storage.tables import CallRecord, MatchRecord
from foerderradar.storage.verdicts import match_states, stored_matches

AS_OF = date(2026, 12, 1)
T = datetime(2026, 11, 20, tzinfo=UTC)
MEASURES = """\
city: {name: Teststadt, region: DE-NW, applicant_types: [kommune]}
measures:
  - {id: breitband, title: Glasfaser und Gigabit, keywords: [Glasfaser, Gigabit, Breitband]}
  - {id: schulen, title: WLAN und Tablets in Schulen, keywords: [WLAN, Schule, Tablets]}
  - {id: verwaltung, title: E-Akte in der Verwaltung, keywords: [E-Akte, Verwaltung, Onlinezugang]}
  - {id: fertig, title: Ratsinformationssystem, status: done}
"""

# (source id, title, summary, extra fields) — invented programmes, several for each measure.
CALLS: list[tuple[str, str, str, dict[str, object]]] = [
    ("gigabit", "Gigabit Glasfaser für Gewerbegebiete", "Zuschuss für Glasfaser bis ins Gebäude.",
     {"deadline": "2027-03-31", "funding_body": "Land NRW"}),
    ("breitband-beratung", "Breitbandberatung für Kommunen", "Beratung zum Glasfaserausbau.", {}),
    ("graue-flecken", "Graue-Flecken-Förderung Gigabit", "Gigabitausbau in grauen Flecken.",
     {"deadline": "2027-06-30"}),
    ("wlan-schule", "WLAN für Schulen", "Schulträger erhalten Zuschüsse für WLAN und Tablets.",
     {"deadline": "2027-01-15"}),
    ("tablets", "Tablets für Lehrkräfte", "Mobile Endgeräte für Schulen.", {}),
    ("e-akte", "E-Akte in der Kommunalverwaltung", "Einführung der E-Akte in der Verwaltung.",
     {"deadline": "2027-02-28"}),
    ("onlinezugang", "Onlinezugang für Bürgerdienste", "Verwaltungsleistungen online.", {}),
    ("abgelaufen", "Glasfaser Sonderaufruf 2025", "Glasfaser für Schulen.", {"deadline": "2026-01-31"}),
    ("unternehmen", "Glasfaser für Unternehmen", "Nur Unternehmen.", {"applicants": ["unternehmen"]}),
    ("bayern", "Gigabit in Bayern", "Glasfaser für bayerische Gemeinden.", {"regions": ["DE-BY"]}),
    ("sport", "Sportstätten sanieren", "Turnhallen und Sportplätze.", {}),
    ("dorf", "Dorfentwicklung und Dorfgemeinschaftshäuser", "Zuschuss für Dorfplätze, Wege, Grünflächen und "
     "Treffpunkte; Leerrohre für Glasfaser können mitverlegt werden.", {}),  # a weak match (score < 20)
]


def match_calls(calls: list[FundingCall], measures: MeasuresFile, day: date, **options: Any) -> list[Match]:
    """The matcher's lists as the seam hands them out: stamped with the municipality's slug and each
    call's short id (its first choice: no two calls here collide)."""
    return [replace(m, kommune=city_slug(measures.city.name), short_id=short_id(m.call_id))
            for m in matcher_lists(calls, measures, day, **options)]


def make_call(source_id: str, title: str, summary: str, extra: dict[str, object]) -> FundingCall:
    return FundingCall.model_validate({
        "source": "nrw", "source_id": source_id, "url": f"https://www.example.org/{source_id}", "title": title,
        "summary": summary, "regions": ["DE-NW"], "applicants": ["kommune"], **extra,
    })


def add_invalid_row(store: Store) -> str:
    """A row an older, laxer version wrote: "Nordrhein-Westfalen" is no ISO 3166-2 code. It would
    match (Glasfaser, Gigabit) if it were read."""
    row = make_call("alt", "Glasfaser und Gigabit für alle", "Glasfaser.", {}).model_dump()
    row["regions"] = ["Nordrhein-Westfalen"]
    with store.session() as session:
        session.add(CallRecord(id="nrw:alt", **row, first_seen=T, last_seen=T, changed_at=T, content_hash="x" * 64,
                               short_id=short_id("nrw:alt")))
        session.commit()
    with pytest.raises(ValueError):  # really invalid
        record_to_call(next(r for r in store.iter_calls() if r.id == "nrw:alt"))
    return "nrw:alt"


@pytest.fixture
def cfg_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Path:
    directory = write_config_dir(tmp_path / "config", measures=MEASURES, toml="[digest]\nmin_score = 1\n")
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", db_url)
    monkeypatch.delenv("FOERDERRADAR_SMTP_HOST", raising=False)
    return directory


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    store = Store(db_url)
    store.upsert_calls([make_call(*c) for c in CALLS], now=T)
    yield store
    store.close()


@pytest.fixture
def cfg(cfg_dir: Path) -> Config:
    return load_config(cfg_dir)


# -- every surface, one policy ---------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """What a surface put in front of a person: the call ids it lists, and its words about them."""

    ids: set[str]
    text: str


def shown_by_report(cfg_dir: Path, tmp_path: Path, store: Store) -> Shown:
    result = CliRunner().invoke(app, ["match", "--as-of", AS_OF.isoformat(), "--format", "json",
                                      "--config", str(cfg_dir)])
    assert result.exit_code == 0, result.output
    return Shown({m["call_id"] for m in json.loads(result.stdout)}, result.stdout + result.stderr)


def shown_by_digest(cfg_dir: Path, tmp_path: Path, store: Store) -> Shown:
    result = CliRunner().invoke(app, ["digest", "--as-of", AS_OF.isoformat(), "--preview", str(tmp_path / "prev"),
                                      "--config", str(cfg_dir)])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "prev" / "digest.txt").read_text(encoding="utf-8")
    # The cards: after the "Diese Woche" box (which names running applications), before the portals.
    box = text.split("== Portale ==")[0].split("== Diese Woche ==")[1]
    cards = box.partition("\n== ")[2]
    return Shown({f"nrw:{sid}" for sid, title, *_ in [*CALLS, ("alt", "Glasfaser und Gigabit für alle", "", {})]
                  if title in cards}, text)


def shown_by_feed(cfg_dir: Path, tmp_path: Path, store: Store) -> Shown:
    result = CliRunner().invoke(app, ["feed", "--as-of", AS_OF.isoformat(), "--config", str(cfg_dir)])
    assert result.exit_code == 0, result.output
    root = ET.fromstring(result.stdout.encode("utf-8"))
    links = [e.find(f"{{{ATOM}}}link") for e in root.findall(f"{{{ATOM}}}entry")]
    return Shown({"nrw:" + (link.get("href") or "").rsplit("/", 1)[1] for link in links if link is not None},
                 result.stdout)


def shown_by_daily_job(cfg_dir: Path, tmp_path: Path, store: Store) -> Shown:
    """The scheduler's crawl job (no portals configured: crawl nothing, then the rest of the job)."""
    ok, summary = crawl_and_match(load_config(cfg_dir), store)
    assert ok, summary
    found = jobs.match_stored_calls(store, load_config(cfg_dir), date.today(), min_score=1)
    assert f"{len(found.matches)} Treffer" in summary
    return Shown({m.call_id for m in found.matches}, summary)


SURFACES: dict[str, Callable[[Path, Path, Store], Shown]] = {
    "report": shown_by_report, "digest": shown_by_digest, "feed": shown_by_feed, "daily job": shown_by_daily_job,
}


@pytest.mark.parametrize("surface", SURFACES)
def test_a_stored_row_that_fails_validation_is_skipped_and_counted_on_every_surface(
    surface: str, cfg_dir: Path, tmp_path: Path, store: Store
) -> None:
    invalid = add_invalid_row(store)
    shown = SURFACES[surface](cfg_dir, tmp_path, store)
    assert "nrw:gigabit" in shown.ids  # the valid calls are still matched
    assert invalid not in shown.ids
    if surface == "report":
        assert "1 ungültig gespeicherte Förderaufrufe übersprungen" in shown.text
    if surface == "daily job":
        assert "1 ungültig gespeicherte Förderaufrufe übersprungen" in shown.text
    if surface == "digest":  # checked: the 12 valid calls, not the row that was skipped
        assert "Abgeglichen: 12 gespeicherte Förderaufrufe" in shown.text


@pytest.mark.parametrize("surface", SURFACES)
def test_marks_apply_on_every_surface(surface: str, cfg_dir: Path, tmp_path: Path, store: Store) -> None:
    before = SURFACES[surface](cfg_dir, tmp_path / "before", store)
    assert {"nrw:gigabit", "nrw:wlan-schule", "nrw:e-akte"} <= before.ids
    set_mark(store, "teststadt", "nrw:gigabit", "breitband", "dismissed")
    set_mark(store, "teststadt", "nrw:wlan-schule", "schulen", "applied", "AZ 4711")
    set_mark(store, "teststadt", "nrw:e-akte", "verwaltung", "relevant")
    after = SURFACES[surface](cfg_dir, tmp_path / "after", store)
    # Dismissed and applied calls leave the lists (applied ones become running applications) ...
    assert {"nrw:gigabit", "nrw:wlan-schule"}.isdisjoint(after.ids)
    assert "nrw:e-akte" in after.ids
    # ... and nothing else changes.
    assert after.ids - {"nrw:gigabit", "nrw:wlan-schule"} == before.ids - {"nrw:gigabit", "nrw:wlan-schule"}
    if surface in ("report", "feed"):
        assert "von Ihnen als relevant markiert" in after.text
    if surface == "report":
        assert "1 laufende Anträge ausgeblendet" in after.text
    if surface == "digest":
        assert "WLAN für Schulen" in after.text.split("Laufende Anträge")[1]


def test_the_daily_job_applies_marks_to_what_it_counts(cfg: Config, store: Store) -> None:
    _, before = crawl_and_match(cfg, store)
    set_mark(store, "teststadt", "nrw:gigabit", "breitband", "dismissed")
    _, after = crawl_and_match(cfg, store)
    count = int(before.split(" Treffer")[0].rsplit(" ", 1)[1])
    assert f"{count - 1} Treffer" in after


# -- the matches table: the one truth ------------------------------------------------------------


def test_report_digest_and_feed_show_the_stored_verdicts(cfg_dir: Path, tmp_path: Path, store: Store) -> None:
    set_mark(store, "teststadt", "nrw:tablets", "schulen", "dismissed")
    report = CliRunner().invoke(app, ["match", "--as-of", AS_OF.isoformat(), "--format", "json",
                                      "--config", str(cfg_dir)])
    assert report.exit_code == 0, report.output
    listed = [(m["measure_id"], m["call_id"]) for m in json.loads(report.stdout)]
    assert ("schulen", "nrw:tablets") not in listed and len(listed) >= 6
    # The table holds the verdicts the report showed, in its order; marks apply on reading, so the
    # dismissed pair is stored and not shown.
    rows = stored_matches(store, "teststadt")
    stored = [(r.measure_id, r.call_id) for r in rows if (r.measure_id, r.call_id) != ("schulen", "nrw:tablets")]
    assert stored == sorted(listed, key=lambda pair: pair[0])  # stable: each measure's order kept
    assert {(m["measure_id"], m["call_id"], m["score"], tuple(m["reasons"])) for m in json.loads(report.stdout)} == {
        (r.measure_id, r.call_id, round(r.score, 1), tuple(r.reasons or ())) for r in rows
        if (r.measure_id, r.call_id) != ("schulen", "nrw:tablets")
    }
    # Digest and feed: the same verdicts from min_score on (1 in this foerderradar.toml).
    cfg = load_config(cfg_dir)
    scores = {(r.measure_id, r.call_id): r.score for r in rows}
    digest_pairs = [pair for pair in listed if scores[pair] >= cfg.settings.digest.min_score]
    inputs = jobs.digest_inputs(store, cfg, AS_OF)
    assert [(m.measure_id, m.call_id) for m in inputs.matches] == digest_pairs
    assert {e.call_id for e in feed_entries(inputs, cfg)} == {call for _, call in digest_pairs}
    digest = CliRunner().invoke(app, ["digest", "--as-of", AS_OF.isoformat(), "--preview", str(tmp_path / "p"),
                                      "--config", str(cfg_dir)])
    assert digest.exit_code == 0, digest.output
    text = (tmp_path / "p" / "digest.txt").read_text(encoding="utf-8")
    titles = {f"nrw:{sid}": title for sid, title, *_ in CALLS}
    assert all(titles[call] in text for _, call in digest_pairs)
    assert "Tablets für Lehrkräfte" not in text


def computed(store: Store, cfg: Config, day: date = AS_OF) -> bool:
    return jobs.match_stored_calls(store, cfg, day).computed


@pytest.mark.parametrize(
    ("change", "recomputes"),
    [
        ("nothing", False),
        ("a mark", True),  # a relevant mark teaches that measure's ranking (matcher/feedback.py)
        ("a done mark", False),  # teaches nothing: applies on reading, the matcher does not run again
        ("another day", True),
        ("an amended call", True),
        ("a new call", True),
        ("a regrouping", True),
        ("a changed measure", True),
        ("a measure done", True),
    ],
)
def test_verdicts_are_recomputed_exactly_when_their_inputs_change(
    change: str, recomputes: bool, cfg: Config, store: Store
) -> None:
    assert computed(store, cfg) is True  # first read: nothing stored yet
    first = jobs.match_stored_calls(store, cfg, AS_OF).matches
    day = AS_OF
    if change == "a mark":
        set_mark(store, "teststadt", "nrw:sport", "breitband", "relevant")
    elif change == "a done mark":
        set_mark(store, "teststadt", "nrw:sport", "breitband", "done")
    elif change == "another day":
        day = date(2026, 12, 2)
    elif change == "an amended call":
        store.upsert_call(make_call("sport", "Sportstätten und Glasfaser", "Turnhallen.", {}))
    elif change == "a new call":
        store.upsert_call(make_call("neu", "Neuer Aufruf Glasfaser", "Glasfaser.", {}))
    elif change == "a regrouping":
        store.set_duplicate_of({"nrw:gigabit": ["nrw:graue-flecken"]})
    elif change == "a changed measure":
        first_measure = cfg.measures.measures[0].model_copy(update={"keywords": ["Glasfaser"]})
        measures = cfg.measures.model_copy(update={"measures": [first_measure, *cfg.measures.measures[1:]]})
        cfg = Config(cfg.directory, measures, cfg.portals, cfg.settings)
    elif change == "a measure done":
        done = cfg.measures.measures[2].model_copy(update={"status": "done"})
        measures = cfg.measures.model_copy(update={"measures": [*cfg.measures.measures[:2], done,
                                                                *cfg.measures.measures[3:]]})
        cfg = Config(cfg.directory, measures, cfg.portals, cfg.settings)
    again = jobs.match_stored_calls(store, cfg, day)
    assert again.computed is recomputes
    if change == "nothing":
        assert again.matches == first  # read back exactly as computed: scores, reasons, order, sources
    # Whatever was read or recomputed is what the matcher says for these inputs now.
    calls = [record_to_call(r) for r in store.iter_calls(representatives_only=True)]
    fresh = match_calls(calls, cfg.measures, day, sources=store.sources(),
                        feedback=jobs.learned_feedback(store, cfg.kommune))
    assert jobs.match_stored_calls(store, cfg, day, feedback=False).matches == fresh


def test_stored_verdicts_keep_the_matchers_sources(cfg: Config, store: Store) -> None:
    """A programme on two portals: the stored verdict carries both pages when read back."""
    store.set_duplicate_of({"nrw:gigabit": ["nrw:graue-flecken"]})
    computed_now = [m for m in jobs.match_stored_calls(store, cfg, AS_OF).matches if m.call_id == "nrw:gigabit"]
    read_back = [m for m in jobs.match_stored_calls(store, cfg, AS_OF).matches if m.call_id == "nrw:gigabit"]
    assert read_back == computed_now and read_back
    assert [s.call_id for s in read_back[0].sources] == ["nrw:gigabit", "nrw:graue-flecken"]


def test_two_cities_keep_their_verdicts_side_by_side(cfg: Config, store: Store, tmp_path: Path) -> None:
    """Measure ids differ (docs/scale-out.md): one city's run does not make the other's stale."""
    other = load_config(cfg.directory)
    other_measures = other.measures.model_copy(update={
        "measures": [m.model_copy(update={"id": f"b-{m.id}"}) for m in other.measures.measures]
    })
    city_b = Config(cfg.directory, other_measures, other.portals, other.settings)
    assert computed(store, cfg) and computed(store, city_b)
    assert not computed(store, cfg) and not computed(store, city_b)
    with store.session() as session:
        measures = {r.measure_id for r in session.exec(select(MatchRecord))}
    assert {"breitband", "b-breitband"} <= measures


# -- reading the stored set gives what the matcher would have listed with the same options --------


# (index of the measure in measures.yaml or None for all, min_score, limit)
# Highest min_score first: the table then holds a shorter list first and must recompute (and keep
# agreeing) as lower scores are asked for.
OPTIONS: list[tuple[int | None, float, int | None]] = [
    (None, 30, None), (1, 20, 1), (None, 10, 2), (None, 1, None), (None, 0, 1), (0, 0, None), (2, 0, 3),
    (None, 0, None),
]


def assert_options_agree(store: Store, cfg: Config, day: date) -> None:
    calls = [record_to_call(r) for r in store.iter_calls(representatives_only=True)]
    sources = store.sources()
    for index, min_score, limit in OPTIONS:
        measure = None if index is None else cfg.measures.measures[index].id
        direct: list[Match] = match_calls(calls, cfg.measures, day, measure_id=measure, min_score=min_score,
                                          limit=limit, sources=sources)
        seam = jobs.match_stored_calls(store, cfg, day, measure_id=measure, min_score=min_score, limit=limit,
                                       feedback=False)
        assert seam.matches == direct, (measure, min_score, limit)
        assert direct or min_score > 0  # the table is not trivially empty


def test_filtered_stored_verdicts_equal_the_matchers_lists(cfg: Config, store: Store) -> None:
    assert_options_agree(store, cfg, AS_OF)


def test_filtered_stored_verdicts_equal_the_matchers_lists_on_the_labelled_set(
    eval_dir: Path, tmp_path: Path, sqlite_url: str
) -> None:
    """The labelled evaluation set (45 calls, its own measures): many near ties, real wording."""
    from foerderradar.matcher.evalset import load_eval_set

    evalset = load_eval_set(eval_dir)
    store = Store(sqlite_url)
    store.upsert_calls(list(evalset.calls), now=T)
    cfg = Config(tmp_path, evalset.measures, [], load_config(Path(__file__).parents[1] / "config").settings)
    try:
        assert_options_agree(store, cfg, AS_OF)
    finally:
        store.close()


def test_the_table_keeps_verdicts_from_the_lowest_score_asked_for(cfg: Config, store: Store) -> None:
    """The daily job and the digest store their lists from [digest] min_score on; a report asking
    for less recomputes and stores the longer lists, which everything above then reads."""
    digest = cfg.settings.digest.model_copy(update={"min_score": 20})
    cfg = Config(cfg.directory, cfg.measures, cfg.portals, cfg.settings.model_copy(update={"digest": digest}))
    calls = [record_to_call(r) for r in store.iter_calls(representatives_only=True)]
    steps = [(50, True, 20), (20, False, 20), (30, False, 20), (5, True, 5), (20, False, 5), (0, True, 0)]
    for min_score, recomputed, floor in steps:
        found = jobs.match_stored_calls(store, cfg, AS_OF, min_score=min_score, feedback=False)
        assert found.computed is recomputed, min_score
        states = match_states(store, "teststadt", ["breitband", "schulen", "verwaltung"])
        assert {s.min_score for s in states.values()} == {floor}
        assert found.matches == match_calls(calls, cfg.measures, AS_OF, min_score=min_score, sources=store.sources())
    assert min(r.score for r in stored_matches(store, "teststadt")) < 20  # the longer lists are stored now


def test_an_unknown_measure_is_refused_before_anything_is_matched(cfg: Config, store: Store) -> None:
    with pytest.raises(ValueError, match="Unbekannte Maßnahme 'nichts'"):
        jobs.match_stored_calls(store, cfg, AS_OF, measure_id="nichts")
    assert stored_matches(store, "teststadt") == []
