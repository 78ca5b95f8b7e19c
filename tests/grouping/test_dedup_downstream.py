"""A programme found on two portals, downstream: matched once, and the match report and the digest
show it once with a link to each portal."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from foerderradar.cli import app
from foerderradar.crawler.entry.base import PortalBase
from foerderradar.grouping import regroup
from foerderradar.jobs import run_digest
from foerderradar.matcher import match_calls, render_report
from foerderradar.model import CallSource, FundingCall, Match
from foerderradar.notifier.digest import build_digest, group_state
from foerderradar.notifier.render import render_html, render_text
from foerderradar.settings import AppSettings, Config, MeasuresFile
from foerderradar.storage import Store, record_to_call
from foerderradar.storage.tables import CallRecord

AS_OF = date(2026, 11, 23)
LAST_DIGEST = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
LONG_AGO = LAST_DIGEST - timedelta(days=60)
MUENSTER_URL = "https://www.bezreg-muenster.de/de/foerderungen/breitband-kofinanzierung-bund/index.html"
FDB_URL = ("https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/Land/Nordrhein-Westfalen/"
           "kofinanzierung-gigabit.html")

COMMON: dict[str, Any] = {
    "level": "land", "regions": ["DE-NW"], "funding_type": ["zuschuss"], "applicants": ["kommune"],
    "deadline": "2027-03-31",
}
FDB = FundingCall.model_validate({
    **COMMON, "source": "foerderdatenbank", "source_id": "Land/Nordrhein-Westfalen/kofinanzierung-gigabit",
    "url": FDB_URL, "title": "Kofinanzierung der Gigabitförderung des Bundes (NRW)",
    "summary": "Das Land NRW kofinanziert den Glasfaserausbau nach der Gigabit-Richtlinie des Bundes.",
})
MUENSTER = FundingCall.model_validate({
    **COMMON, "source": "bezreg-muenster", "source_id": "breitband-kofinanzierung-bund", "url": MUENSTER_URL,
    "title": "Breitband Kofinanzierung Bund", "funding_rate_pct": 40,
    "summary": "Kofinanzierung des Glasfaserausbaus in Gewerbegebieten und unterversorgten Gebieten.",
})
UNRELATED = FundingCall.model_validate({
    **COMMON, "source": "foerderdatenbank", "source_id": "Land/Nordrhein-Westfalen/wlan-schulen",
    "url": "https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/Land/Nordrhein-Westfalen/wlan.html",
    "title": "WLAN für Schulen", "summary": "Zuschuss für WLAN in Schulgebäuden.",
})


def measures() -> MeasuresFile:
    return MeasuresFile.model_validate({
        "city": {"name": "Schloß Holte-Stukenbrock", "region": "DE-NW", "applicant_types": ["kommune"]},
        "measures": [{"id": "glasfaser", "title": "Glasfaser für das Gewerbegebiet",
                      "description": "Glasfaserausbau im Gewerbegebiet mit Förderung von Bund und Land"}],
    })


def config(tmp_path: Path) -> Config:
    portals = [PortalBase(key="bezreg-muenster", kind="watch", name="Bezirksregierung Münster"),
               PortalBase(key="foerderdatenbank", kind="foerderdatenbank", name="Förderdatenbank")]
    return Config(directory=tmp_path, measures=measures(), portals=portals, settings=AppSettings())


def sources() -> dict[str, tuple[CallSource, ...]]:
    """What Store.sources() gives once the Münster page represents the programme."""
    return {MUENSTER.id: (CallSource.of(MUENSTER), CallSource.of(FDB))}


def grouped_match() -> Match:
    [m] = match_calls([MUENSTER, UNRELATED], measures(), AS_OF, sources=sources())
    return m


def test_the_matcher_scores_the_programme_once_with_both_pages() -> None:
    m = grouped_match()
    assert m.call_id == MUENSTER.id
    assert [s.url for s in m.sources] == [MUENSTER_URL, FDB_URL]
    assert [s.source for s in m.other_sources] == ["foerderdatenbank"]
    assert m.to_json()["sources"][1] == {"call_id": FDB.id, "source": "foerderdatenbank", "url": FDB_URL,
                                         "title": FDB.title}


def test_a_single_page_programme_lists_its_own_page() -> None:
    [m] = match_calls([FDB], measures(), AS_OF)
    assert m.sources == (CallSource.of(FDB),) and m.other_sources == ()


def test_two_routes_to_one_page_give_no_auch_bei_link_to_the_same_address() -> None:
    """The Förderdatenbank's export and its HTML pages name the same site page: one link, not two."""
    html_route = FDB.model_copy(update={"source": "foerderdatenbank-html", "title": "Gigabit-Kofinanzierung NRW"})
    grouped = {FDB.id: (CallSource.of(FDB), CallSource.of(html_route), CallSource.of(MUENSTER))}
    [m] = match_calls([FDB], measures(), AS_OF, sources=grouped)
    assert [s.source for s in m.other_sources] == ["foerderdatenbank-html", "bezreg-muenster"]
    assert [s.source for s in m.other_pages] == ["bezreg-muenster"]  # the same address is not linked again
    for fmt in ("table", "md", "html"):
        text = render_report([m], fmt)
        assert "foerderdatenbank-html" not in text and MUENSTER_URL in text


@pytest.mark.parametrize("fmt", ["table", "md", "html", "csv", "json"])
def test_every_report_format_shows_the_programme_once_with_both_portals(fmt: str) -> None:
    text = render_report([grouped_match()], fmt)
    assert text.count(MUENSTER.title) == (2 if fmt == "json" else 1)  # JSON: the row, and its first source
    assert FDB.title not in text or fmt == "json"
    assert MUENSTER_URL in text and FDB_URL in text
    if fmt == "html":
        assert f'<a href="{FDB_URL}" rel="noopener noreferrer">foerderdatenbank</a>' in text
    if fmt == "md":
        assert f"auch bei [foerderdatenbank](<{FDB_URL}>)" in text
    if fmt == "table":
        assert f"auch bei foerderdatenbank: {FDB_URL}" in text
    if fmt == "csv":
        [row] = csv.DictReader(io.StringIO(text))
        assert row["sources"] == f"{MUENSTER_URL} | {FDB_URL}"
    if fmt == "json":
        [row] = json.loads(text)
        assert [s["source"] for s in row["sources"]] == ["bezreg-muenster", "foerderdatenbank"]


def test_other_sources_with_hostile_urls_are_not_linked() -> None:
    hostile = Match("glasfaser", "a:1", "Titel", "https://example.org/a", 50, True, None, "open", [],
                    sources=(CallSource("a:1", "a", "https://example.org/a", "Titel"),
                             CallSource("b:1", "b", "javascript:alert(1)", "<script>")))
    html = render_report([hostile], "html")
    assert 'href="javascript' not in html and "<script>alert" not in html and "auch bei b</div>" in html
    md = render_report([hostile], "md")
    assert "javascript:" not in md and "auch bei b)" in md


def record(call: FundingCall, first_seen: datetime, version: int = 1, changed_at: datetime | None = None) -> CallRecord:
    return CallRecord(id=call.id, **call.model_dump(), first_seen=first_seen, last_seen=first_seen,
                      changed_at=changed_at or first_seen, content_hash="0" * 64, version=version)


def test_the_digest_lists_the_programme_once_with_a_link_to_each_portal(tmp_path: Path) -> None:
    this_week = LAST_DIGEST + timedelta(days=1)  # new: shown as a card
    records = {MUENSTER.id: record(MUENSTER, this_week), FDB.id: record(FDB, this_week)}
    digest = build_digest(config(tmp_path), records, [grouped_match()], AS_OF, LAST_DIGEST)
    [section] = digest.sections
    [item] = section.items
    assert [(link.label, link.url) for link in item.also] == [("Förderdatenbank", FDB_URL)]
    html, text = render_html(digest), render_text(digest)
    # One card (the "Diese Woche" box may name it, without a link).
    assert html.count(f">{MUENSTER.title}</a>") == 1 and text.count(f"] {MUENSTER.title}\n") == 1
    assert f'<a href="{MUENSTER_URL}"' in html and f'<a href="{FDB_URL}"' in html
    assert "auch bei Förderdatenbank</a>" in html
    assert f"Auch bei Förderdatenbank: {FDB_URL}" in text


def test_a_second_portal_listing_a_known_programme_does_not_make_it_new(tmp_path: Path) -> None:
    # The Förderdatenbank entry is old; the Münster page (now the representative) appeared this week.
    records = {MUENSTER.id: record(MUENSTER, LAST_DIGEST + timedelta(days=2)), FDB.id: record(FDB, LONG_AGO)}
    digest = build_digest(config(tmp_path), records, [grouped_match()], AS_OF, LAST_DIGEST)
    [item] = digest.sections[0].items
    assert item.state == "existing" and digest.new_count == 0


@pytest.mark.parametrize(
    ("first_seen", "changed", "expected"),
    [
        ((LAST_DIGEST + timedelta(days=1), LAST_DIGEST + timedelta(days=2)), None, "new"),
        ((LONG_AGO, LAST_DIGEST + timedelta(days=2)), None, "existing"),
        ((LONG_AGO, LONG_AGO), 1, "changed"),  # the second page was amended since the last digest
        ((LONG_AGO, LONG_AGO), None, "existing"),
    ],
)
def test_group_state(first_seen: tuple[datetime, datetime], changed: int | None, expected: str) -> None:
    pages = [record(MUENSTER, first_seen[0]), record(FDB, first_seen[1])]
    if changed is not None:
        pages[changed] = record(FDB, first_seen[1], version=2, changed_at=LAST_DIGEST + timedelta(days=1))
    assert group_state(pages, LAST_DIGEST) == expected


def test_details_the_representative_lacks_come_from_the_other_page(tmp_path: Path) -> None:
    bare = MUENSTER.model_copy(update={"funding_rate_pct": None})
    rich = FDB.model_copy(update={"funding_rate_pct": 40.0, "funding_body": "Land NRW"})
    records = {bare.id: record(bare, LONG_AGO), rich.id: record(rich, LONG_AGO)}
    [item] = build_digest(config(tmp_path), records, [grouped_match()], AS_OF, LAST_DIGEST).sections[0].items
    assert (item.funding_rate_pct, item.funding_body) == (40.0, "Land NRW")


def test_from_the_store_to_the_digest_with_the_real_matcher(tmp_path: Path, store: Store) -> None:
    """Crawled calls → regroup → digest preview: one entry, both portals linked, and `match` agrees."""
    store.upsert_calls([FDB, MUENSTER, UNRELATED])
    assert regroup(store).groups == 1
    outcome = run_digest(store, config(tmp_path), AS_OF, preview_dir=tmp_path / "out")
    html = (tmp_path / "out" / "digest.html").read_text(encoding="utf-8")
    text = (tmp_path / "out" / "digest.txt").read_text(encoding="utf-8")
    lead = store.get_call(FDB.id)
    assert lead is not None
    representative = MUENSTER if lead.duplicate_of == MUENSTER.id else FDB
    other = FDB if representative is MUENSTER else MUENSTER
    assert html.count(f'href="{representative.url}"') == 1 and html.count(f'href="{other.url}"') == 1
    assert text.count(f"] {representative.title}\n") == 1 and other.title not in text
    assert outcome.summary.startswith("1 neuer passender Förderaufruf")
    calls = [record_to_call(r) for r in store.iter_calls(representatives_only=True)]
    assert len(match_calls(calls, measures(), AS_OF, sources=store.sources())) == 1


def test_cli_import_groups_and_regroup_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               sqlite_url: str) -> None:
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", sqlite_url)
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(c.model_dump_json() for c in (FDB, MUENSTER, UNRELATED)) + "\n", encoding="utf-8")
    imported = CliRunner().invoke(app, ["calls", "import", str(path)])
    assert imported.exit_code == 0, imported.output
    assert "1 Förderprogramme auf mehreren Portalen gefunden; 1 Einträge werden jeweils nur einmal gezeigt" in (
        " ".join(imported.stdout.split())
    )
    again = CliRunner().invoke(app, ["calls", "regroup"])
    assert again.exit_code == 0
    assert "1 Förderprogramme auf mehreren Portalen, 1 zusammengeführte Einträge, 0 Zuordnungen geändert" in (
        " ".join(again.stdout.split())
    )
