"""``foerderradar digest``: digest inputs → one digest per recipient → preview and/or mail.

The inputs (verdicts, records, health, changes) are loaded by ``jobs.digest_inputs``, the seam
every surface shares; this module builds, renders and sends. Sending is at most once per (period,
recipient) via the ``sent_digests`` ledger; see :func:`deliver` for the order of steps and the one
window that remains.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Literal

from foerderradar.health import PortalHealth, portal_health
from foerderradar.matcher.apply_marks import Application
from foerderradar.model import Match
from foerderradar.notifier import ledger, smtp
from foerderradar.notifier.digest import Digest, build_digest, period_key
from foerderradar.notifier.ics import calendar
from foerderradar.notifier.message import build_message, make_message_id, normalise_address
from foerderradar.notifier.render import RenderedDigest, render_digest
from foerderradar.settings import Config
from foerderradar.signing import FeedbackLinks
from foerderradar.storage import Store
from foerderradar.storage.tables import CallEvent, CallRecord

log = logging.getLogger(__name__)

PLACEHOLDER_RECIPIENT = "empfaenger@example.invalid"  # for a preview when no recipient is configured
_ADDRESS = re.compile(r"^[^@\s<>(),;:\"]+@[^@\s<>(),;:\"]+\.[^@\s<>(),;:\"]+$")

CHANGE_WINDOW = 60
# A crawl stamps a call's first_seen just before committing it (one short transaction per call), so
# a call stamped up to this long before a digest loads its inputs may still be invisible to it. The
# next digest counts from here: such a call is then listed as new, at worst twice, never not at all.
IN_FLIGHT = timedelta(minutes=10)
RecipientStatus = Literal["sent", "already_sent", "failed"]


@dataclass(frozen=True)
class RecipientResult:
    recipient: str
    status: RecipientStatus
    message: str | None = None  # German: the summary / the reason / when it went out
    server_down: bool = False  # failed because the mail server could not be talked to at all


@dataclass
class DigestOutcome:
    period: str
    summary: str  # as seen by the first recipient (their "new" is relative to their last digest)
    paths: list[Path] = field(default_factory=list)
    recipients: list[RecipientResult] = field(default_factory=list)

    @property
    def failed(self) -> list[RecipientResult]:
        return [r for r in self.recipients if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class DigestInputs:
    """What every recipient's digest is built from; loaded once per run.

    ``records`` are the calls the digest can show — matched calls, their pages on other portals,
    running applications — not every stored record, so memory follows the matches;
    ``calls_checked`` is how many stored calls the verdicts speak for.
    """

    records: Mapping[str, CallRecord]
    matches: list[Match]
    health: tuple[PortalHealth, ...] = ()
    applications: tuple[Application, ...] = ()
    events: Mapping[str, list[CallEvent]] = field(default_factory=dict)  # call id → recent changes
    # The newest data these inputs can contain: taken before loading, minus IN_FLIGHT. Stored with
    # each sent digest as the next one's "new since" (see SentDigest.covers_until).
    covers_until: datetime | None = None
    calls_checked: int | None = None  # None: len(records)
    # Feedback links per item (signed mark links, the call's web page): when the web app has an address.
    links: FeedbackLinks | None = None


def recent_changes(store: Store, as_of: date) -> dict[str, list[CallEvent]]:
    """Amendments, closings and returns of the last CHANGE_WINDOW days, by call (digests are weekly;
    a recipient whose last digest is older sees the changes of that window)."""
    since = datetime.combine(as_of - timedelta(days=CHANGE_WINDOW), time.min, tzinfo=UTC)
    out: dict[str, list[CallEvent]] = defaultdict(list)
    for event in store.events_since(since, kinds=("amended", "closed", "back")):
        out[event.call_id].append(event)
    return out


def load_health(store: Store, config: Config) -> tuple[PortalHealth, ...]:
    """The enabled portals' health; without portals.yaml (a digest must not fail because of a typo
    there) the portals that have been crawled."""
    keys = [p.key for p in config.portals if p.enabled] or sorted(store.last_runs())
    return tuple(portal_health(store, keys, config.settings.health.failures_in_a_row))


def owners(config: Config) -> dict[str, frozenset[str]]:
    """Measure owners (``owner:`` in measures.yaml) → the open measures they own."""
    out: dict[str, set[str]] = {}
    for measure in config.measures.measures:
        if measure.owner and measure.status != "done":
            out.setdefault(normalise_address(measure.owner), set()).add(measure.id)
    return {address: frozenset(ids) for address, ids in out.items()}


def scope_for(config: Config, recipient: str | None, to: list[str] | None = None) -> frozenset[str] | None:
    """Which measures a recipient's digest covers: None = all (the configured recipients, anyone
    named with ``--to``, the preview); an owner who is not a recipient gets only their measures."""
    if recipient is None or to:
        return None
    if recipient in {normalise_address(a) for a in config.settings.digest.recipients}:
        return None
    return owners(config).get(recipient)


def resolve_recipients(config: Config, to: list[str] | None, *, required: bool) -> list[str]:
    """``--to`` replaces the configured list (owners included); addresses are normalised and
    de-duplicated. Without ``--to``: the configured recipients, then the measure owners."""
    raw = list(to) if to else [*config.settings.digest.recipients, *owners(config)]
    if not raw and required:
        raise ValueError(
            "Keine Empfänger: digest.recipients in foerderradar.toml eintragen oder --to ADRESSE angeben."
        )
    out: list[str] = []
    for address in raw:
        normal = normalise_address(address)
        if not _ADDRESS.match(normal):
            raise ValueError(f"Ungültige Empfängeradresse {address!r} (erwartet z. B. name@kommune.de).")
        if normal not in out:
            out.append(normal)
    return out


def digest_for(
    store: Store, config: Config, inputs: DigestInputs, as_of: date, recipient: str | None,
    scope: frozenset[str] | None = None,
) -> Digest:
    period = period_key(as_of)
    since = ledger.previous_cutoff(store, recipient, period, kommune=config.kommune) if recipient else None
    return build_digest(
        config, inputs.records, inputs.matches, as_of, since, inputs.health, inputs.applications, measures=scope,
        events=inputs.events, calls_checked=inputs.calls_checked, links=inputs.links,
    )


def compose(config: Config, digest: Digest, recipient: str) -> tuple[RenderedDigest, EmailMessage, str | None]:
    """Rendered digest, the complete message and its calendar text (None without deadlines/attachment)."""
    settings = config.settings.digest
    rendered = render_digest(digest, settings.subject)
    sender = config.settings.mail.mail_from
    deadlines = digest.deadlines
    ics = None
    if deadlines and settings.attach_ics:
        ics = calendar(deadlines, name=f"Förderradar – Fristen {digest.city}")
    message = build_message(
        rendered, sender, recipient, make_message_id(digest.period, recipient, sender),
        calendar=(f"fristen-{digest.period}.ics", ics) if ics else None,
        unsubscribe=settings.unsubscribe,
    )
    return rendered, message, ics


def write_preview(directory: Path, config: Config, digest: Digest, recipient: str) -> list[Path]:
    rendered, message, ics = compose(config, digest, recipient)
    files = {
        directory / "digest.html": rendered.html.encode("utf-8"),
        directory / "digest.txt": rendered.text.encode("utf-8"),
        directory / "digest.eml": message.as_bytes(),
    }
    if ics:
        files[directory / "fristen.ics"] = ics.encode("utf-8")
    return write_files(directory, files)


def write_files(directory: Path, files: Mapping[Path, bytes]) -> list[Path]:
    """A preview's files in ``directory`` (created); a directory that cannot be written is the user's
    ``--preview`` argument, so it becomes a German ValueError naming it, not a traceback."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for path, content in files.items():
            path.write_bytes(content)
    except OSError as exc:
        raise ValueError(f"--preview {directory}: kann nicht geschrieben werden ({exc.strerror or exc}).") from None
    return list(files)


def deliver(
    store: Store, config: Config, inputs: DigestInputs, as_of: date, recipient: str,
    scope: frozenset[str] | None = None, *, session: smtp.Session,
) -> RecipientResult:
    """Send one recipient's digest over ``session`` unless the ledger says it already went out.

    Order: ledger row (pending) → count the attempt → SMTP → mark sent, each step committed on its
    own and per message, even when a batch shares one connection. A crash after the server accepted
    the mail but before "sent" is committed leaves the row pending, so that one message can be sent
    twice (with the same Message-ID); it can never be lost.
    """
    period = period_key(as_of)
    row = ledger.claim(store, period, recipient, kommune=config.kommune)
    assert row.id is not None
    if row.status == ledger.SENT or not ledger.begin_attempt(store, row.id):
        return _already_sent(store, config.kommune, period, recipient)
    digest = digest_for(store, config, inputs, as_of, recipient, scope)
    _, message, _ = compose(config, digest, recipient)
    message_id = str(message["Message-ID"])
    try:
        session.send(message)
    except smtp.DeliveryError as exc:
        ledger.record_failure(store, row.id, str(exc))
        log.warning("Bericht %s an %s nicht versendet: %s", period, recipient, exc)
        return RecipientResult(recipient, "failed", str(exc), server_down=exc.server_down)
    ledger.mark_sent(store, row.id, message_id, covers_until=inputs.covers_until)
    return RecipientResult(recipient, "sent", digest.summary)


def sent_to_all(store: Store, config: Config, as_of: date, recipients: list[str]) -> DigestOutcome | None:
    """The outcome of a sending run with nothing left to send (every recipient's row for this
    period is sent), or None. Lets a restarted run skip the inputs of municipalities that are done."""
    period = period_key(as_of)
    rows = [ledger.find(store, period, r, kommune=config.kommune) for r in recipients]
    if not recipients or any(row is None or row.status != ledger.SENT for row in rows):
        return None
    outcome = DigestOutcome(period=period, summary="nichts mehr zu versenden (an alle Empfänger schon verschickt)")
    outcome.recipients = [_already_sent(store, config.kommune, period, r) for r in recipients]
    return outcome


def _already_sent(store: Store, kommune: str, period: str, recipient: str) -> RecipientResult:
    row = ledger.find(store, period, recipient, kommune=kommune)
    when = row.sent_at.astimezone().strftime("am %d.%m.%Y, %H:%M Uhr") if row and row.sent_at else None
    return RecipientResult(recipient, "already_sent", when)  # the CLI's label already says "bereits versendet"


def dispatch(
    store: Store,
    config: Config,
    as_of: date,
    inputs: DigestInputs,
    recipients: list[str],
    *,
    preview_dir: Path | None = None,
    send: bool = False,
    to: list[str] | None = None,
    session: smtp.Session | None = None,
) -> DigestOutcome:
    """Preview and/or send the digest of ``inputs`` to ``recipients`` (:func:`resolve_recipients`;
    ``to`` as given on the command line, for each recipient's measure scope). ``session``: the
    connection a run over several municipalities shares (default: one for these recipients)."""
    first = recipients[0] if recipients else None
    # Built (and its subject rendered) before anything is sent, so a broken subject template stops
    # the run before the first mail rather than halfway through the list.
    digest = digest_for(store, config, inputs, as_of, first)
    render_digest(digest, config.settings.digest.subject)
    outcome = DigestOutcome(period=digest.period, summary=digest.summary)
    if preview_dir is not None:
        outcome.paths = write_preview(preview_dir, config, digest, first or PLACEHOLDER_RECIPIENT)
    if send:
        outcome.recipients = send_all(store, config, inputs, as_of, recipients, to, session=session)
    return outcome


def send_all(
    store: Store, config: Config, inputs: DigestInputs, as_of: date, recipients: list[str], to: list[str] | None,
    *, session: smtp.Session | None = None,
) -> list[RecipientResult]:
    """Deliver to each recipient in turn over one connection (``session``, shared by a run over
    several municipalities; default: one opened for these recipients).

    Once the mail server cannot be talked to at all — here or earlier in the session's batch — the
    rest are not tried: each would wait out the same timeout (minutes for a long list) and fail
    alike. They are left untouched in the ledger, so the next run sends them as if nothing happened.
    """
    if session is None:
        with smtp.Session(config.settings.mail) as own:
            return send_all(store, config, inputs, as_of, recipients, to, session=own)
    results: list[RecipientResult] = []
    for recipient in recipients:
        if session.down is not None:
            results.append(RecipientResult(recipient, "failed", f"nicht versucht: {session.down}", server_down=True))
            continue
        results.append(deliver(store, config, inputs, as_of, recipient, scope_for(config, recipient, to),
                               session=session))
    return results
