"""``demo``: the whole job on bundled sample pages (``foerderradar/demo.py``), nothing installed."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from foerderradar.cli.crawl import print_crawl_summary
from foerderradar.cli.shared import AsOfOpt, ConfigOpt, config_or_exit, fail, guarded, out, parse_as_of
from foerderradar.settings import Config


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
    _web_pages(cfg, result.database_url, out_dir.resolve(), day)


def _web_pages(cfg: Config, database_url: str, out_dir: Path, day: date) -> None:
    """The web app's pages for the demo data as files, and how to start the app itself on loopback."""
    from foerderradar.web.snapshot import write_snapshot

    start = (f"FOERDERRADAR_DATABASE_URL={database_url} foerderradar users add ich@example.org --role admin; "
             f"FOERDERRADAR_DATABASE_URL={database_url} FOERDERRADAR_SECRET_KEY=$(python3 -c "
             f"'import secrets; print(secrets.token_urlsafe(48))') foerderradar web --config {cfg.directory}")
    banner = ("Schnappschuss der Demo: Links funktionieren, Formulare nicht. Die laufende Web-Oberfläche "
              f"startet mit: {start}")
    files = guarded(lambda: write_snapshot(cfg, database_url, out_dir / "web", banner=banner, as_of=day))
    out.print(f"  geschrieben: {out_dir / 'web' / 'index.html'} (Web-Oberfläche, {len(files) - 1} Seiten)")
    out.print("  Web-Oberfläche live auf 127.0.0.1:8080 starten:", soft_wrap=True)
    out.print(f"    {start}", markup=False, soft_wrap=True)
