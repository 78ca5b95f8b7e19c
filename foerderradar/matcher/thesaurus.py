"""The domain thesaurus (``thesaurus.yaml``) compiled into lookup tables for the analyzer.

Kept apart from the analyzer so the word lists stay data a city can read and extend, and so tests
can hand the analyzer a small thesaurus of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from foerderradar.german.fold import fold
from foerderradar.german.stem import stem

THESAURUS_FILE = Path(__file__).with_name("thesaurus.yaml")


@dataclass(frozen=True)
class Thesaurus:
    concepts: dict[str, str] = field(default_factory=dict)  # stem of a one-word entry → concept key
    phrases: dict[tuple[str, ...], str] = field(default_factory=dict)  # stems of a phrase → concept key
    words: frozenset[str] = frozenset()  # one-word entries, folded and joined (compound vocabulary)
    longest_phrase: int = 0
    phrase_starts: frozenset[str] = frozenset()  # first stems of the phrases: where to look at all

    @classmethod
    def from_groups(cls, groups: Iterable[Sequence[object]]) -> Thesaurus:
        concepts: dict[str, str] = {}
        phrases: dict[tuple[str, ...], str] = {}
        words: set[str] = set()
        for group in groups:
            entries = [fold(str(term)).strip() for term in group if str(term).strip()]
            if not entries:
                continue
            concept = "§" + entries[0].replace(" ", "_").replace("-", "")
            for entry in entries:
                if " " in entry:
                    key = tuple(stem(piece) for word in entry.split() for piece in word.split("-") if piece)
                    phrases.setdefault(key, concept)
                else:
                    joined = entry.replace("-", "")
                    words.add(joined)
                    concepts.setdefault(stem(joined), concept)
        longest = max((len(k) for k in phrases), default=0)
        return cls(concepts, phrases, frozenset(words), longest, frozenset(key[0] for key in phrases))


def read_groups(path: Path = THESAURUS_FILE) -> list[list[object]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [list(group) for group in data.get("groups", [])]


@cache
def load_thesaurus() -> Thesaurus:
    return Thesaurus.from_groups(read_groups())
