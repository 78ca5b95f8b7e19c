"""The loopback server used by demo, tests and benches routes by path and query parameters."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from foerderradar.fixture_server import FixtureServer, etag_of


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "list1.html").write_text("eins", encoding="utf-8")
    (tmp_path / "list2.html").write_text("zwei", encoding="utf-8")
    (tmp_path / "FDB").mkdir()
    (tmp_path / "FDB" / "detail.html").write_text("detail", encoding="utf-8")
    return tmp_path


ROUTES = {"/Suche.html?a=1&b=2": "list1.html", "/Suche.html?gtp=%2526abc_list%253D2": "list2.html"}
CASES = [
    ("/Suche.html?a=1&b=2", "eins"),
    ("/Suche.html?b=2&a=1", "eins"),  # parameter order does not matter
    ("/Suche.html?gtp=%2526abc_list%253D2", "zwei"),
    ("/Suche.html?gtp=%26abc_list%3D2", "zwei"),  # nor how often it was percent-encoded
    ("/FDB/detail.html", "detail"),  # no route: served from the directory
    ("/FDB/detail.html?cache=1", "detail"),
]


@pytest.mark.parametrize(("target", "body"), CASES)
def test_routes(site: Path, target: str, body: str) -> None:
    with FixtureServer(site, ROUTES) as server:
        with urllib.request.urlopen(server.base_url + target) as resp:
            assert resp.read().decode() == body
        assert server.site.hits == [target]


@pytest.mark.parametrize("target", ["/Suche.html?a=2", "/../etc/passwd", "/nothing.html"])
def test_unknown_is_404(site: Path, target: str) -> None:
    with FixtureServer(site, ROUTES) as server, pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(server.base_url + target)
    assert info.value.code == 404


# -- validators and conditional GET: what lets the crawler revalidate instead of downloading ------


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request) as resp:
            return resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as exc:  # urllib raises on 304
        return exc.code, dict(exc.headers.items()), exc.read()


def test_get_carries_strong_etag_and_last_modified(site: Path) -> None:
    with FixtureServer(site, ROUTES) as server:
        status, headers, body = get(server.base_url + "/FDB/detail.html")
    assert (status, body) == (200, b"detail")
    assert headers["ETag"].startswith('"') and not headers["ETag"].startswith("W/")
    assert headers["ETag"] == etag_of(b"detail")
    mtime = int((site / "FDB" / "detail.html").stat().st_mtime)
    assert parsedate_to_datetime(headers["Last-Modified"]).timestamp() == mtime


def test_conditional_get_of_unchanged_page_is_304_without_body(site: Path) -> None:
    with FixtureServer(site, ROUTES) as server:
        _, headers, _ = get(server.base_url + "/FDB/detail.html")
        by_etag = get(server.base_url + "/FDB/detail.html", **{"If-None-Match": headers["ETag"]})
        by_date = get(server.base_url + "/FDB/detail.html", **{"If-Modified-Since": headers["Last-Modified"]})
        answers = list(server.site.answers)
    assert by_etag[0] == 304 and by_etag[2] == b"" and by_etag[1]["ETag"] == headers["ETag"]
    assert by_date[0] == 304 and by_date[2] == b""
    assert [(a.status, a.conditional) for a in answers] == [(200, False), (304, True), (304, True)]


def test_changed_page_is_sent_again_and_etag_wins_over_date(site: Path) -> None:
    page = site / "FDB" / "detail.html"
    with FixtureServer(site, ROUTES) as server:
        _, headers, _ = get(server.base_url + "/FDB/detail.html")
        page.write_text("geändert", encoding="utf-8")
        os.utime(page, (page.stat().st_atime, page.stat().st_mtime - 3600))  # older date, new body
        # If-Modified-Since alone would say "not modified"; the entity tag says changed, and wins.
        status, new_headers, body = get(
            server.base_url + "/FDB/detail.html",
            **{"If-None-Match": headers["ETag"], "If-Modified-Since": headers["Last-Modified"]},
        )
    assert (status, body.decode()) == (200, "geändert") and new_headers["ETag"] != headers["ETag"]


def test_if_modified_since_before_the_change_gets_the_page(site: Path) -> None:
    with FixtureServer(site, ROUTES) as server:
        old = "Mon, 01 Jan 2001 00:00:00 GMT"
        status, _, body = get(server.base_url + "/FDB/detail.html", **{"If-Modified-Since": old})
    assert (status, body) == (200, b"detail")


def test_server_without_validators_never_answers_304(site: Path) -> None:
    with FixtureServer(site, ROUTES, validators=False) as server:
        status, headers, _ = get(server.base_url + "/FDB/detail.html")
        conditions = {"If-None-Match": "*", "If-Modified-Since": headers["Date"]}
        again = get(server.base_url + "/FDB/detail.html", **conditions)
    assert status == 200 and "ETag" not in headers and "Last-Modified" not in headers
    assert again[0] == 200 and again[2] == b"detail"


def test_a_route_to_a_directory_serves_a_deterministic_zip_of_it(tmp_path: Path) -> None:
    """The Förderdatenbank's export is one zip; the demo keeps its documents as files."""
    import io
    import zipfile

    docs = tmp_path / "export" / "BMWI" / "FDB"
    docs.mkdir(parents=True)
    (docs / "b.xml").write_text("<b/>", encoding="utf-8")
    (docs / "a.xml").write_text("<a/>", encoding="utf-8")
    with FixtureServer(tmp_path, {"/FDB/WS/export": "export"}) as server:
        with urllib.request.urlopen(server.base_url + "/FDB/WS/export") as resp:
            first, ctype, etag = resp.read(), resp.headers["Content-Type"], resp.headers["ETag"]
        with urllib.request.urlopen(server.base_url + "/FDB/WS/export") as resp:
            assert resp.read() == first  # same files, same bytes
        request = urllib.request.Request(server.base_url + "/FDB/WS/export", headers={"If-None-Match": etag})
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request)
        assert answer.value.code == 304
    assert ctype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist() == ["BMWI/FDB/a.xml", "BMWI/FDB/b.xml"]
        assert archive.read("BMWI/FDB/b.xml") == b"<b/>"
