"""Matcher quality on a labelled set, against a substring-search baseline computed in the same run.

    .venv/bin/python bench/eval_matcher.py [EVAL_DIR] [--per-measure]

EVAL_DIR defaults to ../shared/eval (calls.jsonl, measures.yaml, gold.yaml; see its README for the
metric definitions). Two baselines, so the table separates ranking from gating:

- "Substring-Suche": what a portal's search box with its filters does — count how many of the
  measure's keywords and title words occur in the call's text; keep only the structured filters
  (``applicants``, ``regions``, status/deadline fields).
- "Substring-Suche + Gates": the same ranking behind our eligibility gates (text-read applicants,
  areas, closing phrases), so the difference to Förderradar is the ranking alone.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from foerderradar.matcher import match_calls
from foerderradar.matcher.eligibility import assess_call
from foerderradar.matcher.evaluate import evaluate
from foerderradar.matcher.text import fold
from foerderradar.matcher.types import Match
from foerderradar.model import FundingCall
from foerderradar.settings import City, MeasuresFile

AS_OF = date(2026, 12, 1)
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"

Gate = Callable[[FundingCall, City], bool]


def load(directory: Path) -> tuple[list[FundingCall], MeasuresFile, dict[str, Any]]:
    with (directory / "calls.jsonl").open(encoding="utf-8") as lines:
        calls = [FundingCall.model_validate(json.loads(line)) for line in lines if line.strip()]
    measures = MeasuresFile.model_validate(yaml.safe_load((directory / "measures.yaml").read_text(encoding="utf-8")))
    gold = yaml.safe_load((directory / "gold.yaml").read_text(encoding="utf-8"))
    return calls, measures, gold


def structured_gate(call: FundingCall, city: City) -> bool:
    """Only what the portal's fields say; text is not read."""
    if call.applicants is not None and not set(call.applicants) & set(city.applicant_types):
        return False
    if call.regions and not set(call.regions) & {city.region, "DE", "EU"}:
        return False
    return call.effective_status(AS_OF) != "closed"


def our_gate(call: FundingCall, city: City) -> bool:
    return assess_call(call, city, AS_OF).eligible


def substring_baseline(calls: list[FundingCall], measures: MeasuresFile, gate: Gate) -> list[Match]:
    out: list[Match] = []
    texts = [fold(" ".join(filter(None, [c.title, c.summary, c.description, *(c.topics or [])]))) for c in calls]
    for m in measures.measures:
        if m.status == "done":
            continue
        words = {fold(w.strip(".,;:()")) for w in [*m.keywords, *m.title.split()] if len(w) > 3}
        scored = []
        for call, text in zip(calls, texts, strict=True):
            hits = sum(1 for w in words if w in text)
            if hits:
                scored.append(Match(m.id, call.id, call.title, call.url, hits, gate(call, measures.city),
                                    call.deadline, call.effective_status(AS_OF)))
        out.extend(sorted(scored, key=lambda x: -x.score))
    return out


def _table(rows: dict[str, dict[str, float]]) -> str:
    keys = list(next(iter(rows.values())))
    lines = [f"| | {' | '.join(keys)} |", f"|---|{'---:|' * len(keys)}"]
    lines += [f"| {name} | {' | '.join(f'{v:g}' for v in result.values())} |" for name, result in rows.items()]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    directory = Path(args[0]) if args else DEFAULT_DIR
    calls, measures, gold = load(directory)
    runs = {
        "Förderradar": match_calls(calls, measures, AS_OF),
        "Substring-Suche": substring_baseline(calls, measures, structured_gate),
        "Substring-Suche + Gates": substring_baseline(calls, measures, our_gate),
    }
    print(f"{len(calls)} calls, as of {AS_OF.isoformat()}\n")
    print(_table({name: evaluate(matches, gold) for name, matches in runs.items()}))
    if "--per-measure" in argv:
        for measure in (k for k in gold if k != "ineligible"):
            sub = {k: v for k, v in gold.items() if k in (measure, "ineligible")}
            print(f"\n{measure}\n" + _table({name: evaluate(matches, sub) for name, matches in runs.items()}))


if __name__ == "__main__":
    main(sys.argv[1:])
