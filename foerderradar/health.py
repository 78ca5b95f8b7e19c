"""Portal health: is each watched portal still delivering what it used to?

A crawler's worst failure is a quiet one — a portal that changed its layout returns pages, no
errors, and nothing useful, and the digest simply stops mentioning it. Health is therefore judged
from each portal's recent crawl runs (``crawl_runs``), not from the last run alone:

- ``fehler`` (flagged, alerted): the last N runs in a row failed; the last run found no entries;
  most of the fields the portal used to fill, or one the eligibility gates need (applicants,
  regions, description), are suddenly empty (a changed layout).
- ``warnung`` (shown, not alerted): the last run failed, but fewer than N in a row; the run was only
  partly successful; some regularly filled fields are suddenly empty.
- ``ok`` / ``unbekannt`` (never crawled).

A run that met a bot-detection page (crawler/botwall.py) is judged like any failed or partial run
— the portal is not broken, but its calls grow stale until a person acts — and its reasons say so
("Portal blockiert automatisierte Abrufe"), never "Seitenaufbau geändert"; :attr:`PortalHealth.bot_wall`
lets the alert mail give the advice that fits (export or operator, not selectors).

Everything here is a pure function of stored runs, so the digest, ``portals list`` and the alert
mail always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import Literal

from foerderradar.crawler.botwall import BOT_WALL, first_bot_wall, is_bot_wall
from foerderradar.storage import Store
from foerderradar.storage.tables import CrawlRun

HealthState = Literal["ok", "warnung", "fehler", "unbekannt"]

# How much history one judgement looks at; enough for N failures in a row plus a field baseline.
HISTORY = 12
BASELINE_RUNS = 5
# A field counts as "regularly filled" when at least this share of parsed items had it …
REGULAR_SHARE = 0.5
# … and as "lost" when its share falls below this fraction of its usual share.
LOST_FRACTION = 0.25
# Fields the eligibility gates read: losing one of them lets ineligible calls through (or hides
# eligible ones), so it is a Störung even when most other fields are still there.
CRITICAL_FIELDS = ("applicants", "regions", "description")
# Too few parsed items (an incremental crawl that re-parsed only two changed pages) prove nothing.
MIN_EXTRACTED = 3

FIELD_LABELS = {
    "summary": "Kurzbeschreibung",
    "description": "Beschreibung",
    "funding_body": "Fördergeber",
    "level": "Ebene",
    "regions": "Fördergebiet",
    "applicants": "Antragsberechtigte",
    "funding_type": "Förderart",
    "topics": "Themen",
    "deadline": "Frist (Datum)",
    "deadline_text": "Frist",
    "status": "Status",
    "open_date": "Beginn",
    "max_amount_eur": "Höchstbetrag",
    "funding_rate_pct": "Förderquote",
    "published_at": "Veröffentlichung",
    "updated_at": "Aktualisierung",
}


@dataclass(frozen=True)
class PortalHealth:
    portal: str
    state: HealthState
    reasons: tuple[str, ...] = ()
    last_run: CrawlRun | None = None
    # Id of the first run of the current problem streak: one alert per incident, not per crawl.
    incident: int | None = None
    # The last run met a bot-detection page: the advice is "export or operator", not "fix selectors".
    bot_wall: bool = False

    @property
    def flagged(self) -> bool:
        return self.state == "fehler"

    @property
    def label(self) -> str:
        return {"ok": "ok", "warnung": "Warnung", "fehler": "Störung", "unbekannt": "noch nie abgerufen"}[self.state]

    @property
    def summary(self) -> str:
        return "; ".join(self.reasons) if self.reasons else self.label


def _first_line(text: str | None) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line[:200] or "ohne Meldung"


def lost_fields(run: CrawlRun, history: Sequence[CrawlRun]) -> tuple[list[str], list[str]]:
    """(regularly filled fields, those of them now lost) — comparing ``run`` with ``history``.

    The baseline is the median share over the previous successful runs that parsed enough items,
    so one odd run neither raises nor hides an alarm.
    """
    if run.extracted < MIN_EXTRACTED:
        return [], []
    baseline_runs = [r for r in history if r.ok and r.extracted >= MIN_EXTRACTED and r.filled is not None]
    baseline_runs = baseline_runs[:BASELINE_RUNS]
    if not baseline_runs:
        return [], []
    names = {name for r in baseline_runs for name in (r.filled or {})}
    regular: list[str] = []
    lost: list[str] = []
    now = run.filled or {}
    for name in sorted(names):
        if name not in FIELD_LABELS:  # title, url, source … are required, never "lost"
            continue
        usual = median((r.filled or {}).get(name, 0) / r.extracted for r in baseline_runs)
        if usual < REGULAR_SHARE:
            continue
        regular.append(name)
        if now.get(name, 0) / run.extracted < usual * LOST_FRACTION:
            lost.append(name)
    return regular, lost


def _judge(runs: Sequence[CrawlRun], failures_in_a_row: int) -> tuple[HealthState, list[str]]:
    """State and German reasons from runs (finished, newest first; at least one)."""
    newest = runs[0]
    if not newest.ok:
        streak = 0
        for run in runs:
            if run.ok:
                break
            streak += 1
        # The bot-wall line names the failure kind even when another message came first.
        cause = _first_line(first_bot_wall(newest.message) or newest.message)
        if streak >= failures_in_a_row:
            return "fehler", [f"{streak} Abrufe in Folge fehlgeschlagen (zuletzt: {cause})"]
        return "warnung", [f"letzter Abruf fehlgeschlagen ({cause})"]
    if newest.items == 0:
        return "fehler", ["keine Einträge gefunden – Seitenaufbau geändert oder Start-Adressen falsch?"]
    state: HealthState = "ok"
    reasons: list[str] = []
    regular, lost = lost_fields(newest, runs[1:])
    if lost:
        names = ", ".join(FIELD_LABELS[name] for name in lost)
        if len(lost) * 2 >= len(regular):
            state = "fehler"
            reasons.append(f"die meisten Felder plötzlich leer ({names}) – Seitenaufbau geändert?")
        elif any(name in CRITICAL_FIELDS for name in lost):
            state = "fehler"
            reasons.append(f"für den Abgleich nötige Felder plötzlich leer ({names}) – Seitenaufbau geändert?")
        else:
            state = "warnung"
            reasons.append(f"Felder plötzlich leer: {names}")
    if newest.errors:
        state = "warnung" if state == "ok" else state
        blocked = f"; {BOT_WALL}" if is_bot_wall(newest.message) else ""
        reasons.append(f"{newest.errors} Fehler beim letzten Abruf (teilweise abgerufen{blocked})")
    return state, reasons


def assess(portal: str, runs: Sequence[CrawlRun], failures_in_a_row: int = 3) -> PortalHealth:
    """Judge one portal from its runs (newest first, as :meth:`Store.recent_runs` returns them).

    A run that never finished is a crash when a newer run exists; the newest unfinished run may
    still be going, so it is left out of the judgement.
    """
    finished = [r for r in runs if r.finished_at is not None or r is not runs[0]]
    finished = [r if r.finished_at is not None else _as_failed(r) for r in finished]
    if not finished:
        return PortalHealth(portal, "unbekannt", ("noch nie abgerufen",), runs[0] if runs else None)
    state, reasons = _judge(finished, failures_in_a_row)
    incident = None
    if state != "ok":
        # Walk back while older runs were judged not-ok too: the streak's first run names the incident.
        incident = finished[0].id
        for i in range(1, len(finished)):
            if _judge(finished[i:], failures_in_a_row)[0] == "ok":
                break
            incident = finished[i].id
    bot_wall = state != "ok" and is_bot_wall(finished[0].message)
    return PortalHealth(portal, state, tuple(reasons), finished[0], incident, bot_wall)


def _as_failed(run: CrawlRun) -> CrawlRun:
    return run.model_copy(update={"ok": False, "message": run.message or "Abruf abgebrochen (nie beendet)"})


def portal_health(store: Store, portals: Sequence[str], failures_in_a_row: int = 3) -> list[PortalHealth]:
    """Health of each named portal, in the given order."""
    return [assess(key, store.recent_runs(key, HISTORY), failures_in_a_row) for key in portals]
