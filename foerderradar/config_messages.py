"""German wording of config mistakes: what city IT reads when one of its files is wrong.

pydantic, PyYAML and tomllib speak English and of Python types ("Input should be a valid
integer", "mapping values are not allowed here"). The person reading the message edits a YAML or
TOML file and may not read English, so every error type a config file can produce gets a German
sentence here that says what is expected (with the limits from pydantic's ``ctx``) and what was
found. Anything not mapped falls back to a generic German sentence rather than leaking English.

This module imports nothing of the project: the config models (settings, crawler kinds) use it.
"""

from __future__ import annotations

import difflib
import errno
import re
from collections.abc import Mapping, Sequence
from typing import Any

TOP_LEVEL = "(oberste Ebene)"

# Regular expressions of ``Field(pattern=…)`` in the config models → what the value must look like.
# tests/test_config_messages.py checks that every pattern a config model uses has an entry.
PATTERN_HINTS: dict[str, str] = {
    r"^[a-z0-9][a-z0-9_-]*$": (
        "ein Kürzel aus Kleinbuchstaben a–z, Ziffern, '-' und '_', das mit einem Buchstaben oder einer "
        "Ziffer beginnt, z. B. breitband-ausbau"
    ),
    r"^[A-Z]{2}-[A-Z0-9]{1,3}$": "ein Kürzel des Landes nach ISO 3166-2 in Großbuchstaben wie DE-NW",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "eine E-Mail-Adresse wie name@kommune.de",
    r"^\d{8}$": 'der achtstellige Amtliche Gemeindeschlüssel in Anführungszeichen, z. B. "05754036"',
}


def shown(value: Any) -> str:
    """A value as the person wrote it in the file: texts quoted, switches as true/false."""
    if value is None:
        return "nichts (leer)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 80 else value[:79] + "…")
    return _found(value)


def _found(value: Any) -> str:
    """What stands in the file, described by its kind (for a type mistake)."""
    if value is None:
        return "nichts (leer)"
    if isinstance(value, bool):
        return f"der Schalter {shown(value)}"
    if isinstance(value, int | float):
        return f"die Zahl {shown(value)}"
    if isinstance(value, str):
        return f"der Text {shown(value)}" if value else "ein leerer Text"
    if isinstance(value, list | tuple):
        if not value:
            return "eine leere Liste"
        return "eine Liste mit einem Eintrag" if len(value) == 1 else f"eine Liste mit {len(value)} Einträgen"
    if isinstance(value, Mapping):
        keys = ", ".join(str(k) for k in list(value)[:5])
        return f"ein Abschnitt mit den Schlüsseln {keys}" if keys else "ein leerer Abschnitt"
    return f"ein Wert der Art {type(value).__name__}"


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def did_you_mean(word: str, known: Sequence[str]) -> str:
    """``; meinten Sie 'x'?`` for a close spelling among ``known`` (case-blind), else empty."""
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.7)
    return f"; meinten Sie {by_lower[close[0]]!r}?" if close else ""


def not_one_of(value: Any, allowed: Sequence[str], is_not: str = "nicht erlaubt") -> str:
    """A value outside a closed vocabulary: the choices, and the nearest one if it is a typo.

    ``is_not`` completes "'x' ist …", e.g. "kein Feed-Element".
    """
    hint = did_you_mean(value, allowed) if isinstance(value, str) else ""
    return f"{shown(value)} ist {is_not}; möglich sind: {', '.join(allowed)}{hint}"


# Type mistakes: error types → what belongs there.
_EXPECTED: dict[str, str] = {
    **dict.fromkeys(("int_type", "int_parsing", "int_parsing_size"), "eine ganze Zahl wie 30"),
    "int_from_float": "eine ganze Zahl ohne Nachkommastellen wie 30",
    **dict.fromkeys(("float_type", "float_parsing"), "eine Zahl wie 30 oder 0.5 (Dezimalpunkt, kein Komma)"),
    **dict.fromkeys(("bool_type", "bool_parsing"), "true oder false"),
    **dict.fromkeys(("string_type", "string_sub_type"), "ein Text"),
    **dict.fromkeys(
        ("list_type", "tuple_type", "set_type", "iterable_type"),
        ("eine Liste, z. B. [a, b] oder eine Zeile '- …' je Eintrag"),
    ),
    **dict.fromkeys(
        ("dict_type", "model_type", "model_attributes_type", "mapping_type"),
        ("ein Abschnitt mit eigenen Schlüsseln (darunter eingerückt: schlüssel: wert)"),
    ),
    **dict.fromkeys(
        ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"),
        ("ein Datum wie 2027-03-31 (Jahr-Monat-Tag)"),
    ),
    **dict.fromkeys(
        ("datetime_type", "datetime_parsing", "datetime_from_date_parsing", "datetime_object_invalid"),
        ("ein Zeitpunkt wie 2027-03-31T09:00:00+02:00"),
    ),
    **dict.fromkeys(
        ("url_type", "url_parsing", "url_syntax_violation", "url_scheme", "url_too_long"),
        ("eine Adresse wie https://www.beispiel.de/seite"),
    ),
    "none_required": "nichts (den Schlüssel weglassen)",
    "finite_number": "eine endliche Zahl",
    **dict.fromkeys(("time_type", "time_parsing"), "eine Uhrzeit wie 07:30"),
}


def expected_of(err: Mapping[str, Any]) -> str | None:
    """What a type-mistake error expected (German), or None if the error is not a type mistake."""
    return _EXPECTED.get(str(err["type"]))


def error_message(err: Mapping[str, Any]) -> str:
    """The German message for one pydantic error dict (without file and location)."""
    kind = str(err["type"])
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind in ("literal_error", "enum"):
        return not_one_of(value, re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
    if kind == "extra_forbidden":
        return "unbekannter Schlüssel; Schreibweise prüfen (die möglichen Schlüssel stehen in der Beispieldatei)"
    if kind == "missing":
        return "fehlt; dieser Schlüssel muss angegeben werden"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", "")) or f"ungültiger Wert {shown(value)}"
    if kind in _EXPECTED:
        comma = " (mit Punkt statt Komma schreiben)" if kind == "float_parsing" and "," in str(value) else ""
        return f"erwartet wird {_EXPECTED[kind]}; hier steht {_found(value)}{comma}"
    bound = _bound_message(kind, ctx, value)
    if bound is not None:
        return bound
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        hint = PATTERN_HINTS.get(pattern, f"ein Text nach dem Muster {pattern}")
        return f"{shown(value)} hat nicht die erwartete Form; erwartet wird {hint}"
    return f"ungültiger Wert {shown(value)}; Art und Schreibweise mit der Beispieldatei vergleichen"


def _bound_message(kind: str, ctx: Mapping[str, Any], value: Any) -> str | None:
    """Numbers out of range, texts and lists too long or too short."""
    if kind == "greater_than":
        return f"muss größer als {_number(ctx.get('gt'))} sein, nicht {shown(value)}"
    if kind == "greater_than_equal":
        return f"muss mindestens {_number(ctx.get('ge'))} sein, nicht {shown(value)}"
    if kind == "less_than":
        return f"muss kleiner als {_number(ctx.get('lt'))} sein, nicht {shown(value)}"
    if kind == "less_than_equal":
        return f"darf höchstens {_number(ctx.get('le'))} sein, nicht {shown(value)}"
    if kind == "string_too_short":
        least = int(ctx.get("min_length", 1))
        if least <= 1:
            return "darf nicht leer sein; einen Text eintragen oder den Schlüssel weglassen"
        return f"muss mindestens {least} Zeichen lang sein; hier steht {shown(value)}"
    if kind == "string_too_long":
        length = f" (hier {len(value)})" if isinstance(value, str) else ""
        return f"darf höchstens {ctx.get('max_length')} Zeichen lang sein{length}; bitte kürzen"
    if kind == "too_short":
        least = int(ctx.get("min_length", 1))
        if least <= 1:
            return "darf nicht leer sein; mindestens einen Eintrag angeben"
        return f"braucht mindestens {least} Einträge, hier stehen {ctx.get('actual_length', '?')}"
    if kind == "too_long":
        return f"darf höchstens {ctx.get('max_length')} Einträge haben, hier stehen {ctx.get('actual_length', '?')}"
    return None


def union_message(errors: Sequence[Mapping[str, Any]]) -> str:
    """One message for a value that fits none of several allowed kinds (``sections: true`` or a selector)."""
    expected = [expected_of(e) for e in errors]
    if all(expected):
        choices = " oder ".join(dict.fromkeys(e for e in expected if e))
        return f"erwartet wird {choices}; hier steht {_found(errors[0].get('input'))}"
    return "; oder: ".join(dict.fromkeys(error_message(e) for e in errors))


# -- reading the files ----------------------------------------------------------------------------


def unreadable(exc: BaseException) -> str:
    """Why a file could not be read (German), with what to do about it."""
    if isinstance(exc, UnicodeDecodeError):
        line = bytes(exc.object[: exc.start]).count(b"\n") + 1
        return (
            f"kann nicht gelesen werden: kein UTF-8 (Zeile {line}: Byte 0x{exc.object[exc.start]:02x}); "
            "die Datei im Editor als UTF-8 speichern"
        )
    if isinstance(exc, IsADirectoryError):
        return "kann nicht gelesen werden: das ist ein Ordner, keine Datei"
    if isinstance(exc, PermissionError):
        return "kann nicht gelesen werden: keine Leseberechtigung (Dateirechte prüfen)"
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"kann nicht gelesen werden ({errno.errorcode.get(exc.errno, exc.errno)})"
    return "kann nicht gelesen werden"


_YAML_PROBLEMS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"^mapping values are not allowed here"),
        "ein ':' ist an dieser Stelle nicht erlaubt; Einrückung prüfen, und einen Text mit ': ' in "
        "Anführungszeichen setzen",
    ),
    (
        re.compile(r"^could not find expected ':'"),
        "':' erwartet; fehlt der Doppelpunkt nach einem Schlüssel oder ein schließendes Anführungszeichen?",
    ),
    (
        re.compile(r"^found character '\\t' that cannot start any token|^found a tab character"),
        "Tabulatorzeichen gefunden; in YAML nur mit Leerzeichen einrücken",
    ),
    (
        re.compile(r"^found character '(.)' that cannot start any token"),
        "ein Wert darf nicht mit {0!r} beginnen; den Wert in Anführungszeichen setzen",
    ),
    (
        re.compile(r"^expected ',' or '\]'|^did not find expected ',' or '\]'"),
        "Liste in [ ] nicht geschlossen: ',' oder ']' erwartet",
    ),
    (
        re.compile(r"^expected ',' or '\}'|^did not find expected ',' or '\}'"),
        "Abschnitt in {{ }} nicht geschlossen: ',' oder '}}' erwartet",
    ),
    (
        re.compile(r"^expected <block end>|^did not find expected '-' indicator|^did not find expected key"),
        "die Einrückung passt nicht: Einträge derselben Ebene brauchen gleich viele Leerzeichen am Zeilenanfang",
    ),
    (
        re.compile(r"^found unexpected end of stream"),
        "die Datei endet mitten in einem Wert; fehlt ein schließendes Anführungszeichen?",
    ),
    (re.compile(r"^found undefined alias '([^']*)'"), "Verweis *{0} auf einen Anker &{0}, den es nicht gibt"),
    (
        re.compile(r"^could not determine a constructor for the tag '([^']*)'"),
        "die Typangabe {0!r} ist nicht erlaubt; das '!'-Kennzeichen entfernen",
    ),
    (re.compile(r"^found unhashable key"), "eine Liste oder ein Abschnitt kann kein Schlüssel sein"),
    (
        re.compile(r"^found unknown escape character '?(.)'?"),
        "unbekannte Escape-Folge '\\{0}' in \"…\"; den Text in einfache Anführungszeichen '…' setzen",
    ),
    (
        re.compile(r"^expected a comment or a line break"),
        "nach dem Wert steht noch etwas in derselben Zeile; den Wert in Anführungszeichen setzen",
    ),
    (
        re.compile(r"^expected alphabetic or numeric character"),
        "nach '&' oder '*' muss ein Name folgen; ein Text mit diesen Zeichen gehört in Anführungszeichen",
    ),
]


def yaml_problem(problem: str | None, context_line: int | None = None, line: int | None = None) -> str:
    """PyYAML's syntax complaint in German; ``context_line``: where the unclosed thing began (1-based)."""
    text = problem or ""
    for pattern, german in _YAML_PROBLEMS:
        match = pattern.search(text)
        if match:
            message = german.format(*match.groups())
            break
    else:
        message = "Einrückung, Doppelpunkte, Klammern und Anführungszeichen in dieser Zeile und der davor prüfen"
    if context_line is not None and line is not None and context_line != line:
        message += f" (begonnen in Zeile {context_line})"
    return f"YAML-Syntaxfehler: {message}"


_TOML_PROBLEMS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Expected '\]' at the end of a table"), "']' fehlt am Ende der Abschnittsüberschrift [name]"),
    (re.compile(r"^Expected '\]\]' at the end of an array declaration"), "']]' fehlt am Ende von [[name]]"),
    (re.compile(r"^Expected '=' after a key"), "'=' fehlt nach dem Schlüssel (schlüssel = wert)"),
    (
        re.compile(r"^Invalid value"),
        'der Wert fehlt oder ist nicht lesbar; Texte in "…", Zahlen ohne Anführungszeichen, true/false klein',
    ),
    (
        re.compile(r"^Cannot overwrite a value|^Cannot declare .* twice|^Duplicate inline table key"),
        "dieser Schlüssel oder Abschnitt steht zweimal; einen davon löschen",
    ),
    (re.compile(r"^Cannot (?:mutate|redefine)"), "dieser Abschnitt ist schon anders festgelegt"),
    (re.compile(r"^Unclosed array"), "Liste in [ ] nicht geschlossen"),
    (re.compile(r"^Unclosed inline table"), "Abschnitt in { } nicht geschlossen"),
    (re.compile(r"^Unterminated string|^Illegal character '\\n'"), "schließendes Anführungszeichen fehlt"),
    (re.compile(r"^Unescaped '\\' in a string"), "ein '\\' in \"…\" muss verdoppelt werden (oder '…' verwenden)"),
    (
        re.compile(r"^Expected newline or end of document"),
        'nach dem Wert steht noch etwas in derselben Zeile; Texte in "…" setzen',
    ),
    (
        re.compile(r"^Invalid statement|^Invalid initial character for a key"),
        "diese Zeile ist weder schlüssel = wert noch [abschnitt]",
    ),
    (re.compile(r"^Invalid date or datetime"), "kein gültiges Datum (Jahr-Monat-Tag, z. B. 2027-03-31)"),
]
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


def toml_problem(message: str) -> str:
    """tomllib's complaint in German, position first like the YAML messages."""
    position = _TOML_POSITION.search(message)
    text = message[: position.start()] if position else message
    where = ""
    if position and position.group(1):
        where = f"Zeile {position.group(1)}, Spalte {position.group(2)}: "
    elif position:
        where = "am Dateiende: "
    for pattern, german in _TOML_PROBLEMS:
        if pattern.search(text):
            return f"{where}TOML-Syntaxfehler: {german}"
    return f"{where}TOML-Syntaxfehler: Anführungszeichen, Klammern und '=' in dieser Zeile prüfen"


_FIELDS = {"minute": "Minute", "hour": "Stunde", "day": "Tag", "month": "Monat", "day_of_week": "Wochentag"}
_CRON_PROBLEMS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Wrong number of fields; got (\d+)"), "{0} statt 5 Feldern"),
    (re.compile(r"value \((\d+)\) is higher than the maximum value \((\d+)\)"), "{0} ist größer als {1}"),
    (re.compile(r"value \((\d+)\) is lower than the minimum value \((\d+)\)"), "{0} ist kleiner als {1}"),
    (re.compile(r'Invalid weekday name "([^"]*)"'), "unbekannter Wochentag {0!r} (mon, tue, wed, thu, fri, sat, sun)"),
    (re.compile(r'Invalid month name "([^"]*)"'), "unbekannter Monat {0!r} (jan, feb, … dec)"),
    (re.compile(r"Increment must be higher than 0"), "die Schrittweite nach '/' muss größer als 0 sein"),
    (re.compile(r"minimum value in a range must not be higher"), "in einem Bereich a-b darf a nicht größer als b sein"),
]


def cron_detail(message: str) -> str:
    """``: <what is wrong>`` for APScheduler's complaint about a crontab line, or empty if unknown."""
    unknown = re.search(r'Unrecognized expression "([^"]*)" for field "([^"]*)"', message)
    if unknown:
        return f": {unknown.group(1)!r} ist im Feld {_FIELDS.get(unknown.group(2), unknown.group(2))} nicht erlaubt"
    for pattern, german in _CRON_PROBLEMS:
        match = pattern.search(message)
        if match:
            return ": " + german.format(*match.groups())
    return ""


_CSS_PROBLEMS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"got <EOF at \d+>"), "er endet zu früh; fehlt eine schließende Klammer oder ein Name?"),
    (re.compile(r"got <\w+ '([^']*)' at (\d+)>"), "unerwartetes {0!r} an Stelle {1}"),
    (
        re.compile(r"The pseudo-element ::(\S+) is unknown"),
        "::{0} gibt es nicht; am Ende erlaubt sind ::text und ::attr(name)",
    ),
    (re.compile(r"The pseudo-class :(\S+) is unknown"), "die Pseudoklasse :{0} gibt es nicht"),
    (re.compile(r"Unclosed string at (\d+)"), "das Anführungszeichen an Stelle {0} wird nicht geschlossen"),
    (re.compile(r"Got pseudo-element ::(\S+) not at the end"), "::{0} darf nur am Ende stehen"),
    (re.compile(r"Invalid series"), "das Argument von :nth-…() muss wie 2n+1, odd oder 3 aussehen"),
]


def css_problem(message: str) -> str:
    """cssselect's complaint about a selector in German (positions counted from 1)."""
    for pattern, german in _CSS_PROBLEMS:
        match = pattern.search(message)
        if match:
            groups = [str(int(g) + 1) if g.isdigit() else g for g in match.groups()]
            return german.format(*groups)
    return "Klammern, Anführungszeichen und Doppelpunkte prüfen"
