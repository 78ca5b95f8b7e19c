"""The help frame and the usage errors speak German (foerderradar/cli/german_help.py): every
command's ``--help`` is rendered and searched for typer's English words, and typical typing
mistakes get German messages with exit status 2."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
from config_files import write_config_dir
from typer._click import Command
from typer.testing import CliRunner

from foerderradar.cli import app

# typer's and click's English frame: words, bracket texts and the Python type names of values.
ENGLISH = re.compile(
    r"\bUsage\b|\bOptions\b|\bCommands\b|\bArguments\b|Show this message|\bdefault:|\brange\b|\brequired\]"
    r"|\benv var\b|\[OPTIONS\]|\bCOMMAND\b|\[ARGS\]|<(?:str|int|float|bool|path|list\[str\])>"
    r"|\b(?:INTEGER|FLOAT|PATH|FILE|DIRECTORY|BOOLEAN|DIR)\b|\bError\b|Try '|Aborted|x>=|<=x"
)


def command_paths(command: Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and group of the app, registered ones included, recursively."""
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from command_paths(sub, (*path, name))


ALL = list(command_paths(typer.main.get_command(app)))


def invoke(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, prog_name="foerderradar", env={"COLUMNS": "100"}, terminal_width=100)
    return result.exit_code, result.output


def test_the_walk_finds_the_commands() -> None:
    """A walk that found nothing would pass every check below."""
    assert {(), ("match",), ("calls", "mark"), ("portals", "add"), ("users", "passwd"), ("db", "upgrade")} <= set(ALL)
    assert len(ALL) > 30


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p) or "foerderradar")
def test_every_help_page_is_german(path: tuple[str, ...]) -> None:
    code, text = invoke([*path, "--help"])
    assert code == 0, text
    assert f"Aufruf: foerderradar {' '.join(path)}".rstrip() in text
    assert "Diese Hilfe anzeigen und beenden." in text
    assert not ENGLISH.search(text), ENGLISH.search(text)


@pytest.mark.parametrize(
    ("path", "fragments"),
    [
        ((), ["[OPTIONEN] BEFEHL [ARGUMENTE]...", "─ Optionen ─", "─ Befehle ─"]),
        (("calls", "mark"), ["{AUFRUF} {BEWERTUNG}", "─ Argumente ─", "[Pflicht]"]),
        (("match",), ["--limit            ZAHL ≥ 1", "ZAHL 0–100", "[Standard: table]", "--output           DATEI"]),
        (("crawl",), ["[PORTAL]...", "[Umgebungsvariable: FOERDERRADAR_REDIS_URL]"]),
    ],
)
def test_the_frame_names_values_in_german(path: tuple[str, ...], fragments: list[str]) -> None:
    code, text = invoke([*path, "--help"])
    assert code == 0
    for fragment in fragments:
        assert fragment in text


# (arguments, the German message in the error panel)
MISTAKES = [
    (["match", "--min-scor", "30"], "Unbekannte Option --min-scor. Meinten Sie --min-score?"),
    (["match", "--frobnicate"], "Unbekannte Option --frobnicate."),
    (["calls", "mark"], "Argument AUFRUF fehlt."),
    (["calls", "mark", "nrw:x", "relevant"], "Option --measure fehlt."),
    (["match", "--limit", "viele"], "Ungültiger Wert für --limit: erwartet wird eine ganze Zahl wie 30; hier steht "
                                    "der Text 'viele'"),
    (["match", "--min-score", "300"], "Ungültiger Wert für --min-score: darf höchstens 100 sein, nicht 300"),
    (["match", "--limit", "0"], "Ungültiger Wert für --limit: muss mindestens 1 sein, nicht 0"),
    (["matsch"], "Unbekannter Befehl 'matsch'. Meinten Sie 'match'?"),
    (["portals", "lsit"], "Unbekannter Befehl 'lsit'. Meinten Sie 'list'?"),
    (["zaubern"], "Unbekannter Befehl 'zaubern'."),
    (["status", "jetzt"], "Zu viele Argumente: jetzt"),
    (["match", "--limit"], "Die Option --limit braucht einen Wert."),
]


@pytest.mark.parametrize(("args", "message"), MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_typing_mistakes_are_answered_in_german_with_status_2(args: list[str], message: str) -> None:
    code, text = invoke(args)
    assert code == 2, text
    assert message in " ".join(line.strip("│ ") for line in text.splitlines()), text
    assert "Fehler" in text
    assert not ENGLISH.search(text), ENGLISH.search(text)


def test_an_error_names_the_help_in_german() -> None:
    code, text = invoke(["calls", "mark"])
    assert code == 2
    assert "Aufruf: foerderradar calls mark [OPTIONEN] {AUFRUF} {BEWERTUNG}" in text
    assert "Hilfe: 'foerderradar calls mark --help'" in text


def test_a_group_without_a_command_shows_its_german_help() -> None:
    code, text = invoke(["portals"])
    assert code == 2
    assert "Aufruf: foerderradar portals [OPTIONEN] BEFEHL [ARGUMENTE]..." in text
    assert not ENGLISH.search(text)


def test_two_different_passwords_are_refused_in_german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """click's own confirmation prompt would answer in English."""
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", f"sqlite:///{tmp_path / 'users.db'}")
    config = write_config_dir(tmp_path / "config")
    result = CliRunner().invoke(app, ["users", "add", "it@example.org", "--role", "admin", "--config", str(config)],
                                input="ein langes Passwort 2026\nein anderes Passwort 2026\n")
    assert result.exit_code == 2, result.output
    assert "Die beiden Eingaben stimmen nicht überein; nichts geändert." in result.output
    assert not ENGLISH.search(result.output) and "do not match" not in result.output
