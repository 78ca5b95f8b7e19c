"""The command line speaks German where the contract says so: dates as people here write them
(``--as-of 01.12.2026`` beside ISO), German weekdays whatever the machine's locale, ``--version``."""

from __future__ import annotations

import json
import re
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import pytest
from config_files import CITY, write_config_dir
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.model import FundingCall
from foerderradar.notifier.formatting import weekday_date_time
from foerderradar.profile import MeasuresFile
from foerderradar.storage import Store

MEASURES = CITY + "measures:\n  - {id: breitband, title: Glasfaser im Gewerbegebiet, keywords: [Glasfaser]}\n"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", url)
    store = Store(url)
    store.upsert_call(FundingCall.model_validate({
        "source": "nrw", "source_id": "glasfaser", "url": "https://www.example.org/glasfaser",
        "title": "Glasfaser für Gewerbegebiete", "regions": ["DE-NW"], "applicants": ["kommune"],
        "deadline": "2026-12-20",
    }))
    store.close()
    return write_config_dir(tmp_path / "config", measures=MEASURES, toml="[digest]\nmin_score = 1\n")


def match_json(config: Path, as_of: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(app, ["match", "--as-of", as_of, "--format", "json", "--config", str(config)])
    assert result.exit_code == 0, result.output
    found: list[dict[str, object]] = json.loads(result.stdout)
    return found


# (German form, the same day in ISO)
SAME_DAY = [("01.12.2026", "2026-12-01"), ("1.12.2026", "2026-12-01"), ("19.12.2026", "2026-12-19"),
            (" 05.01.2027 ", "2027-01-05")]


@pytest.mark.parametrize(("german", "iso"), SAME_DAY)
def test_as_of_takes_german_dates_like_iso_ones(config: Path, german: str, iso: str) -> None:
    assert match_json(config, german) == match_json(config, iso)


def test_the_day_given_is_the_day_used(config: Path) -> None:
    """The call's deadline is 20.12.2026: open on the 19th, over on the 21st — in either form."""
    assert [m["status"] for m in match_json(config, "19.12.2026")] == ["open"]
    assert [m["status"] for m in match_json(config, "21.12.2026")] in ([], ["closed"])
    assert match_json(config, "21.12.2026") == match_json(config, "2026-12-21")


@pytest.mark.parametrize("bad", ["32.12.2026", "29.02.2026", "12/01/2026", "2026-13-01", "morgen", "1.12.26"])
def test_a_date_that_is_none_is_refused_in_german(config: Path, bad: str) -> None:
    result = CliRunner().invoke(app, ["match", "--as-of", bad, "--config", str(config)])
    assert result.exit_code == 2
    assert f"--as-of {bad!r} ist kein gültiges Datum; erwartet TT.MM.JJJJ oder JJJJ-MM-TT" in result.stderr
    assert "Traceback" not in result.output


DAYS = [("Mo", 30, 11), ("Di", 1, 12), ("Mi", 2, 12), ("Do", 3, 12), ("Fr", 4, 12), ("Sa", 5, 12), ("So", 6, 12)]


@pytest.mark.parametrize(("weekday", "day", "month"), DAYS)
def test_weekdays_are_german_whatever_the_locale(weekday: str, day: int, month: int) -> None:
    assert weekday_date_time(datetime(2026, month, day, 7, 5)) == f"{weekday} {day:02d}.{month:02d}.2026, 07:05 Uhr"


def test_status_names_the_next_runs_with_german_weekdays(config: Path) -> None:
    result = CliRunner().invoke(app, ["status", "--config", str(config)])
    assert result.exit_code == 0, result.output
    runs = re.findall(r"(Mo|Di|Mi|Do|Fr|Sa|So) \d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr", result.stdout)
    assert len(runs) == 2, result.stdout  # crawl and digest
    assert not re.search(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b", result.stdout)


def test_status_reads_the_schedule_as_people_say_it(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from foerderradar.cli.shared import out

    monkeypatch.setattr(out, "_width", 100)
    result = CliRunner().invoke(app, ["status", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "täglich 06:00 Uhr" in result.stdout and "montags 07:00 Uhr" in result.stdout
    assert "0 6 * * *" not in result.stdout and "* * mon" not in result.stdout


def status_cells(config: Path) -> dict[str, list[str]]:
    """`status` as {job's name: its cells}; wide enough that no cell wraps."""
    from foerderradar.cli.shared import out

    width = out._width
    out._width = 300
    try:
        result = CliRunner().invoke(app, ["status", "--config", str(config)])
    finally:
        out._width = width
    assert result.exit_code == 0, result.output
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in result.stdout.splitlines() if "│" in line]
    return {row[0]: row for row in rows if row[0]}


def test_status_names_the_last_run_also_when_it_was_started_by_hand(config: Path) -> None:
    """`crawl` and `digest --send` by hand are runs too: after them the last run is not "noch nie"."""
    assert status_cells(config)["Abruf + Abgleich"][3] == "noch nie"
    crawled = CliRunner().invoke(app, ["crawl", "--config", str(config)])
    assert crawled.exit_code == 0, crawled.output
    crawl = status_cells(config)["Abruf + Abgleich"]
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", crawl[3]), crawl
    assert crawl[4] == "ok (von Hand): 0 Portale, 0 neu, 0 geändert, 0 Programme auf mehreren Portalen"
    sent = CliRunner().invoke(app, ["digest", "--send", "--config", str(config)])  # no recipients: refused
    assert sent.exit_code == 2, sent.output
    digest = status_cells(config)["Wochenbericht"]
    assert digest[3] != "noch nie" and digest[4].startswith("Fehler (von Hand): "), digest
    preview = CliRunner().invoke(app, ["digest", "--preview", str(config.parent / "vorschau"), "--config", str(config)])
    assert preview.exit_code == 0, preview.output
    assert status_cells(config)["Wochenbericht"] == digest  # a preview sends nothing: no run


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"foerderradar {version('foerderradar')}\n"


# (status as written in measures.yaml, as stored) — the contract's German words beside the English ones
STATUS_WORDS = [("offen", "open"), ("geplant", "planned"), ("erledigt", "done"), ("Erledigt", "done"),
                ("open", "open"), ("planned", "planned"), ("done", "done")]


@pytest.mark.parametrize(("written", "stored"), STATUS_WORDS)
def test_measure_status_takes_german_words(written: str, stored: str) -> None:
    data = {"city": {"name": "Teststadt", "region": "DE-NW", "applicant_types": ["kommune"]},
            "measures": [{"id": "breitband", "title": "Glasfaser", "status": written}]}
    assert MeasuresFile.model_validate(data).measures[0].status == stored


@pytest.mark.parametrize(("status", "matched"), [("offen", 1), ("geplant", 1), ("erledigt", 0)])
def test_a_measure_marked_erledigt_is_not_matched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: str,
                                                  matched: int) -> None:
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    store = Store(f"sqlite:///{tmp_path / 'cli.db'}")
    store.upsert_call(FundingCall.model_validate({
        "source": "nrw", "source_id": "glasfaser", "url": "https://www.example.org/glasfaser",
        "title": "Glasfaser für Gewerbegebiete", "regions": ["DE-NW"], "applicants": ["kommune"],
    }))
    store.close()
    measures = CITY + ("measures:\n  - {id: breitband, title: Glasfaser im Gewerbegebiet, keywords: [Glasfaser], "
                       f"status: {status}}}\n")
    config = write_config_dir(tmp_path / "config", measures=measures, toml="[digest]\nmin_score = 1\n")
    assert len(match_json(config, "01.12.2026")) == matched


# pydantic's own English, which must never reach a person (the wording lives in config_messages.py)
PYDANTIC_ENGLISH = re.compile(
    r"Value error|Input should|Field required|validation error|Extra inputs|String should|should have|"
    r"must be|is not|Assertion failed|unable to parse|for more information", re.IGNORECASE,
)

# (portals add arguments, the German problem)
BAD_PORTALS = [
    (["neu", "--kind", "feed", "--set", "url=ftp://example.org/feed"], "url: 'ftp://example.org/feed' ist keine "
                                                                       "http(s)-Adresse"),
    (["neu", "--kind", "feed", "--set", "url=https://example.org/feed", "--set", "max_pages=viele"],
     "max_pages: erwartet wird eine ganze Zahl wie 30; hier steht der Text 'viele'"),
    (["neu", "--kind", "feed", "--set", "url=https://example.org/feed", "--set", "max_pages=0"],
     "max_pages: muss mindestens 1 sein, nicht 0"),
    (["Neu Portal", "--kind", "feed", "--set", "url=https://example.org/feed"], "key: 'Neu Portal' hat nicht die "
                                                                                "erwartete Form"),
    (["neu", "--kind", "fed"], "kind: 'fed' ist kein bekannter Portal-Typ"),
    (["neu", "--kind", "feed"], "url: fehlt"),
]


@pytest.mark.parametrize(("args", "problem"), BAD_PORTALS)
def test_portals_add_says_what_is_wrong_in_german(tmp_path: Path, args: list[str], problem: str) -> None:
    config = write_config_dir(tmp_path / "config")
    result = CliRunner().invoke(app, ["portals", "add", *args, "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert problem in result.stderr
    assert not PYDANTIC_ENGLISH.search(result.output), result.output


def test_a_crawled_item_that_is_no_call_is_reported_in_german() -> None:
    from pydantic import ValidationError

    from foerderradar.crawler.pipeline import describe_validation_error, validate_item

    item = {"source": "nrw", "source_id": "x", "url": "mailto:foerderung@example.org", "title": " ",
            "regions": ["NRW"], "funding_rate_pct": "hoch"}
    with pytest.raises(ValidationError) as caught:
        validate_item(item)
    message = describe_validation_error(item, caught.value)
    assert "url: 'mailto:foerderung@example.org' ist keine vollständige http(s)-Adresse" in message
    assert "regions: 'NRW' ist kein Regionskürzel nach ISO 3166-2" in message
    assert "funding_rate_pct: erwartet wird eine Zahl" in message
    assert not PYDANTIC_ENGLISH.search(message), message
