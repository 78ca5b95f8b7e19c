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
