"""Match reports for the CLI: table, json, csv, md, html. Formatting only — no matching here."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from itertools import groupby

from jinja2 import Environment, select_autoescape

from foerderradar.matcher.types import Match
from foerderradar.notifier.render import safe_url

EMPTY = "Keine passenden Förderaufrufe gefunden."
COLUMNS = ["measure_id", "call_id", "title", "url", "score", "eligible", "deadline", "status", "reasons"]
STATUS_DE = {"open": "offen", "upcoming": "demnächst", "closed": "geschlossen", "unknown": "unbekannt"}


def _date(m: Match) -> str:
    return m.deadline.strftime("%d.%m.%Y") if m.deadline else "–"


def as_json(matches: list[Match]) -> str:
    return json.dumps([m.to_json() for m in matches], ensure_ascii=False, indent=2) + "\n"


def as_csv(matches: list[Match]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS)
    writer.writeheader()
    for m in matches:
        row = m.to_json()
        row["reasons"] = "; ".join(m.reasons)
        writer.writerow(row)
    return buf.getvalue()


def as_table(matches: list[Match]) -> str:
    if not matches:
        return EMPTY + "\n"
    lines: list[str] = []
    for measure, group in groupby(matches, key=lambda m: m.measure_id):
        lines.append(f"== {measure} ==")
        for m in group:
            flag = "" if m.eligible else "  [nicht antragsberechtigt]"
            lines.append(f"{m.score:5.1f}  {_date(m):10}  {m.title}{flag}")
            lines.append(f"       {m.url}")
            lines.extend(f"       - {r}" for r in m.reasons)
        lines.append("")
    return "\n".join(lines)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(matches: list[Match]) -> str:
    if not matches:
        return EMPTY + "\n"
    out: list[str] = ["# Förderradar – Treffer", ""]
    for measure, group in groupby(matches, key=lambda m: m.measure_id):
        out += [f"## {measure}", "", "| Punkte | Förderaufruf | Frist | Status | Gründe |", "|---:|---|---|---|---|"]
        for m in group:
            url = safe_url(m.url)
            title = f"[{_md_cell(m.title)}]({url})" if url else _md_cell(m.title)
            out.append(
                f"| {m.score:.0f} | {title} | {_date(m)} | {STATUS_DE.get(m.status, m.status)} | "
                f"{_md_cell('; '.join(m.reasons))} |"
            )
        out.append("")
    return "\n".join(out)


_HTML = Environment(autoescape=select_autoescape(default=True)).from_string(
    """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Förderradar – Treffer</title>
<style>
body{font-family:system-ui,Arial,sans-serif;margin:2rem;color:#1f2937}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:2px solid #1e3a5f}
table{border-collapse:collapse;width:100%}th,td{padding:.4rem .6rem;border-bottom:1px solid #e5e7eb;
vertical-align:top;text-align:left}th{cursor:pointer;background:#f3f4f6;user-select:none}
td.num{text-align:right}.no{color:#9b1c1c}ul{margin:0;padding-left:1.1rem}
</style></head><body>
<h1>Förderradar – Treffer</h1>
{% if not groups %}<p>{{ empty }}</p>{% endif %}
{% for measure, rows in groups %}
<h2>{{ measure }}</h2>
<table class="sortable"><thead><tr><th>Punkte</th><th>Förderaufruf</th><th>Frist</th><th>Status</th>
<th>Gründe</th></tr></thead><tbody>
{% for m in rows %}<tr{% if not m.eligible %} class="no"{% endif %}>
<td class="num" data-sort="{{ '%06.1f' % m.score }}">{{ '%.0f' % m.score }}</td>
<td>{% if safe(m.url) %}<a href="{{ safe(m.url) }}" rel="noopener noreferrer">{{ m.title }}</a>
{% else %}{{ m.title }}{% endif %}</td>
<td data-sort="{{ m.deadline.isoformat() if m.deadline else '9999' }}">{{ fmt(m) }}</td>
<td>{{ status.get(m.status, m.status) }}</td>
<td><ul>{% for r in m.reasons %}<li>{{ r }}</li>{% endfor %}</ul></td></tr>
{% endfor %}</tbody></table>
{% endfor %}
<script>
document.querySelectorAll("table.sortable th").forEach(function (th, col) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0], rows = Array.from(body.rows);
    var dir = th.dataset.dir === "asc" ? -1 : 1; th.dataset.dir = dir === 1 ? "asc" : "desc";
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.sort || a.cells[col].textContent;
      var y = b.cells[col].dataset.sort || b.cells[col].textContent;
      return x < y ? -dir : x > y ? dir : 0;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
</script></body></html>
"""
)


def as_html(matches: list[Match]) -> str:
    groups = [(k, list(g)) for k, g in groupby(matches, key=lambda m: m.measure_id)]
    return _HTML.render(groups=groups, empty=EMPTY, safe=safe_url, fmt=_date, status=STATUS_DE)


RENDERERS: dict[str, Callable[[list[Match]], str]] = {
    "table": as_table, "json": as_json, "csv": as_csv, "md": as_markdown, "html": as_html,
}


def render_report(matches: list[Match], fmt: str) -> str:
    try:
        return RENDERERS[fmt](matches)
    except KeyError:
        raise ValueError(f"Unbekanntes Format {fmt!r}; erlaubt: {', '.join(RENDERERS)}") from None
