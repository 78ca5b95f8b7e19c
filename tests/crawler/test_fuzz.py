"""A small fixed-seed run of bench/fuzz_inputs.py: mutated recordings never crash a parse callback.

The recordings are read in place from ../shared/captures (skipped without them, like every capture
test). The full run (thousands of cases) and its figures are in docs/reliability.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import PROJECT

sys.path.insert(0, str(PROJECT / "bench"))

import fuzz_inputs

CASES = 300


def test_fixed_seed_fuzz_run_has_no_crashes(captures: Path) -> None:
    report = fuzz_inputs.fuzz(captures, CASES, seed=20261203)
    assert report.crashes == []
    assert report.cases == CASES
    accounted = report.accepted + sum(report.rejected.values()) + len(report.slow) + len(report.crashes)
    assert accounted == CASES  # every case ends in exactly one outcome
    # The run reaches every way of saying no, and still gets valid calls through.
    assert {"layout", "source", "sedia_response"} <= set(report.rejected)
    assert report.items_valid > 0 and report.requests > 0
    assert len(report.by_target) == len(fuzz_inputs.targets())


def test_each_target_reads_its_unmutated_recording(captures: Path) -> None:
    """The control: without damage every callback finishes and yields valid calls or requests."""
    for target in fuzz_inputs.targets():
        report = fuzz_inputs.Report()
        body = target.wrap((captures / target.capture).read_bytes())
        assert fuzz_inputs.run_case(target, body, report) is None, target.name
        assert report.accepted == 1 and report.items == report.items_valid, target.name
        assert report.items_valid + report.requests > 0, target.name


@pytest.mark.parametrize("trick", range(len(fuzz_inputs.XML_ENTITY_TRICKS)))
def test_xml_entities_are_never_expanded(captures: Path, trick: int) -> None:
    [target] = [t for t in fuzz_inputs.targets() if "rss" in t.name]
    body = (captures / target.capture).read_bytes()
    header = fuzz_inputs.XML_ENTITY_TRICKS[trick].encode()
    use = b"&xxe;" if b"xxe" in header else b"&f;"
    declaration = b'<?xml version="1.0" encoding="UTF-8"?>'
    hostile = body.replace(declaration, declaration + header)
    hostile = hostile.replace(b"<title>OTH", b"<title>" + use + b"OTH")
    assert hostile != body
    report = fuzz_inputs.Report()
    assert fuzz_inputs.run_case(target, hostile, report) is None
    texts = [str(x) for x in report.__dict__.values()]
    assert not any("root:" in t for t in texts)


def test_a_crash_is_counted_not_hidden(captures: Path) -> None:
    """The harness itself can fail: a callback raising an unexpected error is a crash with its place."""

    def broken(response: object) -> list[object]:
        raise KeyError("metadata")

    target = fuzz_inputs.Target("broken", "service-bund/servicebund_rss_ausschreibungen_1.xml",
                                fuzz_inputs.SERVICE_BUND, "xml", broken)
    report = fuzz_inputs.fuzz(captures, 5, seed=1, only=[target])
    assert len(report.crashes) == 5
    assert report.crashes[0].error.startswith("KeyError")
    assert "test_fuzz.py" in report.crashes[0].where


DEEP = b"[" * 100_000 + b"]" * 100_000
# Crashes the fuzz run found, kept as fixed cases: (target name part, body, expected rejection).
FOUND = [
    ("sedia item", b'{"totalResults": 1, "results": ' + DEEP + b"}", "sedia_response"),
    ("sedia search → eu_sedia", DEEP, "sedia_response"),
    ("sedia search → json kind", b'{"results": ' + DEEP + b"}", "source"),
]


@pytest.mark.parametrize(("name", "body", "rejection"), FOUND, ids=[f[0] for f in FOUND])
def test_crashes_found_by_fuzzing_stay_fixed(name: str, body: bytes, rejection: str) -> None:
    [target] = [t for t in fuzz_inputs.targets() if t.name.startswith(name)]
    report = fuzz_inputs.Report()
    assert fuzz_inputs.run_case(target, body, report) is None
    assert report.rejected == {rejection: 1}
