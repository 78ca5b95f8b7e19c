"""The domain thesaurus (``thesaurus.yaml``) compiled into lookup tables for the analyzer.

Kept apart from the analyzer so the word lists stay data a city can read and extend, and so tests
can hand the analyzer a small thesaurus of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from foerderradar.german.fold import fold
from foerderradar.german.stem import inflection_stem, stem

THESAURUS_FILE = Path(__file__).with_name("thesaurus.yaml")


@dataclass(frozen=True)
class Thesaurus:
    concepts: dict[str, str] = field(default_factory=dict)  # stem of a one-word entry → concept key
    # inflection stems of the one-word entries: a derived word ("Schulung") whose stem meets an
    # entry's ("Schule") is that concept only if it is an entry itself (see :meth:`concept`)
    forms: frozenset[str] = frozenset()
    phrases: dict[tuple[str, ...], str] = field(default_factory=dict)  # stems of a phrase → concept key
    words: frozenset[str] = frozenset()  # one-word entries, folded and joined (compound vocabulary)
    longest_phrase: int = 0
    phrase_starts: frozenset[str] = frozenset()  # first stems of the phrases: where to look at all

    @classmethod
    def from_groups(cls, groups: Iterable[Sequence[object]]) -> Thesaurus:
        concepts: dict[str, str] = {}
        phrases: dict[tuple[str, ...], str] = {}
        words: set[str] = set()
        forms: set[str] = set()
        for group in groups:
            entries = [fold(str(term)).strip() for term in group if str(term).strip()]
            if not entries:
                continue
            concept = concept_key(entries[0])
            for entry in entries:
                if " " in entry:
                    key = tuple(stem(piece) for word in entry.split() for piece in word.split("-") if piece)
                    phrases.setdefault(key, concept)
                else:
                    joined = entry.replace("-", "")
                    words.add(joined)
                    forms.add(inflection_stem(joined))
                    concepts.setdefault(stem(joined), concept)
        longest = max((len(k) for k in phrases), default=0)
        return cls(concepts, frozenset(forms), phrases, frozenset(words), longest, frozenset(key[0] for key in phrases))

    def concept(self, piece: str, key: str | None = None) -> str | None:
        """The concept of a folded word: by its stem (``key``, if the caller has it), unless the stem
        strips a derivation the entries do not have ("Schulungen" is no "Schule", "Verwaltungen"
        is "Verwaltung")."""
        concept = self.concepts.get(stem(piece) if key is None else key)
        if concept is None:
            return None
        light = inflection_stem(piece)
        return concept if light == (stem(piece) if key is None else key) or light in self.forms else None


def concept_key(first_entry: str) -> str:
    """The term a group's members all become: "§" and its first entry (folded), joined."""
    return "§" + fold(first_entry).strip().replace(" ", "_").replace("-", "")


def read_groups(path: Path = THESAURUS_FILE) -> list[list[object]]:
    data = thesaurus_data() if path == THESAURUS_FILE else _parse(path)
    return [list(group) for group in data.get("groups", [])]


@cache
def thesaurus_data() -> dict[str, Any]:
    """thesaurus.yaml, parsed once per process: its groups, ``digital:`` and ``sectors:`` are read
    by three modules, and parsing YAML in pure Python costs more than matching a few hundred calls."""
    return _parse(THESAURUS_FILE)


def _parse(path: Path) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where PyYAML was built with it
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    return data if isinstance(data, dict) else {}


@cache
def load_thesaurus() -> Thesaurus:
    return Thesaurus.from_groups(read_groups())
