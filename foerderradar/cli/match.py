"""``match``: the verdicts on the stored calls (``jobs.match_stored_calls``) as a report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from foerderradar.cli.shared import (
    AsOfOpt,
    ConfigOpt,
    config_or_exit,
    err,
    fail,
    guarded,
    open_store,
    parse_as_of,
    write_output,
)

FORMATS = ("table", "json", "csv", "md", "html")


def match(
    measure: Annotated[str | None, typer.Option("--measure", help="Nur diese Maßnahme (id).")] = None,
    as_of: AsOfOpt = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Höchstens N Treffer je Maßnahme.")] = None,
    min_score: Annotated[float, typer.Option("--min-score", min=0, max=100, help="Mindestpunktzahl 0–100.")] = 0,
    fmt: Annotated[str, typer.Option("--format", help="table | json | csv | md | html")] = "table",
    output: Annotated[Path | None, typer.Option("--output", help="In diese Datei schreiben.")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Auch nicht antragsberechtigte/geschlossene.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Gespeicherte Förderaufrufe mit den Maßnahmen der Stadt abgleichen."""
    from foerderradar.jobs import match_stored_calls
    from foerderradar.matcher.report import render_report

    if fmt not in FORMATS:
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: {', '.join(FORMATS)}.", 2)
    day = parse_as_of(as_of)
    cfg = config_or_exit(config, need_portals=False)
    with open_store() as store:
        try:
            # --all is the diagnostic view: ineligible calls too, before anyone's marks.
            found = guarded(
                lambda: match_stored_calls(
                    store, cfg, day, measure_id=measure, min_score=min_score, limit=limit,
                    include_ineligible=show_all, feedback=not show_all,
                )
            )
        except ValueError as exc:
            fail(str(exc), 2)
    if found.skipped:
        err.print(f"{found.skipped} ungültig gespeicherte Förderaufrufe übersprungen (Einzelheiten im Protokoll).")
    if found.applications:
        err.print(f"{len(found.applications)} laufende Anträge ausgeblendet (foerderradar calls marks zeigt sie).")
    matches = found.matches
    text = render_report(matches, fmt)
    if output:
        write_output(output, text)
        err.print(f"{len(matches)} Treffer geschrieben nach {output}")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")

