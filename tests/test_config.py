"""Config files city IT edits: valid examples load, every mistake names file, entry and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from foerderradar.settings import ConfigError, load_app_settings, load_config

PROJECT_CONFIG = Path(__file__).resolve().parents[1] / "config"


@pytest.fixture
def cfg_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(PROJECT_CONFIG, target)
    return target


def _edit_yaml(path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_shipped_examples_are_valid() -> None:
    cfg = load_config(PROJECT_CONFIG)
    assert cfg.measures.city.region == "DE-NW"
    assert [m.id for m in cfg.measures.measures] == [
        "digitalstrategie", "verwaltung-prozesse", "e-government", "breitband",
        "schulen", "einrichtungen", "interkommunal",
    ]
    assert [p.key for p in cfg.portals if p.enabled] == ["foerderdatenbank", "eu"]
    assert cfg.settings.schedule.timezone == "Europe/Berlin"


MEASURE_MISTAKES = [
    # (edit, expected message fragment)
    (lambda d: d["measures"][3].update(status="aktiv"),
     "measures.yaml: measures[3].status: 'aktiv' ist nicht erlaubt; möglich sind: offen, geplant, erledigt, open, "
     "planned, done"),
    (lambda d: d["measures"][0].update(colour="blue"), "measures.yaml: measures[0].colour: unbekannter Schlüssel"),
    (lambda d: d["measures"][1].pop("title"), "measures.yaml: measures[1].title: fehlt"),
    (lambda d: d["measures"][2].update(id="E Government"), "measures.yaml: measures[2].id:"),
    (lambda d: d["measures"][4].update(id="breitband"), "measures[4].id: 'breitband' kommt doppelt vor"),
    (lambda d: d["city"].update(applicant_types=["gemeinde"]),
     "measures.yaml: city.applicant_types: 'gemeinde' ist kein bekannter Antragstellertyp; möglich sind: kommune"),
    (lambda d: d["city"].update(region="NRW"), "measures.yaml: city.region:"),
    (lambda d: d["measures"][0].update(owner="not-an-address"), "measures.yaml: measures[0].owner:"),
    (lambda d: d["measures"][0].update(keywords="Glasfaser"), "measures.yaml: measures[0].keywords:"),
    (lambda d: d.pop("city"), "measures.yaml: city: fehlt"),
]


@pytest.mark.parametrize(("edit", "expected"), MEASURE_MISTAKES)
def test_measure_mistakes_are_named(cfg_dir: Path, edit, expected: str) -> None:  # type: ignore[no-untyped-def]
    _edit_yaml(cfg_dir / "measures.yaml", edit)
    with pytest.raises(ConfigError) as info:
        load_config(cfg_dir)
    assert any(expected in p for p in info.value.problems), info.value.problems


PORTAL_MISTAKES = [
    (lambda d: d["portals"][0].update(kind="rss"),
     "portals.yaml: portals[0].kind: 'rss' ist kein bekannter Portal-Typ"),
    (lambda d: d["portals"][0].pop("kind"), "portals.yaml: portals[0].kind: fehlt; möglich sind: csv, eu_sedia"),
    (lambda d: d["portals"][0].update(start_url="x"), "portals.yaml: portals[0].start_url: unbekannter Schlüssel"),
    (lambda d: d["portals"][0].update(base_url="ftp://mirror"), "portals.yaml: portals[0].base_url:"),
    (lambda d: d["portals"][0].update(start_urls=["file:///etc/passwd"]), "portals[0].start_urls:"),
    (lambda d: d["portals"][0].update(max_pages="viele"), "portals.yaml: portals[0].max_pages:"),
    (lambda d: d["portals"].append(dict(d["portals"][0])), "].key: 'foerderdatenbank' kommt doppelt vor"),
]


@pytest.mark.parametrize(("edit", "expected"), PORTAL_MISTAKES)
def test_portal_mistakes_are_named(cfg_dir: Path, edit, expected: str) -> None:  # type: ignore[no-untyped-def]
    _edit_yaml(cfg_dir / "portals.yaml", edit)
    with pytest.raises(ConfigError) as info:
        load_config(cfg_dir)
    assert any(expected in p for p in info.value.problems), info.value.problems


def test_yaml_syntax_error_names_line(cfg_dir: Path) -> None:
    (cfg_dir / "measures.yaml").write_text("city:\n  name: [unclosed\nmeasures: []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(cfg_dir)
    assert "measures.yaml: Zeile 3" in info.value.problems[0]
    assert "YAML-Syntaxfehler: Liste in [ ] nicht geschlossen" in info.value.problems[0]


def test_problems_of_all_files_are_reported_together(cfg_dir: Path) -> None:
    _edit_yaml(cfg_dir / "measures.yaml", lambda d: d["measures"][0].update(status="x"))
    _edit_yaml(cfg_dir / "portals.yaml", lambda d: d["portals"][0].update(kind="x"))
    with pytest.raises(ConfigError) as info:
        load_config(cfg_dir)
    assert len(info.value.problems) == 2


def test_missing_directory_and_file(tmp_path: Path, cfg_dir: Path) -> None:
    with pytest.raises(ConfigError, match="Konfigurationsordner nicht gefunden"):
        load_config(tmp_path / "nope")
    (cfg_dir / "portals.yaml").unlink()
    with pytest.raises(ConfigError, match=r"portals\.yaml: Datei nicht gefunden"):
        load_config(cfg_dir)


def test_password_in_toml_is_refused(cfg_dir: Path) -> None:
    toml = cfg_dir / "foerderradar.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("[mail]\n", '[mail]\npassword = "x"\n'))
    with pytest.raises(ConfigError, match="FOERDERRADAR_SMTP_PASSWORD"):
        load_app_settings(cfg_dir, env={})


ENV_CASES = [
    ({"FOERDERRADAR_SMTP_HOST": "smtp.example.org"}, "host", "smtp.example.org"),
    ({"FOERDERRADAR_SMTP_PORT": "587"}, "port", 587),
    ({"FOERDERRADAR_SMTP_STARTTLS": "true"}, "starttls", True),
    ({"FOERDERRADAR_SMTP_PASSWORD": "geheim"}, "password", "geheim"),
    ({"FOERDERRADAR_MAIL_FROM": "a@b.de"}, "mail_from", "a@b.de"),
    ({}, "port", 1025),  # from the TOML
]


@pytest.mark.parametrize(("env", "attr", "expected"), ENV_CASES)
def test_environment_overrides_mail_settings(cfg_dir: Path, env: dict[str, str], attr: str, expected) -> None:  # type: ignore[no-untyped-def]
    assert getattr(load_app_settings(cfg_dir, env=env).mail, attr) == expected


def test_bad_env_value_names_the_field(cfg_dir: Path) -> None:
    with pytest.raises(ConfigError, match=r"foerderradar\.toml: mail\.port"):
        load_app_settings(cfg_dir, env={"FOERDERRADAR_SMTP_PORT": "smtp"})


WEB_ENV_CASES = [
    ({"FOERDERRADAR_WEB_ENABLED": "true"}, "enabled", True),
    ({"FOERDERRADAR_WEB_HOST": "0.0.0.0"}, "host", "0.0.0.0"),
    ({"FOERDERRADAR_WEB_PORT": "9000"}, "port", 9000),
    ({"FOERDERRADAR_WEB_BASE_URL": "https://radar.kreis.example/"}, "base_url", "https://radar.kreis.example"),
    ({"FOERDERRADAR_WEB_ENABLED": ""}, "enabled", False),  # empty: the TOML's value, as for [mail]
    ({}, "port", 8080),  # from the TOML
]


@pytest.mark.parametrize(("env", "attr", "expected"), WEB_ENV_CASES)
def test_environment_overrides_web_settings(cfg_dir: Path, env: dict[str, str], attr: str, expected) -> None:  # type: ignore[no-untyped-def]
    """docker-compose.yml serves the web app from the shipped config: [web] from the environment."""
    assert getattr(load_app_settings(cfg_dir, env=env).web, attr) == expected


def test_bad_web_env_value_names_the_field(cfg_dir: Path) -> None:
    with pytest.raises(ConfigError, match=r"foerderradar\.toml: web\.base_url: 'radar\.kreis' ist keine Adresse"):
        load_app_settings(cfg_dir, env={"FOERDERRADAR_WEB_BASE_URL": "radar.kreis"})


SCHEDULE_MISTAKES = [
    ('crawl = "jeden Tag"', "schedule.crawl: 'jeden Tag' ist kein Cron-Ausdruck wie '0 7 * * mon'"),
    ('digest = "0 25 * * mon"', "schedule.digest: '0 25 * * mon' ist kein Cron-Ausdruck"),
    ('timezone = "Europe/Bielefeld"', "schedule.timezone: 'Europe/Bielefeld' ist keine bekannte Zeitzone"),
]


@pytest.mark.parametrize(("line", "expected"), SCHEDULE_MISTAKES)
def test_schedule_mistakes_are_named(cfg_dir: Path, line: str, expected: str) -> None:
    toml = cfg_dir / "foerderradar.toml"
    key = line.split(" =")[0]
    text = "\n".join(x for x in toml.read_text(encoding="utf-8").splitlines() if not x.startswith(f"{key} ="))
    toml.write_text(text.replace("[schedule]", f"[schedule]\n{line}"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_app_settings(cfg_dir, env={})
    assert any(expected in p for p in info.value.problems), info.value.problems
