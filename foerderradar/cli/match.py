"""``match``: the verdicts on the stored calls (``jobs.match_each``) as a report, or — several
municipalities, HTML, no ``--kommune`` — as the Kreis overview (``matcher/overview.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from foerderradar.cli.shared import (
    AsOfOpt,
    ConfigOpt,
    KommuneOpt,
    check_output,
    chosen_kommunen,
    config_or_exit,
    emit,
    err,
    fail,
    guarded,
    open_store,
    parse_as_of,
)
from foerderradar.model import Match
from foerderradar.settings import Config
from foerderradar.tabular import EXCEL_FORMATS

FORMATS = ("table", "json", "csv", "md", "html", *EXCEL_FORMATS)


def match(
    measure: Annotated[str | None, typer.Option("--measure", help="Nur diese Maßnahme (id).")] = None,
    as_of: AsOfOpt = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Höchstens N Treffer je Maßnahme.")] = None,
    min_score: Annotated[float | None, typer.Option(
        "--min-score", min=0, max=100, show_default=False,
        help="Mindestpunktzahl 0–100. Standard: die Schwelle des Digests (min_score unter [digest] in "
             "foerderradar.toml, sonst 30), damit der Bericht zeigt, was der Digest zeigt; --min-score 0 zeigt alles.",
    )] = None,
    fmt: Annotated[str, typer.Option(
        "--format", help="table | json | csv | md | html | excel-csv (für Excel: ; und deutsche Spalten) | xlsx",
    )] = "table",
    output: Annotated[Path | None, typer.Option(
        "--output", help="In diese Datei schreiben (für --format xlsx nötig).",
    )] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Auch nicht antragsberechtigte/geschlossene.")] = False,
    kommune: KommuneOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Gespeicherte Förderaufrufe mit den Maßnahmen der Stadt abgleichen (bei mehreren Kommunen: aller
    Kommunen; --format html ohne --kommune zeigt dann je Förderaufruf, zu welchen Kommunen er passt)."""
    from foerderradar.jobs import match_each, report_page
    from foerderradar.matcher.report import render_report

    if fmt not in FORMATS:
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: {', '.join(FORMATS)}.", 2)
    check_output(fmt, output)
    day = parse_as_of(as_of)
    cfg = config_or_exit(config, need_portals=False)
    threshold = cfg.settings.digest.min_score if min_score is None else min_score
    chosen = [one.kommune for one in chosen_kommunen(cfg, kommune)]
    page: str | None = None
    with open_store(cfg) as store:
        try:
            # --all is the diagnostic view: ineligible calls too, before anyone's marks.
            results = guarded(
                lambda: match_each(
                    store, cfg, day, chosen, measure_id=measure, min_score=threshold, limit=limit,
                    include_ineligible=show_all, feedback=not show_all,
                )
            )
        except ValueError as exc:
            fail(str(exc), 2)
        if fmt == "html" and len(results) == 1:  # one municipality: the digest's cards, with filters
            [(one, found)] = results
            page = guarded(lambda: report_page(store, one, day, found, threshold))
    skipped = max((found.skipped for _, found in results), default=0)  # the same shared calls for everyone
    if skipped:
        err.print(f"{skipped} ungültig gespeicherte Förderaufrufe übersprungen (Einzelheiten im Protokoll).")
    applications = sum(len(found.applications) for _, found in results)
    if applications:
        err.print(f"{applications} laufende Anträge ausgeblendet (foerderradar calls marks zeigt sie).")
    matches = [m for _, found in results for m in found.matches]
    overview = fmt == "html" and cfg.several and not kommune
    if fmt in EXCEL_FORMATS:
        from foerderradar.matcher.report import MATCH_COLUMNS, match_rows
        from foerderradar.tabular import render

        emit(render(MATCH_COLUMNS, match_rows(matches), fmt, "Treffer"), output)
    else:
        titles = {(k.slug, m.id): m.title for k in cfg.kommunen for m in k.profile.measures}
        text = page or (_overview(cfg, matches) if overview else render_report(matches, fmt, titles))
        emit(text if output or text.endswith("\n") else text + "\n", output)
    if output:
        err.print(f"{len(matches)} Treffer geschrieben nach {output}")
    if min_score is None and fmt == "table":
        err.print(f"Gezeigt ab {threshold:g} Punkten (Schwelle des Digests); alle Treffer: --min-score 0.")


def _overview(cfg: Config, matches: list[Match]) -> str:
    from foerderradar.matcher.overview import as_overview_html, by_call

    names = {k.slug: k.name for k in cfg.kommunen}
    titles = {(k.slug, m.id): m.title for k in cfg.kommunen for m in k.profile.measures}
    return as_overview_html(by_call(matches, names, titles), cfg.label, len(cfg.kommunen))
