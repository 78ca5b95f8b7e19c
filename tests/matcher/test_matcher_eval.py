"""The evaluation metrics on a hand-made example, and the matcher on the shared labelled set."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.matcher import evaluate, match_calls
from foerderradar.matcher.baselines import plain_bm25, structured_gate, substring_search
from foerderradar.matcher.evalset import EvalTable, compare, eval_tables, load_eval_set, short_of_target
from foerderradar.model import FundingCall, Match
from foerderradar.settings import MeasuresFile

AS_OF = date(2026, 12, 1)


def ranked(measure: str, *call_ids: str, eligible: bool = True) -> list[Match]:
    return [Match(measure, cid, cid, "https://example.org", 10, eligible, None, "open") for cid in call_ids]


GOLD = {"m": {"a": 2, "b": 1, "c": 2}, "n": {"x": 2}, "ineligible": {"z": "geschlossen"}}


def test_metrics_by_hand() -> None:
    matches = ranked("m", "a", "z", "b", "q", "r", "c") + ranked("n", "y", "x")
    result = evaluate(matches, GOLD)
    # m: top 5 = a(2) z(0, a leak) b(1) q r; c (grade 2) is sixth.
    dcg_m = 3 / math.log2(2) + 1 / math.log2(4)
    ideal_m = 3 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)
    # n: x (grade 2) second.
    ndcg_n = (3 / math.log2(3)) / 3
    assert result["ndcg@5"] == pytest.approx((dcg_m / ideal_m + ndcg_n) / 2, abs=1e-3)
    assert result["p@5"] == pytest.approx((1 / 5 + 1 / 5) / 2)
    assert result["useful@5"] == pytest.approx((2 / 5 + 1 / 5) / 2)
    assert result["recall@10"] == pytest.approx((2 / 2 + 1) / 2)
    assert result["leaks"] == 1.0


@pytest.mark.parametrize(("matches", "expected"), [
    ([], {"ndcg@5": 0.0, "p@5": 0.0, "useful@5": 0.0, "recall@10": 0.0, "leaks": 0.0}),
    (ranked("m", "a", "c", "b") + ranked("n", "x"), {"ndcg@5": 1.0, "p@5": 0.3, "useful@5": 0.4, "recall@10": 1.0,
                                                      "leaks": 0.0}),
    (ranked("m", "z", "a", eligible=False), {"ndcg@5": 0.0, "p@5": 0.0, "useful@5": 0.0, "recall@10": 0.0,
                                             "leaks": 0.0}),  # --all rows are not the ranking
])
def test_metric_edge_cases(matches: list[Match], expected: dict[str, float]) -> None:
    assert evaluate(matches, GOLD) == expected


def test_labelled_set(eval_dir: Path) -> None:
    """Measured 2026-12-05 (45 calls, as of 2026-12-01): nDCG@5 0.966, leaks 0 (docs/benchmarks.md,
    *Generalisation across the two labelled sets*). nDCG@5 ≥ 0.95 on both sets with one configuration
    is issue 15's bar; the other floors leave a margin for general changes."""
    with (eval_dir / "calls.jsonl").open(encoding="utf-8") as lines:
        calls = [FundingCall.model_validate(json.loads(line)) for line in lines if line.strip()]
    measures = MeasuresFile.model_validate(yaml.safe_load((eval_dir / "measures.yaml").read_text(encoding="utf-8")))
    gold = yaml.safe_load((eval_dir / "gold.yaml").read_text(encoding="utf-8"))
    result = evaluate(match_calls(calls, measures, AS_OF), gold)
    assert result["leaks"] == 0
    assert result["ndcg@5"] >= 0.95
    assert result["recall@10"] >= 0.90
    assert result["useful@5"] >= 0.80


BASELINES = ("BM25 (einfach)", "BM25 + Prüfung", "Substring-Suche", "Substring + Prüfung")


def test_clearly_above_both_baselines(eval_dir: Path) -> None:
    """Issue 4's bar: nDCG@5 ≥ 0.85, no leaks, and clearly above plain BM25 and substring search
    computed in the same run (with their own filters and behind our gates)."""
    results = compare(load_eval_set(eval_dir), AS_OF)
    ours = results["Förderradar"]["alle"]
    assert ours["ndcg@5"] >= 0.85 and ours["leaks"] == 0
    for name in BASELINES:
        assert ours["ndcg@5"] >= results[name]["alle"]["ndcg@5"] + 0.05, name
    # Filters on the portal's own fields alone let ineligible calls through; our gates do not.
    assert results["Substring-Suche"]["alle"]["leaks"] > 0 and results["Substring + Prüfung"]["alle"]["leaks"] == 0


# -- the baselines on a tiny hand-made set ----------------------------------------------------------

TINY = MeasuresFile.model_validate({
    "city": {"name": "T", "region": "DE-NW", "applicant_types": ["kommune"]},
    "measures": [{"id": "wlan", "title": "WLAN Schulen", "keywords": ["Access Points"]}],
})


def tiny_call(source_id: str, title: str, **kw: object) -> FundingCall:
    return FundingCall.model_validate(
        {"source": "t", "source_id": source_id, "url": f"https://t.example/{source_id}", "title": title, **kw}
    )


def test_plain_bm25_ranks_by_term_statistics_without_german_processing() -> None:
    calls = [
        tiny_call("a", "WLAN für Schulen", description="WLAN WLAN Access Points in Schulen"),
        tiny_call("b", "Schulen", description="Sanierung von Schulen"),
        tiny_call("c", "Schulwlan", description="Funknetz"),  # a compound: plain BM25 cannot see it
        tiny_call("d", "WLAN für Betriebe", applicants=["unternehmen"]),
    ]
    matches = plain_bm25(calls, TINY, AS_OF, structured_gate)
    assert matches[0].call_id == "t:a"
    assert "t:c" not in {m.call_id for m in matches}
    assert {m.call_id: m.eligible for m in matches}["t:d"] is False


def test_substring_search_counts_words_found() -> None:
    calls = [tiny_call("a", "WLAN und Access Points für Schulen"), tiny_call("b", "Schulen")]
    scores = {m.call_id: m.score for m in substring_search(calls, TINY, AS_OF, structured_gate)}
    assert scores == {"t:a": 3.0, "t:b": 1.0}  # "wlan", "schulen", the phrase "access points" vs. "schulen"


# -- the figures as the command shows them ---------------------------------------------------------

FIGURES = {"ndcg@5": 0.9625, "p@5": 0.6, "useful@5": 1.0, "recall@10": 1.0, "leaks": 0.0}


def test_eval_tables_one_per_scope_with_figures_formatted() -> None:
    results = {
        "Förderradar": {"alle": FIGURES, "wlan": {**FIGURES, "p@5": 0.4}},
        "BM25 (einfach)": {"alle": {**FIGURES, "leaks": 3.0}, "wlan": FIGURES},
    }
    tables = eval_tables(results, 45, AS_OF)
    assert [t.title for t in tables] == ["45 Calls, Stichtag 2026-12-01", "45 Calls, Stichtag 2026-12-01 — wlan"]
    assert tables[0].rows == [("Förderradar", ["0.9625", "0.6", "1", "1", "0"]),
                              ("BM25 (einfach)", ["0.9625", "0.6", "1", "1", "3"])]
    assert tables[1].rows[0] == ("Förderradar", ["0.9625", "0.4", "1", "1", "0"])


def test_eval_table_markdown() -> None:
    table = EvalTable("T", [("Förderradar", ["0.9", "0.6", "1", "1", "0"])])
    assert table.markdown() == [
        "", "T", "", "| | ndcg@5 | p@5 | useful@5 | recall@10 | leaks |", "|---|---:|---:|---:|---:|---:|",
        "| Förderradar | 0.9 | 0.6 | 1 | 1 | 0 |",
    ]


TARGETS = [
    # (our nDCG@5, our leaks, target, missed)
    (0.96, 0, 0.9, False),
    (0.9, 0, 0.9, False),  # the target itself is met
    (0.89, 0, 0.9, True),
    (0.99, 1, 0.9, True),  # a leak is never traded for ranking
]


@pytest.mark.parametrize(("ndcg", "leaks", "target", "missed"), TARGETS)
def test_short_of_target(ndcg: float, leaks: float, target: float, missed: bool) -> None:
    ours = {**FIGURES, "ndcg@5": ndcg, "leaks": leaks}
    results = {"Förderradar": {"alle": ours}, "BM25 (einfach)": {"alle": {**FIGURES, "ndcg@5": 0.1}}}
    assert short_of_target(results, target) == (ours if missed else None)


# -- the command ------------------------------------------------------------------------------------


def test_eval_command_json_and_threshold(eval_dir: Path) -> None:
    result = CliRunner().invoke(app, ["eval", str(eval_dir), "--as-of", "2026-12-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == "2026-12-01" and data["calls"] == 45
    assert set(data["results"]) == {"Förderradar", "BM25 (einfach)", "BM25 + Prüfung", "Substring-Suche",
                                    "Substring + Prüfung", "Rest nach 3 Markierungen", "Rest, aus 3 gelernt"}
    assert data["results"]["Förderradar"]["alle"]["leaks"] == 0
    strict = CliRunner().invoke(app, ["eval", str(eval_dir), "--as-of", "2026-12-01", "--min-ndcg", "0.999"])
    assert strict.exit_code == 1 and "Unter dem Ziel" in strict.stderr
    per = CliRunner().invoke(app, ["eval", str(eval_dir), "--as-of", "2026-12-01", "--per-measure", "--format", "md"])
    assert per.exit_code == 0 and "— breitband" in per.stdout


def test_eval_command_names_every_problem_of_a_broken_set(tmp_path: Path) -> None:
    (tmp_path / "calls.jsonl").write_text(
        '{"source": "t", "source_id": "a", "url": "https://t.example/a", "title": "A"}\n'
        "{kaputt\n"
        '{"source": "t", "source_id": "b", "url": "ftp://t.example/b", "title": "B"}\n',
        encoding="utf-8",
    )
    (tmp_path / "measures.yaml").write_text(
        "city: {name: T, region: DE-NW, applicant_types: [kommune]}\nmeasures: [{id: m, title: M}]\n",
        encoding="utf-8",
    )
    (tmp_path / "gold.yaml").write_text("m: {t:a: 2, t:zz: 1}\nandere: {t:a: 1}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(tmp_path)])
    assert result.exit_code == 2
    text = result.stderr
    assert "calls.jsonl: Zeile 2: kein JSON" in text
    assert "calls.jsonl: Zeile 3: url" in text
    assert "gold.yaml: m.t:zz: kein Call dieser ID" in text
    assert "gold.yaml: andere: keine Maßnahme" in text
    missing = CliRunner().invoke(app, ["eval", str(tmp_path / "nirgends")])
    assert missing.exit_code == 2 and "Datei fehlt" in missing.stderr


def test_the_second_set_lists_no_call_the_town_cannot_apply_for() -> None:
    """../shared/eval2 (a kreisangehörige town in Brandenburg): no leaks — calls only for Landkreise,
    kreisfreie Städte, larger towns or for institutions the municipality merely owns stay out; and
    issue 15's bar for the ranking, nDCG@5 ≥ 0.95 (measured 0.955, docs/benchmarks.md)."""
    from conftest import SHARED, require_shared

    results = compare(load_eval_set(require_shared(SHARED / "eval2")), AS_OF)
    ours = results["Förderradar"]["alle"]
    assert ours["leaks"] == 0
    assert ours["ndcg@5"] >= 0.95 and ours["recall@10"] >= 0.90
