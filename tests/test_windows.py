"""Window functions (ember/ops/windows.py) against PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember

NAMES = ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
         "kaiser_window"]
LENGTHS = [*range(0, 34), 64, 101, 1000]
# Unit roundoff of each dtype. ember computes in float64 and rounds once; PyTorch computes
# in the dtype, so the two differ by a few roundings (values are at most 1).
EPS = {"float16": 2.0**-11, "bfloat16": 2.0**-8, "float32": 2.0**-24, "float64": 2.0**-53}


def _values(t) -> np.ndarray:
    return t.detach().double().numpy()  # the same calls on ember and torch tensors


@pytest.mark.parametrize("dtype", list(EPS))
@pytest.mark.parametrize("name", NAMES)
def test_matches_torch(name, dtype):
    e_fn, t_fn = getattr(ember, name), getattr(torch, name)
    # the Kaiser window exponentiates an argument of size beta (12): its rounding grows by
    # that factor in both libraries
    tol = EPS[dtype] * (8 if name != "kaiser_window" else 64)
    for n in LENGTHS:
        for periodic in (True, False):
            e = e_fn(n, periodic, dtype=getattr(ember, dtype))
            t = t_fn(n, periodic, dtype=getattr(torch, dtype))
            assert e.dtype.name == dtype and tuple(e.shape) == tuple(t.shape)
            np.testing.assert_allclose(_values(e), _values(t), rtol=0, atol=tol,
                                       err_msg=f"{name}({n}, periodic={periodic})")


@pytest.mark.parametrize("args", [(9, True, 0.5, 0.3), (8, False, 0.6, 0.4)])
def test_hamming_coefficients(args):
    np.testing.assert_allclose(
        _values(ember.hamming_window(*args, dtype=ember.float64)),
        _values(torch.hamming_window(*args, dtype=torch.float64)), atol=1e-15)
    n, periodic, alpha, beta = args
    np.testing.assert_allclose(
        _values(ember.hamming_window(n, periodic, alpha=alpha, beta=beta, dtype=ember.float64)),
        _values(torch.hamming_window(n, periodic, alpha, beta, dtype=torch.float64)),
        atol=1e-15)


@pytest.mark.parametrize("beta", [0.0, 1.0, 5.0, 12.0, 30.0, -3.0])
def test_kaiser_beta(beta):
    for n, periodic in ((10, True), (11, False), (256, True)):
        np.testing.assert_allclose(
            _values(ember.kaiser_window(n, periodic, beta, dtype=ember.float64)),
            _values(torch.kaiser_window(n, periodic, beta, dtype=torch.float64)),
            rtol=1e-13)


def test_kaiser_large_beta_stays_finite():
    # I0(800) overflows float64; the ratio is taken from the scaled I0, so it does not
    # (PyTorch returns NaN here). The centre is exactly 1 and the window is symmetric.
    w = ember.kaiser_window(9, False, 800.0, dtype=ember.float64).numpy()
    assert np.isfinite(w).all() and w[4] == 1.0
    np.testing.assert_array_equal(w, w[::-1])
    # far from the centre the window is I0(800 s) / I0(800) ~ exp(800 (s - 1)) sqrt(1 / s)
    s = np.sqrt(1 - 0.25**2)
    np.testing.assert_allclose(w[3], np.exp(800 * (s - 1)) / np.sqrt(s), rtol=1e-3)


@pytest.mark.parametrize("name", NAMES)
def test_factory_keywords(name):
    fn = getattr(ember, name)
    w = fn(5, requires_grad=True)
    assert w.requires_grad and w.is_leaf and w.dtype == ember.get_default_dtype()
    assert fn(5, dtype=ember.float64, device="cpu", layout=None,
              pin_memory=False).dtype == ember.float64
    old = ember.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    try:
        assert fn(3).dtype == ember.float64
    finally:
        ember.set_default_dtype(old)


@pytest.mark.parametrize("name", NAMES)
def test_errors(name):
    fn = getattr(ember, name)
    with pytest.raises(RuntimeError, match=f"{name} requires non-negative window_length, "
                                           "got window_length=-1"):
        fn(-1)
    with pytest.raises(RuntimeError, match=f"{name} expects floating point dtypes, got int64"):
        fn(3, dtype=ember.int64)
    with pytest.raises(TypeError, match=f"{name}\\(\\): argument 'window_length' must be int, "
                                        "not float"):
        fn(2.5)
    for lib in (torch,):  # the same inputs fail in PyTorch with the same exception types
        with pytest.raises(RuntimeError):
            getattr(lib, name)(-1)
        with pytest.raises(TypeError):
            getattr(lib, name)(2.5)
