"""What ``FOERDERRADAR_SECRET_KEY`` signs: the web app's sessions and forms (keys derived per purpose)
and the feedback links in mails — one municipality, call, measure and mark each.

Opening such a link changes nothing (mail scanners open every link): it leads to the web app's
confirmation page whose POST records the mark. The token is signed with a key derived from the
secret (itsdangerous, timestamped), so it cannot be forged or altered, and it is refused after
``MAX_AGE``. It lives below the notifier and the web app because both need it: the digest writes
the links (:func:`feedback_links`), the web app reads them.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from foerderradar.model import MARK_KINDS

log = logging.getLogger(__name__)
SECRET_ENV = "FOERDERRADAR_SECRET_KEY"
MIN_SECRET_LENGTH = 32


class MissingSecret(ValueError):
    """``FOERDERRADAR_SECRET_KEY`` is not set, or too short to sign anything (German message)."""


def check_secret(value: str | None) -> str:
    """The secret key, or :class:`MissingSecret` saying what to set. Only the environment provides it:
    a secret in ``foerderradar.toml`` would end up in backups and version control."""
    if not value or not value.strip():
        raise MissingSecret(
            f"{SECRET_ENV} ist nicht gesetzt. Die Web-Oberfläche signiert damit Sitzungen und Links in "
            f"E-Mails; bitte in der Umgebung setzen, z. B. {SECRET_ENV}=$(python3 -c "
            "'import secrets; print(secrets.token_urlsafe(48))')"
        )
    if len(value.strip()) < MIN_SECRET_LENGTH:
        raise MissingSecret(f"{SECRET_ENV} ist zu kurz: mindestens {MIN_SECRET_LENGTH} Zeichen (zufällig erzeugt).")
    return value.strip()


def derive_key(secret: str, purpose: str) -> bytes:
    """One key per purpose (CSRF, mail links …), so a value signed for one is worthless for another."""
    return hmac.new(secret.encode("utf-8"), f"foerderradar/{purpose}".encode(), hashlib.sha256).digest()


def link_key(secret: str) -> bytes:
    return derive_key(secret, "mark-link")

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


def call_page_path(kommune: str, call_id: str) -> str:
    """The web app's page of one call (the route ``calls.aufruf``; ids hold ':' and '/')."""
    return f"/k/{quote(kommune, safe='')}/aufruf/{quote(call_id, safe=':/')}"


@dataclass(frozen=True)
class FeedbackLinks:
    """The links a digest of one municipality carries: its marks (signed) and the call's page."""

    base_url: str
    key: bytes
    kommune: str

    def mark(self, call_id: str, measure_id: str, mark: str) -> str:
        return link_url(self.base_url, self.key, MarkLink(self.kommune, call_id, measure_id, mark))

    def call_page(self, call_id: str) -> str:
        return f"{self.base_url.rstrip('/')}{call_page_path(self.kommune, call_id)}"


def feedback_links(base_url: str | None, kommune: str, env: Mapping[str, str] | None = None) -> FeedbackLinks | None:
    """The links for a municipality's digest — when the web app has a public address (``[web]
    base_url``) and a secret to sign with. With an address but no usable secret the digest goes out
    without links (a digest is never held back for them) and the log says why."""
    if not base_url:
        return None
    try:
        secret = check_secret((os.environ if env is None else env).get(SECRET_ENV))
    except MissingSecret as exc:
        log.warning("Bericht ohne Bewertungs-Links: %s", exc)
        return None
    return FeedbackLinks(base_url, link_key(secret), kommune)
