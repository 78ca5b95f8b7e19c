"""CSRF tokens: every POST carries ``csrf_token``, an HMAC of the browser's cookie token under a key
derived from the secret. A page of another site can make the browser send the cookie, but cannot
read the token out of our pages, so its POST is refused (403) before any route runs."""

from __future__ import annotations

import hashlib
import hmac

FIELD = "csrf_token"


def token_for(key: bytes, browser_token: str) -> str:
    return hmac.new(key, browser_token.encode("utf-8"), hashlib.sha256).hexdigest()


def valid(key: bytes, browser_token: str | None, given: str | None) -> bool:
    """True only for the token of this browser's cookie (constant-time comparison)."""
    if not browser_token or not given:
        return False
    return hmac.compare_digest(token_for(key, browser_token), given)
