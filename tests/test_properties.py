"""Invariants of the parsers that read hostile input, checked by hypothesis on generated input.

- dates: every date in every German (and EU-English, ISO) spelling the portals use parses back to
  itself, alone or inside a sentence — both in the crawler's extractor and the matcher's reader;
- the text normaliser never raises, is idempotent, and treats umlauts and their spellings alike;
- the item validator returns a FundingCall whose fields have the documented shapes, or raises a
  ValidationError — never another exception;
- the config loader turns any file content into a Config or a ConfigError whose every line names a
  file — never another exception.

The profile is fixed (derandomised, bounded) so CI runs the same examples every time, quickly.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from foerderradar.crawler.pipeline import describe_validation_error, validate_item
from foerderradar.german.dates import parse_german_date
from foerderradar.german.fold import fold
from foerderradar.german.stem import stem
from foerderradar.matcher.deadlines import parse_dates
from foerderradar.matcher.text import Analyzer, normalise_name
from foerderradar.model import APPLICANTS, FUNDING_TYPES, LEVELS, MAX_TITLE, STATUSES, FundingCall
from foerderradar.settings import Config, ConfigError, load_config

CI = settings(derandomize=True, max_examples=200, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
FEW = settings(CI, max_examples=60)

PROJECT_CONFIG = Path(__file__).resolve().parents[1] / "config"
REFERENCE = date(2026, 6, 15)
DATES = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))

# -- dates ----------------------------------------------------------------------------------------

GERMAN = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
          "November", "Dezember"]
GERMAN_SHORT = ["Jan.", "Feb.", "Mär.", "Apr.", "Mai", "Jun.", "Jul.", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."]
ENGLISH = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]


def spelled(day: date, months: list[str]) -> str:
    return months[day.month - 1]


FORMATS = {
    "dd.mm.yyyy": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "d.m.yyyy": lambda d: f"{d.day}.{d.month}.{d.year}",
    "d. m. yyyy": lambda d: f"{d.day}. {d.month}. {d.year}",
    "d. Monat yyyy": lambda d: f"{d.day}. {spelled(d, GERMAN)} {d.year}",
    "dd. Monat yyyy": lambda d: f"{d.day:02d}. {spelled(d, GERMAN)} {d.year}",
    "d. Mon. yyyy": lambda d: f"{d.day}. {spelled(d, GERMAN_SHORT)} {d.year}",
    "d. Maerz yyyy": lambda d: f"{d.day}. {spelled(d, GERMAN).replace('ä', 'ae')} {d.year}",
    "d. MONAT yyyy": lambda d: f"{d.day}. {spelled(d, GERMAN).upper()} {d.year}",
    "iso": lambda d: d.isoformat(),
    "iso with time": lambda d: f"{d.isoformat()}T17:00:00+01:00",
    "dd/mm/yyyy": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "d Month yyyy": lambda d: f"{d.day} {spelled(d, ENGLISH)} {d.year}",
    "Month d, yyyy": lambda d: f"{spelled(d, ENGLISH)} {d.day}, {d.year}",
}
# The matcher reads the deadline wording after folding (lower case, umlauts spelled out).
MATCHER_FORMATS = ("dd.mm.yyyy", "d.m.yyyy", "d. Monat yyyy", "d. Maerz yyyy", "d. MONAT yyyy", "iso", "Month d, yyyy")
BEFORE = ["", "Antragsfrist: ", "Einreichung bis zum ", "Frist endet am ", "Stichtag ist der ", "(", "Deadline: "]
AFTER = ["", ".", " (17 Uhr)", ", 12:00 Uhr MEZ", "; danach keine Anträge mehr.", ")", "\nWeitere Hinweise"]


@CI
@given(DATES, st.sampled_from(sorted(FORMATS)), st.sampled_from(BEFORE), st.sampled_from(AFTER))
def test_every_date_in_every_format_parses_back(day: date, fmt: str, before: str, after: str) -> None:
    written = FORMATS[fmt](day)
    assert parse_german_date(written, REFERENCE) == day, written
    assert parse_german_date(before + written + after, REFERENCE) == day, before + written + after


@CI
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_two_digit_years_are_this_century(day: date) -> None:
    assert parse_german_date(f"{day.day:02d}.{day.month:02d}.{day.year % 100:02d}", REFERENCE) == day


@CI
@given(DATES, st.sampled_from(MATCHER_FORMATS), st.sampled_from(BEFORE[:5]), st.sampled_from(AFTER))
def test_matcher_reads_deadline_wording_back(day: date, fmt: str, before: str, after: str) -> None:
    assert parse_dates(before + FORMATS[fmt](day) + after) == [day]


@CI
@given(st.integers(1, 12), st.integers(1, 31))
def test_a_date_without_year_is_the_next_one(month: int, day: int) -> None:
    found = parse_german_date(f"Stichtag {day:02d}.{month:02d}.", REFERENCE)
    if found is not None:  # 31.04. does not exist and 29.02. only in some years
        assert (found.month, found.day) == (month, day)
        assert REFERENCE <= found <= date(REFERENCE.year + 4, 12, 31)


@CI
@given(st.text(max_size=300))
def test_date_readers_never_raise(text: str) -> None:
    found = parse_german_date(text, REFERENCE)
    assert found is None or date(1990, 1, 1) <= found <= date(2100, 12, 31)
    assert all(isinstance(d, date) for d in parse_dates(text))


# -- the text normaliser --------------------------------------------------------------------------

GERMAN_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüßABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÜ -", max_size=60)
ANALYZER = Analyzer(["Breitbandausbau Gigabitförderung Verwaltungsdigitalisierung Schulträger WLAN-Ausstattung"])


@CI
@given(st.text(max_size=200))
@example("𝐀")  # mathematical capitals fold to "A": must still end lower case
@example("İstanbul Ⓐ ﬁ")
def test_fold_is_idempotent_and_never_raises(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    assert normalise_name(normalise_name(text)) == normalise_name(text)


@CI
@given(GERMAN_WORDS)
def test_fold_spells_umlauts_out_and_ignores_case(text: str) -> None:
    assert fold(text).isascii()
    assert fold(text) == fold(text.upper()) == fold(text.lower())
    spelled_out = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    assert fold(spelled_out) == fold(text)


@CI
@given(st.text(max_size=300))
def test_analyser_never_raises_and_is_deterministic(text: str) -> None:
    terms = ANALYZER.terms(text)
    assert terms == ANALYZER.terms(text)
    assert all(isinstance(t, str) and t for t in terms)


@CI
@given(GERMAN_WORDS)
def test_analyser_sees_umlaut_spellings_and_case_alike(text: str) -> None:
    spelled_out = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    assert ANALYZER.terms(text) == ANALYZER.terms(spelled_out) == ANALYZER.terms(text.upper())


@CI
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß", min_size=1, max_size=30))
def test_stem_only_shortens(word: str) -> None:
    folded = fold(word)
    stemmed = stem(folded)
    assert 0 < len(stemmed) <= len(folded)
    assert len(stemmed) >= min(len(folded), 4) - folded.count("ae") - folded.count("oe") - folded.count("ue")


# -- the item validator ---------------------------------------------------------------------------

FIELDS = [*FundingCall.model_fields, "id", "content_hash", "extra_key"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=80), st.sampled_from(["https://example.org/a", "javascript:alert(1)", "DE-NW", "eu", "open",
                                           "2027-02-30", "2027-02-18", "kommune", " ", "\u202e", "\x00"]),
    st.dates(), st.datetimes(),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=4), st.dictionaries(st.text(max_size=5), SCALARS, max_size=3))
VALID = {"source": "demo", "source_id": "x-1", "url": "https://example.org/x", "title": "Ein Förderaufruf"}
_UNTRUSTED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def check_shapes(call: FundingCall) -> None:
    """The shapes docs/contract.md promises to everything downstream of the pipeline."""
    assert re.match(r"^[a-z0-9][a-z0-9_.-]*$", call.source)
    assert re.match(r"^https?://[^\s/]+", call.url, re.IGNORECASE)
    assert call.title and "\n" not in call.title and len(call.title) <= MAX_TITLE
    for text in (call.title, call.summary, call.description, call.funding_body, call.deadline_text):
        assert text is None or (text.strip() and not _UNTRUSTED.search(text))
    assert call.level is None or call.level in LEVELS
    assert call.status is None or call.status in STATUSES
    assert call.applicants is None or set(call.applicants) <= set(APPLICANTS)
    assert call.funding_type is None or set(call.funding_type) <= set(FUNDING_TYPES)
    assert call.regions is None or all(re.match(r"^(EU|[A-Z]{2}(-[A-Z0-9]{1,3})?)$", r) for r in call.regions)
    assert call.funding_rate_pct is None or 0 <= call.funding_rate_pct <= 100
    assert call.max_amount_eur is None or call.max_amount_eur >= 0
    assert all(isinstance(d, date | None) for d in (call.deadline, call.open_date))
    assert all(d is None or (isinstance(d, datetime) and d.tzinfo) for d in (call.published_at, call.updated_at))
    json.loads(call.canonical_json())
    assert len(call.content_hash()) == 64


def validated_or_rejected(item: dict[str, Any]) -> FundingCall | None:
    try:
        call = validate_item(item)
    except ValidationError as exc:
        message = describe_validation_error(item, exc)
        assert message.endswith(")") and "ungültiger Eintrag" in message
        return None
    check_shapes(call)
    return call


@CI
@given(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=12))
def test_validator_on_arbitrary_items(item: dict[str, Any]) -> None:
    validated_or_rejected(item)


@CI
@given(st.dictionaries(st.sampled_from(FIELDS[4:]), VALUES, max_size=8))
def test_validator_on_items_with_valid_identity(extra: dict[str, Any]) -> None:
    validated_or_rejected({**extra, **VALID})


@CI
@given(st.text(max_size=700), st.text(max_size=100))
def test_title_and_text_are_cleaned_not_lost(title: str, summary: str) -> None:
    call = validated_or_rejected({**VALID, "title": title, "summary": summary})
    if title.strip() and _UNTRUSTED.sub("", title).strip():
        assert call is not None


# -- the config loader ----------------------------------------------------------------------------

SCALAR_YAML = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30))
YAML_DATA = st.recursive(
    SCALAR_YAML,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["portals", "key", "kind", "url", "urls", "base_url", "list_urls", "item", "fields",
                         "defaults", "enabled", "max_pages", "allow_private_network", "start_urls", "city",
                         "measures", "id", "title", "x"]) | st.text(max_size=8),
        children, max_size=5),
    max_leaves=20,
)
KINDS = ["foerderdatenbank", "foerderdatenbank_export", "eu_sedia", "feed", "json", "csv", "html", "watch"]
PORTAL_ENTRY = st.fixed_dictionaries(
    {"key": st.sampled_from(["a", "b", "A b", ""]), "kind": st.sampled_from([*KINDS, "rss"])},
    optional={k: YAML_DATA for k in ["url", "urls", "base_url", "list_urls", "item", "fields", "defaults",
                                     "enabled", "max_pages", "allow_private_network", "start_urls", "items", "file",
                                     "max_size_mb"]},
)


def load_with(name: str, content: bytes) -> Config | None:
    """Load the shipped config with one file replaced; any outcome but Config/ConfigError fails."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "config"
        shutil.copytree(PROJECT_CONFIG, directory)
        (directory / name).write_bytes(content)
        try:
            return load_config(directory)
        except ConfigError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.startswith(str(directory)), problem
                assert "Traceback" not in problem
            return None


@FEW
@given(YAML_DATA, st.sampled_from(["portals.yaml", "measures.yaml"]))
def test_loader_on_arbitrary_yaml(data: Any, name: str) -> None:
    load_with(name, yaml.safe_dump(data, allow_unicode=True).encode("utf-8"))


@FEW
@given(st.lists(PORTAL_ENTRY, max_size=4))
def test_loader_on_arbitrary_portal_entries(entries: list[dict[str, Any]]) -> None:
    load_with("portals.yaml", yaml.safe_dump({"portals": entries}, allow_unicode=True).encode("utf-8"))


@FEW
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8")),
       st.sampled_from(["portals.yaml", "measures.yaml", "foerderradar.toml"]))
@example(b"\x80", "foerderradar.toml")  # Latin-1 or binary: a ConfigError, not UnicodeDecodeError
def test_loader_on_arbitrary_bytes(content: bytes, name: str) -> None:
    load_with(name, content)


@FEW
@given(st.sampled_from(["portals.yaml", "measures.yaml", "foerderradar.toml"]), st.data())
def test_loader_on_mutated_shipped_files(name: str, data: st.DataObject) -> None:
    lines = (PROJECT_CONFIG / name).read_text(encoding="utf-8").splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["drop", "repeat", "indent", "dedent", "char"]))
        if action == "drop":
            del lines[i]
        elif action == "repeat":
            lines.insert(i, lines[i])
        elif action == "indent":
            lines[i] = "  " + lines[i]
        elif action == "dedent":
            lines[i] = lines[i][2:]
        else:
            pos = data.draw(st.integers(0, max(len(lines[i]) - 1, 0)))
            char = data.draw(st.sampled_from([":", "[", "{", "'", '"', "-", "#", "\t", "x"]))
            lines[i] = lines[i][:pos] + char + lines[i][pos + 1 :]
    load_with(name, "".join(lines).encode("utf-8"))
