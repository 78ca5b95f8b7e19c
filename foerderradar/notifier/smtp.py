"""Handing messages to the SMTP server — a batch on one connection — and saying in German what to fix
when that fails.

The person reading the error is city IT, not a Python developer: every :class:`DeliveryError` names
the server and the setting to check, never just an exception class.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
from email.message import EmailMessage

import aiosmtplib

from foerderradar.settings import MailSettings

log = logging.getLogger(__name__)

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


# A server may cap the messages of one connection (Exchange, many relays) and says so with 421 or by
# hanging up; opening a fresh connection before reaching a usual cap avoids the failed attempt.
MESSAGES_PER_CONNECTION = 100
_CLOSING = 421  # "service not available, closing transmission channel": this connection is over


class Connection:
    """One SMTP connection for a batch of messages (async; :class:`Session` drives it from sync code).

    Opening a connection costs a TCP (and often a TLS) handshake and a login; a run over many
    municipalities sends hundreds of digests, and one connection per message makes that most of
    the sending time — and looks like a flood to the city's relay. The connection is opened on the
    first message and kept. It is opened again after ``per_connection`` messages, and when a
    *reused* connection turns out to be gone (the server's idle timeout or message limit: a hang-up
    or 421 instead of an answer about the message); that message is then tried once more on the
    fresh connection. A message the server did not confirm may have been accepted all the same, so
    the retry can deliver it twice (same Message-ID) — the window the ledger already allows for a
    run killed while sending (``service.deliver``); it can never lose one. Nothing else is retried:
    an error on a fresh connection is the server's answer.

    Each message is accepted or refused on its own (:meth:`send` raises :class:`DeliveryError`), so
    the caller's ledger steps around each message stay as they were.
    """

    def __init__(self, mail: MailSettings, *, per_connection: int = MESSAGES_PER_CONNECTION) -> None:
        self.mail = mail
        self.per_connection = max(1, per_connection)
        self.opened = 0  # connections opened (or tried): what the benchmark and the tests count
        self._client: aiosmtplib.SMTP | None = None
        self._carried = 0  # messages the open connection has carried

    async def send(self, message: EmailMessage) -> None:
        """Deliver to the one recipient in ``To``; raise :class:`DeliveryError` unless it was accepted."""
        mail = self.mail
        recipient = str(message["To"])
        if mail.user and not mail.password:
            raise DeliveryError(
                f"Für den SMTP-Server {mail.host}:{mail.port} ist FOERDERRADAR_SMTP_USER gesetzt, "
                "aber FOERDERRADAR_SMTP_PASSWORD fehlt.",
                host=mail.host,
                port=mail.port,
            )
        try:
            errors = await self._transaction(message, recipient)
        except (aiosmtplib.SMTPException, OSError) as exc:
            if isinstance(exc, OSError) or _gone(exc):  # the connection's state is unknown or over
                self._drop()
            # Every OSError here (refused, timeout, TLS, disconnect, a refusing greeting) is the server's
            # state, not this message's; SMTP replies to one command (5xx after DATA …) are the message's.
            down = isinstance(exc, OSError)
            explained = explain(exc, mail, recipient)
            raise DeliveryError(explained, host=mail.host, port=mail.port, server_down=down) from exc
        if recipient in errors:
            refused = errors[recipient]
            raise DeliveryError(
                explain(aiosmtplib.SMTPRecipientRefused(refused.code, refused.message, recipient), mail, recipient),
                host=mail.host,
                port=mail.port,
            )

    async def close(self) -> None:
        """QUIT if the connection is still there; a failing QUIT changes nothing (every message was
        answered before it)."""
        client, self._client = self._client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            pass
        finally:
            client.close()

    async def _transaction(self, message: EmailMessage, recipient: str) -> dict[str, aiosmtplib.SMTPResponse]:
        if self._client is not None and self._carried >= self.per_connection:
            await self.close()
        reused = self._client is not None and self._client.is_connected
        client = await self._connected()
        try:
            errors, _ = await client.send_message(message, sender=self.mail.mail_from, recipients=[recipient])
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPResponseException) as exc:
            if not (reused and _gone(exc)):
                raise
            log.info("SMTP-Server %s:%s hat die Verbindung beendet (%s); neue Verbindung", self.mail.host,
                     self.mail.port, exc)
            self._drop()
            client = await self._connected()
            errors, _ = await client.send_message(message, sender=self.mail.mail_from, recipients=[recipient])
        self._carried += 1
        return errors

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        mail = self.mail
        client = aiosmtplib.SMTP(
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
        self.opened += 1
        await client.connect()  # closes itself when any step (greeting, STARTTLS, login) fails
        self._client, self._carried = client, 0
        return client

    def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None


def _gone(exc: BaseException) -> bool:
    """The server ended the connection instead of answering about the message (hang-up or 421)."""
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
        return True
    return isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code == _CLOSING


class Session:
    """A :class:`Connection` for synchronous callers (CLI, scheduler thread): one event loop for the
    whole batch instead of one per message, since the connection belongs to the loop it was opened
    in. Use as a context manager, in the thread that created it.

    ``down`` keeps the first failure that means the server cannot be talked to at all, so a batch
    (every municipality of a run) stops asking it instead of waiting out the same timeout again.
    """

    def __init__(self, mail: MailSettings, *, per_connection: int = MESSAGES_PER_CONNECTION) -> None:
        self.mail = mail
        self.down: DeliveryError | None = None
        self._connection = Connection(mail, per_connection=per_connection)
        self._loop = asyncio.new_event_loop()

    @property
    def connections(self) -> int:
        return self._connection.opened

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        """Deliver one message (see :meth:`Connection.send`)."""
        try:
            self._loop.run_until_complete(self._connection.send(message))
        except DeliveryError as exc:
            if exc.server_down and self.down is None:
                self.down = exc
            raise

    def close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            self._loop.run_until_complete(self._connection.close())
        finally:
            self._loop.close()


async def send(message: EmailMessage, mail: MailSettings) -> None:
    """One message on a connection of its own, for async callers without a batch."""
    connection = Connection(mail)
    try:
        await connection.send(message)
    finally:
        await connection.close()


def send_sync(message: EmailMessage, mail: MailSettings) -> None:
    """One message on a connection of its own, for sync callers without a batch (health alerts)."""
    with Session(mail) as session:
        session.send(message)
