"""NumPy's floating-point warnings stay hidden for ember's ops (PyTorch computes 1/0 or
log(0) silently), also under ``-W default`` and ``-W error``, while the user's own NumPy
code keeps warning. Checked in a fresh interpreter, as the filters are process state."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

SCRIPT = """
import numpy as np
import ember
t = ember.tensor
ember.log(t([0.0])); ember.exp(t([1000.0])); t([-1.0]).sqrt()
t([1.0]) / t([0.0])                      # the fast path in ember/ops/registry.py
t([float("inf")]) - t([float("inf")])
t([3e38]) * t([10.0])
ember.log(ember.zeros(1 << 18))          # large arrays: the threaded kernels
ember.zeros(1 << 18) / ember.zeros(1 << 18)
ember.nn.functional.log_softmax(t([[-float("inf"), -float("inf")]]), dim=1)
x = t([0.0, 1.0], requires_grad=True)
ember.log(x).sum().backward()            # 1/0 in the backward
np.log(np.zeros(1))                      # the user's own NumPy code still warns
"""


@pytest.mark.parametrize("option", ["default", "error::RuntimeWarning:ember", "always"])
def test_numpy_fp_warnings_hidden_for_ember_only(option) -> None:
    run = subprocess.run([sys.executable, "-W", option, "-c", SCRIPT], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = [ln for ln in run.stderr.splitlines() if "Warning" in ln]
    assert len(lines) == 1 and "divide by zero encountered in log" in lines[0], run.stderr
    assert "<string>" in lines[0]  # the user's line, not ember's
