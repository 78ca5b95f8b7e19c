"""Loading the files city IT edits (``portals.yaml``, ``measures.yaml``, ``foerderradar.toml``).

Every file is validated into pydantic models that reject unknown keys, and every problem is
reported as ``file: entry.field: message`` so a person can fix the file without reading Python.
Portal entries are validated in two steps: the common keys first, then the keys their ``kind``
declares (see :mod:`foerderradar.crawler.registry`), urlwatch-style. The kinds' models, and the
``PortalBase`` they share, live in :mod:`foerderradar.crawler.kinds`: this module imports the registry
(lazily, when portals are loaded), never the other way round.

(About 500 lines: the three files share the reading (YAML/TOML, duplicate keys) and the German
message for every validation error, and the models here are the reference of every key; the
wording itself lives in config_messages.py, the portal kinds' models in crawler/kinds/.)
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar, cast, get_args

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from foerderradar.config_messages import (
    TOP_LEVEL,
    cron_detail,
    did_you_mean,
    error_message,
    not_one_of,
    toml_problem,
    union_message,
    unreadable,
    yaml_problem,
)
from foerderradar.crawler.crawl_settings import CrawlerSettings
from foerderradar.crawler.entry.base import STRICT, PortalBase
from foerderradar.german.fold import fold
from foerderradar.netpolicy import portal_url_problems

# The municipality's file models, re-exported: settings is where a config's models are looked up.
from foerderradar.profile import EMAIL as _EMAIL
from foerderradar.profile import City as City
from foerderradar.profile import Measure as Measure
from foerderradar.profile import MeasuresFile as MeasuresFile
from foerderradar.profile import MeasureStatus as MeasureStatus

CONFIG_ENV = "FOERDERRADAR_CONFIG"
DEFAULT_CONFIG_DIR = Path("config")


class ConfigError(Exception):
    """One or more problems in the configuration; each names file, entry and field."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class _Strict(BaseModel):
    model_config = STRICT


# -- measures.yaml / kommunen/SLUG.yaml: the models live in profile.py ------------------------------

# -- portals.yaml ---------------------------------------------------------------------------------


class PortalsFile(_Strict):
    portals: list[dict[str, Any]] = Field(default_factory=list)

    @field_validator("portals", mode="before")
    @classmethod
    def _empty(cls, value: object) -> object:
        return [] if value is None else value  # "portals:" with no entries yet is an empty list


# -- foerderradar.toml ----------------------------------------------------------------------------


class DigestSettings(_Strict):
    recipients: list[str] = Field(default_factory=list)
    subject: str = "Förderradar: {new} neue Treffer – {period}"
    min_score: float = Field(default=30, ge=0, le=100)
    soon_days: int = Field(default=14, ge=1)
    max_per_measure: int = Field(default=10, ge=1)
    # The listed deadlines as a calendar file attached to every digest (fristen-<period>.ics).
    attach_ics: bool = True
    # Where "abbestellen" goes (List-Unsubscribe header): mailto:… or https://…; none if unset.
    unsubscribe: str | None = None

    @field_validator("unsubscribe")
    @classmethod
    def _unsubscribe(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.match(r"^(mailto:[^@\s<>]+@[^\s<>]+|https://[^\s<>]+)$", value):
            raise ValueError(f"{value!r} ist weder mailto:adresse@kommune.de noch eine https://-Adresse")
        return value


class MailSettings(_Strict):
    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    starttls: bool = False
    tls: bool = False
    user: str | None = None
    mail_from: str = "foerderradar@localhost"
    timeout_s: float = Field(default=30, gt=0)
    password: str | None = Field(default=None, exclude=True)  # environment only, never TOML


class ScheduleSettings(_Strict):
    crawl: str = "0 6 * * *"  # cron: minute hour day month weekday
    digest: str = "0 7 * * mon"
    timezone: str = "Europe/Berlin"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} ist keine bekannte Zeitzone; z. B. Europe/Berlin") from None
        return value

    @field_validator("crawl", "digest")
    @classmethod
    def _cron(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(
                f"{value!r} ist kein Cron-Ausdruck wie '0 7 * * mon' (Minute Stunde Tag Monat Wochentag)"
                f"{cron_detail(str(exc))}"
            ) from None
        return value


class HealthSettings(_Strict):
    """When a portal counts as broken, and who hears about it (city IT, not the digital manager)."""

    failures_in_a_row: int = Field(default=3, ge=1, le=100)
    alert_to: list[str] = Field(default_factory=list)

    @field_validator("alert_to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if not re.match(_EMAIL, address):
                raise ValueError(f"{address!r} ist keine E-Mail-Adresse wie it@kommune.de")
        return list(dict.fromkeys(a.lower() for a in value))


class FeedSettings(_Strict):
    """``serve`` answers /feed.atom and /fristen.ics on this address when ``port`` is set (0 = off)."""

    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)


class AppSettings(_Strict):
    crawler: CrawlerSettings = Field(default_factory=CrawlerSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    mail: MailSettings = Field(default_factory=MailSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    health: HealthSettings = Field(default_factory=HealthSettings)
    feeds: FeedSettings = Field(default_factory=FeedSettings)


# -- loading --------------------------------------------------------------------------------------


def config_dir(explicit: str | Path | None = None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else DEFAULT_CONFIG_DIR


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
    grouped: dict[tuple[int | str, ...], list[Any]] = {}
    for e in exc.errors():
        grouped.setdefault(_key_path(e), []).append(e)
    out = []
    for loc, errors in grouped.items():
        first = errors[0]
        message = union_message(errors) if len(errors) > 1 else _message(first)
        if first["type"] == "extra_forbidden" and model is not None:
            message += _did_you_mean(str(loc[-1]), _known_keys(model, loc[:-1]))
        out.append(f"{path}: {_loc([*prefix, *loc])}: {message}")
    return out


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


def _read_validated(path: Path, model: type[_M]) -> _M:
    """The YAML file at ``path`` as ``model`` (an empty file is an empty mapping), or every problem."""
    data = read_yaml(path)
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc, model=model)) from None


def load_measures(directory: Path) -> MeasuresFile:
    return load_profile(directory / "measures.yaml")


def load_profile(path: Path) -> MeasuresFile:
    """One municipality's file (``measures.yaml`` or ``kommunen/SLUG.yaml``), measure ids unique."""
    parsed = _read_validated(path, MeasuresFile)
    problems = [
        f"{path}: measures[{i}].id: {m.id!r} kommt doppelt vor; jede Maßnahme braucht eine eigene id"
        for i, m in enumerate(parsed.measures)
        if any(other.id == m.id for other in parsed.measures[:i])
    ]
    if problems:
        raise ConfigError(problems)
    return parsed


# -- the municipalities ---------------------------------------------------------------------------

KOMMUNEN_DIR = "kommunen"
KOMMUNE_SLUG = r"^[a-z0-9][a-z0-9-]{0,62}$"


@dataclass(frozen=True)
class Kommune:
    """One municipality this instance serves: its slug (the profile's file name; in the single form
    the city's name, e.g. ``schloss-holte-stukenbrock``), its file and where that file is."""

    slug: str
    profile: MeasuresFile
    path: Path

    @property
    def name(self) -> str:
        return self.profile.city.name

    @property
    def recipients(self) -> list[str]:
        return list(self.profile.digest.recipients) if self.profile.digest else []


def city_slug(name: str) -> str:
    """The single form's slug: the city's name folded ("Schloß Holte-Stukenbrock" →
    "schloss-holte-stukenbrock"), so the file it becomes in ``kommunen/`` keeps its marks."""
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:63].strip("-") or "kommune"


def load_kommunen(directory: Path) -> tuple[str, list[Kommune]]:
    """The municipalities and the form they are written in: ``("single", [one])`` from
    measures.yaml, ``("kommunen", [...])`` from ``kommunen/*.yaml``; both present is an error."""
    folder, single = directory / KOMMUNEN_DIR, directory / "measures.yaml"
    if not folder.is_dir():
        profile = load_measures(directory)
        return "single", [Kommune(city_slug(profile.city.name), profile, single)]
    if single.exists():
        raise ConfigError([
            f"{single} und {folder}/: beide vorhanden – eine Kommune steht in measures.yaml, mehrere stehen "
            f"in {KOMMUNEN_DIR}/KURZNAME.yaml; measures.yaml nach {KOMMUNEN_DIR}/ verschieben oder den Ordner "
            f"{KOMMUNEN_DIR}/ entfernen"
        ])
    problems: list[str] = []
    kommunen: list[Kommune] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix == ".yml":
            problems.append(f"{path}: Profile enden auf .yaml; die Datei in {path.stem}.yaml umbenennen")
            continue
        if path.suffix != ".yaml":
            continue  # a README or a backup next to the profiles
        if not re.match(KOMMUNE_SLUG, path.stem):
            problems.append(
                f"{path}: der Dateiname ist der Kurzname der Kommune und darf nur Kleinbuchstaben, Ziffern und "
                f"Bindestriche enthalten (z. B. {city_slug(path.stem)}.yaml)"
            )
            continue
        try:
            kommunen.append(Kommune(path.stem, load_profile(path), path))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if not kommunen and not problems:
        problems.append(
            f"{folder}/: enthält kein Profil; je Kommune eine Datei KURZNAME.yaml im Format von measures.yaml "
            "anlegen (Vorlage: config/kommunen.example/)"
        )
    seen: dict[str, Path] = {}
    for kommune in kommunen:
        ags = kommune.profile.city.ags
        if ags is None:
            continue
        if ags in seen:
            problems.append(
                f"{kommune.path}: city.ags: {ags!r} steht schon in {seen[ags]}; jede Kommune hat einen eigenen"
            )
        seen.setdefault(ags, kommune.path)
    if problems:
        raise ConfigError(problems)
    return "kommunen", kommunen


PortalValidator = Callable[[dict[str, Any]], PortalBase]


def kind_message(kind: object, kinds: Iterable[str]) -> str:
    """An entry's ``kind`` that names no registered portal type (or is missing)."""
    choices = sorted(kinds)
    if kind is None:
        return f"fehlt; möglich sind: {', '.join(choices)}"
    return not_one_of(kind, choices, "kein bekannter Portal-Typ")


def load_portals(directory: Path, kinds: dict[str, type[PortalBase]] | None = None) -> list[PortalBase]:
    """Validate each entry against the model its ``kind`` registered; collect all problems."""
    if kinds is None:
        from foerderradar.crawler.registry import portal_models

        kinds = portal_models()
    path = directory / "portals.yaml"
    parsed = _read_validated(path, PortalsFile)
    problems: list[str] = []
    portals: list[PortalBase] = []
    seen: set[str] = set()
    for i, entry in enumerate(parsed.portals):
        kind = entry.get("kind")
        if kind not in kinds:
            problems.append(f"{path}: portals[{i}].kind: {kind_message(kind, kinds)}")
            continue
        try:
            portal = kinds[kind].model_validate(entry)
        except ValidationError as exc:
            problems.extend(format_validation_error(path, exc, ("portals", i), kinds[kind]))
            continue
        for where, message in portal_url_problems(portal.model_dump()):
            problems.append(f"{path}: portals[{i}].{where}: {message}")
        if portal.key in seen:
            problems.append(
                f"{path}: portals[{i}].key: {portal.key!r} kommt doppelt vor; jedes Portal braucht einen eigenen key"
            )
        seen.add(portal.key)
        portals.append(portal)
    if problems:
        raise ConfigError(problems)
    return portals


# A table by hand, not pydantic-settings (issue 11, tried): its version was three times as long, needed
# private API for the ``env`` that tests pass, matched the names case-insensitively and would not
# replace python-dotenv (``.env`` also feeds FOERDERRADAR_DATABASE_URL, read through os.environ).
_ENV_MAIL = {
    "FOERDERRADAR_SMTP_HOST": "host",
    "FOERDERRADAR_SMTP_PORT": "port",
    "FOERDERRADAR_SMTP_USER": "user",
    "FOERDERRADAR_SMTP_PASSWORD": "password",
    "FOERDERRADAR_SMTP_STARTTLS": "starttls",
    "FOERDERRADAR_SMTP_TLS": "tls",
    "FOERDERRADAR_MAIL_FROM": "mail_from",
}


def load_app_settings(directory: Path, env: dict[str, str] | None = None) -> AppSettings:
    """``foerderradar.toml`` (optional) overlaid with ``FOERDERRADAR_SMTP_*`` from the environment."""
    env = dict(os.environ) if env is None else env
    path = directory / "foerderradar.toml"
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([f"{path}: {toml_problem(str(exc))}"]) from None
        except (OSError, UnicodeDecodeError) as exc:  # saved as Latin-1 by an editor, unreadable …
            raise ConfigError([f"{path}: {unreadable(exc)}"]) from None
    mail = data.get("mail")
    if isinstance(mail, dict) and "password" in mail:
        raise ConfigError(
            [
                f"{path}: mail.password: Passwörter werden nicht aus Konfigurationsdateien gelesen; die Zeile "
                "löschen und FOERDERRADAR_SMTP_PASSWORD in der Umgebung oder in .env setzen"
            ]
        )
    overrides = {field_: env[name] for name, field_ in _ENV_MAIL.items() if env.get(name)}
    if overrides:
        data = {**data, "mail": {**(mail if isinstance(mail, dict) else {}), **overrides}}
    try:
        return AppSettings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc, model=AppSettings)) from None


class UnknownKommune(ValueError):
    """A ``--kommune`` that names no profile (German message listing the known ones)."""


class Config:
    """Everything a command needs from the config directory, validated together.

    ``kommunen`` are every municipality the instance serves. A Config *for* one of them
    (:meth:`for_kommune`; in the single form the Config itself) has that municipality's
    ``measures``, ``kommune`` (its slug) and digest recipients in ``settings.digest.recipients`` —
    so every per-municipality step reads a Config exactly as it did when there was only one.
    Asking an instance-wide Config of several municipalities for ``measures`` is a programming
    error (it would silently mean "the first town").
    """

    def __init__(
        self,
        directory: Path,
        measures: MeasuresFile | None,
        portals: list[PortalBase],
        settings: AppSettings | None = None,
        *,
        kommunen: Sequence[Kommune] | None = None,
        layout: Literal["single", "kommunen"] = "single",
        scope: str | None = None,
    ) -> None:
        self.directory = directory
        self.portals = portals
        self.settings = settings if settings is not None else AppSettings()
        if kommunen is None:
            if measures is None:
                raise TypeError("Config needs measures or kommunen")
            kommunen = [Kommune(city_slug(measures.city.name), measures, directory / "measures.yaml")]
        self.kommunen: tuple[Kommune, ...] = tuple(kommunen)
        self.layout = layout
        self.scope = scope if scope is not None else (self.kommunen[0].slug if len(self.kommunen) == 1 else None)
        self._measures = measures if measures is not None or self.scope is None else self._kommune().profile

    def _kommune(self) -> Kommune:
        if self.scope is None:
            raise RuntimeError("an instance-wide Config of several municipalities has no single measures file")
        return next(k for k in self.kommunen if k.slug == self.scope)

    @property
    def measures(self) -> MeasuresFile:
        if self._measures is None:
            return self._kommune().profile
        return self._measures

    @property
    def kommune(self) -> str:
        """The slug of the municipality this Config speaks for."""
        return self._kommune().slug

    @property
    def several(self) -> bool:
        return len(self.kommunen) > 1

    @property
    def label(self) -> str:
        """Who the instance serves, for instance-wide texts (health alerts, the Kreis overview)."""
        if not self.several:
            return self.kommunen[0].name
        kreise = {k.profile.city.kreis for k in self.kommunen}
        if len(kreise) == 1 and None not in kreise:
            return f"Kreis {next(iter(kreise))}".replace("Kreis Kreis ", "Kreis ")
        return f"{len(self.kommunen)} Kommunen"

    def for_kommune(self, slug: str) -> Config:
        """This Config seen from one municipality: its measures and its digest recipients (the single
        form adds those of foerderradar.toml)."""
        kommune = next((k for k in self.kommunen if k.slug == slug), None)
        if kommune is None:
            known = ", ".join(k.slug for k in self.kommunen)
            raise UnknownKommune(f"Unbekannte Kommune {slug!r}. Bekannte Kommunen: {known}")
        recipients = [*(self.settings.digest.recipients if self.layout == "single" else ()), *kommune.recipients]
        digest = self.settings.digest.model_copy(update={"recipients": list(dict.fromkeys(recipients))})
        settings = self.settings.model_copy(update={"digest": digest})
        return Config(self.directory, kommune.profile, self.portals, settings, kommunen=self.kommunen,
                      layout=self.layout, scope=slug)

    def each(self, slugs: Sequence[str] = ()) -> list[Config]:
        """One Config per municipality (``slugs``: only those, in the order given; unknown ones raise
        UnknownKommune). A Config for one municipality stays itself."""
        if self.scope is not None and self.several and not slugs:
            return [self]
        chosen = list(dict.fromkeys(slugs)) or [k.slug for k in self.kommunen]
        return [self.for_kommune(slug) for slug in chosen]

    def replace(self, **changes: object) -> Config:
        """A copy with ``portals`` or ``settings`` replaced (the demo swaps in its loopback portals)."""
        portals = cast(list[PortalBase], changes.pop("portals", self.portals))
        settings = cast(AppSettings, changes.pop("settings", self.settings))
        if changes:
            raise TypeError(f"Config.replace: unknown fields {sorted(changes)}")
        return Config(self.directory, self._measures, portals, settings, kommunen=self.kommunen,
                      layout=self.layout, scope=self.scope)


def load_config(directory: str | Path | None = None, *, need_portals: bool = True) -> Config:
    """Load all files and report the problems of all of them at once, not one per attempt."""
    base = config_dir(directory)
    _load_dotenv(base)
    if not base.is_dir():
        raise ConfigError(
            [f"{base}: Konfigurationsordner nicht gefunden (mit --config ORDNER angeben oder {CONFIG_ENV} setzen)"]
        )
    problems: list[str] = []
    results: dict[str, Any] = {}
    loaders: dict[str, Callable[[], Any]] = {
        "kommunen": lambda: load_kommunen(base),
        "settings": lambda: load_app_settings(base),
    }
    if need_portals:
        loaders["portals"] = lambda: load_portals(base)
    for name, loader in loaders.items():
        try:
            results[name] = loader()
        except ConfigError as exc:
            problems.extend(exc.problems)
    layout_ok = "kommunen" in results and "settings" in results
    if layout_ok and results["kommunen"][0] == "kommunen" and results["settings"].digest.recipients:
        problems.append(
            f"{base / 'foerderradar.toml'}: digest.recipients: bei mehreren Kommunen stehen die Empfänger im "
            f"Profil der Kommune ({KOMMUNEN_DIR}/KURZNAME.yaml, digest: recipients: [...]); die Zeile hier löschen"
        )
    if problems:
        raise ConfigError(problems)
    layout, kommunen = results["kommunen"]
    return Config(base, None, results.get("portals", []), results["settings"], kommunen=kommunen, layout=layout)


def _load_dotenv(directory: Path) -> None:
    """Secrets may live in a ``.env`` next to the working directory or the config directory."""
    from dotenv import load_dotenv

    for candidate in (Path(".env"), directory.parent / ".env"):
        if candidate.is_file():
            load_dotenv(candidate, override=False)
