"""The web app on waitress, in a thread of its own: ``foerderradar web`` runs it until a signal,
``foerderradar serve`` next to the scheduler, tests on port 0. ``stop()`` closes the listening
socket and the open connections from inside waitress's loop (the only thread that may touch them)
and waits for the worker threads."""

from __future__ import annotations

import threading
from typing import Any, Self

from waitress.server import create_server


class WebServer:
    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 8080, threads: int = 4) -> None:
        # clear_untrusted_proxy_headers: waitress does not rewrite anything from X-Forwarded-*; the app
        # reads X-Forwarded-Proto itself, only to mark cookies Secure.
        self._server: Any = create_server(app, host=host, port=port, threads=threads, ident="Förderradar",
                                          clear_untrusted_proxy_headers=False)
        self._thread = threading.Thread(target=self._run, name="web", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def base_url(self) -> str:
        return f"http://{self._server.effective_host}:{self.port}"

    def _run(self) -> None:
        self._server.run()
        self._server.task_dispatcher.shutdown()

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        from waitress import wasyncore

        if not self._thread.is_alive():  # never started (a signal during start-up): release the port
            self._server.close()
            return
        try:
            self._server.trigger.pull_trigger(lambda: wasyncore.close_all(self._server._map))
        except OSError:
            # The trigger's pipe is already closed (seen once under CI load: EBADF): the loop cannot be
            # woken, so close its sockets from here — it then finds its map empty and ends.
            wasyncore.close_all(self._server._map)
        self._thread.join(timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
