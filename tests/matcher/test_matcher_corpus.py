"""Several municipalities matching one ``Corpus``: the shared analysis changes no verdict.

A :class:`~foerderradar.matcher.relevance.Corpus` keeps the calls' tokens and their share of the
vocabulary for every municipality that matches them (``jobs.match_each``). Each municipality's
verdicts must be exactly those of matching the plain list on its own — whatever other
municipalities matched the corpus before, with which measures, in which order.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from bench_modules import load
from conftest import EVAL, require_shared

from foerderradar.matcher import match_calls
from foerderradar.matcher.evalset import load_eval_set
from foerderradar.matcher.relevance import Corpus
from foerderradar.matcher.text import Analyzer
from foerderradar.model import FundingCall
from foerderradar.settings import MeasuresFile

AS_OF = load("match_scale").AS_OF


def municipalities(measures: MeasuresFile, count: int, seed: int = 5) -> list[MeasuresFile]:
    """``count`` measure files from one: measures shuffled, cut, given other words (so each
    municipality's vocabulary differs), and other Länder."""
    rng = random.Random(seed)
    words = ["Glasfaseranbindung", "Rathausdigitalisierung", "Bürgerbeteiligung", "Kreisverwaltung", "Schulhof",
             "Klimaanpassung", "Mobilfunkmasten", "Ratsarbeit", "Leitstelle", "Gewerbeflächen"]
    out = []
    for n in range(count):
        chosen = rng.sample(measures.measures, k=max(1, len(measures.measures) * 2 // 3))
        changed = [m.model_copy(update={"keywords": [*m.keywords, rng.choice(words) + rng.choice(["netz", "plan", ""])],
                                        "description": f"{m.description} {rng.choice(words)} in Musterstadt {n}"})
                   for m in chosen]
        city = measures.city.model_copy(update={"region": rng.choice(["DE-NW", "DE-BY", "DE-NI"])})
        out.append(MeasuresFile(city=city, measures=changed))
    return out


def assert_shared_equals_alone(calls: list[FundingCall], files: list[MeasuresFile], **options: object) -> int:
    shared = Corpus(calls)
    compared = 0
    for measures in files:
        alone = match_calls(list(calls), measures, AS_OF, **options)  # type: ignore[arg-type]
        assert match_calls(shared, measures, AS_OF, **options) == alone  # type: ignore[arg-type]
        compared += len(alone)
    return compared


def test_same_verdicts_on_the_labelled_set() -> None:
    labelled = load_eval_set(require_shared(EVAL))
    files = [labelled.measures, *municipalities(labelled.measures, 3)]
    assert assert_shared_equals_alone(labelled.calls, files, include_ineligible=True) > 0


@pytest.mark.parametrize("rare", [0, 3], ids=["corpus", "long-tail"])
def test_same_verdicts_on_synthetic_corpora_in_any_order(rare: int) -> None:
    calls, measures = load("match_scale").make_corpus(100, 8, rare=rare)
    files = municipalities(measures, 3)
    assert assert_shared_equals_alone(calls, files) > 0
    assert assert_shared_equals_alone(calls, files[::-1], min_score=30) > 0


def test_an_extended_vocabulary_is_the_one_built_from_all_texts(tmp_path: Path) -> None:
    calls = ["Gigabitförderung Graue Flecken", "Breitbandausbau; Schulen"]
    measures = ["Glasfaser für Gewerbegebiete", "WLAN-Ausstattung der Rathausdigitalisierung"]
    base = Analyzer(calls)
    extended, plain = Analyzer(measures, extends=base), Analyzer(measures + calls)
    assert extended.vocabulary == plain.vocabulary and extended._prefixes == plain._prefixes
    assert "glasfas" in extended.vocabulary or any(v.startswith("glasfas") for v in extended.vocabulary)
    assert base.vocabulary < extended.vocabulary  # the base is not changed by what extends it
    assert extended.split("gewerbegebietsglasfaser") == plain.split("gewerbegebietsglasfaser")
