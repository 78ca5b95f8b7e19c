"""Subscribable outputs: an Atom feed of the current matches and an iCalendar file of deadlines.

Some people live in a feed reader or a calendar rather than their inbox. Both files are built from
the same inputs as the digest (``jobs.digest_inputs``: the stored verdicts with marks applied), so
a call the digital manager dismissed disappears from the feed too. ``foerderradar feed`` writes
them; ``serve`` can answer them on a loopback port (:class:`FeedServer`) for a reader on the same
machine or behind a reverse proxy.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler
from xml.etree import ElementTree as ET

from foerderradar.background_http import BackgroundHTTPServer
from foerderradar.notifier import formatting as fmt
from foerderradar.notifier.ics import Deadline, calendar
from foerderradar.notifier.service import DigestInputs
from foerderradar.output_safety import safe_url
from foerderradar.settings import Config
from foerderradar.storage import Store

InputsLoader = Callable[[Store, Config, date], DigestInputs]

ATOM = "http://www.w3.org/2005/Atom"
# XML 1.0 forbids most control characters outright; a scraped title must not make the feed invalid.
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return _XML_INVALID.sub("", value)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class FeedEntry:
    call_id: str
    title: str
    url: str
    updated: datetime
    published: datetime
    summary: str


def feed_entries(inputs: DigestInputs, config: Config) -> list[FeedEntry]:
    """One entry per call (not per measure pair): a reader should see a programme once."""
    titles = {m.id: m.title for m in config.measures.measures}
    by_call: dict[str, list[str]] = defaultdict(list)
    best: dict[str, float] = {}
    reasons: dict[str, list[str]] = {}
    for match in inputs.matches:
        if not match.eligible:
            continue
        by_call[match.call_id].append(titles.get(match.measure_id, match.measure_id))
        if match.score > best.get(match.call_id, -1):
            best[match.call_id] = match.score
            reasons[match.call_id] = list(match.reasons)
    entries = []
    for call_id, measures in by_call.items():
        record = inputs.records.get(call_id)
        if record is None:
            continue
        deadline = fmt.deadline_label(record.deadline, record.deadline_text)
        lines = [
            f"Maßnahmen: {', '.join(dict.fromkeys(measures))}",
            f"Frist: {deadline}",
            f"Passung: {round(best[call_id])}/100",
            *reasons[call_id],
        ]
        if record.funding_body:
            lines.insert(1, f"Fördergeber: {record.funding_body}")
        entries.append(FeedEntry(call_id, record.title, record.url, record.changed_at, record.first_seen,
                                 "\n".join(lines)))
    return sorted(entries, key=lambda e: (e.updated, e.call_id), reverse=True)


def atom_feed(entries: list[FeedEntry], config: Config, *, self_url: str | None = None) -> str:
    city = config.measures.city.name
    token = hashlib.sha256(city.encode()).hexdigest()[:16]
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "de"})
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"urn:foerderradar:{token}"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = _text(f"Förderradar – Treffer für {city}")
    updated = max((e.updated for e in entries), default=datetime(2000, 1, 1, tzinfo=UTC))
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(updated)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "Förderradar"
    if self_url:
        ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": self_url})
    for entry in entries:
        item = ET.SubElement(feed, f"{{{ATOM}}}entry")
        call_token = hashlib.sha256(entry.call_id.encode()).hexdigest()[:24]
        ET.SubElement(item, f"{{{ATOM}}}id").text = f"urn:foerderradar:call:{call_token}"
        ET.SubElement(item, f"{{{ATOM}}}title").text = _text(entry.title)
        href = safe_url(entry.url)
        if href:
            ET.SubElement(item, f"{{{ATOM}}}link", {"rel": "alternate", "href": href})
        ET.SubElement(item, f"{{{ATOM}}}updated").text = _stamp(entry.updated)
        ET.SubElement(item, f"{{{ATOM}}}published").text = _stamp(entry.published)
        ET.SubElement(item, f"{{{ATOM}}}summary", {"type": "text"}).text = _text(entry.summary)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def deadline_calendar(inputs: DigestInputs, config: Config, as_of: date) -> str:
    """Upcoming deadlines of the current matches and of the running applications."""
    items: list[Deadline] = []
    for match in inputs.matches:
        record = inputs.records.get(match.call_id)
        if match.eligible and record is not None and record.deadline is not None and record.deadline >= as_of:
            items.append(Deadline(record.id, record.title, record.deadline, record.url))
    for app in inputs.applications:
        record = inputs.records.get(app.call_id)
        if record is not None and record.deadline is not None and record.deadline >= as_of:
            items.append(Deadline(record.id, record.title, record.deadline, record.url, "Laufender Antrag"))
    return calendar(items, name=f"Förderradar – Fristen {config.measures.city.name}")


def build_feed(inputs: DigestInputs, config: Config, fmt_name: str, as_of: date, *, self_url: str | None = None) -> str:
    if fmt_name == "atom":
        return atom_feed(feed_entries(inputs, config), config, self_url=self_url)
    if fmt_name == "ics":
        return deadline_calendar(inputs, config, as_of)
    raise ValueError(f"--format {fmt_name!r} ist unbekannt; erlaubt: atom, ics.")


ROUTES = {"/feed.atom": ("atom", "application/atom+xml; charset=utf-8"),
          "/fristen.ics": ("ics", "text/calendar; charset=utf-8")}


class FeedServer(BackgroundHTTPServer):
    """``serve``'s optional feed endpoint: /feed.atom and /fristen.ics, built fresh per request —
    with several municipalities each has its own: /SLUG/feed.atom and /SLUG/fristen.ics.

    ``load`` reads the inputs of one request (``jobs.digest_inputs``): handed in by the surface
    that starts the server, because the notifier sits below the jobs and must not import them.
    Bound to loopback by default; anything wider belongs behind a reverse proxy with TLS.
    """

    def __init__(self, config: Config, database_url: str, host: str, port: int, load: InputsLoader) -> None:
        self.config = config
        self.database_url = database_url
        self.load = load
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = server.route(self.path.split("?", 1)[0])
                if found is None:
                    where = "/KURZNAME" if server.config.several else ""
                    self.send_error(404, f"Nur {where}/feed.atom und {where}/fristen.ics")
                    return
                config, (name, ctype) = found
                try:
                    store = Store(server.database_url, migrate=False)
                    try:
                        day = date.today()
                        body = build_feed(server.load(store, config, day), config, name, day,
                                          self_url=f"http://{self.headers.get('Host', '')}{self.path}").encode()
                    finally:
                        store.close()
                except Exception as exc:  # a reader retries later; the service must not die of it
                    self.send_error(503, f"Feed gerade nicht verfuegbar ({type(exc).__name__})")
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        super().__init__(host, port, Handler)

    def route(self, path: str) -> tuple[Config, tuple[str, str]] | None:
        """The municipality and the feed a path asks for; None for anything else (404)."""
        head, _, tail = path.rpartition("/")
        feed = ROUTES.get(f"/{tail}")
        slug = head.strip("/")
        if feed is None or "/" in slug:
            return None
        if not slug:
            return (self.config, feed) if not self.config.several else None
        if all(k.slug != slug for k in self.config.kommunen):
            return None
        return self.config.for_kommune(slug), feed
