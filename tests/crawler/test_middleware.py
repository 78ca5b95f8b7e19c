"""base_url rewriting: spiders build real URLs, requests go to the mirror, responses look real."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy.http import HtmlResponse, Request

from foerderradar.crawler.middleware import ORIGINAL_URL, BaseUrlMiddleware, rewrite

REWRITES = [
    ("https://www.foerderdatenbank.de/FDB/a.html?x=1", "http://127.0.0.1:8000",
     "http://127.0.0.1:8000/FDB/a.html?x=1"),
    ("https://www.foerderdatenbank.de/", "http://127.0.0.1:8000/", "http://127.0.0.1:8000/"),
    ("https://www.nrwbank.de/de/foerderung/x.html", "http://mirror.local/nrwbank",
     "http://mirror.local/nrwbank/de/foerderung/x.html"),
]


@pytest.mark.parametrize(("url", "base", "expected"), REWRITES)
def test_rewrite(url: str, base: str, expected: str) -> None:
    assert rewrite(url, base.rstrip("/")) == expected


def _middleware(base_url: str | None) -> BaseUrlMiddleware:
    spider = SimpleNamespace(portal=SimpleNamespace(base_url=base_url))
    return BaseUrlMiddleware(SimpleNamespace(spider=spider))  # type: ignore[arg-type]


def test_request_is_redirected_and_response_restored() -> None:
    mw = _middleware("http://127.0.0.1:9")
    real = Request("https://www.foerderdatenbank.de/FDB/x.html")
    routed = mw.process_request(real)
    assert routed is not None and routed.url == "http://127.0.0.1:9/FDB/x.html"
    assert routed.meta[ORIGINAL_URL] == real.url
    assert mw.process_request(routed) is None  # already routed: passes through unchanged
    response = HtmlResponse(routed.url, body=b"<html></html>", request=routed)
    assert mw.process_response(routed, response).url == real.url


def test_without_base_url_nothing_changes() -> None:
    mw = _middleware(None)
    request = Request("https://www.foerderdatenbank.de/")
    assert mw.process_request(request) is None


def test_response_to_a_link_with_fragment_gets_the_real_url_back() -> None:
    mw = _middleware("http://127.0.0.1:9")
    routed = mw.process_request(Request("https://www.nrwbank.de/de/p.html#foerderung"))
    assert routed is not None
    response = HtmlResponse("http://127.0.0.1:9/de/p.html", body=b"<html></html>", request=routed)
    assert mw.process_response(routed, response).url == "https://www.nrwbank.de/de/p.html#foerderung"
