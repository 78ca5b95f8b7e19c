"""Match reports for the CLI: table, json, csv, md, html. Formatting only — no matching here.

Titles, URLs and reasons come from scraped pages and are untrusted: HTML is autoescaped, Markdown
cells are escaped, only absolute http(s) URLs become links, and CSV cells that a spreadsheet would
run as a formula get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping
from itertools import groupby

from jinja2 import Environment, select_autoescape

from foerderradar.model import Match
from foerderradar.output_safety import safe_url
from foerderradar.tabular import Column, formula_safe

EMPTY = "Keine passenden Förderaufrufe gefunden."
STATUS_DE = {"open": "offen", "upcoming": "demnächst", "closed": "geschlossen", "unknown": "unbekannt"}
# `match --format csv` is headed by the keys (the contract's JSON keys, then those added later: new
# ones go at the end); `--format excel-csv|xlsx` by the German headings.
MATCH_COLUMNS: tuple[Column, ...] = (
    Column("measure_id", "Maßnahme"),
    Column("call_id", "Förderaufruf (ID)"),
    Column("title", "Titel", "long"),
    Column("url", "Adresse", "url"),
    Column("score", "Punkte", "number"),
    Column("eligible", "antragsberechtigt"),
    Column("deadline", "Frist", "date"),
    Column("status", "Status", labels=STATUS_DE),
    Column("reasons", "Gründe", "long", joiner="; "),
    Column("sources", "alle Seiten des Programms", "long", joiner="\n"),
    Column("kommune", "Kommune"),
    Column("short_id", "Kennung"),  # appended with short call ids, so no column moves
)
COLUMNS = [c.key for c in MATCH_COLUMNS]


def _date(m: Match) -> str:
    """The deadline as the digest says it: the date, else the portal's wording from the matcher's own
    deadline reason ("Frist: laufend"), else "–"."""
    if m.deadline:
        return m.deadline.strftime("%d.%m.%Y")
    said = next((r.removeprefix("Frist: ") for r in m.reasons if r.startswith("Frist: ")), None)
    return said if said and said != "keine Angabe" else "–"


def _short(m: Match) -> str:
    return m.short_id or "–"


def _also(m: Match) -> str:
    """"auch bei nrwbank: https://…; bezreg-muenster: https://…" — a programme's other portals."""
    return "; ".join(f"{s.source}: {s.url}" for s in m.other_pages)


Titles = Mapping[tuple[str, str], str]  # (municipality slug, measure id) → the measure's title


def _groups(matches: list[Match], titles: Titles | None = None) -> list[tuple[str, list[Match]]]:
    """Per measure, headed by its title and id as the digest names it ("Breitband im Gewerbegebiet
    (glasfaser)"); with several municipalities in one report the heading names the municipality too
    ("… (glasfaser, verl)"), since two of them may use the same measure id."""
    several = len({m.kommune for m in matches}) > 1
    out = []
    for (kommune, measure), group in groupby(matches, key=lambda m: (m.kommune, m.measure_id)):
        key = f"{measure}, {kommune}" if several else measure
        title = (titles or {}).get((kommune, measure))
        out.append((f"{title} ({key})" if title else (f"{measure} ({kommune})" if several else measure), list(group)))
    return out


def as_json(matches: list[Match]) -> str:
    return json.dumps([m.to_json() for m in matches], ensure_ascii=False, indent=2) + "\n"


def csv_cell(value: object) -> object:
    return formula_safe(value) if isinstance(value, str) else value


def as_csv(matches: list[Match]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for m in matches:
        row = m.to_json()
        row["reasons"] = "; ".join(m.reasons)
        row["sources"] = " | ".join(s.url for s in m.sources) or m.url
        writer.writerow({k: csv_cell(v) for k, v in row.items()})
    return buf.getvalue()


def match_rows(matches: list[Match]) -> list[dict[str, object]]:
    """People's exports (``excel-csv``, ``xlsx``): the values of :data:`MATCH_COLUMNS` as Python values
    (the deadline a date, the reasons a list)."""
    return [
        {**m.to_json(), "score": round(m.score, 1), "deadline": m.deadline,
         "sources": [s.url for s in m.sources] or [m.url]}
        for m in matches
    ]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def as_table(matches: list[Match], titles: Titles | None = None) -> str:
    """Plain text for terminals: per measure one row per call, URL and reasons indented below."""
    if not matches:
        return EMPTY + "\n"
    lines: list[str] = []
    indent = " " * 42
    for measure, rows in _groups(matches, titles):
        lines.append(f"Maßnahme: {measure} ({len(rows)} Treffer)")
        lines.append(f"{'Punkte':>6}  {'Frist':10}  {'Status':11}  {'Kennung':7}  Förderaufruf")
        for m in rows:
            flag = "" if m.eligible else "  [nicht antragsberechtigt]"
            status = STATUS_DE.get(m.status, m.status)
            lines.append(f"{m.score:6.1f}  {_date(m):10}  {status:11}  {_short(m):7}  {_one_line(m.title)}{flag}")
            lines.append(f"{indent}{_one_line(m.url)}")
            if m.other_pages:
                lines.append(f"{indent}auch bei {_one_line(_also(m))}")
            if m.reasons:
                lines.append(f"{indent}{_one_line('; '.join(m.reasons))}")
        lines.append("")
    return "\n".join(lines)


def _md(text: str) -> str:
    """A Markdown table cell: no line breaks, no table or link syntax, no raw HTML."""
    text = _one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\|\[\]`*_])", r"\\\1", text)


def as_markdown(matches: list[Match], titles: Titles | None = None) -> str:
    if not matches:
        return EMPTY + "\n"
    out: list[str] = ["# Förderradar – Treffer", ""]
    for measure, rows in _groups(matches, titles):
        out += [f"## Maßnahme: {_md(measure)}", "",
                "| Punkte | Kennung | Förderaufruf | Frist | Status | Antragsberechtigt | Gründe |",
                "|---:|---|---|---|---|---|---|"]
        for m in rows:
            url = safe_url(m.url)
            title = f"[{_md(m.title)}](<{url}>)" if url else _md(m.title)
            also = [
                f"[{_md(s.source)}](<{link}>)" if (link := safe_url(s.url)) else _md(s.source)
                for s in m.other_pages
            ]
            if also:
                title += " (auch bei " + ", ".join(also) + ")"
            out.append(
                f"| {m.score:.0f} | {_md(_short(m))} | {title} | {_date(m)} | {STATUS_DE.get(m.status, m.status)} | "
                f"{'ja' if m.eligible else 'nein'} | {_md('; '.join(m.reasons))} |"
            )
        out.append("")
    return "\n".join(out)


_HTML = Environment(autoescape=select_autoescape(default=True, default_for_string=True)).from_string(
    """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Förderradar – Treffer</title>
<style>
body{font-family:system-ui,Arial,sans-serif;margin:2rem;color:#1f2937;line-height:1.4}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:2px solid #1e3a5f}
table{border-collapse:collapse;width:100%}th,td{padding:.4rem .6rem;border-bottom:1px solid #e5e7eb;
vertical-align:top;text-align:left}th{cursor:pointer;background:#f3f4f6;user-select:none}
th:after{content:" ↕";color:#9ca3af}td.num{text-align:right}tr.no td{color:#9b1c1c}
ul{margin:0;padding-left:1.1rem}.hint{color:#6b7280;font-size:.9rem}td.id{font-family:ui-monospace,monospace;white-space:nowrap}
</style></head><body>
<h1>Förderradar – Treffer</h1>
{% if not groups %}<p>{{ empty }}</p>{% else %}
<p class="hint">Spaltenköpfe anklicken, um zu sortieren. Rot: nicht antragsberechtigt oder geschlossen.</p>
{% endif %}
{% for measure, rows in groups %}
<h2>Maßnahme: {{ measure }}</h2>
<table class="sortable"><thead><tr><th>Punkte</th><th>Kennung</th><th>Förderaufruf</th><th>Frist</th><th>Status</th>
<th>Gründe</th></tr></thead><tbody>
{% for m in rows %}<tr{% if not m.eligible %} class="no"{% endif %}>
<td class="num" data-sort="{{ '%06.1f' % m.score }}">{{ '%.0f' % m.score }}</td>
<td class="id">{{ m.short_id or '–' }}</td>
<td>{% set url = safe(m.url) %}{% if url %}<a href="{{ url }}" rel="noopener noreferrer">{{ m.title }}</a>
{% else %}{{ m.title }}{% endif %}{% if m.other_pages %}<div class="hint">auch bei {% for s in m.other_pages %}
{%- set link = safe(s.url) %}{% if link %}<a href="{{ link }}" rel="noopener noreferrer">{{ s.source }}</a>
{%- else %}{{ s.source }}{% endif %}{% if not loop.last %}, {% endif %}{% endfor %}</div>{% endif %}</td>
<td data-sort="{{ m.deadline.isoformat() if m.deadline else '9999-99-99' }}">{{ fmt(m) }}</td>
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


def as_html(matches: list[Match], titles: Titles | None = None) -> str:
    return _HTML.render(groups=_groups(matches, titles), empty=EMPTY, safe=safe_url, fmt=_date, status=STATUS_DE)


RENDERERS: dict[str, Callable[[list[Match]], str]] = {
    "table": as_table, "json": as_json, "csv": as_csv, "md": as_markdown, "html": as_html,
}
TITLED = {"table": as_table, "md": as_markdown, "html": as_html}  # the formats with measure headings


def render_report(matches: list[Match], fmt: str, titles: Titles | None = None) -> str:
    """``titles``: the measures' titles for the headings (the digest's words); without them, ids."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"Unbekanntes Format {fmt!r}; erlaubt: {', '.join(RENDERERS)}") from None
    return TITLED[fmt](matches, titles) if fmt in TITLED else renderer(matches)
