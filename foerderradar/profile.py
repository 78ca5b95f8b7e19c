"""One municipality's file: ``measures.yaml`` (the single form) or ``kommunen/SLUG.yaml`` (several
municipalities on one instance) — the city, its measures and who receives its digest.

Models only, with their German validation messages: the loading (and the check that both forms are
not present at once) is in settings.py. They sit below settings so the matcher can read a city and
its measures without the portal kinds the configuration loader knows.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from foerderradar.config_messages import not_one_of
from foerderradar.model import APPLICANTS

STRICT_SLUG = r"^[a-z0-9][a-z0-9_-]*$"  # a measure id: part of marks, verdicts and mail links


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)  # as every config model


EMAIL = r"^[^@\s<>(),;:\"]+@[^@\s<>(),;:\"]+\.[^@\s<>(),;:\"]+$"

MeasureStatus = Literal["open", "planned", "done"]
# The contract's German words for a measure's status, beside the English ones (stored: English).
MEASURE_STATUS_DE: dict[str, MeasureStatus] = {"offen": "open", "geplant": "planned", "erledigt": "done"}


# The Land of each Amtlicher Gemeindeschlüssel's first two digits: an AGS that contradicts ``region``
# is a typo that would silently exclude the town from its Land's calls.
AGS_LAND = {
    "01": "DE-SH", "02": "DE-HH", "03": "DE-NI", "04": "DE-HB", "05": "DE-NW", "06": "DE-HE", "07": "DE-RP",
    "08": "DE-BW", "09": "DE-BY", "10": "DE-SL", "11": "DE-BE", "12": "DE-BB", "13": "DE-MV", "14": "DE-SN",
    "15": "DE-ST", "16": "DE-TH",
}  # fmt: skip


class City(_Strict):
    name: str = Field(min_length=1)
    region: str = Field(pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
    applicant_types: list[str] = Field(min_length=1)
    # Optional: named areas the city belongs to (Kreis, LEADER region …) for area-limited calls.
    areas: list[str] = Field(default_factory=list)
    # Optional, for calls limited to a Kreis, to kreisfreie Städte or to towns below a population:
    # the Kreis's name (a town with a Kreis is kreisangehörig), the 8-digit Amtlicher
    # Gemeindeschlüssel and the population.
    kreis: str | None = Field(default=None, min_length=1)
    ags: str | None = Field(default=None, pattern=r"^\d{8}$")
    einwohner: int | None = Field(default=None, ge=1)

    @field_validator("applicant_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        for item in value:
            if item not in APPLICANTS:
                raise ValueError(not_one_of(item, APPLICANTS, "kein bekannter Antragstellertyp"))
        return value

    @field_validator("ags", mode="before")
    @classmethod
    def _ags_text(cls, value: object) -> object:
        # YAML reads 05754028 as the octal-looking string it is, but 5754028 (leading zero lost) as
        # a number: say which form is wanted instead of "not a string".
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError(
                f"{value} ist als Zahl geschrieben; den Schlüssel in Anführungszeichen setzen, z. B. \"05754028\""
            )
        return value

    @model_validator(mode="after")
    def _ags_in_land(self) -> City:
        if self.ags is not None and self.region.startswith("DE-"):
            land = AGS_LAND.get(self.ags[:2])
            if land is None:
                raise ValueError(f"ags: {self.ags!r} beginnt nicht mit dem Schlüssel eines Landes (01–16)")
            if land != self.region:
                raise ValueError(
                    f"ags: {self.ags!r} gehört zu {land}, region sagt {self.region}; eines von beiden korrigieren"
                )
        return self

    @property
    def kreisfrei(self) -> bool | None:
        """A town with a Kreis is kreisangehörig; an AGS ending in 000 is a kreisfreie Stadt (its
        Kreis digits name the town itself). None when the profile says neither."""
        if self.kreis is not None:
            return False
        if self.ags is not None:
            return self.ags.endswith("000")
        return None


class Measure(_Strict):
    id: str = Field(pattern=STRICT_SLUG, max_length=128)
    title: str = Field(min_length=1)
    description: str = ""
    keywords: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    owner: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    status: MeasureStatus = "open"

    @field_validator("status", mode="before")
    @classmethod
    def _german_status(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        word = value.strip().lower()
        word = MEASURE_STATUS_DE.get(word, word)
        if word not in MEASURE_STATUS_DE.values():
            raise ValueError(not_one_of(value, [*MEASURE_STATUS_DE, *MEASURE_STATUS_DE.values()]))
        return word


class ProfileDigest(_Strict):
    """A municipality's own digest recipients (``digest:`` in a profile or in measures.yaml)."""

    recipients: list[str] = Field(default_factory=list)

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if not re.match(EMAIL, address):
                raise ValueError(f"{address!r} ist keine E-Mail-Adresse wie digital@kommune.de")
        return value


class MeasuresFile(_Strict):
    """One municipality: ``measures.yaml`` (single form) or ``kommunen/SLUG.yaml`` (several)."""

    city: City
    measures: list[Measure] = Field(min_length=1)
    digest: ProfileDigest | None = None

    def matching_json(self) -> str:
        """What verdicts depend on (city and measures), not who receives them."""
        return self.model_dump_json(exclude={"digest"})
