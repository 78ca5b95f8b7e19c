"""bench/multi_kommune.py at tiny sizes: the properties it reports hold, whatever the timings.

Three municipalities share 40 stored calls: matching all of them reads the calls once (not once per
municipality), all digests go over one SMTP connection, and a sending run killed with SIGKILL
halfway and run again leaves exactly one mail per (municipality, recipient) at the sink. No
wall-clock assertions: the figures themselves are for docs/benchmarks.md.
"""

from __future__ import annotations

from bench_modules import load


def test_quick_bench_reads_calls_once_and_sends_each_digest_exactly_once() -> None:
    bench = load("multi_kommune")
    [result] = [r for r in bench.main(["--quick", "--calls", "40", "--kommunen", "1,3", "--measures", "2"])
                if r["backend"] == "SQLite"]
    once = {"iter_calls": 1, "sources": 1, "calls_fingerprint": 1, "count_calls": 1}
    assert [(r["kommunen"], r["full_reads"], r["computed"]) for r in result["match"]] == [(1, once, 1), (3, once, 3)]
    for row in result["send"]:
        assert row["full_reads"] == {"sources": 1, "calls_fingerprint": 1}  # verdicts stored: read, not matched
        assert row["connections"] == 1 and row["received"] == row["done"] == row["kommunen"]
    restart = result["restart"]
    assert restart["killed"] and restart["before_kill"] == 1  # killed as it started the second of three
    assert restart["after_restart"] == 2
    assert restart["exactly_once"] and (restart["duplicates"], restart["missing"]) == (0, 0)
