"""A sentence-embedding model as re-ranker of Förderradar's lists, on both labelled sets.

Issue 15, part 6: if a package from the registry ships a German or multilingual embedding model
inside its wheel (nothing downloaded at run time), try it as a re-ranker and keep it only if it wins
on both sets without a leak. The candidate found is WordLlama (``wordllama`` 0.4.0, 19 MB wheel with
its ``l2_supercat_256`` token embeddings; LLaMA-2 tokens, so German is covered). It is not a project
dependency; install it beside the checkout and name the directory:

    .venv/bin/pip install --target /tmp/embpkgs wordllama
    ln -s tokenizers /tmp/embpkgs/wordllama/tokenizer   # 0.4.0 looks for its bundled tokenizer there
    .venv/bin/python bench/eval_embedding_rerank.py /tmp/embpkgs

Each measure's eligible list (Förderradar's, so leaks cannot change) is re-ordered by
α·score/100 + (1 − α)·cosine(measure, call), for several α; α = 1 is Förderradar alone.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
ALPHAS = (1.0, 0.9, 0.8, 0.7, 0.5, 0.0)


def main(packages: str) -> None:
    sys.path.append(packages)  # after the venv's own packages
    from wordllama import WordLlama

    from foerderradar.matcher.evalset import load_eval_set
    from foerderradar.matcher.evaluate import evaluate
    from foerderradar.matcher.match import match_calls

    model = WordLlama.load(disable_download=True)  # the bundled weights only
    print("| set | " + " | ".join(f"α = {a}" for a in ALPHAS) + " |\n|---|" + "---:|" * len(ALPHAS))
    for name in ("eval", "eval2"):
        evalset = load_eval_set(SHARED / name)
        matches = [m for m in match_calls(evalset.calls, evalset.measures, date(2026, 12, 1)) if m.eligible]
        texts = {c.id: " ".join([c.title, c.summary or "", (c.description or "")[:1500]]) for c in evalset.calls}
        calls = dict(zip(texts, model.embed(list(texts.values()), norm=True), strict=True))
        measures = {m.id: model.embed([" ".join([m.title, m.description, *m.keywords])], norm=True)[0]
                    for m in evalset.measures.measures}
        cells = []
        for alpha in ALPHAS:
            ranked = []
            for measure in dict.fromkeys(m.measure_id for m in matches):
                own = [m for m in matches if m.measure_id == measure]
                ranked += sorted(own, key=lambda m, ms=measure: -(alpha * m.score / 100 + (1 - alpha) * float(
                    calls[m.call_id] @ measures[ms])))
            result = evaluate(ranked, evalset.gold)
            cells.append(f"{result['ndcg@5']:.3f} ({result['leaks']:g} leaks)")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/embpkgs")
