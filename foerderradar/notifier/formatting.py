"""German wording for numbers, dates and counts, shared by the digest data and both templates.

Kept in one place so that the HTML and the plain-text mail can never disagree about how a
deadline or an amount reads.
"""

from __future__ import annotations

import re
from datetime import date, datetime

NBSP = "\u00a0"  # keeps "200.000 €" and "80 %" on one line in narrow mail clients
MAX_TEXT_LABEL = 80  # a portal's free-text deadline wording is shown, but never a whole paragraph


def german_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def german_number(value: float, decimals: int = 0) -> str:
    """1234567.5 → "1.234.567,5": German separators without depending on the process locale."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def euro(amount: float) -> str:
    return f"{german_number(round(amount))}{NBSP}€"


def percent(rate: float) -> str:
    decimals = 0 if float(rate).is_integer() else 1
    return f"{german_number(rate, decimals)}{NBSP}%"


def plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def deadline_label(deadline: date | None, deadline_text: str | None) -> str:
    if deadline is not None:
        return german_date(deadline)
    if deadline_text:
        text = " ".join(deadline_text.split())
        return text if len(text) <= MAX_TEXT_LABEL else text[: MAX_TEXT_LABEL - 1] + "…"
    return "keine Angabe"


def days_left_label(days_left: int | None) -> str | None:
    if days_left is None:
        return None
    if days_left < 0:
        return "abgelaufen"
    if days_left == 0:
        return "endet heute"
    return f"noch {days_left} {plural(days_left, 'Tag', 'Tage')}"


def soon_window(soon_days: int) -> str:
    return "bis morgen" if soon_days == 1 else f"in den nächsten {soon_days} Tagen"


def summary_line(new: int, changed: int, soon: int, soon_days: int) -> str:
    """The one line that says whether opening the mail is worth it, e.g.
    "3 neue passende Förderaufrufe, 1 Frist in den nächsten 14 Tagen"."""
    if new == 0:
        parts = ["keine neuen passenden Förderaufrufe"]
    else:
        parts = [f"{new} {plural(new, 'neuer passender Förderaufruf', 'neue passende Förderaufrufe')}"]
    if changed:
        parts.append(f"{changed} {plural(changed, 'geänderter Förderaufruf', 'geänderte Förderaufrufe')}")
    window = soon_window(soon_days)
    parts.append(f"keine Frist {window}" if soon == 0 else f"{soon} {plural(soon, 'Frist', 'Fristen')} {window}")
    line = ", ".join(parts)
    return line[0].upper() + line[1:]


def more_label(hidden: int) -> str:
    return f"… und {hidden} {plural(hidden, 'weiterer Treffer', 'weitere Treffer')}"


WEEKDAYS_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


def weekday_date_time(moment: datetime) -> str:
    """``Sa 05.12.2026, 07:00 Uhr`` — German weekday, whatever the machine's locale (``%a`` is not)."""
    return f"{WEEKDAYS_DE[moment.weekday()]} {moment:%d.%m.%Y, %H:%M} Uhr"


def week_label(as_of: date) -> str:
    """``KW 49/2026`` — how German offices name a week (the ISO week, so the year may differ from
    the calendar year in the first days of January)."""
    year, week, _ = as_of.isocalendar()
    return f"KW{NBSP}{week}/{year}"


# Abbreviations whose period does not end a sentence ("bis zu 80 %, max. 200.000 €", "z. B. WLAN").
_ABBREVIATIONS = ("z. B.", "z.B.", "u. a.", "u.a.", "bzw.", "ca.", "max.", "min.", "mind.", "Nr.", "inkl.",
                  "ggf.", "d. h.", "i. d. R.", "sog.", "vgl.", "e.g.", "i.e.", "etc.", "Abs.", "Art.", "ff.")
MAX_SENTENCE = 130


def first_sentence(text: str | None, limit: int = MAX_SENTENCE) -> str | None:
    """The first sentence of a portal's summary, for "what is funded" on a card: enough to judge a
    card without opening the link, never a paragraph. Cut at a word boundary with "…" if the
    sentence is longer than ``limit``."""
    if not text:
        return None
    flat = " ".join(text.split())
    end = len(flat)
    start = 0
    while True:
        stop = min((i for i in (flat.find(p, start) for p in (". ", "! ", "? ")) if i >= 0), default=-1)
        if stop < 0:
            break
        word = flat[:stop].rsplit(" ", 1)[-1]
        # "z. B.", "i. d. R.", "1. Januar", "max.": a single letter, a number or a known abbreviation
        if len(word) > 1 and not word.isdigit() and not any(flat[: stop + 1].endswith(a) for a in _ABBREVIATIONS):
            end = stop + 1
            break
        start = stop + 1
    sentence = flat[:end]
    if len(sentence) > limit:
        cut = sentence[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:–- ")
        sentence = cut + "…"
    return sentence or None


def own_share_label(rate: float) -> str | None:
    """What the municipality pays itself at the highest rate: "Eigenanteil mind. 25 %" (none at 100 %)."""
    share = 100 - rate
    return None if share <= 0 else f"Eigenanteil ab {percent(share)}"


_ACRONYM = re.compile(r"\s*\((?P<short>[A-ZÄÖÜ][A-Za-zÄÖÜäöü.]*[A-ZÄÖÜ][A-Za-zÄÖÜäöü.]*)\)$")


def short_body(name: str) -> str:
    """"Bundesministerium des Innern (BMI)" → "BMI": a card names the funding body in a few letters
    when the portal gives its usual abbreviation; otherwise the name as it is."""
    found = _ACRONYM.search(name)
    return found.group("short") if found and " " not in found.group("short") else name



def period_label(period: str) -> str:
    """A digest period ("2026-W49", the ledger's key) as people say it: "KW 49/2026"."""
    year, _, week = period.partition("-W")
    return f"KW {int(week)}/{year}" if week.isdigit() and year.isdigit() else period
