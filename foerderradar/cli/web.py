"""``web``: the web app on waitress (``foerderradar/web/``) until SIGTERM or Ctrl+C."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from foerderradar.cli.shared import (
    ConfigOpt,
    VerboseOpt,
    config_or_exit,
    fail,
    log_to_stderr,
    open_store,
    out,
    problems_exit,
)
from foerderradar.settings import Config


def web_app_or_exit(cfg: Config) -> Any:
    """The web app for ``cfg``. Exit 2 when ``FOERDERRADAR_SECRET_KEY`` is missing — a configuration
    error: nothing is served without it — and 1 when the database cannot be opened."""
    from foerderradar.storage import StoreError
    from foerderradar.storage.store import database_url
    from foerderradar.web.app import create_app
    from foerderradar.web.context import SECRET_ENV, MissingSecret, check_secret

    try:
        secret = check_secret(os.environ.get(SECRET_ENV))
    except MissingSecret as exc:
        problems_exit("Konfigurationsfehler (1)", [str(exc)])
    with open_store(cfg):
        pass  # hands rows from before several municipalities to their municipality, as every command does
    try:
        return create_app(cfg, database_url(), secret)
    except StoreError as exc:
        fail(str(exc))


def web(
    host: Annotated[str | None, typer.Option("--host", help="Adresse (sonst [web] host, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", min=1, max=65535, help="Port (sonst [web] port, 8080).")] = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Die Web-Oberfläche bereitstellen, bis SIGTERM/Strg+C."""
    import signal
    import threading
    from types import FrameType

    from foerderradar.web.server import WebServer

    cfg = config_or_exit(config, need_portals=False)
    app = web_app_or_exit(cfg)
    log_to_stderr(verbose)
    settings = cfg.settings.web
    stopped = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)  # before serving: a health check that answers means SIGTERM is handled
    try:
        server = WebServer(app, host or settings.host, port or settings.port).start()
    except OSError as exc:
        fail(f"Kann nicht auf {host or settings.host}:{port or settings.port} lauschen ({exc.strerror}).")
    out.print(f"Förderradar-Web läuft auf {server.base_url} (Beenden: Strg+C).")
    while not stopped.wait(1):
        pass
    server.stop()
    out.print("Beendet.")
