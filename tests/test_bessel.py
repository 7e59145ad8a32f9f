"""The modified Bessel functions on a dense grid, at 0, at infinities and where they
overflow, against ``torch.special`` (the op records cover random inputs)."""

from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

NAMES = ["i0", "i0e", "i1", "i1e"]
GRID = np.concatenate([np.linspace(-80.0, 80.0, 3201),
                       [0.0, 29.999, 30.001, 700.0, -710.0, 1e4, np.nan, np.inf, -np.inf]])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-14), ("float32", 2e-6)])
def test_values_match_torch(name, dtype, rtol):
    values = GRID.astype(dtype)
    got = getattr(ember.special, name)(ember.tensor(values)).numpy()
    want = getattr(torch.special, name)(torch.tensor(values)).numpy()
    np.testing.assert_allclose(got, want, rtol=rtol, atol=0)  # inf and NaN must agree too


@pytest.mark.parametrize("name", NAMES)
def test_gradient_at_zero_and_far_out_matches_torch(name):
    values = np.array([0.0, -0.5, 35.0, -60.0])
    e = ember.tensor(values, requires_grad=True)
    t = torch.tensor(values, requires_grad=True)
    getattr(ember.special, name)(e).sum().backward()
    getattr(torch.special, name)(t).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-13)


def test_i0_is_special_i0_and_a_method():
    x = ember.tensor([1.5])
    assert ember.special.i0(x).item() == x.i0().item() == ember.i0(x).item()
