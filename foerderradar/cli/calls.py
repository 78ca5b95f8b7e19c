"""``calls``: the stored funding calls in and out (``calls_io.py``), regrouping, and the marks people
set on the verdicts (``storage/marks.py``), each for one municipality."""

from __future__ import annotations

import io
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from foerderradar.cli.crawl import print_group_summary
from foerderradar.cli.shared import (
    ConfigOpt,
    KommuneOpt,
    OutputOpt,
    check_output,
    chosen_kommunen,
    config_or_exit,
    emit,
    err,
    fail,
    guarded,
    key_column,
    one_kommune,
    open_store,
    out,
)
from foerderradar.notifier.formatting import plural
from foerderradar.settings import Config
from foerderradar.storage import Store, UnknownCall
from foerderradar.tabular import EXCEL_FORMATS

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
    skipped = len(report.problems)
    out.print(
        f"{report.stored} {plural(report.stored, 'Förderaufruf', 'Förderaufrufe')} übernommen ({report.new} neu, "
        f"{report.changed} geändert, {report.unchanged} unverändert), {skipped} {plural(skipped, 'Zeile', 'Zeilen')} "
        "übersprungen.",
        soft_wrap=True,
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


EXPORT_FORMATS = ("jsonl", "csv", *EXCEL_FORMATS)


@app.command("export")
def calls_export(
    fmt: Annotated[str, typer.Option(
        "--format", help="jsonl | csv (für Programme) | excel-csv (für Excel: ; und deutsche Spalten) | xlsx",
    )] = "jsonl",
    output: OutputOpt = None,
) -> None:
    """Alle gespeicherten Förderaufrufe auf die Standardausgabe (oder mit --output in eine Datei) schreiben."""
    from foerderradar.calls_io import CALL_COLUMNS, call_rows, export_calls
    from foerderradar.tabular import render

    if fmt not in EXPORT_FORMATS:
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: {', '.join(EXPORT_FORMATS)}.", 2)
    check_output(fmt, output)
    with open_store() as store:
        if fmt in EXCEL_FORMATS:
            rows = guarded(lambda: call_rows(store))
            emit(render(CALL_COLUMNS, rows, fmt, "Förderaufrufe"), output)
        elif output is None:
            guarded(lambda: export_calls(store, sys.stdout, fmt))
        else:
            buffer = io.StringIO(newline="")
            count = guarded(lambda: export_calls(store, buffer, fmt))
            emit(buffer.getvalue(), output)
            err.print(f"{count} Förderaufrufe geschrieben nach {output}")


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
              markup=False, soft_wrap=True)  # the call id whole, however long


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


MARKS_FORMATS = ("table", "csv", "jsonl", *EXCEL_FORMATS)


def _called(store: Store, call_id: str) -> str:
    """"nrw:gigabit (K7Q2M)": the full id and the short id people type."""
    short = guarded(lambda: store.short_ids([call_id])).get(call_id)
    return f"{call_id} ({short})" if short else call_id


@app.command("marks")
def calls_marks(
    fmt: Annotated[str, typer.Option(
        "--format", help="table | csv | jsonl | excel-csv (für Excel: ; und deutsche Spalten) | xlsx",
    )] = "table",
    output: OutputOpt = None,
    kommune: KommuneOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Alle Bewertungen anzeigen oder exportieren (laufende Anträge: Bewertung beantragt)."""
    from foerderradar.calls_io import MARK_TABLE, export_marks, marked_calls
    from foerderradar.storage.marks import MARK_LABELS
    from foerderradar.tabular import render

    if fmt not in MARKS_FORMATS:
        fail(f"--format {fmt!r} ist unbekannt; erlaubt: {', '.join(MARKS_FORMATS)}.", 2)
    check_output(fmt, output)
    if fmt == "table" and output is not None:
        fail("--output gilt für die Formate csv, jsonl, excel-csv und xlsx, nicht für die Tabelle.", 2)
    cfg = config_or_exit(config, need_portals=False)
    chosen = chosen_kommunen(cfg, kommune)
    with open_store(cfg) as store:
        marked = guarded(lambda: marked_calls(store, [one.kommune for one in chosen]))
    if fmt in EXCEL_FORMATS:
        emit(render(MARK_TABLE, [m.values() for m in marked], fmt, "Bewertungen"), output)
        return
    if fmt != "table":
        buffer = io.StringIO(newline="")
        export_marks(marked, buffer, fmt)
        emit(buffer.getvalue(), output)
        return
    # Two columns, so that a call id of 70 characters stays whole at 100: the call (title, id, note)
    # and what was marked (measure, verdict, date; with several municipalities whose).
    table = Table(title=f"Bewertungen ({len(marked)})", title_justify="left")
    key_column(table, "Förderaufruf", (entry.mark.call_id for entry in marked), with_text=True)
    key_column(table, "Maßnahme und Bewertung", (entry.mark.measure_id for entry in marked))
    for entry in marked:
        m = entry.mark
        note = f"\nNotiz: {escape(m.note)}" if m.note else ""
        whose = f"{m.kommune}\n" if cfg.several else ""
        called = f"{entry.short_id} · {m.call_id}" if entry.short_id else m.call_id
        table.add_row(f"{escape(entry.title)}\n[dim]{called}[/dim]{note}",
                      f"{whose}{m.measure_id}\n{MARK_LABELS[m.mark]}, {m.marked_at.astimezone().strftime('%d.%m.%Y')}")
    out.print(table)
