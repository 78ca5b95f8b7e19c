"""Grants before loans, advice and prizes, when they fit a measure equally well.

Why: what the Digital-Manager looks for is money that pays for the measure. A loan must be paid back,
free advice or a prize pays for none of it; they are worth a look (the labelled sets grade them
"borderline" by rule, ../shared/eval/README.md), but not above a grant for the same thing. A call
whose funding types (the portal's ``funding_type``) are all of that kind keeps
:data:`NOT_GRANT_SHARE` of its score; one that also grants, or says nothing, keeps all of it.
"""

from __future__ import annotations

from foerderradar.german.labels import FUNDING_TYPE_DE
from foerderradar.model import FundingCall

NOT_GRANT_SHARE = 0.9
NOT_GRANTS = frozenset({"darlehen", "buergschaft", "beteiligung", "beratung", "preis"})


def not_a_grant(call: FundingCall) -> str | None:
    """"Darlehen", "Beratung" …: the call's funding types in German when none of them pays a grant."""
    kinds = call.funding_type or []
    if kinds and all(kind in NOT_GRANTS for kind in kinds):
        return ", ".join(FUNDING_TYPE_DE[kind] for kind in kinds)
    return None


__all__ = ["NOT_GRANTS", "NOT_GRANT_SHARE", "not_a_grant"]
