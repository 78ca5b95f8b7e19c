"""``kommunen``: the municipalities this instance serves (``config/kommunen/SLUG.yaml``, or the one
``measures.yaml``) — listed, and checked before a weekly run finds a mistake."""

from __future__ import annotations

import json
import sys
from typing import Annotated, cast

import typer
from rich.markup import escape
from rich.table import Table

from foerderradar.cli.shared import ConfigOpt, config_or_exit, fail, key_column, out
from foerderradar.notifier.formatting import plural
from foerderradar.settings import Config, Kommune

app = typer.Typer(help="Die Kommunen dieser Instanz (config/kommunen/ oder measures.yaml).", no_args_is_help=True)

LAND = {
    "DE-BW": "Baden-Württemberg", "DE-BY": "Bayern", "DE-BE": "Berlin", "DE-BB": "Brandenburg", "DE-HB": "Bremen",
    "DE-HH": "Hamburg", "DE-HE": "Hessen", "DE-MV": "Mecklenburg-Vorpommern", "DE-NI": "Niedersachsen",
    "DE-NW": "Nordrhein-Westfalen", "DE-RP": "Rheinland-Pfalz", "DE-SL": "Saarland", "DE-SN": "Sachsen",
    "DE-ST": "Sachsen-Anhalt", "DE-SH": "Schleswig-Holstein", "DE-TH": "Thüringen",
}  # fmt: skip


def _row(cfg: Config, kommune: Kommune) -> dict[str, object]:
    from foerderradar.notifier.service import resolve_recipients

    one = cfg.for_kommune(kommune.slug)
    city = kommune.profile.city
    return {
        "kommune": kommune.slug,
        "name": city.name,
        "land": LAND.get(city.region, city.region),
        "kreis": city.kreis,
        "offene_massnahmen": sum(m.status != "done" for m in kommune.profile.measures),
        "empfaenger": resolve_recipients(one, None, required=False),
        "datei": str(kommune.path),
    }


@app.command("list")
def kommunen_list(
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    config: ConfigOpt = None,
) -> None:
    """Kurzname, Name, Land, Zahl der offenen Maßnahmen und Empfänger des Wochenberichts je Kommune."""
    if fmt not in ("table", "json"):
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: table, json.", 2)
    cfg = config_or_exit(config, need_portals=False)
    rows = [_row(cfg, kommune) for kommune in cfg.kommunen]
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"Kommunen ({len(rows)})", title_justify="left")
    key_column(table, "Kurzname", (str(row["kommune"]) for row in rows))
    table.add_column("Kommune", overflow="fold")  # name, Land, open measures: wraps around the keys
    key_column(table, "Empfänger", (a for row in rows for a in cast(list[str], row["empfaenger"])))  # one a line
    for row in rows:
        recipients = cast(list[str], row["empfaenger"])
        open_measures = cast(int, row["offene_massnahmen"])
        table.add_row(
            str(row["kommune"]),
            f"{escape(str(row['name']))}\n[dim]{row['land']}[/dim]\n"
            f"{open_measures} {plural(open_measures, 'offene Maßnahme', 'offene Maßnahmen')}",
            "\n".join(recipients) or "[yellow]keine[/yellow]",
        )
    out.print(table)


@app.command("check")
def kommunen_check(config: ConfigOpt = None) -> None:
    """Jedes Profil prüfen; Fehler nennen Datei, Eintrag und Feld (Exit-Status 2)."""
    cfg = config_or_exit(config, need_portals=False)
    notes: list[str] = []
    for kommune in cfg.kommunen:
        row = _row(cfg, kommune)
        if not row["empfaenger"]:
            where = "digest.recipients" if cfg.layout == "kommunen" else "digest.recipients in foerderradar.toml"
            notes.append(f"{kommune.path}: keine Empfänger für den Wochenbericht ({where} eintragen)")
        if not row["offene_massnahmen"]:
            notes.append(f"{kommune.path}: keine offene Maßnahme; es wird nichts abgeglichen")
    unknown = [k.slug for k in cfg.kommunen if k.profile.city.kreis is None and k.profile.city.ags is None]
    if cfg.several and unknown:
        notes.append(
            "ohne city.kreis oder city.ags kann nicht geprüft werden, ob ein auf einen Kreis beschränkter Aufruf "
            f"passt: {', '.join(unknown)}"
        )
    for note in notes:
        out.print(f"[yellow]Hinweis:[/yellow] {note}", soft_wrap=True, markup=True)
    form = f"{cfg.directory / 'kommunen'}/" if cfg.layout == "kommunen" else str(cfg.directory / "measures.yaml")
    count = len(cfg.kommunen)
    out.print(f"[green]In Ordnung:[/green] {count} {plural(count, 'Kommune', 'Kommunen')} in {form}.", soft_wrap=True)
