"""The CSS selector checks the kinds ``html`` and ``watch`` share.

Every CSS selector is compiled when ``portals.yaml`` is loaded, so ``item: "div.teaser["`` is an
error naming the entry and the key (``portals[3].item: …``) in ``portals list`` — not a crawl that
silently finds nothing. Selectors that must pick elements (``item``, ``region``, ``ignore``) may not
end in ``::text`` or ``::attr(…)``. Only parsel's CSS translator (lxml + cssselect) is needed, and
only when a selector is checked: no Scrapy.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

from foerderradar.config_messages import css_problem

_VALUE_PSEUDO = re.compile(r"::(?:text|attr\([^()]*\))\s*$")


def check_css(query: str, *, elements: bool = False) -> str:
    """``query`` if it is a CSS selector parsel understands, else ValueError saying what is wrong.

    ``elements``: the selector must pick elements, not text or attribute values.
    """
    from cssselect import SelectorError
    from parsel.csstranslator import HTMLTranslator

    if not isinstance(query, str) or not query.strip():
        raise ValueError("ein CSS-Selektor darf nicht leer sein")
    try:
        HTMLTranslator().css_to_xpath(query)
    except SelectorError as exc:
        raise ValueError(f"{query!r} ist kein gültiger CSS-Selektor: {css_problem(str(exc))}") from None
    if elements and "::" in query:
        raise ValueError(f"{query!r} muss Elemente auswählen; ::text bzw. ::attr(…) am Ende entfernen")
    return query


def is_value_query(query: str) -> bool:
    """Does the selector end in ``::text`` or ``::attr(name)`` (a value, not an element)?"""
    return bool(_VALUE_PSEUDO.search(query))


# A selector of elements, checked where it stands: a mistake in a list is named with its position.
ElementSelector = Annotated[str, AfterValidator(lambda query: check_css(query, elements=True))]
