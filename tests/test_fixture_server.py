"""The loopback server used by demo, tests and benches routes by path and query parameters."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from foerderradar.fixture_server import FixtureServer


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
