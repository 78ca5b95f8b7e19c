"""Handing one message to the SMTP server, and saying in German what to fix when that fails.

The person reading the error is city IT, not a Python developer: every :class:`DeliveryError` names
the server and the setting to check, never just an exception class.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from email.message import EmailMessage

import aiosmtplib

from foerderradar.settings import MailSettings

_CHECK_ADDRESS = "Prüfen Sie FOERDERRADAR_SMTP_HOST/_PORT."
_CHECK_TLS = "Prüfen Sie FOERDERRADAR_SMTP_STARTTLS/_TLS und den Port."


class DeliveryError(RuntimeError):
    """The message was not accepted by the server; nothing was delivered.

    ``server_down``: the server could not be talked to at all (refused, silent, gone mid-way, no
    service) — the next message would fail the same way, after the same timeout. Otherwise the
    server refused this one message (a recipient, the content) and others may still go through.
    """

    def __init__(self, message: str, *, host: str, port: int, server_down: bool = False) -> None:
        super().__init__(message)
        self.host = host
        self.port = port
        self.server_down = server_down


def _cause(exc: BaseException) -> str:
    """The underlying OS reason ("Connection refused"), not aiosmtplib's long wrapper text."""
    cause = exc if isinstance(exc, ssl.SSLError) else exc.__cause__
    if isinstance(cause, ssl.SSLError):
        return str(getattr(cause, "reason", None) or cause)
    if isinstance(cause, OSError):
        if cause.errno and cause.errno > 0:
            return os.strerror(cause.errno)
        if cause.strerror:
            return cause.strerror
    return str(exc)


def explain(exc: Exception, mail: MailSettings, recipient: str) -> str:
    where = f"{mail.host}:{mail.port}"
    if isinstance(exc, ssl.SSLError) or isinstance(exc.__cause__, ssl.SSLError):
        return f"TLS-Verbindung zum SMTP-Server {where} fehlgeschlagen ({_cause(exc)}). {_CHECK_TLS}"
    if isinstance(exc, TimeoutError):
        return (
            f"SMTP-Server {where} antwortet nicht (Zeitüberschreitung nach {mail.timeout_s:g} s). "
            "Prüfen Sie FOERDERRADAR_SMTP_HOST/_PORT und ob eine Firewall die Verbindung blockiert."
        )
    if isinstance(exc, aiosmtplib.SMTPConnectResponseError):  # a 4xx/5xx greeting: no service now
        return (
            f"SMTP-Server {where} nimmt keine Mails an ({exc.code} {exc.message}). "
            "Der Server ist erreichbar, verweigert aber den Dienst; der nächste Lauf versucht es erneut."
        )
    if isinstance(exc, OSError) and not isinstance(exc, aiosmtplib.SMTPServerDisconnected):
        return f"SMTP-Server {where} nicht erreichbar ({_cause(exc)}). {_CHECK_ADDRESS}"
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return (
            f"Anmeldung am SMTP-Server {where} fehlgeschlagen ({exc.code} {exc.message}). "
            "Prüfen Sie FOERDERRADAR_SMTP_USER/_PASSWORD."
        )
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        exc = exc.recipients[0]
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused):
        return (
            f"SMTP-Server {where} lehnt den Empfänger {recipient} ab ({exc.code} {exc.message}). "
            "Prüfen Sie die Adresse in digest.recipients bzw. --to."
        )
    if isinstance(exc, aiosmtplib.SMTPSenderRefused):
        return (
            f"SMTP-Server {where} lehnt den Absender {exc.sender} ab ({exc.code} {exc.message}). "
            "Prüfen Sie FOERDERRADAR_MAIL_FROM."
        )
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return f"SMTP-Server {where} unterstützt eine benötigte Funktion nicht ({exc.message}). {_CHECK_TLS}"
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
        return f"SMTP-Server {where} hat die Verbindung getrennt ({exc.message}). {_CHECK_TLS}"
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"SMTP-Server {where} hat die Nachricht abgelehnt ({exc.code} {exc.message})."
    detail = str(exc).rstrip(".")
    if "TLS" in detail.upper():  # e.g. "SMTP STARTTLS extension not supported by server."
        return f"TLS-Verbindung zum SMTP-Server {where} nicht möglich ({detail}). {_CHECK_TLS}"
    return f"Versand über SMTP-Server {where} fehlgeschlagen ({detail}). {_CHECK_ADDRESS}"


async def send(message: EmailMessage, mail: MailSettings) -> None:
    """Deliver to the one recipient in ``To``; raise :class:`DeliveryError` unless it was accepted."""
    recipient = str(message["To"])
    if mail.user and not mail.password:
        raise DeliveryError(
            f"Für den SMTP-Server {mail.host}:{mail.port} ist FOERDERRADAR_SMTP_USER gesetzt, "
            "aber FOERDERRADAR_SMTP_PASSWORD fehlt.",
            host=mail.host,
            port=mail.port,
        )
    try:
        errors, _response = await aiosmtplib.send(
            message,
            sender=mail.mail_from,
            recipients=[recipient],
            hostname=mail.host,
            port=mail.port,
            username=mail.user or None,
            password=mail.password if mail.user else None,
            use_tls=mail.tls,
            # Explicit, never opportunistic: a server offering STARTTLS with a certificate we cannot
            # verify must not break a setup that asked for plain SMTP (e.g. a local relay).
            start_tls=mail.starttls and not mail.tls,
            timeout=mail.timeout_s,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        # Every OSError here (refused, timeout, TLS, disconnect, a refusing greeting) is the server's
        # state, not this message's; SMTP replies to one command (5xx after DATA …) are the message's.
        down = isinstance(exc, OSError)
        raise DeliveryError(explain(exc, mail, recipient), host=mail.host, port=mail.port, server_down=down) from exc
    if recipient in errors:
        refused = errors[recipient]
        raise DeliveryError(
            explain(aiosmtplib.SMTPRecipientRefused(refused.code, refused.message, recipient), mail, recipient),
            host=mail.host,
            port=mail.port,
        )


def send_sync(message: EmailMessage, mail: MailSettings) -> None:
    """For synchronous callers (CLI, scheduler thread): one short-lived event loop per message."""
    asyncio.run(send(message, mail))
