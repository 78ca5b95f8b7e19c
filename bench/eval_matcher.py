"""Matcher quality on a labelled set, against a substring-search baseline computed in the same run.

    .venv/bin/python bench/eval_matcher.py [../shared/eval]
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import yaml

from foerderradar.matcher import match_calls
from foerderradar.matcher.eligibility import check
from foerderradar.matcher.evaluate import evaluate
from foerderradar.matcher.text import fold
from foerderradar.matcher.types import Match
from foerderradar.model import FundingCall
from foerderradar.settings import MeasuresFile

AS_OF = date(2026, 12, 1)


def load(directory: Path) -> tuple[list[FundingCall], MeasuresFile, dict]:  # type: ignore[type-arg]
    calls = [FundingCall.model_validate(json.loads(line)) for line in (directory / "calls.jsonl").open(encoding="utf-8")
             if line.strip()]
    measures = MeasuresFile.model_validate(yaml.safe_load((directory / "measures.yaml").read_text(encoding="utf-8")))
    gold = yaml.safe_load((directory / "gold.yaml").read_text(encoding="utf-8"))
    return calls, measures, gold


def substring_baseline(calls: list[FundingCall], measures: MeasuresFile) -> list[Match]:
    """What a portal's search box does: count keyword hits, keep structured eligibility only."""
    out = []
    for m in measures.measures:
        words = [fold(w) for w in [*m.keywords, *m.title.split()] if len(w) > 3]
        scored = []
        for c in calls:
            text = fold(" ".join(filter(None, [c.title, c.summary, c.description])))
            hits = sum(1 for w in words if w in text)
            if hits:
                ok = check(c, measures.city, m, AS_OF).eligible
                scored.append(Match(m.id, c.id, c.title, c.url, hits, ok, c.deadline, "open", []))
        out.extend(sorted(scored, key=lambda x: -x.score))
    return out


def main() -> None:
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "eval"
    calls, measures, gold = load(directory)
    ours = evaluate(match_calls(calls, measures, AS_OF), gold)
    base = evaluate(substring_baseline(calls, measures), gold)
    print(f"| matcher | {' | '.join(ours)} |")
    print(f"|---|{'---:|' * len(ours)}")
    print(f"| Förderradar | {' | '.join(str(v) for v in ours.values())} |")
    print(f"| substring baseline | {' | '.join(str(v) for v in base.values())} |")


if __name__ == "__main__":
    main()
