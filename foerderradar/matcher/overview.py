"""The Kreis overview: per funding call, which municipalities it fits and for which measures — the
"who should hear about this" view of a Kreis's Fördermittelberatung (``match --format html``
without ``--kommune`` when the instance serves several municipalities).

Formatting only: the verdicts are every municipality's own (``jobs.match_each``), regrouped here by
call. Titles, URLs and reasons are untrusted page text: autoescaped, only http(s) links.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from jinja2 import Environment, select_autoescape

from foerderradar.matcher.report import STATUS_DE
from foerderradar.model import Match
from foerderradar.output_safety import safe_url


@dataclass(frozen=True)
class Fit:
    """One municipality's measures a call fits, best first."""

    kommune: str
    name: str
    measures: list[tuple[str, float]]  # (measure title, score)

    @property
    def best(self) -> float:
        return self.measures[0][1]


@dataclass
class CallFits:
    """One call and every municipality it fits."""

    call_id: str
    title: str
    url: str
    deadline: date | None
    status: str
    fits: list[Fit] = field(default_factory=list)
    short_id: str = ""

    @property
    def best(self) -> float:
        return max(f.best for f in self.fits)


def by_call(
    matches: Sequence[Match], names: Mapping[str, str], titles: Mapping[tuple[str, str], str]
) -> list[CallFits]:
    """Regroup verdicts by call: the calls most municipalities should hear about first, then the
    best score, then the sooner deadline. ``names``: slug → municipality name; ``titles``:
    (slug, measure id) → measure title."""
    calls: dict[str, CallFits] = {}
    per: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for m in matches:
        calls.setdefault(m.call_id, CallFits(m.call_id, m.title, m.url, m.deadline, m.status, short_id=m.short_id))
        title = titles.get((m.kommune, m.measure_id), m.measure_id)
        per.setdefault((m.call_id, m.kommune), []).append((title, m.score))
    for (call_id, kommune), measures in per.items():
        measures.sort(key=lambda t: -t[1])
        calls[call_id].fits.append(Fit(kommune, names.get(kommune, kommune), measures))
    for entry in calls.values():
        entry.fits.sort(key=lambda f: (-f.best, f.name))
    return sorted(calls.values(), key=lambda c: (-len(c.fits), -c.best, c.deadline or date.max, c.call_id))


_HTML = Environment(autoescape=select_autoescape(default=True, default_for_string=True)).from_string(
    """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Förderradar – Übersicht {{ label }}</title>
<style>
body{font-family:system-ui,Arial,sans-serif;margin:2rem;color:#1f2937;line-height:1.4}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%}
th,td{padding:.4rem .6rem;border-bottom:1px solid #e5e7eb;vertical-align:top;text-align:left}
th{background:#f3f4f6}td.num{text-align:right;white-space:nowrap}ul{margin:0;padding-left:1.1rem}
.hint{color:#6b7280;font-size:.9rem}
</style></head><body>
<h1>Förderradar – Übersicht {{ label }}</h1>
<p class="hint">{{ kommunen }} Kommunen, {{ calls|length }} passende Förderaufrufe. Je Aufruf: welche Kommunen
ihn für welche Maßnahmen brauchen können – die Aufrufe, die die meisten Kommunen betreffen, zuerst.</p>
{% if not calls %}<p>Keine passenden Förderaufrufe gefunden.</p>{% else %}
<table><thead><tr><th>Förderaufruf</th><th>Frist</th><th>Status</th><th>Kommunen</th><th>passt zu</th></tr></thead>
<tbody>
{% for c in calls %}<tr data-call="{{ c.call_id }}">
<td>{% set url = safe(c.url) %}{% if url %}<a href="{{ url }}" rel="noopener noreferrer">{{ c.title }}</a>
{% else %}{{ c.title }}{% endif %}<div class="hint">{% if c.short_id %}Kennung {{ c.short_id }} · {% endif %}
{{- c.call_id }}</div></td>
<td>{{ c.deadline.strftime('%d.%m.%Y') if c.deadline else '–' }}</td>
<td>{{ status.get(c.status, c.status) }}</td>
<td class="num">{{ c.fits|length }}</td>
<td><ul>{% for f in c.fits %}<li data-kommune="{{ f.kommune }}"><strong>{{ f.name }}</strong>:
{% for title, score in f.measures %}{{ title }} ({{ '%.0f' % score }} Punkte){% if not loop.last %}; {% endif %}
{% endfor %}</li>{% endfor %}</ul></td></tr>
{% endfor %}</tbody></table>{% endif %}
</body></html>
"""
)


def as_overview_html(calls: Sequence[CallFits], label: str, kommunen: int) -> str:
    return _HTML.render(calls=calls, label=label, kommunen=kommunen, safe=safe_url, status=STATUS_DE)
