"""The micro-benchmark still runs (a smoke run: each case once, no timing assertions)."""

from __future__ import annotations

import pytest

micro = pytest.importorskip("benchmarks.micro")


def test_every_micro_case_runs():
    torch = pytest.importorskip("torch")
    cases = {**micro._small_ops(torch)}
    assert len(cases) == 10  # add, mul, matmul, relu, sum; forward and backward each
    for per in cases.values():
        assert set(per) == {"ember", "torch"}
        for run in per.values():
            run()


def test_compare_reports_a_median_per_framework():
    result = micro.compare({"a": lambda: None, "b": lambda: None}, repeats=2)
    assert set(result) == {"a", "b"} and all(v >= 0 for v in result.values())
