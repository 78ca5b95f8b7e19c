"""crawler/call_links.py: which of a programme's links is the Richtlinie, Merkblatt or Antragsportal,
their order on a card, and the contact as one line — the rules both Förderdatenbank routes share."""

from __future__ import annotations

import pytest

from foerderradar.crawler.call_links import call_links, contact_line, kind_of

# (link text, address, kind)
KINDS: list[tuple[str, str, str | None]] = [
    ("Weblink zur Förderrichtlinie", "https://a.example/x.pdf", "Richtlinie"),
    ("Richtlinie Digitale Bibliothek NRW", "https://a.example/x.pdf", "Richtlinie"),
    ("Download", "https://a.example/foerderrichtlinie-2026.pdf", "Richtlinie"),  # the address says it
    ("Leitfaden zur „Richtlinie zur Förderung …“", "https://a.example/leitfaden.pdf", None),  # only quoted
    ('Hinweise zur "Richtlinie X"', "https://a.example/hinweise.pdf", None),
    ("Merkblatt Antragstellung", "https://a.example/m.pdf", "Merkblatt"),
    ("Hinweise", "https://a.example/Merkblatt_2026.pdf", "Merkblatt"),
    ("Kundenportal der WIBank", "https://foerderportal.wibank.de/", "Antragsportal"),
    ("easy-Online: Elektronisches Formularsystem", "https://foerderportal.bund.de/easyonline/", "Antragsportal"),
    ("Formularschrank", "https://foerderportal.bund.de/easy/", None),
    ("Informationen", "https://a.example/richtung", None),
    ("Startseite", "https://richtlinie.example/?q=merkblatt", "Richtlinie"),  # host and path, not the query
    ("Startseite", "https://a.example/?q=merkblatt", None),
]


@pytest.mark.parametrize(("text", "url", "kind"), KINDS)
def test_kind_of(text: str, url: str, kind: str | None) -> None:
    assert kind_of(text, url) == kind


# (links as found, what the call keeps)
LINKS: list[tuple[list[tuple[str, str]], list[dict[str, str]] | None]] = [
    ([], None),
    ([("Drucken", "javascript:print()"), ("Seite", "/relativ")], None),  # nothing http(s): None
    ([("Info", "https://a.example/info"), ("Antragsportal der Bank (externer Link)", "https://b.example/antrag"),
      ("Merkblatt", "https://a.example/m.pdf"), ("Weblink zur Förderrichtlinie (externer Link)", "https://a.example/rl")],
     [{"label": "Richtlinie", "url": "https://a.example/rl"}, {"label": "Merkblatt", "url": "https://a.example/m.pdf"},
      {"label": "Antragsportal", "url": "https://b.example/antrag"}, {"label": "Info", "url": "https://a.example/info"}]),
    ([("Weblink zum Gesetz", "https://a.example/g"), ("Weblink zur Förderrichtlinie", "https://a.example/g")],
     [{"label": "Gesetz", "url": "https://a.example/g"}]),  # one per address: the first
    ([("  Infos\n  zum  Programm (exerner Link) ", " https://a.example/i ")],
     [{"label": "Infos zum Programm", "url": "https://a.example/i"}]),
    ([("www.beispiel.de", "https://www.beispiel.de")], [{"label": "www.beispiel.de", "url": "https://www.beispiel.de"}]),
    ([(f"Seite {i}", f"https://a.example/{i}") for i in range(12)],
     [{"label": f"Seite {i}", "url": f"https://a.example/{i}"} for i in range(10)]),
]


@pytest.mark.parametrize(("found", "kept"), LINKS)
def test_call_links(found: list[tuple[str, str]], kept: list[dict[str, str]] | None) -> None:
    assert call_links(found) == kept


CONTACTS: list[tuple[list[str | None], str | None]] = [
    ([], None),
    ([None, "", "  "], None),
    (["Beispielbank", "info@bank.example", "Tel. 0211 1"], "Beispielbank, info@bank.example, Tel. 0211 1"),
    (["Amt  für\nDigitales,", "amt für digitales", None, "Tel. 1"], "Amt für Digitales, Tel. 1"),  # once, no ","
    (["x" * 400], "x" * 299 + "…"),
]


@pytest.mark.parametrize(("parts", "line"), CONTACTS)
def test_contact_line(parts: list[str | None], line: str | None) -> None:
    assert contact_line(parts) == line
