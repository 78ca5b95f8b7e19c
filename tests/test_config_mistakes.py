"""Every kind of mistake city IT can make in the three config files, through the real CLI.

Each row breaks one file of a copy of the shipped config in one way. Every command that reads the
file must then exit with status 2 and the German header, name the file, the entry and the field,
print no traceback — and change nothing: the config files and the database keep their bytes.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from datetime import date
from functools import reduce
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.model import FundingCall
from foerderradar.storage import Store

PROJECT_CONFIG = Path(__file__).resolve().parents[1] / "config"
FILES = ("portals.yaml", "measures.yaml", "foerderradar.toml")

Edit = Callable[[str], str]


def append(text: str) -> Edit:
    return lambda original: original.rstrip("\n") + "\n" + text


def replace(old: str, new: str) -> Edit:
    def edit(original: str) -> str:
        assert old in original, f"{old!r} is not in the shipped file"
        return original.replace(old, new, 1)

    return edit


def whole(text: str) -> Edit:
    return lambda _: text


def entry(body: str) -> Edit:
    """Append one portal entry (YAML lines below ``- key: …``, indented like the shipped file)."""
    return append("  - " + body.strip().replace("\n", "\n    ") + "\n")


FEED = "https://www.service.bund.de/Content/Globals/Functions/RSSFeed/RSSGenerator_Ausschreibungen.xml"

# (id, file, edit, fragments the message must contain)
PORTAL_MISTAKES: list[tuple[str, str, Edit, list[str]]] = [
    ("wrong type: number", "portals.yaml", replace("max_pages: 30", "max_pages: viele"),
     ["portals[H].max_pages: erwartet wird eine ganze Zahl", "'viele'"]),
    ("wrong type: switch", "portals.yaml", replace("enabled: true", "enabled: vielleicht"),
     ["portals[0].enabled: erwartet wird true oder false"]),
    ("wrong type: list", "portals.yaml", entry(f"key: bund\nkind: watch\nurls: {{url: {FEED}}}"),
     ["portals[1].urls: erwartet wird eine Liste"]),
    (
        "unknown key with hint",
        "portals.yaml",
        replace("    max_pages: 30", "    max_page: 30"),
        ["portals[H].max_page: unbekannter Schlüssel", "meinten Sie 'max_pages'?"],
    ),
    (
        "unknown key in nested list",
        "portals.yaml",
        entry(f"key: bund\nkind: watch\nurls: [{{url: {FEED}, titel: x}}]"),
        ["portals[1].urls[0].titel: unbekannter Schlüssel", "'title'"],
    ),
    (
        "unknown top-level key",
        "portals.yaml",
        replace("portals:\n", "portal:\n"),
        ["portal: unbekannter Schlüssel", "meinten Sie 'portals'?"],
    ),
    (
        "unknown kind",
        "portals.yaml",
        entry(f"key: bund\nkind: rss\nurl: {FEED}"),
        ["portals[1].kind: 'rss' ist kein bekannter Portal-Typ; möglich sind:"],
    ),
    ("missing required key", "portals.yaml", entry("key: bund\nkind: feed"), ["portals[1].url: fehlt"]),
    (
        "duplicate portal key",
        "portals.yaml",
        entry(f"key: foerderdatenbank\nkind: feed\nurl: {FEED}"),
        ["portals[1].key: 'foerderdatenbank' kommt doppelt vor"],
    ),
    (
        "key written twice in one entry",
        "portals.yaml",
        replace("    enabled: true\n", "    enabled: true\n    enabled: false\n"),
        ["Zeile ", "Schlüssel 'enabled' steht zweimal (zuerst in Zeile"],
    ),
    ("portals: written twice", "portals.yaml", append("portals: []\n"), ["Schlüssel 'portals' steht zweimal"]),
    ("key not a slug", "portals.yaml", entry(f"key: Bund Feed\nkind: feed\nurl: {FEED}"),
     ["portals[1].key: 'Bund Feed' hat nicht die erwartete Form"]),
    ("entry not a mapping", "portals.yaml", append("  - foerderdatenbank\n"),
     ["portals[1]: erwartet wird ein Abschnitt"]),
    ("list instead of mapping", "portals.yaml", whole("- key: a\n  kind: feed\n"),
     ["portals.yaml: (oberste Ebene): erwartet wird ein Abschnitt"]),
    (
        "yaml syntax: unclosed list",
        "portals.yaml",
        entry("key: bund\nkind: html\nlist_urls: [https://a.example.org/\nitem: li"),
        ["portals.yaml: Zeile ", "YAML-Syntaxfehler: Liste in [ ] nicht geschlossen"],
    ),
    ("yaml syntax: tab", "portals.yaml", append("\t- key: tab\n"), ["portals.yaml: Zeile ",
     "YAML-Syntaxfehler: Tabulatorzeichen"]),
    (
        "invalid css selector",
        "portals.yaml",
        entry("key: nrw\nkind: html\nlist_urls: https://a.example.org/\nitem: 'div.teaser['"),
        ["portals[1].item: 'div.teaser[' ist kein gültiger CSS-Selektor"],
    ),
    (
        "css selector picks text where elements are needed",
        "portals.yaml",
        entry("key: nrw\nkind: html\nlist_urls: https://a.example.org/\nitem: 'li::text'"),
        ["portals[1].item:", "muss Elemente auswählen"],
    ),
    (
        "invalid selector in a field",
        "portals.yaml",
        entry("key: nrw\nkind: html\nlist_urls: https://a.example.org/\nitem: li\nfields: {deadline: 'dd[[x'}"),
        ["portals[1].fields.deadline: 'dd[[x' ist kein gültiger CSS-Selektor"],
    ),
    (
        "invalid selector in watch ignore",
        "portals.yaml",
        entry("key: w\nkind: watch\nurls: https://a.example.org/p\nignore: ['.x', 'p:nth(']"),
        ["portals[1].ignore[1]:", "ist kein gültiger CSS-Selektor"],
    ),
    (
        "bad json path",
        "portals.yaml",
        entry("key: api\nkind: json\nurl: https://api.example.org/c\nitems: data..results"),
        ["portals[1].items: 'data..results' ist kein Punkt-Pfad"],
    ),
    (
        "bad json path in fields",
        "portals.yaml",
        entry("key: api\nkind: json\nurl: https://api.example.org/c\nitems: data\nfields: {title: ' meta.title'}"),
        ["portals[1].fields.title:", "Punkt-Pfad"],
    ),
    (
        "unknown feed element",
        "portals.yaml",
        entry(f"key: bund\nkind: feed\nurl: {FEED}\nfields: {{title: headline}}"),
        ["portals[1].fields.title: 'headline' ist kein Feed-Element"],
    ),
    (
        "csv without url or file",
        "portals.yaml",
        entry("key: tabelle\nkind: csv\nfields: {title: Titel}"),
        ["portals[1]: url (eine http(s)-Adresse) oder file (ein Pfad zur CSV-Datei) angeben"],
    ),
    (
        "csv with a file url",
        "portals.yaml",
        entry("key: tabelle\nkind: csv\nfile: file:///etc/passwd"),
        ["portals[1].file: 'file:///etc/passwd' ist eine Adresse; file erwartet einen Pfad"],
    ),
    (
        "csv delimiter",
        "portals.yaml",
        entry("key: tabelle\nkind: csv\nurl: https://daten.example.org/p.csv\ndelimiter: ';;'"),
        ["portals[1].delimiter: ';;' ist kein Trennzeichen"],
    ),
    (
        "csv private url",
        "portals.yaml",
        entry("key: tabelle\nkind: csv\nurl: http://fileserver.local/export.csv"),
        ["portals[1].url:", "nicht im öffentlichen Internet"],
    ),
    (
        "file url",
        "portals.yaml",
        entry("key: bund\nkind: feed\nurl: file:///etc/passwd"),
        ["portals[1].url: 'file:///etc/passwd' ist keine http(s)-Adresse"],
    ),
    (
        "ftp url",
        "portals.yaml",
        entry("key: bund\nkind: feed\nurl: ftp://ftp.example.org/feed.xml"),
        ["portals[1].url:"],
    ),
    (
        "data url",
        "portals.yaml",
        entry("key: bund\nkind: watch\nurls: ['data:text/html,<h1>x</h1>']"),
        ["portals[1].urls[0].url:"],
    ),
    ("url without host", "portals.yaml", entry("key: bund\nkind: feed\nurl: 'https:///feed.xml'"), ["portals[1].url:"]),
    (
        "url with empty host after user",
        "portals.yaml",
        entry("key: bund\nkind: feed\nurl: 'https://it@/feed.xml'"),
        ["portals[1].url:", "keinen Rechnernamen"],
    ),
    (
        "url with a space in the host",
        "portals.yaml",
        entry("key: bund\nkind: feed\nurl: 'https://service bund.de/f'"),
        ["portals[1].url:", "kein gültiger Rechnername"],
    ),
    (
        "port out of range",
        "portals.yaml",
        entry("key: bund\nkind: feed\nurl: 'https://service.bund.de:444444/f'"),
        ["portals[1].url:", "keine gültige Adresse"],
    ),
    (
        "private address",
        "portals.yaml",
        entry("key: nas\nkind: feed\nurl: http://192.168.178.20/feed.xml"),
        ["portals[1].url:", "nicht im öffentlichen Internet", "allow_private_network: true"],
    ),
    (
        "cloud metadata",
        "portals.yaml",
        entry("key: meta\nkind: watch\nurls: [http://169.254.169.254/latest/meta-data/]"),
        ["portals[1].urls[0].url:", "Cloud-Metadaten"],
    ),
    (
        "localhost as portal url",
        "portals.yaml",
        replace("    start_urls:\n", "    start_urls:\n      - http://localhost:8080/suche\n"),
        ["portals[H].start_urls[0]:", "localhost"],
    ),
    (
        "private base_url",
        "portals.yaml",
        replace("    max_pages: 30", "    max_pages: 30\n    base_url: http://10.0.0.8"),
        ["portals[H].base_url:", "allow_private_network"],
    ),
    (
        "not utf-8",
        "portals.yaml",
        lambda t: t.replace("Förderdatenbank des Bundes\n", "F\xf6rderdatenbank\n"),
        ["portals.yaml: kann nicht gelesen werden: kein UTF-8", "als UTF-8 speichern"],
    ),
]

MEASURE_MISTAKES: list[tuple[str, str, Edit, list[str]]] = [
    (
        "status not in vocabulary",
        "measures.yaml",
        replace("status: open", "status: ofen"),
        ["measures[0].status: 'ofen' ist nicht erlaubt; möglich sind: offen, geplant, erledigt, open, planned, done; "
         "meinten Sie 'offen'?"],
    ),
    (
        "unknown key with hint",
        "measures.yaml",
        replace("    keywords: [Digitalstrategie", "    keyword: [Digitalstrategie"),
        ["measures[0].keyword: unbekannter Schlüssel", "meinten Sie 'keywords'?"],
    ),
    ("duplicate measure id", "measures.yaml", replace("id: breitband", "id: schulen"), ["kommt doppelt vor"]),
    (
        "key written twice",
        "measures.yaml",
        replace("  region: DE-NW\n", "  region: DE-NW\n  region: DE-BY\n"),
        ["Schlüssel 'region' steht zweimal"],
    ),
    (
        "wrong type: keywords as text",
        "measures.yaml",
        replace(
            "    keywords: [Digitalstrategie, Digitalisierungsstrategie, Roadmap, Strategieberatung, Smart City]",
            "    keywords: Digitalstrategie",
        ),
        ["measures[0].keywords: erwartet wird eine Liste"],
    ),
    (
        "applicant type not in vocabulary",
        "measures.yaml",
        replace("[kommune, schultraeger]", "[gemeinde]"),
        ["city.applicant_types: 'gemeinde' ist kein bekannter Antragstellertyp"],
    ),
    ("empty file", "measures.yaml", whole(""), ["measures.yaml: city: fehlt"]),
    (
        "yaml syntax",
        "measures.yaml",
        whole("city:\n  name: [Bielefeld\nmeasures: []\n"),
        ["measures.yaml: Zeile 3", "YAML-Syntaxfehler"],
    ),
]

TOML_MISTAKES: list[tuple[str, str, Edit, list[str]]] = [
    (
        "not utf-8",
        "foerderradar.toml",
        lambda t: t.replace('"Europe/Berlin"', '"Europe/Berlin" # Zeitzone für Gütersloh'),
        ["foerderradar.toml: kann nicht gelesen werden", "UTF-8"],
    ),
    ("toml syntax", "foerderradar.toml", append("[crawler\n"), ["foerderradar.toml: Zeile ", "TOML-Syntaxfehler"]),
    (
        "unknown key with hint",
        "foerderradar.toml",
        replace("[feeds]\n", "[feeds]\nprot = 8080\n"),
        ["feeds.prot: unbekannter Schlüssel", "meinten Sie 'port'?"],
    ),
    ("unknown section", "foerderradar.toml", append('[crawlr]\ncontact = "x"\n'), ["crawlr: unbekannter Schlüssel",
     "'crawler'"]),
    ("wrong type", "foerderradar.toml", replace("port = 0\n", 'port = "achtzig"\n'),
     ["feeds.port: erwartet wird eine ganze Zahl"]),
    ("out of range", "foerderradar.toml", replace("port = 0\n", "port = 70000\n"),
     ["feeds.port: darf höchstens 65535 sein"]),
    (
        "password in file",
        "foerderradar.toml",
        replace("[mail]\n", '[mail]\npassword = "geheim"\n'),
        ["mail.password: Passwörter werden nicht aus Konfigurationsdateien gelesen", "FOERDERRADAR_SMTP_PASSWORD"],
    ),
    (
        "bad cron",
        "foerderradar.toml",
        replace('crawl = "0 6 * * *"', 'crawl = "täglich"'),
        ["schedule.crawl: 'täglich' ist kein Cron-Ausdruck", "1 statt 5 Feldern"],
    ),
    (
        "unknown time zone",
        "foerderradar.toml",
        replace('"Europe/Berlin"', '"Europe/Bielefeld"'),
        ["schedule.timezone: 'Europe/Bielefeld' ist keine bekannte Zeitzone"],
    ),
    (
        "list expected",
        "foerderradar.toml",
        replace("alert_to = []", 'alert_to = "it@kommune.de"'),
        ["health.alert_to: erwartet wird eine Liste"],
    ),
]

# An appended entry comes after the shipped ones: "portals[1]" above stands for its position;
# "portals[H]" for the shipped HTML route of the Förderdatenbank (the entry with start_urls, max_pages).
_SHIPPED_ENTRIES = yaml.safe_load((PROJECT_CONFIG / "portals.yaml").read_text(encoding="utf-8"))["portals"]
SHIPPED = len(_SHIPPED_ENTRIES)
HTML_ENTRY = next(i for i, e in enumerate(_SHIPPED_ENTRIES) if e["kind"] == "foerderdatenbank")
PLACES = {"portals[1]": f"portals[{SHIPPED}]", "portals[H]": f"portals[{HTML_ENTRY}]"}
PORTAL_MISTAKES = [
    (case, name, edit, [reduce(lambda f, p: f.replace(p, PLACES[p]), PLACES, f) for f in fragments])
    for case, name, edit, fragments in PORTAL_MISTAKES
]
ALL = PORTAL_MISTAKES + MEASURE_MISTAKES + TOML_MISTAKES
# Commands and the files they read: match does not need portals.yaml.
COMMANDS = {
    "portals list": (["portals", "list"], FILES),
    "crawl": (["crawl"], FILES),
    "match": (["match", "--as-of", "2026-12-01"], ("measures.yaml", "foerderradar.toml")),
    "portals add": (["portals", "add", "neu", "--kind", "feed", "--set", f"url={FEED}"], FILES),
}


def digest_of(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    config = tmp_path / "config"
    shutil.copytree(PROJECT_CONFIG, config)
    db = tmp_path / "foerderradar.db"
    store = Store(f"sqlite:///{db}")
    store.upsert_call(
        FundingCall(
            source="foerderdatenbank",
            source_id="a",
            url="https://www.foerderdatenbank.de/a",
            title="Breitbandausbau in Gewerbegebieten",
            deadline=date(2027, 3, 31),
        )
    )
    store.close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", f"sqlite:///{db}")
    for name in ("FOERDERRADAR_CONFIG", "FOERDERRADAR_SMTP_HOST", "FOERDERRADAR_SMTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    return config, tmp_path


def test_the_shipped_config_passes_every_command_used_here(env: tuple[Path, Path]) -> None:
    """The control: without a mistake, the commands below get past loading the config."""
    config, _ = env
    result = CliRunner().invoke(app, ["portals", "list", "--config", str(config)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["match", "--as-of", "2026-12-01", "--config", str(config)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("case", "name", "edit", "fragments"), ALL, ids=[row[0] for row in ALL])
def test_config_mistake_is_named_and_changes_nothing(
    env: tuple[Path, Path], case: str, name: str, edit: Edit, fragments: list[str]
) -> None:
    config, root = env
    path = config / name
    encoding = "latin-1" if case == "not utf-8" else "utf-8"  # Windows editors still save Latin-1
    path.write_bytes(edit(path.read_text(encoding="utf-8")).encode(encoding, errors="replace"))
    before = {**digest_of(config), **{f"root/{k}": v for k, v in digest_of(root).items()}}
    ran = 0
    for command, (argv, reads) in COMMANDS.items():
        if name not in reads:
            continue
        ran += 1
        result = CliRunner().invoke(app, [*argv, "--config", str(config)])
        output = result.output
        assert result.exit_code == 2, f"{command}: {output}"
        assert isinstance(result.exception, SystemExit), f"{command}: {result.exception!r}"
        assert "Traceback" not in output
        assert "Konfigurationsfehler" in output, output
        assert str(path) in output, output  # the file, by its full path
        for fragment in fragments:
            assert fragment in output.replace("\n  ", " ").replace("\n", " "), f"{command}: {fragment!r} in {output}"
        after = {**digest_of(config), **{f"root/{k}": v for k, v in digest_of(root).items()}}
        assert after == before, f"{command} changed files"
    assert ran >= 2


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        (["url=http://192.168.0.5/feed.xml"], "portals add: Eintrag 1 (nas): url: "),
        (["url=http://192.168.0.5/feed.xml", "allow_private_network=true"], None),
    ],
)
def test_portals_add_applies_the_network_policy(
    env: tuple[Path, Path], settings: list[str], fragment: str | None
) -> None:
    config, _ = env
    before = digest_of(config)
    argv = ["portals", "add", "nas", "--kind", "feed", "--config", str(config)]
    result = CliRunner().invoke(app, [*argv, *(x for s in settings for x in ("--set", s))])
    if fragment is None:
        assert result.exit_code == 0, result.output
        assert "allow_private_network: true" in (config / "portals.yaml").read_text(encoding="utf-8")
        return
    assert result.exit_code == 2, result.output
    assert fragment in result.output and "allow_private_network: true" in result.output
    assert digest_of(config) == before
