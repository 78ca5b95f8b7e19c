"""Rendered digest → RFC 5322 message. Formatting only; sending lives in :mod:`.smtp`.

Kept apart so a preview (``digest.eml``) is byte-for-byte what would be sent, without a server.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, localtime

from foerderradar.notifier.render import RenderedDigest
from foerderradar.output_safety import one_line

FALLBACK_DOMAIN = "foerderradar.invalid"


def normalise_address(address: str) -> str:
    """The key a recipient is remembered by: case and stray spaces must not cause a second send."""
    return address.strip().lower()


def make_message_id(period: str, recipient: str, sender: str) -> str:
    """Deterministic per (period, recipient): a resend after a crash carries the same Message-ID,
    so mail clients and archives can recognise it as the same message."""
    token = hashlib.sha256(f"{period}\0{normalise_address(recipient)}".encode()).hexdigest()[:20]
    domain = sender.rpartition("@")[2].strip().strip(">").lower() or FALLBACK_DOMAIN
    return f"<foerderradar.{period}.{token}@{domain}>"


def safe_filename(name: str) -> str:
    """Attachment names come from a period key, but are sanitised anyway: no paths, no controls."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "anhang"
    return cleaned[:80]


def build_message(
    rendered: RenderedDigest,
    sender: str,
    recipient: str,
    message_id: str,
    *,
    now: datetime | None = None,
    calendar: tuple[str, str] | None = None,
    unsubscribe: str | None = None,
) -> EmailMessage:
    """multipart/alternative: text first, HTML last (clients show the last part they understand).

    With ``calendar`` (file name, iCalendar text) the alternative is wrapped in multipart/mixed
    with the .ics as an attachment; ``unsubscribe`` becomes the List-Unsubscribe header (RFC 2369).
    """
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = one_line(rendered.subject)
    message["Date"] = format_datetime(localtime(now))
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    if unsubscribe:
        message["List-Unsubscribe"] = f"<{one_line(unsubscribe)}>"
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    if calendar is not None:
        filename, text = calendar
        message.add_attachment(
            text.encode("utf-8"), maintype="text", subtype="calendar", filename=safe_filename(filename),
            params={"method": "PUBLISH", "charset": "utf-8"},
        )
    message["Content-Language"] = "de"  # after set_content, which drops every Content-* header
    return message
