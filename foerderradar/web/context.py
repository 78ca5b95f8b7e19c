"""What every request of one app shares: the configuration, the store, the keys derived from
``FOERDERRADAR_SECRET_KEY`` and the public base URL — held in ``app.extensions`` so the route modules
reach it without importing the factory (no cycle between the modules of ``web``).

The configuration is the files, not a copy taken at start: city IT edits ``measures.yaml`` or
``portals.yaml`` by hand while the web app runs, and the web app edits them too. Each request sees
the files as they are (re-read when one changed); a file broken by hand keeps the last good
configuration in use and its problems are shown (:attr:`WebState.problems`), never a traceback.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

from flask import current_app

from foerderradar.settings import KOMMUNEN_DIR, Config, ConfigError, load_config
from foerderradar.signing import SECRET_ENV, MissingSecret, check_secret, derive_key, link_key
from foerderradar.storage import Store

EXTENSION = "foerderradar"
__all__ = ["EXTENSION", "SECRET_ENV", "MissingSecret", "WebState", "check_secret", "derive_key", "state"]


def _files(directory: Path) -> list[Path]:
    """The files a configuration is read from (their changes trigger a re-read)."""
    named = [directory / name for name in ("measures.yaml", "foerderradar.toml")]
    return [*named, directory / KOMMUNEN_DIR, *sorted((directory / KOMMUNEN_DIR).glob("*.yaml"))]


def _stamp(directory: Path) -> tuple[tuple[str, int, int], ...]:
    out = []
    for path in _files(directory):
        try:
            info = path.stat()
        except OSError:
            continue
        out.append((path.name, info.st_mtime_ns, info.st_size))
    return tuple(out)


class WebState:
    def __init__(self, config: Config, store: Store, secret_key: str, base_url: str | None,
                 as_of: date | None = None) -> None:
        self.store = store
        self.as_of = as_of  # the day the pages speak for; None: today (the demo's snapshot fixes its day)
        self.secret_key = secret_key
        self.base_url = base_url  # [web] base_url: public address; https there makes cookies Secure
        self._config = config
        self._stamp = _stamp(config.directory)
        self._lock = threading.Lock()
        self.problems: list[str] = []  # why the files on disk are not the configuration in use

    def today(self) -> date:
        return self.as_of or date.today()

    @property
    def config(self) -> Config:
        """The configuration as the files say now (re-read after a change; the last good one while a
        file is broken). A stat per file per request: cheap beside the database queries of a page."""
        stamp = _stamp(self._config.directory)
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self.reload(stamp)
        return self._config

    def reload(self, stamp: tuple[tuple[str, int, int], ...] | None = None) -> None:
        """Read the files again now (after the web app wrote one, so the next page shows it)."""
        try:
            # Portals are not part of it: the web app reads portals.yaml where it shows them.
            self._config = load_config(self._config.directory, need_portals=False)
            self.problems = []
        except ConfigError as exc:
            self.problems = exc.problems
        self._stamp = stamp if stamp is not None else _stamp(self._config.directory)

    @property
    def csrf_key(self) -> bytes:
        return derive_key(self.secret_key, "csrf")

    @property
    def link_key(self) -> bytes:
        return link_key(self.secret_key)

    @property
    def calendar_key(self) -> bytes:
        return derive_key(self.secret_key, "calendar")

    @property
    def https(self) -> bool:
        return bool(self.base_url and self.base_url.startswith("https://"))


def state() -> WebState:
    web: WebState = current_app.extensions[EXTENSION]
    return web
