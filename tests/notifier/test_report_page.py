"""The match report as a page (notifier/report.py): the digest's cards over every verdict."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from foerderradar.model import Match
from foerderradar.notifier.report import NEW_DAYS, build_report, date_line, render_report_page
from foerderradar.settings import AppSettings, Config, DigestSettings, MeasuresFile
from foerderradar.storage.tables import CallRecord

AS_OF = date(2026, 12, 5)


def config(tmp_path: Path) -> Config:
    measures = MeasuresFile.model_validate({
        "city": {"name": "Teststadt", "region": "DE-NW", "applicant_types": ["kommune"]},
        "measures": [{"id": "wlan", "title": "WLAN in Schulen"}],
    })
    return Config(tmp_path, measures, [], AppSettings(digest=DigestSettings(max_per_measure=2)))


def test_every_verdict_is_a_full_card_and_new_means_this_week(tmp_path: Path) -> None:
    first_seen = {  # days before AS_OF
        "t:0": 1, "t:1": NEW_DAYS - 1, "t:2": NEW_DAYS + 1, "t:3": 60, "t:4": 90,
    }
    records, matches = {}, []
    for i, (cid, days) in enumerate(first_seen.items()):
        seen = datetime.combine(AS_OF, datetime.min.time(), UTC) - timedelta(days=days)
        records[cid] = CallRecord(id=cid, source="t", source_id=cid, url=f"https://example.org/{i}",
                                  title=f"Aufruf {i}", first_seen=seen, last_seen=seen, changed_at=seen,
                                  content_hash="0" * 64, version=1)
        matches.append(Match("wlan", cid, f"Aufruf {i}", f"https://example.org/{i}", 90 - 15 * i, i != 4,
                             None, "open", ["Treffer im Titel: WLAN"]))
    report = build_report(config(tmp_path), records, matches, AS_OF)

    # no cap (the digest's max_per_measure is 2), every band, known ones too
    assert [c.call_id for c in report.cards] == ["t:0", "t:1", "t:2", "t:3", "t:4"]
    assert [c.state for c in report.cards] == ["new", "new", "existing", "existing", "existing"]
    assert [c.eligible for c in report.cards] == [True, True, True, True, False]
    page = render_report_page(report, 30)
    assert page.count('<tr class="karte"') == 5 and page.count("Warum: im Titel „WLAN“") == 5
    assert page.count(">NEU</span>") == 2 and "NICHT ANTRAGSBERECHTIGT" in page
    assert 'data-band="moeglich" data-measures="wlan"' in page
    assert date_line(report, 30) == "Stand 05.12.2026 · 5 Förderaufrufe für 1 Maßnahme · Passung ab 30/100"
