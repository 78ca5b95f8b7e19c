"""Text extraction before and after the linear rewrite: normal pages, and hostile pages at growing sizes.

"Before" is the BeautifulSoup ``text_of`` (tests/text_of_reference.py, the tests' reference) with
the callers as they were: every match of a selector read in full, however deeply matches nest.
"After" is the current code. Both run in this process on the same pages, so the figures are
ratios measured in one run.

- Normal pages: ``text_of`` on every page of the demo site, the test fixtures and the recorded
  portal pages (../shared/captures, when present), whole and once per block element — the way the
  spiders call it. Best of three rounds.
- Hostile shapes, each at doubling sizes (the fuzz run's two slow cases, and one more):
  ``nested main``: a programme page whose header, opening ``<main>`` and first third of the main
  content are repeated k times (k ``<main>``s inside each other), read by the ``html`` kind (detail
  page, ``description: main``, ``sections: true``) and by ``watch``;
  ``open cards``: a list page whose cards lost their closing tags (each contains all later ones),
  read by the ``html`` kind as "items as calls";
  ``flat``: k sibling paragraphs, ``text_of`` alone (the old version was quadratic even here).

Quadratic work shows as 4x the time for 2x the page; linear as 2x. A "before" run that took longer
than --limit seconds is not repeated at the next size.

    python bench/selectors_text_of.py            # markdown on stdout
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from parsel import Selector
from scrapy.http import HtmlResponse

from foerderradar.crawler.kinds.html import spider as html_list
from foerderradar.crawler.kinds.html.config import HtmlPortal
from foerderradar.crawler.kinds.html.spider import HtmlListSpider
from foerderradar.crawler.kinds.watch.config import WatchPortal
from foerderradar.crawler.kinds.watch.spider import WatchSpider
from foerderradar.crawler.selectors import text_of

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "tests"))

from text_of_reference import reference_text_of as text_of_before  # noqa: E402

CAPTURES = Path(os.environ.get("FOERDERRADAR_SHARED", PROJECT.parent / "shared")) / "captures"
ELEMENTS = "main, article, section, div, p, li, dd, table"
URL = "https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/seite.html"


@contextlib.contextmanager
def before() -> Iterator[None]:
    """The callers as they were: old text_of, every match read in full, nested items left nested."""
    saved = {name: getattr(html_list, name) for name in ("text_of", "outermost", "readable", "nested_beyond_bound")}
    html_list.text_of = text_of_before
    html_list.outermost = list  # type: ignore[assignment]
    html_list.readable = list  # type: ignore[assignment]
    html_list.nested_beyond_bound = lambda items: []  # type: ignore[assignment]
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(html_list, name, value)


def timed(run: Callable[..., Any], *args: Any) -> float:
    began = time.perf_counter()
    run(*args)
    return time.perf_counter() - began


# -- normal pages -----------------------------------------------------------------------------------


def normal_pages() -> list[str]:
    roots = [PROJECT / "foerderradar/demo_site", PROJECT / "tests/fixtures"]
    roots += [CAPTURES] if CAPTURES.is_dir() else []
    return [p.read_bytes().decode("utf-8", "replace") for root in roots for p in sorted(root.rglob("*.html"))]


def normal(rounds: int) -> dict[str, Any]:
    pages = normal_pages()
    fragments: list[str | Selector] = []
    for page in pages:
        fragments.append(page)
        fragments.extend(Selector(text=page).css(ELEMENTS))
    old = min(timed(lambda: [text_of_before(f) for f in fragments]) for _ in range(rounds))
    new = min(timed(lambda: [text_of(f) for f in fragments]) for _ in range(rounds))
    same = all(text_of(f) == text_of_before(f) for f in fragments)
    size = sum(len(p) for p in pages)
    return {"pages": len(pages), "fragments": len(fragments), "kb": size / 1000, "old": old, "new": new, "same": same}


# -- hostile shapes ---------------------------------------------------------------------------------


def _source(capture: str, demo: str) -> bytes:
    path = CAPTURES / capture
    return path.read_bytes() if path.is_file() else (PROJECT / "foerderradar/demo_site" / demo).read_bytes()


def nested_main(k: int) -> bytes:
    demo = "FDB/Content/DE/Foerderprogramm/Bund/BMDV/gigabit-aufruf-kommunen-2027.html"
    page = _source("foerderdatenbank/detail_1.html", demo)
    main = page.find(b"<main")
    start = page.rfind(b"<header", 0, main)  # from the page header into the main content, as the fuzz run
    start = start if start >= 0 else page.rfind(b"<body", 0, main)  # repeated it: each copy opens one more <main>
    cut = main + (page.find(b"</main>") - main) // 3
    return page[:start] + page[start:cut] * k + page[cut:]


CARD = b'<div class="card card--horizontal card--fundingprogram">'


def open_cards(k: int) -> bytes:
    page = _source("foerderdatenbank/list_page1.html", "list_d_1.html")
    first = page.find(CARD)
    card = page[first : page.find(CARD, first + 1)].replace(b"</div>", b"")
    return page[:first] + card * k


def flat(k: int) -> bytes:
    return b"<html><body><div>" + b"<p>Absatz mit <b>fettem</b> Text.</p>" * k + b"</div></body></html>"


def html_kind(*, detail: bool) -> HtmlListSpider:
    entry: dict[str, Any] = {
        "key": "fdb-html", "kind": "html", "list_urls": [URL], "item": "div.card--fundingprogram", "sections": True,
        "fields": {"title": ["h1 ::text", "a ::text"], "description": "main",
                   "url": ["link[rel=canonical]::attr(href)", "@page"]},
    }  # fmt: skip
    if detail:
        entry["link"] = "a::attr(href)"
    return HtmlListSpider(HtmlPortal.model_validate(entry))


def read_detail(body: bytes) -> None:
    list(html_kind(detail=True).parse_detail(HtmlResponse(url=URL, body=body, encoding="utf-8")))


def read_watch(body: bytes) -> None:
    portal = WatchPortal.model_validate({"key": "w", "kind": "watch", "urls": [URL]})
    list(WatchSpider(portal).parse(HtmlResponse(url=URL, body=body, encoding="utf-8")))


def read_items(body: bytes) -> None:
    list(html_kind(detail=False).parse(HtmlResponse(url=URL, body=body, encoding="utf-8")))


def read_text(body: bytes) -> None:
    html_list.text_of(body.decode("utf-8"))


SHAPES: list[tuple[str, Callable[[int], bytes], Callable[[bytes], None], list[int]]] = [
    ("nested main → html detail", nested_main, read_detail, [4, 8, 16, 32, 64, 128]),
    ("nested main → watch", nested_main, read_watch, [4, 8, 16, 32, 64, 128]),
    ("open cards → html items", open_cards, read_items, [10, 20, 40, 80, 160, 320, 640]),
    ("flat paragraphs → text_of", flat, read_text, [1000, 2000, 4000, 8000, 16000, 32000]),
]


def hostile(limit: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name, make, read, sizes in SHAPES:
        old_too_slow = False
        for k in sizes:
            body = make(k)
            new = min(timed(read, body) for _ in range(2))
            old: float | None = None
            if not old_too_slow:
                with before():
                    old = timed(read, body)
                old_too_slow = old > limit
            rows.append({"shape": name, "k": k, "kb": len(body) / 1000, "old": old, "new": new})
            print(f"  {name} k={k}: {len(body) / 1000:.0f} KB, before {old}, after {new:.3f}", file=sys.stderr)
    return rows


# The fuzz run's two slow cases (bench/fuzz_inputs.py --seed 1): a 376 KB programme page with 21
# nested <main>s read by the html kind, a 181 KB list page whose 30 cards lost their closing tags.
FUZZ_CASES = (292, 4762)


def fuzz_replay(seed: int = 1) -> list[dict[str, Any]]:
    """The slow cases regenerated from their seed and run through their target, before and after."""
    if not CAPTURES.is_dir():
        return []
    sys.path.insert(0, str(PROJECT / "bench"))
    import random

    import fuzz_inputs

    targets = fuzz_inputs.targets()
    rows = []
    for case in FUZZ_CASES:
        rng = random.Random(seed * 1_000_003 + case)  # as fuzz_inputs.fuzz() draws each case
        target = targets[case % len(targets)]
        names = fuzz_inputs.pick_mutations(rng, target.kind)
        body = fuzz_inputs.apply(rng, target.wrap((CAPTURES / target.capture).read_bytes()), target.kind, names)

        def run(body: bytes = body, target: Any = target) -> None:
            list(target.run(fuzz_inputs.response_for(target, body)))

        new = min(timed(run) for _ in range(2))
        with before():
            old = timed(run)
        rows.append({"case": case, "target": target.name, "mutations": names, "kb": len(body) / 1000,
                     "old": old, "new": new})  # fmt: skip
    return rows


def render(normal_row: dict[str, Any], rows: list[dict[str, Any]], replayed: list[dict[str, Any]]) -> str:
    machine = subprocess.run(["uname", "-a"], capture_output=True, text=True).stdout.strip() or platform.platform()
    cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or str(os.cpu_count())
    n = normal_row
    lines = [
        f"{date.today().isoformat()}, `{machine}`, {cpus} CPUs (shared), Python {platform.python_version()}",
        "",
        f"Normal pages: {n['pages']} pages ({n['kb']:.0f} KB), {n['fragments']} `text_of` calls (whole page and each "
        f"block element): before {n['old']:.2f} s, after {n['new']:.2f} s — **{n['old'] / n['new']:.1f}× faster**, "
        f"text identical: {'yes' if n['same'] else 'NO'}.",
        "",
        "| Hostile shape | k | page | before | after | before/after |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        old = f"{r['old']:.2f} s" if r["old"] is not None else "—"
        ratio = f"{r['old'] / r['new']:.0f}×" if r["old"] is not None else "—"
        lines.append(f"| {r['shape']} | {r['k']} | {r['kb']:,.0f} KB | {old} | {r['new']:.3f} s | {ratio} |")
    if replayed:
        lines += ["", "| Fuzz case (seed 1) | target | mutations | page | before | after | before/after |",
                  "|---|---|---|---:|---:|---:|---:|"]  # fmt: skip
        for r in replayed:
            lines.append(
                f"| {r['case']} | {r['target']} | {', '.join(r['mutations'])} | {r['kb']:,.0f} KB | "
                f"{r['old']:.2f} s | {r['new']:.3f} s | {r['old'] / r['new']:.0f}× |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many rounds on normal pages")
    parser.add_argument("--limit", type=float, default=30.0, help="stop timing 'before' after a run this long (s)")
    args = parser.parse_args(argv)
    normal_row = normal(args.rounds)
    print(render(normal_row, hostile(args.limit), fuzz_replay()))
    return 0 if normal_row["same"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
