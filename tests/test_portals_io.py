"""``portals export`` / ``portals add``: the portal list round-trips through CSV, comments survive,
and every mistake is refused with a message while the file stays byte-for-byte unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.portals_io import portal_entry
from foerderradar.settings import load_portals

PROJECT_CONFIG = Path(__file__).resolve().parents[1] / "config"
HEADER = "# Portale der Stadt — von der IT gepflegt\n"


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    directory = tmp_path / "config"
    shutil.copytree(PROJECT_CONFIG, directory)
    return directory


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def empty_copy(cfg: Path, tmp_path: Path) -> Path:
    other = tmp_path / "other"
    shutil.copytree(cfg, other)
    (other / "portals.yaml").write_text(HEADER + "portals:\n", encoding="utf-8")
    return other


def test_csv_round_trip_of_the_shipped_portal_list(cfg: Path, tmp_path: Path) -> None:
    exported = CliRunner().invoke(app, ["portals", "export", "--config", str(cfg)])
    assert exported.exit_code == 0, exported.output
    csv_file = tmp_path / "portale.csv"
    csv_file.write_text(exported.stdout, encoding="utf-8")

    other = empty_copy(cfg, tmp_path)
    added = CliRunner().invoke(app, ["portals", "add", "--from-csv", str(csv_file), "--config", str(other)])
    assert added.exit_code == 0, added.output
    original = load_portals(cfg)
    assert [portal_entry(p) for p in load_portals(other)] == [portal_entry(p) for p in original]
    assert [p.model_dump() for p in load_portals(other)] == [p.model_dump() for p in original]
    again = CliRunner().invoke(app, ["portals", "export", "--config", str(other)])
    assert again.stdout == exported.stdout
    assert (other / "portals.yaml").read_text(encoding="utf-8").startswith(HEADER)
    assert (other / "portals.yaml.bak").read_text(encoding="utf-8") == HEADER + "portals:\n"


def test_yaml_export_is_a_valid_portals_file(cfg: Path, tmp_path: Path) -> None:
    exported = CliRunner().invoke(app, ["portals", "export", "--format", "yaml", "--config", str(cfg)])
    other = empty_copy(cfg, tmp_path)
    (other / "portals.yaml").write_text(exported.stdout, encoding="utf-8")
    assert [p.model_dump() for p in load_portals(other)] == [p.model_dump() for p in load_portals(cfg)]


def test_add_one_portal_keeps_comments_and_existing_entries(cfg: Path) -> None:
    before = (cfg / "portals.yaml").read_text(encoding="utf-8")
    result = CliRunner().invoke(app, [
        "portals", "add", "gigabit-feed", "--kind", "feed", "--name", "Gigabit-Nachrichten",
        "--set", "url=https://gigabit.example.org/feed.xml", "--set", "filter=[Förderaufruf, Gigabit]",
        "--set", "defaults={level: land, regions: [DE-NW]}", "--disabled", "--config", str(cfg),
    ])
    assert result.exit_code == 0, result.output
    assert "eingetragen: gigabit-feed (feed)" in result.stdout
    after = (cfg / "portals.yaml").read_text(encoding="utf-8")
    assert after.startswith(before)  # appended: every comment and entry above is untouched
    portals = {p.key: p for p in load_portals(cfg)}
    new = portals["gigabit-feed"]
    assert new.enabled is False and new.name == "Gigabit-Nachrichten"
    assert portal_entry(new)["filter"] == ["Förderaufruf", "Gigabit"]
    assert portal_entry(new)["defaults"] == {"level": "land", "regions": ["DE-NW"]}
    listed = CliRunner().invoke(app, ["portals", "list", "--config", str(cfg)], env={"FOERDERRADAR_DATABASE_URL": f"sqlite:///{cfg}/t.db"})
    assert "gigabit-feed" in listed.stdout


BAD_ADDS: list[tuple[str, list[str], list[str]]] = [
    ("duplicate key", ["foerderdatenbank", "--kind", "foerderdatenbank"], ["'foerderdatenbank' gibt es schon"]),
    ("unknown kind", ["neu", "--kind", "rss"], ["kind: 'rss' ist kein bekannter Portal-Typ"]),
    ("unknown key", ["neu", "--kind", "feed", "--set", "url=https://x.example/f", "--set", "adress=x"],
     ["adress: unbekannter Schlüssel"]),
    ("misspelt key", ["neu", "--kind", "feed", "--set", "url=https://x.example/f", "--set", "max_page=5"],
     ["portals add: Eintrag 1 (neu): max_page: unbekannter Schlüssel", "meinten Sie 'max_pages'?"]),
    ("misspelt nested key", ["neu", "--kind", "feed", "--set", "url=https://x.example/f",
                             "--set", "defaults={levle: land}"], ["defaults.levle", "meinten Sie 'level'?"]),
    ("missing required key", ["neu", "--kind", "feed"], ["url: fehlt"]),
    ("not an http url", ["neu", "--kind", "feed", "--set", "url=file:///etc/passwd"], ["url"]),
    ("bad key slug", ["Neu Portal", "--kind", "feed", "--set", "url=https://x.example/f"], ["key"]),
    ("malformed --set", ["neu", "--kind", "feed", "--set", "url"], ["SCHLÜSSEL=WERT"]),
    ("no kind", ["neu"], ["--kind"]),
]


@pytest.mark.parametrize(("case", "args", "words"), BAD_ADDS, ids=[c[0] for c in BAD_ADDS])
def test_bad_add_is_refused_and_changes_nothing(cfg: Path, case: str, args: list[str], words: list[str]) -> None:
    before = (cfg / "portals.yaml").read_bytes()
    result = CliRunner().invoke(app, ["portals", "add", *args, "--config", str(cfg)])
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.stderr, result.stderr
    assert (cfg / "portals.yaml").read_bytes() == before
    assert "Traceback" not in result.output


BAD_CSVS: list[tuple[str, str, list[str]]] = [
    ("no key column", "name,kind\nA,feed\n", ["Zeile 1", "'key'"]),
    ("bad list cell", "key,kind,url,filter\na,feed,https://x.example/f,[Breitband\n",
     ["Zeile 2 (a), Spalte D (filter)", "weder eine Liste [a, b]"]),
    ("too many cells", "key,kind\na,feed,extra\n", ["Zeile 2", "mehr Zellen"]),
    ("two rows, one bad", "key,kind,url\na,feed,https://x.example/f\nb,feed,\n",
     ["Zeile 3 (b), Spalte C (url)", "url: fehlt"]),
    ("misspelt column", "key,kind,url,max_page\na,feed,https://x.example/f,5\n",
     ["Zeile 2 (a), Spalte D (max_page)", "unbekannter Schlüssel", "meinten Sie 'max_pages'?"]),
    ("same key twice", "key,kind,url\na,feed,https://x.example/f\na,feed,https://y.example/f\n",
     ["Zeile 3 (a), Spalte A (key)", "'a' steht schon in Zeile 2"]),
]


@pytest.mark.parametrize(("case", "text", "words"), BAD_CSVS, ids=[c[0] for c in BAD_CSVS])
def test_bad_csv_is_refused_whole(cfg: Path, tmp_path: Path, case: str, text: str, words: list[str]) -> None:
    csv_file = tmp_path / "in.csv"
    csv_file.write_text(text, encoding="utf-8")
    before = (cfg / "portals.yaml").read_bytes()
    result = CliRunner().invoke(app, ["portals", "add", "--from-csv", str(csv_file), "--config", str(cfg)])
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.stderr, result.stderr
    assert (cfg / "portals.yaml").read_bytes() == before  # all or nothing: the good row is not added either


def test_flow_style_file_is_rolled_back_with_advice(cfg: Path) -> None:
    flow = "portals: [{key: a, kind: feed, url: 'https://x.example/f'}]\n"
    (cfg / "portals.yaml").write_text(flow, encoding="utf-8")
    result = CliRunner().invoke(app, [
        "portals", "add", "b", "--kind", "feed", "--set", "url=https://y.example/f", "--config", str(cfg),
    ])
    assert result.exit_code == 2
    assert "von Hand" in result.stderr
    assert (cfg / "portals.yaml").read_text(encoding="utf-8") == flow
