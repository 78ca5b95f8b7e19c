"""One SMTP connection for a batch of messages (``smtp.Session``), against a real aiosmtpd on 127.0.0.1.

The server counts the connections it accepts; servers that end a connection on their own (a
message limit answered with 421, a hang-up after k messages) check that the session opens a new
one and that every message still arrives exactly once. Through ``jobs.run_digests``: all
municipalities of a run share one connection, the ledger stays per message, and a server that
cannot be reached stops the whole batch after one attempt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPProtocol
from smtp_sink import SENDER, FailingInbox, Inbox, SmtpServer, free_port, refusing_server
from sqlmodel import select

from foerderradar import jobs
from foerderradar.model import CallSource, FundingCall, Match
from foerderradar.notifier import smtp
from foerderradar.notifier.message import build_message
from foerderradar.notifier.render import RenderedDigest
from foerderradar.settings import AppSettings, Config, Kommune, MailSettings, MeasuresFile
from foerderradar.storage import Store
from foerderradar.storage.tables import SentDigest

AS_OF = date(2026, 11, 23)


@dataclass
class CountingServer(SmtpServer):
    connections: list[int] = field(default_factory=lambda: [0])

    @property
    def opened(self) -> int:
        return self.connections[0]


class _CountingController(Controller):
    """aiosmtpd calls ``factory`` once per accepted connection."""

    def __init__(self, *args: Any, counter: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counter = counter

    def factory(self) -> SMTPProtocol:
        self.counter[0] += 1
        return super().factory()


@contextmanager
def counting_server(handler: Inbox | None = None, **smtp_options: Any) -> Iterator[CountingServer]:
    """``smtp_options`` go to aiosmtpd's SMTP, e.g. ``command_call_limit={"MAIL": 3}``: the 4th MAIL
    on one connection is answered ``421 … sent too many times`` and the connection closed."""
    inbox, counter = handler or Inbox(), [0]
    controller = _CountingController(inbox, hostname="127.0.0.1", port=free_port(), counter=counter, **smtp_options)
    controller.start()
    counter[0] = 0  # start() opened one itself, to see that the server is up
    try:
        yield CountingServer("127.0.0.1", controller.port, inbox, counter)
    finally:
        controller.stop()


@dataclass
class HangingUpInbox(Inbox):
    """Accepts ``per_connection`` messages on a connection, then hangs up without a word (an
    idle timeout or a relay's limit that does not say 421)."""

    per_connection: int = 2
    carried: dict[int, int] = field(default_factory=dict)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        count = self.carried[id(session)] = self.carried.get(id(session), 0) + 1
        if count >= self.per_connection:
            asyncio.get_running_loop().call_soon(server.transport.close)  # once the 250 is written
        return reply


def message(n: int) -> Any:
    rendered = RenderedDigest(f"Förderradar: Bericht {n}", f"<p>Bericht {n}</p>", f"Bericht {n}\n")
    return build_message(rendered, SENDER, f"empfaenger{n}@kommune.example", f"<{n}@kommune.example>")


def received(server: SmtpServer) -> list[str]:
    return sorted(str(m["Message-ID"]) for m in server.inbox.messages)


def expected(n: int) -> list[str]:
    return sorted(f"<{i}@kommune.example>" for i in range(n))


# -- the session alone ------------------------------------------------------------------------------


def test_a_batch_of_messages_goes_over_one_connection() -> None:
    with counting_server() as server, smtp.Session(server.mail()) as session:
        for n in range(12):
            session.send(message(n))
    assert received(server) == expected(12)
    assert (server.opened, session.connections) == (1, 1)


def test_the_session_opens_a_fresh_connection_after_per_connection_messages() -> None:
    with counting_server() as server, smtp.Session(server.mail(), per_connection=5) as session:
        for n in range(12):
            session.send(message(n))
    assert received(server) == expected(12)
    assert server.opened == 3


def test_a_server_limit_answered_with_421_reconnects_and_delivers_each_once() -> None:
    with counting_server(command_call_limit={"MAIL": 3}) as server, smtp.Session(server.mail()) as session:
        for n in range(10):
            session.send(message(n))
    assert received(server) == expected(10)  # nothing lost, nothing twice
    assert server.opened == 4 and session.down is None


def test_a_server_hanging_up_after_k_messages_reconnects_and_delivers_each_once() -> None:
    with counting_server(HangingUpInbox(per_connection=3)) as server, smtp.Session(server.mail()) as session:
        for n in range(10):
            session.send(message(n))
    assert received(server) == expected(10)
    assert server.opened == 4


def test_a_refused_message_leaves_the_connection_for_the_next() -> None:
    inbox = FailingInbox(fail={"empfaenger1@kommune.example"})
    with counting_server(inbox) as server, smtp.Session(server.mail()) as session:
        session.send(message(0))
        with pytest.raises(smtp.DeliveryError, match=r"hat die Nachricht abgelehnt \(554") as caught:
            session.send(message(1))
        session.send(message(2))
    assert not caught.value.server_down and session.down is None
    assert received(server) == ["<0@kommune.example>", "<2@kommune.example>"]
    assert server.opened == 1


def test_a_refusing_server_marks_the_session_down() -> None:
    with refusing_server() as refusing:
        session = smtp.Session(MailSettings(host="127.0.0.1", port=refusing.port, mail_from=SENDER, timeout_s=2))
        with session, pytest.raises(smtp.DeliveryError, match="nimmt keine Mails an") as caught:
            session.send(message(0))
    assert caught.value.server_down and session.down is caught.value
    assert refusing.connections == 1


# -- several municipalities through jobs.run_digests ------------------------------------------------


def stand_in_matcher(
    calls: list[FundingCall], config: Config, as_of: date, sources: Mapping[str, tuple[CallSource, ...]],
    min_score: float = 0, feedback: object = None,
) -> list[Match]:
    """Every open call matches the municipality's measure: the test is about sending, not scoring."""
    measure = config.measures.measures[0].id
    return [Match(measure, c.id, c.title, c.url, 55.0, True, c.deadline, c.effective_status(as_of), ["Testtreffer"])
            for c in calls]


def kommunen_config(directory: Path, mail: MailSettings, count: int) -> Config:
    """``count`` municipalities with two recipients each."""
    kommunen = [
        Kommune(f"stadt-{i}", MeasuresFile.model_validate({
            "city": {"name": f"Stadt {i}", "region": "DE-NW", "applicant_types": ["kommune"]},
            "measures": [{"id": "glasfaser", "title": "Glasfaser für Gewerbegebiete"}],
            "digest": {"recipients": [f"digital@stadt-{i}.example", f"it@stadt-{i}.example"]},
        }), directory / f"stadt-{i}.yaml")
        for i in range(count)
    ]
    return Config(directory, None, [], AppSettings(mail=mail), kommunen=kommunen, layout="kommunen")


@pytest.fixture
def one_call(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "find_matches", stand_in_matcher)
    store.upsert_call(FundingCall(source="demo", source_id="gf", url="https://www.foerderdatenbank.de/gf",
                                  title="Gigabitförderung für Gewerbegebiete"))


def ledger_rows(store: Store) -> list[tuple[str, str, str, int]]:
    with store.session() as session:
        rows = session.exec(select(SentDigest)).all()
    return sorted((r.kommune, r.recipient, r.status, r.attempts) for r in rows)


@pytest.mark.usefixtures("one_call")
def test_every_municipality_shares_one_connection_and_each_recipient_gets_one_mail(
    store: Store, tmp_path: Path
) -> None:
    with counting_server() as server:
        config = kommunen_config(tmp_path, server.mail(), 4)
        first = jobs.run_digests(store, config, AS_OF, send=True)
        again = jobs.run_digests(store, config, AS_OF, send=True)
    assert [r.status for _, outcome in first for r in outcome.recipients] == ["sent"] * 8
    assert [r.status for _, outcome in again for r in outcome.recipients] == ["already_sent"] * 8
    assert server.opened == 1  # the second run had nothing to send and opened none
    assert sorted(str(m["To"]) for m in server.inbox.messages) == sorted(
        f"{who}@stadt-{i}.example" for i in range(4) for who in ("digital", "it")
    )
    assert {status for _, _, status, _ in ledger_rows(store)} == {"sent"}


@pytest.mark.usefixtures("one_call")
def test_a_server_limit_mid_run_loses_and_repeats_nothing(store: Store, tmp_path: Path) -> None:
    with counting_server(command_call_limit={"MAIL": 3}) as server:
        outcomes = jobs.run_digests(store, kommunen_config(tmp_path, server.mail(), 5), AS_OF, send=True)
    assert [r.status for _, outcome in outcomes for r in outcome.recipients] == ["sent"] * 10
    assert len(server.inbox.messages) == len({str(m["To"]) for m in server.inbox.messages}) == 10
    assert server.opened == 4
    assert [attempts for *_, attempts in ledger_rows(store)] == [1] * 10


@pytest.mark.usefixtures("one_call")
def test_a_server_that_cannot_be_reached_is_tried_once_per_run_not_once_per_municipality(
    store: Store, tmp_path: Path
) -> None:
    with refusing_server() as refusing:
        mail = MailSettings(host="127.0.0.1", port=refusing.port, mail_from=SENDER, timeout_s=2)
        outcomes = jobs.run_digests(store, kommunen_config(tmp_path, mail, 3), AS_OF, send=True)
    results = [r for _, outcome in outcomes for r in outcome.recipients]
    assert refusing.connections == 1
    assert results[0].status == "failed" and "nimmt keine Mails an" in (results[0].message or "")
    assert all(r.status == "failed" and (r.message or "").startswith("nicht versucht: ") for r in results[1:])
    assert all(r.server_down for r in results)
    assert ledger_rows(store) == [("stadt-0", "digital@stadt-0.example", "pending", 1)]  # the rest untouched
