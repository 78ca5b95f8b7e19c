"""German sentences for the ways fetching a page can fail, naming the portal's real URL.

Scrapy and Twisted describe a failure for a developer ("DownloadFailedError: [<twisted.python.
failure.Failure twisted.internet.error.ConnectionDone …>]") and name the address actually
contacted, which is the mirror or test server when ``base_url`` is set. City IT reads the crawl
summary and the portal-health alert: they need to know which page, what went wrong, and what to
check. Classification goes by exception type first and falls back to the text, because Twisted
wraps the root cause in lists of failures.
"""

from __future__ import annotations

import errno
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from w3lib.url import file_uri_to_path

from foerderradar.netpolicy import RefusedAddress

# How many messages one crawl keeps — per channel (failures, notes, log errors), in the worker's result,
# in a shared crawl's Redis list and in the stored run: enough to see what is wrong, never a flood.
MAX_MESSAGES = 20

HTTP_REASONS = {
    400: "Anfrage abgelehnt",
    401: "Anmeldung erforderlich",
    403: "Zugriff verweigert",
    404: "Seite nicht gefunden",
    410: "Seite entfernt",
    # From the city's outbound proxy, not the portal: it wants a login in the proxy variable.
    407: "der Proxy verlangt eine Anmeldung – Benutzer und Passwort in HTTPS_PROXY/HTTP_PROXY angeben, "
    "z. B. http://benutzer:passwort@proxy.kommune.de:3128",
    429: "zu viele Anfragen – das Portal bremst den Abruf",
}


def http_error(status: int, url: str) -> str:
    reason = HTTP_REASONS.get(status) or ("Serverfehler des Portals" if status >= 500 else "Fehlerantwort")
    return f"HTTP {status} ({reason}): {url}"


def redirect_loop(url: str, hops: int) -> str:
    return (
        f"Weiterleitungsschleife: {url} leitet im Kreis weiter (nach {hops} Weiterleitung(en) wieder auf eine "
        "schon besuchte Adresse); Seite nicht abrufbar. Stimmt die Adresse in portals.yaml?"
    )


def too_many_redirects(url: str, limit: int) -> str:
    return (
        f"Zu viele Weiterleitungen: {url} leitet mehr als {limit}-mal weiter; Abruf abgebrochen. "
        "Stimmt die Adresse in portals.yaml?"
    )


def robots_forbidden(url: str) -> str:
    return (
        f"robots.txt verbietet den Abruf: {url} (der Betreiber schließt automatische Abrufe dieser Seite aus; "
        "beim Betreiber nachfragen oder das Portal in portals.yaml abschalten)."
    )


def retry_after_too_long(status: int, url: str, wait_s: float, limit_s: float) -> str:
    return (
        f"{http_error(status, url)} – das Portal bittet, erst in {_duration(wait_s)} wieder anzufragen "
        f"(Retry-After), länger als die erlaubte Wartezeit von {_duration(limit_s)} "
        "([crawler] retry_after_max_s). Das Portal wird in diesem Lauf nicht weiter abgerufen; "
        "der nächste Lauf versucht es erneut."
    )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h".replace(".", ",")


def retry_after_seconds(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """How long a ``Retry-After`` header asks to wait: delta-seconds or an HTTP-date (RFC 9110 10.2.3).

    None when the header is missing or unreadable (the caller falls back to its normal retry); a
    date in the past means "now" (0).
    """
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" (RFC 2822: unknown zone) parses naive; HTTP-dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def local_file_problem(url: str, exc: OSError) -> str:
    """A local file (``file:`` of kind ``csv``) that cannot be read, named by its path."""
    path = file_uri_to_path(url)
    if isinstance(exc, FileNotFoundError):
        reason = "nicht gefunden"
    elif isinstance(exc, IsADirectoryError):
        reason = "das ist ein Ordner, keine Datei"
    elif isinstance(exc, PermissionError):
        reason = "keine Leseberechtigung (Dateirechte prüfen)"
    else:
        code = errno.errorcode.get(exc.errno, str(exc.errno)) if exc.errno is not None else "unbekannt"
        reason = f"Lesefehler {code}"
    return (
        f"Datei nicht lesbar: {path} ({reason}). Stimmt file: im Eintrag in portals.yaml? Ein relativer Pfad "
        "gilt ab dem Konfigurationsordner."
    )


_PROXY_HINT = (
    "Stimmen HTTPS_PROXY/HTTP_PROXY, läuft der Proxy? Adressen, die ohne Proxy erreichbar sind, gehören in NO_PROXY."
)


def proxy_problem(exc: BaseException, url: str, proxy: str, *, timeout_s: float) -> str | None:
    """The failures of a proxied request that are the proxy's: this machine talks only to the proxy.

    A refused connection or an unknown name can only be the proxy's own address; a ``CONNECT`` the
    proxy refused (https) is its decision. A timeout may be the proxy or the portal behind it, so it
    names both. None: not about the proxy (the caller describes it as without one).
    """
    text = f"{type(exc).__name__}: {exc}"
    lowered = text.lower()
    if isinstance(exc, DownloadConnectionRefusedError) or "connection was refused" in lowered:
        return f"Proxy nicht erreichbar: {proxy} lehnt die Verbindung ab (Abruf von {url}). {_PROXY_HINT}"
    if isinstance(exc, CannotResolveHostError) or "dns lookup" in lowered:
        return (
            f"Proxy nicht erreichbar: der Rechnername von {proxy} lässt sich nicht auflösen (Abruf von {url}). "
            f"{_PROXY_HINT}"
        )
    if type(exc).__name__ == "TunnelError":  # scrapy.core.downloader.handlers.http11, raised for CONNECT
        status = re.search(r"'status': (\d+)", str(exc))
        answer = f"HTTP {status[1]}" if status else "keine gültige Antwort"
        hint = f" ({HTTP_REASONS[407]})" if status and status[1] == "407" else ""
        return f"Der Proxy {proxy} baut keine Verbindung zu {url} auf ({answer} auf CONNECT){hint}."
    if isinstance(exc, DownloadTimeoutError) or "took longer than" in lowered or "timeout" in lowered:
        return (
            f"Zeitüberschreitung: {url} antwortete über den Proxy {proxy} nicht innerhalb von {timeout_s:g} s "
            "(auch nicht bei Wiederholung). Proxy oder Portal überlastet oder nicht erreichbar?"
        )
    return None


def describe(exc: BaseException, url: str, *, timeout_s: float, maxsize: int, proxy: str | None = None) -> str:
    """One German sentence: what happened to ``url`` and, where it helps, what to check.

    ``proxy``: the outbound proxy the request went through (crawler/proxy.py), named when it is at fault.
    """
    if isinstance(exc, RefusedAddress):
        return str(exc)  # already German and names the refused URL (a redirect target, not ``url``)
    if isinstance(exc, OSError) and url.startswith("file:"):
        return local_file_problem(url, exc)
    if proxy is not None and (about_proxy := proxy_problem(exc, url, proxy, timeout_s=timeout_s)) is not None:
        return about_proxy
    text = f"{type(exc).__name__}: {exc}"
    lowered = text.lower()
    if isinstance(exc, DownloadTimeoutError) or "took longer than" in lowered or "timeout" in lowered:
        return (
            f"Zeitüberschreitung: {url} antwortete nicht innerhalb von {timeout_s:g} s "
            "(auch nicht bei Wiederholung). Portal überlastet oder nicht erreichbar?"
        )
    if isinstance(exc, DownloadCancelledError) or "max size" in lowered:
        return f"Antwort zu groß: {url} liefert mehr als {maxsize // (1024 * 1024)} MB; Abruf abgebrochen."
    if isinstance(exc, ResponseDataLossError) or "dataloss" in lowered:
        return f"Antwort unvollständig: {url} hat die Verbindung vor dem Ende der Seite geschlossen."
    if isinstance(exc, CannotResolveHostError) or "dns lookup" in lowered:
        return f"Adresse unbekannt: der Rechnername von {url} lässt sich nicht auflösen (Tippfehler in der URL?)."
    if isinstance(exc, DownloadConnectionRefusedError) or "connection was refused" in lowered:
        return f"Verbindung abgelehnt: {url} (läuft der Server, stimmt der Port?)."
    if isinstance(exc, DownloadFailedError) or "connection" in lowered:
        return f"Verbindung abgebrochen: {url} hat die Verbindung ohne Antwort geschlossen."
    return f"Abruf fehlgeschlagen: {url} ({text[:200]})"
