"""An HTTP server on a daemon thread: started, asked for its address, stopped.

The feed endpoint (``serve``), the fixture server (demo, tests, benches) and the tests' own fault
servers all need the same few lines around :class:`ThreadingHTTPServer`; each only brings its request
handler. A leaf at the bottom of the layers: it imports nothing of the project.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class BackgroundHTTPServer:
    """``with Sub(...) as server: server.base_url`` — or ``start()`` / ``stop()`` for a long-lived one.

    Handler threads are daemons, so a stuck request never keeps the process alive.
    """

    def __init__(self, host: str, port: int, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
