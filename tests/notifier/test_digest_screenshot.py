"""The rendered digest as a person sees it: headless Chromium (Debian's `chromium`) takes a screenshot.

Skipped where no Chromium is installed (`apt-get install chromium`), unless
FOERDERRADAR_REQUIRE_BROWSER=1 makes a missing browser a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from foerderradar.model import Match
from foerderradar.notifier.digest import build_digest
from foerderradar.notifier.render import render_digest
from foerderradar.settings import AppSettings, Config, MeasuresFile
from foerderradar.storage.tables import CallRecord

AS_OF = date(2026, 11, 30)


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("FOERDERRADAR_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    return exe


def sample_html(tmp_path: Path) -> str:
    measures = MeasuresFile.model_validate(
        {
            "city": {"name": "Schloß Holte-Stukenbrock", "region": "DE-NW", "applicant_types": ["kommune"]},
            "measures": [
                {"id": "breitband", "title": "Breitband in Neubau- und Gewerbegebieten"},
                {"id": "schulen", "title": "Digitale Ausstattung der Schulen"},
            ],
        }
    )
    config = Config(tmp_path, measures, [], AppSettings())
    now = datetime(2026, 11, 28, tzinfo=UTC)
    records, matches = {}, []
    for i, (measure, title, deadline) in enumerate(
        [
            ("breitband", "Gigabitförderung 2.0 – Aufruf 2027 für Kommunen", date(2026, 12, 10)),
            ("breitband", "Kofinanzierung des Gigabitausbaus durch das Land NRW", date(2027, 3, 31)),
            ("schulen", "Schul-IT-Administration: Förderung für Schulträger", None),
        ]
    ):
        cid = f"demo:{i}"
        records[cid] = CallRecord(
            id=cid, source="demo", source_id=str(i), url=f"https://www.foerderdatenbank.de/p{i}.html",
            title=title, funding_body="Bundesministerium für Digitales", funding_rate_pct=90,
            max_amount_eur=150_000_000, deadline=deadline, deadline_text=None if deadline else "laufend",
            first_seen=now - timedelta(days=i), last_seen=now, changed_at=now, content_hash="0" * 64, version=1,
        )
        matches.append(Match(measure, cid, title, records[cid].url, 80 - i * 10, True, deadline, "open",
                             ["Treffer im Titel: Gigabit", "Antragsberechtigt: Kommune"]))
    digest = build_digest(config, records, matches, AS_OF, None)
    return render_digest(digest, config.settings.digest.subject).html


def test_digest_renders_in_chromium(tmp_path: Path) -> None:
    from PIL import Image

    exe = chromium()
    page = tmp_path / "digest.html"
    page.write_text(sample_html(tmp_path), encoding="utf-8")
    shot = tmp_path / "digest.png"
    subprocess.run(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars", "--window-size=760,1400",
         f"--screenshot={shot}", page.as_uri()],
        check=True, capture_output=True, timeout=90,
    )
    image = Image.open(shot).convert("RGB")
    assert image.size == (760, 1400)
    colours = image.getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 50, "the page rendered (nearly) blank"
    # Text reaches the top third (the header and first section), not just a blank page with a footer.
    top = image.crop((0, 0, 760, 460)).convert("L")
    dark = sum(count for count, value in (top.getcolors(maxcolors=256) or []) if value < 128)
    assert dark > 2_000
    if os.environ.get("FOERDERRADAR_KEEP_SCREENSHOT"):
        shutil.copy(shot, os.environ["FOERDERRADAR_KEEP_SCREENSHOT"])
