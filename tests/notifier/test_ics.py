"""Deadlines as iCalendar: valid structure, escaping of hostile text, folding, stable UIDs, and the
.ics attachment plus List-Unsubscribe header on the digest mail."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from pydantic import ValidationError

from foerderradar.notifier.ics import Deadline, calendar, escape_text, fold, uid
from foerderradar.notifier.message import build_message, safe_filename
from foerderradar.notifier.render import RenderedDigest
from foerderradar.settings import DigestSettings

NOW = datetime(2026, 11, 25, 8, tzinfo=UTC)


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


ESCAPES = [
    ("plain", "Frist: Gigabit", "Frist: Gigabit"),
    ("comma and semicolon", "A, B; C", "A\\, B\\; C"),
    ("backslash", "C:\\Pfad", "C:\\\\Pfad"),
    ("newlines", "Zeile 1\r\nZeile 2\nZeile 3", "Zeile 1\\nZeile 2\\nZeile 3"),
    ("injected property", "X\r\nEND:VEVENT\r\nBEGIN:VEVENT", "X\\nEND:VEVENT\\nBEGIN:VEVENT"),
    ("control and bidi characters", "a\x00b\x1bc\u202ed", "abcd"),
]


@pytest.mark.parametrize(("case", "raw", "expected"), ESCAPES, ids=[c[0] for c in ESCAPES])
def test_escape_text(case: str, raw: str, expected: str) -> None:
    assert escape_text(raw) == expected


@pytest.mark.parametrize("line", ["x" * 10, "SUMMARY:" + "Förderaufruf Glasfaser " * 20, "DESCRIPTION:" + "ä" * 200])
def test_fold_keeps_lines_within_75_octets_and_unfolds_losslessly(line: str) -> None:
    folded = fold(line)
    assert all(len(part.encode("utf-8")) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_calendar_structure_hostile_input_and_stable_uids() -> None:
    items = [
        Deadline("nrw:gigabit", "Gigabit-RL 2.0\r\nEND:VCALENDAR", date(2027, 3, 31), "https://example.org/g?a=1,2",
                 "Maßnahme: Breitband"),
        Deadline("nrw:gigabit", "Gigabit-RL 2.0\r\nEND:VCALENDAR", date(2027, 3, 31), "https://example.org/g",
                 "Maßnahme: Schulen"),  # same call under a second measure: one event
        Deadline("eu:x", "Evil", date(2027, 1, 15), "javascript:alert(1)"),
    ]
    text = calendar(items, now=NOW)
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert text.count("BEGIN:VEVENT") == 2 and lines.count("END:VCALENDAR") == 1
    assert "DTSTART;VALUE=DATE:20270115" in lines and "DTEND;VALUE=DATE:20270401" in lines
    assert "SUMMARY:Frist: Gigabit-RL 2.0\\nEND:VCALENDAR" in lines
    assert "URL:https://example.org/g?a=1,2" in lines
    assert "javascript" not in text
    assert all(line.endswith("\r\n") for line in text.splitlines(keepends=True))
    # The UID depends on call and date only: next week's file updates the event; a moved deadline is new.
    assert uid(items[0]) == uid(Deadline("nrw:gigabit", "anders", date(2027, 3, 31)))
    assert uid(items[0]) != uid(Deadline("nrw:gigabit", "x", date(2027, 4, 30)))


def test_digest_mail_carries_the_calendar_and_list_unsubscribe() -> None:
    rendered = RenderedDigest("Betreff", "<p>Hallo</p>", "Hallo")
    ics = calendar([Deadline("a", "A", date(2027, 1, 1))], now=NOW)
    message = build_message(rendered, "radar@kommune.example", "dm@kommune.example", "<x@kommune.example>",
                            calendar=("fristen-2026-W48.ics", ics), unsubscribe="mailto:dm@kommune.example?subject=ab")
    parsed = email.message_from_bytes(message.as_bytes(), policy=default_policy)
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content_type() == "multipart/mixed"
    assert parsed["List-Unsubscribe"] == "<mailto:dm@kommune.example?subject=ab>"
    body = parsed.get_body(("plain",))
    assert body is not None and body.get_content().strip() == "Hallo"
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_content_type() == "text/calendar" and attachment.get_filename() == "fristen-2026-W48.ics"
    assert attachment.get_content().replace("\r\n", "\n") == ics.replace("\r\n", "\n")
    plain = build_message(rendered, "radar@kommune.example", "dm@kommune.example", "<x@kommune.example>")
    assert plain.get_content_type() == "multipart/alternative" and "List-Unsubscribe" not in plain


@pytest.mark.parametrize(("name", "expected"), [
    ("fristen-2026-W48.ics", "fristen-2026-W48.ics"),
    ("../../etc/passwd", "etc_passwd"),
    ("a\r\nb.ics", "a_b.ics"),
    ("", "anhang"),
])
def test_attachment_names_are_sanitised(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


@pytest.mark.parametrize("value", ["https://kommune.example/abbestellen", "mailto:dm@kommune.example"])
def test_unsubscribe_setting_accepts_mailto_and_https(value: str) -> None:
    assert DigestSettings(unsubscribe=value).unsubscribe == value


@pytest.mark.parametrize("value", ["http://kommune.example/ab", "javascript:alert(1)", "dm@kommune.example",
                                   "mailto:x@y.de\r\nBcc: a@b.de"])
def test_unsubscribe_setting_refuses_anything_else(value: str) -> None:
    with pytest.raises(ValidationError):
        DigestSettings(unsubscribe=value)


def test_preview_ics_opens_as_calendar(tmp_path: Path) -> None:
    text = calendar([Deadline("a", "Glasfaser, Gewerbe; Süd", date(2027, 2, 1), "https://x.example/a")], now=NOW)
    path = tmp_path / "fristen.ics"
    path.write_bytes(text.encode("utf-8"))
    content = path.read_bytes()
    assert content.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and b"\r\nEND:VCALENDAR\r\n" in content
