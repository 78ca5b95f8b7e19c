"""Signed, expiring feedback links for mails: one municipality, call, measure and mark.

Opening such a link changes nothing (mail scanners open every link): it leads to a confirmation
page whose POST records the mark. The token is signed with a key derived from the secret
(itsdangerous, timestamped), so it cannot be forged or altered, and it is refused after
``MAX_AGE``. The notifier sits below the web app and cannot import this module: a digest that
carries such links gets :func:`link_url` handed in by the surface that sends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from foerderradar.model import MARK_KINDS

MAX_AGE = timedelta(days=30)
PATH = "/rueckmeldung/"
_SALT = "foerderradar.mark-link"


@dataclass(frozen=True)
class MarkLink:
    kommune: str
    call_id: str
    measure_id: str
    mark: str  # one of MARK_KINDS


class LinkInvalid(ValueError):
    """Not a link we signed (forged, altered, truncated)."""


class LinkExpired(ValueError):
    """A genuine link, older than ``MAX_AGE``."""


def sign(key: bytes, link: MarkLink, issued_at: datetime | None = None) -> str:
    """The token for ``link`` (URL-safe). ``issued_at``: the signing time (default now)."""
    if link.mark not in MARK_KINDS:
        raise ValueError(f"{link.mark!r} ist keine Markierung")
    payload = {"k": link.kommune, "c": link.call_id, "m": link.measure_id, "a": link.mark}
    if issued_at is None:
        return URLSafeTimedSerializer(key, salt=_SALT).dumps(payload)
    stamp = int(issued_at.timestamp())

    class _IssuedAt(TimestampSigner):
        def get_timestamp(self) -> int:
            return stamp

    return URLSafeTimedSerializer(key, salt=_SALT, signer=_IssuedAt).dumps(payload)


def read(key: bytes, token: str, max_age: timedelta = MAX_AGE) -> MarkLink:
    """The link a token names, or :class:`LinkInvalid` / :class:`LinkExpired`."""
    serializer = URLSafeTimedSerializer(key, salt=_SALT)
    try:
        payload = serializer.loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise LinkExpired(token) from None
    except BadSignature:
        raise LinkInvalid(token) from None
    if not isinstance(payload, dict) or not all(isinstance(payload.get(k), str) for k in "kcma"):
        raise LinkInvalid(token)
    if payload["a"] not in MARK_KINDS:
        raise LinkInvalid(token)
    return MarkLink(payload["k"], payload["c"], payload["m"], payload["a"])


def link_url(base_url: str, key: bytes, link: MarkLink) -> str:
    """The whole address for a mail: ``[web] base_url`` + the confirmation page of this link."""
    return f"{base_url.rstrip('/')}{PATH}{sign(key, link)}"
