"""Sending for real: an aiosmtpd server on 127.0.0.1, the store on SQLite (and PostgreSQL).

The matcher is replaced by a fixed stand-in in most tests, so that what is checked here is the
notifier (preview, exactly-once, failures), not today's scoring; one test runs the real matcher.
"""

from __future__ import annotations

import asyncio
import email
import re
import socket
import ssl
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.smtp import AuthResult
from config_files import DM, IT, write_config_dir
from smtp_sink import SENDER, SmtpServer, closed_port, smtp_server
from sqlmodel import select
from typer.testing import CliRunner

from foerderradar import jobs
from foerderradar.jobs import run_digest
from foerderradar.model import CallSource, FundingCall, Match
from foerderradar.notifier import ledger, smtp
from foerderradar.notifier.message import build_message
from foerderradar.notifier.render import RenderedDigest
from foerderradar.notifier.service import PLACEHOLDER_RECIPIENT
from foerderradar.settings import AppSettings, Config, DigestSettings, MailSettings, MeasuresFile
from foerderradar.storage import Store
from foerderradar.storage.tables import SentDigest

AS_OF = date(2026, 11, 23)
PERIOD = "2026-W48"
K = "schloss-holte-stukenbrock"  # the municipality of the measures below (its slug)
LONG_AGO = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
OTHER = "kaemmerei@kommune.example"


# -- a real SMTP server: tests/smtp_sink.py ---------------------------------------------------------


@pytest.fixture
def mailserver() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


# -- configuration, calls and a stand-in matcher ---------------------------------------------------


def make_config(tmp_path: Path, mail: MailSettings, recipients: Iterable[str] = (), **digest: Any) -> Config:
    measures = MeasuresFile.model_validate(
        {
            "city": {"name": "Schloß Holte-Stukenbrock", "region": "DE-NW", "applicant_types": ["kommune"]},
            "measures": [
                {"id": "wlan-schulen", "title": "WLAN für alle Schulen", "keywords": ["WLAN", "Schule"]},
                {"id": "ratsinfo", "title": "Ratsinformationssystem", "status": "done"},
            ],
        }
    )
    settings = AppSettings(digest=DigestSettings(recipients=list(recipients), **digest), mail=mail)
    return Config(directory=tmp_path, measures=measures, portals=[], settings=settings)


def add_call(store: Store, source_id: str, title: str, now: datetime | None = LONG_AGO, **fields: Any) -> FundingCall:
    call = FundingCall(
        source="demo",
        source_id=source_id,
        url=f"https://www.foerderdatenbank.de/{source_id}",
        title=title,
        **fields,
    )
    store.upsert_call(call, now=now)
    return call


def stand_in_matcher(
    calls: Iterable[FundingCall],
    config: Config,
    as_of: date,
    sources: Mapping[str, tuple[CallSource, ...]] | None = None,
    min_score: float = 0,
    feedback: object = None,
) -> list[Match]:
    """Every open call matches the first measure: enough to exercise everything after matching."""
    return [
        Match("wlan-schulen", c.id, c.title, c.url, 55.0, True, c.deadline, c.effective_status(as_of), ["Testtreffer"])
        for c in calls
        if c.effective_status(as_of) != "closed"
    ]


@pytest.fixture
def matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "find_matches", stand_in_matcher)


@pytest.fixture
def two_calls(store: Store) -> list[FundingCall]:
    return [
        add_call(
            store,
            "wlan-1",
            "Förderaufruf „Digitale Schule“: WLAN für Schulträger",
            funding_body="Ministerium für Schule und Bildung NRW",
            funding_rate_pct=90,
            max_amount_eur=250000,
            deadline=date(2026, 12, 1),
        ),
        add_call(store, "gigabit", "Gigabitförderung 2.0 – Graue Flecken", deadline_text="laufend"),
    ]


def rows(store: Store) -> dict[str, SentDigest]:
    with store.session() as session:
        return {r.recipient: r for r in session.exec(select(SentDigest)).all()}


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert isinstance(part, EmailMessage)
    content: str = part.get_content()
    return content.replace("\r\n", "\n")  # SMTP carries CRLF; compare with what was rendered


# -- smtp.send --------------------------------------------------------------------------------------


def sample_message(recipient: str = DM) -> EmailMessage:
    rendered = RenderedDigest("Förderradar: 1 neue Treffer – 2026-W48", "<p>Grüße aus Schloß Holte</p>", "Grüße\n")
    return build_message(rendered, SENDER, recipient, "<test@kommune.example>")


def test_send_delivers_one_utf8_multipart_message(mailserver: SmtpServer) -> None:
    asyncio.run(smtp.send(sample_message(), mailserver.mail()))
    [received] = mailserver.inbox.messages
    assert mailserver.inbox.envelopes == [(SENDER, [DM])]
    assert received["Subject"] == "Förderradar: 1 neue Treffer – 2026-W48"
    assert received.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in received.iter_parts()] == ["text/plain", "text/html"]
    html = received.get_body(preferencelist=("html",))
    assert isinstance(html, EmailMessage) and "Grüße aus Schloß Holte" in html.get_content()


def test_unreachable_server_names_host_port_and_what_to_check() -> None:
    with closed_port() as port, pytest.raises(smtp.DeliveryError) as caught:
        smtp.send_sync(sample_message(), MailSettings(host="127.0.0.1", port=port, timeout_s=5))
    assert str(caught.value) == (
        f"SMTP-Server 127.0.0.1:{port} nicht erreichbar (Connection refused). Prüfen Sie FOERDERRADAR_SMTP_HOST/_PORT."
    )
    assert (caught.value.host, caught.value.port) == ("127.0.0.1", port)


def test_refused_recipient_is_named(mailserver: SmtpServer) -> None:
    mailserver.inbox.refuse.add(IT)
    with pytest.raises(smtp.DeliveryError, match=rf"lehnt den Empfänger {IT} ab \(550 5\.1\.1 Mailbox unavailable\)"):
        smtp.send_sync(sample_message(IT), mailserver.mail())
    assert mailserver.inbox.messages == []


def test_wrong_password_points_at_the_credentials() -> None:
    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        return AuthResult(success=False, handled=False)

    with smtp_server(authenticator=authenticator, auth_require_tls=False) as server:
        mail = server.mail(user="radar", password="falsch")
        with pytest.raises(smtp.DeliveryError) as caught:
            smtp.send_sync(sample_message(), mail)
    message = str(caught.value)
    assert f"Anmeldung am SMTP-Server 127.0.0.1:{server.port} fehlgeschlagen (535" in message
    assert "FOERDERRADAR_SMTP_USER/_PASSWORD" in message


def test_user_without_password_fails_before_connecting(mailserver: SmtpServer) -> None:
    with pytest.raises(smtp.DeliveryError, match="FOERDERRADAR_SMTP_PASSWORD fehlt"):
        smtp.send_sync(sample_message(), mailserver.mail(user="radar"))


def test_starttls_required_but_not_offered_is_explained(mailserver: SmtpServer) -> None:
    with pytest.raises(smtp.DeliveryError, match=rf"127\.0\.0\.1:{mailserver.port}.*FOERDERRADAR_SMTP_STARTTLS"):
        smtp.send_sync(sample_message(), mailserver.mail(starttls=True))


def test_silent_server_times_out_with_a_clear_message() -> None:
    """Accepts the connection but never greets: the timeout, not a hang, ends the attempt."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(smtp.DeliveryError) as caught:
            smtp.send_sync(sample_message(), MailSettings(host="127.0.0.1", port=port, timeout_s=0.5))
    assert str(caught.value) == (
        f"SMTP-Server 127.0.0.1:{port} antwortet nicht (Zeitüberschreitung nach 0.5 s). "
        "Prüfen Sie FOERDERRADAR_SMTP_HOST/_PORT und ob eine Firewall die Verbindung blockiert."
    )


def _caused(exc: Exception, cause: BaseException) -> Exception:
    exc.__cause__ = cause
    return exc


EXPLAINED = [
    (
        _caused(aiosmtplib.SMTPConnectError("Error connecting"), ConnectionRefusedError(111, "Connect call failed")),
        "SMTP-Server mail.kommune.example:587 nicht erreichbar (Connection refused). "
        "Prüfen Sie FOERDERRADAR_SMTP_HOST/_PORT.",
    ),
    (
        _caused(aiosmtplib.SMTPConnectError("Error connecting"), socket.gaierror(-2, "Name or service not known")),
        "SMTP-Server mail.kommune.example:587 nicht erreichbar (Name or service not known). "
        "Prüfen Sie FOERDERRADAR_SMTP_HOST/_PORT.",
    ),
    (
        aiosmtplib.SMTPAuthenticationError(535, "5.7.8 Authentication credentials invalid"),
        "Anmeldung am SMTP-Server mail.kommune.example:587 fehlgeschlagen "
        "(535 5.7.8 Authentication credentials invalid). Prüfen Sie FOERDERRADAR_SMTP_USER/_PASSWORD.",
    ),
    (
        aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, "5.1.1 unknown", DM)]),
        f"SMTP-Server mail.kommune.example:587 lehnt den Empfänger {DM} ab (550 5.1.1 unknown). "
        "Prüfen Sie die Adresse in digest.recipients bzw. --to.",
    ),
    (
        aiosmtplib.SMTPSenderRefused(553, "5.7.1 Sender not owned", SENDER),
        f"SMTP-Server mail.kommune.example:587 lehnt den Absender {SENDER} ab (553 5.7.1 Sender not owned). "
        "Prüfen Sie FOERDERRADAR_MAIL_FROM.",
    ),
    (
        aiosmtplib.SMTPException("SMTP STARTTLS extension not supported by server."),
        "TLS-Verbindung zum SMTP-Server mail.kommune.example:587 nicht möglich "
        "(SMTP STARTTLS extension not supported by server). Prüfen Sie FOERDERRADAR_SMTP_STARTTLS/_TLS und den Port.",
    ),
    (
        ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"),
        "TLS-Verbindung zum SMTP-Server mail.kommune.example:587 fehlgeschlagen",
    ),
    (
        aiosmtplib.SMTPDataError(552, "5.3.4 Message too big"),
        "SMTP-Server mail.kommune.example:587 hat die Nachricht abgelehnt (552 5.3.4 Message too big).",
    ),
]


@pytest.mark.parametrize(("exc", "expected"), EXPLAINED, ids=[type(e).__name__ for e, _ in EXPLAINED])
def test_every_failure_is_explained_in_german(exc: Exception, expected: str) -> None:
    mail = MailSettings(host="mail.kommune.example", port=587)
    assert smtp.explain(exc, mail, DM).startswith(expected)


# -- run_digest: preview ------------------------------------------------------------------------------


@pytest.mark.usefixtures("matcher", "two_calls")
def test_preview_writes_html_text_and_eml_without_sending(
    store: Store, tmp_path: Path, mailserver: SmtpServer
) -> None:
    cfg = make_config(tmp_path, mailserver.mail())
    outcome = run_digest(store, cfg, AS_OF, preview_dir=tmp_path / "vorschau")
    assert [p.name for p in outcome.paths] == ["digest.html", "digest.txt", "digest.eml", "fristen.ics"]
    assert all(p.parent == tmp_path / "vorschau" and p.stat().st_size > 0 for p in outcome.paths)
    assert outcome.period == PERIOD
    assert outcome.summary == "2 neue passende Förderaufrufe, 1 Frist in den nächsten 14 Tagen"
    assert outcome.recipients == []
    html, text, eml, ics = outcome.paths
    assert ics.read_text(encoding="utf-8").count("BEGIN:VEVENT") >= 1
    assert "Förderaufruf „Digitale Schule“: WLAN für Schulträger" in html.read_text(encoding="utf-8")
    assert "[NEU] Gigabitförderung 2.0 – Graue Flecken" in text.read_text(encoding="utf-8")
    message = email.message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert isinstance(message, EmailMessage)
    assert message["To"] == PLACEHOLDER_RECIPIENT
    assert message["Subject"] == "Förderradar: 2 neue Treffer – KW 48/2026"
    assert text_part(message) == text.read_text(encoding="utf-8")
    assert mailserver.inbox.messages == [] and rows(store) == {}


@pytest.mark.usefixtures("matcher", "two_calls")
def test_preview_eml_is_addressed_to_the_first_recipient(store: Store, tmp_path: Path) -> None:
    cfg = make_config(tmp_path, MailSettings(mail_from=SENDER), recipients=[DM, IT])
    outcome = run_digest(store, cfg, AS_OF, preview_dir=tmp_path)
    message = email.message_from_bytes((tmp_path / "digest.eml").read_bytes(), policy=default_policy)
    assert message["To"] == DM
    assert outcome.recipients == [] and rows(store) == {}


# -- run_digest: sending exactly once -------------------------------------------------------------


@pytest.mark.usefixtures("matcher", "two_calls")
def test_sending_twice_delivers_once_per_recipient(store: Store, tmp_path: Path, mailserver: SmtpServer) -> None:
    cfg = make_config(tmp_path, mailserver.mail(), recipients=[DM, IT])
    first = run_digest(store, cfg, AS_OF, send=True)
    assert [(r.recipient, r.status) for r in first.recipients] == [(DM, "sent"), (IT, "sent")]
    assert first.ok

    second = run_digest(store, cfg, AS_OF, send=True)
    assert [(r.recipient, r.status) for r in second.recipients] == [(DM, "already_sent"), (IT, "already_sent")]
    assert all(re.fullmatch(r"am \d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr", r.message or "") for r in second.recipients)

    assert [len(mailserver.inbox.to(DM)), len(mailserver.inbox.to(IT))] == [1, 1]
    assert len(mailserver.inbox.messages) == 2
    ledger_rows = rows(store)
    for address in (DM, IT):
        [received] = mailserver.inbox.to(address)
        row = ledger_rows[address]
        assert (row.period, row.status, row.attempts, row.last_error) == (PERIOD, "sent", 1, None)
        assert row.message_id == received["Message-ID"]
        assert row.sent_at is not None
        assert received["Subject"] == "Förderradar: 2 neue Treffer – KW 48/2026"
        assert "Schloß Holte-Stukenbrock" in text_part(received)
        assert "bis 90\u00a0% (Eigenanteil ab 10\u00a0%), max. 250.000\u00a0€" in text_part(received)
    assert mailserver.inbox.to(DM)[0]["Message-ID"] != mailserver.inbox.to(IT)[0]["Message-ID"]


@pytest.mark.usefixtures("matcher", "two_calls")
def test_unreachable_server_leaves_it_pending_and_a_later_run_sends(store: Store, tmp_path: Path) -> None:
    with closed_port() as port:
        cfg = make_config(tmp_path, MailSettings(host="127.0.0.1", port=port, mail_from=SENDER), recipients=[DM])
        outcome = run_digest(store, cfg, AS_OF, send=True)
    [result] = outcome.recipients
    assert result.status == "failed" and not outcome.ok
    assert f"127.0.0.1:{port} nicht erreichbar" in (result.message or "")
    row = rows(store)[DM]
    assert (row.status, row.attempts, row.sent_at) == ("pending", 1, None)
    assert row.last_error == result.message

    with smtp_server(port) as server:
        retry = run_digest(store, cfg, AS_OF, send=True)
        again = run_digest(store, cfg, AS_OF, send=True)
    assert [r.status for r in retry.recipients] == ["sent"]
    assert [r.status for r in again.recipients] == ["already_sent"]
    assert len(server.inbox.to(DM)) == 1
    row = rows(store)[DM]
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


@pytest.mark.usefixtures("matcher", "two_calls")
def test_a_refused_recipient_does_not_hold_back_the_others(
    store: Store, tmp_path: Path, mailserver: SmtpServer
) -> None:
    mailserver.inbox.refuse.add(IT)
    cfg = make_config(tmp_path, mailserver.mail(), recipients=[IT, DM])  # the failing one first
    first = run_digest(store, cfg, AS_OF, send=True)
    assert [(r.recipient, r.status) for r in first.recipients] == [(IT, "failed"), (DM, "sent")]
    assert "550" in (first.recipients[0].message or "")

    second = run_digest(store, cfg, AS_OF, send=True)
    assert [(r.recipient, r.status) for r in second.recipients] == [(IT, "failed"), (DM, "already_sent")]
    assert len(mailserver.inbox.to(DM)) == 1
    assert (rows(store)[IT].status, rows(store)[IT].attempts) == ("pending", 2)

    mailserver.inbox.refuse.clear()
    third = run_digest(store, cfg, AS_OF, send=True)
    assert [(r.recipient, r.status) for r in third.recipients] == [(IT, "sent"), (DM, "already_sent")]
    assert [len(mailserver.inbox.to(IT)), len(mailserver.inbox.to(DM))] == [1, 1]


@pytest.mark.usefixtures("matcher")
def test_new_is_relative_to_the_recipients_previous_digest(
    store: Store, tmp_path: Path, mailserver: SmtpServer
) -> None:
    add_call(store, "alt", "Gigabitförderung 2.0 – Graue Flecken")
    cfg = make_config(tmp_path, mailserver.mail(), recipients=[DM])
    last_week = run_digest(store, cfg, date(2026, 11, 16), send=True)
    assert [r.status for r in last_week.recipients] == ["sent"]

    add_call(store, "neu", "Förderaufruf „Digitale Schule“: WLAN für Schulträger", now=None)  # seen just now
    this_week = run_digest(store, cfg, AS_OF, send=True)
    assert this_week.summary.startswith("1 neuer passender Förderaufruf")
    text = text_part(mailserver.inbox.to(DM)[-1])
    assert "[NEU] Förderaufruf „Digitale Schule“" in text
    # Known and unchanged, a possible match (55/100) is counted, not shown again.
    assert "Graue Flecken" not in text and "1 weiterer möglicher Treffer ohne Änderung" in text
    assert "seit dem letzten Bericht vom " in text
    assert [m["Subject"] for m in mailserver.inbox.to(DM)] == [
        "Förderradar: 1 neuer Treffer – KW 47/2026",
        "Förderradar: 1 neuer Treffer – KW 48/2026",
    ]


@pytest.mark.usefixtures("matcher", "two_calls")
def test_to_replaces_configured_recipients_and_is_normalised(
    store: Store, tmp_path: Path, mailserver: SmtpServer
) -> None:
    cfg = make_config(tmp_path, mailserver.mail(), recipients=[DM])
    outcome = run_digest(store, cfg, AS_OF, send=True, to=[" IT@Kommune.example", IT])
    assert [(r.recipient, r.status) for r in outcome.recipients] == [(IT, "sent")]
    assert mailserver.inbox.to(DM) == []


@pytest.mark.parametrize(
    ("recipients", "to", "error"),
    [
        ([], None, "Keine Empfänger: digest.recipients in foerderradar.toml eintragen oder --to ADRESSE angeben."),
        ([], ["kein-at-zeichen"], "Ungültige Empfängeradresse 'kein-at-zeichen'"),
        (["a@kommune.example\r\nBcc: x@evil.example"], None, "Ungültige Empfängeradresse"),
    ],
)
@pytest.mark.usefixtures("matcher")
def test_recipient_problems_stop_before_anything_is_sent(
    store: Store, tmp_path: Path, mailserver: SmtpServer, recipients: list[str], to: list[str] | None, error: str
) -> None:
    cfg = make_config(tmp_path, mailserver.mail(), recipients=recipients)
    with pytest.raises(ValueError, match=error.replace(".", r"\.")):
        run_digest(store, cfg, AS_OF, send=True, to=to)
    assert mailserver.inbox.messages == [] and rows(store) == {}


@pytest.mark.usefixtures("matcher", "two_calls")
def test_a_broken_subject_template_stops_before_the_first_mail(
    store: Store, tmp_path: Path, mailserver: SmtpServer
) -> None:
    cfg = make_config(tmp_path, mailserver.mail(), recipients=[DM], subject="{neue} Treffer")
    with pytest.raises(ValueError, match=r"digest\.subject: unbekannter Platzhalter \{neue\}"):
        run_digest(store, cfg, AS_OF, send=True)
    assert mailserver.inbox.messages == [] and rows(store) == {}


# -- the ledger ---------------------------------------------------------------------------------------


def test_claim_survives_losing_the_insert_race(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process inserts the row between our read and our insert: we re-read, not crash."""
    with store.session() as session:
        session.add(SentDigest(kommune=K, period=PERIOD, recipient=DM, status="sent", created_at=LONG_AGO,
                               sent_at=LONG_AGO))
        session.commit()
    real_find = ledger.find
    calls: list[str] = []

    def stale_first_read(store_: Store, period: str, recipient: str, *, kommune: str) -> SentDigest | None:
        calls.append(period)
        return None if len(calls) == 1 else real_find(store_, period, recipient, kommune=kommune)

    monkeypatch.setattr(ledger, "find", stale_first_read)
    row = ledger.claim(store, PERIOD, DM, kommune=K)
    assert (row.status, row.sent_at) == ("sent", LONG_AGO)
    assert len(calls) == 2 and len(rows(store)) == 1


def test_begin_attempt_refuses_a_row_that_is_already_sent(store: Store) -> None:
    row = ledger.claim(store, PERIOD, DM, kommune=K)
    assert row.id is not None
    assert ledger.begin_attempt(store, row.id) is True
    ledger.mark_sent(store, row.id, "<m@x>")
    assert ledger.begin_attempt(store, row.id) is False
    assert rows(store)[DM].attempts == 1


def test_previous_cutoff_only_counts_sent_digests_of_earlier_periods(store: Store) -> None:
    def put(period: str, recipient: str, status: str, sent_at: datetime | None,
            covers_until: datetime | None = None) -> None:
        with store.session() as session:
            session.add(SentDigest(kommune=K, period=period, recipient=recipient, status=status, created_at=LONG_AGO,
                                   sent_at=sent_at, covers_until=covers_until))
            session.commit()

    put("2026-W46", DM, "sent", datetime(2026, 11, 9, 7, tzinfo=UTC))
    put("2026-W47", DM, "sent", datetime(2026, 11, 16, 7, tzinfo=UTC))
    put("2026-W47", IT, "sent", datetime(2026, 11, 17, 7, tzinfo=UTC))  # another recipient
    put(PERIOD, DM, "sent", datetime(2026, 11, 23, 7, tzinfo=UTC))  # this period itself
    put("2026-W45", IT, "pending", None)
    # A digest that records what data it covered: that, not the sending time, is the cutoff.
    put("2026-W47", OTHER, "sent", datetime(2026, 11, 16, 9, tzinfo=UTC), datetime(2026, 11, 16, 6, tzinfo=UTC))
    # Rows sent before covers_until existed fall back to their sent_at.
    assert ledger.previous_cutoff(store, DM, PERIOD, kommune=K) == datetime(2026, 11, 16, 7, tzinfo=UTC)
    assert ledger.previous_cutoff(store, DM, "2026-W47", kommune=K) == datetime(2026, 11, 9, 7, tzinfo=UTC)
    assert ledger.previous_cutoff(store, IT, "2026-W47", kommune=K) is None
    assert ledger.previous_cutoff(store, "niemand@kommune.example", PERIOD, kommune=K) is None
    assert ledger.previous_cutoff(store, OTHER, PERIOD, kommune=K) == datetime(2026, 11, 16, 6, tzinfo=UTC)


# -- with the real matcher and through the CLI --------------------------------------------------------


def test_preview_with_the_real_matcher(store: Store, tmp_path: Path) -> None:
    add_call(
        store,
        "wlan-schule",
        "WLAN für Schulen: Förderung der digitalen Infrastruktur an Schulen",
        summary="Zuschüsse für WLAN und Netzwerke an Schulen in kommunaler Trägerschaft.",
        applicants=["kommune", "schultraeger"],
        regions=["DE-NW"],
        funding_type=["zuschuss"],
        status="open",
        deadline=date(2027, 3, 31),
    )
    cfg = make_config(tmp_path, MailSettings(), min_score=0)
    outcome = run_digest(store, cfg, AS_OF, preview_dir=tmp_path / "out")
    text = (tmp_path / "out" / "digest.txt").read_text(encoding="utf-8")
    assert outcome.period == PERIOD
    assert "Passt zu: WLAN für alle Schulen (" in text and "Ratsinformationssystem" not in text


CONFIG_MEASURES = """\
city: {name: Schloß Holte-Stukenbrock, region: DE-NW, applicant_types: [kommune]}
measures:
  - {id: wlan-schulen, title: WLAN für alle Schulen}
"""


@pytest.mark.usefixtures("matcher", "two_calls")
def test_cli_exits_non_zero_while_a_recipient_fails(
    store: Store, db_url: str, tmp_path: Path, mailserver: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from foerderradar.cli import app

    config_dir = write_config_dir(
        tmp_path / "config", measures=CONFIG_MEASURES, toml=f'[digest]\nrecipients = ["{DM}", "{IT}"]\n'
    )
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", db_url)
    monkeypatch.setenv("FOERDERRADAR_SMTP_HOST", mailserver.host)
    monkeypatch.setenv("FOERDERRADAR_SMTP_PORT", str(mailserver.port))
    monkeypatch.setenv("FOERDERRADAR_MAIL_FROM", SENDER)
    mailserver.inbox.refuse.add(IT)

    def run() -> Any:
        return CliRunner().invoke(app, ["digest", "--send", "--as-of", "2026-11-23", "--config", str(config_dir)])

    failing = run()
    assert failing.exit_code == 1, failing.output
    assert f"versendet: {DM}" in failing.output and f"fehlgeschlagen: {IT}" in failing.output

    mailserver.inbox.refuse.clear()
    fixed = run()
    assert fixed.exit_code == 0, fixed.output
    assert f"bereits versendet: {DM}" in fixed.output and f"versendet: {IT}" in fixed.output
    assert [len(mailserver.inbox.to(DM)), len(mailserver.inbox.to(IT))] == [1, 1]
