"""Portal health end to end: real crawls through the worker, a layout change, the CLI and the mails.

The portal is a copy of the bundled demo site on 127.0.0.1; its "relaunch" renames the class of the
facts list on every detail page, so pages still load and titles still parse, but Fördergebiet,
Förderberechtigte, Förderart, Förderbereich and Fördergeber silently disappear — the quiet failure
health exists for.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from config_files import CITY, DM, FAST_CRAWL, IT, fdb_portal, mail, write_config_dir
from smtp_sink import SmtpServer, smtp_server
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.demo import DEMO_SITE
from foerderradar.fixture_server import FixtureServer
from foerderradar.storage import Store


def write_config(cfg: Path, base_url: str, smtp: SmtpServer) -> None:
    write_config_dir(
        cfg,
        measures=CITY + "measures: [{id: glasfaser, title: Glasfaser für Gewerbegebiete}]\n",
        portals=fdb_portal(base_url, name="Demo-Portal"),
        toml=FAST_CRAWL + "timeout_s = 5\n"
        f"[digest]\nrecipients = ['{DM}']\n" + mail(smtp.port, timeout_s=5)
        + f"[health]\nfailures_in_a_row = 2\nalert_to = ['{IT}']\n",
    )


def relaunch(site: Path) -> int:
    """Rename the facts list's class on every detail page; returns how many pages changed."""
    changed = 0
    for page in (site / "FDB").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "document-info-fundingprogram" in text:
            page.write_text(text.replace("document-info-fundingprogram", "facts--relaunch-2027"), encoding="utf-8")
            changed += 1
    return changed


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Path:
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", sqlite_url)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_layout_change_is_flagged_alerted_once_and_shown(env: Path, sqlite_url: str) -> None:
    site = shutil.copytree(DEMO_SITE, env / "site")
    cfg = env / "config"
    runner = CliRunner()
    with FixtureServer(site) as server, smtp_server() as smtp:
        write_config(cfg, server.base_url, smtp)
        for _ in range(2):
            healthy = runner.invoke(app, ["crawl", "--config", str(cfg)])
            assert healthy.exit_code == 0, healthy.output
        assert smtp.inbox.messages == []
        listed = runner.invoke(app, ["portals", "list", "--config", str(cfg)])
        assert "Störung" not in listed.stdout and " ok" in listed.stdout

        assert relaunch(site) >= 10
        broken = runner.invoke(app, ["crawl", "--config", str(cfg)])
        again = runner.invoke(app, ["crawl", "--config", str(cfg)])
        listed = runner.invoke(app, ["portals", "list", "--config", str(cfg)])
        digest = runner.invoke(app, ["digest", "--preview", str(env / "out"), "--config", str(cfg)])

    # The crawl itself succeeded (pages load, titles parse): exit 0, but the portal is flagged.
    assert broken.exit_code == 0, broken.output
    assert "Störung" in broken.stderr and "Antragsberechtigte" in broken.stderr
    assert f"versendet an {IT}" in broken.stdout
    # One alert per incident, however often the crawl repeats while the portal stays broken.
    assert "versendet" not in again.stdout
    [alert] = smtp.inbox.to(IT)
    assert smtp.inbox.to(DM) == []
    assert "Demo-Portal" in str(alert["Subject"]) and "gestört" in str(alert["Subject"])
    body = alert.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "foerderradar portals check demo" in text and "Fördergebiet" in text

    assert "Störung" in listed.stdout and "Seitenaufbau" in listed.stdout
    assert "Gestört: demo" in listed.stdout
    assert digest.exit_code == 0, digest.output
    txt = (env / "out" / "digest.txt").read_text(encoding="utf-8")
    assert "== Portale ==" in txt and "1 von 1 Portalen mit Problemen" in txt
    assert "Störung: Demo-Portal" in txt
    html = (env / "out" / "digest.html").read_text(encoding="utf-8")
    assert "Störung</strong>: Demo-Portal" in html

    store = Store(sqlite_url)
    try:
        runs = store.recent_runs("demo")
    finally:
        store.close()
    assert len(runs) == 4 and all(r.ok for r in runs)
    assert runs[0].extracted == runs[-1].extracted > 0
    assert (runs[0].filled or {}).get("applicants", 0) == 0 < (runs[-1].filled or {}).get("applicants", 0)


def test_failing_portal_alerts_after_n_failures_and_digest_says_so(env: Path) -> None:
    cfg = env / "config"
    runner = CliRunner()
    with smtp_server() as smtp:
        write_config(cfg, "http://127.0.0.1:9", smtp)  # port 9 (discard): nothing listens on loopback
        first = runner.invoke(app, ["crawl", "--config", str(cfg)])
        assert first.exit_code == 1
        assert smtp.inbox.messages == []  # one failure is a warning, not yet an incident (N = 2)
        second = runner.invoke(app, ["crawl", "--config", str(cfg)])
        digest = runner.invoke(app, ["digest", "--preview", str(env / "out"), "--config", str(cfg)])
    assert second.exit_code == 1 and digest.exit_code == 0, digest.output
    [alert] = smtp.inbox.to(IT)
    assert "2 Abrufe in Folge fehlgeschlagen" in alert.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    txt = (env / "out" / "digest.txt").read_text(encoding="utf-8")
    assert "Störung: Demo-Portal – 2 Abrufe in Folge fehlgeschlagen" in txt


def test_alert_that_cannot_be_sent_is_retried_after_the_next_crawl(env: Path) -> None:
    cfg = env / "config"
    runner = CliRunner()
    with smtp_server() as smtp:
        write_config(cfg, "http://127.0.0.1:9", smtp)
        smtp.inbox.refuse.add(IT)
        runner.invoke(app, ["crawl", "--config", str(cfg)])
        refused = runner.invoke(app, ["crawl", "--config", str(cfg)])
        smtp.inbox.refuse.clear()
        retried = runner.invoke(app, ["crawl", "--config", str(cfg)])
    assert "nicht versendet" in refused.stderr and IT in refused.stderr
    assert f"versendet an {IT}" in retried.stdout
    assert len(smtp.inbox.to(IT)) == 1
