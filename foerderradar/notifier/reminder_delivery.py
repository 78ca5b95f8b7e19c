"""Preview and sending of the due reminders of one municipality, each at most once per recipient.

The ``sent_digests`` ledger does for reminders what it does for digests (``service.deliver``): a
row per (municipality, reminder period, recipient), pending until the mail server accepted the
message, then sent. A second run the same day finds the rows sent and sends nothing; a run whose
mail server was down leaves them pending, and the next run sends them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from foerderradar.notifier import ledger, smtp
from foerderradar.notifier.message import normalise_address, safe_filename
from foerderradar.notifier.reminder_mail import ReminderMail, reminder_message, render_reminder
from foerderradar.notifier.service import PLACEHOLDER_RECIPIENT, RecipientResult, resolve_recipients, write_files
from foerderradar.settings import Config
from foerderradar.storage import Store

log = logging.getLogger(__name__)


@dataclass
class ReminderResult:
    """One due reminder: where its preview went and what happened per recipient."""

    mail: ReminderMail
    recipients: tuple[str, ...]
    paths: list[Path] = field(default_factory=list)
    results: list[RecipientResult] = field(default_factory=list)


@dataclass
class ReminderOutcome:
    """The reminders of one municipality on one day."""

    kommune: str
    reminders: list[ReminderResult] = field(default_factory=list)

    @property
    def failed(self) -> list[RecipientResult]:
        return [r for one in self.reminders for r in one.results if r.status == "failed"]

    @property
    def sent(self) -> int:
        return sum(r.status == "sent" for one in self.reminders for r in one.results)

    @property
    def ok(self) -> bool:
        return not self.failed


def recipients_for(config: Config, measure_id: str) -> tuple[str, ...]:
    """Who hears about a deadline of this measure: the municipality's digest recipients and the
    measure's owner (as with the digest, an owner hears only about the measures they own).

    Raises ValueError (German) for an invalid address, as the digest does.
    """
    everyone = resolve_recipients(config, None, required=False)
    configured = {normalise_address(a) for a in config.settings.digest.recipients}
    owner = next((m.owner for m in config.measures.measures if m.id == measure_id), None)
    wanted = configured | ({normalise_address(owner)} if owner else set())
    return tuple(a for a in everyone if a in wanted)


def preview_name(mail: ReminderMail) -> str:
    """File stem of a reminder's preview: readable (call, measure), unique (the ledger key's hash)."""
    r = mail.reminder
    return f"{safe_filename(f'erinnerung-{r.call_id}-{r.measure_id}')[:60]}-{r.period.rsplit('-', 1)[-1][:8]}"


def write_preview(directory: Path, mail: ReminderMail, recipient: str, sender: str) -> list[Path]:
    rendered = render_reminder(mail)
    stem = directory / preview_name(mail)
    files = {
        stem.with_name(stem.name + ".html"): rendered.html.encode("utf-8"),
        stem.with_name(stem.name + ".txt"): rendered.text.encode("utf-8"),
        stem.with_name(stem.name + ".eml"): reminder_message(mail, sender, recipient).as_bytes(),
    }
    return write_files(directory, files)


def deliver(
    store: Store, config: Config, mail: ReminderMail, recipient: str, *, session: smtp.Session
) -> RecipientResult:
    """Send one reminder to one recipient unless the ledger says it already went out.

    Order as for the digest: ledger row (pending) → count the attempt → SMTP → mark sent. A crash
    between the server's acceptance and "sent" can send that one mail twice (same Message-ID); it
    can never lose it.
    """
    period = mail.reminder.period
    row = ledger.claim(store, period, recipient, kommune=config.kommune)
    assert row.id is not None
    if row.status == ledger.SENT or not ledger.begin_attempt(store, row.id):
        return RecipientResult(recipient, "already_sent")
    message = reminder_message(mail, config.settings.mail.mail_from, recipient)
    try:
        session.send(message)
    except smtp.DeliveryError as exc:
        ledger.record_failure(store, row.id, str(exc))
        log.warning("Erinnerung an die Frist %s von %s an %s nicht versendet: %s", mail.deadline_label,
                    mail.reminder.call_id, recipient, exc)
        return RecipientResult(recipient, "failed", str(exc), server_down=exc.server_down)
    ledger.mark_sent(store, row.id, str(message["Message-ID"]))
    return RecipientResult(recipient, "sent", mail.subject)


def dispatch_reminders(
    store: Store,
    config: Config,
    mails: list[ReminderMail],
    *,
    preview_dir: Path | None = None,
    send: bool = False,
    session: smtp.Session,
) -> ReminderOutcome:
    """Preview and/or send ``mails`` (one municipality's due reminders) over ``session``.

    Once the mail server cannot be talked to at all, the rest are not tried (each would wait out
    the same timeout); they stay untouched in the ledger and go out on the next run.
    """
    outcome = ReminderOutcome(config.kommune)
    sender = config.settings.mail.mail_from
    for mail in mails:
        recipients = recipients_for(config, mail.reminder.measure_id)
        result = ReminderResult(mail, recipients)
        if preview_dir is not None:
            result.paths = write_preview(preview_dir, mail, recipients[0] if recipients else PLACEHOLDER_RECIPIENT,
                                         sender)
        if send:
            for recipient in recipients:
                if session.down is not None:
                    result.results.append(
                        RecipientResult(recipient, "failed", f"nicht versucht: {session.down}", server_down=True)
                    )
                    continue
                result.results.append(deliver(store, config, mail, recipient, session=session))
        outcome.reminders.append(result)
    return outcome
