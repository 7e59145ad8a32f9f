"""Shared pytest configuration: the op-parity summary printed at the end of a run, and the
``used_kernels`` fixture of the fast-path tests."""

from __future__ import annotations

import pytest

_PARITY: dict[str, list[int]] = {}


def pytest_runtest_logreport(report):
    if report.when != "call" or "test_op_parity.py" not in report.nodeid:
        return
    record = report.nodeid.split("[", 1)[1].rsplit("-", 2)[0]
    passed, total = _PARITY.setdefault(record, [0, 0])
    _PARITY[record] = [passed + report.passed, total + 1]


def pytest_terminal_summary(terminalreporter):
    import ember
    from ember.ops.registry import REGISTRY

    reports = terminalreporter.stats
    parity = [r for key in ("passed", "failed") for r in reports.get(key, [])
              if getattr(r, "when", "") == "call" and "test_op_parity.py" in r.nodeid]
    if not parity:
        return
    ok = sum(1 for r in parity if r.passed)
    ops = {r.nodeid.split("[", 1)[1].split("-")[0].split("[")[0] for r in parity}
    ops_ok = {op for op in ops
              if all(r.passed for r in parity if r.nodeid.split("[", 1)[1].startswith(op + "-")
                     or r.nodeid.split("[", 1)[1].startswith(op + "["))}
    terminalreporter.write_sep("=", "ember op parity with PyTorch")
    terminalreporter.write_line(
        f"{len(REGISTRY)} registered primitives; {len(ember.ops.__all__)} public ops; "
        f"{len(ops)} ops with parity records, {len(ops_ok)} fully passing; "
        f"{ok}/{len(parity)} parity cases passed"
    )


@pytest.fixture
def used_kernels(monkeypatch) -> set:
    """The names of the numba kernels run during the test."""
    from ember.backends import _numba

    names: set = set()
    real = _numba._kernel

    def recording(name):
        names.add(name)
        return real(name)

    monkeypatch.setattr(_numba, "_kernel", recording)
    return names
