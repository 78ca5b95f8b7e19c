"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 that keeps what it accepts.

Shared by the notifier tests and the portal-health tests (alert mails).
"""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller

from foerderradar.settings import MailSettings

SENDER = "foerderradar@kommune.example"


@dataclass
class Inbox:
    """aiosmtpd handler: keeps every accepted message, refuses RCPT for the addresses in ``refuse``."""

    refuse: set[str] = field(default_factory=set)
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def to(self, recipient: str) -> list[EmailMessage]:
        return [m for m, (_, rcpts) in zip(self.messages, self.envelopes, strict=True) if recipient in rcpts]


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox

    def mail(self, **overrides: Any) -> MailSettings:
        return MailSettings(host=self.host, port=self.port, mail_from=SENDER, timeout_s=5, **overrides)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def smtp_server(
    port: int | None = None, handler: Inbox | None = None, **controller_options: Any
) -> Iterator[SmtpServer]:
    """``handler``: an Inbox subclass that misbehaves on purpose (fails, stalls …)."""
    inbox = handler or Inbox()
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **controller_options)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, inbox)
    finally:
        controller.stop()
