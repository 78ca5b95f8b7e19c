"""Bot-detection answers: a table of (status, body) → recognised marker or none, the real recorded
pages that must never count, the German message, and the middleware's once-per-host behaviour."""

from __future__ import annotations

from pathlib import Path

import botwall_pages as pages
import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from foerderradar.crawler import botwall
from foerderradar.crawler.kinds.foerderdatenbank.spider import FoerderdatenbankSpider
from foerderradar.crawler.middleware import BOT_WALLS, ORIGINAL_URL, BotWallMiddleware
from foerderradar.crawler.scrapy_settings import build_settings
from foerderradar.settings import CrawlerSettings

HTML = {"content-type": "text/html; charset=utf-8"}
URL = "https://www.foerderdatenbank.de/FDB/Content/DE/Foerderprogramm/Land/Hessen/beispiel.html"

DETECTED: list[tuple[str, int, bytes, str]] = [
    # (case, status, body, marker name)
    ("cloudflare 403", 403, pages.CLOUDFLARE, "cloudflare_challenge"),
    ("cloudflare 503", 503, pages.CLOUDFLARE, "cloudflare_challenge"),
    ("cloudflare 200", 200, pages.CLOUDFLARE, "cloudflare_challenge"),
    ("cloudflare german title", 403, pages.CLOUDFLARE_DE, "challenge_title"),
    ("checking your browser 503", 503, pages.CHECKING_BROWSER, "checking_browser"),
    ("incapsula 200", 200, pages.INCAPSULA, "incapsula"),
    ("perimeterx 403", 403, pages.PERIMETERX, "perimeterx"),
    ("akamai 403", 403, pages.AKAMAI, "akamai"),
    ("datadome 403", 403, pages.DATADOME, "datadome"),
    ("german friendly captcha 200", 200, pages.GERMAN_CAPTCHA, "captcha_widget"),
    ("german friendly captcha 429", 429, pages.GERMAN_CAPTCHA, "captcha_widget"),
    ("altcha 429", 429, pages.ALTCHA_429, "captcha_widget"),
    ("recaptcha 403", 403, pages.RECAPTCHA_403, "captcha_widget"),
    ("hcaptcha 503", 503, pages.HCAPTCHA_503, "captcha_widget"),
    ("recaptcha on a long page, refused", 403, pages.LONG_WITH_RECAPTCHA, "captcha_widget"),
    ("challenge answered 202, as AWS WAF does", 202, pages.CLOUDFLARE, "cloudflare_challenge"),
]


@pytest.mark.parametrize(("status", "body", "name"), [c[1:] for c in DETECTED], ids=[c[0] for c in DETECTED])
def test_detected(status: int, body: bytes, name: str) -> None:
    marker = botwall.detect(status, HTML, body)
    assert marker is not None and marker.name == name


NOT_DETECTED: list[tuple[str, int, dict[str, str], bytes]] = [
    # (case, status, headers, body)
    ("plain 403", 403, HTML, pages.PLAIN_403),
    ("plain 'Access Denied' 403 without an Akamai reference", 403, HTML, pages.PLAIN_ACCESS_DENIED),
    ("maintenance 503", 503, HTML, pages.MAINTENANCE_503),
    ("maintenance 503 with injected bot-management scripts", 503, HTML, pages.SHORT_WITH_INJECTED_SCRIPTS),
    ("JSON 403 that mentions captchas", 403, {"content-type": "application/json"}, pages.JSON_403),
    ("long page with a reCAPTCHA contact form", 200, HTML, pages.LONG_WITH_RECAPTCHA),
    ("long page that mentions automated requests", 200, HTML, pages.LONG_MENTIONING_ROBOTS),
    ("long page with Cloudflare JavaScript detections", 200, HTML, pages.LONG_WITH_CLOUDFLARE_JSD),
    ("long page with Imperva's injected script", 200, HTML, pages.LONG_WITH_INCAPSULA_SCRIPT),
    ("EU 'Specific Challenge' text", 200, HTML, pages.EU_SPECIFIC_CHALLENGE),
    ("challenge body on a 404", 404, HTML, pages.CLOUDFLARE),
    ("challenge body on a 500", 500, HTML, pages.CLOUDFLARE),
    ("empty 403", 403, HTML, b""),
    ("challenge markup declared as plain text", 403, {"content-type": "text/plain"}, pages.CLOUDFLARE),
]


@pytest.mark.parametrize(
    ("status", "headers", "body"), [c[1:] for c in NOT_DETECTED], ids=[c[0] for c in NOT_DETECTED]
)
def test_not_detected(status: int, headers: dict[str, str], body: bytes) -> None:
    assert botwall.detect(status, headers, body) is None


def test_undeclared_markup_is_examined() -> None:
    assert botwall.detect(403, {}, b"\n " + pages.CLOUDFLARE) is not None
    assert botwall.detect(403, {}, pages.JSON_403) is None


REAL_PAGES = [f"detail_{i}.html" for i in range(1, 7)] + ["list_page1.html"]


@pytest.mark.parametrize("name", REAL_PAGES)
@pytest.mark.parametrize("status", [200, 403, 503])
def test_recorded_real_pages_are_never_a_bot_wall(captures: Path, name: str, status: int) -> None:
    """They mention cookies, consent (Einwilligung), tracking scripts, a chatbot widget: no marker,
    not even on a refusing status."""
    body = (captures / "foerderdatenbank" / name).read_bytes()
    assert botwall.detect(status, HTML, body) is None
    assert botwall.visible_chars(body.decode("utf-8")) > botwall.SHORT_PAGE_CHARS


def test_marker_list_is_documented_data() -> None:
    names = [marker.name for marker in botwall.MARKERS]
    assert len(names) == len(set(names))
    for marker in botwall.MARKERS:
        assert marker.kind in ("challenge", "captcha") and len(marker.why) > 40 and marker.label


def test_message_is_german_names_the_url_and_what_to_do() -> None:
    marker = botwall.detect(403, HTML, pages.CLOUDFLARE)
    assert marker is not None
    text = botwall.message(URL, 403, marker)
    assert text.startswith(f"Portal blockiert automatisierte Abrufe: {URL} antwortete mit einer Prüfseite gegen")
    assert "(HTTP 403, Cloudflare-Prüfseite)" in text
    for phrase in ("nicht wiederholt", "gespeicherte Aufrufe bleiben unverändert", "Export", "Betreiber"):
        assert phrase in text
    assert "Seitenaufbau geändert" not in text
    assert botwall.is_bot_wall(text) and botwall.is_bot_wall(f"HTTP 500 (x): y\n{text}")
    assert botwall.first_bot_wall(f"HTTP 500 (x): y\n{text}") == text
    assert not botwall.is_bot_wall("HTTP 403 (Zugriff verweigert): " + URL) and not botwall.is_bot_wall(None)


# -- the middleware ----------------------------------------------------------------------------------


def middleware() -> BotWallMiddleware:
    return BotWallMiddleware(get_crawler(FoerderdatenbankSpider))


def routed(path: str) -> Request:
    """A request as BaseUrlMiddleware sends it: to the stand-in host, with the real URL in meta."""
    return Request(f"http://127.0.0.1:9/{path}", meta={ORIGINAL_URL: f"https://www.foerderdatenbank.de/{path}"})


def answer(request: Request, status: int, body: bytes) -> HtmlResponse:
    return HtmlResponse(request.url, status=status, body=body, headers={"Content-Type": "text/html"}, request=request)


def test_first_wall_is_reported_once_then_the_host_is_left_alone() -> None:
    mw = middleware()
    stats = mw.crawler.stats
    assert stats is not None
    first, second = routed("a.html"), routed("b.html")
    mw.process_request(first)  # passes: no IgnoreRequest
    with pytest.raises(IgnoreRequest, match="blockiert automatisierte Abrufe"):
        mw.process_response(first, answer(first, 429, pages.ALTCHA_429))
    with pytest.raises(IgnoreRequest):  # an answer already on its way: counted, not named again
        mw.process_response(second, answer(second, 403, pages.CLOUDFLARE))
    with pytest.raises(IgnoreRequest):  # not asked for at all
        mw.process_request(routed("c.html"))
    [message] = stats.get_value("foerderradar/download_messages")
    assert "https://www.foerderdatenbank.de/a.html" in message and "127.0.0.1" not in message
    assert "(HTTP 429, Captcha)" in message
    assert stats.get_value("foerderradar/download_errors") == 3
    assert stats.get_value(BOT_WALLS) == 2
    other = Request("https://www.example.org/x.html")  # another host is not affected
    mw.process_request(other)  # passes: no IgnoreRequest


def test_ordinary_answers_pass_untouched() -> None:
    mw = middleware()
    request = routed("a.html")
    for response in (
        answer(request, 403, pages.PLAIN_403),
        answer(request, 200, pages.LONG_WITH_RECAPTCHA),
        TextResponse(request.url, status=403, body=pages.JSON_403, request=request,
                     headers={"Content-Type": "application/json"}),
    ):
        assert mw.process_response(request, response) is response
    mw.process_request(routed("b.html"))  # passes: no IgnoreRequest
    assert mw.crawler.stats is not None and not mw.crawler.stats.get_value("foerderradar/download_errors")


def test_robots_txt_is_not_judged() -> None:
    mw = middleware()
    robots = Request("http://127.0.0.1:9/robots.txt", meta={"dont_obey_robotstxt": True})
    response = answer(robots, 403, pages.CLOUDFLARE)
    assert mw.process_response(robots, response) is response
    mw.process_request(routed("a.html"))  # passes: no IgnoreRequest


def test_registered_after_decompression_and_before_retries(tmp_path: Path) -> None:
    """Decompressed bodies (HttpCompressionMiddleware, 590), and seen before RetryAfterMiddleware (560)
    and RetryMiddleware (550) could wait for or repeat a 429/503 challenge."""
    order = build_settings(CrawlerSettings(), tmp_path)["DOWNLOADER_MIDDLEWARES"]
    assert 560 < order["foerderradar.crawler.middleware.BotWallMiddleware"] < 590
