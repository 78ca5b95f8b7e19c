"""The shipped config's default sources, through the CLI city IT uses: `foerderradar portals check`.

The entries of config/portals.yaml exactly as shipped (the Förderdatenbank through its XML export,
the EU Funding & Tenders portal), with only a ``base_url`` added that points at a loopback copy of
the real recorded answers in ../shared/captures: the export documents zipped at their paths, and
the 2026 SEDIA response with its stale duplicate record. Nothing is stored.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.fixture_server import FixtureServer
from foerderradar.storage import Store

PROJECT_CONFIG = Path(__file__).resolve().parents[1] / "config"
EXPORT_PATH = "/FDB/WS/export"
SEDIA_PATH = "/search-api/prod/rest/search?apiKey=SEDIA&text=***&pageSize=100&pageNumber=1"


def shipped_config(tmp_path: Path, base_url: str) -> Path:
    """config/ as shipped, every enabled portal pointed at the loopback copy."""
    config = tmp_path / "config"
    shutil.copytree(PROJECT_CONFIG, config)
    data = yaml.safe_load((config / "portals.yaml").read_text(encoding="utf-8"))
    for entry in data["portals"]:
        if entry.get("enabled", True):
            entry["base_url"] = base_url
    (config / "portals.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (config / "foerderradar.toml").write_text("[crawler]\ndownload_delay = 0\nhttp_cache = false\n", encoding="utf-8")
    return config


@pytest.fixture
def loopback_copy(tmp_path: Path, captures: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    export = captures / "foerderdatenbank-export"
    with zipfile.ZipFile(site / "export.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(export.rglob("*.xml")):
            archive.write(path, path.relative_to(export).as_posix())
    shutil.copy(captures / "eu-sedia" / "eu_sedia_search_3_horizon_2026.json", site / "sedia.json")
    return site


def test_shipped_default_sources_are_the_export_and_eu() -> None:
    data = yaml.safe_load((PROJECT_CONFIG / "portals.yaml").read_text(encoding="utf-8"))
    enabled = {e["key"]: e["kind"] for e in data["portals"] if e.get("enabled", True)}
    assert enabled == {"foerderdatenbank": "foerderdatenbank_export", "eu": "eu_sedia"}


def test_portals_check_works_on_both_shipped_sources_against_loopback_copies(
    tmp_path: Path, loopback_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_url = f"sqlite:///{tmp_path / 'check.db'}"
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", db_url)
    with FixtureServer(loopback_copy, {EXPORT_PATH: "export.zip", SEDIA_PATH: "sedia.json"}) as server:
        config = shipped_config(tmp_path, server.base_url)
        result = CliRunner().invoke(app, ["portals", "check", "foerderdatenbank", "eu", "--config", str(config)])
        asked = {answer.target: answer.status for answer in server.site.answers}
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "foerderdatenbank (foerderdatenbank_export): ok, 2 Einträge erkannt" in out
    assert "eu (eu_sedia): ok, 2 Einträge erkannt" in out
    # the recorded programmes' titles, as city IT sees them in the sample table
    assert "Einstiegsgeld" in out and "Living labs to" in out
    assert asked[EXPORT_PATH] == 200 and asked[SEDIA_PATH] == 200
    store = Store(db_url)
    try:
        assert store.count_calls() == 0  # a check stores nothing
    finally:
        store.close()
