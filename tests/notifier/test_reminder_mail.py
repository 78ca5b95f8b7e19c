"""What a reminder mail says and how it is built (notifier/reminder_mail.py): German, safe in every
mail client, multipart/alternative like the digest."""

from __future__ import annotations

import re
from datetime import date, timedelta
from email.message import EmailMessage

import pytest

from foerderradar.notifier.reminder_mail import Action, ReminderMail, actions, reminder_message, render_reminder
from foerderradar.notifier.reminders import Reminder
from foerderradar.signing import FeedbackLinks

AS_OF = date(2026, 12, 1)


def reminder(days: int = 14, mark: str = "applied", note: str | None = "Az. 4711", step: int = 14) -> Reminder:
    return Reminder("verl", "nrw:gigabit-kofi", "breitband", mark, note, AS_OF + timedelta(days=days), days,  # type: ignore[arg-type]
                    step)


def mail(r: Reminder | None = None, **changes: object) -> ReminderMail:
    fields: dict[str, object] = {
        "city": "Verl", "reminder": r or reminder(), "title": "Gigabit.NRW – Kofinanzierung",
        "url": "https://www.gigabit.nrw.de/kofi", "measure_title": "Glasfaser im Gewerbegebiet", "as_of": AS_OF,
        "funding_body": "Land NRW", "steps": (14, 3),
    }
    fields.update(changes)
    return ReminderMail(**fields)  # type: ignore[arg-type]


SUBJECTS = [
    (14, "Förderradar: Frist in 14 Tagen – Gigabit.NRW – Kofinanzierung"),
    (12, "Förderradar: Frist in 12 Tagen – Gigabit.NRW – Kofinanzierung"),  # a missed day caught up: the truth
    (3, "Förderradar: Frist in 3 Tagen – Gigabit.NRW – Kofinanzierung"),
    (1, "Förderradar: Frist morgen – Gigabit.NRW – Kofinanzierung"),
    (0, "Förderradar: Frist endet heute – Gigabit.NRW – Kofinanzierung"),
]


@pytest.mark.parametrize(("days", "subject"), SUBJECTS)
def test_subject_says_how_many_days_and_which_call(days: int, subject: str) -> None:
    assert render_reminder(mail(reminder(days))).subject == subject


def test_long_titles_are_cut_in_the_subject_only() -> None:
    title = "Förderaufruf " + "sehr " * 60 + "lang"
    rendered = render_reminder(mail(title=title))
    assert len(rendered.subject) < 160 and rendered.subject.endswith("…")
    assert title in rendered.text


BODY = [
    # (reminder, expected in text and html, not expected)
    (reminder(14), ["15.12.2026", "noch 14 Tage", "Glasfaser im Gewerbegebiet", "Laufender Antrag", "Az. 4711",
                    "Land NRW", "nrw:gigabit-kofi", "14 und 3 Tage"], ["als relevant markiert"]),
    (reminder(3, mark="relevant", note=None), ["04.12.2026", "noch 3 Tage", "als relevant markiert"],
     ["Laufender Antrag", "Notiz"]),
    (reminder(0), ["01.12.2026", "endet heute"], []),
]


@pytest.mark.parametrize(("r", "present", "absent"), BODY)
def test_body_names_call_measure_deadline_mark_and_note(r: Reminder, present: list[str], absent: list[str]) -> None:
    rendered = render_reminder(mail(r))
    for part in (rendered.text, rendered.html):
        for expected in present:
            assert expected in part, expected
        for unexpected in absent:
            assert unexpected not in part, unexpected
    assert '<a href="https://www.gigabit.nrw.de/kofi"' in rendered.html
    assert "Zum Förderaufruf: https://www.gigabit.nrw.de/kofi" in rendered.text


def test_hostile_fields_are_escaped_and_unsafe_urls_never_linked() -> None:
    r = reminder(note='<script>alert(1)</script>')
    rendered = render_reminder(mail(r, title='<img src="x" onerror="alert(2)">', url="javascript:alert(3)",
                                    funding_body="<b>Land</b>"))
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "<img" not in rendered.html and "<b>Land" not in rendered.html
    assert "javascript:" not in rendered.html and "javascript:" not in rendered.text
    assert "\n" not in rendered.subject


def test_html_is_self_contained_for_mail_clients() -> None:
    html = render_reminder(mail()).html
    for external in ("<link", "<img", "@import", "url(", "<style", "<script"):
        assert external not in html, external
    assert not re.search(r"<[^>]*\ssrc=", html)
    assert 'role="presentation"' in html  # layout tables
    tags = re.findall(r"<(div|td|table|a|strong|code)\b([^>]*)>", html)
    assert tags and all("class=" not in attrs for _, attrs in tags)  # inline styles, no classes
    assert all("style=" in attrs for tag, attrs in tags if tag in ("td", "a", "table"))


ACTIONS = [
    # (mark, several municipalities, expected commands)
    ("applied", False, ["foerderradar calls mark nrw:gigabit-kofi erledigt --measure breitband"]),
    ("applied", True, ["foerderradar calls mark nrw:gigabit-kofi erledigt --measure breitband --kommune verl"]),
    ("relevant", False, ["foerderradar calls mark nrw:gigabit-kofi beantragt --measure breitband",
                         "foerderradar calls mark nrw:gigabit-kofi verworfen --measure breitband"]),
]


@pytest.mark.parametrize(("mark", "several", "commands"), ACTIONS)
def test_without_web_app_the_mail_names_the_command_that_ends_it(mark: str, several: bool, commands: list[str]) -> None:
    found = actions(reminder(mark=mark), None, several)
    assert [a.command for a in found] == commands
    text = render_reminder(mail(reminder(mark=mark), actions=found)).text
    assert all(c in text for c in commands)


def test_with_web_app_the_mail_links_the_call_page_and_a_signed_mark() -> None:
    links = FeedbackLinks("https://radar.kreis.example", b"k" * 32, "verl")
    found = actions(reminder(), links, several=True)
    assert [a.label for a in found] == ["als erledigt markieren"]
    assert found[0].url is not None and found[0].url.startswith("https://radar.kreis.example/")
    html = render_reminder(mail(actions=found, call_page=links.call_page("nrw:gigabit-kofi"))).html
    assert "https://radar.kreis.example/k/verl/aufruf/nrw:gigabit-kofi" in html and found[0].url in html
    assert "foerderradar calls mark" not in html


def test_message_is_multipart_alternative_with_a_fixed_message_id() -> None:
    m = mail(actions=(Action("als erledigt markieren", command="foerderradar calls mark x erledigt"),))
    message = reminder_message(m, "radar@kommune.example", "dm@verl.example")
    assert isinstance(message, EmailMessage)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == "Förderradar: Frist in 14 Tagen – Gigabit.NRW – Kofinanzierung"
    assert message["Content-Language"] == "de" and message["Auto-Submitted"] == "auto-generated"
    again = reminder_message(m, "radar@kommune.example", "DM@verl.example ")
    other = reminder_message(mail(reminder(3, step=3)), "radar@kommune.example", "dm@verl.example")
    assert message["Message-ID"] == again["Message-ID"] != other["Message-ID"]
