"""Several municipalities on one instance (contract: "Several municipalities on one instance").

One crawl, shared calls; each municipality (``config/kommunen/SLUG.yaml``) has its own measures,
verdicts, marks and digests. Here: the profiles and their mistakes, ``kommunen list``/``check``,
``--kommune`` on match, digest, feed and the marks, the Kreis overview, and one digest per
municipality, sent once, to a real SMTP server on loopback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from config_files import write_config_dir
from smtp_sink import SmtpServer, smtp_server
from typer.testing import CliRunner

from foerderradar import jobs
from foerderradar.cli import app
from foerderradar.model import FundingCall
from foerderradar.settings import ConfigError, load_config
from foerderradar.storage import Store

AS_OF = date(2026, 12, 1)
T = datetime(2026, 11, 20, tzinfo=UTC)

# Two towns of one Kreis with different needs, one measure id in common ("breitband").
VERL = """\
city: {name: Verl, region: DE-NW, applicant_types: [kommune], kreis: Gütersloh, ags: "05754036", einwohner: 25000}
measures:
  - {id: breitband, title: Glasfaser und Gigabit, keywords: [Glasfaser, Gigabit]}
  - {id: schulen, title: WLAN und Tablets in Schulen, keywords: [WLAN, Schule, Tablets]}
digest: {recipients: [digital@verl.example]}
"""
SHS = """\
city: {name: Schloß Holte-Stukenbrock, region: DE-NW, applicant_types: [kommune], kreis: Gütersloh}
measures:
  - {id: breitband, title: Breitband im Gewerbegebiet, keywords: [Breitband, Glasfaser]}
  - {id: verwaltung, title: E-Akte in der Verwaltung, keywords: [E-Akte, Verwaltung]}
digest: {recipients: [dm@shs.example, it@shs.example]}
"""
CALLS = [
    ("gigabit", "Gigabit Glasfaser für Gewerbegebiete", "Zuschuss für Glasfaser bis ins Gebäude."),
    ("wlan-schule", "WLAN für Schulen", "Schulträger erhalten Zuschüsse für WLAN und Tablets."),
    ("e-akte", "E-Akte in der Kommunalverwaltung", "Einführung der E-Akte in der Verwaltung."),
    ("sport", "Sportstätten sanieren", "Turnhallen und Sportplätze."),
]


def kommunen_dir(tmp_path: Path, profiles: dict[str, str], toml: str = "[digest]\nmin_score = 1\n") -> Path:
    directory = write_config_dir(tmp_path / "config", toml=toml)
    (directory / "measures.yaml").unlink()
    (directory / "kommunen").mkdir()
    for slug, text in profiles.items():
        (directory / "kommunen" / f"{slug}.yaml").write_text(text, encoding="utf-8")
    return directory


def make_call(source_id: str, title: str, summary: str) -> FundingCall:
    return FundingCall.model_validate({
        "source": "nrw", "source_id": source_id, "url": f"https://www.example.org/{source_id}", "title": title,
        "summary": summary, "regions": ["DE-NW"], "applicants": ["kommune"], "deadline": "2027-03-31",
    })


@pytest.fixture
def cfg_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[Path]:
    directory = kommunen_dir(tmp_path, {"verl": VERL, "schloss-holte-stukenbrock": SHS})
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", db_url)
    monkeypatch.delenv("FOERDERRADAR_SMTP_HOST", raising=False)
    store = Store(db_url)
    store.upsert_calls([make_call(*c) for c in CALLS], now=T)
    store.close()
    yield directory


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


# -- the profiles -----------------------------------------------------------------------------------


def test_profiles_load_in_file_order_with_their_recipients(tmp_path: Path) -> None:
    cfg = load_config(kommunen_dir(tmp_path, {"verl": VERL, "schloss-holte-stukenbrock": SHS}), need_portals=False)
    assert [k.slug for k in cfg.kommunen] == ["schloss-holte-stukenbrock", "verl"]
    assert cfg.several and cfg.layout == "kommunen" and cfg.label == "Kreis Gütersloh"
    verl = cfg.for_kommune("verl")
    assert verl.kommune == "verl" and verl.measures.city.ags == "05754036"
    assert verl.settings.digest.recipients == ["digital@verl.example"]
    with pytest.raises(RuntimeError):
        cfg.measures  # noqa: B018 - an instance-wide config of several has no single measures file


def test_single_form_is_one_municipality_named_after_the_city(tmp_path: Path) -> None:
    quiet = SHS.replace("digest: {recipients: [dm@shs.example, it@shs.example]}\n", "")
    directory = write_config_dir(tmp_path / "c", measures=quiet,
                                 toml='[digest]\nrecipients = ["dm@shs.example"]\n')
    cfg = load_config(directory, need_portals=False)
    assert not cfg.several and cfg.layout == "single"
    assert cfg.kommune == "schloss-holte-stukenbrock"
    assert cfg.each()[0].settings.digest.recipients == ["dm@shs.example"]


# (files in kommunen/, other files, expected fragment of one problem) — every mistake named with its file.
MISTAKES = [
    ({"verl": VERL}, {"measures.yaml": SHS}, "measures.yaml und"),
    ({}, {}, "enthält kein Profil"),
    ({"Verl_Neu": VERL}, {}, "Verl_Neu.yaml: der Dateiname ist der Kurzname"),
    ({"verl": VERL.replace('"05754036"', "5754036")}, {}, "verl.yaml: city.ags: 5754036 ist als Zahl geschrieben"),
    ({"verl": VERL.replace('"05754036"', '"06754036"')}, {},
     "verl.yaml: city: ags: '06754036' gehört zu DE-HE, region sagt DE-NW"),
    ({"verl": VERL, "verl-2": VERL}, {}, "verl.yaml: city.ags: '05754036' steht schon in"),
    ({"verl": VERL.replace("digital@verl.example", "digital-at-verl")}, {}, "verl.yaml: digest.recipients"),
    ({"verl": VERL.replace("einwohner: 25000", "einwohner: viele")}, {}, "verl.yaml: city.einwohner"),
    ({"verl": VERL}, {"foerderradar.toml": '[digest]\nrecipients = ["a@b.example"]\n'},
     "foerderradar.toml: digest.recipients: bei mehreren Kommunen"),
]


@pytest.mark.parametrize(("profiles", "files", "expected"), MISTAKES)
def test_profile_mistakes_are_named(tmp_path: Path, profiles: dict[str, str], files: dict[str, str],
                                    expected: str) -> None:
    directory = kommunen_dir(tmp_path, profiles)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(directory, need_portals=False)
    assert any(expected in p for p in info.value.problems), info.value.problems
    code, _, err = cli("kommunen", "check", "--config", str(directory))
    assert code == 2 and "Traceback" not in err


def test_yml_profile_and_readme(tmp_path: Path) -> None:
    directory = kommunen_dir(tmp_path, {"verl": VERL})
    (directory / "kommunen" / "README.md").write_text("Profile der Kommunen", encoding="utf-8")
    assert [k.slug for k in load_config(directory, need_portals=False).kommunen] == ["verl"]
    (directory / "kommunen" / "avenwedde.yml").write_text(VERL, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"in avenwedde\.yaml umbenennen"):
        load_config(directory, need_portals=False)


# -- kommunen list / check --------------------------------------------------------------------------


def test_kommunen_list_and_check(tmp_path: Path) -> None:
    quiet = VERL.replace("digest: {recipients: [digital@verl.example]}\n", "")
    directory = kommunen_dir(tmp_path, {"verl": quiet, "schloss-holte-stukenbrock": SHS})
    code, out, _ = cli("kommunen", "list", "--format", "json", "--config", str(directory))
    assert code == 0
    rows = json.loads(out)
    assert [(r["kommune"], r["name"], r["land"], r["offene_massnahmen"], r["empfaenger"]) for r in rows] == [
        ("schloss-holte-stukenbrock", "Schloß Holte-Stukenbrock", "Nordrhein-Westfalen", 2,
         ["dm@shs.example", "it@shs.example"]),
        ("verl", "Verl", "Nordrhein-Westfalen", 2, []),
    ]
    code, out, _ = cli("kommunen", "list", "--config", str(directory))
    assert code == 0 and "Kommunen (2)" in out and "keine" in out
    code, out, _ = cli("kommunen", "check", "--config", str(directory))
    assert code == 0
    assert "verl.yaml: keine Empfänger" in " ".join(out.split()) and "In Ordnung: 2 Kommunen" in out


# -- match ------------------------------------------------------------------------------------------


def test_match_covers_every_municipality_and_names_it(cfg_dir: Path) -> None:
    code, out, _ = cli("match", "--as-of", AS_OF.isoformat(), "--format", "json", "--config", str(cfg_dir))
    assert code == 0
    pairs = {(r["kommune"], r["measure_id"], r["call_id"]) for r in json.loads(out)}
    assert ("verl", "schulen", "nrw:wlan-schule") in pairs
    assert ("schloss-holte-stukenbrock", "verwaltung", "nrw:e-akte") in pairs
    assert {k for k, _, _ in pairs} == {"verl", "schloss-holte-stukenbrock"}
    assert not any(k == "verl" and m == "verwaltung" for k, m, _ in pairs)  # Verl has no such measure

    code, out, _ = cli("match", "--as-of", AS_OF.isoformat(), "--format", "json", "--kommune", "verl",
                       "--config", str(cfg_dir))
    assert code == 0 and {r["kommune"] for r in json.loads(out)} == {"verl"}

    code, _, err = cli("match", "--kommune", "gibtsnicht", "--config", str(cfg_dir))
    assert code == 2 and "Unbekannte Kommune 'gibtsnicht'" in err and "verl" in err


def test_single_form_json_carries_the_slug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    directory = write_config_dir(tmp_path / "c", measures=VERL, toml="[digest]\nmin_score = 1\n")
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", db_url)
    store = Store(db_url)
    store.upsert_calls([make_call(*c) for c in CALLS], now=T)
    store.close()
    code, out, _ = cli("match", "--as-of", AS_OF.isoformat(), "--format", "json", "--config", str(directory))
    assert code == 0 and {r["kommune"] for r in json.loads(out)} == {"verl"}


def test_kreis_overview_lists_per_call_the_municipalities_it_fits(cfg_dir: Path, tmp_path: Path) -> None:
    page = tmp_path / "uebersicht.html"
    code, _, _ = cli("match", "--as-of", AS_OF.isoformat(), "--format", "html", "--output", str(page),
                     "--config", str(cfg_dir))
    assert code == 0
    html = page.read_text(encoding="utf-8")
    assert "Übersicht Kreis Gütersloh" in html
    gigabit = html.split('data-call="nrw:gigabit"')[1].split("</tr>")[0]
    assert 'data-kommune="verl"' in gigabit and 'data-kommune="schloss-holte-stukenbrock"' in gigabit
    wlan = html.split('data-call="nrw:wlan-schule"')[1].split("</tr>")[0]
    assert 'data-kommune="verl"' in wlan and "schloss-holte-stukenbrock" not in wlan
    assert "nrw:sport" not in html
    # the call two towns need comes before the calls only one needs
    assert html.index('data-call="nrw:gigabit"') < html.index('data-call="nrw:wlan-schule"')
    # with --kommune it is that municipality's report, as before
    code, out, _ = cli("match", "--as-of", AS_OF.isoformat(), "--format", "html", "--kommune", "verl",
                       "--config", str(cfg_dir))
    # (the digest's cards, one municipality's measures in the filter)
    assert code == 0 and '<option value="schulen">' in out and "Übersicht" not in out


# -- marks ------------------------------------------------------------------------------------------


def test_a_mark_needs_its_municipality_and_stays_there(cfg_dir: Path) -> None:
    code, _, err = cli("calls", "mark", "nrw:gigabit", "dismissed", "--measure", "breitband", "--config", str(cfg_dir))
    assert code == 2 and "Mehrere Kommunen: bitte --kommune" in err
    code, _, err = cli("calls", "mark", "nrw:e-akte", "dismissed", "--measure", "verwaltung", "--kommune", "verl",
                       "--config", str(cfg_dir))
    assert code == 2 and "Unbekannte Maßnahme 'verwaltung' (Kommune verl)" in err
    code, out, _ = cli("calls", "mark", "nrw:gigabit", "dismissed", "--measure", "breitband", "--kommune", "verl",
                       "--config", str(cfg_dir))
    assert code == 0, out

    def listed(kommune: str) -> set[str]:
        code, out, _ = cli("match", "--as-of", AS_OF.isoformat(), "--format", "json", "--kommune", kommune,
                           "--config", str(cfg_dir))
        assert code == 0
        return {r["call_id"] for r in json.loads(out) if r["measure_id"] == "breitband"}

    assert "nrw:gigabit" not in listed("verl")
    assert "nrw:gigabit" in listed("schloss-holte-stukenbrock")  # the same measure id, another town

    code, out, _ = cli("calls", "marks", "--format", "jsonl", "--config", str(cfg_dir))
    assert code == 0 and [json.loads(line)["kommune"] for line in out.splitlines()] == ["verl"]
    code, out, _ = cli("calls", "marks", "--format", "jsonl", "--kommune", "schloss-holte-stukenbrock",
                       "--config", str(cfg_dir))
    assert code == 0 and out == ""
    code, _, _ = cli("calls", "unmark", "nrw:gigabit", "--measure", "breitband", "--kommune",
                     "schloss-holte-stukenbrock", "--config", str(cfg_dir))
    assert code == 1  # nothing marked there
    code, _, _ = cli("calls", "unmark", "nrw:gigabit", "--measure", "breitband", "--kommune", "verl",
                     "--config", str(cfg_dir))
    assert code == 0 and "nrw:gigabit" in listed("verl")


# -- digest and feed --------------------------------------------------------------------------------


def test_preview_goes_to_one_folder_per_municipality(cfg_dir: Path, tmp_path: Path) -> None:
    code, out, _ = cli("digest", "--as-of", AS_OF.isoformat(), "--preview", str(tmp_path / "p"),
                       "--config", str(cfg_dir))
    assert code == 0, out
    for slug, city, own, other in (("verl", "Verl", "WLAN für Schulen", "E-Akte in der Kommunalverwaltung"),
                                   ("schloss-holte-stukenbrock", "Schloß Holte-Stukenbrock",
                                    "E-Akte in der Kommunalverwaltung", "WLAN für Schulen")):
        text = (tmp_path / "p" / slug / "digest.txt").read_text(encoding="utf-8")
        assert city in text and own in text and other not in text
        assert (tmp_path / "p" / slug / "digest.html").exists() and (tmp_path / "p" / slug / "digest.eml").exists()
    assert not (tmp_path / "p" / "digest.txt").exists()


def test_each_municipality_gets_its_own_digest_once(cfg_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with smtp_server() as server:
        _use(monkeypatch, server)
        code, out, _ = cli("digest", "--as-of", AS_OF.isoformat(), "--send", "--config", str(cfg_dir))
        assert code == 0, out
        got = {r: [m["Subject"] for m in server.inbox.to(r)] for r in
               ("digital@verl.example", "dm@shs.example", "it@shs.example")}
        assert all(len(subjects) == 1 for subjects in got.values()), got
        verl = server.inbox.to("digital@verl.example")[0].get_body(preferencelist=("plain",))
        assert verl is not None and "WLAN für Schulen" in verl.get_content()
        assert "E-Akte" not in verl.get_content()
        code, out, _ = cli("digest", "--as-of", AS_OF.isoformat(), "--send", "--config", str(cfg_dir))
        assert code == 0 and out.count("bereits versendet") == 3
        code, out, _ = cli("digest", "--as-of", AS_OF.isoformat(), "--send", "--kommune", "verl",
                           "--config", str(cfg_dir))
        assert code == 0 and out.count("bereits versendet") == 1
        assert len(server.inbox.messages) == 3


def test_sending_refuses_before_any_mail_when_a_municipality_has_no_recipient(
    cfg_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = cfg_dir / "kommunen" / "verl.yaml"
    profile.write_text(VERL.replace("digest: {recipients: [digital@verl.example]}\n", ""), encoding="utf-8")
    with smtp_server() as server:
        _use(monkeypatch, server)
        code, _, err = cli("digest", "--as-of", AS_OF.isoformat(), "--send", "--config", str(cfg_dir))
        assert code == 2 and "Keine Empfänger für verl" in err and "verl.yaml" in " ".join(err.split())
        assert server.inbox.messages == []


def test_feed_is_one_municipality(cfg_dir: Path) -> None:
    code, _, err = cli("feed", "--as-of", AS_OF.isoformat(), "--config", str(cfg_dir))
    assert code == 2 and "--kommune" in err
    code, out, _ = cli("feed", "--as-of", AS_OF.isoformat(), "--kommune", "verl", "--config", str(cfg_dir))
    assert code == 0 and "WLAN für Schulen" in out and "E-Akte" not in out


def test_jobs_read_the_calls_once_for_all_municipalities(cfg_dir: Path, db_url: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    original = jobs._valid_representatives
    monkeypatch.setattr(jobs, "_valid_representatives", lambda store: reads.append("pool") or original(store))
    store = Store(db_url)
    try:
        results = jobs.match_each(store, load_config(cfg_dir, need_portals=False), AS_OF)
    finally:
        store.close()
    assert [one.kommune for one, _ in results] == ["schloss-holte-stukenbrock", "verl"]
    assert all(found.computed for _, found in results) and reads == ["pool"]


def _use(monkeypatch: pytest.MonkeyPatch, server: SmtpServer) -> None:
    monkeypatch.setenv("FOERDERRADAR_SMTP_HOST", server.host)
    monkeypatch.setenv("FOERDERRADAR_SMTP_PORT", str(server.port))
    monkeypatch.setenv("FOERDERRADAR_MAIL_FROM", "radar@kreis.example")


def test_the_shipped_example_profiles_load(tmp_path: Path) -> None:
    """config/kommunen.example/ as its README says to use it: copied to kommunen/, measures.yaml and the
    toml's recipients removed."""
    import shutil

    project = Path(__file__).resolve().parents[1] / "config"
    directory = tmp_path / "config"
    shutil.copytree(project, directory)
    (directory / "measures.yaml").unlink()
    shutil.copytree(directory / "kommunen.example", directory / "kommunen")
    toml = directory / "foerderradar.toml"
    toml.write_text("\n".join(line for line in toml.read_text(encoding="utf-8").splitlines()
                              if not line.startswith("recipients")), encoding="utf-8")
    cfg = load_config(directory)
    assert [k.slug for k in cfg.kommunen] == ["augustdorf", "schloss-holte-stukenbrock"]
    assert {k.profile.city.kreis for k in cfg.kommunen} == {"Lippe", "Gütersloh"}
    assert all(one.settings.digest.recipients for one in cfg.each())
    code, out, _ = cli("kommunen", "check", "--config", str(directory))
    assert code == 0 and "Hinweis" not in out


def test_the_scheduled_jobs_serve_every_municipality(cfg_dir: Path, db_url: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from foerderradar.scheduler import send_digest

    with smtp_server() as server:
        _use(monkeypatch, server)
        cfg = load_config(cfg_dir, need_portals=False)
        store = Store(db_url)
        try:
            ok, summary = send_digest(cfg, store)
            again_ok, again = send_digest(cfg, store)
        finally:
            store.close()
    assert ok and "2 Kommunen, 3 Berichte versendet" in summary, summary
    assert again_ok and "0 Berichte versendet" in again
    assert sorted(str(m["To"]) for m in server.inbox.messages) == [
        "digital@verl.example", "dm@shs.example", "it@shs.example"]
