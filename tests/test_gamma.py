"""lgamma, digamma and polygamma (ember/ops/math_gamma.py) against PyTorch in float64 over a
wide grid, at the special points, and against mpmath (which PyTorch's own dependencies bring)
for polygamma, where PyTorch's trigamma is itself only accurate to ~5e-10."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _grid() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.concatenate([
        rng.uniform(-20.0, 60.0, 20000),           # both sides of 0, between the poles
        rng.uniform(0.0, 3.0, 20000),              # around the zeros of lgamma and digamma
        np.exp(rng.uniform(-700.0, 700.0, 2000)),  # tiny to huge
        -np.exp(rng.uniform(-700.0, 3.0, 2000)),   # tiny negatives
        [0.75, 1.0, 1.25, 1.75, 2.0, 2.25, 10.0, 0.5, 1e-320, -1e-320, 2.6e305, 171.5],
    ])


@pytest.mark.parametrize("name", ["lgamma", "digamma"])
def test_float64_matches_torch_to_1e12(name):
    x = _grid()
    got = getattr(ember, name)(ember.tensor(x)).numpy()
    want = getattr(torch, name)(torch.tensor(x)).numpy()
    # relative 1e-12; the absolute term covers the zeros (lgamma's near -2.75, digamma's
    # at 1.46), where both are correct to ~1e-15 absolutely
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    finite = np.isfinite(want) & (want != 0)
    assert np.median(np.abs(got - want)[finite] / np.abs(want[finite])) < 1e-15


SPECIAL = [0.0, -0.0, -1.0, -2.0, -1e20, math.inf, -math.inf, math.nan, -0.5, -100.5]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["lgamma", "digamma"])
def test_special_points_match_torch(name, dtype):
    got = getattr(ember, name)(ember.tensor(SPECIAL, dtype=getattr(ember, dtype))).numpy()
    want = getattr(torch, name)(torch.tensor(SPECIAL, dtype=getattr(torch, dtype))).numpy()
    np.testing.assert_allclose(got, want, rtol=2e-6, equal_nan=True)
    assert (np.signbit(got) == np.signbit(want))[np.isinf(want)].all()


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_polygamma_matches_mpmath(n):
    mpmath = pytest.importorskip("mpmath")
    rng = np.random.default_rng(n)
    x = np.concatenate([rng.uniform(-6.0, 30.0, 150), rng.uniform(0.01, 2.0, 50)])
    x = x[np.abs(x - np.round(x)) > 1e-2]  # away from the poles
    got = ember.polygamma(n, ember.tensor(x)).numpy()
    want = np.array([float(mpmath.psi(n, v)) for v in x])
    np.testing.assert_allclose(got, want, rtol=1e-13)
    np.testing.assert_allclose(got, torch.polygamma(n, torch.tensor(x)).numpy(), rtol=1e-9)


def test_gradients_chain_through_the_family():
    x = ember.tensor([0.3, 2.5, -1.5], dtype=ember.float64, requires_grad=True)
    (g1,) = ember.autograd.grad(ember.lgamma(x).sum(), x, create_graph=True)
    (g2,) = ember.autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = ember.autograd.grad(g2.sum(), x)
    xt = torch.tensor([0.3, 2.5, -1.5], dtype=torch.float64)
    np.testing.assert_allclose(g1.detach().numpy(), torch.digamma(xt).numpy(), rtol=1e-13)
    np.testing.assert_allclose(g2.detach().numpy(), torch.polygamma(1, xt).numpy(), rtol=1e-9)
    np.testing.assert_allclose(g3.numpy(), torch.polygamma(2, xt).numpy(), rtol=1e-12)
