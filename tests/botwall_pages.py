"""Bot-detection answers and ordinary pages that resemble them, written for the tests.

The structure follows what the vendors' pages are publicly known to contain (element ids, script
paths, titles, wording); the text around it is invented. Used by tests/crawler/test_botwall.py (body →
detected or not) and served by tests/fault_server.py's ``challenge`` fault.
"""

from __future__ import annotations

CLOUDFLARE = b"""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"><meta name="robots" content="noindex,nofollow"></head>
<body><div class="main-wrapper" role="main"><div class="main-content">
<noscript><div id="challenge-error-title">Enable JavaScript and cookies to continue</div></noscript>
</div></div>
<script>(function(){window._cf_chl_opt={cvId: '3',cZone: 'portal.example.org',cType: 'managed'};
var cpo=document.createElement('script');cpo.src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=1';
document.getElementsByTagName('head')[0].appendChild(cpo);}());</script></body></html>"""

CLOUDFLARE_DE = b"""<!DOCTYPE html><html lang="de-DE"><head><title>Nur einen Moment\xe2\x80\xa6</title></head>
<body><p>portal.example.org muss die Sicherheit Ihrer Verbindung \xc3\xbcberpr\xc3\xbcfen.</p></body></html>"""

CHECKING_BROWSER = b"""<html><head><title>Bitte warten</title></head><body>
<h1>Checking your browser before accessing portal.example.org.</h1>
<p>This process is automatic. Your browser will redirect shortly.</p></body></html>"""

INCAPSULA = b"""<html style="height:100%"><head><META NAME="ROBOTS" CONTENT="NOINDEX, NOFOLLOW"></head>
<body style="margin:0px;height:100%"><iframe id="main-iframe"
src="/_Incapsula_Resource?CWUDNSAI=9&xinfo=1-2-0&incident_id=123-456&edet=12" frameborder=0 width="100%" height="100%">
Request unsuccessful. Incapsula incident ID: 123-456</iframe></body></html>"""

PERIMETERX = b"""<html lang="de"><head><title>Zugriff verweigert</title></head><body>
<h1>Bitte halten Sie die Taste gedr\xc3\xbcckt</h1><div id="px-captcha"></div>
<script src="https://captcha.px-cdn.net/PXabc/captcha.js"></script></body></html>"""

AKAMAI = b"""<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n
You don't have permission to access "http&#58;&#47;&#47;portal&#46;example&#46;org&#47;" on this server.<P>
Reference&#32;&#35;18&#46;5c2a1602&#46;1767000000&#46;1a2b3c4d\n</BODY>\n</HTML>"""

DATADOME = b"""<html><head><title>portal.example.org</title></head><body>
<p>Please enable JS and disable any ad blocker</p>
<iframe src="https://geo.captcha-delivery.com/captcha/?initialCid=abc" width="100%" height="100%"></iframe>
</body></html>"""

# A German public-sector style bot check: Friendly Captcha and the wording, served with 200.
GERMAN_CAPTCHA = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Sicherheitsabfrage</title>
<script type="module" src="/static/friendlycaptcha/widget.module.min.js" async defer></script></head>
<body><main><h1>Sicherheitsabfrage</h1>
<p>Wir haben ungewöhnlich viele Anfragen von Ihrem Anschluss erhalten. Bitte bestätigen Sie, dass Sie
kein Roboter sind, damit wir automatisierte Anfragen von echten Besuchen unterscheiden können.</p>
<form method="post" action="/verify"><div class="frc-captcha" data-sitekey="FCMEXAMPLE"></div>
<button type="submit">Weiter</button></form></main></body></html>""".encode()

# 429 with an ALTCHA widget and a short German text.
ALTCHA_429 = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Zu viele Anfragen</title></head>
<body><h1>Zu viele Anfragen</h1><p>Bitte lösen Sie die Aufgabe, um fortzufahren.</p>
<form><altcha-widget challengeurl="/altcha/challenge"></altcha-widget></form></body></html>""".encode()

RECAPTCHA_403 = b"""<html><head><title>403</title><script src="https://www.google.com/recaptcha/api.js"></script></head>
<body><form><div class="g-recaptcha" data-sitekey="6Lexample"></div></form></body></html>"""

HCAPTCHA_503 = b"""<html><body><p>Please verify you are human.</p><div class="h-captcha" data-sitekey="x"></div>
<script src="https://js.hcaptcha.com/1/api.js" async defer></script></body></html>"""

# -- ordinary answers that must not count -------------------------------------------------------

PLAIN_403 = b"<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1>" \
    b"<p>You don't have permission to access this resource.</p></body></html>"
PLAIN_ACCESS_DENIED = b"<html><body><h1>Access Denied</h1><p>Zugriff verweigert.</p></body></html>"
MAINTENANCE_503 = b"<!DOCTYPE html><html><body><h1>Wartungsarbeiten</h1><p>Bitte sp\xc3\xa4ter.</p></body></html>"
JSON_403 = b'{"error": "forbidden", "hint": "captcha required", "detail": "automated requests are blocked"}'


def long_page(extra: str) -> bytes:
    """A real-looking programme page (thousands of characters of text) with ``extra`` inside it."""
    paragraph = (
        "<p>Gefördert werden Vorhaben von Kommunen und kommunalen Unternehmen zur Digitalisierung der "
        "Verwaltung, zum Ausbau von Bürgerdiensten und zur Vernetzung von Fachverfahren im Land.</p>"
    )
    return (
        "<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'><title>Beispielprogramm</title></head>"
        f"<body><main><h1 class='title'>Beispielprogramm</h1>{paragraph * 30}{extra}</main></body></html>"
    ).encode()


# A contact form with reCAPTCHA at the end of a long page: a captcha, but no bot wall.
LONG_WITH_RECAPTCHA = long_page(
    "<h2>Kontakt</h2><form><div class='g-recaptcha' data-sitekey='6Lexample'></div></form>"
    "<script src='https://www.google.com/recaptcha/api.js'></script>"
)
# A programme text that talks about automated requests (an IT-security programme).
LONG_MENTIONING_ROBOTS = long_page(
    "<p>Gefördert wird auch der Schutz von Online-Diensten gegen automatisierte Anfragen und Bots.</p>"
)
# Cloudflare's "JavaScript detections" and Imperva inject scripts into ordinary pages.
LONG_WITH_CLOUDFLARE_JSD = long_page(
    "<script src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'></script>"
    "<script>window.__CF$cv$params={r:'1',t:'2'};</script>"
)
LONG_WITH_INCAPSULA_SCRIPT = long_page(
    "<script type='text/javascript' src='/_Incapsula_Resource?SWJIYLWA=719d34d31c8e3a6e6fffd425f7e032f3'></script>"
)
SHORT_WITH_INJECTED_SCRIPTS = (
    b"<html><body><h1>Wartungsarbeiten</h1>"
    b"<script src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'></script>"
    b"<script src='/_Incapsula_Resource?SWJIYLWA=719d34d3'></script></body></html>"
)
EU_SPECIFIC_CHALLENGE = long_page("<span class='topicdescriptionkind'>Specific Challenge</span>: <p>Europe faces</p>")
