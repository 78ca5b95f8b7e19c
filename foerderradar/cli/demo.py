"""``demo``: the whole job on bundled sample pages (``foerderradar/demo.py``), nothing installed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from foerderradar.cli.crawl import print_crawl_summary
from foerderradar.cli.shared import AsOfOpt, ConfigOpt, config_or_exit, fail, guarded, out, parse_as_of


def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Ausgabeverzeichnis.")] = Path("out"),
    as_of: AsOfOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Vorführung: Beispielseiten lokal ausliefern, abrufen, abgleichen, Bericht nach out/ schreiben."""
    from foerderradar.demo import run_demo

    day = parse_as_of(as_of)
    cfg = config_or_exit(config)
    with out.status("Demo läuft: Beispielportal auf 127.0.0.1, Abruf, Abgleich, Bericht …"):
        try:
            result = guarded(lambda: run_demo(cfg, out_dir, day))
        except OSError as exc:
            fail(f"{out_dir}: {exc}")
    print_crawl_summary(result.crawl)
    out.print(f"{result.matches} Treffer für {result.measures} Maßnahmen. {result.summary}")
    for path in result.paths:
        out.print(f"  geschrieben: {path}")
    for line in result.notes:
        out.print(f"  {line}")
