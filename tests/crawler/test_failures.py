"""Download failures in German, naming the portal's URL: a table of exception → sentence."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)

from foerderradar.crawler.failures import describe, http_error, retry_after_seconds, retry_after_too_long

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


FILE_URL = "file:///srv/daten/F%C3%B6rderprogramme%202026.csv"  # kind csv, key file
FILE_CASES: list[tuple[OSError, str]] = [
    (FileNotFoundError(2, "No such file or directory"), "(nicht gefunden)"),
    (PermissionError(13, "Permission denied"), "(keine Leseberechtigung (Dateirechte prüfen))"),
    (IsADirectoryError(21, "Is a directory"), "(das ist ein Ordner, keine Datei)"),
    (OSError(5, "Input/output error"), "(Lesefehler EIO)"),
]


@pytest.mark.parametrize(("exc", "expected"), FILE_CASES, ids=[type(c[0]).__name__ for c in FILE_CASES])
def test_a_local_file_is_named_by_its_path(exc: OSError, expected: str) -> None:
    text = describe(exc, FILE_URL, timeout_s=30, maxsize=10 * 1024 * 1024)
    assert text.startswith(f"Datei nicht lesbar: /srv/daten/Förderprogramme 2026.csv {expected}. "), text
    assert "Errno" not in text


@pytest.mark.parametrize(("status", "expected"), [
    (404, "HTTP 404 (Seite nicht gefunden)"), (403, "HTTP 403 (Zugriff verweigert)"),
    (429, "HTTP 429 (zu viele Anfragen"), (500, "HTTP 500 (Serverfehler des Portals)"),
    (503, "HTTP 503 (Serverfehler des Portals)"), (418, "HTTP 418 (Fehlerantwort)"),
])
def test_http_error(status: int, expected: str) -> None:
    text = http_error(status, URL)
    assert text.startswith(expected) and text.endswith(f"): {URL}")


NOW = datetime(2026, 11, 23, 8, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("header", "seconds"), [
    ("120", 120.0), (b"0", 0.0), (" 7 ", 7.0),
    ("Mon, 23 Nov 2026 08:00:30 GMT", 30.0),  # HTTP-date (IMF-fixdate)
    ("Monday, 23-Nov-26 08:01:00 GMT", 60.0),  # obsolete RFC 850 form, still to be accepted
    ("Mon, 23 Nov 2026 07:59:00 GMT", 0.0),  # already past: ask again now
    ("-5", None), ("1.5", None), ("bald", None), ("", None), (None, None),
])
def test_retry_after_seconds(header: str | bytes | None, seconds: float | None) -> None:
    assert retry_after_seconds(header, NOW) == seconds


@pytest.mark.parametrize(("wait", "shown"), [(45, "45 s"), (600, "10 min"), (3 * 3600 + 1800, "3,5 h")])
def test_retry_after_too_long_names_the_url_the_wait_and_the_setting(wait: float, shown: str) -> None:
    text = retry_after_too_long(429, URL, wait, 60)
    assert text.startswith(f"HTTP 429 (zu viele Anfragen – das Portal bremst den Abruf): {URL} – ")
    assert f"erst in {shown} wieder" in text and "60 s ([crawler] retry_after_max_s)" in text
