"""The private calendar address of one user and one municipality: ``/kalender/<token>.ics``.

A calendar app subscribes to a URL and cannot log in, so the address itself is the proof. The
token names the user and the municipality in the clear (``<user id>.<slug>.<mac>``) and proves
them with an HMAC-SHA256 over both *and* the user's random ``calendar_secret`` (``users`` table),
under a key derived from ``FOERDERRADAR_SECRET_KEY`` for this purpose only:

- unguessable: 256 bits of MAC; knowing the database without the secret key, or the key without
  the database, is not enough to make one;
- revocable: a new ``calendar_secret`` (the *Fristen* page's "Neue Adresse erzeugen") invalidates
  every address the user had; a removed user has no secret left; a user who lost a municipality
  is refused by the same check as every page (``User.sees``), token or not;
- not transferable: changing the user or the slug in a token breaks its MAC.

Rotating ``FOERDERRADAR_SECRET_KEY`` invalidates every calendar address too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from flask import request

from foerderradar.web.context import state

PATH = "/kalender/"
_TOKEN = re.compile(r"([1-9][0-9]{0,17})\.([a-z0-9][a-z0-9-]{0,63})\.([A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class CalendarToken:
    user_id: int
    kommune: str  # slug
    mac: str


def _mac(key: bytes, user_id: int, kommune: str, secret: str) -> str:
    digest = hmac.new(key, f"{user_id}\0{kommune}\0{secret}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def make(key: bytes, user_id: int, kommune: str, secret: str) -> str:
    return f"{user_id}.{kommune}.{_mac(key, user_id, kommune, secret)}"


def parse(token: str) -> CalendarToken | None:
    """The parts of a well-formed token (not yet proved: see :func:`proves`); None otherwise."""
    found = _TOKEN.fullmatch(token)
    if found is None:
        return None
    return CalendarToken(int(found.group(1)), found.group(2), found.group(3))


def proves(key: bytes, token: CalendarToken, secret: str | None) -> bool:
    """Whether the token was made with this key for its user, slug and the user's current secret
    (constant-time comparison). No secret (none made yet, or the user is gone): never."""
    if not secret:
        return False
    return hmac.compare_digest(_mac(key, token.user_id, token.kommune, secret), token.mac)


def public_url(path: str) -> str:
    """``path`` as an absolute address: under ``[web] base_url`` when set (behind a reverse proxy the
    request's own host is the internal one), else under the host the request came to."""
    base = state().base_url
    return (base.rstrip("/") if base else request.host_url.rstrip("/")) + path
