"""Our German date reader against dateparser, on the date phrases of our tests and of the captures.

    .venv/bin/pip install dateparser        # into the venv only: not a project dependency
    .venv/bin/python bench/compare_dates.py [--captures ../shared/captures] [--phrases 10000]

Phrases and the date each should give (issue 11, part 8):

- tests: the tables of ``tests/crawler/test_textextract.py`` and ``tests/german/test_german.py`` (each with its own
  reference day), and every spelling of ``tests/test_properties.py`` for a fixed sample of days,
  alone and inside a deadline sentence;
- captures: every line of the recorded NRW texts and Förderdatenbank pages/export that holds a
  digit or a month name, expected to give the first date written in it or nothing (phone numbers,
  amounts, paragraph numbers, "Version 2.0" are no dates). The expected dates come from the small
  per-spelling reader :func:`_written_date` below, independent of both readers; every line where a
  reader disagrees is printed, so each verdict can be checked by eye.

Both readers return the first date of a phrase, a month alone as its last day, a day without a
year as the next such day on or after the reference. dateparser runs as a caller would use it:
``parse`` on the phrase, else the first hit of ``search_dates``; languages de and en, day first,
relative to the reference, in two configurations (``PREFER_DATES_FROM`` future / current period).

Timing: both readers over the same phrases, cycled to ``--phrases`` (default 10,000), in one run.
Prints a Markdown table, the misses of each reader, and the timing.
"""

from __future__ import annotations

import argparse
import calendar
import importlib.util
import itertools
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import ModuleType

from foerderradar.german.dates import parse_german_date

ROOT = Path(__file__).resolve().parents[1]
CAPTURE_REF = date(2026, 6, 15)


@dataclass(frozen=True)
class Phrase:
    source: str  # "tests" or "captures"
    text: str
    reference: date
    expected: date | None


# -- phrases from the tests ---------------------------------------------------------------------------


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_compare_{name}", ROOT / "tests" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_phrases() -> list[Phrase]:
    phrases: list[Phrase] = []
    for name in ("test_textextract", "test_german"):
        module = _load(name)
        phrases += [Phrase("tests", text, module.REF, expected) for text, expected in module.DATES if text]
    properties = _load("test_properties")
    days = [date(1990, 1, 1) + (date(2100, 12, 31) - date(1990, 1, 1)) * k // 7 for k in range(8)]
    contexts = itertools.cycle(zip(properties.BEFORE, properties.AFTER, strict=False))
    for _, write in sorted(properties.FORMATS.items()):
        for day in days:
            written = write(day)
            before, after = next(contexts)
            phrases.append(Phrase("tests", written, properties.REFERENCE, day))
            phrases.append(Phrase("tests", before + written + after, properties.REFERENCE, day))
    return phrases


# -- phrases from the captures ------------------------------------------------------------------------

_MONTHS = {
    "januar": 1, "jan": 1, "jänner": 1, "februar": 2, "feb": 2, "märz": 3, "maerz": 3, "mär": 3, "april": 4,
    "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11, "dezember": 12, "dez": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
# One spelling each, as the captures write dates; the leftmost match is the line's first date.
_WRITTEN = re.compile(
    r"(?P<iso>(?<![\d-])(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})(?!\d))"
    r"|(?P<num>(?<![\d.])(?P<nd>\d{1,2})\.\s?(?P<nm>\d{1,2})\.(?:\s?(?P<ny>\d{4})|(?P<nyy>\d{2}))?(?![\d]))"
    rf"|(?P<named>(?<!\d)(?P<ad>\d{{1,2}})\.?\s+(?P<am>{_MONTH})\.?(?:\s+(?P<ay>\d{{4}}))?(?!\d))"
    rf"|(?P<month>\b(?P<bp>Ende|Mitte|Anfang)?\s*(?P<bm>{_MONTH})\.?\s+(?P<by>\d{{4}})(?!\d))",
    re.IGNORECASE,
)
_HAS_DATE_WORDS = re.compile(rf"\d|\b(?:{_MONTH})\b", re.IGNORECASE)


def _next_on_or_after(month: int, day: int, reference: date) -> date | None:
    for year in range(reference.year, reference.year + 5):
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found >= reference:
            return found
    return None


def _written_date(line: str, reference: date) -> date | None:
    """The first date written in a line of the captures, by the spellings they use, or None."""
    for m in _WRITTEN.finditer(line):
        g = m.groupdict()
        try:
            if g["iso"]:
                return date(int(g["iy"]), int(g["im"]), int(g["id"]))
            if g["num"]:
                year = int(g["ny"]) if g["ny"] else 2000 + int(g["nyy"]) if g["nyy"] else None
                month, day = int(g["nm"]), int(g["nd"])
            elif g["named"]:
                year = int(g["ay"]) if g["ay"] else None
                month, day = _MONTHS[g["am"].lower()], int(g["ad"])
            else:
                year, month = int(g["by"]), _MONTHS[g["bm"].lower()]
                part = (g["bp"] or "").lower()
                day = {"anfang": 1, "mitte": 15}.get(part, calendar.monthrange(year, month)[1])
            if year is None:
                found = _next_on_or_after(month, day, reference)
            else:
                found = date(year, month, day) if 1990 <= year <= 2100 else None
        except ValueError:
            found = None
        if found is not None:
            return found
    return None


def _capture_texts(captures: Path) -> Iterator[tuple[str, str]]:
    from bs4 import BeautifulSoup  # a dependency of the project already

    for path in sorted((captures / "nrw-text").glob("*.txt")):
        yield path.name, path.read_text(encoding="utf-8")
    for path in sorted((captures / "foerderdatenbank").glob("detail_*.html")):
        yield path.name, BeautifulSoup(path.read_text(encoding="utf-8"), "lxml").get_text("\n")
    for path in sorted((captures / "foerderdatenbank-export").rglob("*.xml")):
        yield path.name, BeautifulSoup(path.read_text(encoding="utf-8"), "lxml-xml").get_text("\n")


def capture_phrases(captures: Path) -> list[Phrase]:
    phrases: dict[str, Phrase] = {}
    for _, text in _capture_texts(captures):
        for raw in text.splitlines():
            pieces = re.split(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ])", raw) if len(raw) > 300 else [raw]
            for piece in pieces:
                line = " ".join(piece.split())
                if line and _HAS_DATE_WORDS.search(line) and line not in phrases:
                    phrases[line] = Phrase("captures", line, CAPTURE_REF, _written_date(line, CAPTURE_REF))
    return list(phrases.values())


# -- the readers ----------------------------------------------------------------------------------------

Reader = Callable[[str, date], date | None]


def ours(text: str, reference: date) -> date | None:
    return parse_german_date(text, reference)


def dateparser_reader(prefer: str) -> Reader:
    import dateparser
    from dateparser.search import search_dates

    def read(text: str, reference: date) -> date | None:
        settings = {
            "RELATIVE_BASE": datetime(reference.year, reference.month, reference.day),
            "PREFER_DATES_FROM": prefer,
            "PREFER_DAY_OF_MONTH": "last",
            "DATE_ORDER": "DMY",
        }
        parsed = dateparser.parse(text, languages=["de", "en"], settings=settings)  # type: ignore[arg-type]
        if parsed is None:
            found = search_dates(text, languages=["de", "en"], settings=settings)  # type: ignore[arg-type]
            parsed = found[0][1] if found else None
        return parsed.date() if parsed is not None else None

    return read


def _safe(reader: Reader, phrase: Phrase) -> date | str | None:
    try:
        return reader(phrase.text, phrase.reference)
    except Exception as exc:  # a reader that raises gets the phrase wrong
        return f"raised {type(exc).__name__}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--captures", type=Path, default=ROOT.parent / "shared" / "captures")
    parser.add_argument("--phrases", type=int, default=10_000, help="phrases timed per reader")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # dateparser's deprecation notes
    phrases = test_phrases()
    if args.captures.is_dir():
        phrases += capture_phrases(args.captures)
    else:
        print(f"(keine Aufnahmen unter {args.captures}: nur die Sätze der Tests)", file=sys.stderr)
    readers: dict[str, Reader] = {
        "ours (german.dates)": ours,
        "dateparser, future": dateparser_reader("future"),
        "dateparser, current period": dateparser_reader("current_period"),
    }
    sources = sorted({p.source for p in phrases}, reverse=True)
    results = {name: [_safe(reader, p) for p in phrases] for name, reader in readers.items()}

    print("| reader | " + " | ".join(f"{s} right (of {sum(p.source == s for p in phrases)})" for s in sources)
          + " | dates read wrong | dates missed | dates invented |")
    print("|---|" + "---|" * (len(sources) + 3))
    for name, got in results.items():
        pairs = list(zip(got, phrases, strict=True))
        right = [sum(g == p.expected for g, p in pairs if p.source == s) for s in sources]
        wrong = sum(p.expected is not None and g is not None and g != p.expected for g, p in pairs)
        missed = sum(p.expected is not None and g is None for g, p in pairs)
        invented = sum(p.expected is None and g is not None for g, p in pairs)
        print(f"| {name} | " + " | ".join(map(str, right)) + f" | {wrong} | {missed} | {invented} |")

    for name, got in results.items():
        misses = [(p, g) for g, p in zip(got, phrases, strict=True) if g != p.expected]
        print(f"\n## {name}: {len(misses)} wrong")
        for phrase, g in misses:
            print(f"- [{phrase.source}] {phrase.text[:90]!r} → {g} (expected {phrase.expected})")

    timed = list(itertools.islice(itertools.cycle(phrases), args.phrases))
    print(f"\n## time for {len(timed):,} phrases (same run)")
    seconds: dict[str, float] = {}
    for name, reader in readers.items():
        start = time.perf_counter()
        for phrase in timed:
            _safe(reader, phrase)
        seconds[name] = time.perf_counter() - start
    base = seconds["ours (german.dates)"]
    for name, spent in seconds.items():
        print(f"- {name}: {spent:.2f} s ({spent / base:.0f}× ours)")


if __name__ == "__main__":
    main()
