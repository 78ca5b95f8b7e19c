"""Alert mail to city IT when a portal becomes flagged ("Störung"): once per incident and recipient.

The digital manager reads the weekly digest; the people who can fix a broken portal entry are city
IT, and they should hear about it the day it breaks, not next Monday. An incident is the streak of
unhealthy runs that starts with :attr:`PortalHealth.incident`; the ``sent_digests`` ledger (period
``health-…``) makes each incident's alert go out once per recipient, however often the crawl runs.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from foerderradar.health import PortalHealth, portal_health
from foerderradar.notifier import ledger, smtp
from foerderradar.notifier.message import build_message, make_message_id
from foerderradar.notifier.render import RenderedDigest, environment
from foerderradar.notifier.service import RecipientResult
from foerderradar.output_safety import one_line
from foerderradar.settings import Config
from foerderradar.storage import Store

log = logging.getLogger(__name__)
PERIOD_PREFIX = "health-"
# A bot wall is named in the subject: city IT should not open the mail expecting a layout change.
BOT_WALL_SUBJECT = " – blockiert automatisierte Abrufe"


# Portal kinds whose failures need their own advice (a whole-database download, not pages).
EXPORT_KINDS = frozenset({"foerderdatenbank_export"})


@dataclass(frozen=True)
class Alert:
    portal: str
    name: str
    health: PortalHealth
    kind: str = ""  # the portal's kind: an export needs other advice than a page layout

    @property
    def export(self) -> bool:
        return self.kind in EXPORT_KINDS and not self.health.bot_wall

    @property
    def period(self) -> str:
        """Ledger key of the incident; hashed because portal keys may be longer than the column."""
        token = hashlib.sha256(f"{self.portal}\0{self.health.incident}".encode()).hexdigest()[:16]
        return PERIOD_PREFIX + token


def alerts_for(config: Config, health: Sequence[PortalHealth]) -> list[Alert]:
    portals = {p.key: p for p in config.portals}
    return [
        Alert(h.portal, (p.name or p.key) if (p := portals.get(h.portal)) else h.portal, h, p.kind if p else "")
        for h in health
        if h.flagged and h.incident
    ]


def render_alert(alert: Alert, config: Config) -> RenderedDigest:
    env = environment()
    context = {"alert": alert, "city": config.label, "health": alert.health}
    kind = BOT_WALL_SUBJECT if alert.health.bot_wall else ""
    return RenderedDigest(
        subject=one_line(f"Förderradar: Portal „{alert.name}“ gestört{kind}"),
        html=env.get_template("health_alert.html.j2").render(**context),
        text=env.get_template("health_alert.txt.j2").render(**context),
    )


def send_health_alerts(
    store: Store, config: Config, health: Sequence[PortalHealth] | None = None
) -> list[RecipientResult]:
    """Send the alerts not yet sent; returns what happened per (alert, recipient).

    A failed send stays pending in the ledger and is retried after the next crawl.
    """
    recipients = config.settings.health.alert_to
    if not recipients:
        return []
    if health is None:
        keys = [p.key for p in config.portals if p.enabled]
        health = portal_health(store, keys, config.settings.health.failures_in_a_row)
    mail = config.settings.mail
    results: list[RecipientResult] = []
    for alert in alerts_for(config, health):
        rendered = render_alert(alert, config)
        for recipient in recipients:
            row = ledger.claim(store, alert.period, recipient, kommune=ledger.INSTANCE)
            assert row.id is not None
            if row.status == ledger.SENT or not ledger.begin_attempt(store, row.id):
                results.append(RecipientResult(recipient, "already_sent", alert.portal))
                continue
            message_id = make_message_id(alert.period, recipient, mail.mail_from)
            try:
                smtp.send_sync(build_message(rendered, mail.mail_from, recipient, message_id), mail)
            except smtp.DeliveryError as exc:
                ledger.record_failure(store, row.id, str(exc))
                log.warning("Störungsmeldung %s an %s nicht versendet: %s", alert.portal, recipient, exc)
                results.append(RecipientResult(recipient, "failed", str(exc)))
                continue
            ledger.mark_sent(store, row.id, message_id)
            results.append(RecipientResult(recipient, "sent", alert.portal))
    return results
