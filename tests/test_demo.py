"""`foerderradar demo` (what `make demo` runs): the whole main job on the bundled sample site."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foerderradar.cli import app

PROJECT_CONFIG = Path(__file__).resolve().parents[1] / "config"


def test_demo_writes_digest_and_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FOERDERRADAR_SMTP_HOST", raising=False)
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", f"sqlite:///{tmp_path / 'must-not-be-used.db'}")
    result = CliRunner().invoke(app, ["demo", "--config", str(PROJECT_CONFIG), "--out", "out", "--as-of", "2026-12-01"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    for name in ("digest.html", "digest.txt", "digest.eml", "report.html"):
        assert (out / name).stat().st_size > 500, name
        assert str(out / name) in result.stdout.replace("\n", "")
    assert not (tmp_path / "must-not-be-used.db").exists()  # the demo keeps its own database

    text = (out / "digest.txt").read_text(encoding="utf-8")
    html = (out / "digest.html").read_text(encoding="utf-8")
    # The measures of config/measures.yaml appear as sections, and broadband finds a Gigabit programme.
    assert "Breitband in Neubau- und Gewerbegebieten" in text
    assert "Digitale Ausstattung der Schulen" in html
    breitband = text.split("Breitband in Neubau- und Gewerbegebieten", 1)[1][:3000]
    assert "Gigabit" in breitband or "Glasfaser" in breitband or "Breitband" in breitband

    message = email.message_from_bytes((out / "digest.eml").read_bytes(), policy=email.policy.default)
    # multipart/mixed: the text + HTML alternative, then the deadlines as an .ics attachment.
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    assert attachment.get_content_type() == "text/calendar" and "BEGIN:VEVENT" in attachment.get_content()
    assert (out / "fristen.ics").read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")
