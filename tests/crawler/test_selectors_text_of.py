"""``selectors.text_of`` in linear time gives exactly the text the BeautifulSoup version gave.

The old implementation is kept verbatim as the reference (tests/text_of_reference.py). Both read every page we have —
the bundled demo site, the test fixtures, the recorded real pages in ../shared/captures (read in
place), HTML inside the JSON answers — as a whole and element by element, plus pages damaged by the
fuzz harness's mutations and hand-written edge cases; the texts must be equal character for
character. The callers that read nested matches (html kind, watch kind) are checked the same way:
on pages without nested matches they give the same items — and so the same stored versions — as
before; where matches nest, each match is read once.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from conftest import CAPTURES, PROJECT
from parsel import Selector
from scrapy.http import HtmlResponse

from foerderradar.crawler import selectors
from foerderradar.crawler.kinds.html import spider as html_list
from foerderradar.crawler.kinds.html.config import HtmlPortal
from foerderradar.crawler.kinds.html.spider import HtmlListSpider, region_text, values_of
from foerderradar.crawler.kinds.watch.config import WatchPortal
from foerderradar.crawler.kinds.watch.spider import WatchSpider
from foerderradar.crawler.pipeline import validate_item
from foerderradar.crawler.selectors import (
    _BLOCKS,
    _NOISE,
    nested_beyond_bound,
    outermost,
    readable,
    text_of,
)

sys.path.insert(0, str(PROJECT / "bench"))

import fuzz_inputs
from text_of_reference import reference_text_of

# -- hand-written cases: (html, text) --------------------------------------------------------------

CASES: list[tuple[str, str]] = [
    ("50 <abbr>Mio.</abbr> EUR", "50 Mio. EUR"),  # inline markup joins without a space
    ("<p>Förder<strong>quote</strong> 80&nbsp;%</p>", "Förderquote 80 %"),
    ("(<span>Minitraité</span>)", "(Minitraité)"),
    ("<a href='x'>Link</a><span>text</span>", "Linktext"),
    ("<p>Zeile eins<br>Zeile zwei<br/>Zeile drei</p>", "Zeile eins\nZeile zwei\nZeile drei"),
    ("<ul><li>Kommunen</li><li>Kreise <em>und</em> Städte</li></ul><ol><li>eins</li></ol>",
     "Kommunen\nKreise und Städte\neins"),
    ("<dl><dt>Frist</dt><dd>31.03.2027</dd></dl>", "Frist\n31.03.2027"),
    ("<table><tr><th>Quote</th><td>80 %</td></tr><tr><td>Höchstbetrag</td><td>200.000 EUR</td></tr></table>",
     "Quote80 %\nHöchstbetrag200.000 EUR"),  # cells are not blocks: as before, rows are
    ("<p>vor<script>var x = '<p>nein</p>';</script>nach</p><style>p{color:red}</style><noscript>JS an</noscript>"
     "<template><p>t</p></template><button>Los</button><svg><text>Logo</text></svg>Ende", "vornach\nEnde"),
    ("<p>&amp; &lt;b&gt; &quot;zitiert&quot; &#8364; &euro; &#x20AC; &auml;&szlig;</p>", '& <b> "zitiert" € € € äß'),
    ("<p>  viel \n\t Leerraum\u00a0\u00a0hier  </p>\n\n<p>\u00adweich\u200bge\u200ctrennt\ufeff</p>",
     "viel Leerraum hier\nweichgetrennt"),
    ("<div>außen<div>innen</div>weiter</div>", "außen\ninnen\nweiter"),
    ("<section><article><blockquote>Zitat</blockquote></article></section>", "Zitat"),
    ("<h2>Wer wird gefördert?</h2><p>Kommunen</p><h3>Was?</h3>Text ohne Absatz",
     "Wer wird gefördert?\nKommunen\nWas?\nText ohne Absatz"),
    ("<p>a<!-- Kommentar -->b<?pi x?>c<![CDATA[d]]>e</p>", "abce"),
    ("<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp>字</ruby>", "漢字"),  # BeautifulSoup leaves ruby text out
    ("<p>漢<rt>kan<p>x</p>y</rt>字</p>", "漢\n字"),
    ("<p>ungeschlossen<p>zweiter<li>Punkt", "ungeschlossen\nzweiter\nPunkt"),
    ("<div><b>fett</div>danach</b>weiter", "fett\ndanachweiter"),  # an end tag closes what is open inside
    ("<html><body><p>Seite</p></body></html>Nachtrag", "Seite\nNachtrag"),  # text after </html>
    ("\ufeff<p>mit BOM</p>", "mit BOM"),
    ('<?xml version="1.0" encoding="utf-8"?><p>XML-Kopf</p>', "XML-Kopf"),
    ("<p>a\x02b</p>\x01", "a\x02b\n\x01"),  # control characters are text, as before
    ("<p>" + "<b>" * 300 + "tief" + "</b>" * 300 + "</p>danach", "tief\ndanach"),  # deeper than lxml's default limit
    ("", ""),
    ("   \n  ", ""),
    ("nur Text", "nur Text"),
]  # fmt: skip


@pytest.mark.filterwarnings("ignore::bs4.XMLParsedAsHTMLWarning")
@pytest.mark.parametrize(("html", "text"), CASES)
def test_edge_cases(html: str, text: str) -> None:
    assert reference_text_of(html) == text  # the table describes the old behaviour …
    assert text_of(html) == text  # … and the new one keeps it


def test_a_selector_is_read_like_its_html() -> None:
    page = Selector(text="<main><h1>Titel</h1><p>Absatz <em>eins</em></p><script>x()</script></main>")
    [main] = page.css("main")
    assert text_of(main) == reference_text_of(main) == "Titel\nAbsatz eins"


# -- corpora: every document, whole and element by element -----------------------------------------


def _markup_strings(data: Any) -> Iterator[str]:
    """Strings inside a JSON answer that hold markup (SEDIA descriptions, feed summaries)."""
    if isinstance(data, str):
        if "<" in data or "&" in data:
            yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _markup_strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _markup_strings(value)


def documents(root: Path) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for path in sorted(root.rglob("*")):
        if path.suffix in (".html", ".xml", ".txt"):
            out.append((str(path.relative_to(root)), path.read_bytes().decode("utf-8", "replace")))
        elif path.suffix == ".json":
            strings = _markup_strings(json.loads(path.read_text(encoding="utf-8")))
            out.extend((f"{path.relative_to(root)}#{i}", s) for i, s in enumerate(strings))
    return out


def assert_same_text(name: str, html: str) -> int:
    """Whole document and every element in it; returns the number of fragments compared."""
    fragments: list[str | Selector] = [html]
    if "<" in html and html.strip():
        fragments.extend(Selector(text=html).css("*"))
    for fragment in fragments:
        expected = reference_text_of(fragment)
        assert text_of(fragment) == expected, (name, fragment if isinstance(fragment, str) else fragment.get()[:200])
    return len(fragments)


@pytest.mark.filterwarnings("ignore::bs4.XMLParsedAsHTMLWarning")
@pytest.mark.parametrize("root", ["foerderradar/demo_site", "tests/fixtures"])
def test_project_pages_read_the_same(root: str) -> None:
    docs = documents(PROJECT / root)
    assert len(docs) >= 20
    assert sum(assert_same_text(name, html) for name, html in docs) > 500


@pytest.mark.filterwarnings("ignore::bs4.XMLParsedAsHTMLWarning")
def test_recorded_portal_pages_read_the_same(captures: Path) -> None:
    docs = documents(captures)
    assert len(docs) >= 10
    assert sum(assert_same_text(name, html) for name, html in docs) > 1_000


@pytest.mark.filterwarnings("ignore::bs4.XMLParsedAsHTMLWarning")
def test_damaged_pages_read_the_same(captures: Path) -> None:
    """The fuzz harness's damage (deep nesting, truncation, deleted tags, bad bytes) on real pages."""
    bodies = [path.read_bytes() for path in sorted((captures / "foerderdatenbank").glob("*.html"))]
    bodies += [path.read_bytes() for path in sorted((PROJECT / "tests/fixtures/nrw").rglob("*.html"))]
    for case in range(120):
        rng = random.Random(20261203 + case)
        names = fuzz_inputs.pick_mutations(rng, "html")
        html = fuzz_inputs.apply(rng, bodies[case % len(bodies)], "html", names).decode("utf-8", "replace")
        assert text_of(html) == reference_text_of(html), (case, names)
        if "<" in html:
            elements = Selector(text=html).css("main, div, li, p, section, dd, body")
            for element in rng.sample(list(elements), min(5, len(elements))):
                assert text_of(element) == reference_text_of(element), (case, names)


# -- callers: unchanged on normal pages, each nested match read once ------------------------------------


@pytest.fixture
def before(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], Any]], Any]:
    """Run a callback with the old reading: BeautifulSoup text, every match read in full."""

    def run(callback: Callable[[], Any]) -> Any:
        with monkeypatch.context() as patch:
            patch.setattr(html_list, "text_of", reference_text_of)
            patch.setattr(html_list, "outermost", list)
            patch.setattr(html_list, "readable", list)
            patch.setattr(html_list, "nested_beyond_bound", lambda items: [])
            return callback()

    return run


URL = "https://www.example.org/seite.html"
KIND_ENTRIES: dict[str, dict[str, Any]] = {
    "watch main": {"kind": "watch", "urls": [URL]},
    "watch body": {"kind": "watch", "urls": [URL], "region": "body", "ignore": ["nav", "footer"]},
    "html detail": {"kind": "html", "list_urls": [URL], "item": "article", "link": "a::attr(href)", "sections": True,
                    "fields": {"title": ["h1 ::text", "title::text"], "description": "main"}},
    "html items": {"kind": "html", "list_urls": [URL], "item": "div.card--fundingprogram, article, li",
                   "sections": True, "fields": {"title": ["h1 ::text", "a ::text", "h2", "h3"], "description": "p",
                                                "topics": "dd"}},
}  # fmt: skip


def calls_of(entry: dict[str, Any], response: HtmlResponse) -> list[tuple[dict[str, Any], str]]:
    """What a kind makes of one page: the items and the content hash the store versions them by."""
    if entry["kind"] == "watch":
        calls = list(WatchSpider(WatchPortal.model_validate({"key": "w", **entry})).parse(response))
    else:
        spider = HtmlListSpider(HtmlPortal.model_validate({"key": "h", **entry}))
        parsed = spider.parse_detail(response) if "link" in entry else spider.parse(response)
        calls = [c for c in parsed if isinstance(c, dict)]
    return [(c, validate_item(c).content_hash()) for c in calls]


def normal_pages() -> list[tuple[str, bytes]]:
    roots = [PROJECT / "foerderradar/demo_site", PROJECT / "tests/fixtures"]
    roots += [CAPTURES] if CAPTURES.is_dir() else []
    return [(str(p), p.read_bytes()) for root in roots for p in sorted(root.rglob("*.html"))]


@pytest.mark.filterwarnings("ignore::bs4.XMLParsedAsHTMLWarning")
def test_kinds_give_the_same_calls_as_before_on_normal_pages(before: Callable[[Callable[[], Any]], Any]) -> None:
    """Same items, same content hash — so no watched page gets a new version from this change."""
    compared = 0
    for name, body in normal_pages():
        response = HtmlResponse(url=URL, body=body, encoding="utf-8")
        for kind, entry in KIND_ENTRIES.items():
            try:
                old = before(partial(calls_of, entry, response))
            except Exception as exc:  # a page the kind cannot read: it must fail the same way now
                with pytest.raises(type(exc)):
                    calls_of(entry, response)
                continue
            assert calls_of(entry, response) == old, (name, kind)
            compared += len(old)
    assert compared > 100


def nested_mains(depth: int) -> str:
    return "<html><body>" + "".join(f"<main><p>Absatz {i}</p>" for i in range(depth)) + "</body></html>"


def test_a_region_inside_a_region_is_read_once() -> None:
    page = Selector(text=nested_mains(40))
    regions = page.css("main")
    assert len(regions) == 40 and len(outermost(regions)) == 1
    text = region_text(regions, [])
    assert text == "\n".join(f"Absatz {i}" for i in range(40))  # before: 40 + 39 + … + 1 lines


def test_nested_matches_are_read_within_a_bound_and_lists_in_full() -> None:
    page = Selector(text=nested_mains(200))
    assert len(values_of(page, "main")) == 1 + 4  # the outer match and as many nested as 4 times its size
    nested_list = Selector(text="<ul><li>Digitales<ul><li>Breitband</li><li>Schulen</li></ul></li><li>Bau</li></ul>")
    assert values_of(nested_list, "li") == ["Digitales\nBreitband\nSchulen", "Breitband", "Schulen", "Bau"]
    items = nested_list.css("li")
    assert readable(items) == list(items) and nested_beyond_bound(items) == []


def test_cards_that_lost_their_closing_tags_are_read_each_on_its_own() -> None:
    cards = "".join(f'<div class="card"><h3>Aufruf {i}</h3><p>Text {i}</p>' for i in range(50))
    body = f"<main>{cards}</main>".encode()
    response = HtmlResponse(url="https://www.example.org/liste", body=body, encoding="utf-8")
    portal = HtmlPortal.model_validate({
        "key": "h", "kind": "html", "list_urls": ["https://www.example.org/liste"], "item": "div.card",
        "fields": {"title": "h3", "description": "p"}, "sections": True,
    })  # fmt: skip
    calls = [c for c in HtmlListSpider(portal).parse(response) if isinstance(c, dict)]
    assert [c["title"] for c in calls] == [f"Aufruf {i}" for i in range(50)]
    assert [c["description"] for c in calls] == [f"Text {i}" for i in range(50)]
    assert len(response.css("div.card h3")) == 50  # the response's own tree is untouched


def test_the_noise_and_block_lists_are_the_documented_ones() -> None:
    assert set(_BLOCKS) == selectors._BLOCK_SET and set(_NOISE) == selectors._NOISE_SET
