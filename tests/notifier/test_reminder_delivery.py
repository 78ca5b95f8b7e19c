"""Reminders sent for real (``jobs.run_reminders``): an aiosmtpd server on 127.0.0.1, the store on
SQLite and PostgreSQL, the ``sent_digests`` ledger — each reminder once per recipient, an outage
left pending and sent on the next run, each municipality's recipients only their own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from smtp_sink import SmtpServer, closed_port, smtp_server
from sqlmodel import select

from foerderradar.jobs import run_reminders
from foerderradar.model import FundingCall
from foerderradar.settings import (
    AppSettings,
    Config,
    DigestSettings,
    Kommune,
    MailSettings,
    MeasuresFile,
    ReminderSettings,
    WebSettings,
)
from foerderradar.storage import Store
from foerderradar.storage.marks import set_mark
from foerderradar.storage.tables import SentDigest

AS_OF = date(2026, 12, 1)
T = datetime(2026, 11, 1, tzinfo=UTC)
DM = "dm@verl.example"
OWNER = "glasfaser@verl.example"
OTHER_DM = "dm@steinhagen.example"
MEASURES = [
    {"id": "breitband", "title": "Glasfaser im Gewerbegebiet", "owner": OWNER},
    {"id": "schulen", "title": "WLAN in Schulen"},
    {"id": "ratsinfo", "title": "Ratsinformationssystem", "status": "done"},
]


@pytest.fixture
def mailserver() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


def profile(name: str, recipients: list[str], measures: list[dict[str, Any]] = MEASURES) -> MeasuresFile:
    return MeasuresFile.model_validate({
        "city": {"name": name, "region": "DE-NW", "applicant_types": ["kommune"]},
        "measures": measures, "digest": {"recipients": recipients},
    })


def single(mail: MailSettings, recipients: tuple[str, ...] = (DM,), **settings: Any) -> Config:
    app = AppSettings(mail=mail, digest=DigestSettings(recipients=list(recipients)), **settings)
    return Config(Path("."), profile("Verl", []), [], app)


def several(mail: MailSettings) -> Config:
    kommunen = [Kommune("verl", profile("Verl", [DM]), Path("verl.yaml")),
                Kommune("steinhagen", profile("Steinhagen", [OTHER_DM]), Path("steinhagen.yaml"))]
    return Config(Path("."), None, [], AppSettings(mail=mail), kommunen=kommunen, layout="kommunen")


def add_call(store: Store, source_id: str, title: str, deadline: date | None, **fields: Any) -> str:
    call = FundingCall(source="nrw", source_id=source_id, url=f"https://www.nrw.example/{source_id}", title=title,
                       deadline=deadline, **fields)
    store.upsert_call(call, now=T)
    return call.id


def in_days(days: int) -> date:
    return AS_OF + timedelta(days=days)


def subjects(messages: list[EmailMessage]) -> list[str]:
    return sorted(str(m["Subject"]) for m in messages)


def ledger_rows(store: Store) -> list[tuple[str, str, str]]:
    with store.session() as session:
        rows = session.exec(select(SentDigest)).all()
        return sorted((r.kommune, r.recipient, r.status) for r in rows)


def test_each_reminder_goes_out_once_to_recipients_and_owner(store: Store, mailserver: SmtpServer) -> None:
    config = single(mailserver.mail())
    gigabit = add_call(store, "gigabit", "Gigabit.NRW – Kofinanzierung", in_days(14))
    schule = add_call(store, "schule", "Digitale Schule", in_days(3))
    later = add_call(store, "spaeter", "Später", in_days(20))
    set_mark(store, "verl", gigabit, "breitband", "applied", note="Az. 4711")
    set_mark(store, "verl", schule, "schulen", "relevant")
    set_mark(store, "verl", later, "schulen", "applied")
    set_mark(store, "verl", schule, "ratsinfo", "applied")  # a done measure: no reminder

    [(_, first)] = run_reminders(store, config, AS_OF, send=True)
    assert first.ok and first.sent == 3
    inbox = mailserver.inbox
    assert subjects(inbox.to(DM)) == ["Förderradar: Frist in 14 Tagen – Gigabit.NRW – Kofinanzierung",
                                      "Förderradar: Frist in 3 Tagen – Digitale Schule"]
    assert subjects(inbox.to(OWNER)) == ["Förderradar: Frist in 14 Tagen – Gigabit.NRW – Kofinanzierung"]
    [owners] = inbox.to(OWNER)
    assert owners.get_content_type() == "multipart/alternative"
    text = owners.get_body(preferencelist=("plain",))
    assert text is not None and "Az. 4711" in text.get_content() and "Laufender Antrag" in text.get_content()

    [(_, second)] = run_reminders(store, config, AS_OF, send=True)
    [(_, next_day)] = run_reminders(store, config, AS_OF + timedelta(days=1), send=True)
    assert len(inbox.messages) == 3  # nothing more: the same day again, the next day (same steps)
    assert [r.status for one in second.reminders for r in one.results] == ["already_sent"] * 3
    assert next_day.sent == 0 and len(next_day.reminders) == 2


def test_smtp_outage_leaves_it_pending_and_the_next_run_sends_it(store: Store) -> None:
    gigabit = add_call(store, "gigabit", "Gigabit.NRW – Kofinanzierung", in_days(3))
    set_mark(store, "verl", gigabit, "schulen", "applied")
    with closed_port() as port:
        down = single(MailSettings(host="127.0.0.1", port=port, mail_from="radar@verl.example", timeout_s=5))
        [(_, outcome)] = run_reminders(store, down, AS_OF, send=True)
    assert not outcome.ok and [r.recipient for r in outcome.failed] == [DM]
    assert "127.0.0.1" in (outcome.failed[0].message or "")
    assert ledger_rows(store) == [("verl", DM, "pending")]

    with smtp_server() as server:
        [(_, retry)] = run_reminders(store, single(server.mail()), AS_OF + timedelta(days=1), send=True)
        [(_, again)] = run_reminders(store, single(server.mail()), AS_OF + timedelta(days=1), send=True)
        assert retry.sent == 1 and again.sent == 0
        assert subjects(server.inbox.to(DM)) == ["Förderradar: Frist in 2 Tagen – Gigabit.NRW – Kofinanzierung"]
    assert ledger_rows(store) == [("verl", DM, "sent")]


def test_a_deadline_moved_later_arms_the_steps_again(store: Store, mailserver: SmtpServer) -> None:
    config = single(mailserver.mail())
    gigabit = add_call(store, "gigabit", "Gigabit", in_days(14))
    set_mark(store, "verl", gigabit, "schulen", "applied")
    run_reminders(store, config, AS_OF, send=True)
    add_call(store, "gigabit", "Gigabit", in_days(40))  # the portal moved the deadline
    run_reminders(store, config, in_days(26), send=True)  # 14 days before the new one
    run_reminders(store, config, in_days(27), send=True)
    assert subjects(mailserver.inbox.to(DM)) == ["Förderradar: Frist in 14 Tagen – Gigabit"] * 2
    bodies = [m.get_body(preferencelist=("plain",)) for m in mailserver.inbox.to(DM)]
    assert [b is not None and d in b.get_content() for b, d in zip(bodies, ("15.12.2026", "10.01.2027"),
                                                                      strict=True)] == [True, True]


def test_each_municipality_reminds_only_its_own_recipients(store: Store, mailserver: SmtpServer) -> None:
    config = several(mailserver.mail())
    gigabit = add_call(store, "gigabit", "Gigabit.NRW – Kofinanzierung", in_days(14))
    schule = add_call(store, "schule", "Digitale Schule", in_days(3))
    set_mark(store, "verl", gigabit, "schulen", "applied")
    set_mark(store, "steinhagen", schule, "schulen", "relevant")
    set_mark(store, "steinhagen", gigabit, "schulen", "dismissed")  # Steinhagen does not want it

    outcomes = run_reminders(store, config, AS_OF, send=True)
    assert [(one.kommune, outcome.sent) for one, outcome in outcomes] == [("verl", 1), ("steinhagen", 1)]
    assert subjects(mailserver.inbox.to(DM)) == ["Förderradar: Frist in 14 Tagen – Gigabit.NRW – Kofinanzierung"]
    assert subjects(mailserver.inbox.to(OTHER_DM)) == ["Förderradar: Frist in 3 Tagen – Digitale Schule"]
    [verl_mail] = mailserver.inbox.to(DM)
    body = verl_mail.get_body(preferencelist=("plain",))
    assert body is not None and "--kommune verl" in body.get_content()
    assert ledger_rows(store) == [("steinhagen", OTHER_DM, "sent"), ("verl", DM, "sent")]

    only = run_reminders(store, config, AS_OF, ["steinhagen"], send=True)
    assert [one.kommune for one, _ in only] == ["steinhagen"] and len(mailserver.inbox.messages) == 2


def test_preview_writes_each_reminder_without_sending(store: Store, mailserver: SmtpServer, tmp_path: Path) -> None:
    gigabit = add_call(store, "gigabit", "Gigabit.NRW – Kofinanzierung", in_days(3))
    set_mark(store, "verl", gigabit, "breitband", "applied")
    [(_, outcome)] = run_reminders(store, several(mailserver.mail()), AS_OF, ["verl"], preview_dir=tmp_path)
    [item] = outcome.reminders
    assert sorted(p.suffix for p in item.paths) == [".eml", ".html", ".txt"]
    assert all(p.parent == tmp_path / "verl" and p.name.startswith("erinnerung-nrw_gigabit-breitband-")
               for p in item.paths)
    assert mailserver.inbox.messages == [] and ledger_rows(store) == []


def test_web_app_address_puts_the_call_page_and_a_signed_link_in_the_mail(
    store: Store, mailserver: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOERDERRADAR_SECRET_KEY", "s" * 48)
    config = single(mailserver.mail(), web=WebSettings(base_url="https://radar.kreis.example"))
    gigabit = add_call(store, "gigabit", "Gigabit", in_days(3))
    set_mark(store, "verl", gigabit, "schulen", "applied")
    run_reminders(store, config, AS_OF, send=True)
    [message] = mailserver.inbox.to(DM)
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert "https://radar.kreis.example/k/verl/aufruf/nrw:gigabit" in html.get_content()
    assert "als erledigt markieren" in html.get_content() and "foerderradar calls mark" not in html.get_content()


def test_no_steps_no_reminders(store: Store, mailserver: SmtpServer) -> None:
    gigabit = add_call(store, "gigabit", "Gigabit", in_days(3))
    set_mark(store, "verl", gigabit, "schulen", "applied")
    [(_, outcome)] = run_reminders(store, single(mailserver.mail(), reminders=ReminderSettings(steps=[])), AS_OF,
                                   send=True)
    assert outcome.reminders == [] and mailserver.inbox.messages == []


def test_sending_without_any_recipient_is_refused_before_any_mail(store: Store, mailserver: SmtpServer) -> None:
    gigabit = add_call(store, "gigabit", "Gigabit", in_days(3))
    set_mark(store, "verl", gigabit, "schulen", "applied")
    nobody = Config(Path("."), profile("Verl", [], [{"id": "schulen", "title": "WLAN"}]), [],
                    AppSettings(mail=mailserver.mail()))
    expected = r"^Keine Empfänger für verl: digest\.recipients in measures\.yaml eintragen\.$"
    with pytest.raises(ValueError, match=expected):
        run_reminders(store, nobody, AS_OF, send=True)
    assert mailserver.inbox.messages == []
