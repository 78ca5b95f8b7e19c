"""Download failures in German, naming the portal's URL: a table of exception → sentence."""

from __future__ import annotations

import pytest
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)

from foerderradar.crawler.failures import describe, http_error

URL = "https://www.nrwbank.de/de/foerderung/foerderprodukte/15198/kommunal-invest.html"
CASES: list[tuple[BaseException, str]] = [
    (DownloadTimeoutError("Getting http://127.0.0.1:1/x took longer than 30.0 seconds."), "Zeitüberschreitung"),
    (DownloadCancelledError("Expected to receive 67108864 bytes which is larger than download max size"),
     "Antwort zu groß: " + URL + " liefert mehr als 10 MB"),
    (ResponseDataLossError(""), "Antwort unvollständig"),
    (CannotResolveHostError("DNS lookup failed"), "Rechnername"),
    (DownloadConnectionRefusedError("Connection was refused by other side"), "Verbindung abgelehnt"),
    (DownloadFailedError("[<Failure ConnectionDone: Connection was closed cleanly.>]"), "Verbindung abgebrochen"),
    (TimeoutError("User timeout caused connection failure."), "Zeitüberschreitung"),
    (ValueError("something odd"), "Abruf fehlgeschlagen: " + URL + " (ValueError: something odd)"),
]


@pytest.mark.parametrize(("exc", "expected"), CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_describe(exc: BaseException, expected: str) -> None:
    text = describe(exc, URL, timeout_s=30, maxsize=10 * 1024 * 1024)
    assert expected in text
    assert URL in text
    assert "Failure" not in text  # no Twisted internals for city IT


@pytest.mark.parametrize(("status", "expected"), [
    (404, "HTTP 404 (Seite nicht gefunden)"), (403, "HTTP 403 (Zugriff verweigert)"),
    (429, "HTTP 429 (zu viele Anfragen"), (500, "HTTP 500 (Serverfehler des Portals)"),
    (503, "HTTP 503 (Serverfehler des Portals)"), (418, "HTTP 418 (Fehlerantwort)"),
])
def test_http_error(status: int, expected: str) -> None:
    text = http_error(status, URL)
    assert text.startswith(expected) and text.endswith(f"): {URL}")
