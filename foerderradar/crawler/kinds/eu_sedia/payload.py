"""SEDIA's payload shapes, read and written: the pure functions the spider builds calls with.

Every metadata value is a list of strings; some are JSON inside such a string (and may be cut off);
dates come as ISO timestamps or as "11 June 2020"; amounts as numbers or strings. The search itself
is a multipart body of JSON parts. None of this needs Scrapy, so it lives apart from the spider
(spider.py: the search protocol, the one-row-per-language and stale-copy rules, building a call).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from foerderradar.crawler.selectors import clean

log = logging.getLogger(__name__)

Row = dict[str, Any]
Metadata = dict[str, list[Any]]

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
_MONTH_NUMBERS = {name.lower(): i for i, name in enumerate(MONTHS, 1)} | {
    name[:3].lower(): i for i, name in enumerate(MONTHS, 1)
}
# "2024-04-18T19:00:00.000+0200" or "2026-04-29": the local date (and clock time) as written.
_ISO_RE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ](?P<hh>\d{2}):(?P<mm>\d{2}))?")
# "11 June 2020" / "11 Jun 2020", as in actions[].deadlineDates and plannedOpeningDate.
_DMY_RE = re.compile(r"^(?P<d>\d{1,2})\s+(?P<month>[A-Za-z]+)\.?\s+(?P<y>\d{4})")
# One complete JSON string literal: what is left of a keyword list cut off in the middle.
_JSON_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"')


def multipart_json(parts: dict[str, Any], boundary: str) -> bytes:
    """multipart/form-data with one application/json part per entry (Scrapy has no helper for it).

    Parts are sent as "blob" files, as the portal's own web page does.
    """
    chunks: list[bytes] = []
    for name, value in parts.items():
        payload = json.dumps(value, separators=(",", ":"))
        if boundary in payload:
            raise ValueError(f"multipart boundary {boundary!r} occurs in part {name!r}")
        chunks.append(
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{name}"; filename="blob"\r\n'
            "Content-Type: application/json\r\n\r\n"
            f"{payload}\r\n".encode()
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks)


def strings(meta: Metadata, key: str) -> list[str]:
    value = meta.get(key)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str) and v.strip()]


def first(meta: Metadata, key: str) -> str | None:
    values = strings(meta, key)
    return values[0].strip() if values else None


def _loads(value: str, key: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        log.info("metadata %s is not valid JSON (cut off?): %.80r", key, value)
        return None
    except RecursionError:
        log.info("metadata %s is JSON nested too deeply: %.80r", key, value)
        return None


def json_objects(meta: Metadata, key: str) -> list[Any]:
    """Values that are JSON inside the string (``actions``: a list of objects in one string)."""
    out: list[Any] = []
    for value in strings(meta, key):
        parsed = _loads(value, key)
        if isinstance(parsed, list):
            out.extend(parsed)
        elif parsed is not None:
            out.append(parsed)
    return out


def json_strings(meta: Metadata, key: str) -> list[str]:
    """Plain strings, or one string holding a JSON list of them (both spellings occur for keywords).

    A JSON list cut off in the middle keeps its complete entries; the cut one is lost.
    """
    out: list[str] = []
    for value in strings(meta, key):
        text = value.strip()
        items: Iterable[Any] = [text]
        if text.startswith("["):
            parsed = _loads(text, key)
            items = parsed if isinstance(parsed, list) else complete_json_strings(text)
        out.extend(clean(v) for v in items if isinstance(v, str) and v.strip())
    return out


def complete_json_strings(text: str) -> list[str]:
    """The complete string literals of a cut-off JSON list, in order."""
    out: list[str] = []
    for literal in _JSON_STRING_RE.findall(text):
        try:
            out.append(json.loads(literal))
        except ValueError:
            continue
    return out


def parse_date(value: Any) -> date | None:
    """The date as written (no time zone conversion): "…T19:00:00.000+0200" is that local day."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if match := _ISO_RE.match(text):
            return date(int(match["y"]), int(match["m"]), int(match["d"]))
        if (match := _DMY_RE.match(text)) and match["month"].lower() in _MONTH_NUMBERS:
            return date(int(match["y"]), _MONTH_NUMBERS[match["month"].lower()], int(match["d"]))
    except ValueError:
        pass
    log.info("date %r not understood", text)
    return None


def clock_time(value: str) -> str | None:
    """"19:00" of an ISO timestamp that names a time of day other than midnight, else None."""
    match = _ISO_RE.match(value.strip())
    if match and match["hh"] and (match["hh"], match["mm"]) != ("00", "00"):
        return f"{match['hh']}:{match['mm']}"
    return None


def format_date(day: date) -> str:
    # Not strftime("%B"): the month name must not depend on the process locale.
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def to_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").strip())
        except ValueError:
            return None
    return None
