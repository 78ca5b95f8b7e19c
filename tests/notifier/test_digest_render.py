"""How the digest looks: escaping of scraped text, safe links, subject, multipart message."""

from __future__ import annotations

import email
import re
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest

from foerderradar.model import Match
from foerderradar.notifier.digest import Digest, build_digest
from foerderradar.notifier.message import build_message, make_message_id
from foerderradar.notifier.render import render_digest, render_subject
from foerderradar.output_safety import safe_url
from foerderradar.settings import AppSettings, Config, MeasuresFile
from foerderradar.storage.tables import CallRecord

AS_OF = date(2026, 11, 23)
LAST_DIGEST = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
HOSTILE_TITLE = "<script>alert(1)</script>"
HOSTILE_URL = "javascript:alert(document.cookie)"


def make_config(tmp_path: Path, city: str = "Schloß Holte-Stukenbrock") -> Config:
    measures = MeasuresFile.model_validate(
        {
            "city": {"name": city, "region": "DE-NW", "applicant_types": ["kommune"]},
            "measures": [
                {"id": "glasfaser", "title": "Glasfaser für das Gewerbegebiet"},
                {"id": "wlan", "title": "WLAN an Schulen <b>2027</b>"},
            ],
        }
    )
    return Config(directory=tmp_path, measures=measures, portals=[], settings=AppSettings())


def record(call_id: str, url: str, title: str, *, first_seen: datetime, **fields: Any) -> CallRecord:
    # Built directly: FundingCall would refuse the hostile URL, a stored row might not.
    return CallRecord(
        id=call_id,
        source="p",
        source_id=call_id,
        url=url,
        title=title,
        first_seen=first_seen,
        last_seen=first_seen,
        changed_at=first_seen,
        content_hash="0" * 64,
        version=1,
        **fields,
    )


def pair(call_id: str, url: str, title: str, score: float, *, new: bool, **fields: Any) -> tuple[CallRecord, Match]:
    seen = LAST_DIGEST + timedelta(days=1) if new else LAST_DIGEST - timedelta(days=20)
    rec = record(call_id, url, title, first_seen=seen, **fields)
    m = Match("glasfaser", call_id, title, url, score, True, fields.get("deadline"), "open", fields.pop("reasons", []))
    return rec, m


@pytest.fixture
def hostile_digest(tmp_path: Path) -> Digest:
    pairs = [
        pair("old", "https://www.foerderdatenbank.de/alt", "Gigabitförderung 2.0", 90, new=False),
        pair(
            "evil",
            HOSTILE_URL,
            HOSTILE_TITLE,
            40,
            new=True,
            funding_body='<img src="x" onerror="alert(2)">',
            deadline_text="<i>laufend</i>",
        ),
        pair("quote", 'https://example.org/"onmouseover="alert(3)', "Anführungszeichen-Test", 30, new=True),
        pair(
            "good",
            "https://www.bund.de/förderung?id=1&x=2",
            "Förderaufruf „Smarte Städte“ für Kommunen",
            70,
            new=True,
            funding_body="Bundesministerium für Wohnen, Stadtentwicklung und Bauwesen",
            funding_rate_pct=65.0,
            max_amount_eur=1_000_000.0,
            deadline=AS_OF + timedelta(days=5),
        ),
    ]
    records = {r.id: r for r, _ in pairs}
    return build_digest(make_config(tmp_path), records, [m for _, m in pairs], AS_OF, LAST_DIGEST)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.foerderdatenbank.de/x?a=1&b=2", "https://www.foerderdatenbank.de/x?a=1&b=2"),
        ("http://example.org", "http://example.org"),
        ("HTTPS://EXAMPLE.ORG/", "HTTPS://EXAMPLE.ORG/"),
        ("  https://example.org/x  ", "https://example.org/x"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        (" javascript:alert(1)", None),
        ("data:text/html;base64,PHNjcmlwdD4=", None),
        ("vbscript:msgbox", None),
        ("file:///etc/passwd", None),
        ("ftp://example.org/x", None),
        ("//evil.example/x", None),
        ("/relative/path", None),
        ("https://", None),
        ('https://example.org/"onmouseover="x', None),
        ("https://example.org/<script>", None),
        ("https://exa mple.org/", None),
        ("https://example.org/\njavascript:x", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_hostile_fields_are_escaped_and_never_linked(hostile_digest: Digest) -> None:
    html = render_digest(hostile_digest, "{period}").html
    assert HOSTILE_TITLE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    assert "javascript:" not in html.lower()  # not as a link, not even as text
    assert "<img" not in html and "&lt;img src=&#34;x&#34; onerror=&#34;alert(2)&#34;&gt;" in html
    assert "<i>laufend</i>" not in html and "&lt;i&gt;laufend&lt;/i&gt;" in html
    assert "onmouseover" not in re.sub(r"&#34;onmouseover", "", html)  # quote-breaking URL not linked
    assert "WLAN an Schulen &lt;b&gt;2027&lt;/b&gt;" in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs == ["https://www.bund.de/förderung?id=1&amp;x=2", "https://www.foerderdatenbank.de/alt"]


def test_plain_text_shows_only_safe_urls(hostile_digest: Digest) -> None:
    text = render_digest(hostile_digest, "{period}").text
    assert "javascript:" not in text
    assert "onmouseover" not in text
    assert "  https://www.bund.de/förderung?id=1&x=2\n" in text
    assert f"[NEU] {HOSTILE_TITLE}\n" in text  # plain text needs no escaping, only no link


def test_new_calls_first_with_badge_and_deadline(hostile_digest: Digest) -> None:
    rendered = render_digest(hostile_digest, "{period}")
    html, text = rendered.html, rendered.text
    assert html.count(">NEU</span>") == 3
    assert html.index("Smarte Städte") < html.index("Gigabitförderung 2.0")  # new (70) before old (90)
    assert "28.11.2026</strong> (noch 5 Tage)" in html
    assert "bis 65\u00a0% (Eigenanteil ab 35\u00a0%), max. 1.000.000\u00a0€" in html
    assert "Ohne Treffer: " in html  # the measure without matches is named
    assert "[NEU] Förderaufruf „Smarte Städte“ für Kommunen" in text
    assert "  Frist: 28.11.2026 (noch 5 Tage) – läuft bald ab!" in text
    assert "\n  Frist: laufend" not in text and "Frist: <i>laufend</i>" in text
    assert text.index("Smarte Städte") < text.index("Gigabitförderung 2.0")
    assert "seit dem letzten Bericht vom 16.11.2026" in text


def test_html_is_self_contained_for_mail_clients(hostile_digest: Digest) -> None:
    html = render_digest(hostile_digest, "{period}").html
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="de">' in html and '<meta charset="utf-8">' in html
    for external in ("<link", "<img", "@import", "url(", "<style"):
        assert external not in html, external
    assert not re.search(r"<[^>]*\ssrc=", html)  # no tag loads anything (escaped text may say "src=")
    assert 'role="presentation"' in html  # layout tables, not CSS grid/flex


# What mail clients (Outlook's Word engine, Gmail's sanitiser) drop or break: the digest uses none of it.
MAIL_UNSAFE = [
    (r"<style", "a style sheet (Gmail removes it on forwarding; inline styles only)"),
    (r"\sclass=", "a class (nothing to apply it: there is no style sheet)"),
    (r"<script|<[^>]*\son[a-z]+=", "script"),
    (r"display:\s*(flex|grid)|position:\s*(absolute|fixed)|float:", "CSS layout (tables only)"),
    (r"<(form|input|button|iframe|video|svg|object|embed)\b", "an element mail clients strip"),
    (r"<link|@import|url\(|<img", "an external resource"),
]


@pytest.mark.parametrize(("pattern", "why"), MAIL_UNSAFE, ids=[why for _, why in MAIL_UNSAFE])
def test_the_digest_html_is_mail_client_safe(hostile_digest: Digest, pattern: str, why: str) -> None:
    html = render_digest(hostile_digest, "{period}").html
    assert not re.search(pattern, html, re.IGNORECASE), why


def test_layout_is_tables_of_fixed_width_with_a_hidden_preheader(hostile_digest: Digest) -> None:
    html = render_digest(hostile_digest, "{period}").html
    tables = re.findall(r"<table[^>]*>", html)
    assert tables and all('role="presentation"' in t and 'cellpadding="0"' in t for t in tables)
    assert 'width="640"' in html and "max-width:640px" in html  # a fixed width that shrinks on phones
    body = html.split("<body", 1)[1].split(">", 1)[1].lstrip()
    assert body.startswith('<div style="display:none;')  # the preheader comes first, hidden
    assert hostile_digest.summary in body.split("</div>", 1)[0]
    # every element that shows text carries its own style or inherits it from a styled cell
    assert all("style=" in td for td in re.findall(r"<td[^>]*>", html))


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Förderradar: {new} neue Treffer – {period}", "Förderradar: 3 neue Treffer – 2026-W48"),
        ("{city}: Wochenbericht {period}", "Schloß Holte-Stukenbrock: Wochenbericht 2026-W48"),
        ("Förderradar: {treffer} – {woche}", "Förderradar: 3 neue Treffer – KW 48/2026"),
        ("Wochenbericht", "Wochenbericht"),
        ("{new:d} neu", "3 neu"),
        ("  {new}  neu ", "3 neu"),  # stray spaces collapse
    ],
)
def test_subject_template(hostile_digest: Digest, template: str, expected: str) -> None:
    assert render_subject(template, hostile_digest) == expected


@pytest.mark.parametrize("template", ["{neu} neue Treffer", "{}", "{city.__class__}", "{period", "{0}", "{city:d}"])
def test_subject_template_errors_are_named(hostile_digest: Digest, template: str) -> None:
    with pytest.raises(ValueError, match=r"digest\.subject"):
        render_subject(template, hostile_digest)


def test_cr_lf_never_reach_the_subject_header(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, city="Teststadt\r\nBcc: opfer@example.org")
    digest = build_digest(cfg, {}, [], AS_OF, None)
    rendered = render_digest(digest, "{city}\n– {period}\r")
    assert rendered.subject == "Teststadt Bcc: opfer@example.org – 2026-W48"
    raw = build_message(rendered, "radar@kommune.de", "dm@kommune.de", "<x@kommune.de>").as_bytes()
    parsed = email.message_from_bytes(raw, policy=default_policy)
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == "Teststadt Bcc: opfer@example.org – 2026-W48"


def test_message_is_multipart_alternative_text_then_html(hostile_digest: Digest) -> None:
    rendered = render_digest(hostile_digest, "Förderradar: {new} neue Treffer – {period}")
    when = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    msg = build_message(rendered, "foerderradar@kommune.de", "digital@kommune.de", "<id@kommune.de>", now=when)
    parsed = email.message_from_bytes(msg.as_bytes(), policy=default_policy)
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content_type() == "multipart/alternative"
    parts = list(parsed.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert parts[0].get_content() == rendered.text  # umlauts survive the transfer encoding
    assert parts[1].get_content() == rendered.html
    assert "Schloß Holte-Stukenbrock" in parts[0].get_content()
    assert parsed["Subject"] == "Förderradar: 3 neue Treffer – 2026-W48"
    assert parsed["From"] == "foerderradar@kommune.de" and parsed["To"] == "digital@kommune.de"
    assert parsed["Message-ID"] == "<id@kommune.de>"
    assert parsed["Date"].datetime == when
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Content-Language"] == "de"


def test_message_id_is_deterministic_per_period_and_recipient() -> None:
    base = make_message_id("2026-W48", "dm@kommune.de", "Förderradar <radar@Kommune.de>")
    assert base == make_message_id("2026-W48", " DM@Kommune.de ", "radar@kommune.de")
    assert re.fullmatch(r"<foerderradar\.2026-W48\.[0-9a-f]{20}@kommune\.de>", base)
    assert base != make_message_id("2026-W49", "dm@kommune.de", "radar@kommune.de")
    assert base != make_message_id("2026-W48", "it@kommune.de", "radar@kommune.de")
