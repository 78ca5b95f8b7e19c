"""Digest → subject, HTML and plain text. No decisions here, only presentation.

Every scraped field is untrusted: HTML templates are autoescaped, and only http(s) URLs ever become
links (:func:`safe_url`). The subject is a header, so control characters never reach it.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from foerderradar.notifier.digest import Digest
from foerderradar.output_safety import one_line, safe_url

__all__ = ["RenderedDigest", "environment", "render_digest", "render_subject"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
SUBJECT_FIELDS = ("new", "treffer", "period", "woche", "city")


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    html: str
    text: str


def _invalid_subject(template: str, exc: Exception) -> ValueError:
    return ValueError(f"digest.subject: {template!r} ist keine gültige Vorlage ({exc}).")


def render_subject(template: str, digest: Digest) -> str:
    """settings.digest.subject is a str.format template with {new} (a number), {treffer} ("1 neuer
    Treffer"), {period} (ISO week, "2026-W49"), {woche} ("KW 49/2026") and {city}."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise _invalid_subject(template, exc) from None
    unknown = [name for name in fields if name not in SUBJECT_FIELDS]  # no attribute/index access either
    if unknown:
        allowed = ", ".join(f"{{{f}}}" for f in SUBJECT_FIELDS)
        raise ValueError(
            f"digest.subject: unbekannter Platzhalter {{{unknown[0]}}} in {template!r}; erlaubt sind {allowed}."
        )
    try:
        subject = template.format(new=digest.new_count, treffer=digest.new_label, period=digest.period,
                                  woche=digest.week_label.replace("\u00a0", " "), city=digest.city)
    except ValueError as exc:  # a format spec that does not fit, e.g. {city:d}
        raise _invalid_subject(template, exc) from None
    return one_line(subject)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["safe_url"] = safe_url
    env.filters["one_line"] = lambda v: one_line(str(v))
    return env


def render_html(digest: Digest) -> str:
    return environment().get_template("digest.html.j2").render(digest=digest)


def render_text(digest: Digest) -> str:
    return environment().get_template("digest.txt.j2").render(digest=digest)


def render_digest(digest: Digest, subject_template: str) -> RenderedDigest:
    return RenderedDigest(
        subject=render_subject(subject_template, digest),
        html=render_html(digest),
        text=render_text(digest),
    )
