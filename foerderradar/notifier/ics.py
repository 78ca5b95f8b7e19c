"""Deadlines as iCalendar (RFC 5545): the digest's attachment and the subscribable ``fristen.ics``.

Written by hand rather than with a library because the subset is tiny (all-day VEVENTs) and every
value is scraped, hence untrusted: text is escaped per RFC 5545 §3.3.11, control characters are
dropped, lines are folded at 75 octets without splitting a UTF-8 character, and only http(s) URLs
are emitted. Each event's UID is derived from the call and its deadline, so a calendar that
imports next week's file updates the event instead of duplicating it, and a moved deadline is a new
event (the old one is no longer in the file).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from foerderradar.output_safety import safe_url

PRODID = "-//Förderradar//Fristen//DE"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
MAX_TEXT = 2000


@dataclass(frozen=True)
class Deadline:
    call_id: str
    title: str
    deadline: date
    url: str | None = None
    note: str | None = None  # e.g. the measure it matched, or "Antrag läuft"


def escape_text(value: str) -> str:
    text = _CONTROL.sub("", value)[:MAX_TEXT]
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after CRLF + space (RFC 5545 §3.1)."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74  # continuation lines start with a space
        if len((current + char).encode("utf-8")) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def uid(item: Deadline) -> str:
    token = hashlib.sha256(f"{item.call_id}\0{item.deadline.isoformat()}".encode()).hexdigest()[:24]
    return f"{token}@foerderradar"


def calendar(items: Iterable[Deadline], *, name: str = "Förderradar – Fristen", now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    seen: set[str] = set()
    for item in sorted(items, key=lambda i: (i.deadline, i.call_id)):
        key = uid(item)
        if key in seen:  # the same call listed under two measures is one deadline
            continue
        seen.add(key)
        description = "\n".join(filter(None, [item.note, safe_url(item.url) if item.url else None]))
        lines += [
            "BEGIN:VEVENT",
            f"UID:{key}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{item.deadline.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(item.deadline + timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{escape_text('Frist: ' + item.title)}",
        ]
        if description:
            lines.append(f"DESCRIPTION:{escape_text(description)}")
        url = safe_url(item.url) if item.url else None
        if url:
            lines.append(f"URL:{url}")  # a URI value, not TEXT: no escaping (safe_url admits no controls)
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
