"""The command's tables at 100 columns: every portal key, slug, call id and address appears whole on
one line (the other columns wrap around them), and no line is wider than the terminal."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.cli.shared import out
from foerderradar.crawler.runner import PortalResult
from foerderradar.model import FundingCall
from foerderradar.storage import Store
from foerderradar.storage.marks import set_mark
from foerderradar.web.users import add_user

PROJECT_CONFIG = Path(__file__).resolve().parents[1] / "config"
WIDTH = 100
LONG_ID = "foerderdatenbank-html:Land/NRW/digitale-modellkommunen-smart-region"  # 67 characters
PROFILE = """\
city: {{name: {name}, region: DE-NW, applicant_types: [kommune]}}
measures:
  - {{id: verwaltung-prozesse, title: Digitale Verwaltungsprozesse und E-Akte, keywords: [Akte]}}
  - {{id: breitband-gewerbegebiete, title: Glasfaser in allen Gewerbegebieten, keywords: [Glasfaser]}}
digest: {{recipients: [digital-manager@schloss-holte-stukenbrock.de, it-leitung@schloss-holte-stukenbrock.de]}}
"""


@pytest.fixture(autouse=True)
def terminal_100(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(out, "_width", WIDTH)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The shipped portals (foerderdatenbank_export, service-bund-ausschreibungen …) and two
    municipalities with long names and addresses, over a store with a marked call of a long id."""
    url = f"sqlite:///{tmp_path / 'tables.db'}"
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", url)
    directory = tmp_path / "config"
    (directory / "kommunen").mkdir(parents=True)
    shutil.copy(PROJECT_CONFIG / "portals.yaml", directory)
    for slug, name in (("schloss-holte-stukenbrock", "Schloß Holte-Stukenbrock"), ("verl", "Verl")):
        (directory / "kommunen" / f"{slug}.yaml").write_text(PROFILE.format(name=name), encoding="utf-8")
    store = Store(url)
    source, source_id = LONG_ID.split(":", 1)
    store.upsert_call(FundingCall.model_validate({
        "source": source, "source_id": source_id, "url": "https://www.example.org/modellkommunen",
        "title": "Digitale Modellkommunen: Smart Region – Förderung von Vorhaben zur Digitalisierung der Verwaltung "
                 "in Nordrhein-Westfalen", "regions": ["DE-NW"], "applicants": ["kommune"],
    }))
    set_mark(store, "schloss-holte-stukenbrock", LONG_ID, "breitband-gewerbegebiete", "applied",
             "Aktenzeichen 2026-0815, Antrag am 01.12.2026 bei der Bezirksregierung Detmold eingereicht")
    add_user(store, "digital-manager@schloss-holte-stukenbrock.de", "ein langes Passwort 2026", "manager",
             ["schloss-holte-stukenbrock", "verl"])
    store.start_run("service-bund-ausschreibungen")  # a run without an end: "läuft oder abgebrochen"
    store.close()
    yield directory


def assert_whole(text: str, keys: list[str]) -> None:
    lines = text.splitlines()
    assert all(len(line) <= WIDTH for line in lines), "\n".join(line for line in lines if len(line) > WIDTH)
    for key in keys:
        assert any(key in line for line in lines), f"{key!r} is cut:\n{text}"


def run(args: list[str]) -> str:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_portals_list(config: Path) -> None:
    text = run(["portals", "list", "--config", str(config)])
    assert_whole(text, ["service-bund-ausschreibungen", "foerderdatenbank", "foerderdatenbank-html",
                        "foerderdatenbank_export", "gigabit-projekttraeger", "eu_sedia"])


def test_kommunen_list(config: Path) -> None:
    text = run(["kommunen", "list", "--config", str(config)])
    assert_whole(text, ["schloss-holte-stukenbrock", "verl", "digital-manager@schloss-holte-stukenbrock.de",
                        "it-leitung@schloss-holte-stukenbrock.de", "Nordrhein-Westfalen"])


def test_calls_marks(config: Path) -> None:
    text = run(["calls", "marks", "--config", str(config)])
    assert_whole(text, [LONG_ID, "breitband-gewerbegebiete", "schloss-holte-stukenbrock", "beantragt"])


def test_users_list(config: Path) -> None:
    text = run(["users", "list"])
    assert_whole(text, ["digital-manager@schloss-holte-stukenbrock.de", "schloss-holte-stukenbrock", "verl"])


def test_status(config: Path) -> None:
    text = run(["status", "--config", str(config)])
    assert_whole(text, ["Abruf + Abgleich", "täglich 06:00 Uhr", "montags 07:00 Uhr", "noch nie"])


def test_crawl_summary() -> None:
    from foerderradar.cli.crawl import print_crawl_summary

    keys = ["service-bund-ausschreibungen", "foerderdatenbank-html", "gigabit-projekttraeger"]
    results = [PortalResult(portal=key, ok=i != 1, items=1234, new=120, changed=7, gone=3, errors=12)
               for i, key in enumerate(keys)]
    with out.capture() as captured:
        print_crawl_summary(results)
    assert_whole(captured.get(), [*keys, "entfallen", "fehlgeschlagen"])


def test_the_check_can_fail() -> None:
    """A key column that may fold cuts a long key: assert_whole says so."""
    from rich.console import Console
    from rich.table import Table

    table = Table()
    table.add_column("Schlüssel", overflow="fold")
    table.add_column("Beschreibung")
    table.add_row("service-bund-ausschreibungen", "lang " * 60)
    console = Console(width=40)
    with console.capture() as captured:
        console.print(table)
    with pytest.raises(AssertionError):
        assert_whole(captured.get(), ["service-bund-ausschreibungen"])
