"""``calls``: the stored funding calls in and out (``calls_io.py``), regrouping, and the marks people
set on the verdicts (``storage/marks.py``), each for one municipality."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from foerderradar.cli.crawl import print_group_summary
from foerderradar.cli.shared import (
    ConfigOpt,
    KommuneOpt,
    chosen_kommunen,
    config_or_exit,
    err,
    fail,
    guarded,
    one_kommune,
    open_store,
    out,
)
from foerderradar.settings import Config
from foerderradar.storage import Store, UnknownCall

app = typer.Typer(help="Gespeicherte Förderaufrufe importieren und exportieren.", no_args_is_help=True)


@app.command("import")
def calls_import(
    file: Annotated[str, typer.Argument(help="JSON-Lines-Datei oder - für die Standardeingabe.")],
) -> None:
    """Förderaufrufe aus JSON Lines übernehmen (ungültige Zeilen werden gemeldet und übersprungen)."""
    from foerderradar.calls_io import import_calls
    from foerderradar.jobs import after_ingest

    with open_store() as store:
        if file == "-":
            report = guarded(lambda: import_calls(sys.stdin, store))
        else:
            try:
                with open(file, encoding="utf-8") as handle:
                    report = guarded(lambda: import_calls(handle, store))
            except FileNotFoundError:
                fail(f"{file}: Datei nicht gefunden.", 2)
            except UnicodeDecodeError as exc:
                fail(f"{file}: keine UTF-8-Textdatei ({exc.reason}).", 2)
        grouped = guarded(lambda: after_ingest(store).grouped) if report.stored else None  # may join programmes
    for number, problem in report.problems:
        err.print(f"{file}:{number}: übersprungen: {problem}", markup=False, soft_wrap=True)
    out.print(
        f"{report.stored} Förderaufrufe übernommen ({report.new} neu, {report.changed} geändert, "
        f"{report.unchanged} unverändert), {len(report.problems)} Zeilen übersprungen."
    )
    if grouped is not None:
        print_group_summary(grouped)
    if report.problems:
        raise typer.Exit(1)


@app.command("regroup")
def calls_regroup() -> None:
    """Gleiche Förderprogramme auf mehreren Portalen neu zusammenführen (geschieht nach jedem Abruf)."""
    from foerderradar.jobs import after_ingest

    with open_store() as store:
        stats = guarded(lambda: after_ingest(store).grouped)
    out.print(
        f"{stats.groups} Förderprogramme auf mehreren Portalen, {stats.duplicates} zusammengeführte Einträge, "
        f"{stats.changed} Zuordnungen geändert."
    )


@app.command("export")
def calls_export(
    fmt: Annotated[str, typer.Option("--format", help="jsonl | csv")] = "jsonl",
) -> None:
    """Alle gespeicherten Förderaufrufe auf die Standardausgabe schreiben."""
    from foerderradar.calls_io import export_calls

    if fmt not in ("jsonl", "csv"):
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: jsonl, csv.", 2)
    with open_store() as store:
        guarded(lambda: export_calls(store, sys.stdout, fmt))


@app.command("mark")
def calls_mark(
    call_id: Annotated[str, typer.Argument(
        help="Kurzkennung (z. B. K7Q2M, aus Wochenbericht, Bericht oder Web-App) oder ID des Förderaufrufs "
        "(Spalte id in calls export).")],
    verdict: Annotated[str, typer.Argument(help="relevant | verworfen | beantragt | abgelehnt | erledigt")],
    measure: Annotated[str, typer.Option("--measure", help="ID der Maßnahme aus measures.yaml.")],
    note: Annotated[str | None, typer.Option("--note", help="Notiz, z. B. Aktenzeichen des Antrags.")] = None,
    kommune: KommuneOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Einen Treffer bewerten: relevant, verworfen, beantragt (mit Aktenzeichen als --note), abgelehnt oder
    erledigt. Die englischen Wörter (dismissed, applied, rejected, done) gelten weiter."""
    from foerderradar.storage.marks import MARK_LABELS, mark_kind, set_mark

    cfg = one_kommune(config_or_exit(config, need_portals=False), kommune)
    kind = mark_kind(verdict)
    if kind is None:
        fail(f"{verdict!r} ist keine Bewertung; erlaubt: {', '.join(MARK_LABELS.values())}.", 2)
    if all(m.id != measure for m in cfg.measures.measures):
        known = ", ".join(m.id for m in cfg.measures.measures)
        fail(f"Unbekannte Maßnahme {measure!r}{_of(cfg)}. Bekannte Maßnahmen: {known}", 2)
    with open_store(cfg) as store:
        try:
            row = guarded(lambda: set_mark(store, cfg.kommune, call_id, measure, kind, note))
        except UnknownCall as exc:
            fail(exc.message, 2)
        called = _called(store, row.call_id)
    out.print(f"{called} für {measure}{_of(cfg)}: {MARK_LABELS[row.mark]} (Version {row.call_version}).",
              markup=False)


@app.command("unmark")
def calls_unmark(
    call_id: Annotated[str, typer.Argument(help="Kurzkennung (z. B. K7Q2M) oder ID des Förderaufrufs.")],
    measure: Annotated[str, typer.Option("--measure", help="ID der Maßnahme.")],
    kommune: KommuneOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Eine Bewertung zurücknehmen."""
    from foerderradar.storage.marks import clear_mark

    cfg = one_kommune(config_or_exit(config, need_portals=False), kommune)
    with open_store(cfg) as store:
        try:
            removed = guarded(lambda: clear_mark(store, cfg.kommune, call_id, measure))
        except UnknownCall as exc:
            fail(exc.message, 2)
    if not removed:
        fail(f"Keine Markierung für {call_id} und {measure}{_of(cfg)}.", 1)
    out.print(f"Markierung für {call_id} und {measure}{_of(cfg)} entfernt.", markup=False)


def _of(cfg: Config) -> str:
    """" (Kommune verl)" when the instance serves several municipalities, else nothing."""
    return f" (Kommune {cfg.kommune})" if cfg.several else ""


def _called(store: Store, call_id: str) -> str:
    """"nrw:gigabit (K7Q2M)": the full id and the short id people type."""
    short = guarded(lambda: store.short_ids([call_id])).get(call_id)
    return f"{call_id} ({short})" if short else call_id


@app.command("marks")
def calls_marks(
    fmt: Annotated[str, typer.Option("--format", help="table | csv | jsonl")] = "table",
    kommune: KommuneOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Alle Bewertungen anzeigen oder exportieren (laufende Anträge: Markierung applied)."""
    from foerderradar.calls_io import export_marks, marked_calls
    from foerderradar.storage.marks import MARK_LABELS

    if fmt not in ("table", "csv", "jsonl"):
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: table, csv, jsonl.", 2)
    cfg = config_or_exit(config, need_portals=False)
    chosen = chosen_kommunen(cfg, kommune)
    with open_store(cfg) as store:
        marked = guarded(lambda: marked_calls(store, [one.kommune for one in chosen]))
    if fmt != "table":
        export_marks(marked, sys.stdout, fmt)
        return
    table = Table(title=f"Bewertungen ({len(marked)})", title_justify="left")
    columns = ("Kommune", "Maßnahme", "Förderaufruf", "Bewertung", "Notiz", "am")
    for col in columns if cfg.several else columns[1:]:
        table.add_column(col, overflow="fold")
    for entry in marked:
        m = entry.mark
        called = f"{entry.short_id} · {m.call_id}" if entry.short_id else m.call_id
        cells = [m.measure_id, f"{entry.title}\n{called}", MARK_LABELS[m.mark], m.note or "",
                 m.marked_at.astimezone().strftime("%d.%m.%Y")]
        table.add_row(*([m.kommune, *cells] if cfg.several else cells))
    out.print(table)
