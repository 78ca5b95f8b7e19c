"""Generate a synthetic portal in the Förderdatenbank structure, of any size, for benches.

Invented text only (numbered programmes); the HTML reproduces the structure the spider reads:
``<base href>``, result cards with ``p.card--title > a``, ``#hits--count``, ``a.forward.button``,
detail pages with ``h1.title``, canonical link, description meta, the ``dl`` of facts and tabs.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from foerderradar.crawler.kinds.foerderdatenbank.config import FDB_DEFAULT_START_URLS

PER_PAGE = 10
BASE = "https://www.foerderdatenbank.de/"
LANDS = ["Nordrhein-Westfalen", "Bayern", "bundesweit", "Sachsen", "Hessen"]
TOPICS = ["Digitalisierung", "Infrastruktur", "Smart Cities & Regionen", "Bildung", "Umwelt & Naturschutz"]
WHO = ["Kommune", "Unternehmen", "Hochschule", "Öffentliche Einrichtung", "Verband/Vereinigung"]


def detail_path(i: int) -> str:
    return f"FDB/Content/DE/Foerderprogramm/Land/Bench/programm-{i:05d}.html"


def title(i: int, renamed: bool = False) -> str:
    """The programme's name; a renamed programme shows the new name on its card and its page."""
    return f"Testprogramm {i}" + (" (neu gefasst)" if renamed else "")


def detail_html(i: int, revision: int = 0, renamed: bool = False) -> str:
    land, topic, who = LANDS[i % len(LANDS)], TOPICS[i % len(TOPICS)], WHO[i % len(WHO)]
    deadline = f"{(i % 28) + 1:02d}.{(i % 12) + 1:02d}.{2027 + revision}"
    return f"""<!DOCTYPE html><html lang="de"><head><base href="{BASE}"/>
<meta charset="utf-8"/><title>Programm {i}</title>
<link rel="canonical" href="{BASE}{detail_path(i)}"/>
<meta name="description" content="Testprogramm {i} fördert Vorhaben im Bereich {topic}."/></head>
<body><main class="main"><div class="jumbotron"><div class="container"><div class="content">
<p class="content--topline">Förderprogramm</p><h1 class="title"> {title(i, renamed)}: {topic} </h1>
</div></div><div class="container container--headline"><div class="content">
<dl class="grid-modul--two-elements document-info-fundingprogram">
<dt> Förderart: </dt><dd> Zuschuss </dd><dt> Förderbereich: </dt><dd> {topic} </dd>
<dt> Fördergebiet: </dt><dd> {land} </dd><dt> Förderberechtigte: </dt><dd> {who} </dd>
</dl></div></div></div>
<div class="container content--main horizontal--tab"><div class="content"><div class="rich--text">
<h2 class="horizontal--tab-opener"><span class="btn--label">Kurzzusammenfassung</span></h2>
<article class="content--tab-text"><div class="rich--text"><h3>Kurztext</h3>
<p>Testprogramm {i} fördert Vorhaben im Bereich {topic}. Der Zuschuss beträgt bis zu 80 Prozent,
höchstens {(i % 9 + 1) * 10}.000 Euro.</p><h3>Volltext</h3>
<p>Anträge können bis zum {deadline} gestellt werden. {"Überarbeitete Fassung. " * revision}</p>
</div></article></div></div></div></main></body></html>"""


def list_html(
    page: int, pages: int, total: int, ids: Sequence[int], facet_query: str, renamed: Collection[int] = ()
) -> str:
    cards = "".join(
        f"""<div class="card card--horizontal card--fundingprogram"><p class="card--topline">Förderprogramm</p>
<p class="card--title"><a title="Öffnet die Einzelsicht" href="{detail_path(i)}">
<span class="link--label"> {title(i, i in renamed)} </span></a></p>
<dl class="grid-modul--two-elements document-info-fundingprogram"><dt> Wer wird gefördert?: </dt>
<dd> {WHO[i % len(WHO)]} </dd></dl></div>"""
        for i in ids
    )
    forward = (
        f'<a href="SiteGlobals/FDB/Forms/Suche/Foederprogrammsuche_Formular.html?gtp=%2526bench_list%253D{page + 1}'
        f'&amp;{facet_query}" class="forward button">weiter</a>'
        if page < pages
        else ""
    )
    return f"""<!DOCTYPE html><html lang="de"><head><base href="{BASE}"/><meta charset="utf-8"/></head>
<body><div class="content"><div class="search--hits"><span id="hits--count">{total}</span> <span>Beiträge</span></div>
<div class="searchresult">{cards}</div><ul class="pagination">{forward}</ul></div></body></html>"""


def build_site(root: Path, programmes: int) -> Path:
    """One facet (the first default start URL) lists every programme; the other facets list none."""
    root.mkdir(parents=True, exist_ok=True)
    routes = write_lists(root, programmes)
    for url in FDB_DEFAULT_START_URLS[1:]:
        parts = urlsplit(url)
        (root / "empty.html").write_text(list_html(1, 1, 0, [], ""), encoding="utf-8")
        routes[f"{parts.path}?{parts.query}"] = "empty.html"
    for i in range(programmes):
        write_detail(root, i)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    (root / "routes.json").write_text(json.dumps(routes, indent=1), encoding="utf-8")
    return root


def write_lists(
    root: Path, programmes: int, renamed: Collection[int] = (), hidden: Collection[int] = ()
) -> dict[str, str]:
    """(Re)write the result pages of the first facet: programmes ``0 … programmes-1`` except ``hidden``.

    Only a page whose content changed gets new bytes (and a new mtime), as on a real server.
    """
    listed = [i for i in range(programmes) if i not in hidden]
    pages = max(1, -(-len(listed) // PER_PAGE))
    routes: dict[str, str] = {}
    start = urlsplit(FDB_DEFAULT_START_URLS[0])
    facet_query = start.query.split("&", 1)[1] if "&" in start.query else start.query
    for page in range(1, pages + 1):
        ids = listed[(page - 1) * PER_PAGE : page * PER_PAGE]
        name = f"list_{page}.html"
        html = list_html(page, pages, len(listed), ids, facet_query, renamed)
        path = root / name
        if not path.is_file() or path.read_text(encoding="utf-8") != html:
            path.write_text(html, encoding="utf-8")
        if page == 1:
            routes[f"{start.path}?{start.query}"] = name
        else:
            routes[f"{start.path}?gtp=%2526bench_list%253D{page}&{facet_query}"] = name
    return routes


def write_detail(root: Path, i: int, revision: int = 0, renamed: bool = False) -> None:
    path = root / detail_path(i)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(detail_html(i, revision, renamed), encoding="utf-8")


def rename(root: Path, programmes: int, ids: Collection[int]) -> None:
    """Rename programmes (``ids``: all that carry the new name): a change visible on the result card
    as well as on the programme page."""
    for i in ids:
        write_detail(root, i, renamed=True)
    write_lists(root, programmes, renamed=set(ids))
