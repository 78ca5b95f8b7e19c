"""A due reminder → what its mail says → subject, HTML and plain text → the message. No sending here.

The reader is the person who applied (or means to): the mail must say in its subject which call
and how many days are left, and in its body what to do when the reminder is no longer wanted —
a mark that ends it (a signed link when the web app has an address, else the exact ``calls mark`` line).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

from foerderradar.notifier import formatting as fmt
from foerderradar.notifier.message import build_message, make_message_id
from foerderradar.notifier.reminders import Reminder
from foerderradar.notifier.render import RenderedDigest, environment
from foerderradar.output_safety import one_line
from foerderradar.settings import Config
from foerderradar.signing import FeedbackLinks
from foerderradar.storage.marks import MARK_LABELS
from foerderradar.storage.tables import CallRecord

MARK_WORDING = {"applied": "Laufender Antrag", "relevant": "als relevant markiert"}
MAX_SUBJECT_TITLE = 120  # a subject line people can read; the whole title is in the body
# What ends a reminder, per mark: a running application is finished; a call marked relevant is
# either applied for (its reminders continue as a running application) or no longer wanted.
NEXT_MARKS = {"applied": ("done",), "relevant": ("applied", "dismissed")}
ACTION_LABELS = {"done": "als erledigt markieren", "applied": "als beantragt markieren",
                 "dismissed": "verwerfen"}  # fmt: skip


@dataclass(frozen=True)
class Action:
    """One way to change the mark: a signed link (``url``) or the command line to type (``command``)."""

    label: str
    url: str | None = None
    command: str | None = None


@dataclass(frozen=True)
class ReminderMail:
    """What one reminder mail says (for every recipient the same)."""

    city: str
    reminder: Reminder
    title: str
    url: str
    measure_title: str
    as_of: date
    funding_body: str | None = None
    call_page: str | None = None  # the call's page in the web app, when it has an address
    actions: tuple[Action, ...] = ()
    steps: tuple[int, ...] = ()  # the configured steps, named in the footer

    @property
    def deadline_label(self) -> str:
        return fmt.german_date(self.reminder.deadline)

    @property
    def days_left_label(self) -> str:
        return fmt.days_left_label(self.reminder.days_left) or ""

    @property
    def mark_label(self) -> str:
        return MARK_WORDING[self.reminder.mark]

    @property
    def actions_heading(self) -> str:
        if self.reminder.mark == "applied":
            return "Antrag erledigt? Dann kommen keine Erinnerungen mehr zu dieser Frist:"
        return "Beantragt oder nicht mehr von Interesse? Dann den Aufruf markieren:"

    @property
    def headline(self) -> str:
        """"Frist in 14 Tagen", "Frist morgen", "Frist endet heute"."""
        days = self.reminder.days_left
        if days == 0:
            return "Frist endet heute"
        if days == 1:
            return "Frist morgen"
        return f"Frist in {days} Tagen"

    @property
    def subject(self) -> str:
        title = " ".join(self.title.split())
        if len(title) > MAX_SUBJECT_TITLE:
            title = title[: MAX_SUBJECT_TITLE - 1] + "…"
        return one_line(f"Förderradar: {self.headline} – {title}")

    @property
    def steps_label(self) -> str:
        """"14 und 3 Tage" — when reminders come."""
        if not self.steps:
            return ""
        if len(self.steps) == 1:
            return f"{self.steps[0]} {fmt.plural(self.steps[0], 'Tag', 'Tage')}"
        days = [str(s) for s in self.steps]
        return f"{', '.join(days[:-1])} und {days[-1]} Tage"

    @property
    def as_of_label(self) -> str:
        return fmt.german_date(self.as_of)


def actions(reminder: Reminder, links: FeedbackLinks | None, several: bool) -> tuple[Action, ...]:
    """The marks that end this reminder: signed links to the web app's confirmation page, else the
    ``calls mark`` line (with ``--kommune`` when the instance serves several municipalities)."""
    out = []
    for mark in NEXT_MARKS[reminder.mark]:
        label = ACTION_LABELS[mark]
        if links is not None:
            out.append(Action(label, url=links.mark(reminder.call_id, reminder.measure_id, mark)))
            continue
        words = ["foerderradar", "calls", "mark", reminder.call_id, MARK_LABELS[mark], "--measure", reminder.measure_id]
        if several:
            words += ["--kommune", reminder.kommune]
        out.append(Action(label, command=shlex.join(words)))
    return tuple(out)


def render_reminder(mail: ReminderMail) -> RenderedDigest:
    env = environment()
    return RenderedDigest(
        subject=mail.subject,
        html=env.get_template("reminder.html.j2").render(mail=mail),
        text=env.get_template("reminder.txt.j2").render(mail=mail),
    )


def reminder_message(mail: ReminderMail, sender: str, recipient: str) -> EmailMessage:
    """The complete message; its Message-ID is fixed per reminder and recipient, so a resend after a
    crash is recognisably the same mail."""
    message_id = make_message_id(mail.reminder.period, recipient, sender)
    return build_message(render_reminder(mail), sender, recipient, message_id)


def build_mail(
    config: Config, reminder: Reminder, record: CallRecord, measure_title: str, as_of: date,
    links: FeedbackLinks | None = None,
) -> ReminderMail:
    """What the mail of ``reminder`` says, for the municipality ``config`` speaks for."""
    return ReminderMail(
        city=config.measures.city.name,
        reminder=reminder,
        title=record.title,
        url=record.url,
        measure_title=measure_title,
        as_of=as_of,
        funding_body=record.funding_body,
        call_page=links.call_page(reminder.call_id) if links is not None else None,
        actions=actions(reminder, links, config.several),
        steps=tuple(config.settings.reminders.steps),
    )
