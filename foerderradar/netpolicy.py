"""Which addresses a portal entry may make Förderradar fetch: the public internet, unless it opts in.

A crawler that fetches whatever ``portals.yaml`` (or a portal's redirect) names is a way into the
town hall's own network: the router's admin page, a database port on the same host, or the cloud
metadata service at 169.254.169.254 that hands out credentials. So every URL-valued key of every
portal kind is checked when the file is loaded, and every request (redirects included) again at
crawl time by :mod:`foerderradar.crawler.netguard`, after DNS resolution.

Allowed without asking: public addresses, and ``base_url`` on loopback (the tests and the demo run
the portal on 127.0.0.1). Everything else private needs ``allow_private_network: true`` in the
entry, so an internal mirror is a visible decision rather than a typo.

This module imports neither Scrapy nor the network: loading the config stays offline and fast.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

OPT_IN_KEY = "allow_private_network"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Names that never leave the local network (RFC 6761/6762/8375 and common internal suffixes).
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".intranet", ".lan", ".home.arpa", ".corp", ".localdomain")
# 100.64.0.0/10 (carrier-grade NAT) is neither "private" nor "global" in ipaddress's terms.
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_LEGACY_V4 = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)
_HOST_CHARS = re.compile(r"^[a-z0-9.\-_]+$", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    """Why an address is not on the public internet; ``loopback`` is the one kind base_url may use."""

    reason: str
    loopback: bool = False


class RefusedAddress(Exception):
    """A request to a private address, refused before any connection; the message is for city IT."""


def address_verdict(address: IPAddress) -> Verdict | None:
    """None for a public address, else what kind of non-public address it is (German)."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return address_verdict(mapped)
    if address.is_loopback:
        return Verdict("Loopback-Adresse, also dieser Rechner", loopback=True)
    if address.is_unspecified:
        return Verdict("unspezifizierte Adresse 0.0.0.0 oder ::, erreicht diesen Rechner")
    if address.is_link_local:
        return Verdict("link-lokale Adresse aus 169.254.0.0/16 oder fe80::/10, u. a. der Cloud-Metadaten-Dienst")
    if isinstance(address, ipaddress.IPv6Address) and address in ipaddress.ip_network("fc00::/7"):
        return Verdict("eindeutige lokale IPv6-Adresse aus fc00::/7")
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return Verdict("Adresse im Provider-NAT 100.64.0.0/10")
    if address.is_multicast:
        return Verdict("Multicast-Adresse")
    if address.is_private or address.is_reserved or not address.is_global:
        return Verdict("Adresse im privaten Netz nach RFC 1918 oder reservierter Bereich")
    return None


def parse_ip(host: str) -> IPAddress | None:
    """The address a host string denotes literally, including the forms the C resolver accepts.

    ``http://2130706433/`` and ``http://0x7f.1/`` reach 127.0.0.1 through getaddrinfo/inet_aton;
    reading them as names would let them past the check.
    """
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if _LEGACY_V4.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def host_verdict(host: str) -> Verdict | None:
    """The verdict on a host as written (an address literal or a name), without asking DNS."""
    host = host.lower().rstrip(".")
    address = parse_ip(host)
    if address is not None:
        return address_verdict(address)
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return Verdict("localhost, also dieser Rechner", loopback=True)
    if host.endswith(_INTERNAL_SUFFIXES):
        return Verdict("interner Rechnername wie *.local, *.internal, *.lan")
    if "." not in host:
        return Verdict("Rechnername ohne Domain, wird nur im lokalen Netz aufgelöst")
    return None


def url_shape_problem(url: str) -> str | None:
    """What makes ``url`` unfetchable before any network is involved (German), or None.

    The kinds' own validators already insist on http(s) with a host; this catches the rest city
    IT can type: an empty host behind ``user@``, a port out of range, spaces or other characters
    no host name can have.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"{url!r} ist keine gültige Adresse ({exc}); Tippfehler im Port oder in eckigen Klammern?"
    if parts.scheme.lower() not in ("http", "https"):
        return f"{url!r}: nur http:// und https:// werden abgerufen (nicht {parts.scheme or 'ohne Schema'}:)"
    host = parts.hostname or ""
    if not host:
        return f"{url!r} hat keinen Rechnernamen; erwartet wird z. B. https://www.portal.de/pfad"
    if port == 0:
        return f"{url!r}: Port 0 ist nicht erreichbar"
    if parse_ip(host) is None and not _HOST_CHARS.match(_idna(host)):
        return f"{url!r}: {host!r} ist kein gültiger Rechnername (Leerzeichen oder Sonderzeichen?)"
    return None


def _idna(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return "\x00"  # not a name any resolver accepts


def policy_problem(url: str, *, allow_private: bool, loopback_ok: bool = False) -> str | None:
    """German sentence if the URL's host is not public and the entry did not opt in, else None."""
    if allow_private:
        return None
    host = _split(url).hostname or ""
    verdict = host_verdict(host) if host else None
    if verdict is None or (loopback_ok and verdict.loopback):
        return None
    return (
        f"{url!r}: {host!r} ist nicht im öffentlichen Internet ({verdict.reason}). Portale werden nur dort "
        f"abgerufen; ist das Absicht (z. B. ein interner Spiegel), {OPT_IN_KEY}: true in diesen Eintrag schreiben"
    )


def _split(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit("")


# -- portal entries -------------------------------------------------------------------------------

# Subtrees whose keys name call fields or literals, not addresses (``fields.url`` is a selector).
_NOT_ADDRESSES = frozenset({"fields", "defaults", "body", "filter", "pagination"})


def is_url_key(key: str) -> bool:
    return key in ("url", "urls") or key.endswith(("_url", "_urls"))


def url_values(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str, str]]:
    """Every (location, key, URL) of a portal entry's URL-valued keys, at any depth, in any kind.

    Found by key name (``url``, ``urls``, ``*_url``, ``*_urls``) so that a new kind's address keys
    are checked without registering them; list positions become ``[i]`` like pydantic's locations.
    """
    for key, value in data.items():
        if key in _NOT_ADDRESSES:
            continue
        where = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            yield from url_values(value, where)
        elif isinstance(value, list):
            for index, element in enumerate(value):
                if isinstance(element, Mapping):
                    yield from url_values(element, f"{where}[{index}]")
                elif isinstance(element, str) and is_url_key(key):
                    yield f"{where}[{index}]", key, element
        elif isinstance(value, str) and is_url_key(key):
            yield where, key, value


def portal_url_problems(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(location, German message) for every URL of a validated portal entry that may not be fetched.

    ``base_url`` may be loopback without opting in. ``url_template`` (json) is not an address key:
    it builds the link a person follows from the digest and is never fetched.
    """
    allow = bool(data.get(OPT_IN_KEY))
    problems: list[tuple[str, str]] = []
    for where, key, url in url_values(data):
        problem = url_shape_problem(url) or policy_problem(url, allow_private=allow, loopback_ok=key == "base_url")
        if problem:
            problems.append((where, problem))
    return problems
