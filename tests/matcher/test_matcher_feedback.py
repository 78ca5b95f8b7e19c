"""Learning from marks (matcher/feedback.py, issue 15 part 3): ranking learns, eligibility never does."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from config_files import CITY, write_config_dir
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.matcher import match_calls
from foerderradar.matcher.evalset import LEARNED, RESIDUAL, compare, load_eval_set, simulate_feedback
from foerderradar.matcher.feedback import EXPANSION, Feedback, feedback_of, rocchio
from foerderradar.model import FundingCall
from foerderradar.profile import City, Measure, MeasuresFile
from foerderradar.storage import Store
from foerderradar.storage.marks import set_mark

AS_OF = date(2026, 12, 1)
SHARED = Path(__file__).resolve().parents[3] / "shared"


# (case, query weights, confirmed calls' vectors, dismissed calls' vectors, expected: term → "up"/"down"/"new"/"gone")
ROCCHIO: list[tuple[str, dict[str, float], list[dict[str, float]], list[dict[str, float]], dict[str, str]]] = [
    ("a confirmed call lifts its terms and adds its strongest new one", {"app": 2.0, "rathaus": 1.0},
     [{"app": 1.0, "maengelmelder": 2.0}], [], {"app": "up", "maengelmelder": "new", "rathaus": "same"}),
    ("a dismissed call lowers its terms", {"app": 2.0, "rathaus": 1.0},
     [], [{"rathaus": 1.0}], {"rathaus": "down", "app": "same"}),
    ("a term only dismissed calls use is never added", {"app": 2.0},
     [], [{"parkplatz": 3.0}], {"parkplatz": "absent", "app": "same"}),
    ("a weak term pushed below the floor is dropped", {"app": 2.0, "rand": 0.1},
     [], [{"rand": 5.0}], {"rand": "absent"}),
    ("of two confirmed calls, only a new term both use is added", {"app": 2.0},
     [{"app": 1.0, "maengelmelder": 2.0, "daseinsvorsorge": 3.0}, {"app": 1.0, "maengelmelder": 1.0}], [],
     {"maengelmelder": "new", "daseinsvorsorge": "absent"}),
    ("a term the query has is still lifted by one confirmed call of two", {"app": 2.0, "rathaus": 1.0},
     [{"app": 1.0, "rathaus": 1.0}, {"app": 1.0}], [], {"rathaus": "up"}),
]  # fmt: skip


@pytest.mark.parametrize(("case", "weights", "relevant", "dismissed", "expected"), ROCCHIO, ids=[c[0] for c in ROCCHIO])
def test_rocchio(case: str, weights: dict[str, float], relevant: list[dict[str, float]],
                 dismissed: list[dict[str, float]], expected: dict[str, str]) -> None:
    learned = rocchio(weights, relevant, dismissed)
    for term, how in expected.items():
        before, after = weights.get(term), learned.get(term)
        verdict = ("absent" if after is None else "new" if before is None else
                   "up" if after > before else "down" if after < before else "same")
        assert verdict == how, (term, before, after)


def test_only_the_strongest_new_terms_are_added() -> None:
    relevant = [{f"w{n:02d}": float(n) for n in range(1, 30)}]
    learned = rocchio({"app": 2.0}, relevant, [])
    assert set(learned) - {"app"} == {f"w{n:02d}" for n in range(30 - EXPANSION, 30)}


def test_feedback_of_marks() -> None:
    marks = [("m", "a", "relevant"), ("m", "b", "applied"), ("m", "c", "dismissed"), ("m", "d", "rejected"),
             ("m", "e", "done"), ("n", "a", "dismissed")]
    expected = {"m": Feedback(frozenset("ab"), frozenset("cd")), "n": Feedback(dismissed=frozenset("a"))}
    assert feedback_of(marks) == expected


MEASURE = Measure(id="app", title="Stadt-App für den Bürgerservice",
                  description="Eine App, über die man Anliegen melden und Termine buchen kann.")
CITY_BB = City(name="Musterstadt", region="DE-BB", applicant_types=["kommune"])


def call(source_id: str, title: str, summary: str, applicants: list[str] | None = None) -> FundingCall:
    return FundingCall(source="other", source_id=source_id, url=f"https://example.org/{source_id}", title=title,
                       summary=summary, regions=["DE-BB"], applicants=applicants or ["kommune"], status="open")


CALLS = [
    call("marked", "Kommunale Apps – Mängelmelder und Bürgerkoffer",
         "Zuschüsse für Mängelmelder-Apps mit Bürgerkoffer."),
    call("similar", "Mängelmelder und Bürgerkoffer für kleine Gemeinden", "Bürgerkoffer und Mängelmelder vor Ort."),
    call("similar-vereine", "Mängelmelder und Bürgerkoffer für Vereine", "Bürgerkoffer und Mängelmelder.",
         applicants=["verein"]),
    call("other", "Termine buchen im Bürgerservice", "Online-Terminbuchung für Rathäuser."),
]
FILE = MeasuresFile(city=CITY_BB, measures=[MEASURE])


def scores(feedback: dict[str, Feedback] | None = None) -> dict[str, float]:
    return {m.call_id: m.score for m in match_calls(CALLS, FILE, AS_OF, feedback=feedback, include_ineligible=True)
            if m.eligible}


def test_a_confirmed_call_lifts_similar_calls_and_says_why() -> None:
    before = scores()
    after = scores({"app": Feedback(relevant=frozenset({"other:marked"}))})
    assert after["other:similar"] > before["other:similar"]
    [similar] = [m for m in match_calls(CALLS, FILE, AS_OF, feedback={"app": Feedback(frozenset({"other:marked"}))})
                 if m.call_id == "other:similar"]
    assert any(r.startswith("Ähnlich wie von Ihnen markierte Aufrufe: Mängelmelder") for r in similar.reasons)


def test_a_dismissed_call_lowers_similar_calls() -> None:
    before = scores()
    after = scores({"app": Feedback(dismissed=frozenset({"other:marked"}))})
    assert after["other:similar"] < before["other:similar"]
    assert after["other:other"] == before["other:other"]  # nothing in common with the dismissed call


def test_eligibility_does_not_learn() -> None:
    feedback = {"app": Feedback(relevant=frozenset({"other:marked", "other:similar"}))}
    found = match_calls(CALLS, FILE, AS_OF, feedback=feedback, include_ineligible=True)
    verdicts = {m.call_id: m.eligible for m in found}
    assert verdicts["other:similar-vereine"] is False  # as similar as can be, still only for associations
    assert "other:similar-vereine" not in {m.call_id for m in match_calls(CALLS, FILE, AS_OF, feedback=feedback)}


def test_marks_under_another_measure_teach_nothing() -> None:
    assert scores({"schulen": Feedback(relevant=frozenset({"other:marked"}))}) == scores()


@pytest.mark.skipif(not (SHARED / "eval2").is_dir(), reason="../shared/eval2 not here")
@pytest.mark.parametrize("name", ["eval", "eval2"])
def test_simulated_feedback_helps_on_the_labelled_sets(name: str) -> None:
    """Residual collection: the top three of each list marked as labelled, scored on the rest."""
    evalset = load_eval_set(SHARED / name)
    gold, before, after = simulate_feedback(evalset, AS_OF)
    marked = {(m, c) for m, grades in evalset.gold.items() for c in grades or {}} - {
        (m, c) for m, grades in gold.items() for c in grades or {}}
    assert marked and not {(m.measure_id, m.call_id) for m in before + after} & marked
    results = compare(evalset, AS_OF)
    assert results[LEARNED]["alle"]["ndcg@5"] >= results[RESIDUAL]["alle"]["ndcg@5"]
    assert results[LEARNED]["alle"]["leaks"] == 0


@pytest.fixture
def town(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Path:
    cfg = write_config_dir(
        tmp_path / "config",
        measures=CITY + "measures:\n  - {id: app, title: Stadt-App für den Bürgerservice, "
                        "description: 'Eine App, über die man Anliegen melden und Termine buchen kann.'}\n",
        toml="[digest]\nmin_score = 1\n",
    )
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", sqlite_url)
    store = Store(sqlite_url)
    store.upsert_calls([c.model_copy(update={"source": "nrw", "regions": ["DE-NW"]}) for c in CALLS],
                       now=datetime(2026, 11, 20, tzinfo=UTC))
    store.close()
    return cfg


def listed(cfg: Path) -> dict[str, float]:
    result = CliRunner().invoke(app, ["match", "--format", "json", "--as-of", "2026-12-01", "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    return {m["call_id"]: m["score"] for m in json.loads(result.stdout)}


def test_a_mark_reranks_the_stored_verdicts(town: Path, sqlite_url: str) -> None:
    before = listed(town)
    store = Store(sqlite_url)
    try:
        set_mark(store, "", "nrw:marked", "app", "relevant")
    finally:
        store.close()
    after = listed(town)
    assert after["nrw:similar"] > before["nrw:similar"]  # the stored verdicts were recomputed with the mark
