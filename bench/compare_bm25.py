"""Should bm25s replace our relevance scoring? Quality on the labelled sets and cost at scale, same run.

    .venv/bin/pip install bm25s PyStemmer             # into the venv only; not project dependencies
    .venv/bin/python bench/compare_bm25.py            # both labelled sets, then 10,000 calls × 200 measures
    .venv/bin/python bench/compare_bm25.py --scale "" # quality only
    .venv/bin/python bench/compare_bm25.py --sets ../shared/eval --scale 2000x100

Issue 11 part 8 asks to switch to a well-kept library where it does what we wrote by hand, or to
keep ours with a measured reason. This script answers it for ranking (foerderradar/matcher/
relevance.py, BM25F with field weights over the German analyzer of matcher/text.py).

Rankers, each ranking every call per measure (score > 0), best first, ties by call id:

- **Förderradar**: ``match_calls`` as shipped (the ``--all`` listing, so the gates can be swapped).
- **bm25s, our tokens**: bm25s (defaults: Lucene BM25, k1 1.5, b 0.75) over one bag per call of the
  terms our :class:`~foerderradar.matcher.text.Analyzer` gives (folding, stop words, stemming,
  compound parts, thesaurus concepts), title, topics, summary and description together; the query
  is the measure's distinct terms. What remains different from ours is BM25F (field weights,
  saturation after combining fields) and the query weights.
- **bm25s, our tokens, weights by repetition**: the usual trick for fields in a one-field engine —
  title tokens three times, topics and summary twice, the measure's title and keyword terms twice
  in the query (ours: 3 / 2 / 1.5 / 1 and 2 / 1).
- **bm25s, own tokenizer**: ``bm25s.tokenize`` with its defaults (lower case, ``\\w\\w+``, English
  stop words), what a newcomer would write first; and with its German stop words and the Snowball
  German stemmer (PyStemmer), the best the library offers for German out of the box.
- **plain BM25 (ours, baselines.py)**: the hand-written textbook BM25 of ``foerderradar eval``, as
  an anchor: bm25s with its own tokenizer should land near it.

Gates, applied to every ranking alike: *none* (every call listed counts as eligible), *portal
fields* (``baselines.structured_gate``: applicants, regions, status — what a portal's search
filters do) and *ours* (``assess_call`` plus the measure's exclude terms: what ``match_calls``
does). Metrics: ``foerderradar.matcher.evaluate`` (the labelled sets' README defines them), and
how many of the graded (1 or 2) English-language calls each ranker lists in the top 10 of their
measure: the measures are German, so only cross-lingual terms find those.

../shared/eval2's measures.yaml gives the city ``kreis`` and ``einwohner``, which our loader rejects
today; they are dropped from a temporary copy (the gates that would use them do not exist yet, so
every ranker leaks the calls limited to other Kreise or to larger towns alike).

Scale: the synthetic corpus of bench/match_scale.py, each case in a fresh process (peak RSS
belongs to that case). Ours as the digest asks (min_score 30, best 50 per measure, German reasons);
bm25s tokenising, indexing and retrieving the best 50 per measure (no reasons, no 0–100 score),
with and without our gates (read best first until 50 eligible calls are listed). Ratios are CPU
seconds against ours in the same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from foerderradar.matcher.baselines import plain_bm25, structured_gate  # noqa: E402
from foerderradar.matcher.eligibility import CallVerdict, assess_call, excluded_terms  # noqa: E402
from foerderradar.matcher.evalset import METRICS, EvalSet, load_eval_set  # noqa: E402
from foerderradar.matcher.evaluate import INELIGIBLE, evaluate  # noqa: E402
from foerderradar.matcher.match import match_calls  # noqa: E402
from foerderradar.matcher.relevance import QUERY_WEIGHTS  # noqa: E402
from foerderradar.matcher.text import Analyzer  # noqa: E402
from foerderradar.model import FundingCall, Match  # noqa: E402
from foerderradar.settings import City, Measure, MeasuresFile  # noqa: E402

AS_OF = date(2026, 12, 1)
SHARED = ROOT.parent / "shared"  # /work/shared beside the checkouts, as bench/eval_matcher.py assumes
DEFAULT_SETS = f"{SHARED / 'eval'},{SHARED / 'eval2'}"
UNSUPPORTED_CITY_KEYS = ("kreis", "einwohner")  # in ../shared/eval2, not (yet) in settings.City
REPEAT = {"title": 3, "topics": 2, "summary": 2, "description": 1}  # document fields, for "weights by repetition"

Ranking = dict[str, list[tuple[float, int]]]  # measure id → (score, call index), best first
Gate = Callable[[int, Measure], bool]  # (call index, measure) → eligible?


# -- labelled sets --------------------------------------------------------------------------------------


def load_set(directory: Path) -> tuple[EvalSet, list[str]]:
    """The set through our strict loader; city keys it does not know yet are dropped from a copy."""
    raw = yaml.safe_load((directory / "measures.yaml").read_text(encoding="utf-8")) or {}
    city = raw.get("city") or {}
    dropped = [key for key in UNSUPPORTED_CITY_KEYS if key in city]
    if not dropped:
        return load_eval_set(directory), []
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("calls.jsonl", "gold.yaml"):
            shutil.copy(directory / name, Path(tmp) / name)
        for key in dropped:
            del city[key]
        (Path(tmp) / "measures.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        return load_eval_set(Path(tmp)), dropped


# -- rankers ----------------------------------------------------------------------------------------------


def _open(measures: MeasuresFile) -> list[Measure]:
    return [m for m in measures.measures if m.status != "done"]


def _order(measure_id: str, scores: np.ndarray, calls: Sequence[FundingCall], ranking: Ranking) -> None:
    docs = np.flatnonzero(scores > 0).tolist()
    docs.sort(key=lambda d: (-float(scores[d]), calls[d].id))
    ranking[measure_id] = [(float(scores[d]), d) for d in docs]


def rank_ours(calls: Sequence[FundingCall], measures: MeasuresFile) -> Ranking:
    position = {call.id: n for n, call in enumerate(calls)}
    ranking: Ranking = {m.id: [] for m in _open(measures)}
    for match in match_calls(calls, measures, AS_OF, include_ineligible=True):
        ranking[match.measure_id].append((match.score, position[match.call_id]))
    return ranking


def rank_plain(calls: Sequence[FundingCall], measures: MeasuresFile) -> Ranking:
    position = {call.id: n for n, call in enumerate(calls)}
    ranking: Ranking = {m.id: [] for m in _open(measures)}
    for match in plain_bm25(calls, measures, AS_OF, lambda *_: True):
        ranking[match.measure_id].append((match.score, position[match.call_id]))
    return ranking


def field_texts(call: FundingCall) -> dict[str, str]:
    """The four fields the relevance index reads, the way it reads them."""
    return {"title": call.title, "topics": " ; ".join(call.topics or []), "summary": call.summary or "",
            "description": call.description or ""}


def our_analyzer(calls: Sequence[FundingCall], measures: Sequence[Measure]) -> Analyzer:
    """The analyzer relevance.Index builds: compound vocabulary from measures, titles and topics."""
    vocabulary = [" ".join([m.title, m.description, *m.keywords]) for m in measures]
    vocabulary += [" ".join([c.title, *(c.topics or [])]) for c in calls]
    return Analyzer(vocabulary)


def field_terms(analyzer: Analyzer, text: str) -> list[str]:
    """Every term occurrence of one text, as the index counts them (phrases, then words' terms)."""
    out: list[str] = []
    for token, count in analyzer.analyse(text).tokens().items():
        terms = analyzer.word_terms(token) if isinstance(token, str) else (token[0],)
        out.extend(terms * count)
    return out


def our_documents(analyzer: Analyzer, calls: Sequence[FundingCall], *, weighted: bool) -> list[list[str]]:
    docs = []
    for call in calls:
        tokens: list[str] = []
        for name, text in field_texts(call).items():
            tokens.extend(field_terms(analyzer, text) * (REPEAT[name] if weighted else 1))
        docs.append(tokens)
    return docs


def our_query(analyzer: Analyzer, measure: Measure, *, weighted: bool) -> list[str]:
    """The measure's distinct terms; weighted: as many times as its query weight (2 title/keywords, 1 text)."""
    weights: dict[str, float] = {}
    parts = {"title": [measure.title], "keywords": list(measure.keywords), "description": [measure.description]}
    for where, texts in parts.items():
        for text in texts:
            for term in analyzer.terms(text):
                weights[term] = max(weights.get(term, 0.0), QUERY_WEIGHTS[where])
    return [term for term, weight in weights.items() for _ in range(int(weight) if weighted else 1)]


def _scores(retriever: bm25s.BM25, query: list[str]) -> np.ndarray:
    known = [t for t in query if t in retriever.vocab_dict]
    if not known:
        return np.zeros(retriever.scores["num_docs"])
    return np.asarray(retriever.get_scores(known), dtype=np.float64)


K1 = [1.5]  # bm25s's default; --k1 changes it for every bm25s ranker (ours: 1.2)


def _index(corpus: Any) -> bm25s.BM25:
    retriever = bm25s.BM25(k1=K1[0])
    retriever.index(corpus, show_progress=False)
    return retriever


def rank_bm25s_ours(calls: Sequence[FundingCall], measures: MeasuresFile, *, weighted: bool = False) -> Ranking:
    analyzer = our_analyzer(calls, measures.measures)
    retriever = _index(our_documents(analyzer, calls, weighted=weighted))
    ranking: Ranking = {}
    for measure in _open(measures):
        _order(measure.id, _scores(retriever, our_query(analyzer, measure, weighted=weighted)), calls, ranking)
    return ranking


def _whole(call: FundingCall) -> str:
    return "\n".join(field_texts(call).values())


def _measure_text(measure: Measure) -> str:
    return " ".join([measure.title, measure.description, *measure.keywords])


def _own_options(german: bool) -> dict[str, Any]:
    if not german:
        return {}  # bm25s.tokenize's defaults: lower case, \w\w+, English stop words, no stemmer
    import Stemmer  # PyStemmer: the stemmer bm25s's documentation recommends

    return {"stopwords": "de", "stemmer": Stemmer.Stemmer("german").stemWords}


def own_tokens(texts: list[str], german: bool) -> list[list[str]]:
    tokens = bm25s.tokenize(texts, return_ids=False, show_progress=False, **_own_options(german))
    return [list(t) for t in tokens]


def rank_bm25s_own(calls: Sequence[FundingCall], measures: MeasuresFile, *, german: bool = False) -> Ranking:
    retriever = _index(bm25s.tokenize([_whole(c) for c in calls], show_progress=False, **_own_options(german)))
    open_measures = _open(measures)
    queries = own_tokens([_measure_text(m) for m in open_measures], german)
    ranking: Ranking = {}
    for measure, query in zip(open_measures, queries, strict=True):
        _order(measure.id, _scores(retriever, list(dict.fromkeys(query))), calls, ranking)
    return ranking


def _has_stemmer() -> bool:
    return importlib.util.find_spec("Stemmer") is not None


RANKERS: dict[str, Callable[[Sequence[FundingCall], MeasuresFile], Ranking]] = {
    "Förderradar (match_calls)": rank_ours,
    "bm25s, our tokens": rank_bm25s_ours,
    "bm25s, our tokens, weights by repetition": lambda c, m: rank_bm25s_ours(c, m, weighted=True),
    "bm25s, own tokenizer (defaults)": rank_bm25s_own,
    "bm25s, own tokenizer, German stop words + Snowball": lambda c, m: rank_bm25s_own(c, m, german=True),
    "plain BM25, hand-written (baselines.py)": rank_plain,
}


# -- gates and metrics ------------------------------------------------------------------------------------


class OurGate:
    """``assess_call`` once per call (it does not depend on the measure), the measure's exclude terms per pair."""

    def __init__(self, calls: Sequence[FundingCall], city: City) -> None:
        self.calls, self.city = calls, city
        self.known: dict[int, CallVerdict] = {}

    def __call__(self, doc: int, measure: Measure) -> bool:
        verdict = self.known.get(doc)
        if verdict is None:
            verdict = self.known[doc] = assess_call(self.calls[doc], self.city, AS_OF)
        return verdict.eligible and not excluded_terms(measure, verdict)


def gates(calls: Sequence[FundingCall], city: City) -> dict[str, Gate]:
    return {
        "none": lambda doc, measure: True,
        "portal fields": lambda doc, measure: structured_gate(calls[doc], city, AS_OF),
        "ours": OurGate(calls, city),
    }


def to_matches(ranking: Ranking, calls: Sequence[FundingCall], measures: MeasuresFile, gate: Gate) -> list[Match]:
    out = []
    for measure in _open(measures):
        for score, doc in ranking[measure.id]:
            call = calls[doc]
            out.append(Match(measure.id, call.id, call.title, call.url, score, gate(doc, measure), call.deadline,
                             call.effective_status(AS_OF)))
    return out


def english_found(matches: list[Match], evalset: EvalSet) -> tuple[int, int]:
    """(graded English calls listed eligible in their measure's top 10, graded English calls): the
    measures are German, so only cross-lingual terms (our thesaurus) can find these."""
    english = {call.id for call in evalset.calls if call.language == "en"}
    top: dict[str, list[str]] = {}
    for match in matches:
        if match.eligible:
            top.setdefault(match.measure_id, []).append(match.call_id)
    wanted = [(measure, call_id) for measure, grades in evalset.gold.items() if measure != INELIGIBLE
              for call_id in grades or {} if call_id in english]
    return sum(call_id in top.get(measure, [])[:10] for measure, call_id in wanted), len(wanted)


def quality(directory: Path) -> None:
    evalset, dropped = load_set(directory)
    calls, measures = evalset.calls, evalset.measures
    note = f"; city keys dropped for our loader: {', '.join(dropped)}" if dropped else ""
    print(f"\n## {directory.name}: {len(calls)} calls, {len(_open(measures))} measures, as of {AS_OF}{note}\n")
    print(f"| ranker | gates | {' | '.join(METRICS)} | English graded calls in top 10 |\n"
          f"|---|---|{'---:|' * len(METRICS)}---:|")
    rankers = {name: ranker for name, ranker in RANKERS.items() if "Snowball" not in name or _has_stemmer()}
    shipped = evaluate(match_calls(calls, measures, AS_OF), evalset.gold)
    for name, ranker in rankers.items():
        ranking = ranker(calls, measures)
        for gate_name, gate in gates(calls, measures.city).items():
            matches = to_matches(ranking, calls, measures, gate)
            metrics = evaluate(matches, evalset.gold)
            if name.startswith("Förderradar") and gate_name == "ours" and metrics != shipped:
                raise SystemExit(f"Förderradar with our gates here {metrics} ≠ match_calls as shipped {shipped}")
            cells = " | ".join(f"{metrics[k]:.3f}" if k != "leaks" else f"{metrics[k]:g}" for k in METRICS)
            found, english = english_found(matches, evalset)
            print(f"| {name} | {gate_name} | {cells} | {found} of {english} |")
    print("\n(Förderradar with our gates is checked to equal `match_calls` as shipped, i.e. `foerderradar eval`.)")


# -- scale ------------------------------------------------------------------------------------------------

SCALE_METHODS = {
    "ours": "Förderradar match_calls (min_score 30, best 50, reasons)",
    "own": "bm25s, own tokenizer: tokenize + index + best 50",
    "own+gates": "bm25s, own tokenizer + our gates (best 50 eligible)",
    "tokens": "bm25s, our tokens: analyse + index + best 50",
    "tokens+gates": "bm25s, our tokens + our gates (best 50 eligible)",
}


def _make_corpus(n_calls: int, n_measures: int) -> tuple[list[FundingCall], MeasuresFile]:
    spec = importlib.util.spec_from_file_location("match_scale", ROOT / "bench" / "match_scale.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    calls, measures = module.make_corpus(n_calls, n_measures)
    return calls, measures


def _best_eligible(retriever: bm25s.BM25, queries: list[list[str]], measures: list[Measure], gate: OurGate,
                   limit: int) -> int:
    listed = 0
    for measure, query in zip(measures, queries, strict=True):
        scores = _scores(retriever, query)
        found = 0
        for doc in np.argsort(-scores, kind="stable").tolist():
            if scores[doc] <= 0 or found == limit:
                break
            if gate(doc, measure):
                found += 1
        listed += found
    return listed


def run_one(method: str, n_calls: int, n_measures: int, limit: int) -> dict[str, Any]:
    calls, measures = _make_corpus(n_calls, n_measures)
    open_measures = _open(measures)
    corpus_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start, start_cpu = time.perf_counter(), time.process_time()
    if method == "ours":
        listed = len(match_calls(calls, measures, AS_OF, min_score=30, limit=limit))
    else:
        if method.startswith("own"):
            retriever = _index(bm25s.tokenize([_whole(c) for c in calls], show_progress=False))
            queries = [list(dict.fromkeys(q)) for q in own_tokens([_measure_text(m) for m in open_measures], False)]
        else:
            analyzer = our_analyzer(calls, measures.measures)
            retriever = _index(our_documents(analyzer, calls, weighted=False))
            queries = [our_query(analyzer, m, weighted=False) for m in open_measures]
        queries = [[t for t in q if t in retriever.vocab_dict] for q in queries]
        if method.endswith("+gates"):
            listed = _best_eligible(retriever, queries, open_measures, OurGate(calls, measures.city), limit)
        else:
            _docs, scores = retriever.retrieve(queries, k=limit, show_progress=False)
            listed = int((scores > 0).sum())
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"method": method, "seconds": seconds, "cpu": cpu, "corpus_mb": corpus_mb, "peak_mb": peak_mb,
            "listed": listed}


def scale(n_calls: int, n_measures: int, limit: int) -> None:
    rows = []
    for method in SCALE_METHODS:
        command = [sys.executable, __file__, "--one", method, "--scale", f"{n_calls}x{n_measures}",
                   "--limit", str(limit), "--k1", str(K1[0])]
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"  {method}: {rows[-1]['cpu']:.1f} s CPU", file=sys.stderr)
    ours = rows[0]
    print(f"\n## Scale: {n_calls:,} calls × {n_measures:,} measures (bench/match_scale.py corpus), best {limit}\n")
    print("| method | wall s | CPU s | CPU ratio to ours | peak RSS MB | of it corpus MB | above corpus MB | listed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {SCALE_METHODS[r['method']]} | {r['seconds']:.1f} | {r['cpu']:.1f} | {r['cpu'] / ours['cpu']:.2f} | "
              f"{r['peak_mb']:.0f} | {r['corpus_mb']:.0f} | {r['peak_mb'] - r['corpus_mb']:.0f} | {r['listed']:,} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=DEFAULT_SETS, help="comma-separated labelled-set directories")
    parser.add_argument("--scale", default="10000x200", help="CALLSxMEASURES ('' to skip)")
    parser.add_argument("--limit", type=int, default=50, help="best N per measure at scale")
    parser.add_argument("--k1", type=float, default=1.5, help="bm25s k1 (its default 1.5; ours is 1.2)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child process: one scale method
    args = parser.parse_args()
    K1[0] = args.k1
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # "the query is empty" …: the tables are the output
    if args.one:
        n, m = (int(x) for x in args.scale.split("x"))
        print(json.dumps(run_one(args.one, n, m, args.limit)))
        return
    uname = platform.uname()
    print(f"# compare_bm25 — {date.today()} — {uname.node}: {uname.system} {uname.release} {uname.machine}, "
          f"{len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}, bm25s {bm25s.__version__}, "
          f"numpy {np.__version__}; bm25s k1 {K1[0]:g}")
    for directory in (Path(d) for d in args.sets.split(",") if d):
        quality(directory)
    if args.scale:
        n, m = (int(x) for x in args.scale.split("x"))
        scale(n, m, args.limit)


if __name__ == "__main__":
    main()
