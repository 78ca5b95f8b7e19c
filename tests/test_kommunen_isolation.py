"""Isolation: a mark, a measure or a digest of one municipality never changes what another sees.

Property test over random operations on two municipalities that share a store and a measure id:
every municipality ends up seeing exactly what it would see had only its own operations ever run
(its verdicts with marks applied, its running applications, its marks, its sent-digest rows and
the text of the digests it was sent — a real SMTP server on loopback receives them).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from smtp_sink import SmtpServer, smtp_server
from sqlmodel import select

from foerderradar import jobs
from foerderradar.model import FundingCall
from foerderradar.settings import AppSettings, Config, DigestSettings, Kommune, MailSettings, MeasuresFile
from foerderradar.storage import Store
from foerderradar.storage.marks import all_marks, clear_mark, set_mark
from foerderradar.storage.tables import SentDigest

AS_OF = date(2026, 12, 1)
T = datetime(2026, 11, 20, tzinfo=UTC)
CALLS = [
    ("gigabit", "Gigabit Glasfaser für Gewerbegebiete", "Zuschuss für Glasfaser bis ins Gebäude."),
    ("breitband", "Breitband für Schulen", "Glasfaser und WLAN für Schulgebäude."),
    ("wlan-schule", "WLAN für Schulen", "Schulträger erhalten Zuschüsse für WLAN und Tablets."),
    ("e-akte", "E-Akte in der Kommunalverwaltung", "Einführung der E-Akte in der Verwaltung."),
    ("onlinezugang", "Onlinezugang für Bürgerdienste", "Verwaltungsleistungen online anbieten."),
]
CALL_IDS = [f"nrw:{c[0]}" for c in CALLS]


def profile(name: str, measures: list[dict[str, Any]], recipient: str) -> MeasuresFile:
    return MeasuresFile.model_validate({
        "city": {"name": name, "region": "DE-NW", "applicant_types": ["kommune"]},
        "measures": measures, "digest": {"recipients": [recipient]},
    })


# Each municipality's file in a few versions ("edit" picks one): a keyword more, a measure done …
VERSIONS: dict[str, list[MeasuresFile]] = {
    "a": [
        profile("Aheim", [{"id": "breitband", "title": "Glasfaser und Gigabit", "keywords": ["Glasfaser"]},
                          {"id": "schulen", "title": "WLAN in Schulen", "keywords": ["WLAN", "Tablets"]}],
                "dm@a.example"),
        profile("Aheim", [{"id": "breitband", "title": "Glasfaser und Gigabit", "keywords": ["Glasfaser", "Schulen"]},
                          {"id": "schulen", "title": "WLAN in Schulen", "keywords": ["WLAN"], "status": "done"}],
                "dm@a.example"),
        profile("Aheim", [{"id": "breitband", "title": "Breitband", "keywords": ["Breitband"], "exclude": ["Schulen"]},
                          {"id": "schulen", "title": "WLAN in Schulen", "keywords": ["WLAN", "Tablets"]}],
                "dm@a.example"),
    ],
    "b": [
        profile("Bedorf", [{"id": "breitband", "title": "Breitband im Gewerbegebiet", "keywords": ["Gigabit"]},
                           {"id": "verwaltung", "title": "E-Akte", "keywords": ["E-Akte", "Onlinezugang"]}],
                "dm@b.example"),
        profile("Bedorf", [{"id": "breitband", "title": "Breitband im Gewerbegebiet", "keywords": ["Glasfaser"]},
                           {"id": "verwaltung", "title": "Digitale Verwaltung", "keywords": ["Verwaltung"]}],
                "dm@b.example"),
    ],
}
MEASURE_IDS = {"a": ["breitband", "schulen"], "b": ["breitband", "verwaltung"]}

kommune = st.sampled_from(["a", "b"])
operation = st.one_of(
    st.tuples(st.just("mark"), kommune, st.integers(0, len(CALLS) - 1), st.integers(0, 1),
              st.sampled_from(["relevant", "dismissed", "applied", "rejected"])),
    st.tuples(st.just("unmark"), kommune, st.integers(0, len(CALLS) - 1), st.integers(0, 1)),
    st.tuples(st.just("edit"), kommune, st.integers(0, 2)),
    st.tuples(st.just("digest"), kommune),
    st.tuples(st.just("match"), kommune),
)


@dataclass
class World:
    """One store, the municipalities' current files, and the mail settings of this run."""

    store: Store
    files: dict[str, MeasuresFile]
    mail: MailSettings

    def config(self) -> Config:
        settings = AppSettings(mail=self.mail, digest=DigestSettings(min_score=1, attach_ics=False))
        kommunen = [Kommune(slug, file, Path(f"{slug}.yaml")) for slug, file in sorted(self.files.items())]
        return Config(Path("."), None, [], settings, kommunen=kommunen, layout="kommunen")

    def apply(self, op: tuple[Any, ...]) -> None:
        kind, slug, *rest = op
        one = self.config().for_kommune(slug)
        if kind == "mark":
            call, measure, mark = rest
            set_mark(self.store, slug, CALL_IDS[call], MEASURE_IDS[slug][measure], mark)
        elif kind == "unmark":
            call, measure = rest
            clear_mark(self.store, slug, CALL_IDS[call], MEASURE_IDS[slug][measure])
        elif kind == "edit":
            self.files[slug] = VERSIONS[slug][rest[0] % len(VERSIONS[slug])]
        elif kind == "digest":
            outcome = jobs.run_digest(self.store, one, AS_OF, send=True)
            assert outcome.ok, outcome.recipients
        else:
            jobs.match_stored_calls(self.store, one, AS_OF)

    def view(self, slug: str, server: SmtpServer) -> dict[str, Any]:
        one = self.config().for_kommune(slug)
        found = jobs.match_stored_calls(self.store, one, AS_OF)
        with self.store.session() as session:
            sent = session.exec(select(SentDigest).where(SentDigest.kommune == slug)).all()
            ledger = sorted((row.period, row.recipient, row.status) for row in sent)
        mails = [
            body.get_content()
            for message, (sender, rcpts) in zip(server.inbox.messages, server.inbox.envelopes, strict=True)
            if sender == self.mail.mail_from and one.settings.digest.recipients[0] in rcpts
            and (body := message.get_body(preferencelist=("plain",))) is not None
        ]
        return {
            "matches": [m.to_json() for m in found.matches],
            "applications": sorted(a.call_id for a in found.applications),
            "marks": sorted((m.measure_id, m.call_id, m.mark) for m in all_marks(self.store, slug)),
            "ledger": ledger,
            "mails": mails,
        }


@pytest.fixture(scope="module")
def server() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


RUNS = iter(range(10**9))


@cache
def template() -> bytes:
    """A migrated database holding the calls, made once: each run starts from a copy (migrating
    a fresh database per run would cost most of the test's time)."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/template.db")
        store.upsert_calls([FundingCall.model_validate({
            "source": "nrw", "source_id": sid, "url": f"https://www.example.org/{sid}", "title": title,
            "summary": summary, "regions": ["DE-NW"], "applicants": ["kommune"], "deadline": "2027-03-31",
        }) for sid, title, summary in CALLS], now=T)
        store.close()
        return Path(f"{tmp}/template.db").read_bytes()


def run(ops: Sequence[tuple[Any, ...]], server: SmtpServer) -> dict[str, dict[str, Any]]:
    """Apply ``ops`` to a fresh store; every municipality's final view."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(f"{tmp}/isolation.db").write_bytes(template())
        store = Store(f"sqlite:///{tmp}/isolation.db", migrate=False)
        try:
            # Its own sender tells this run's mails apart in the shared inbox.
            mail = MailSettings(host=server.host, port=server.port, mail_from=f"run{next(RUNS)}@kreis.example")
            world = World(store, {slug: versions[0] for slug, versions in VERSIONS.items()}, mail)
            for op in ops:
                world.apply(op)
            return {slug: world.view(slug, server) for slug in VERSIONS}
        finally:
            store.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=8))
def test_no_operation_of_one_municipality_changes_what_another_sees(
    ops: list[tuple[Any, ...]], server: SmtpServer
) -> None:
    together = run(ops, server)
    for slug in VERSIONS:
        alone = run([op for op in ops if op[1] == slug], server)
        assert together[slug] == alone[slug], (slug, ops)


def test_the_property_can_fail(server: SmtpServer) -> None:
    """The views are sensitive: a mark in a municipality changes its own view (so equality above
    is not trivially true)."""
    before = run([("match", "a")], server)
    after = run([("mark", "a", 0, 0, "dismissed")], server)
    assert before["a"] != after["a"] and before["b"] == after["b"]


def test_versions_are_valid_yaml_round_trips() -> None:
    for versions in VERSIONS.values():
        for file in versions:
            assert MeasuresFile.model_validate(yaml.safe_load(yaml.safe_dump(file.model_dump()))) == file
