"""A light German stemmer: the same word in different shapes goes to the same stem.

It does not have to be linguistically right, only symmetric: "Verwaltungen", "Verwaltung" and
"verwalten" all end as "verwalt", so a measure and a call meet whichever form each uses. Words are
expected folded (:func:`foerderradar.german.fold.fold`).
"""

from __future__ import annotations

INFLECTIONS = ("ern", "en", "er", "es", "e", "s", "n")
DERIVATIONS = ("ung", "heit", "keit", "lich", "isch")
LINKING = ("s", "es", "n", "en")  # the Fugen-s/-n between the parts of a compound
MIN_STEM = 4


def stem(token: str) -> str:
    """Strip one inflection, then one derivation suffix (never below four letters), drop umlauts.

    Two passes keep the result consistent: "öffentlichen" and "öffentlich" both end as "offent",
    "Verwaltungen", "Verwaltung" and "verwalten" all as "verwalt".
    """
    if len(token) <= MIN_STEM or not token.isalpha():
        return token
    for group in (INFLECTIONS, DERIVATIONS):
        for suffix in group:
            if suffix == "s" and token.endswith("ss"):  # "Anschluss", "process": no plural -s
                break
            if token.endswith(suffix) and len(token) - len(suffix) >= MIN_STEM:
                token = token[: -len(suffix)]
                break
    # Umlaut plurals: "Plätze"/"Platz", "Anschlüsse"/"Anschluss", "Abläufe"/"Ablauf".
    return drop_umlaut_e(token)


def inflection_stem(token: str) -> str:
    """Only the inflection stripped (and umlauts dropped): "Schulungen" → "schulung", where
    :func:`stem` goes on to "schul" and meets "Schule". Tells a derived word from its base."""
    if len(token) <= MIN_STEM or not token.isalpha():
        return token
    for suffix in INFLECTIONS:
        if suffix == "s" and token.endswith("ss"):
            break
        if token.endswith(suffix) and len(token) - len(suffix) >= MIN_STEM:
            token = token[: -len(suffix)]
            break
    return drop_umlaut_e(token)


def drop_umlaut_e(token: str) -> str:
    """The spelled-out umlaut as its plain vowel ("plaetz" → "platz"): singular and plural meet."""
    return token.replace("ae", "a").replace("oe", "o").replace("ue", "u")


__all__ = ["DERIVATIONS", "INFLECTIONS", "LINKING", "MIN_STEM", "drop_umlaut_e", "inflection_stem", "stem"]
