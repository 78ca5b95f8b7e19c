"""FundingCall.contact and .links (issue 14's cards): what the model keeps of them, what it refuses,
and that a call without them hashes exactly as before they existed (no mass GEÄNDERT after 0015)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from foerderradar.calls_io import line_problem
from foerderradar.model import MAX_CONTACT, MAX_LINKS, FundingCall

BASE: dict[str, Any] = {"source": "nrw", "source_id": "gigabit", "url": "https://www.example.org/gigabit",
                        "title": "Gigabit-Förderung"}
# The same call's content hash as the release before contact and links computed it (pinned on main).
RICH: dict[str, Any] = {
    **BASE, "title": "Gigabit-Förderung", "summary": "Zuschuss für Glasfaser.", "deadline": "2027-03-31",
    "regions": ["DE-NW"], "applicants": ["kommune"], "funding_rate_pct": 50,
    "published_at": "2026-01-02T03:04:05+01:00",
}
RICH_HASH_BEFORE_0015 = "01a3e567027b93c9c63316749eebd5dbcca9bab8328b72f1258c802f374e060f"

LONG = "Projektträger " + "sehr " * 80 + "lang"
# (input contact, stored contact)
CONTACTS: list[tuple[Any, str | None]] = [
    (None, None),
    ("", None),
    ("   \n\t ", None),
    ("  Bezirksregierung Detmold,\n  dezernat34@example.org,\tTel. 05231 71-0 ",
     "Bezirksregierung Detmold, dezernat34@example.org, Tel. 05231 71-0"),
    ("Amt\u202e für Digitales", "Amt für Digitales"),  # a bidi override never reaches a card
    (LONG, LONG[: MAX_CONTACT - 1].rstrip() + "…"),
]


@pytest.mark.parametrize(("given", "stored"), CONTACTS)
def test_contact_is_one_trimmed_line(given: Any, stored: str | None) -> None:
    call = FundingCall.model_validate({**BASE, "contact": given})
    assert call.contact == stored
    assert call.contact is None or len(call.contact) <= MAX_CONTACT


def _link(label: str | None, url: str) -> dict[str, Any]:
    return {"label": label, "url": url}


# (input links, stored [(label, url)] or None)
LINKS: list[tuple[Any, list[tuple[str, str]] | None]] = [
    (None, None),
    ([], None),  # none is None: the call hashes as before
    ([_link("Richtlinie", "https://a.example/rl.pdf")], [("Richtlinie", "https://a.example/rl.pdf")]),
    ([_link("Richtlinie", "https://a.example/rl.pdf"), _link("Noch einmal", "https://a.example/rl.pdf")],
     [("Richtlinie", "https://a.example/rl.pdf")]),  # one per address, the first label wins
    ([_link("", "https://www.beispiel.de/info"), _link(None, "http://b.example")],
     [("www.beispiel.de", "https://www.beispiel.de/info"), ("b.example", "http://b.example")]),  # host as label
    ([_link("  Merk-\n  blatt  ", "https://a.example/m")], [("Merk- blatt", "https://a.example/m")]),
    ([_link(f"L{i}", f"https://a.example/{i}") for i in range(15)],
     [(f"L{i}", f"https://a.example/{i}") for i in range(MAX_LINKS)]),
]


@pytest.mark.parametrize(("given", "stored"), LINKS)
def test_links_are_labelled_unique_and_at_most_ten(given: Any, stored: list[tuple[str, str]] | None) -> None:
    call = FundingCall.model_validate({**BASE, "links": given})
    assert (None if call.links is None else [(link.label, link.url) for link in call.links]) == stored


# (links, the German problem a `calls import` line reports)
BAD_LINKS: list[tuple[Any, str]] = [
    ([_link("x", "javascript:alert(1)")], "links[0].url: 'javascript:alert(1)' ist keine vollständige http(s)-Adresse"),
    ([_link("ok", "https://a.example"), _link("x", "/relativ.pdf")], "links[1].url: '/relativ.pdf' ist keine"),
    ([{"url": "https://a.example", "label": "x", "typ": "pdf"}], "links[0].typ: unbekanntes Feld"),
]


@pytest.mark.parametrize(("links", "problem"), BAD_LINKS)
def test_a_bad_link_is_refused_in_german(links: Any, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        FundingCall.model_validate({**BASE, "links": links})
    assert problem in line_problem(caught.value)


def test_a_call_without_contact_and_links_hashes_as_before_they_existed() -> None:
    call = FundingCall.model_validate(RICH)
    assert call.content_hash() == RICH_HASH_BEFORE_0015
    assert '"contact"' not in call.canonical_json() and '"links"' not in call.canonical_json()


@pytest.mark.parametrize("extra", [
    {"contact": "Bezirksregierung Detmold"},
    {"links": [_link("Richtlinie", "https://a.example/rl.pdf")]},
])
def test_contact_or_links_once_set_are_part_of_the_hash(extra: dict[str, Any]) -> None:
    with_it = FundingCall.model_validate({**RICH, **extra})
    assert with_it.content_hash() != RICH_HASH_BEFORE_0015
    changed = {k: (v + " (neu)" if isinstance(v, str) else [_link("Merkblatt", "https://a.example/m")])
               for k, v in extra.items()}
    assert FundingCall.model_validate({**RICH, **changed}).content_hash() != with_it.content_hash()
