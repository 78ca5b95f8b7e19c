"""Numbers, euro amounts and percentages as German (and EU English) portals write them.

"1.500.000,00 €", "EUR 1 500 000", "1,5 Mio. Euro", "250 T€", "30k€", "2.500,- EUR"; "50 %",
"50 Prozent", "50 v. H.", "80 vom Hundert", "50 per cent".

Decisions:

- Both separators: the last one is the decimal separator ("1.500.000,50" and "1,500,000.50").
- One kind of separator: in running text, a last group of exactly three digits groups thousands
  whichever the separator ("200.000 €", and "EUR 1,500" on an English EU page), unless a scale word
  follows ("1,500 Mio. EUR" is 1.5 million). In a field value (:func:`parse_number`) one comma is a
  German decimal comma ("1,500" is 1.5) and one dot groups thousands only in "200.000": a portal's
  own field is German-formatted, running text may be either language.
- Scale words: Mrd./Milliarde(n)/billion 10⁹, Mio./Million(en) 10⁶, Tsd./Tausend/thousand/T€/k€ 10³.

Which amount of a text is the per-project maximum is not decided here (``crawler/textextract.py``).
"""

from __future__ import annotations

import re

# A number in running text: grouped ("1.500.000,00", "1 500 000") or plain ("150", "1,5");
# "2.500,-" and "2.500,--" are whole euros.
NUMBER = r"(?P<num>\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?:,[-–]{1,2})?"
SCALE = (
    r"(?P<scale>Mrd\.?|Milliarden?|Mio\.?|Millionen|Million|Tsd\.?|Tausend|thousand|billion"
    r"|T(?=EUR|€)|k(?=€|\b))?"
)
CURRENCY = r"(?:EUR\b|Euro\b|€)"
# A euro amount: "EUR 1,5 Mio." or "1,5 Mio. Euro"; groups num and scale.
AMOUNT_PATTERNS = (
    re.compile(CURRENCY + r"\s{0,3}" + NUMBER + r"\s{0,3}" + SCALE, re.IGNORECASE),
    re.compile(r"(?<![\d.,])" + NUMBER + r"\s{0,3}" + SCALE + r"\s{0,3}" + CURRENCY, re.IGNORECASE),
)
# A percentage: "50 %", "12,5 Prozent", "50 v. H.", "80 vom Hundert"; group rate.
PERCENT = re.compile(
    r"(?<![\d.,])(?P<rate>\d{1,3}(?:[.,]\d{1,2})?)\s?(?:%|prozent\b|v\.\s?h\.|vom hundert\b|per ?cent\b|percent\b)",
    re.IGNORECASE,
)
SCALE_FACTOR = {
    "mrd": 1e9, "milliarde": 1e9, "milliarden": 1e9, "billion": 1e9,
    "mio": 1e6, "millionen": 1e6, "million": 1e6,
    "tsd": 1e3, "tausend": 1e3, "thousand": 1e3, "t": 1e3, "k": 1e3,
}  # fmt: skip


def _last_separator_decimal(digits: str) -> str:
    """Both separators written: the last one is the decimal separator, the other groups thousands."""
    decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
    return digits.replace("." if decimal == "," else ",", "").replace(decimal, ".")


def amount_value(raw: str, scale: str | None = None) -> float | None:
    """The value of an amount in running text: ``raw`` as :data:`NUMBER` reads it, ``scale`` as
    :data:`SCALE` ("1.500.000,50" → 1500000.5, "1,5" with "Mio." → 1500000.0)."""
    raw = re.sub(r"[\s\u00a0\u202f]|,[-–]+$", "", raw)
    if "." in raw and "," in raw:
        raw = _last_separator_decimal(raw)
    elif "," in raw or "." in raw:
        separator = "," if "," in raw else "."
        head, _, tail = raw.rpartition(separator)
        groups_thousands = len(tail) == 3 and not scale
        raw = raw.replace(separator, "") if groups_thousands else f"{head.replace(separator, '')}.{tail}"
    try:
        value = float(raw)
    except ValueError:
        return None
    return value * SCALE_FACTOR.get((scale or "").lower().rstrip("."), 1.0)


def percent_value(raw: str) -> float:
    """The value of :data:`PERCENT`'s rate group: "12,5" → 12.5."""
    return float(raw.replace(",", "."))


_FIELD_NUMBER = re.compile(r"\d[\d.,'’]*")
_FIELD_SCALE = re.compile(r"^\s*(mrd|milliarde|billion|mio|million|tsd|tausend|thousand|k\b)", re.IGNORECASE)


def parse_number(text: str) -> float | None:
    """The first number of a field value, or None: ``1.250.000,50 €``, ``1,5 Mio.``, ``80 %``, ``1'000``.

    One comma is a decimal comma (German); one dot followed by exactly three digits is a thousands
    separator (``200.000``), as German portals write it. Separators no reading makes sense of
    ("1.599,99.50") give None.
    """
    match = _FIELD_NUMBER.search(text)
    if match is None:
        return None
    digits = match.group().rstrip(".,").replace("'", "").replace("’", "")
    if "," in digits and "." in digits:
        digits = _last_separator_decimal(digits)
    elif digits.count(",") == 1:
        digits = digits.replace(",", ".")
    elif digits.count(",") > 1 or digits.count(".") > 1 or re.fullmatch(r"\d{1,3}\.\d{3}", digits):
        digits = digits.replace(",", "").replace(".", "")
    try:
        number = float(digits)
    except ValueError:
        return None
    scale = _FIELD_SCALE.match(text[match.end() :])
    return number * SCALE_FACTOR[scale.group(1).lower()] if scale else number


__all__ = [
    "AMOUNT_PATTERNS", "CURRENCY", "NUMBER", "PERCENT", "SCALE", "SCALE_FACTOR", "amount_value", "parse_number",
    "percent_value",
]  # fmt: skip
