"""The jobs: the steps every surface runs, written once.

The CLI, the scheduler, the demo and every later surface (the web app of issue 13, one run per
municipality of issue 12) call these functions instead of composing store, grouping, matcher and
notifier themselves — so a policy (which stored rows are matched, what happens to a row that fails
validation, how marks apply, what runs after a crawl) cannot drift apart between surfaces again:

- :func:`crawl_portals` — the crawl itself, here or shared through Redis (:func:`open_cluster`).
- :func:`after_ingest` — what follows a crawl or an import: regroup, portal health, health alerts.
- :func:`match_stored_calls` — the verdicts on the stored calls, read from the ``matches`` table
  while its inputs still hold, recomputed (and stored) when calls, measures, the day or the code
  changed; marks applied on the way out.
- :func:`digest_inputs` / :func:`run_digest` — the weekly digest (and the feeds) on those verdicts.
- :func:`run_reminders` — the reminder mails before the deadlines of marked calls.

The surfaces print; these functions return typed results and never print.

(About 500 lines on purpose: the seam is one place, so that a policy is read and changed once;
its sections — crawl, after ingest, municipalities, verdicts, digest — only share the types.)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from foerderradar.grouping import GroupStats, regroup
from foerderradar.health import PortalHealth, portal_health
from foerderradar.matcher import match_calls
from foerderradar.matcher.apply_marks import Application, apply_marks
from foerderradar.matcher.feedback import Feedback, feedback_of
from foerderradar.matcher.match import select_measures
from foerderradar.matcher.relevance import Corpus
from foerderradar.model import CallSource, FundingCall, Match
from foerderradar.notifier import smtp
from foerderradar.notifier.alerts import send_health_alerts
from foerderradar.notifier.reminder_delivery import ReminderOutcome, dispatch_reminders
from foerderradar.notifier.reminder_mail import ReminderMail, build_mail
from foerderradar.notifier.reminders import REMINDED_MARKS, CallDeadline, due_reminders
from foerderradar.notifier.service import (
    IN_FLIGHT,
    DigestInputs,
    DigestOutcome,
    RecipientResult,
    dispatch,
    load_health,
    recent_changes,
    resolve_recipients,
    sent_to_all,
)
from foerderradar.settings import Config
from foerderradar.signing import feedback_links
from foerderradar.storage import Store, record_to_call
from foerderradar.storage.marks import all_marks
from foerderradar.storage.ownership import Owners, claim_unowned, has_unowned
from foerderradar.storage.tables import utcnow
from foerderradar.storage.verdicts import (
    VerdictInputs,
    match_states,
    record_to_match,
    save_matches,
    stored_matches,
)

if TYPE_CHECKING:
    from foerderradar.crawler.distributed import Cluster
    from foerderradar.crawler.entry.base import PortalBase
    from foerderradar.crawler.runner import PortalResult

log = logging.getLogger(__name__)
PACKAGE = Path(__file__).resolve().parent


# -- the crawl --------------------------------------------------------------------------------------
# The crawler is imported on use: Scrapy (and Redis for a shared crawl) cost every other command
# their start-up time, and the shared crawl needs the optional extra "distributed".


def open_cluster(redis_url: str, lease_ttl_s: float) -> Cluster:
    """The shared queue of a distributed crawl, checked before any work starts: URL and namespace
    (``FOERDERRADAR_REDIS_NAMESPACE``) valid, Redis reachable.

    Raises ImportError without the extra "distributed", DistributedConfigError for a set-up the
    user must fix and DistributedError for an unreachable Redis (German messages).
    """
    from foerderradar.crawler.distributed import DEFAULT_NAMESPACE, Cluster, connect

    namespace = os.environ.get("FOERDERRADAR_REDIS_NAMESPACE") or DEFAULT_NAMESPACE
    cluster = Cluster(redis_url, namespace, lease_ttl_s=lease_ttl_s)
    connect(redis_url).close()
    return cluster


def crawl_portals(
    config: Config,
    store: Store,
    keys: Sequence[str] = (),
    *,
    on_start: Callable[[PortalBase], None] | None = None,
    cluster: Cluster | None = None,
    workers: int = 2,
) -> list[PortalResult]:
    """Crawl the portals ``keys`` (default: every enabled one), one after another: each in a
    process of its own here, or — with a ``cluster`` — each shared through Redis by ``workers``
    local processes and every ``foerderradar worker`` elsewhere (``docs/scale-out.md``).

    Only the crawl: :func:`after_ingest` follows, so a surface can say what it is doing between the
    two. Raises UnknownPortalError for a key not in portals.yaml, StoreError when the database
    fails, DistributedError when the shared crawl does.
    """
    if cluster is None:
        from foerderradar.crawler.runner import crawl

        return crawl(config, store, keys, on_start=on_start)
    from foerderradar.crawler.coordinator import DistributedOptions, crawl_distributed

    options = DistributedOptions(cluster, workers=workers)
    return list(crawl_distributed(config, store, keys, options=options, on_start=on_start))


# -- after a crawl or an import ---------------------------------------------------------------------


@dataclass(frozen=True)
class Ingested:
    """What :func:`after_ingest` did: the regrouping, the crawled portals' health, the alert mails."""

    grouped: GroupStats
    health: tuple[PortalHealth, ...] = ()
    alerts: tuple[RecipientResult, ...] = ()

    @property
    def alerts_failed(self) -> bool:
        return any(a.status == "failed" for a in self.alerts)


def after_ingest(store: Store, config: Config | None = None, crawled: Sequence[str] = ()) -> Ingested:
    """Run what must follow new or changed calls, in this order.

    1. Regroup: a programme found on several portals is matched and shown once. Every path that
       writes calls (crawl, scheduled crawl, demo, ``calls import``) comes through here, so none
       can forget it.
    2. The health of the ``crawled`` portals, judged on their stored runs (``health.py``).
    3. The alert mail to city IT for a newly flagged portal, once per incident and recipient.

    An import crawled no portal (``crawled`` empty, no config needed): only step 1. The demo passes
    none either: its portals are loopback stand-ins, and city IT must not hear about them.
    """
    grouped = regroup(store)
    if config is None or not crawled:
        return Ingested(grouped)
    health = tuple(portal_health(store, crawled, config.settings.health.failures_in_a_row))
    alerts = tuple(send_health_alerts(store, config, health))
    return Ingested(grouped, health, alerts)


# -- what `status` says of a run (job_runs: scheduled, by hand and the demo alike) ------------------


def crawl_summary(results: Sequence[PortalResult], ingested: Ingested, matched: str = "") -> tuple[bool, str]:
    """(ok, what `status` says of a crawl): per run, not per portal; ``matched``: what matching found."""
    failed = [r.portal for r in results if not r.ok]
    summary = (
        f"{len(results)} Portale, {sum(r.new for r in results)} neu, "
        f"{sum(r.changed for r in results)} geändert, {ingested.grouped.groups} Programme auf mehreren Portalen"
        + matched
        + (f"; fehlgeschlagen: {', '.join(failed)}" if failed else "")
        + "".join(f"; Störungsmeldung an {a.recipient} fehlgeschlagen" for a in ingested.alerts if a.status == "failed")
    )
    return not failed, summary


def digest_summary(config: Config, outcomes: Sequence[tuple[Config, DigestOutcome]]) -> tuple[bool, str]:
    """(ok, what `status` says of a digest run): the period, what was sent, who failed."""
    failed = [f"{r.recipient} ({one.kommune})" if config.several else r.recipient
              for one, outcome in outcomes for r in outcome.recipients if r.status == "failed"]
    if not outcomes:
        return not failed, "keine Kommune"
    if config.several:
        sent = sum(r.status == "sent" for _, outcome in outcomes for r in outcome.recipients)
        summary = f"{outcomes[0][1].period}: {len(outcomes)} Kommunen, {sent} Berichte versendet"
    else:
        summary = f"{outcomes[0][1].period}: {outcomes[0][1].summary}"
    return not failed, summary + (f"; fehlgeschlagen: {', '.join(failed)}" if failed else "")


# -- the municipalities' own rows -------------------------------------------------------------------


def adopt_unowned(store: Store, config: Config) -> int:
    """Hand rows from before several municipalities existed to their municipality (see
    ``storage/ownership.py``); every surface calls it once when it opens the store with a config.
    Returns how many kinds of rows stay unowned because several municipalities could own them."""
    if not has_unowned(store):
        return 0
    owners = Owners(
        {k.slug: frozenset(m.id for m in k.profile.measures) for k in config.kommunen},
        {one.kommune: frozenset(resolve_recipients(one, None, required=False)) for one in config.each()},
    )
    return claim_unowned(store, owners)


# -- the verdicts on the stored calls ---------------------------------------------------------------


@dataclass(frozen=True)
class StoredMatches:
    """The verdicts a surface shows, and what they speak for."""

    matches: list[Match]
    applications: list[Application]  # pairs marked "applied": listed apart, as running applications
    calls_checked: int  # stored calls the verdicts speak for (valid representatives and their other pages)
    skipped: int  # stored rows that failed validation: left out and counted, never a crash
    computed: bool  # True: recomputed now (inputs changed); False: read from the matches table


@dataclass(frozen=True)
class _Pool:
    """The calls the matcher scores: one valid call per programme (a Corpus: every municipality
    matching them shares the analysis that does not depend on its measures)."""

    calls: Corpus
    checked: int
    skipped: int
    short_ids: dict[str, str]  # call id → short id, read with the rows


def match_stored_calls(
    store: Store,
    config: Config,
    as_of: date,
    *,
    measure_id: str | None = None,
    min_score: float = 0,
    limit: int | None = None,
    include_ineligible: bool = False,
    feedback: bool = True,
    calls: StoredCalls | None = None,
) -> StoredMatches:
    """The one policy for matching what is stored, for every surface — for the municipality
    ``config`` speaks for (``Config.for_kommune``; :func:`match_each` runs it for all of them).

    - *Which rows*: one call per programme (representatives, ``duplicate_of`` empty); each verdict
      carries the programme's pages on other portals (``Match.sources``).
    - *A row that fails validation* (written by an older, laxer version) is skipped with a log
      warning and counted in ``skipped``; it never stops a report, a digest or the daily job.
    - *Stored verdicts*: the eligible verdicts of every open measure (score > 0, no limit) are the
      ``matches`` table; they are read while the inputs fingerprint still fits and recomputed and
      replaced otherwise, so report, digest and feeds show the same verdicts for the same data.
      ``measure_id``, ``min_score`` and ``limit`` (per measure) only filter them. The table keeps
      verdicts from ``min(min_score, [digest] min_score)`` on: a report asking for less than is
      stored recomputes and stores the longer lists (at Land scale the lists from score 0 are ten
      times those the digest shows; docs/architecture.md, *Matches*).
    - *Marks* (``calls mark``) apply on the way out, the same everywhere: dismissed/rejected pairs
      stay away until the call is amended, applied pairs become ``applications``, relevant ones say
      so. ``feedback=False`` gives the raw verdicts: ``match --all`` (the diagnostic view) and the
      web app's call page (why a call fits, whatever it was marked).
    - ``include_ineligible``: also the calls the city cannot apply for, with the reason — computed
      on the spot (a diagnostic, not a stored verdict).

    Raises ValueError (German) for an unknown ``measure_id``.
    """
    select_measures(config.measures, measure_id)
    calls = calls or StoredCalls(store)
    marks = all_marks(store, config.kommune)  # read once: they teach the ranking and apply on the way out
    taught = feedback_of([(m.measure_id, m.call_id, m.mark) for m in marks])
    if include_ineligible:
        pool = calls.pool()
        found = _owned(config, match_calls(
            pool.calls, config.measures, as_of, measure_id=measure_id, include_ineligible=True,
            min_score=min_score, limit=limit, sources=calls.sources(), feedback=taught,
        ), pool.short_ids)
        checked, skipped, computed = pool.checked, pool.skipped, True
    else:
        verdicts = stored_verdicts(store, config, as_of, min(min_score, config.settings.digest.min_score), calls,
                                   taught)
        found = _filtered(verdicts.matches, measure_id, min_score, limit)
        checked, skipped, computed = verdicts.calls_checked, verdicts.skipped, verdicts.computed
    applications: list[Application] = []
    if feedback:
        versions = store.call_versions({m.call_id for m in found})
        found, applications = apply_marks(found, marks, versions)
    return StoredMatches(found, applications, checked, skipped, computed)


def match_each(
    store: Store,
    config: Config,
    as_of: date,
    kommunen: Sequence[str] = (),
    **options: Any,
) -> list[tuple[Config, StoredMatches]]:
    """:func:`match_stored_calls` for every municipality (``kommunen``: only those), in the
    profiles' order. The stored calls are read once for all of them (:class:`StoredCalls`); each
    municipality's verdicts, marks and options stay its own. A ``measure_id`` limits the run to the
    municipalities that have that measure. Raises UnknownKommune, and ValueError for a measure
    none of them has (German). Holds every municipality's verdicts: a report needs them all."""
    return list(each_match(store, config, as_of, kommunen, **options))


def each_match(
    store: Store,
    config: Config,
    as_of: date,
    kommunen: Sequence[str] = (),
    **options: Any,
) -> Iterator[tuple[Config, StoredMatches]]:
    """:func:`match_each` one municipality at a time, for a surface that only stores and counts
    (the daily job): memory then follows one municipality's verdicts, not all of them."""
    chosen = config.each(kommunen)
    measure_id = options.get("measure_id")
    if measure_id is not None and len(chosen) > 1:  # --measure: the municipalities that have it
        chosen = [one for one in chosen if any(m.id == measure_id for m in one.measures.measures)] or chosen[:1]
    calls = StoredCalls(store)
    for one in chosen:
        yield one, match_stored_calls(store, one, as_of, calls=calls, **options)


class StoredCalls:
    """What matching reads of the calls every municipality shares, read at most once per run: the
    fingerprint of their content (first, so a crawl writing meanwhile makes it older than the
    calls, the safe direction), their pages on every portal, the valid representatives."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._fingerprint: str | None = None
        self._sources: dict[str, tuple[CallSource, ...]] | None = None
        self._pool: _Pool | None = None

    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = self.store.calls_fingerprint()
        return self._fingerprint

    def sources(self) -> dict[str, tuple[CallSource, ...]]:
        if self._sources is None:
            self.fingerprint()
            self._sources = self.store.sources()
        return self._sources

    def pool(self) -> _Pool:
        if self._pool is None:
            self.fingerprint()
            self._pool = _valid_representatives(self.store)
        return self._pool


def _owned(config: Config, matches: Iterable[Match], short_ids: Mapping[str, str]) -> list[Match]:
    """The matcher judges one city's measures and does not know its slug: stamp it on — and each
    call's short id, a store's column the canonical calls it scores do not carry."""
    return [replace(m, kommune=config.kommune, short_id=short_ids.get(m.call_id, "")) for m in matches]


def _filtered(matches: Iterable[Match], measure_id: str | None, min_score: float, limit: int | None) -> list[Match]:
    """What ``match_calls(..., measure_id, min_score, limit)`` would have listed: its lists are the
    full lists cut, because a verdict's score, reasons and place do not depend on these options."""
    out: list[Match] = []
    listed: dict[str, int] = defaultdict(int)
    for m in matches:
        if (measure_id is not None and m.measure_id != measure_id) or m.score < min_score:
            continue
        if limit is not None and listed[m.measure_id] >= limit:
            continue
        listed[m.measure_id] += 1
        out.append(m)
    return out


@dataclass(frozen=True)
class Verdicts:
    """Every open measure's eligible verdicts, as stored (or just computed and stored)."""

    matches: list[Match]
    calls_checked: int
    skipped: int
    computed: bool


def stored_verdicts(
    store: Store, config: Config, as_of: date, min_score: float = 0, calls: StoredCalls | None = None,
    feedback: Mapping[str, Feedback] | None = None,
) -> Verdicts:
    """The municipality's rows of the ``matches`` table when they still fit and hold every verdict
    from ``min_score`` on; otherwise recompute from ``min_score`` on, store, and return that.

    The fingerprint is taken before the calls are read: a crawl writing in between makes the
    stored fingerprint older than the verdicts, so the next read recomputes — the safe direction.
    ``feedback``: what the municipality's marks teach, when the caller has read them already.
    """
    calls = calls or StoredCalls(store)
    kommune = config.kommune
    measures = [m.id for m in select_measures(config.measures, None)]
    feedback = learned_feedback(store, config.kommune) if feedback is None else feedback
    fingerprint = inputs_fingerprint(config, as_of, calls.fingerprint(), feedback)
    states = match_states(store, kommune, measures)
    if measures and all(
        (state := states.get(m)) is not None and state.inputs == fingerprint and state.min_score <= min_score
        for m in measures
    ):
        order = {measure: n for n, measure in enumerate(measures)}
        rows = sorted(stored_matches(store, kommune, measures), key=lambda r: (order[r.measure_id], r.rank))
        sources = calls.sources()
        short = store.short_ids({r.call_id for r in rows})
        first = states[measures[0]]
        return Verdicts([record_to_match(r, sources, short) for r in rows], first.calls_checked, first.calls_skipped,
                        False)
    pool = calls.pool()
    matches = _owned(config, find_matches(pool.calls, config, as_of, calls.sources(), min_score, feedback),
                     pool.short_ids)
    if measures:
        inputs = VerdictInputs(fingerprint, as_of, pool.checked, pool.skipped, min_score)
        save_matches(store, kommune, matches, inputs, measures)
    return Verdicts(matches, pool.checked, pool.skipped, True)


def find_matches(
    calls: Iterable[FundingCall],
    config: Config,
    as_of: date,
    sources: Mapping[str, tuple[CallSource, ...]],
    min_score: float = 0,
    feedback: Mapping[str, Feedback] | None = None,
) -> list[Match]:
    """The one call into the matcher for stored verdicts: every eligible pair with some relevance
    from ``min_score`` on, no limit (readers filter), ranked with what the municipality's marks
    teach. Tests put a fixed stand-in here to check what follows matching rather than today's
    scoring."""
    return match_calls(calls, config.measures, as_of, min_score=min_score, sources=sources, feedback=feedback)


def learned_feedback(store: Store, kommune: str) -> dict[str, Feedback]:
    """What the municipality's marks teach its ranking, per measure (matcher/feedback.py)."""
    return feedback_of([(m.measure_id, m.call_id, m.mark) for m in all_marks(store, kommune)])


def _valid_representatives(store: Store) -> _Pool:
    """One call per programme, validated; a stored row that no longer validates is skipped.

    ``checked`` counts the valid representatives and every other page of a programme, as the
    digest's "Abgeglichen: N gespeicherte Förderaufrufe" always has.
    """
    pool: list[FundingCall] = []
    short_ids: dict[str, str] = {}
    skipped = 0
    for record in store.iter_calls(representatives_only=True):
        try:
            pool.append(record_to_call(record))
        except ValidationError as exc:  # a row written by an older, laxer version: skip, don't abort
            skipped += 1
            log.warning("Förderaufruf %s übersprungen (ungültig gespeichert): %s", record.id, exc)
            continue
        short_ids[record.id] = record.short_id or ""
    return _Pool(Corpus(pool), len(pool) + store.count_calls(duplicates_only=True), skipped, short_ids)


def inputs_fingerprint(config: Config, as_of: date, calls_fingerprint: str,
                       feedback: Mapping[str, Feedback] | None = None) -> str:
    """Everything a municipality's verdicts depend on, hashed: the stored calls (content and
    grouping, ``Store.calls_fingerprint``), its file (the city and all measures — each measure's
    terms shape the others' compound splitting; not its recipients), the day (deadlines close,
    calls open), the code that judges and what its marks teach the ranking (``feedback``: a new
    relevant or dismissed mark re-ranks that municipality once; the rest of a mark — hiding,
    "laufende Anträge" — applies on every read)."""
    learned = json.dumps(sorted((m, sorted(f.relevant), sorted(f.dismissed)) for m, f in (feedback or {}).items()))
    digest = hashlib.sha256()
    for part in (code_digest(), config.measures.matching_json(), as_of.isoformat(), calls_fingerprint, learned):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


@cache
def code_digest() -> str:
    """The package's source and data files, hashed once per process: an upgrade (or a local edit)
    of the matcher must not leave yesterday's verdicts in place for today's day."""
    digest = hashlib.sha256()
    for path in sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".yaml") and p.is_file()):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


# -- the digest -------------------------------------------------------------------------------------


def digest_inputs(store: Store, config: Config, as_of: date, calls: StoredCalls | None = None) -> DigestInputs:
    """What every recipient's digest of one municipality (and its Atom feed and calendar) is built
    from, loaded once.

    The verdicts are :func:`match_stored_calls` with the digest's ``min_score``; the records are
    only those the digest can show (matched calls, their other portals' pages, running
    applications), fetched after matching instead of keeping every stored record.
    """
    covers_until = utcnow() - IN_FLIGHT
    found = match_stored_calls(store, config, as_of, min_score=config.settings.digest.min_score, calls=calls)
    wanted = (
        {m.call_id for m in found.matches}
        | {s.call_id for m in found.matches for s in m.sources}
        | {a.call_id for a in found.applications}
    )
    return DigestInputs(
        store.calls_by_id(wanted), found.matches, load_health(store, config), tuple(found.applications),
        recent_changes(store, as_of), covers_until, calls_checked=found.calls_checked,
        links=feedback_links(config.settings.web.base_url, config.kommune),
    )


def report_page(store: Store, config: Config, as_of: date, found: StoredMatches, min_score: float) -> str:
    """One municipality's match report as a page with the digest's cards (`match --format html`, the
    demo's report.html): the records of the matched calls and of their other portals' pages are
    loaded here, the page is the notifier's."""
    from foerderradar.notifier.report import build_report, render_report_page

    wanted = {m.call_id for m in found.matches} | {s.call_id for m in found.matches for s in m.sources}
    report = build_report(config, store.calls_by_id(wanted), found.matches, as_of, calls_checked=found.calls_checked,
                          links=feedback_links(config.settings.web.base_url, config.kommune))
    return render_report_page(report, min_score)


def run_digest(
    store: Store,
    config: Config,
    as_of: date,
    *,
    preview_dir: Path | None = None,
    send: bool = False,
    to: list[str] | None = None,
    calls: StoredCalls | None = None,
    session: smtp.Session | None = None,
) -> DigestOutcome:
    """One municipality's weekly digest: recipients checked first (a usage error must not wait for
    matching), then the inputs, then preview and/or sending (at most once per period and recipient;
    over ``session``, the connection :func:`run_digests` shares between municipalities)."""
    recipients = resolve_recipients(config, to, required=send)
    if send and preview_dir is None and (done := sent_to_all(store, config, as_of, recipients)) is not None:
        return done  # a restarted run: this municipality's digests are out, its inputs need not be loaded
    inputs = digest_inputs(store, config, as_of, calls)
    return dispatch(store, config, as_of, inputs, recipients, preview_dir=preview_dir, send=send, to=to,
                    session=session)


def run_digests(
    store: Store,
    config: Config,
    as_of: date,
    kommunen: Sequence[str] = (),
    *,
    preview_dir: Path | None = None,
    send: bool = False,
    to: list[str] | None = None,
) -> list[tuple[Config, DigestOutcome]]:
    """Every municipality's digest (``kommunen``: only those), one after another, each sent at most
    once per municipality, period and recipient — a run killed halfway is simply run again.

    Checked before anything is sent: unknown slugs (UnknownKommune) and municipalities without any
    recipient when sending (ValueError naming their profiles). With several municipalities a
    preview goes to ``preview_dir/SLUG/``.
    """
    chosen = config.each(kommunen)
    check_recipients(chosen, to, send=send)
    calls = StoredCalls(store)
    outcomes = []
    with smtp.Session(config.settings.mail) as session:  # one connection for all (opened on the first mail)
        for one in chosen:
            where = preview_dir / one.kommune if preview_dir is not None and config.several else preview_dir
            outcomes.append((one, run_digest(store, one, as_of, preview_dir=where, send=send, to=to, calls=calls,
                                             session=session)))
    return outcomes


def check_recipients(
    chosen: Sequence[Config], to: list[str] | None = None, *, send: bool, offer_to: bool = True
) -> None:
    """Before anything is sent: every address valid, and — when sending to the configured recipients —
    every municipality has one (ValueError naming their profiles, German; ``offer_to``: the command
    has ``--to``)."""
    for one in chosen:
        resolve_recipients(one, to, required=False)  # an invalid address stops the run before any mail
    if send and not to:
        silent = [one for one in chosen if not resolve_recipients(one, None, required=False)]
        if silent:
            files = ", ".join(str(_profile_path(one)) for one in silent)
            hint = " oder --to ADRESSE angeben" if offer_to else ""
            raise ValueError(
                f"Keine Empfänger für {', '.join(one.kommune for one in silent)}: digest.recipients in {files} "
                f"eintragen{hint}."
            )


def addressed_kommunen(config: Config) -> list[str]:
    """The municipalities with someone to mail (digest recipients or measure owners): what a
    scheduled run sends to, without failing every day for a town that has not set its recipients."""
    return [one.kommune for one in config.each() if resolve_recipients(one, None, required=False)]


def _profile_path(config: Config) -> Path:
    return next(k.path for k in config.kommunen if k.slug == config.kommune)


# -- reminders before deadlines ---------------------------------------------------------------------


def due_reminder_mails(store: Store, config: Config, as_of: date) -> list[ReminderMail]:
    """The reminders due on ``as_of`` for the municipality ``config`` speaks for, as mails.
    ``notifier/reminders.py`` decides which; here only what it decides on is loaded: the
    municipality's marks, the marked calls' deadlines, its measures that are not done."""
    steps = config.settings.reminders.steps
    if not steps:
        return []
    marks = [m for m in all_marks(store, config.kommune) if m.mark in REMINDED_MARKS]
    records = store.calls_by_id({m.call_id for m in marks})
    calls = {call_id: CallDeadline(r.deadline, r.status == "closed") for call_id, r in records.items()}
    measures = {m.id: m.title for m in config.measures.measures if m.status != "done"}
    due = due_reminders(config.kommune, marks, calls, measures, as_of, steps)
    links = feedback_links(config.settings.web.base_url, config.kommune) if due else None
    return [build_mail(config, r, records[r.call_id], measures[r.measure_id], as_of, links) for r in due]


def run_reminders(
    store: Store,
    config: Config,
    as_of: date,
    kommunen: Sequence[str] = (),
    *,
    preview_dir: Path | None = None,
    send: bool = False,
) -> list[tuple[Config, ReminderOutcome]]:
    """Every municipality's reminders due on ``as_of`` (``kommunen``: only those): preview and/or
    send, each reminder at most once per recipient (``notifier/reminder_delivery.py``), over one
    mail connection. Its recipients get only its own reminders.

    Checked before anything is sent, as for the digest: unknown slugs (UnknownKommune), invalid
    addresses and, when sending, municipalities without any recipient (ValueError). With several
    municipalities a preview goes to ``preview_dir/SLUG/``.
    """
    chosen = config.each(kommunen)
    check_recipients(chosen, send=send, offer_to=False)
    outcomes = []
    with smtp.Session(config.settings.mail) as session:  # opened on the first mail, if any
        for one in chosen:
            where = preview_dir / one.kommune if preview_dir is not None and config.several else preview_dir
            mails = due_reminder_mails(store, one, as_of)
            outcomes.append((one, dispatch_reminders(store, one, mails, preview_dir=where, send=send,
                                                     session=session)))
    return outcomes
