"""config_writing: a program's change keeps what people wrote, is checked before it lands, and never
overwrites an edit it did not see."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from foerderradar.config_reading import ConfigError, read_validated
from foerderradar.config_writing import StaleFile, rewrite, version
from foerderradar.profile import MeasuresFile

CONFIG = Path(__file__).resolve().parents[1] / "config"


@pytest.fixture
def measures(tmp_path: Path) -> Path:
    path = tmp_path / "measures.yaml"
    shutil.copy(CONFIG / "measures.yaml", path)
    return path


def check(path: Path) -> None:
    read_validated(path, MeasuresFile)


def _retitle(doc: Any) -> None:
    doc["measures"][0]["title"] = "Neue Strategie"


def _drop_title(doc: Any) -> None:
    del doc["measures"][0]["title"]


def _refuse(doc: Any) -> None:
    raise ValueError("measures[9]: gibt es nicht")


@pytest.mark.parametrize("name", ["measures.yaml", "portals.yaml", "kommunen.example/augustdorf.yaml"])
def test_an_unchanged_round_trip_is_byte_identical(tmp_path: Path, name: str) -> None:
    path = tmp_path / "file.yaml"
    shutil.copy(CONFIG / name, path)
    before = path.read_bytes()
    rewrite(path, lambda doc: None, lambda p: None)
    assert path.read_bytes() == before


def test_a_change_keeps_comments_and_everything_else(measures: Path) -> None:
    before = measures.read_text(encoding="utf-8").splitlines()
    new_version = rewrite(measures, _retitle, check)
    after = measures.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(changed) == 1 and "Neue Strategie" in changed[0][1]
    assert [line for line in after if line.startswith("#")] == [line for line in before if line.startswith("#")]
    assert new_version == version(measures)
    assert read_validated(measures, MeasuresFile).measures[0].title == "Neue Strategie"


@pytest.mark.parametrize(
    ("change", "expected", "message"),
    [
        (_drop_title, None, "title"),  # the model refuses the result
        (_refuse, None, "measures[9]: gibt es nicht"),  # the change itself refuses
        (_retitle, "0000000000000000", "inzwischen geändert"),  # a stale view
    ],
)
def test_a_refused_change_leaves_the_file_alone(
    measures: Path, change: Any, expected: str | None, message: str
) -> None:
    before = measures.read_bytes()
    with pytest.raises(ConfigError) as caught:
        rewrite(measures, change, check, expected=expected)
    assert message in str(caught.value)
    assert str(measures) in str(caught.value)  # the real file is named, not the temporary one
    assert ".tmp" not in str(caught.value)
    assert measures.read_bytes() == before
    assert sorted(p.name for p in measures.parent.iterdir()) == ["measures.yaml"]  # no temporary left


def test_the_current_version_is_accepted_and_a_second_use_of_it_is_stale(measures: Path) -> None:
    seen = version(measures)
    rewrite(measures, _retitle, check, expected=seen)
    with pytest.raises(StaleFile):
        rewrite(measures, _retitle, check, expected=seen)
