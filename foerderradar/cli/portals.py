"""``portals``: the watched portals — their state, a trial crawl that stores nothing,
``portals.yaml`` out and in, and one entry switched on or off or removed (``portals_io.py``; the
web app's *Portale* page changes the file through the same function)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from foerderradar.cli.shared import (
    ConfigOpt,
    OutputOpt,
    check_output,
    config_or_exit,
    emit,
    err,
    fail,
    guarded,
    key_column,
    last_run_cells,
    open_store,
    out,
    problems_exit,
)
from foerderradar.notifier.formatting import plural
from foerderradar.settings import ConfigError, config_dir
from foerderradar.tabular import EXCEL_FORMATS

if TYPE_CHECKING:
    from foerderradar.portals_io import PortalChange

app = typer.Typer(help="Die beobachteten Portale (config/portals.yaml).", no_args_is_help=True)


@app.command("list")
def portals_list(config: ConfigOpt = None) -> None:
    """Konfigurierte Portale mit dem Ergebnis ihres letzten Abrufs und ihrem Zustand anzeigen."""
    from foerderradar.health import portal_health

    cfg = config_or_exit(config)
    keys = [p.key for p in cfg.portals]
    with open_store() as store:
        health = guarded(lambda: portal_health(store, keys, cfg.settings.health.failures_in_a_row))
    table = Table(title=f"Portale ({cfg.directory / 'portals.yaml'})", title_justify="left")
    key_column(table, "Schlüssel", (p.key for p in cfg.portals))
    key_column(table, "Name und Art", (p.kind for p in cfg.portals), with_text=True)  # the kind: a key too
    table.add_column("aktiv")
    table.add_column("letzter Abruf", min_width=len("05.12.2026 08:21"), overflow="fold")
    table.add_column("Zustand", overflow="fold")
    colours = {"ok": "green", "warnung": "yellow", "fehler": "red", "unbekannt": "dim"}
    for p, h in zip(cfg.portals, health, strict=True):
        run = h.last_run
        when, result = last_run_cells(run.started_at if run else None, run is not None and run.finished_at is not None)
        if result is None and run is not None:
            result = (
                f"ok: {run.items} Einträge, {run.new} neu, {run.changed} geändert, {run.errors} Fehler"
                if run.ok else f"[red]fehlgeschlagen[/red] ({run.errors} Fehler)"
            )
        last = when if run is None else f"{when}\n{result}"
        state = f"[{colours[h.state]}]{h.label}[/{colours[h.state]}]"
        table.add_row(p.key, f"{escape(p.name)}\n[dim]{p.kind}[/dim]", "ja" if p.enabled else "nein", last, state)
    out.print(table)
    # Reasons below the table: they are sentences, and a narrow terminal would fold them to pulp.
    for h in health:
        if h.state in ("warnung", "fehler"):
            out.print(f"  {h.portal} ({h.label}): {escape(h.summary)}", soft_wrap=True)
    flagged = [h.portal for h in health if h.flagged]
    if flagged:
        out.print(f"Gestört: {', '.join(flagged)} — prüfen mit: foerderradar portals check {flagged[0]}")


@app.command("check")
def portals_check(
    keys: Annotated[list[str] | None, typer.Argument(help="Portal-Schlüssel (Standard: alle aktiven).")] = None,
    max_items: Annotated[int, typer.Option("--max-items", min=1, help="Nach N Einträgen aufhören.")] = 20,
    config: ConfigOpt = None,
) -> None:
    """Ein Portal probeweise abrufen und zeigen, was erkannt wird — ohne etwas zu speichern."""
    from foerderradar.crawler.botwall import any_bot_wall
    from foerderradar.crawler.runner import UnknownPortalError, check_portal, select_portals

    cfg = config_or_exit(config)
    try:
        portals = select_portals(cfg.portals, keys or [])
    except UnknownPortalError as exc:
        fail(str(exc), 2)
    failed = False
    for portal in portals:
        with out.status(f"Prüfe {portal.key} …"):
            result = check_portal(portal, cfg, max_items=max_items)
        state = "[green]ok[/green]" if result.ok and result.items else "[red]Problem[/red]"
        if any_bot_wall(result.messages):
            state += " – das Portal blockiert automatisierte Abrufe (Prüfseite gegen Roboter)"
        out.print(f"\n[bold]{portal.key}[/bold] ({portal.kind}): {state}, {result.items} Einträge erkannt")
        if result.items:
            fields = Table(title="Gefüllte Felder", title_justify="left")
            fields.add_column("Feld")
            fields.add_column("Einträge", justify="right")
            for name, count in sorted(result.filled.items()):
                fields.add_row(name, f"{count}/{result.items}")
            out.print(fields)
            sample = Table(title="Erste Einträge", title_justify="left")
            for col in ("Titel", "Frist", "Antragsberechtigte", "URL"):
                sample.add_column(col, overflow="fold")
            for item in result.sample:
                sample.add_row(
                    item["title"], item.get("deadline") or item.get("deadline_text") or "–",
                    ", ".join(item.get("applicants") or []) or "–", item["url"],
                )
            out.print(sample)
        for warning in result.warnings():
            out.print(f"  [yellow]Warnung:[/yellow] {warning}", soft_wrap=True)
        for message in result.messages[:10]:
            err.print(f"  {portal.key}: {message}", markup=False, soft_wrap=True)
        for note in result.notes[:10]:
            out.print(f"  {portal.key}: Hinweis: {note}", markup=False, soft_wrap=True)
        failed |= not result.ok or result.items == 0
    if failed:
        raise typer.Exit(1)


EXPORT_FORMATS = ("csv", "yaml", *EXCEL_FORMATS)


@app.command("export")
def portals_export(
    fmt: Annotated[str, typer.Option(
        "--format", help="csv (für Programme) | yaml | excel-csv (für Excel: ; und deutsche Spalten) | xlsx",
    )] = "csv",
    output: OutputOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Die Portalliste als Tabelle oder YAML schreiben. Bearbeitet zurück mit: foerderradar portals import DATEI."""
    from foerderradar.portals_io import export_csv, export_yaml, portal_table
    from foerderradar.tabular import render

    if fmt not in EXPORT_FORMATS:
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: {', '.join(EXPORT_FORMATS)}.", 2)
    check_output(fmt, output)
    cfg = config_or_exit(config)
    if fmt in EXCEL_FORMATS:
        columns, rows = portal_table(cfg.portals)
        emit(render(columns, rows, fmt, "Portale"), output)
    else:
        emit(export_csv(cfg.portals) if fmt == "csv" else export_yaml(cfg.portals), output)


@app.command("import")
def portals_import(
    file: Annotated[Path, typer.Argument(help="Tabelle wie von portals export: .csv (auch excel-csv) oder .xlsx.")],
    dry_run: Annotated[bool, typer.Option(
        "--probe", "--dry-run", help="Nur zeigen, was sich ändern würde; nichts schreiben.",
    )] = False,
    config: ConfigOpt = None,
) -> None:
    """Eine bearbeitete Portalliste übernehmen: Zeilen mit bekanntem Schlüssel ändern den Eintrag, andere
    kommen neu dazu; Einträge ohne Zeile bleiben. Geprüft wie beim Laden; Kommentare bleiben erhalten.

    Eine leere Zelle entfernt den Schlüssel aus dem Eintrag; fehlt eine Spalte ganz, bleibt der Wert.
    Entfernen: foerderradar portals remove SCHLÜSSEL.
    """
    from foerderradar.crawler.registry import portal_models
    from foerderradar.portals_io import import_portals

    directory = config_dir(config)
    try:
        done = import_portals(directory, file, portal_models(), dry_run=dry_run)
    except ConfigError as exc:
        problems_exit(f"Nichts übernommen ({len(exc.problems)} Problem(e))", exc.problems)
    for portal, keys in done.changed:
        out.print(f"geändert: {portal.key} ({', '.join(keys)})", markup=False, soft_wrap=True)
    for portal in done.new:
        out.print(f"neu: {portal.key} ({portal.kind})", markup=False)
    summary = f"{len(done.changed)} geändert, {len(done.new)} neu, {len(done.unchanged)} unverändert"
    if done.absent:
        summary += f"; {len(done.absent)} nicht in der Datei, bleiben wie sie sind ({', '.join(done.absent)})"
    out.print(summary + ".", markup=False, soft_wrap=True)
    if dry_run:
        out.print("Probelauf: nichts geschrieben.")
    elif done.backup is not None:
        out.print(f"{directory / 'portals.yaml'} geschrieben; vorherige Fassung: {done.backup}.", markup=False)


@app.command("add")
def portals_add(
    key: Annotated[str | None, typer.Argument(help="Schlüssel des neuen Portals (ohne --from-csv).")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Art: foerderdatenbank, eu_sedia, feed, json …")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Anzeigename.")] = None,
    settings: Annotated[
        list[str] | None, typer.Option("--set", help="Weiterer Schlüssel, z. B. --set url=https://… (mehrfach).")
    ] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Eintragen, aber noch nicht abrufen.")] = False,
    from_csv: Annotated[Path | None, typer.Option(
        "--from-csv", help="Alle Zeilen einer Tabelle wie von portals export (.csv, excel-csv oder .xlsx) als neue "
        "Portale; bestehende ändert: portals import DATEI.",
    )] = None,
    config: ConfigOpt = None,
) -> None:
    """Portale in portals.yaml eintragen — geprüft wie beim Laden; Kommentare der Datei bleiben erhalten."""
    from foerderradar.crawler.registry import portal_models
    from foerderradar.portals_io import add_portals, new_from_file, parse_settings, validate_new

    cfg = config_or_exit(config)
    try:
        if from_csv is not None:
            if key or kind:
                fail("Entweder --from-csv DATEI oder SCHLÜSSEL --kind ART angeben, nicht beides.", 2)
            new = new_from_file(cfg.portals, from_csv, portal_models())
        else:
            if not key or not kind:
                fail("Bitte SCHLÜSSEL und --kind ART angeben (oder --from-csv DATEI).", 2)
            entry = {"key": key, "kind": kind, **({"name": name} if name else {}), **parse_settings(settings or [])}
            if disabled:
                entry["enabled"] = False
            new = validate_new(cfg.portals, [entry], portal_models(), "portals add")
        backup = add_portals(cfg.directory, new, portal_models())
    except ConfigError as exc:
        problems_exit(f"Nicht eingetragen ({problems(exc)})", exc.problems)
    for portal in new:
        out.print(f"eingetragen: {portal.key} ({portal.kind})")
    out.print(f"Vorherige Fassung: {backup}. Prüfen mit: foerderradar portals check {new[0].key if new else ''}")


def problems(exc: ConfigError) -> str:
    return f"{len(exc.problems)} {plural(len(exc.problems), 'Problem', 'Probleme')}"


KeyArg = Annotated[str, typer.Argument(help="Schlüssel des Portals (wie in portals.yaml, siehe portals list).")]


def _edit(key: str, change: PortalChange, config: Path | None) -> None:
    """One entry changed; only portals.yaml is read (a broken measures.yaml must not keep IT from
    switching off a portal that floods the digest)."""
    from foerderradar.portals_io import CHANGE_DE, UnknownPortal, edit_portal

    directory = config_dir(config)
    try:
        done = edit_portal(directory, key, change)
    except UnknownPortal as exc:
        fail(exc.problems[0], 2)
    except ConfigError as exc:
        problems_exit(f"Nicht geändert ({problems(exc)})", exc.problems)
    if done.changed:
        out.print(f"Portal {key} {CHANGE_DE[change]} ({directory / 'portals.yaml'}).", markup=False)
    else:
        out.print(f"Portal {key} ist schon {CHANGE_DE[change]}; nichts geändert.", markup=False)


@app.command("enable")
def portals_enable(key: KeyArg, config: ConfigOpt = None) -> None:
    """Ein Portal einschalten (enabled: true) — geprüft wie beim Laden; Kommentare der Datei bleiben erhalten."""
    _edit(key, "enable", config)


@app.command("disable")
def portals_disable(key: KeyArg, config: ConfigOpt = None) -> None:
    """Ein Portal abschalten (enabled: false): es bleibt eingetragen, wird aber nicht mehr abgerufen."""
    _edit(key, "disable", config)


@app.command("remove")
def portals_remove(
    key: KeyArg,
    yes: Annotated[bool, typer.Option("--ja", "--yes", "-y", help="Ohne Rückfrage entfernen.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Ein Portal aus portals.yaml entfernen, mit dem Kommentar direkt darüber (fragt vorher nach).

    Gespeicherte Aufrufe und Abrufe bleiben in der Datenbank. Vielleicht später wieder nötig? portals disable.
    """
    from foerderradar.portals_io import unknown_portal
    from foerderradar.settings import load_portals

    directory = config_dir(config)
    if not yes:
        try:
            known = {p.key: p for p in load_portals(directory)}
        except ConfigError as exc:
            problems_exit(f"Nicht geändert ({problems(exc)})", exc.problems)
        if key not in known:
            fail(unknown_portal(key, list(known)).problems[0], 2)
        question = f"Portal {key} ({known[key].name}) aus {directory / 'portals.yaml'} entfernen? [j/N]"
        try:
            answer = typer.prompt(question, default="", show_default=False, prompt_suffix=" ")
        except typer.Abort:  # no terminal and no answer (stdin closed)
            answer = ""
        if answer.strip().lower() not in ("j", "ja", "y", "yes"):
            out.print("Abgebrochen; nichts geändert.")
            raise typer.Exit(1)
    _edit(key, "remove", config)
