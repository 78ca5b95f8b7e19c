"""One card per programme: the digest's (and the report's) way of showing matches.

The matcher judges (measure, call) pairs, and the digest keeps them per measure (``MeasureSection``)
for its counts and caps. A reader, though, decides per programme: a programme that fits two measures
is one decision, so it is one card that lists both measures. This module turns the per-measure items
into cards and decides how much of each card a reader needs (its ``layout``), without any I/O.

Strength bands replace the bare 0–100 score: *stark* means the call's title or text names what the
measure is about; *möglich* means it touches it and is worth a look. Known matches that did not
change since the last digest are not shown in full again.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from foerderradar.notifier import formatting as fmt
from foerderradar.notifier.items import (
    STATE_RANK,
    Action,
    DigestItem,
    ItemState,
    MeasureSection,
    PageLink,
    SourceLink,
)

Band = Literal["stark", "moeglich"]
Layout = Literal["full", "compact", "line", "hidden"]
BAND_LABELS: dict[Band, str] = {"stark": "stark", "moeglich": "möglich"}
MAX_WHY = 2  # fields named in "Warum" (title, short text, …): the strongest evidence, not all of it
MAX_TERMS = 2  # terms quoted in all: enough to check the match, short enough for one line
MAX_CARD_LINKS = 3  # Richtlinie, Merkblatt, Antragsportal: what a person opens to judge a call
MAX_LINK_LABEL = 24  # a link's words on the card; the page says the rest
MAX_CARD_CONTACT = 72  # "Kontakt: …" on the card: office and e-mail, the rest is on the portal page
MIN_OFFICE = 16  # characters of the office kept beside a long e-mail address


def band(score: float, strong_score: float) -> Band:
    return "stark" if score >= strong_score else "moeglich"


def layout(card_band: Band, state: ItemState) -> Layout:
    """The per-band rule: a strong programme that is new or changed is shown in full, a possible one
    as a compact card; a known strong one gets one line under "Weiterhin passend"; a known possible
    one is only counted (it was shown in full when it was new)."""
    fresh = state in ("new", "changed")
    if card_band == "stark":
        return "full" if fresh else "line"
    return "compact" if fresh else "hidden"


@dataclass(frozen=True)
class CardMeasure:
    """A measure the programme fits, with its own score, band and feedback links."""

    measure_id: str
    title: str
    owner: str | None
    score: float
    band: Band
    actions: tuple[Action, ...] = ()

    @property
    def band_label(self) -> str:
        return BAND_LABELS[self.band]

    @property
    def score_label(self) -> str:
        return f"{round(self.score)}/100"


@dataclass(frozen=True)
class Card:
    """One programme. Text fields are scraped, hence untrusted: templates escape them."""

    call_id: str
    short_id: str
    title: str
    url: str
    state: ItemState
    measures: tuple[CardMeasure, ...]  # best fit first
    what: str | None  # one sentence of what is funded
    funding_kind: str | None  # "Zuschuss", "Darlehen", …
    funding_body: str | None
    funding_rate_pct: float | None
    max_amount_eur: float | None
    deadline: date | None
    deadline_label: str
    days_left: int | None
    deadline_soon: bool
    why: tuple[str, ...]  # readable evidence of the best measure: 'im Titel „Gigabit“'
    checks: tuple[str, ...]  # what a person must check before applying (eligibility caveats)
    notes: tuple[str, ...]  # other facts from the matcher ("Öffnet am 01.02.2027")
    also: tuple[SourceLink, ...] = ()
    changes: tuple[str, ...] = ()
    mark_command: str | None = None  # the `calls mark` line when there is no web app to link to
    eligible: bool = True  # the report of `match --all` also shows calls the municipality cannot apply for
    contact: str | None = None  # whom to ask, as the portal says it (one line)
    links: tuple[PageLink, ...] = ()  # the programme's further pages, known kinds first

    @property
    def band(self) -> Band:
        return self.measures[0].band

    @property
    def band_label(self) -> str:
        return BAND_LABELS[self.band]

    @property
    def score(self) -> float:
        return self.measures[0].score

    @property
    def layout(self) -> Layout:
        return layout(self.band, self.state)

    @property
    def is_new(self) -> bool:
        return self.state == "new"

    @property
    def is_changed(self) -> bool:
        return self.state == "changed"

    @property
    def days_left_label(self) -> str | None:
        return fmt.days_left_label(self.days_left)

    @property
    def id_label(self) -> str:
        """What a person types to refer to the call: the short id, else the full one."""
        return self.short_id or self.call_id

    @property
    def facts(self) -> str | None:
        """"Zuschuss bis zu 75 % (Eigenanteil mind. 25 %), max. 200.000 € · Fördergeber": one line."""
        money = []
        if self.funding_rate_pct is not None:
            share = fmt.own_share_label(self.funding_rate_pct)
            rate = f"bis {fmt.percent(self.funding_rate_pct)}" + (f" ({share})" if share else "")
            money.append(f"{self.funding_kind or 'Förderquote'} {rate}")
        elif self.funding_kind:
            money.append(self.funding_kind)
        if self.max_amount_eur is not None:
            money.append(f"max. {fmt.euro(self.max_amount_eur)}")
        parts = [", ".join(money)] if money else []
        if self.funding_body:
            parts.append(fmt.short_body(_FLAT.sub(" ", self.funding_body).strip()))
        return " · ".join(parts) or None

    @property
    def card_links(self) -> tuple[PageLink, ...]:
        """At most MAX_CARD_LINKS of the links, each with a short label of its own ("Richtlinie",
        "Richtlinie 2", "Informationen zur…"): one short line beside the contact."""
        out: list[PageLink] = []
        taken: set[str] = set()
        for link in self.links[:MAX_CARD_LINKS]:
            label = _shorten(_FLAT.sub(" ", link.label).strip(), MAX_LINK_LABEL) or "Link"
            base, n = label, 1
            while label in taken:
                n += 1
                label = f"{base} {n}"
            taken.add(label)
            out.append(PageLink(label, link.url))
        return tuple(out)

    @property
    def contact_label(self) -> str | None:
        """The contact as the card shows it: the office (shortened) and the e-mail address, else the
        contact's first MAX_CARD_CONTACT characters; the full line is on the portal page."""
        if not self.contact:
            return None
        contact = _FLAT.sub(" ", self.contact).strip()
        parts = [p.strip() for p in contact.split(", ") if p.strip()]
        mail = next((p for p in parts[1:] if _MAIL.fullmatch(p)), None)
        if mail:
            return f"{_shorten(parts[0], max(MIN_OFFICE, MAX_CARD_CONTACT - len(mail) - 2), at=(' ',))}, {mail}"
        return _shorten(contact, MAX_CARD_CONTACT, at=(", ", " ")) or None

    @property
    def owners(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.owner for m in self.measures if m.owner))


# -- the matcher's reasons as phrases a person reads ------------------------------------------------

_FLAT = re.compile(r"[\x00-\x20\x7f]+")  # line breaks and control characters; keeps the no-break spaces
_MAIL = re.compile(r"[^\s@,]+@+[^\s@,]+\.[^\s@,]+")  # "@@" too: the portal's typo is still the address
_HIT = re.compile(r"^Treffer (?P<where>im Titel|im Kurztext|in der Beschreibung|in den Themen): (?P<terms>.+)$")
# Reasons that repeat what the card shows anyway: every listed call passed the eligibility gates
# (applicants, region, area, Kreis status, population), and the deadline has its own line.
_SHOWN_ELSEWHERE = ("Antragsberechtigt: ", "Antragsberechtigt laut Text: ", "Laut Text antragsberechtigt: ", "Region: ",
                    "Region laut Text: ", "Gebiet: ", "Einwohnergrenze: ", "Frist: ", "Schließt bald",
                    "Passt zum Kern: ", "Nur Rahmen: ",  # the "Warum" words say it; halved ones: below
                    "Förderart: ")  # the card names the funding type
# A frame-only match the matcher halved is worth a check; one in a digitalisation programme is not.
_FRAME_ONLY = re.compile(r"^Nur Rahmen: (?P<words>.*?) – .*halbiert$")
_TERM = re.compile(r"(?P<term>[^,(]+?)\s*(?:\((?P<alias>≈ [^)]*)\))?(?:,\s*|$)")


def _shorten(text: str, limit: int, at: tuple[str, ...] = (" ",)) -> str:
    """``text`` cut to ``limit`` characters with "…", at the last separator of ``at`` that leaves
    more than half of it (a name or address is not cut mid-word where that can be helped)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    for sep in at:
        cut = head.rfind(sep)
        if cut > limit // 2:
            return head[:cut].rstrip(" ,;·–-") + "…"
    return head.rstrip() + "…"


def _quoted_terms(terms: str, limit: int = MAX_TERMS) -> tuple[str, int]:
    """'Online-Diensten, records management (≈ E-Akte)' → '„Online-Diensten“, „records management“ (≈ E-Akte)',
    at most ``limit`` of them, and how many that were."""
    out: list[str] = []
    for found in _TERM.finditer(terms):
        term = found.group("term").strip()
        if not term:
            continue
        alias = found.group("alias")
        out.append(f"„{term}“" + (f" ({alias})" if alias else ""))
        if len(out) == limit:
            break
    return ", ".join(out), len(out)


def readable(reasons: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The matcher's reasons split into (why, checks, notes): evidence as 'im Titel „Gigabit“',
    caveats a person must check ("bitte prüfen"), and other facts. Reasons the card shows anyway
    (eligibility, region, deadline) are left out."""
    why: list[str] = []
    checks: list[str] = []
    notes: list[str] = []
    terms_left = MAX_TERMS
    for reason in reasons:
        text = " ".join(reason.split())
        if "prüfen" in text:
            checks.append(re.sub(r"\s*\(bitte prüfen\)\s*$", "", text))
        elif frame := _FRAME_ONLY.match(text):
            checks.append(f"trifft nur den Rahmen der Maßnahme ({frame.group('words')}), nicht ihren Kern")
        elif hit := _HIT.match(text):
            if len(why) < MAX_WHY and terms_left > 0:
                quoted, used = _quoted_terms(hit.group("terms"), terms_left)
                terms_left -= used
                why.append(f"{hit.group('where')} {quoted}")
        elif not text.startswith(_SHOWN_ELSEWHERE):
            notes.append(text)
    return tuple(why), tuple(checks), tuple(notes)


# -- building -----------------------------------------------------------------------------------------


def mark_command(call: str, measure_id: str, kommune: str | None) -> str:
    """The exact command that marks a call when there is no web app to click in."""
    words = ["foerderradar", "calls", "mark", call, "relevant", "--measure", measure_id]
    if kommune:
        words += ["--kommune", kommune]
    return " ".join(shlex.quote(w) for w in words)


def build_cards(
    sections: Sequence[MeasureSection],
    owners: Mapping[str, str | None],
    strong_score: float,
    *,
    kommune: str | None = None,
) -> tuple[Card, ...]:
    """Every programme of the sections as one card, strongest band first, then new before changed
    before known, best score, nearest deadline. ``owners``: measure id → its owner's address;
    ``kommune``: the slug a `calls mark` line needs (several municipalities), else None."""
    pairs: dict[str, list[tuple[MeasureSection, DigestItem]]] = {}
    for section in sections:
        for item in section.items:
            pairs.setdefault(item.call_id, []).append((section, item))
    cards = [_card(found, owners, strong_score, kommune) for found in pairs.values()]
    return tuple(sorted(cards, key=_card_order))


def _card(
    found: Iterable[tuple[MeasureSection, DigestItem]],
    owners: Mapping[str, str | None],
    strong_score: float,
    kommune: str | None,
) -> Card:
    ordered = sorted(found, key=lambda pair: (-pair[1].score, pair[0].measure_id))
    best_section, best = ordered[0]
    items = [item for _, item in ordered]
    why, checks, notes = readable(best.reasons)
    for item in items[1:]:  # a caveat about the municipality holds for every measure: say it once
        checks = (*checks, *(c for c in readable(item.reasons)[1] if c not in checks))
    state = min((item.state for item in items), key=lambda s: STATE_RANK[s])
    return Card(
        call_id=best.call_id,
        short_id=best.short_id,
        title=best.title,
        url=best.url,
        state=state,
        measures=tuple(
            CardMeasure(section.measure_id, section.title, owners.get(section.measure_id), item.score,
                        band(item.score, strong_score), item.actions)
            for section, item in ordered
        ),
        what=best.what,
        funding_kind=best.funding_kind,
        funding_body=best.funding_body,
        funding_rate_pct=best.funding_rate_pct,
        max_amount_eur=best.max_amount_eur,
        deadline=best.deadline,
        deadline_label=best.deadline_label,
        days_left=best.days_left,
        deadline_soon=best.deadline_soon,
        why=why,
        checks=checks,
        notes=notes,
        also=best.also,
        changes=tuple(dict.fromkeys(change for item in items for change in item.changes)),
        mark_command=None if best.actions else mark_command(best.short_id or best.call_id,
                                                            best_section.measure_id, kommune),
        eligible=best.eligible,
        contact=best.contact,
        links=best.links,
    )


def _card_order(card: Card) -> tuple[int, int, float, date, str]:
    return (card.band != "stark", STATE_RANK[card.state], -card.score, card.deadline or date.max, card.call_id)
