"""Changed lines of a call's text, as the digest shows them for watched pages."""

from __future__ import annotations

import pytest

from foerderradar.storage.textdiff import MAX_LINES, text_changes

PAGE = "Wer wird gefördert?\nKommunen\nWann ist der Antrag zu stellen?\nStichtag: 1. Juni 2026"
CASES = [
    ("same text", PAGE, PAGE, [], []),
    ("whitespace only", PAGE, PAGE.replace("\n", "\n   \n"), [], []),
    ("deadline moved", PAGE, PAGE.replace("1. Juni 2026", "1. März 2027"),
     ["Stichtag: 1. März 2027"], ["Stichtag: 1. Juni 2026"]),
    ("line added", PAGE, PAGE + "\nNeu: Förderaufruf Lückenschluss", ["Neu: Förderaufruf Lückenschluss"], []),
    ("line removed", PAGE, PAGE.replace("Kommunen\n", ""), [], ["Kommunen"]),
    ("from nothing", None, "Erster Text", ["Erster Text"], []),
    ("to nothing", "Alter Text", None, [], ["Alter Text"]),
]


@pytest.mark.parametrize(("case", "old", "new", "added", "removed"), CASES, ids=[c[0] for c in CASES])
def test_text_changes(case: str, old: str | None, new: str | None, added: list[str], removed: list[str]) -> None:
    assert text_changes(old, new) == {"added": added, "removed": removed}


def test_changes_are_bounded() -> None:
    new = "\n".join(f"Zeile {i} " + "x" * 1000 for i in range(50))
    out = text_changes("", new)
    assert len(out["added"]) == MAX_LINES + 1 and out["added"][-1] == f"(+{50 - MAX_LINES} weitere Zeilen)"
    assert all(len(line) <= 300 for line in out["added"])
