"""The municipalities an instance serves: one ``measures.yaml`` (the single form), or one
``kommunen/SLUG.yaml`` per municipality — never both. Each is a :class:`Kommune`: its slug (the
file name; in the single form the city's name folded), its validated file and where that file is.

The slug is what verdicts, marks and sent digests are stored under, so it is derived the same way
every time and the single form's slug is the name a profile in ``kommunen/`` would get.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from foerderradar.config_reading import ConfigError, read_validated
from foerderradar.german.fold import fold
from foerderradar.profile import MeasuresFile


def load_measures(directory: Path) -> MeasuresFile:
    return load_profile(directory / "measures.yaml")


def load_profile(path: Path) -> MeasuresFile:
    """One municipality's file (``measures.yaml`` or ``kommunen/SLUG.yaml``), measure ids unique."""
    parsed = read_validated(path, MeasuresFile)
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
