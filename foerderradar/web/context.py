"""What every request of one app shares: the configuration, the store, the keys derived from
``FOERDERRADAR_SECRET_KEY`` and the public base URL — held in ``app.extensions`` so the route modules
reach it without importing the factory (no cycle between the modules of ``web``)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app

from foerderradar.settings import Config
from foerderradar.storage import Store

EXTENSION = "foerderradar"
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


@dataclass(frozen=True)
class WebState:
    config: Config
    store: Store
    secret_key: str
    base_url: str | None  # [web] base_url: public address; https there makes cookies Secure

    @property
    def csrf_key(self) -> bytes:
        return derive_key(self.secret_key, "csrf")

    @property
    def link_key(self) -> bytes:
        return derive_key(self.secret_key, "mark-link")

    @property
    def https(self) -> bool:
        return bool(self.base_url and self.base_url.startswith("https://"))


def state() -> WebState:
    web: WebState = current_app.extensions[EXTENSION]
    return web
