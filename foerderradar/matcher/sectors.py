"""Which field of municipal work a call is for — schools, the fire brigade, the library — read from its title.

Why: a call and a measure can share their core word and still be for different places. "Medienkompetenz
macht Schule – Fortbildungsbudgets für Schulen" shares "Medienkompetenz" with a library measure for
older people; "Schul-IT verlässlich betreiben" shares "IT-Dienstleister" with a town-hall roadmap. A
call whose title names such a field (``sectors:`` in ``thesaurus.yaml``) and a measure that names
none of the call's fields anywhere (title, keywords, description) do not fit: the call keeps
:data:`OTHER_SECTOR_SHARE` of its score. A call whose title names no field is for anyone, and a
measure naming one of the call's fields ("Digitale Lernumgebung an den städtischen Schulen") keeps
it whole.

The lists are general domain knowledge a city can read and extend: per field a German label for
the reasons, word parts that name it (``contains``), and word parts that look like it but do not
(``not``: a "Hochschule" or a "Schulung" is no school).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property

from foerderradar.german.fold import fold
from foerderradar.matcher.thesaurus import THESAURUS_FILE, thesaurus_data

OTHER_SECTOR_SHARE = 0.5
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


@dataclass(frozen=True)
class Sector:
    label: str  # German, for the reasons: "Schulen"
    contains: tuple[str, ...]  # folded word parts that name the field
    unlike: tuple[str, ...]  # folded word parts that look like it but name something else

    def named_by(self, word: str) -> bool:
        """``word`` folded."""
        return any(part in word for part in self.contains) and not any(part in word for part in self.unlike)


@dataclass(frozen=True)
class Sectors:
    sectors: tuple[Sector, ...]

    @cached_property
    def _any(self) -> re.Pattern[str]:
        """Any word part of any field: most words are none and need no closer look."""
        parts = {part for sector in self.sectors for part in sector.contains}
        return re.compile("|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True)) or "(?!)")

    def of(self, text: str) -> int:
        """The fields ``text`` names, as bits (bit n: ``sectors[n]``)."""
        folded = fold(text)
        if not self._any.search(folded):
            return 0
        mask = 0
        for word in {w for w in _WORD.findall(folded) if self._any.search(w)}:  # a measure's text: a few
            for n, sector in enumerate(self.sectors):
                if sector.named_by(word):
                    mask |= 1 << n
        return mask

    def labels(self, mask: int) -> list[str]:
        return [sector.label for n, sector in enumerate(self.sectors) if mask >> n & 1]


def other_sector(call: int, measure: int) -> bool:
    """Does the call's title name fields (bits), none of which the measure names?"""
    return bool(call) and not call & measure


@cache
def sectors() -> Sectors:
    """``sectors:`` of thesaurus.yaml. Entries are word parts: a call's title is read word by word
    (each distinct word once for a whole corpus), so a part with a space could never be found."""
    data = thesaurus_data()
    for entry in data.get("sectors", []):
        spaced = [w for w in [*entry.get("contains", []), *entry.get("not", [])] if " " in str(w)]
        if spaced:
            raise ValueError(f"{THESAURUS_FILE}: sectors: {entry.get('label')}: nur einzelne Wortteile, nicht {spaced}")
    return Sectors(tuple(
        Sector(str(entry["label"]), tuple(fold(str(w)) for w in entry.get("contains", [])),
               tuple(fold(str(w)) for w in entry.get("not", [])))
        for entry in data.get("sectors", [])
    ))


__all__ = ["OTHER_SECTOR_SHARE", "Sector", "Sectors", "other_sector", "sectors"]
