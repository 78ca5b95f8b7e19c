"""Hostile scraped text at the edge: what the canonical model keeps, strips and shortens."""

from __future__ import annotations

import pytest

from foerderradar.model import MAX_TITLE, FundingCall


def make(**kw: object) -> FundingCall:
    return FundingCall.model_validate({"source": "t", "source_id": "1", "url": "https://t.example/1",
                                       "title": "Titel", **kw})


CASES = [
    ("rtl override in title", {"title": "Förderung \u202egnuredröF"}, "title", "Förderung gnuredröF"),
    ("isolates", {"title": "A\u2066B\u2069C"}, "title", "ABC"),
    ("escape sequence", {"title": "Rot\x1b[31m!"}, "title", "Rot[31m!"),
    ("null byte in summary", {"summary": "a\x00b"}, "summary", "ab"),
    ("newlines stay in description", {"description": "Zeile 1\nZeile 2\tTab"}, "description", "Zeile 1\nZeile 2\tTab"),
    ("title made one line", {"title": "A\r\nBcc: x@y.de"}, "title", "A Bcc: x@y.de"),
    ("only controls is empty", {"summary": "\x01\u202e"}, "summary", None),
    ("script stays text (escaped on output)", {"title": "<script>alert(1)</script>"}, "title",
     "<script>alert(1)</script>"),
]


@pytest.mark.parametrize(("case", "data", "field", "expected"), CASES, ids=[c[0] for c in CASES])
def test_untrusted_text_is_cleaned_at_the_edge(
    case: str, data: dict[str, object], field: str, expected: object
) -> None:
    assert getattr(make(**data), field) == expected


def test_a_10_kb_title_is_kept_shortened() -> None:
    call = make(title="Gigabit " * 1300)
    assert len(call.title) == MAX_TITLE and call.title.endswith("…")


def test_a_title_of_only_controls_is_an_error() -> None:
    with pytest.raises(ValueError, match="title"):
        make(title="\x00\u202e")
