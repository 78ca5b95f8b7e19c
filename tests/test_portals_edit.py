"""``portals enable / disable / remove``: one entry of portals.yaml changed by key. Only the changed
line(s) differ afterwards — every comment city IT wrote stays, byte for byte — and every mistake is
a German message with exit 2 while the file stays as it was. (The web app's *Portale* page changes
the file through the same function: tests/web/test_portals_page.py.)"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.settings import load_portals

PROJECT_CONFIG = Path(__file__).resolve().parents[1] / "config"


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    directory = tmp_path / "config"
    shutil.copytree(PROJECT_CONFIG, directory)
    return directory


def cli(cfg: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["portals", *args, "--config", str(cfg)], input=input)
    return result.exit_code, result.stdout, result.stderr


def text(cfg: Path) -> str:
    return (cfg / "portals.yaml").read_text(encoding="utf-8")


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """(removed lines, added lines) between two texts."""
    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
    body = [line for line in diff if not line.startswith(("---", "+++", "@@"))]
    return [line[1:] for line in body if line.startswith("-")], [line[1:] for line in body if line.startswith("+")]


def enabled(cfg: Path) -> dict[str, bool]:
    return {p.key: p.enabled for p in load_portals(cfg)}


# (command, key, the one line before, the one line after) — in the shipped, commented portals.yaml
SWITCHES = [
    ("disable", "foerderdatenbank", "    enabled: true", "    enabled: false"),
    ("disable", "eu", "    enabled: true", "    enabled: false"),
    ("enable", "nrwbank", "    enabled: false", "    enabled: true"),
    ("enable", "gigabit-projekttraeger", "    enabled: false", "    enabled: true"),
]


@pytest.mark.parametrize(("command", "key", "old", "new"), SWITCHES)
def test_switch_changes_exactly_one_line(cfg: Path, command: str, key: str, old: str, new: str) -> None:
    before, states = text(cfg), enabled(cfg)
    code, out, err = cli(cfg, command, key)
    assert code == 0, out + err
    verb = "eingeschaltet" if command == "enable" else "abgeschaltet"
    assert f"Portal {key} {verb}" in out
    assert changed_lines(before, text(cfg)) == ([old], [new])
    assert enabled(cfg) == {**states, key: command == "enable"}


@pytest.mark.parametrize(("command", "key"), [("enable", "eu"), ("disable", "nrwbank")])
def test_switch_to_the_state_it_has_writes_nothing(cfg: Path, command: str, key: str) -> None:
    path = cfg / "portals.yaml"
    before, stamp = path.read_bytes(), path.stat().st_mtime_ns
    code, out, _ = cli(cfg, command, key)
    assert code == 0 and f"Portal {key} ist schon" in out and "nichts geändert" in out
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stamp


HAND_WRITTEN = """\
# Portale – von Hand gepflegt
portals:
  # Ein Feed ohne enabled (also eingeschaltet)
  - key: feed-a
    kind: feed
    name: Feed A  # der wichtigste
    url: https://a.example.org/feed.xml
  # Der zweite Feed: nur key, kind, url
  - key: feed-b
    kind: feed
    url: https://b.example.org/feed.xml
  # Kurzform in einer Zeile
  - {key: feed-c, kind: feed, url: 'https://c.example.org/feed.xml'}
  # Ende der Liste
"""


# (key, the line added for `disable` of an entry without `enabled`, the line it follows)
ADDED = [
    ("feed-a", "    enabled: false", "    name: Feed A  # der wichtigste"),
    ("feed-b", "    enabled: false", "    kind: feed"),
]


@pytest.mark.parametrize(("key", "added", "after"), ADDED)
def test_disable_adds_the_line_inside_the_entry(cfg: Path, key: str, added: str, after: str) -> None:
    (cfg / "portals.yaml").write_text(HAND_WRITTEN, encoding="utf-8")
    code, out, err = cli(cfg, "disable", key)
    assert code == 0, out + err
    lines = text(cfg).splitlines()
    assert changed_lines(HAND_WRITTEN, text(cfg)) == ([], [added])
    assert lines[lines.index(added) - 1] == after
    assert enabled(cfg) == {"feed-a": key != "feed-a", "feed-b": key != "feed-b", "feed-c": True}


def test_disable_a_one_line_entry_changes_that_line(cfg: Path) -> None:
    (cfg / "portals.yaml").write_text(HAND_WRITTEN, encoding="utf-8")
    assert cli(cfg, "disable", "feed-c")[0] == 0
    assert changed_lines(HAND_WRITTEN, text(cfg)) == (
        ["  - {key: feed-c, kind: feed, url: 'https://c.example.org/feed.xml'}"],
        ["  - {key: feed-c, kind: feed, enabled: false, url: 'https://c.example.org/feed.xml'}"],
    )


# (key, first removed line, last removed line) in the shipped portals.yaml: the entry and the comment
# block directly above it; the comments above the next entry and a section heading stay.
REMOVALS = [
    ("foerderdatenbank", "  # Förderdatenbank des Bundes über ihren offiziellen XML-Export", "    enabled: true"),
    ("eu", "  # EU-Aufrufe (Texte auf Englisch", "    statuses: [open, forthcoming]"),
    ("beispiel-api", "  # Beispiel der Art json", "      regions: [DE-NW]"),
    ("nrwbank", "  # NRW.BANK – Förderprodukte (kind html)", "      funding_body: NRW.BANK"),
    ("gigabit-projekttraeger", "  # Gigabit-Projektträger des Bundes", "      funding_body: Gigabit-Projektträger (im"),
]


@pytest.mark.parametrize(("key", "first", "last"), REMOVALS)
def test_remove_takes_the_entry_and_its_own_comment(cfg: Path, key: str, first: str, last: str) -> None:
    before = text(cfg)
    lines = before.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    entry = next(i for i in range(start, len(lines)) if lines[i].strip() == f"- key: {key}")
    end = next(i for i in range(entry, len(lines)) if lines[i].startswith(last))
    keys = [p.key for p in load_portals(cfg)]
    code, out, err = cli(cfg, "remove", key, "--ja")
    assert code == 0 and f"Portal {key} entfernt" in out, out + err
    assert text(cfg) == "".join(lines[:start] + lines[end + 1 :])
    assert [p.key for p in load_portals(cfg)] == [k for k in keys if k != key]


def test_remove_keeps_a_section_heading_and_the_next_entrys_comment(cfg: Path) -> None:
    assert cli(cfg, "remove", "nrwbank", "--yes")[0] == 0
    after = text(cfg)
    assert "# --- Nordrhein-Westfalen ---" in after and "NRW.BANK" not in after
    assert "  # Bezirksregierung Detmold (zuständig für den Kreis Gütersloh)" in after


# (answer typed at the question, removed?, exit status)
ANSWERS = [("j\n", True, 0), ("ja\n", True, 0), ("n\n", False, 1), ("\n", False, 1), ("", False, 1)]


@pytest.mark.parametrize(("answer", "removed", "status"), ANSWERS)
def test_remove_asks_first(cfg: Path, answer: str, removed: bool, status: int) -> None:
    before = text(cfg)
    code, out, _ = cli(cfg, "remove", "eu", input=answer)
    assert code == status
    assert "Portal eu (EU Funding & Tenders Portal)" in out and "entfernen? [j/N]" in out
    assert ("eu" not in enabled(cfg)) is removed
    if not removed:
        assert "Abgebrochen; nichts geändert." in out and text(cfg) == before


@pytest.mark.parametrize("args", [["enable", "gibts-nicht"], ["disable", "gibts-nicht"],
                                  ["remove", "gibts-nicht"], ["remove", "gibts-nicht", "--ja"]])
def test_unknown_key_exits_2_naming_the_known_keys(cfg: Path, args: list[str]) -> None:
    before = text(cfg)
    code, _, err = cli(cfg, *args)
    message = " ".join(err.split())
    assert code == 2 and "Traceback" not in err
    assert "Unbekanntes Portal: gibts-nicht. Bekannt sind: foerderdatenbank, foerderdatenbank-html, eu," in message
    assert text(cfg) == before


# (broken portals.yaml, fragment of the German message) — the entry `eu` itself is fine, another one is
# not: nothing is changed while the file would stay broken
EU = "portals:\n  - key: eu\n    kind: eu_sedia\n"
FEED = "  - key: x\n    kind: feed\n    url: https://x.example/f\n"
BROKEN = [
    (EU + FEED + "    enabeld: false\n", "portals[1].enabeld"),
    (EU + FEED + FEED, "portals[2].key: 'x' kommt doppelt vor"),
    (EU + "  - key: x\n    kind: [feed\n", "YAML-Syntaxfehler"),
]


@pytest.mark.parametrize(("content", "message"), BROKEN)
@pytest.mark.parametrize("args", [["disable", "eu"], ["remove", "eu", "--ja"], ["remove", "eu"]])
def test_broken_file_is_reported_and_left_alone(cfg: Path, content: str, message: str, args: list[str]) -> None:
    (cfg / "portals.yaml").write_text(content, encoding="utf-8")
    code, _, err = cli(cfg, *args)
    assert code == 2 and "Traceback" not in err
    assert "Nicht geändert" in err and message in err and str(cfg / "portals.yaml") in " ".join(err.split())
    assert text(cfg) == content
    assert not list(cfg.glob(".portals.yaml.*"))  # no temporary file left behind


def test_removing_the_broken_entry_repairs_the_file(cfg: Path) -> None:
    """The rule is that the file *afterwards* loads: the entry with the mistake can be removed."""
    (cfg / "portals.yaml").write_text(EU + FEED + "    enabeld: false\n", encoding="utf-8")
    code, out, err = cli(cfg, "remove", "x", "--ja")
    assert code == 0, out + err
    assert text(cfg) == EU and enabled(cfg) == {"eu": True}
