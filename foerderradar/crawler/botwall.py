"""Recognising a bot-detection answer ("Prüfseite gegen Roboter") and saying so in German.

A portal that puts a challenge in front of automated clients (Cloudflare's "Just a moment…", a
captcha, an Imperva or Akamai block page) answers every page with HTML that has none of the page's
structure. Without this module that reads as "Seitenaufbau geändert" (a 200 challenge makes every
selector miss) or as a plain "HTTP 403 (Zugriff verweigert)", and city IT would go and fix selectors
that are fine — and Scrapy would retry a 429/503 challenge three more times, which is exactly the
behaviour that got us challenged. The answer to a bot wall is a person's decision (use the portal's
export or API, or ask the operator), so it is its own failure kind with its own advice.

Pure functions of status, headers and body, without Scrapy, so that portal health and the alert
mail can recognise the failure in stored run messages (:func:`is_bot_wall`) without importing the
crawler. The downloader middleware that uses this is :class:`foerderradar.crawler.middleware.BotWallMiddleware`.

Decision rule (see :func:`detect`):

- only HTML is examined (a challenge is always a page for a browser), and only the first
  :data:`SCAN_BYTES` of it;
- on 403/429/503 (:data:`REFUSAL_STATUSES`) any marker is enough: the portal refused *and* its page
  talks about robots, captchas or a challenge;
- on 200/202 (:data:`PAGE_STATUSES`) a *challenge* marker is enough (markup that exists only on
  challenge pages), while a *captcha* marker (a widget, or wording such as "kein Roboter") also needs
  a short page: a real programme page may carry a contact form with a captcha, or mention automated
  requests in its text, but it has thousands of characters of text, a challenge page a few hundred.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

# How every bot-wall message starts: health, alert mail and CLI recognise the failure kind by it.
BOT_WALL = "Portal blockiert automatisierte Abrufe"
REFUSAL_STATUSES = frozenset({403, 429, 503})
# 202: AWS WAF answers its JavaScript challenge with 202 Accepted.
PAGE_STATUSES = frozenset({200, 202})
SCAN_BYTES = 512 * 1024  # challenge pages are a few KiB; markers of a real one sit near the top
# Visible text (characters, without scripts and styles) up to which a page with only a captcha
# marker counts as a challenge page. Challenge pages have well under 1,000; the recorded
# Förderdatenbank pages have over 5,000 (the cookie banner alone has 2,000).
SHORT_PAGE_CHARS = 2000

MarkerKind = Literal["challenge", "captcha"]


@dataclass(frozen=True)
class Marker:
    """One sign of a bot-detection answer: a pattern, what to call it, and why it is on the list."""

    name: str
    kind: MarkerKind  # "challenge": only on challenge pages; "captcha": also on some real pages
    label: str  # German, shown to city IT: what answered
    pattern: re.Pattern[str]
    why: str


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.DOTALL)


MARKERS: tuple[Marker, ...] = (
    Marker(
        "cloudflare_challenge", "challenge", "Cloudflare-Prüfseite",
        _re(r"_cf_chl_opt|cf-chl-|[?&]__cf_chl_|cf-browser-verification|/cdn-cgi/challenge-platform/h/"
            r"|id=[\"']challenge-(?:form|running|stage|error-text)[\"']"),
        "Cloudflare's managed/JS challenge page: the _cf_chl_opt object, cf-chl-* widget ids and the "
        "orchestrate script under /cdn-cgi/challenge-platform/h/. Only the /h/ path: Cloudflare's "
        "'JavaScript detections' inject /cdn-cgi/challenge-platform/scripts/jsd/ into ordinary pages.",
    ),
    Marker(
        "challenge_title", "challenge", "Cloudflare-Prüfseite",
        _re(r"<title>\s*(?:Just a moment|Nur einen Moment|Einen Moment(?: bitte)?\s*(?:\.\.\.|…))"
            r"|<title>\s*Attention Required! \| Cloudflare"),
        "The title of Cloudflare's challenge and block pages (English and German); only in <title>, "
        "where a real page has its own name.",
    ),
    Marker(
        "checking_browser", "challenge", "Browserprüfung",
        _re(r"Checking (?:if the site connection is secure|your browser before accessing)"
            r"|needs to review the security of your connection"),
        "The text of Cloudflare's (and DDoS-Guard's) interstitial while its JavaScript check runs.",
    ),
    Marker(
        "incapsula", "challenge", "Imperva/Incapsula-Sperrseite",
        _re(r"_Incapsula_Resource\?(?:CWUDNSAI|SWUDNSAI)|Incapsula incident ID"),
        "Imperva (Incapsula) block page: an iframe to _Incapsula_Resource?CWUDNSAI=… and 'Request "
        "unsuccessful. Incapsula incident ID'. Not _Incapsula_Resource alone: Imperva injects "
        "_Incapsula_Resource?SWJIYLWA=… scripts into ordinary pages.",
    ),
    Marker(
        "perimeterx", "challenge", "PerimeterX/HUMAN-Prüfseite",
        _re(r"id=[\"']px-captcha[\"']|_pxCaptcha|captcha\.px-cdn\.net|px-cloud\.net/[^\"']*/captcha"),
        "PerimeterX (HUMAN) 'Press & Hold' block page: the px-captcha element and its captcha script. "
        "Not _pxAppId: the sensor script sits on ordinary pages too.",
    ),
    Marker(
        "akamai", "challenge", "Akamai-Sperrseite",
        _re(r"Access Denied.{0,800}?Reference(?:\s|&#32;|&nbsp;)*(?:#|&#35;|&#x23;)(?:\s|&#32;)*[0-9a-f]"),
        "Akamai's edge refusal: 'Access Denied … You don't have permission to access … Reference "
        "#18.…' (written with entities: 'Reference&#32;&#35;18&#46;…'). Both parts together: "
        "'Access Denied' alone is any server's 403 text.",
    ),
    Marker(
        "datadome", "challenge", "DataDome-Prüfseite",
        _re(r"captcha-delivery\.com|geo\.captcha-delivery"),
        "DataDome's block page loads its captcha from captcha-delivery.com; ordinary pages never do.",
    ),
    Marker(
        "sucuri", "challenge", "Sucuri-Sperrseite",
        _re(r"Sucuri WebSite Firewall\s*-\s*(?:Access Denied|CloudProxy)"),
        "Sucuri's firewall block page names itself in its title and heading.",
    ),
    Marker(
        "captcha_widget", "captcha", "Captcha",
        _re(r"class=[\"'][^\"']*\b(?:g-recaptcha|h-captcha|frc-captcha|cf-turnstile)\b"
            r"|google\.com/recaptcha/|recaptcha\.net/recaptcha|hcaptcha\.com/1/api|friendlycaptcha"
            r"|<altcha-widget|challenges\.cloudflare\.com/turnstile"),
        "Captcha widgets (reCAPTCHA, hCaptcha, Friendly Captcha — common on German public sites — "
        "ALTCHA, Turnstile). Also used in contact forms of real pages, hence 'captcha': on a 200 only "
        "together with a short page.",
    ),
    Marker(
        "robot_wording_de", "captcha", "Prüfseite gegen Roboter",
        _re(r"kein(?:e[nr]?)?\s+Roboter|automatisierten?\s+(?:Anfragen|Abrufe|Zugriffe)"
            r"|ungewöhnlich\w*\s+(?:viele\s+)?(?:Anfragen|Datenverkehr|Zugriffe)"
            r"|Sicherheits(?:über)?prüfung\s+(?:Ihres\s+Browsers|wird\s+durchgeführt)"
            r"|dass\s+Sie\s+ein\s+Mensch\s+sind"),
        "German wording of challenge pages ('Bitte bestätigen Sie, dass Sie kein Roboter sind', "
        "'automatisierte Anfragen', 'ungewöhnlicher Datenverkehr'). Umlaut-free where possible, so "
        "pages in Latin-1 or with entities still match. A real text could use the words: 'captcha'.",
    ),
    Marker(
        "robot_wording_en", "captcha", "Prüfseite gegen Roboter",
        _re(r"verify\s+(?:that\s+)?you\s+are\s+(?:a\s+)?human|are\s+you\s+a\s+robot|not\s+a\s+robot"
            r"|unusual\s+traffic|automated\s+(?:requests|queries|access)"),
        "The same wording on English-language challenge pages (EU portals, international CDNs).",
    ),
)
"""Signs of a bot-detection answer, in the order they are tried. Each entry's ``why`` says what
produces it and why it cannot be mistaken for an ordinary page (or, for kind "captcha", why it
needs a short page as well). A new vendor is one more entry; tests/crawler/test_botwall.py holds the bodies
that must and must not be recognised, including the recorded real pages."""

_HTML_START = re.compile(rb"^\s*(?:\xef\xbb\xbf)?\s*<")
_INVISIBLE = re.compile(r"<(script|style|template|svg)\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def is_html(headers: Mapping[str, str], body: bytes) -> bool:
    """A page meant for a browser: declared as HTML, or undeclared and starting with markup."""
    content_type = headers.get("content-type", "").lower()
    if content_type:
        return "html" in content_type
    return bool(_HTML_START.match(body[:512]))


def visible_chars(text: str) -> int:
    """Characters of text a reader would see (scripts, styles and tags removed, whitespace folded)."""
    stripped = _TAG.sub(" ", _INVISIBLE.sub(" ", text))
    return len(_SPACE.sub(" ", html.unescape(stripped)).strip())


def detect(status: int, headers: Mapping[str, str], body: bytes) -> Marker | None:
    """The marker that makes this answer a bot-detection page, or None for an ordinary answer.

    ``headers`` with lower-case names (only ``content-type`` is read).
    """
    if status not in REFUSAL_STATUSES and status not in PAGE_STATUSES:
        return None
    if not body or not is_html(headers, body):
        return None
    text = body[:SCAN_BYTES].decode("utf-8", errors="replace")
    found = [marker for marker in MARKERS if marker.pattern.search(text)]
    if not found:
        return None
    if status in REFUSAL_STATUSES:
        return found[0]
    challenge = next((marker for marker in found if marker.kind == "challenge"), None)
    if challenge is not None:
        return challenge
    return found[0] if visible_chars(text) <= SHORT_PAGE_CHARS else None


def message(url: str, status: int, marker: Marker) -> str:
    """The German failure: what happened, that we stopped, that nothing stored changed, what to do."""
    return (
        f"{BOT_WALL}: {url} antwortete mit einer Prüfseite gegen Roboter (HTTP {status}, {marker.label}). "
        "Der Abruf wurde nicht wiederholt, und das Portal wird in diesem Lauf nicht weiter abgerufen; "
        "gespeicherte Aufrufe bleiben unverändert (nichts wird als verschwunden markiert). "
        "Selektoren anzupassen hilft hier nicht. Abhilfe: einen Export oder eine Schnittstelle des Portals nutzen, "
        "falls es eine gibt (bei der Förderdatenbank den XML-Export: kind: foerderdatenbank_export), oder den "
        "Betreiber bitten, den Abruf "
        "zuzulassen – der User-Agent nennt die Kontaktadresse aus [crawler] contact."
    )


def is_bot_wall(text: str | None) -> bool:
    """Whether a stored failure message (one line or several) reports a bot-detection answer."""
    return bool(text) and any(line.startswith(BOT_WALL) for line in (text or "").splitlines())


def any_bot_wall(messages: Iterable[str]) -> bool:
    return any(is_bot_wall(m) for m in messages)


def first_bot_wall(text: str | None) -> str | None:
    """The first bot-wall line of a stored run message, if any."""
    return next((line for line in (text or "").splitlines() if line.startswith(BOT_WALL)), None)
