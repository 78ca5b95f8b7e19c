"""The match report as a page (`match --format html`, the demo's report.html): the digest's cards.

A report and a digest answered the same question with two layouts (a table per measure id here, a
card per programme there), so a reader comparing them saw different words for the same call. The
report is now the digest's :class:`Digest` built over *every* verdict (no per-measure cap, no band
rule: each card in full) and rendered with the same card macro, plus filters a mail cannot have.
"NEU" means first seen in the last :data:`NEW_DAYS` days: a report has no "last digest" of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta

from foerderradar.model import Match
from foerderradar.notifier import formatting as fmt
from foerderradar.notifier.digest import Digest, build_digest
from foerderradar.notifier.render import environment
from foerderradar.settings import Config
from foerderradar.signing import FeedbackLinks
from foerderradar.storage.tables import CallRecord

NEW_DAYS = 7
EVERYTHING = 1_000_000  # no per-measure cap in a report


def build_report(
    config: Config,
    records: Mapping[str, CallRecord],
    matches: Sequence[Match],
    as_of: date,
    *,
    calls_checked: int | None = None,
    links: FeedbackLinks | None = None,
) -> Digest:
    """``config``: one municipality's; ``records``: the matched calls and their other pages."""
    digest_settings = config.settings.digest.model_copy(update={"max_per_measure": EVERYTHING})
    everything = config.replace(settings=config.settings.model_copy(update={"digest": digest_settings}))
    since = datetime.combine(as_of - timedelta(days=NEW_DAYS), time(), UTC)
    return build_digest(everything, records, matches, as_of, since, calls_checked=calls_checked, links=links)


def date_line(report: Digest, min_score: float) -> str:
    """"Stand 05.12.2026 · 14 Förderaufrufe für 7 Maßnahmen · Passung ab 30/100"."""
    n, measures = len(report.cards), len(report.sections)
    return (f"Stand {fmt.german_date(report.as_of)} · {n} {fmt.plural(n, 'Förderaufruf', 'Förderaufrufe')} für "
            f"{measures} {fmt.plural(measures, 'Maßnahme', 'Maßnahmen')} · Passung ab {round(min_score)}/100")


def render_report_page(report: Digest, min_score: float) -> str:
    return environment().get_template("report.html.j2").render(
        digest=report, date_line=date_line(report, min_score), new_days=NEW_DAYS
    )
