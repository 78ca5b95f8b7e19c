"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 that keeps what it accepts — and servers
that fail on purpose, for the fault matrix (tests/notifier/test_fault_matrix_smtp.py):

- :class:`FailingInbox`: takes the whole message, then rejects it (e.g. ``554`` after DATA);
- :class:`HoldingInbox`: takes the message and keeps the sender waiting for the reply until the
  test releases it;
- :func:`silent_server`: accepts TCP connections and never says a word (a hung server, a black-holing
  firewall);
- :func:`refusing_server`: greets with ``554`` and hangs up (a server that is up but gives no service);
- :func:`closed_port`: nothing listens; connections are refused.

Shared by the notifier tests and the portal-health tests (alert mails).
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
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


@dataclass
class FailingInbox(Inbox):
    """Reads the whole message, then answers ``reply`` instead of 250 — for the first ``times``
    messages to each address in ``fail`` (all of them with ``times=None``)."""

    fail: set[str] = field(default_factory=set)
    reply: str = "554 5.6.0 Message rejected after DATA: content policy"
    times: int | None = 1
    rejected: list[str] = field(default_factory=list)  # addresses, in order

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        targets = [r for r in envelope.rcpt_tos if r in self.fail]
        if targets and (self.times is None or self.rejected.count(targets[0]) < self.times):
            self.rejected.append(targets[0])
            return self.reply
        return await super().handle_DATA(server, session, envelope)


@dataclass
class HoldingInbox(Inbox):
    """Keeps a message to an address in ``hold``, then makes the sender wait for the 250 until
    ``release`` is set: the test can act at the instant between "accepted" and "sender knows"."""

    hold: set[str] = field(default_factory=set)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if set(envelope.rcpt_tos) & self.hold:
            self.arrived.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        return reply


@dataclass
class RawServer:
    port: int
    connections: int = 0


def _raw_server(greeting: bytes | None) -> Iterator[RawServer]:
    """A TCP server on 127.0.0.1 that sends ``greeting`` and hangs up, or (None) stays silent."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)
    state = RawServer(listener.getsockname()[1])
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            state.connections += 1
            if greeting is None:
                held.append(conn)  # kept open, never answered
            else:
                conn.sendall(greeting)
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        for conn in held:
            conn.close()


@contextmanager
def silent_server() -> Iterator[RawServer]:
    yield from _raw_server(None)


@contextmanager
def refusing_server(reply: bytes = b"554 5.3.2 Service not available\r\n") -> Iterator[RawServer]:
    yield from _raw_server(reply)


@contextmanager
def closed_port() -> Iterator[int]:
    """A port that refuses connections: bound (so nobody else takes it) but not listening."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()
