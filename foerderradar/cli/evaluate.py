"""``eval``: the matcher against the baselines on a labelled set (``matcher/evalset.py`` computes and
formats the figures; here they are laid out)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from foerderradar.cli.shared import AsOfOpt, err, fail, out, parse_as_of, problems_exit
from foerderradar.settings import ConfigError


def eval_command(
    directory: Annotated[Path, typer.Argument(help="Testdatensatz: calls.jsonl, measures.yaml, gold.yaml.")],
    as_of: AsOfOpt = None,
    per_measure: Annotated[bool, typer.Option("--per-measure", help="Auch je Maßnahme.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table | json | md")] = "table",
    min_ndcg: Annotated[
        float | None, typer.Option("--min-ndcg", help="Exit 1, wenn nDCG@5 darunter liegt oder leaks > 0.")
    ] = None,
) -> None:
    """Treffergüte auf einem bewerteten Datensatz messen, mit BM25 und Substring-Suche als Vergleich."""
    from foerderradar.matcher.evalset import METRICS, compare, eval_json, eval_tables, load_eval_set, short_of_target

    if fmt not in ("table", "json", "md"):
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: table, json, md.", 2)
    day = parse_as_of(as_of)
    try:
        evalset = load_eval_set(directory)
    except ConfigError as exc:
        problems_exit(f"Datensatz fehlerhaft ({len(exc.problems)})", exc.problems[:50])
    results = compare(evalset, day, per_measure=per_measure)
    if fmt == "json":
        sys.stdout.write(eval_json(results, len(evalset.calls), day))
    else:
        for figures in eval_tables(results, len(evalset.calls), day):
            if fmt == "md":
                for line in figures.markdown():
                    out.print(line, markup=False)
                continue
            table = Table(title=figures.title, title_justify="left")
            table.add_column("Verfahren")
            for key in METRICS:
                table.add_column(key, justify="right")
            for name, cells in figures.rows:
                table.add_row(name, *cells)
            out.print(table)
    if min_ndcg is not None and (ours := short_of_target(results, min_ndcg)) is not None:
        err.print(
            f"[red]Unter dem Ziel:[/red] nDCG@5 {ours['ndcg@5']:g} (Ziel ≥ {min_ndcg:g}), leaks {ours['leaks']:g}."
        )
        raise typer.Exit(1)
