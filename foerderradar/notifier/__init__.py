"""The weekly digest: what it says (digest), how it looks (render), the mail (message), the
delivery (smtp), the once-per-recipient ledger (ledger) and preview/sending of a run (service).
The run itself — inputs, then this package — is ``jobs.run_digest``. Reminders before deadlines:
which are due (reminders), their mail (reminder_mail), their sending (reminder_delivery); the run is
``jobs.run_reminders``."""

from foerderradar.notifier.digest import Digest, DigestItem, MeasureSection, build_digest, period_key
from foerderradar.notifier.message import build_message, make_message_id
from foerderradar.notifier.render import RenderedDigest, render_digest
from foerderradar.notifier.service import DigestOutcome, RecipientResult, dispatch
from foerderradar.notifier.smtp import DeliveryError, send

__all__ = [
    "DeliveryError",
    "Digest",
    "DigestItem",
    "DigestOutcome",
    "MeasureSection",
    "RecipientResult",
    "RenderedDigest",
    "build_digest",
    "build_message",
    "dispatch",
    "make_message_id",
    "period_key",
    "render_digest",
    "send",
]
