"""A full card's line "Richtlinie · Merkblatt · Kontakt: office, mail" (issue 14): at most three links,
each through safe_url, a short contact; the text digest shows the same as lines; compact cards and
cards without either show nothing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from foerderradar.model import Match
from foerderradar.notifier.cards import Card
from foerderradar.notifier.digest import build_digest
from foerderradar.notifier.items import PageLink
from foerderradar.notifier.render import render_html, render_text
from foerderradar.settings import AppSettings, Config, MeasuresFile
from foerderradar.storage.tables import CallRecord

AS_OF = date(2026, 11, 23)
LAST = datetime(2026, 11, 16, 7, tzinfo=UTC)
LINKS = [
    {"label": "Richtlinie", "url": "https://recht.example/rl.pdf"},
    {"label": "Merkblatt", "url": "javascript:alert(1)"},  # a stored row might hold one: never a link
    {"label": "Antragsportal", "url": "https://antrag.example/"},
    {"label": "Vierter Link", "url": "https://vier.example/"},  # beyond the card's three
]
CONTACT = "Amt für Digitales, digital@stadt.example, Tel. 0521 1"


def _config(tmp_path: Path) -> Config:
    measures = MeasuresFile.model_validate({
        "city": {"name": "Musterstadt", "region": "DE-NW", "applicant_types": ["kommune"]},
        "measures": [{"id": "glasfaser", "title": "Glasfaser"}],
    })
    return Config(directory=tmp_path, measures=measures, portals=[], settings=AppSettings())


def _pair(call_id: str, score: float, **fields: Any) -> tuple[CallRecord, Match]:
    seen = LAST + timedelta(days=1)
    record = CallRecord(id=call_id, source="p", source_id=call_id, url=f"https://p.example/{call_id}",
                        title=f"Programm {call_id}", first_seen=seen, last_seen=seen, changed_at=seen,
                        content_hash="0" * 64, version=1, **fields)
    return record, Match("glasfaser", call_id, record.title, record.url, score, True, None, "open", [])


@pytest.fixture
def rendered(tmp_path: Path) -> tuple[str, str]:
    pairs = [_pair("stark", 90, contact=CONTACT, links=LINKS), _pair("ohne", 85),
             _pair("schwach", 40, contact="Nur im Volltext, x@y.example", links=LINKS[:1])]
    digest = build_digest(_config(tmp_path), {r.id: r for r, _ in pairs}, [m for _, m in pairs], AS_OF, LAST)
    return render_html(digest), render_text(digest)


def _card_html(html: str, title: str) -> str:
    start = html.rindex(title)  # the card, after the "Diese Woche" box naming it too
    return html[start: html.index("</tr>", start)]


def test_the_full_card_shows_three_links_and_the_contact(rendered: tuple[str, str]) -> None:
    card = _card_html(rendered[0], "Programm stark")
    link = '<a href="https://recht.example/rl.pdf" style="color:#1d4ed8;text-decoration:underline;">Richtlinie</a>'
    assert link in card
    assert " · Merkblatt · " in card and "javascript" not in card  # the unsafe one is words only
    assert ">Antragsportal</a> · Kontakt: Amt für Digitales, digital@stadt.example</div>" in card  # no phone
    assert "Vierter Link" not in card


@pytest.mark.parametrize("title", ["Programm ohne", "Programm schwach"])  # nothing known / a compact card
def test_other_cards_show_no_such_line(rendered: tuple[str, str], title: str) -> None:
    card = _card_html(rendered[0], title)
    assert "Kontakt:" not in card and "Richtlinie" not in card


def test_the_text_digest_has_the_same_as_lines(rendered: tuple[str, str]) -> None:
    text = rendered[1]
    start = text.rindex("Programm stark")
    block = text[start: text.index("Kennung", start)]
    assert "  Richtlinie: https://recht.example/rl.pdf\n" in block
    assert "  Merkblatt\n" in block  # no address where it is not safe
    assert "  Antragsportal: https://antrag.example/\n" in block
    assert f"  Kontakt: {CONTACT}\n" in block  # the whole line: text has room
    assert "Vierter Link" not in text and "Nur im Volltext" not in text


BASE_CARD = Card(call_id="p:x", short_id="K1", title="T", url="https://p.example/x", state="new", measures=(),
                 what=None, funding_kind=None, funding_body=None, funding_rate_pct=None, max_amount_eur=None,
                 deadline=None, deadline_label="laufend", days_left=None, deadline_soon=False, why=(), checks=(),
                 notes=())

# (contact, what the card shows)
CONTACT_LABELS: list[tuple[str | None, str | None]] = [
    (None, None),
    ("Beispielbank NRW", "Beispielbank NRW"),
    (CONTACT, "Amt für Digitales, digital@stadt.example"),
    ("Digitalagentur NRW – Förderberatung (Beispiel), foerderung@digitalagentur-nrw.example.org, Tel. 1",
     "Digitalagentur NRW…, foerderung@digitalagentur-nrw.example.org"),  # the office yields, the mail stays
    ("TMUENF, poststelle@@tmuenf.thueringen.de", "TMUENF, poststelle@@tmuenf.thueringen.de"),
    ("Projektträger Jülich (PtJ), Forschungszentrum Jülich GmbH Geschäftsstelle Berlin, Lützowstraße 109 Berlin",
     "Projektträger Jülich (PtJ), Forschungszentrum Jülich GmbH…"),  # no mail: the first 72 characters
]


@pytest.mark.parametrize(("contact", "label"), CONTACT_LABELS)
def test_contact_label(contact: str | None, label: str | None) -> None:
    assert dataclasses.replace(BASE_CARD, contact=contact).contact_label == label


# (links, the card's labels)
CARD_LINKS: list[tuple[list[tuple[str, str]], list[str]]] = [
    ([], []),
    ([("Richtlinie", "https://a/1"), ("Richtlinie", "https://a/2")], ["Richtlinie", "Richtlinie 2"]),
    ([("Informationen zur Bildung für Nachhaltige Entwicklung", "https://a/1")], ["Informationen zur…"]),
    ([("a", "https://a/1"), ("b", "https://a/2"), ("c", "https://a/3"), ("d", "https://a/4")], ["a", "b", "c"]),
]


@pytest.mark.parametrize(("links", "labels"), CARD_LINKS)
def test_card_links(links: list[tuple[str, str]], labels: list[str]) -> None:
    card = dataclasses.replace(BASE_CARD, links=tuple(PageLink(label, url) for label, url in links))
    assert [link.label for link in card.card_links] == labels
