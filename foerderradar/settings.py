"""Loading the files city IT edits (``portals.yaml``, ``measures.yaml``, ``foerderradar.toml``).

Every file is validated into pydantic models that reject unknown keys, and every problem is
reported as ``file: entry.field: message`` so a person can fix the file without reading Python.
Portal entries are validated in two steps: the common keys first, then the keys their ``kind``
declares (see :mod:`foerderradar.crawler.registry`), urlwatch-style. The kinds' models, and the
``PortalBase`` they share, live in :mod:`foerderradar.crawler.kinds`: this module imports the registry
(lazily, when portals are loaded), never the other way round.

The reading itself (duplicate YAML keys, ``file: entry.field: message``) is config_reading.py, the
wording config_messages.py, the municipalities' files kommunen.py and profile.py, the portal kinds'
models crawler/kinds/. What stays here: the TOML's models (the reference of every key), portals.yaml,
the environment overlay and :class:`Config`, which ties them together.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from foerderradar.config_messages import cron_detail, not_one_of, toml_problem, unreadable

# Re-exported: settings is where the rest of the package looks up a config's reading and models.
from foerderradar.config_reading import ConfigError as ConfigError
from foerderradar.config_reading import format_validation_error as format_validation_error
from foerderradar.config_reading import read_validated
from foerderradar.config_reading import read_yaml as read_yaml
from foerderradar.crawler.crawl_settings import CrawlerSettings
from foerderradar.crawler.entry.base import STRICT, PortalBase
from foerderradar.kommunen import KOMMUNEN_DIR, load_kommunen
from foerderradar.kommunen import Kommune as Kommune
from foerderradar.kommunen import city_slug as city_slug
from foerderradar.kommunen import load_measures as load_measures
from foerderradar.netpolicy import portal_url_problems
from foerderradar.profile import EMAIL as _EMAIL
from foerderradar.profile import City as City
from foerderradar.profile import Measure as Measure
from foerderradar.profile import MeasuresFile as MeasuresFile
from foerderradar.profile import MeasureStatus as MeasureStatus

CONFIG_ENV = "FOERDERRADAR_CONFIG"
DEFAULT_CONFIG_DIR = Path("config")


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
    subject: str = "Förderradar: {treffer} – {woche}"
    min_score: float = Field(default=30, ge=0, le=100)
    # Where a match counts as "stark" in the digest (full card) rather than "möglich" (compact card).
    strong_score: float = Field(default=60, ge=0, le=100)
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

    @model_validator(mode="after")
    def _bands(self) -> DigestSettings:
        if self.strong_score < self.min_score:
            raise ValueError(
                f"strong_score ({self.strong_score:g}) liegt unter min_score ({self.min_score:g}); "
                "„stark“ muss bei min_score oder darüber beginnen"
            )
        return self


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


class WebSettings(_Strict):
    """``[web]``: the web app (``foerderradar web``; ``serve`` too when ``enabled``). The secret that signs
    sessions and mail links is never here: ``FOERDERRADAR_SECRET_KEY`` comes from the environment only."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    base_url: str | None = None  # the public address (https://foerderradar.kreis.example) for mail links

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", value):
            raise ValueError(f"{value!r} ist keine Adresse wie https://foerderradar.kreis.de")
        return value.rstrip("/") if value is not None else None


MAX_REMINDER_DAYS = 365


class ReminderSettings(_Strict):
    """``[reminders]``: mails before the deadline of a running application or of a call marked
    relevant, one per step (days before the deadline) and recipient (``notifier/reminders.py``)."""

    # Days before a deadline; an empty list switches reminders off.
    steps: list[Annotated[int, Field(ge=1, le=MAX_REMINDER_DAYS)]] = Field(default_factory=lambda: [14, 3])

    @field_validator("steps")
    @classmethod
    def _steps(cls, value: list[int]) -> list[int]:
        twice = sorted({step for step in value if value.count(step) > 1})
        if twice:
            raise ValueError(
                f"{', '.join(str(s) for s in twice)} kommt doppelt vor; jeder Erinnerungsschritt (Tage vor der "
                "Frist) nur einmal, z. B. [14, 3]"
            )
        return sorted(value, reverse=True)


class AppSettings(_Strict):
    crawler: CrawlerSettings = Field(default_factory=CrawlerSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    mail: MailSettings = Field(default_factory=MailSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    health: HealthSettings = Field(default_factory=HealthSettings)
    feeds: FeedSettings = Field(default_factory=FeedSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    reminders: ReminderSettings = Field(default_factory=ReminderSettings)


# -- loading --------------------------------------------------------------------------------------


def config_dir(explicit: str | Path | None = None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else DEFAULT_CONFIG_DIR


PortalValidator = Callable[[dict[str, Any]], PortalBase]


def kind_message(kind: object, kinds: Iterable[str]) -> str:
    """An entry's ``kind`` that names no registered portal type (or is missing)."""
    choices = sorted(kinds)
    if kind is None:
        return f"fehlt; möglich sind: {', '.join(choices)}"
    return not_one_of(kind, choices, "kein bekannter Portal-Typ")


def load_portals(directory: Path, kinds: dict[str, type[PortalBase]] | None = None) -> list[PortalBase]:
    """``directory/portals.yaml``, every entry validated (:func:`read_portals`)."""
    return read_portals(directory / "portals.yaml", kinds)


def read_portals(path: Path, kinds: dict[str, type[PortalBase]] | None = None) -> list[PortalBase]:
    """Validate each entry against the model its ``kind`` registered; collect all problems.

    Takes the file itself, not its directory: a program that changes ``portals.yaml`` checks its new
    text (a temporary file beside it, :func:`foerderradar.config_writing.rewrite`) with exactly the
    rules and messages of loading, before it replaces the file.
    """
    if kinds is None:
        from foerderradar.crawler.registry import portal_models

        kinds = portal_models()
    parsed = read_validated(path, PortalsFile)
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
# ``[web]`` from the environment: a container serves the web app from the shipped config without an
# edit of foerderradar.toml (docker-compose.yml sets these). The secret key is read elsewhere
# (web/context.py); it never passes through AppSettings.
_ENV_WEB = {
    "FOERDERRADAR_WEB_ENABLED": "enabled",
    "FOERDERRADAR_WEB_HOST": "host",
    "FOERDERRADAR_WEB_PORT": "port",
    "FOERDERRADAR_WEB_BASE_URL": "base_url",
}


def _overlay(data: dict[str, Any], table: str, names: dict[str, str], env: dict[str, str]) -> dict[str, Any]:
    """``data`` with the non-empty variables of ``names`` put into ``[table]`` (they win over the TOML)."""
    overrides = {field_: env[name] for name, field_ in names.items() if env.get(name)}
    if not overrides:
        return data
    current = data.get(table)
    return {**data, table: {**(current if isinstance(current, dict) else {}), **overrides}}


def load_app_settings(directory: Path, env: dict[str, str] | None = None) -> AppSettings:
    """``foerderradar.toml`` (optional) overlaid with ``FOERDERRADAR_SMTP_*`` and ``FOERDERRADAR_WEB_*``
    from the environment."""
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
    data = _overlay(_overlay(data, "mail", _ENV_MAIL, env), "web", _ENV_WEB, env)
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
