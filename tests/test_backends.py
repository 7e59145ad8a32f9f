"""The CPU backend's special functions, on both of their code paths."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember.backends.cpu as cpu


@pytest.mark.parametrize("use_scipy", [True, False])
@pytest.mark.parametrize("shape", [(), (5,), (2, 3)])
def test_erf_and_erfinv_match_math_erf(monkeypatch, use_scipy, shape):
    if use_scipy and cpu._scipy_erf is None:
        pytest.skip("SciPy is not installed: only the fallback path exists here")
    if not use_scipy:
        monkeypatch.setattr(cpu, "_scipy_erf", None)
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, size=shape)
    got = cpu.CPU_BACKEND.erf(x)
    want = np.vectorize(math.erf)(x)
    assert isinstance(got, np.ndarray) and got.shape == shape
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-16)
    y = rng.uniform(-0.999, 0.999, size=shape)
    back = cpu.CPU_BACKEND.erf(cpu.CPU_BACKEND.erfinv(y))
    np.testing.assert_allclose(back, y, rtol=1e-13, atol=1e-14)


def test_erfinv_edges():
    out = cpu.CPU_BACKEND.erfinv(np.array([-1.0, 1.0, 1.5, 0.0]))
    assert out[0] == -np.inf and out[1] == np.inf and np.isnan(out[2]) and out[3] == 0.0


def test_malloc_tuning_is_applied_once_and_can_be_turned_off():
    import os
    import subprocess
    import sys

    code = "import ember; from ember.backends import _malloc; print(_malloc._tuned)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    on = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    off = subprocess.run([sys.executable, "-c", code], env={**env, "EMBER_MALLOC_TUNING": "0"},
                         capture_output=True, text=True)
    user = subprocess.run([sys.executable, "-c", code],
                          env={**env, "MALLOC_TRIM_THRESHOLD_": "1000000"},
                          capture_output=True, text=True)
    glibc = sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION")
    assert on.stdout.strip() == ("True" if glibc else "False")
    assert off.stdout.strip() == "False" and user.stdout.strip() == "False"


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool", "bfloat16"])
@pytest.mark.parametrize("source,shape", [((), (3, 4)), ((1, 1), (2, 1, 5)), ((1,), (0, 3)),
                                          ((3,), (2, 3)), ((2, 1), (2, 4))])
def test_broadcast_to_is_numpys_read_only_view(dtype, source, shape):
    """One-element sources take the direct zero-stride view, the rest NumPy's own; both
    give NumPy's values, read-only, sharing the source's memory."""
    import ml_dtypes

    np_dtype = ml_dtypes.bfloat16 if dtype == "bfloat16" else np.dtype(dtype)
    x = (np.arange(math.prod(source)) + 1).reshape(source).astype(np_dtype)
    got = cpu.CPU_BACKEND.broadcast_to(x, shape)
    want = np.broadcast_to(x, shape)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    assert not got.flags.writeable and np.shares_memory(got, x) == bool(got.size)
