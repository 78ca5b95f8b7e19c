"""The help frame and the usage errors of the command in German.

typer (0.29, click vendored as ``typer._click``) writes its frame in English: "Usage:", the
"Options"/"Commands" panels, "Show this message and exit.", ``[default: …]``, ``<int range>``, and
errors such as "No such option" or "Missing argument". A city's IT reads German, so:

- every command of the tree gets German words through click's own extension points
  (``context_class`` → a formatter whose usage line starts with "Aufruf:", ``options_metavar``,
  ``subcommand_metavar``, each parameter's ``metavar``, the help option's text) — ``germanize``;
- the panel titles and bracket texts are typer's ``rich_utils`` constants, set once — ``install``;
- a usage error is rebuilt in German from the exception's own data (the option, the parameter, the
  pydantic error behind a bad value) before typer prints it — ``german_error``, used by
  :class:`GermanGroup`, the root command's class. Exit status 2 stays.

The tests walk every command's ``--help`` and the errors; a typer upgrade that moves these points
shows there (tests/test_cli_help_german.py).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import typer.core
import typer.rich_utils
from pydantic import ValidationError
from typer import _click
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    ClickException,
    FileError,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)

from foerderradar.config_messages import error_message

USAGE_PREFIX = "Aufruf: "
OPTIONS_METAVAR = "[OPTIONEN]"
SUBCOMMAND_METAVAR = "BEFEHL [ARGUMENTE]..."
HELP_TEXT = "Diese Hilfe anzeigen und beenden."

# typer.rich_utils' frame words (module constants read at every help and error).
RICH_FRAME: dict[str, str] = {
    "ARGUMENTS_PANEL_TITLE": "Argumente",
    "OPTIONS_PANEL_TITLE": "Optionen",
    "COMMANDS_PANEL_TITLE": "Befehle",
    "ERRORS_PANEL_TITLE": "Fehler",
    "DEFAULT_STRING": "[Standard: {}]",
    "ENVVAR_STRING": "[Umgebungsvariable: {}]",
    "REQUIRED_LONG_STRING": "[Pflicht]",
    "DEPRECATED_STRING": "(veraltet) ",
    "ABORTED_TEXT": "Abgebrochen.",
    "RICH_HELP": "Hilfe: [blue]'{command_path} {help_option}'[/]",
    # The range goes into the metavar ("ZAHL 0–100"); typer's own "[0<=x<=100]" is left out.
    "RANGE_STRING": "",
}

# An argument's name in the usage line and the help: the Python parameter name → German.
ARGUMENT_NAMES: dict[str, str] = {
    "file": "DATEI",
    "call_id": "AUFRUF",
    "verdict": "BEWERTUNG",
    "portals": "PORTAL",
    "keys": "PORTAL",
    "key": "SCHLÜSSEL",
    "directory": "VERZEICHNIS",
    "email": "E-MAIL",
}

# What an option's value is: typer's type label → German (a path option may say more, below).
VALUE_NAMES: dict[str, str] = {"str": "TEXT", "int": "ZAHL", "float": "ZAHL", "path": "PFAD", "list[str]": "TEXT"}
PATH_OPTIONS: dict[str, str] = {
    "--config": "VERZEICHNIS", "--preview": "VERZEICHNIS", "--out": "VERZEICHNIS",
    "--output": "DATEI", "--from-csv": "DATEI",
}  # fmt: skip


def _number(value: float) -> str:
    return f"{value:g}"


def value_name(param: Any, ctx: _click.Context) -> str:
    """The German metavar of an option's value: TEXT, ZAHL 0–100, ZAHL ≥ 1, DATEI …; empty for a flag."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    label = param.display_type(ctx).strip("<>")
    ranged = label.endswith(" range")
    label = label.removesuffix(" range")
    name = PATH_OPTIONS.get(param.opts[0], "PFAD") if label == "path" else VALUE_NAMES.get(label, label.upper())
    if ranged and param.min is not None and param.max is not None:
        return f"{name} {_number(param.min)}–{_number(param.max)}"
    if ranged and param.min is not None:
        return f"{name} ≥ {_number(param.min)}"
    if ranged and param.max is not None:
        return f"{name} ≤ {_number(param.max)}"
    return name


class GermanFormatter(_click.HelpFormatter):
    """click's formatter with a German usage line."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, USAGE_PREFIX if prefix is None else prefix)


class GermanContext(_click.Context):
    formatter_class = GermanFormatter


def _argument_display_type(self: typer.core.TyperArgument, ctx: _click.Context) -> str | None:
    """An argument with a metavar shows it as its name, like an option with one: no Python type."""
    return None if self.metavar is not None else typer.core._TyperParameter.display_type_rich(self, ctx)


def install() -> None:
    """typer's frame words and argument display set to German; idempotent."""
    for name, text in RICH_FRAME.items():
        setattr(typer.rich_utils, name, text)
    typer.core.TyperArgument.display_type_rich = _argument_display_type  # type: ignore[method-assign,assignment]


def germanize(command: _click.Command) -> None:
    """German usage line, metavars and help option for ``command`` and every command below it."""
    command.context_class = GermanContext
    command.options_metavar = OPTIONS_METAVAR
    ctx = GermanContext(command)
    for param in command.params:
        if isinstance(param, typer.core.TyperArgument):
            if param.metavar is None and param.name is not None:
                param.metavar = ARGUMENT_NAMES.get(param.name, param.name.upper())
        elif isinstance(param, typer.core.TyperOption) and param.metavar is None:
            param.metavar = value_name(param, ctx)
    help_option = command.get_help_option(ctx)
    if help_option is not None:
        help_option.help = HELP_TEXT
        help_option.metavar = ""
    if isinstance(command, typer.core.TyperGroup):
        command.subcommand_metavar = SUBCOMMAND_METAVAR
        for sub in command.commands.values():
            if sub.help and not sub.short_help:  # one line in the list of commands, however the docstring wraps
                sub.short_help = " ".join(inspect.cleandoc(sub.help).split("\n\n")[0].split())
            germanize(sub)


# -- errors ---------------------------------------------------------------------------------------

def _or(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " oder " + names[-1]


def _param_name(param: Any) -> str:
    """How the person typed or sees a parameter: ``--measure``, or the argument's German name."""
    if param is None:
        return "?"
    if isinstance(param, typer.core.TyperArgument):
        return str(param.metavar or param.name)
    return " / ".join(param.opts)


# click's and typer's fixed English sentences (after the structured cases below).
MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^No such command '(.*)'\.(?: Did you mean (.*)\?)?$", re.S), "Unbekannter Befehl '{0}'.{1}"),
    (re.compile(r"^Missing command\.$"), "Befehl fehlt."),
    (re.compile(r"^Got unexpected extra argument(?:s|\(s\))? \((.*)\)$", re.S), "Zu viele Argumente: {0}"),
    (re.compile(r"^Option '(.*)' requires an argument\.$"), "Die Option {0} braucht einen Wert."),
    (re.compile(r"^Option '(.*)' requires (\d+) arguments\.$"), "Die Option {0} braucht {1} Werte."),
    (re.compile(r"^Option '(.*)' does not take a value\.$"), "Die Option {0} nimmt keinen Wert."),
    (re.compile(r"^Argument '(.*)' takes (\d+) values\.$"), "Das Argument {0} braucht {1} Werte."),
    (re.compile(r"^Value must be an iterable\.$"), "Es wird eine Liste von Werten erwartet."),
    (re.compile(r"^Value (.*) is not a valid (.*)\.$"), "{0} ist kein gültiger Wert."),
]


def _sentence(message: str) -> str:
    for pattern, german in MESSAGES:
        match = pattern.match(message)
        if match:
            groups = list(match.groups())
            if pattern.pattern.startswith("^No such command"):
                groups[1] = f" Meinten Sie {_or(groups[1].split(', '))}?" if groups[1] else ""
            return german.format(*groups)
    return message


def _typed(err: Mapping[str, Any]) -> Mapping[str, Any]:
    """A command line hands every value over as text: "300" was typed as the number it reads as."""
    value = err.get("input")
    if isinstance(value, str) and re.fullmatch(r"-?\d+(?:\.\d+)?", value.strip()):
        return {**err, "input": float(value)}
    return err


def german_message(exc: ClickException) -> str:
    """The German sentence for one of click's exceptions (from its data, not its English text)."""
    if isinstance(exc, NoSuchOption):
        hint = f" Meinten Sie {_or(sorted(exc.possibilities))}?" if exc.possibilities else ""
        return f"Unbekannte Option {exc.option_name}.{hint}"
    if isinstance(exc, MissingParameter):
        kind = "Argument" if isinstance(exc.param, typer.core.TyperArgument) else "Option"
        return f"{kind} {_param_name(exc.param)} fehlt."
    if isinstance(exc, BadParameter):
        cause = exc.__cause__
        errors = cause.errors() if isinstance(cause, ValidationError) else []
        detail = error_message(_typed(errors[0])) if errors else _sentence(exc.message)
        return f"Ungültiger Wert für {_param_name(exc.param)}: {detail}"
    if isinstance(exc, FileError):
        return f"Die Datei {exc.ui_filename!r} kann nicht geöffnet werden: {exc.message}"
    if isinstance(exc, BadOptionUsage):
        return _sentence(exc.message)
    return _sentence(exc.message)


def german_error(exc: ClickException) -> ClickException:
    """``exc`` with its message in German; the same exit status (2 for a usage error)."""
    if isinstance(exc, UsageError):
        german: ClickException = UsageError(german_message(exc), ctx=exc.ctx)
    else:
        german = ClickException(german_message(exc))
    german.exit_code = exc.exit_code
    return german


@contextmanager
def german_errors() -> Iterator[None]:
    try:
        yield
    except NoArgsIsHelpError:  # the help itself, shown because nothing was asked
        raise
    except ClickException as exc:
        raise german_error(exc) from None


class GermanGroup(typer.core.TyperGroup):
    """The root command: makes the whole tree German when typer builds it, and says usage errors in
    German (everything below runs inside the root's ``make_context`` and ``invoke``)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        install()
        germanize(self)

    def make_context(
        self, info_name: str | None, args: list[str], parent: _click.Context | None = None, **extra: Any
    ) -> _click.Context:
        with german_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: _click.Context) -> Any:
        with german_errors():
            return super().invoke(ctx)
