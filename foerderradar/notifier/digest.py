"""What a digest says, decided without I/O: matches + stored call metadata → :class:`Digest`.

Everything here is a pure function of its arguments so that the wording, ordering and counting can
be tested with plain objects, and rendering (HTML, text) never has to make a decision of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from foerderradar.german.labels import FUNDING_TYPE_DE
from foerderradar.health import PortalHealth
from foerderradar.matcher.apply_marks import Application
from foerderradar.model import Match
from foerderradar.notifier import formatting as fmt
from foerderradar.notifier.cards import Card, Layout, build_cards
from foerderradar.notifier.changes import describe as describe_changes
from foerderradar.notifier.ics import Deadline
from foerderradar.notifier.items import (
    MAIL_MARKS,
    STATE_RANK,
    Action,
    DigestItem,
    ItemState,
    MeasureSection,
    PageLink,
    SourceLink,
)
from foerderradar.settings import Config, Measure
from foerderradar.signing import FeedbackLinks
from foerderradar.storage.tables import CallEvent, CallRecord


@dataclass(frozen=True)
class ApplicationItem:
    """A running application (feedback mark ``applied``): the digital manager tracks its deadline."""

    call_id: str
    title: str
    url: str
    measure_title: str
    note: str | None
    deadline: date | None
    deadline_label: str
    days_left: int | None

    @property
    def days_left_label(self) -> str | None:
        return fmt.days_left_label(self.days_left)


@dataclass(frozen=True)
class SoonLine:
    """A deadline named in the "Diese Woche" box."""

    title: str  # no link: the call's card below carries it
    deadline_label: str
    days_left: int
    context: str  # the measure it fits best

    @property
    def days_left_label(self) -> str | None:
        return fmt.days_left_label(self.days_left)


@dataclass(frozen=True)
class HealthLine:
    """A portal with a problem, as the digest lists it (the digital manager should know that a
    source went quiet; city IT gets the details by `portals list` or the alert mail)."""

    portal: str
    name: str
    flagged: bool  # "Störung" rather than "Warnung"
    reason: str

    @property
    def label(self) -> str:
        return "Störung" if self.flagged else "Warnung"


@dataclass(frozen=True)
class Digest:
    period: str  # ISO week, e.g. "2026-W48"
    city: str
    as_of: date
    since: datetime | None  # the recipient's previous digest; None → everything counts as new
    soon_days: int
    sections: tuple[MeasureSection, ...]
    new_count: int  # distinct calls, so a call matching two measures counts once
    changed_count: int
    soon_count: int
    health: tuple[HealthLine, ...] = ()  # only portals with a problem
    applications: tuple[ApplicationItem, ...] = ()  # "laufende Anträge", nearest deadline first
    portals_checked: int = 0  # how many portals the health section speaks for
    calls_checked: int = 0  # stored calls the matcher saw: "nothing new" is then a finding, not silence
    # What the reader sees: one card per programme (notifier/cards.py), built from ``sections``.
    cards: tuple[Card, ...] = ()
    strong_score: float = 60  # [digest] strong_score: where "stark" begins
    min_score: float = 30  # [digest] min_score: where "möglich" begins

    @property
    def new_label(self) -> str:
        """"1 neuer Treffer" / "3 neue Treffer" / "keine neuen Treffer" (the subject's {treffer})."""
        if not self.new_count:
            return "keine neuen Treffer"
        return f"{self.new_count} {fmt.plural(self.new_count, 'neuer Treffer', 'neue Treffer')}"

    @property
    def week_label(self) -> str:
        return fmt.week_label(self.as_of)

    def _laid_out(self, layout: Layout) -> tuple[Card, ...]:
        return tuple(card for card in self.cards if card.layout == layout)

    @property
    def full_cards(self) -> tuple[Card, ...]:
        return self._laid_out("full")

    @property
    def compact_cards(self) -> tuple[Card, ...]:
        return self._laid_out("compact")

    @property
    def line_cards(self) -> tuple[Card, ...]:
        return self._laid_out("line")

    @property
    def hidden_count(self) -> int:
        return len(self._laid_out("hidden"))

    @property
    def hidden_label(self) -> str | None:
        n = self.hidden_count
        if not n:
            return None
        return (f"{n} {fmt.plural(n, 'weiterer möglicher Treffer', 'weitere mögliche Treffer')} "
                "ohne Änderung seit dem letzten Bericht")

    @property
    def top_new(self) -> tuple[Card, ...]:
        """The strongest new programmes, named in the "Diese Woche" box."""
        return tuple(card for card in self.cards if card.is_new and card.band == "stark")[:3]

    @property
    def changed_cards(self) -> tuple[Card, ...]:
        return tuple(card for card in self.cards if card.is_changed)

    @property
    def soon(self) -> tuple[SoonLine, ...]:
        """The matched calls' deadlines within ``soon_days``, by name (running applications have their
        own list in the box, with their deadline; a call with a running application is not repeated)."""
        running = {app.call_id for app in self.applications}
        lines = [
            SoonLine(card.title, card.deadline_label, card.days_left or 0, card.measures[0].title)
            for card in self.cards
            if card.deadline_soon and card.call_id not in running
        ]
        return tuple(sorted(lines, key=lambda line: (line.days_left, line.title)))

    @property
    def soon_applications(self) -> frozenset[str]:
        """Running applications whose deadline is within ``soon_days`` (shown in red)."""
        return frozenset(a.call_id for a in self.applications
                         if a.days_left is not None and 0 <= a.days_left <= self.soon_days)

    @property
    def quiet_measures(self) -> tuple[str, ...]:
        """Measures without any match this week: one line, not an empty heading each."""
        return tuple(section.title for section in self.sections if not section.items)

    @property
    def capped_sections(self) -> tuple[MeasureSection, ...]:
        return tuple(section for section in self.sections if section.hidden)

    @property
    def band_note(self) -> str:
        strong = round(self.strong_score)
        return (f"Stark: Titel oder Text nennen, worum es in der Maßnahme geht (ab {strong}/100); "
                f"möglich: berührt sie ({round(self.min_score)}–{strong - 1}/100). "
                "Antragsberechtigung bei allen Treffern geprüft.")

    @property
    def preheader(self) -> str:
        """The line mail clients show beside the subject: the summary and the first name worth it."""
        first = self.soon[0].title if self.soon else (self.top_new[0].title if self.top_new else None)
        return self.summary + (f". {first}" if first else ".")

    @property
    def summary(self) -> str:
        return fmt.summary_line(self.new_count, self.changed_count, self.soon_count, self.soon_days)

    @property
    def as_of_label(self) -> str:
        return fmt.german_date(self.as_of)

    @property
    def since_label(self) -> str | None:
        return fmt.german_date(self.since.date()) if self.since else None

    @property
    def soon_window(self) -> str:
        return fmt.soon_window(self.soon_days)

    @property
    def deadlines(self) -> list[Deadline]:
        """Every dated deadline the digest shows (matches and running applications) for the .ics."""
        out = [
            Deadline(item.call_id, item.title, item.deadline, item.url, f"Maßnahme: {section.title}")
            for section in self.sections
            for item in section.items
            if item.deadline is not None and item.deadline >= self.as_of
        ]
        out += [
            Deadline(app.call_id, app.title, app.deadline, app.url, f"Laufender Antrag – {app.measure_title}")
            for app in self.applications
            if app.deadline is not None and app.deadline >= self.as_of
        ]
        return out

    @property
    def checked_line(self) -> str:
        measures = len(self.sections)
        return (
            f"Abgeglichen: {fmt.german_number(self.calls_checked)} gespeicherte "
            f"{fmt.plural(self.calls_checked, 'Förderaufruf', 'Förderaufrufe')} mit {measures} "
            f"{fmt.plural(measures, 'Maßnahme', 'Maßnahmen')}."
        )

    @property
    def health_line(self) -> str:
        """One sentence on the sources, so a quiet week is never mistaken for a broken crawler."""
        if not self.portals_checked:
            return "Noch keine Portale abgerufen."
        if not self.health:
            if self.portals_checked == 1:
                return "Das Portal wurde ohne Befund abgerufen."
            return f"Alle {self.portals_checked} Portale wurden ohne Befund abgerufen."
        return f"{len(self.health)} von {self.portals_checked} Portalen mit Problemen:"

    @property
    def total_matches(self) -> int:
        return sum(len(s.items) + s.hidden for s in self.sections)


def period_key(as_of: date) -> str:
    """The ISO week: one digest per recipient and week, whatever weekday it is sent on."""
    year, week, _ = as_of.isocalendar()
    return f"{year}-W{week:02d}"


def item_state(record: CallRecord | None, since: datetime | None) -> ItemState:
    return group_state([record] if record is not None else [], since)


def group_state(records: Sequence[CallRecord], since: datetime | None) -> ItemState:
    """New, changed or known — of the programme, not of one portal's page: a programme is new when
    its first page appeared after the last digest (a second portal listing it later does not make
    it new again), and changed when any of its pages changed since."""
    if since is None:
        return "new"
    if not records:
        return "existing"
    if min(r.first_seen for r in records) > since:
        return "new"
    if any(r.version > 1 and r.changed_at > since for r in records):
        return "changed"
    return "existing"


def build_item(
    match: Match,
    record: CallRecord | None,
    as_of: date,
    since: datetime | None,
    soon_days: int,
    *,
    members: Sequence[CallRecord] = (),
    portal_names: Mapping[str, str] | None = None,
    events: Mapping[str, Sequence[CallEvent]] | None = None,
    links: FeedbackLinks | None = None,
) -> DigestItem:
    """``members``: the stored records of the programme's other pages (see Match.sources);
    ``links``: the municipality's feedback links (None: the digest has no web app to link to)."""
    # Where the representative is silent, the first of the programme's other pages that says it.
    group = [r for r in (record, *members) if r is not None]
    deadline = match.deadline or next((r.deadline for r in group if r.deadline), None)
    days_left = (deadline - as_of).days if deadline is not None else None
    names = portal_names or {}
    rate = next((r.funding_rate_pct for r in group if r.funding_rate_pct is not None), None)
    amount = next((r.max_amount_eur for r in group if r.max_amount_eur is not None), None)
    body = next((r.funding_body for r in group if r.funding_body), None)
    deadline_text = next((r.deadline_text for r in group if r.deadline_text), None)
    what = next((s for r in group if (s := fmt.first_sentence(r.summary or r.description))), None)
    kinds = next((r.funding_type for r in group if r.funding_type), None) or []
    contact = next((r.contact for r in group if r.contact), None)
    pages = next((r.links for r in group if r.links), None) or []
    return DigestItem(
        call_id=match.call_id,
        title=match.title,
        url=match.url,
        score=match.score,
        reasons=tuple(match.reasons),
        state=group_state(group, since),
        funding_body=body,
        funding_rate_pct=rate,
        max_amount_eur=amount,
        deadline=deadline,
        deadline_label=fmt.deadline_label(deadline, deadline_text),
        days_left=days_left,
        deadline_soon=days_left is not None and 0 <= days_left <= soon_days,
        also=tuple(SourceLink(names.get(s.source, s.source), s.url) for s in match.other_pages),
        changes=item_changes(group, events or {}, since),
        actions=actions(match, links) if links is not None else (),
        what=what,
        funding_kind=FUNDING_TYPE_DE.get(kinds[0]) if kinds and kinds[0] != "sonstiges" else None,
        short_id=match.short_id,
        eligible=match.eligible,
        contact=contact,
        links=tuple(PageLink(str(p.get("label") or ""), str(p.get("url") or "")) for p in pages if isinstance(p, dict)),
    )


def actions(match: Match, links: FeedbackLinks) -> tuple[Action, ...]:
    """Mark links for this (call, measure) pair, then the call's page in the web app."""
    marks = tuple(Action(label, links.mark(match.call_id, match.measure_id, mark), mark) for mark, label in MAIL_MARKS)
    return (*marks, Action("Im Förderradar öffnen", links.call_page(match.call_id)))


def item_changes(
    group: Sequence[CallRecord], events: Mapping[str, Sequence[CallEvent]], since: datetime | None
) -> tuple[str, ...]:
    """The programme's changes since the recipient's last digest (none on a first digest: all is new)."""
    if since is None:
        return ()
    return tuple(describe_changes(e for r in group for e in events.get(r.id, ()) if e.at > since))


def sort_key(item: DigestItem) -> tuple[int, float, date, str]:
    """New first, then changed, then the rest; within each, best score, nearest deadline."""
    return (STATE_RANK[item.state], -item.score, item.deadline or date.max, item.call_id)


def build_section(measure: Measure, items: Iterable[DigestItem], cap: int) -> MeasureSection:
    ordered = sorted(items, key=sort_key)
    return MeasureSection(measure.id, measure.title, tuple(ordered[:cap]), max(0, len(ordered) - cap))


def health_lines(health: Sequence[PortalHealth], names: Mapping[str, str]) -> tuple[HealthLine, ...]:
    """Problems first (Störung before Warnung), then by portal key; healthy portals are not listed."""
    lines = [
        HealthLine(h.portal, names.get(h.portal) or h.portal, h.flagged, h.summary)
        for h in health
        if h.state in ("warnung", "fehler")
    ]
    return tuple(sorted(lines, key=lambda line: (not line.flagged, line.portal)))


def application_items(
    applications: Iterable[Application], records: Mapping[str, CallRecord], config: Config, as_of: date
) -> tuple[ApplicationItem, ...]:
    titles = {m.id: m.title for m in config.measures.measures}
    items = []
    for app in applications:
        record = records.get(app.call_id)
        deadline = record.deadline if record else None
        items.append(ApplicationItem(
            call_id=app.call_id,
            title=record.title if record else app.call_id,
            url=record.url if record else "",
            measure_title=titles.get(app.measure_id, app.measure_id),
            note=app.note,
            deadline=deadline,
            deadline_label=fmt.deadline_label(deadline, record.deadline_text if record else None),
            days_left=(deadline - as_of).days if deadline else None,
        ))
    return tuple(sorted(items, key=lambda i: (i.days_left is None, i.days_left or 0, i.call_id)))


def build_digest(
    config: Config,
    records: Mapping[str, CallRecord],
    matches: Iterable[Match],
    as_of: date,
    since: datetime | None,
    health: Sequence[PortalHealth] = (),
    applications: Iterable[Application] = (),
    *,
    measures: frozenset[str] | None = None,
    events: Mapping[str, Sequence[CallEvent]] | None = None,
    calls_checked: int | None = None,
    links: FeedbackLinks | None = None,
) -> Digest:
    """``measures`` limits the digest to those measures (a measure owner's copy); None = all.
    ``calls_checked``: how many stored calls were matched, when ``records`` holds only those shown."""
    settings = config.settings.digest
    names = {p.key: p.name for p in config.portals if p.name}
    open_measures = [
        m for m in config.measures.measures if m.status != "done" and (measures is None or m.id in measures)
    ]
    applications = [a for a in applications if measures is None or a.measure_id in measures]
    by_measure: dict[str, list[DigestItem]] = {m.id: [] for m in open_measures}
    for match in matches:
        if match.measure_id in by_measure:
            members = [r for s in match.other_sources if (r := records.get(s.call_id)) is not None]
            by_measure[match.measure_id].append(
                build_item(match, records.get(match.call_id), as_of, since, settings.soon_days,
                           members=members, portal_names=names, events=events, links=links)
            )
    sections = tuple(build_section(m, by_measure[m.id], settings.max_per_measure) for m in open_measures)
    every_item = [item for items in by_measure.values() for item in items]
    return Digest(
        period=period_key(as_of),
        city=config.measures.city.name,
        as_of=as_of,
        since=since,
        soon_days=settings.soon_days,
        sections=sections,
        new_count=len({i.call_id for i in every_item if i.state == "new"}),
        changed_count=len({i.call_id for i in every_item if i.state == "changed"}),
        soon_count=len({i.call_id for i in every_item if i.deadline_soon}),
        health=health_lines(health, {p.key: p.name for p in config.portals}),
        portals_checked=len(health),
        applications=application_items(applications, records, config, as_of),
        calls_checked=len(records) if calls_checked is None else calls_checked,
        cards=build_cards(sections, {m.id: m.owner for m in open_measures}, settings.strong_score,
                          kommune=config.kommune if config.several else None),
        strong_score=settings.strong_score,
        min_score=settings.min_score,
    )
