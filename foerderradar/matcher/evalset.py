"""A labelled matching set on disk (the format of ../shared/eval) and the comparison run on it.

``foerderradar eval DIR`` and ``bench/eval_matcher.py`` both call :func:`compare`, so the figures
in docs/benchmarks.md are exactly what the command prints. Loading is strict and names file and
line: a labelled set with a typo must not quietly evaluate fewer calls. The figures leave here
formatted (:func:`eval_tables`, :func:`eval_json`): the command only lays them out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from foerderradar.matcher.baselines import our_gate, plain_bm25, structured_gate, substring_search
from foerderradar.matcher.evaluate import INELIGIBLE, evaluate
from foerderradar.matcher.feedback import Feedback
from foerderradar.matcher.match import match_calls
from foerderradar.model import FundingCall, Match
from foerderradar.settings import ConfigError, MeasuresFile, format_validation_error

METRICS = ("ndcg@5", "p@5", "useful@5", "recall@10", "leaks")
OURS = "Förderradar"
ALL = "alle"  # the scope over every measure; the others are measure ids

Results = dict[str, dict[str, dict[str, float]]]  # {ranker: {scope: {metric: value}}}


@dataclass(frozen=True)
class EvalSet:
    calls: list[FundingCall]
    measures: MeasuresFile
    gold: dict[str, Any]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: Datei fehlt (nötig sind calls.jsonl, measures.yaml, gold.yaml)"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: nicht lesbar ({exc})"]) from None


def load_eval_set(directory: Path) -> EvalSet:
    problems: list[str] = []
    calls: list[FundingCall] = []
    path = directory / "calls.jsonl"
    for number, line in enumerate(_read(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            calls.append(FundingCall.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(f"{path}: Zeile {number}: kein JSON ({exc.msg})")
        except ValidationError as exc:
            problems.extend(format_validation_error(f"{path}: Zeile {number}", exc))
    measures_path = directory / "measures.yaml"
    measures: MeasuresFile | None = None
    try:
        measures = MeasuresFile.model_validate(yaml.safe_load(_read(measures_path)) or {})
    except ValidationError as exc:
        problems.extend(format_validation_error(measures_path, exc))
    except yaml.YAMLError as exc:
        problems.append(f"{measures_path}: YAML-Fehler: {exc}")
    gold_path = directory / "gold.yaml"
    try:
        gold = yaml.safe_load(_read(gold_path))
    except yaml.YAMLError as exc:
        problems.append(f"{gold_path}: YAML-Fehler: {exc}")
        gold = {}
    if not isinstance(gold, dict) or not all(isinstance(v, dict | None) for v in gold.values()):
        problems.append(f"{gold_path}: erwartet je Maßnahme eine Zuordnung Call-ID → Note (1 oder 2)")
    elif measures is not None:
        known = {m.id for m in measures.measures}
        problems.extend(
            f"{gold_path}: {key}: keine Maßnahme dieses Namens in measures.yaml"
            for key in gold if key != INELIGIBLE and key not in known
        )
        ids = {c.id for c in calls}
        for key, grades in gold.items():
            for call_id in grades or {}:
                if call_id not in ids:
                    problems.append(f"{gold_path}: {key}.{call_id}: kein Call dieser ID in calls.jsonl")
    if problems:
        raise ConfigError(problems)
    assert measures is not None
    return EvalSet(calls, measures, gold)


Ranker = Callable[[EvalSet, date], list[Match]]
RANKERS: dict[str, Ranker] = {
    OURS: lambda s, d: match_calls(s.calls, s.measures, d),
    "BM25 (einfach)": lambda s, d: plain_bm25(s.calls, s.measures, d, structured_gate),
    "BM25 + Prüfung": lambda s, d: plain_bm25(s.calls, s.measures, d, our_gate),
    "Substring-Suche": lambda s, d: substring_search(s.calls, s.measures, d, structured_gate),
    "Substring + Prüfung": lambda s, d: substring_search(s.calls, s.measures, d, our_gate),
}


def compare(evalset: EvalSet, as_of: date, *, per_measure: bool = False) -> Results:
    """{ranker: {"alle": metrics, measure id: metrics …}} — every ranker on the same set and date.

    "BM25 (einfach)" and "Substring-Suche" filter only on the portal's own fields; the "+ Prüfung"
    rows use our eligibility gates with the baseline's ranking, so the
    difference to Förderradar is the ranking alone.
    """
    out: Results = {}
    for name, ranker in RANKERS.items():
        out[name] = _scopes(ranker(evalset, as_of), evalset.gold, per_measure)
    residual_gold, before, after = simulate_feedback(evalset, as_of)
    out[RESIDUAL] = _scopes(before, residual_gold, per_measure)
    out[LEARNED] = _scopes(after, residual_gold, per_measure)
    return out


def _scopes(matches: list[Match], gold: Mapping[str, Any], per_measure: bool) -> dict[str, dict[str, float]]:
    rows = {ALL: evaluate(matches, gold)}
    if per_measure:
        for measure in (k for k in gold if k != INELIGIBLE):
            rows[measure] = evaluate(matches, {k: v for k, v in gold.items() if k in (measure, INELIGIBLE)})
    return rows


# Simulated feedback: a person marks the top MARKED of each measure's list as the labels say.
MARKED = 3
RESIDUAL = f"Rest nach {MARKED} Markierungen"
LEARNED = f"Rest, aus {MARKED} gelernt"


def simulate_feedback(evalset: EvalSet, as_of: date) -> tuple[dict[str, Any], list[Match], list[Match]]:
    """Learning from marks measured the standard way (residual collection): per measure the top
    :data:`MARKED` calls are marked as the labels say (grade 1 or 2: relevant, else dismissed),
    then both rankings — without and with what the marks teach — are scored on the calls nobody
    marked. Returns the labels without the marked calls, and the two rankings without them."""
    first = match_calls(evalset.calls, evalset.measures, as_of)
    marked: dict[str, list[str]] = {}
    for match in first:
        if match.eligible and len(picked := marked.setdefault(match.measure_id, [])) < MARKED:
            picked.append(match.call_id)
    feedback = {}
    for measure, call_ids in marked.items():
        grades = evalset.gold.get(measure) or {}
        feedback[measure] = Feedback(frozenset(c for c in call_ids if grades.get(c, 0) >= 1),
                                     frozenset(c for c in call_ids if grades.get(c, 0) < 1))
    learned = match_calls(evalset.calls, evalset.measures, as_of, feedback=feedback)
    gold = {measure: (grades if measure == INELIGIBLE else
                      {c: g for c, g in (grades or {}).items() if c not in marked.get(measure, [])})
            for measure, grades in evalset.gold.items()}

    def rest(matches: list[Match]) -> list[Match]:
        return [m for m in matches if m.call_id not in marked.get(m.measure_id, [])]

    return gold, rest(first), rest(learned)


# -- the figures as the command shows them ------------------------------------------------------


@dataclass(frozen=True)
class EvalTable:
    """One scope of a comparison (all measures, or one measure): a title and, per ranker, its
    figures formatted the one way the command, its Markdown and docs/benchmarks.md show them."""

    title: str
    rows: list[tuple[str, list[str]]]  # (ranker, one cell per METRICS)

    def markdown(self) -> list[str]:
        """The lines of the Markdown form: a blank line, the title, a blank line, the table."""
        return [
            "", self.title, "", f"| | {' | '.join(METRICS)} |", f"|---|{'---:|' * len(METRICS)}",
            *(f"| {name} | {' | '.join(cells)} |" for name, cells in self.rows),
        ]


def eval_tables(results: Results, calls: int, as_of: date) -> list[EvalTable]:
    """One table per scope of ``results`` (the whole set first, then each measure if asked)."""
    tables = []
    for scope in next(iter(results.values())):
        title = f"{calls} Calls, Stichtag {as_of.isoformat()}" + ("" if scope == ALL else f" — {scope}")
        rows = [(name, [f"{scopes[scope][k]:g}" for k in METRICS]) for name, scopes in results.items()]
        tables.append(EvalTable(title, rows))
    return tables


def eval_json(results: Results, calls: int, as_of: date) -> str:
    return json.dumps({"as_of": as_of.isoformat(), "calls": calls, "results": results}, ensure_ascii=False,
                      indent=2) + "\n"


def short_of_target(results: Results, min_ndcg: float) -> Mapping[str, float] | None:
    """Our figures over the whole set when they miss the target — nDCG@5 below ``min_ndcg`` or any
    ineligible call listed (a leak is never traded for ranking) — else None."""
    ours = results[OURS][ALL]
    return ours if ours["ndcg@5"] < min_ndcg or ours["leaks"] > 0 else None
