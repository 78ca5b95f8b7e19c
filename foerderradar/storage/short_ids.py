"""Short call ids (``calls.short_id``): what a person reads in the digest, says on the phone and
types into ``calls mark`` instead of ``foerderdatenbank:FDB/Content/DE/Foerderprogramm/…``.

A short id is the start of the call id's SHA-256 spelled in Crockford's base32 (digits and upper-case
letters without I, L, O and U: nothing to confuse with 1 and 0, no accidental words), five characters
long — ``K7Q2M``. Why these choices:

- *Derived from the call id, not counted*: the same call gets the same short id in every database
  (a rebuilt store, an export imported elsewhere, the test database), and two crawl workers storing
  calls at once need no shared counter.
- *Five characters*: 32⁵ ≈ 33.5 million values. A Land-wide store of 50,000 calls has about 37 pairs
  sharing their first five characters, a Förderdatenbank-sized one (2,500) one pair in about eleven
  stores; six characters for everyone would make every id harder to read aloud to spare those few.
- *Collisions*: a call whose five characters are taken gets the shortest longer prefix of its own
  code that is free (six characters, rarely seven) — deterministic, and still a prefix of its code.
  Which of two colliding calls keeps the short form depends on which was stored first; once given, a
  short id never changes (the store writes it only when it inserts the row).
- *Never a ``:``*: every full call id is ``source:source_id`` and so contains one; a short id never
  does, so one text can never be both, and the resolver tries the full id first without ambiguity.

Reading one back (:func:`normalized`) forgives what people do when they type: any case, spaces
around it, and Crockford's look-alikes (``O`` for ``0``, ``I`` or ``L`` for ``1``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Container

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
LENGTH = 5  # the usual length
MAX_LENGTH = 16  # the column's width: 80 bits of the hash, beyond any collision that can happen
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def code(call_id: str) -> str:
    """The call id's SHA-256 in Crockford's base32, as long as a short id can be."""
    number = int.from_bytes(hashlib.sha256(call_id.encode("utf-8")).digest(), "big")
    bits = 256
    digits = []
    for _ in range(MAX_LENGTH):
        bits -= 5
        digits.append(ALPHABET[(number >> bits) & 31])
    return "".join(digits)


def candidates(call_id: str) -> list[str]:
    """The short ids this call may get, in order of preference: its code's prefixes, shortest first."""
    spelled = code(call_id)
    return [spelled[:n] for n in range(LENGTH, MAX_LENGTH + 1)]


def short_id(call_id: str, taken: Container[str] = frozenset()) -> str:
    """The shortest of the call's :func:`candidates` not in ``taken`` (the short ids already given).

    Raises ValueError when every one is taken — which only happens when ``taken`` holds this very
    call's ids (the same call stored twice), never for two different calls in practice."""
    for candidate in candidates(call_id):
        if candidate not in taken:
            return candidate
    raise ValueError(f"no free short id for {call_id!r}")


def assign(call_ids: list[str], taken: set[str] | None = None) -> dict[str, str]:
    """Short ids for many calls at once, in the order given (earlier calls win a collision);
    ``taken`` (updated) holds the short ids given before. The migration that filled older stores."""
    given = taken if taken is not None else set()
    out: dict[str, str] = {}
    for call_id in call_ids:
        out[call_id] = short_id(call_id, given)
        given.add(out[call_id])
    return out


def normalized(typed: str) -> str | None:
    """``typed`` as the short id it means (upper case, look-alikes read as digits), or None when it
    cannot be one (a full id with ``:``, a wrong length, a character outside the alphabet)."""
    text = typed.strip().upper().translate(_LOOKALIKES)
    if not LENGTH <= len(text) <= MAX_LENGTH or any(char not in ALPHABET for char in text):
        return None
    return text
