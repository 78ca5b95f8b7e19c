"""Fuzz the real parse callbacks with mutated recordings of real portal answers.

Every case takes one recorded answer from ``../shared/captures`` (Förderdatenbank pages, the SEDIA
JSON, the service.bund.de RSS), damages it (byte flips, truncation, deleted tags, broken encodings,
JSON values of the wrong type or missing, XML entity tricks, hostile strings) and hands it as a
Scrapy response with the recording's URL to a spider callback — the callbacks of the built-in
spiders and of the configurable kinds (json, feed, html, watch). Every item the callback yields then
goes through the pipeline's validation, as in a crawl.

Outcomes of a case:

- accepted — the callback finished; its items were validated (each one stored or rejected);
- rejected — the callback raised one of the project's own "this is not the page I know" errors
  (LayoutError, SourceError and its FeedError, SediaResponseError), whose message names the URL;
- crash — any other exception, a rejection whose message does not name the URL, or a leak (text
  of a local file read through an XML entity);
- slow — stopped after CASE_LIMIT_S seconds: no error, but work far beyond the input's size (in a
  crawl, ``portal_timeout_s`` stops such a portal and reports it). Counted and listed, not hidden.

Usage::

    python bench/fuzz_inputs.py --cases 5000 --seed 1            # table on stdout
    python bench/fuzz_inputs.py --cases 5000 --json out/fuzz.json

Exit status 1 if any case crashed. tests/crawler/test_fuzz.py runs a small fixed-seed version.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import re
import signal
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse

from foerderradar.crawler.card_signatures import PAGE_KEY
from foerderradar.crawler.kinds.eu_sedia.config import EuSediaPortal
from foerderradar.crawler.kinds.eu_sedia.spider import EuSediaSpider, SediaResponseError
from foerderradar.crawler.kinds.feed.config import FeedPortal
from foerderradar.crawler.kinds.feed.spider import FeedSpider
from foerderradar.crawler.kinds.foerderdatenbank.config import FDB_DEFAULT_START_URLS, FoerderdatenbankPortal
from foerderradar.crawler.kinds.foerderdatenbank.spider import FoerderdatenbankSpider
from foerderradar.crawler.kinds.html.config import HtmlPortal
from foerderradar.crawler.kinds.html.spider import HtmlListSpider
from foerderradar.crawler.kinds.json.config import JsonPortal
from foerderradar.crawler.kinds.json.spider import JsonApiSpider
from foerderradar.crawler.kinds.watch.config import WatchPortal
from foerderradar.crawler.kinds.watch.spider import WatchSpider
from foerderradar.crawler.mapping import SourceError
from foerderradar.crawler.pipeline import validate_item
from foerderradar.crawler.selectors import LayoutError

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_CAPTURES = Path(os.environ.get("FOERDERRADAR_SHARED", PROJECT.parent / "shared")) / "captures"
TODAY = date(2026, 6, 1)
FDB = "https://www.foerderdatenbank.de"
TOPIC = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/"
SERVICE_BUND = "https://www.service.bund.de/Content/Globals/Functions/RSSFeed/RSSGenerator_Ausschreibungen.xml"
FDB_DETAILS = {
    "detail_1.html": "/FDB/Content/DE/Foerderprogramm/Land/Thueringen/beteiligungen-thueringen-mbg-express.html",
    "detail_2.html": "/FDB/Content/DE/Foerderprogramm/Bund/BMWi/exist-women-2024.html",
    "detail_3.html": "/FDB/Content/DE/Foerderprogramm/Bund/BMBF/foerderung-forschende-fachaerztinnen-unimedizin.html",
    "detail_4.html": "/FDB/Content/DE/Foerderprogramm/Bund/BKM/deutsch-franzoesische-kooperationen-film-ffa.html",
}
REJECTIONS: dict[type[Exception], str] = {
    LayoutError: "layout",
    SourceError: "source",  # FeedError is a SourceError
    SediaResponseError: "sedia_response",
}
CASE_LIMIT_S = 20
LOCAL_FILE = "/etc/passwd"

# -- targets: a recording and the callback that reads it ------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    capture: str  # path below captures/
    url: str
    kind: str  # "html", "json" or "xml": decides the response class and the structured mutations
    run: Callable[[Response], Iterable[Any]]
    wrap: Callable[[bytes], bytes] = lambda body: body


def _sedia(**extra: Any) -> EuSediaSpider:
    portal = EuSediaPortal.model_validate({"key": "eu", "kind": "eu_sedia", "max_pages": 1, **extra})
    return EuSediaSpider(portal=portal, today=TODAY)


def _fdb() -> FoerderdatenbankSpider:
    portal = FoerderdatenbankPortal.model_validate({"key": "foerderdatenbank", "kind": "foerderdatenbank"})
    return FoerderdatenbankSpider(portal=portal, today=TODAY)


def _json_kind() -> JsonApiSpider:
    portal = JsonPortal.model_validate({
        "key": "eu-json", "kind": "json", "url": "https://api.tech.ec.europa.eu/search-api/prod/rest/search",
        "items": "results",
        "fields": {"source_id": "metadata.identifier.0", "title": ["metadata.title.0", "title"],
                   "summary": "summary", "deadline": "metadata.deadlineDate.0", "open_date": "metadata.startDate.0",
                   "topics": "metadata.keywords", "description": "metadata.descriptionByte.0"},
        "url_template": TOPIC + "{metadata.identifier.0}",
        "defaults": {"level": "eu", "regions": ["EU"]},
    })
    return JsonApiSpider(portal=portal)


def _feed_kind() -> FeedSpider:
    portal = FeedPortal.model_validate({
        "key": "bund-rss", "kind": "feed", "url": SERVICE_BUND, "defaults": {"level": "bund", "regions": "DE"},
    })
    return FeedSpider(portal=portal)


def _html_kind(*, link: bool) -> HtmlListSpider:
    entry: dict[str, Any] = {
        "key": "fdb-html", "kind": "html", "list_urls": [FDB_DEFAULT_START_URLS[0]], "item": "div.card--fundingprogram",
        "fields": {"title": ["h1 ::text", "a ::text"], "description": "main", "url": ["link[rel=canonical]::attr(href)",
                                                                                      "@page"]},
        "sections": True,
    }
    if link:
        entry |= {"link": "a::attr(href)", "next_page": "a.forward::attr(href)"}
    return HtmlListSpider(portal=HtmlPortal.model_validate(entry))


def _watch_kind(url: str) -> WatchSpider:
    return WatchSpider(portal=WatchPortal.model_validate({"key": "fdb-watch", "kind": "watch", "urls": [url]}))


def _sedia_page(spider: EuSediaSpider) -> Callable[[Response], Iterable[Any]]:
    return lambda response: spider.parse(response, page=1)


def targets() -> list[Target]:
    """Fresh spiders per call: a spider keeps state between pages (SEDIA holds rows back)."""
    sedia = _sedia().search_request(1).url
    out = [
        Target("fdb list → parse", "foerderdatenbank/list_page1.html", FDB_DEFAULT_START_URLS[0], "html",
               lambda r: _fdb().parse(r)),
        Target("fdb list → html kind", "foerderdatenbank/list_page1.html", FDB_DEFAULT_START_URLS[0], "html",
               lambda r: _html_kind(link=True).parse(r)),
        Target("fdb list → html kind, items as calls", "foerderdatenbank/list_page1.html", FDB_DEFAULT_START_URLS[0],
               "html", lambda r: _html_kind(link=False).parse(r)),
        Target("sedia search → eu_sedia", "eu-sedia/eu_sedia_search_1.json", sedia, "json",
               lambda r: _sedia().parse(r, page=1)),
        Target("sedia rows → eu_sedia", "eu-sedia/eu_sedia_search_2_trimmed.json", sedia, "json",
               lambda r: _sedia().parse(r, page=1)),
        Target("sedia item → eu_sedia", "eu-sedia/eu_sedia_result_item_2.json", sedia, "json",
               lambda r: _sedia().parse(r, page=1),
               wrap=lambda body: b'{"totalResults": 1, "results": [' + body + b"]}"),
        Target("sedia search → json kind", "eu-sedia/eu_sedia_search_1.json",
               "https://api.tech.ec.europa.eu/search-api/prod/rest/search", "json", lambda r: _json_kind().parse(r)),
        Target("service.bund rss → feed kind", "service-bund/servicebund_rss_ausschreibungen_1.xml", SERVICE_BUND,
               "xml", lambda r: _feed_kind().parse(r)),
    ]
    for name, path in FDB_DETAILS.items():
        url = FDB + path
        out.append(Target(f"fdb {name} → parse_detail", f"foerderdatenbank/{name}", url, "html",
                          lambda r: _fdb().parse_detail(r)))
        out.append(Target(f"fdb {name} → html kind detail", f"foerderdatenbank/{name}", url, "html",
                          lambda r: _html_kind(link=True).parse_detail(r)))
        out.append(Target(f"fdb {name} → watch kind", f"foerderdatenbank/{name}", url, "html",
                          lambda r, url=url: _watch_kind(url).parse(r)))
    return out


# -- mutations ------------------------------------------------------------------------------------

HOSTILE = [
    "\u202egnudröF", "\x00", "\ufeff", "<script>alert(1)</script>", "javascript:alert(1)", "9" * 400,
    "31.02.2027", "29.02.2027", "00.00.0000", "99.99.9999", "Frist: 31.12.99999", "120 %", "-5 %", "1e309 EUR",
    "999.999.999.999.999.999 Euro", "bis zum 1. Dezember 1899", "\u00a0" * 50, "&#0;", "&#x110000;", "&nbsp;" * 20,
    "<!--", "]]>", "<![CDATA[", "%s%n%x", "{{7*7}}", "'; DROP TABLE calls; --", "\r\n\r\n", "Ä" * 3000,
]
XML_ENTITY_TRICKS = [
    # Billion laughs: must not expand.
    '<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>',
    # External entity (XXE): must never read a local file.
    f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{LOCAL_FILE}">]>',
    '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "http://169.254.169.254/latest/meta-data/">]>',
]
ENTITY_USES = ["&f;", "&xxe;"]


def _positions(rng: random.Random, body: bytes, count: int) -> list[int]:
    return sorted(rng.randrange(len(body) + 1) for _ in range(count))


def flip_bytes(rng: random.Random, body: bytes, _: str) -> bytes:
    data = bytearray(body)
    for _ in range(rng.randint(1, 32)):
        if data:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


def truncate(rng: random.Random, body: bytes, _: str) -> bytes:
    return body[: rng.randrange(len(body) + 1)]


def drop_tags(rng: random.Random, body: bytes, _: str) -> bytes:
    tags = [m.span() for m in re.finditer(rb"<[^<>]{1,300}>", body)]
    if not tags:
        return body
    doomed = set(rng.sample(range(len(tags)), min(len(tags), rng.choice([1, 3, 10, 100]))))
    out, last = bytearray(), 0
    for index, (start, end) in enumerate(tags):
        if index in doomed:
            out += body[last:start]
            last = end
    return bytes(out + body[last:])


def drop_range(rng: random.Random, body: bytes, _: str) -> bytes:
    a, b = _positions(rng, body, 2)
    return body[:a] + body[b:]


def repeat_range(rng: random.Random, body: bytes, _: str) -> bytes:
    a, b = _positions(rng, body, 2)
    return body[:b] + body[a:b] * rng.choice([1, 2, 20]) + body[b:]


def damage_encoding(rng: random.Random, body: bytes, _: str) -> bytes:
    choice = rng.randrange(5)
    text = body.decode("utf-8", errors="replace")
    if choice == 0:
        return text.encode("latin-1", errors="replace")  # "saved as Latin-1", declared UTF-8
    if choice == 1:
        return text.encode("utf-8").decode("latin-1").encode("utf-8")  # double-encoded "FÃ¶rderung"
    if choice == 2:
        return text.encode("utf-16")
    if choice == 3:
        return b"\xef\xbb\xbf" + body  # a BOM in front of the declaration
    at = _positions(rng, body, 8)
    junk = [b"\xc3\x28", b"\xff\xfe", b"\xed\xa0\x80", b"\xe2\x82", b"\xf8\x88\x80\x80\x80"]
    out, last = bytearray(), 0
    for pos in at:
        out += body[last:pos] + rng.choice(junk)
        last = pos
    return bytes(out + body[last:])


def lie_about_charset(rng: random.Random, body: bytes, _: str) -> bytes:
    lie = rng.choice([b"iso-8859-1", b"utf-16", b"bogus-charset", b"utf-7", b""])
    return re.sub(rb"(?i)(charset=|encoding=\")[a-z0-9_-]+", lambda m: m.group(1) + lie, body, count=2)


def inject_hostile(rng: random.Random, body: bytes, kind: str) -> bytes:
    out = body
    for _ in range(rng.randint(1, 5)):
        pos = rng.randrange(len(out) + 1)
        snippet = rng.choice(HOSTILE).encode("utf-8")
        if kind == "json" and rng.random() < 0.5:
            snippet = json.dumps(rng.choice(HOSTILE)).encode("utf-8")
        out = out[:pos] + snippet + out[pos:]
    return out


def nest_deeply(rng: random.Random, body: bytes, kind: str) -> bytes:
    depth = rng.choice([100, 1000, 5000])
    pos = rng.randrange(len(body) + 1)
    if kind == "json":
        return body[:pos] + b"[" * depth + b"]" * depth + body[pos:]
    return body[:pos] + b"<div>" * depth + body[pos:]


def entity_tricks(rng: random.Random, body: bytes, kind: str) -> bytes:
    trick = rng.choice(XML_ENTITY_TRICKS).encode()
    use = rng.choice(ENTITY_USES).encode()
    declared = re.sub(rb"^(<\?xml[^>]*\?>)?", lambda m: (m.group(0) or b"") + trick, body, count=1)
    return re.sub(rb"<title>", b"<title>" + use, declared, count=3)


def empty(rng: random.Random, body: bytes, _: str) -> bytes:
    return rng.choice([b"", b" ", b"\n\n", b"null", b"{}", b"[]", b"<html></html>", b"\x00" * 10])


# Structured JSON mutations: the document stays JSON, its values change type or disappear.
def _nodes(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _nodes(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _nodes(value, (*path, index))


def _replacement(rng: random.Random, value: Any) -> Any:
    options: list[Any] = [None, 0, -1, 1e308, True, "", "x", [], {}, [None], {"a": {"b": []}}, "2027-13-45",
                          "9" * 300, ["2027-02-18", 5], rng.choice(HOSTILE)]
    if isinstance(value, str):
        options += [[value], {"value": value}, len(value)]
    if isinstance(value, list):
        options += [value[:1] * 50, list(reversed(value)), {"0": value}]
    if isinstance(value, dict):
        options += [list(value.values()), list(value)]
    return rng.choice(options)


def mutate_json(rng: random.Random, body: bytes, kind: str) -> bytes:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # already broken by an earlier mutation: damage bytes instead
        return flip_bytes(rng, body, kind)
    for _ in range(rng.randint(1, 6)):
        nodes = list(_nodes(data))
        path, value = rng.choice(nodes)
        if not path:
            data = _replacement(rng, value)
            continue
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        if (rng.random() < 0.35 and isinstance(parent, dict)) or (rng.random() < 0.2 and isinstance(parent, list)):
            del parent[path[-1]]
        else:
            parent[path[-1]] = _replacement(rng, value)
    return json.dumps(data).encode("utf-8")


BYTE_MUTATIONS: dict[str, Callable[[random.Random, bytes, str], bytes]] = {
    "flip_bytes": flip_bytes,
    "truncate": truncate,
    "drop_tags": drop_tags,
    "drop_range": drop_range,
    "repeat_range": repeat_range,
    "damage_encoding": damage_encoding,
    "lie_about_charset": lie_about_charset,
    "inject_hostile": inject_hostile,
    "nest_deeply": nest_deeply,
    "empty": empty,
}
KIND_MUTATIONS: dict[str, dict[str, Callable[[random.Random, bytes, str], bytes]]] = {
    "json": {"json_values": mutate_json},
    "xml": {"entity_tricks": entity_tricks},
    "html": {},
}


def pick_mutations(rng: random.Random, kind: str) -> list[str]:
    special = list(KIND_MUTATIONS[kind])
    pool = list(BYTE_MUTATIONS) + special * 6  # structured mutations reach deeper: weight them up
    return [rng.choice(pool) for _ in range(rng.choice([1, 1, 2, 3]))]


def apply(rng: random.Random, body: bytes, kind: str, names: list[str]) -> bytes:
    table = {**BYTE_MUTATIONS, **KIND_MUTATIONS[kind]}
    for name in names:
        body = table[name](rng, body, kind)
    return body


# -- running cases --------------------------------------------------------------------------------


@dataclass
class Crash:
    case: int
    target: str
    mutations: list[str]
    error: str
    where: str


@dataclass
class Report:
    cases: int = 0
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)  # case-level, by kind
    items: int = 0
    items_valid: int = 0
    items_invalid: int = 0  # pipeline ValidationError: reported and dropped, as in a crawl
    requests: int = 0
    logged: Counter[str] = field(default_factory=Counter)  # WARNING/ERROR records from the spiders
    by_target: Counter[str] = field(default_factory=Counter)
    by_mutation: Counter[str] = field(default_factory=Counter)
    crashes: list[Crash] = field(default_factory=list)
    slow: list[Crash] = field(default_factory=list)
    slowest_s: float = 0.0
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "cases": self.cases, "accepted": self.accepted, "rejected": dict(self.rejected),
            "crashes": len(self.crashes), "items": self.items, "items_valid": self.items_valid,
            "items_invalid": self.items_invalid, "requests": self.requests, "logged": dict(self.logged),
            "by_target": dict(self.by_target), "by_mutation": dict(self.by_mutation),
            "slowest_case_s": round(self.slowest_s, 3), "seconds": round(self.seconds, 1),
            "crash_list": [c.__dict__ for c in self.crashes[:50]],
            "slow": len(self.slow), "slow_list": [c.__dict__ for c in self.slow[:50]],
        }


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelname.lower()] += 1


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def response_for(target: Target, body: bytes) -> Response:
    request = Request(target.url)
    if target.kind == "html":
        return HtmlResponse(url=target.url, body=body, request=request, headers={"Content-Type": "text/html"})
    if target.kind == "xml":
        return XmlResponse(url=target.url, body=body, request=request)
    return TextResponse(url=target.url, body=body, request=request, headers={"Content-Type": "application/json"})


def _where(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "foerderradar" in f.filename]
    frame = (frames or traceback.extract_tb(exc.__traceback__) or [None])[-1]
    return f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" if frame else "?"


def run_case(target: Target, body: bytes, report: Report) -> str | None:
    """Run one case; None if it behaved, else why it counts as a crash."""
    items: list[dict[str, Any]] = []
    outcome = "accepted"
    try:
        for out in target.run(response_for(target, body)):
            if isinstance(out, Request):
                report.requests += 1
            elif isinstance(out, dict):
                items.append(out)
    except tuple(REJECTIONS) as exc:
        outcome = next(name for cls, name in REJECTIONS.items() if isinstance(exc, cls))
        if target.url not in str(exc) and getattr(exc, "url", None) != target.url:
            return f"rejection without the URL: {type(exc).__name__}: {str(exc)[:200]}"
    for item in items:
        report.items += 1
        data = dict(item)
        data.pop(PAGE_KEY, None)
        try:
            call = validate_item(data)
        except ValidationError:
            report.items_invalid += 1
            continue
        report.items_valid += 1
        if "root:" in call.canonical_json() and "root:" not in body.decode("utf-8", "replace"):
            return f"local file {LOCAL_FILE} read through an XML entity"
    if outcome == "accepted":
        report.accepted += 1
    else:
        report.rejected[outcome] += 1
    return None


def fuzz(
    captures: Path, cases: int, seed: int, *, progress: bool = False, only: list[Target] | None = None
) -> Report:
    report = Report()
    all_targets = only or targets()
    bodies = {t.capture: t.wrap((captures / t.capture).read_bytes()) for t in all_targets}
    records = _Records()
    logging.getLogger().addHandler(records)
    previous_level = logging.getLogger().level
    logging.getLogger().setLevel(logging.WARNING)
    for name in ("scrapy", "py.warnings"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    use_alarm = hasattr(signal, "SIGALRM") and sys.platform != "win32"
    old = signal.signal(signal.SIGALRM, _alarm) if use_alarm else None
    started = time.perf_counter()
    try:
        for case in range(cases):
            rng = random.Random(seed * 1_000_003 + case)
            target = all_targets[case % len(all_targets)]
            names = pick_mutations(rng, target.kind)
            body = apply(rng, bodies[target.capture], target.kind, names)
            report.cases += 1
            report.by_target[target.name] += 1
            report.by_mutation.update(names)
            began = time.perf_counter()
            try:
                if use_alarm:
                    signal.setitimer(signal.ITIMER_REAL, CASE_LIMIT_S)
                problem = run_case(target, body, report)
            except _Timeout:
                report.slow.append(Crash(case, target.name, names, f"stopped after {CASE_LIMIT_S} s", "-"))
                problem, where = None, "-"
                if progress:
                    print(f"  SLOW case {case} [{target.name}] {names}", file=sys.stderr)
            except Exception as exc:  # the point of the exercise: anything else is a crash
                problem, where = f"{type(exc).__name__}: {str(exc)[:300]}", _where(exc)
            else:
                where = "-"
            finally:
                if use_alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            report.slowest_s = max(report.slowest_s, time.perf_counter() - began)
            if problem is not None:
                report.crashes.append(Crash(case, target.name, names, problem, where))
                if progress:
                    print(f"  CRASH case {case} [{target.name}] {names}: {problem} at {where}", file=sys.stderr)
            if progress and case and case % 500 == 0:
                print(f"  {case} cases, {len(report.crashes)} crashes", file=sys.stderr)
    finally:
        report.seconds = time.perf_counter() - started
        if use_alarm:
            signal.signal(signal.SIGALRM, old)
        logging.getLogger().removeHandler(records)
        logging.getLogger().setLevel(previous_level)
    report.logged = records.counts
    return report


def render(report: Report, seed: int) -> str:
    s = report.summary()
    lines = [
        f"Fuzz run: {s['cases']} cases, seed {seed}, {s['seconds']} s "
        f"({platform.platform()}, {os.cpu_count()} CPUs, {date.today().isoformat()})",
        f"  accepted (callback finished): {s['accepted']}",
        f"  rejected by the project's own errors: {sum(report.rejected.values())} {dict(report.rejected)}",
        f"  crashes: {s['crashes']}; slow (stopped after {CASE_LIMIT_S} s): {s['slow']}",
        f"  items yielded: {s['items']} (valid {s['items_valid']}, rejected by validation {s['items_invalid']});"
        f" requests yielded: {s['requests']}",
        f"  spider log records: {dict(report.logged)}; slowest case {s['slowest_case_s']} s",
        "  cases by mutation: " + ", ".join(f"{k} {v}" for k, v in sorted(report.by_mutation.items())),
    ]
    for crash in report.crashes[:20]:
        lines.append(f"  CRASH case {crash.case} [{crash.target}] {crash.mutations}: {crash.error} at {crash.where}")
    for slow in report.slow[:20]:
        lines.append(f"  SLOW case {slow.case} [{slow.target}] {slow.mutations} {slow.error}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--captures", type=Path, default=DEFAULT_CAPTURES)
    parser.add_argument("--json", type=Path, help="also write the figures (and crashes) as JSON here")
    args = parser.parse_args(argv)
    if not args.captures.is_dir():
        print(f"{args.captures}: captures not found (set FOERDERRADAR_SHARED or --captures)", file=sys.stderr)
        return 2
    report = fuzz(args.captures, args.cases, args.seed, progress=True)
    print(render(report, args.seed))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"seed": args.seed, **report.summary()}, indent=2), encoding="utf-8")
    return 1 if report.crashes else 0


if __name__ == "__main__":
    raise SystemExit(main())
