"""Reading a file city IT edits, and saying in German what is wrong with it: YAML that refuses a
key written twice, and every pydantic validation error as ``file: entry.field: message`` (with a
spelling hint for an unknown key). Shared by the configuration (settings.py), the municipalities'
files (kommunen.py) and the labelled evaluation sets (matcher/evalset.py).

The wording lives in config_messages.py; this module places it (file, entry, field).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar, get_args

import yaml
from pydantic import BaseModel, ValidationError

from foerderradar.config_messages import TOP_LEVEL, did_you_mean, error_message, union_message, unreadable, yaml_problem


class ConfigError(Exception):
    """One or more problems in the configuration; each names file, entry and field."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def _loc(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or TOP_LEVEL


def _message(err: Any) -> str:
    """German text of one pydantic error; the wording lives in :mod:`foerderradar.config_messages`."""
    return error_message(err)


# A location part that names a member of a union (``bool``, ``constrained-str``, ``list[str]``,
# ``LiteralValue``), not a key of the file: config keys are lower-case identifiers.
_UNION_MEMBER = re.compile(r"^(?:bool|str|int|float|none|list|dict)$|[^a-z0-9_]")


def _key_path(err: Any) -> tuple[int | str, ...]:
    """The error's location as keys of the file: pydantic's union-member names left out."""
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":  # the last part is the key the person wrote, whatever it is
        return (*(p for p in loc[:-1] if not _is_member(p)), loc[-1])
    return tuple(p for p in loc if not _is_member(p))


def _is_member(part: int | str) -> bool:
    return isinstance(part, str) and bool(_UNION_MEMBER.search(part))


def format_validation_error(
    path: Path | str, exc: ValidationError, prefix: Sequence[int | str] = (), model: type[BaseModel] | None = None
) -> list[str]:
    """``file: entry.field: message`` per problem; ``model`` (the validated class) adds spelling hints.

    A value that fits none of a union's members (``sections: 5`` is neither true/false nor a
    selector) gives one message for its key, not one per member.
    """
    return [f"{path}: {_loc([*prefix, *loc])}: {message}" for loc, message in field_problems(exc, model)]


def field_problems(
    exc: ValidationError, model: type[BaseModel] | None = None, unknown_key: str | None = None
) -> list[tuple[tuple[int | str, ...], str]]:
    """(location, German message) per problem — for input that is not a config file too (a line of
    ``calls import``); ``unknown_key`` replaces the config wording for a key the model does not know."""
    grouped: dict[tuple[int | str, ...], list[Any]] = {}
    for e in exc.errors():
        grouped.setdefault(_key_path(e), []).append(e)
    out = []
    for loc, errors in grouped.items():
        first = errors[0]
        message = union_message(errors) if len(errors) > 1 else _message(first)
        if first["type"] == "extra_forbidden":
            message = unknown_key or message
            if model is not None:
                message += _did_you_mean(str(loc[-1]), _known_keys(model, loc[:-1]))
        out.append((loc, message))
    return out


def location(loc: Sequence[int | str]) -> str:
    """``entry.field[0]`` as the messages name a place in a file."""
    return _loc(loc)


def _did_you_mean(key: str, known: Sequence[str]) -> str:
    return did_you_mean(key, known)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation holds (``X``, ``X | None``, ``list[X]``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _known_keys(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The keys the model accepts at ``loc`` (list positions skipped); empty where it cannot tell."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            continue
        field_info = current.model_fields.get(part) if current is not None else None
        current = _model_in(field_info.annotation) if field_info is not None else None
    return list(current.model_fields) if current is not None else []


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A key written twice in one mapping: valid YAML syntax, but a mistake."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping.

    Plain YAML keeps the last value silently: a second ``kind:`` or ``enabled:`` in one entry, or a
    second ``portals:`` block, would throw away what city IT wrote first without a word.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)  # resolve "<<: *anchor" merges first, as SafeLoader does
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                earlier = first_line.get(key)
            except TypeError:
                continue  # an unhashable key: the constructor below reports it
            if earlier is not None:
                raise _DuplicateKey(
                    None, None,
                    f"Schlüssel {key!r} steht zweimal (zuerst in Zeile {earlier}); der erste Wert ginge "
                    "verloren – einen der beiden löschen oder zusammenführen",
                    key_node.start_mark,
                )
            first_line[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [f"{path}: Datei nicht gefunden (die Vorlage aus dem Ordner config/ des Projekts kopieren)"]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: {unreadable(exc)}"]) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"Zeile {mark.line + 1}, Spalte {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None)
        if not isinstance(exc, _DuplicateKey):  # its own message is German already
            context = getattr(exc, "context_mark", None)
            problem = yaml_problem(problem, context.line + 1 if context else None, mark.line + 1 if mark else None)
        raise ConfigError([f"{path}: {where}{problem}"]) from None


_M = TypeVar("_M", bound=BaseModel)


def read_validated(path: Path, model: type[_M]) -> _M:
    """The YAML file at ``path`` as ``model`` (an empty file is an empty mapping), or every problem."""
    data = read_yaml(path)
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc, model=model)) from None


