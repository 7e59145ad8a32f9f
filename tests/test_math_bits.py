"""``frexp`` on special values and ``aminmax``'s gradient on ties, against PyTorch (the
op records cover random inputs)."""

from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, 3e38, -0.75, 1.0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_frexp_special_values_match_torch(dtype):
    values = np.array(SPECIAL, dtype=dtype)
    got, want = ember.frexp(ember.tensor(values)), torch.frexp(torch.tensor(values))
    np.testing.assert_array_equal(got.mantissa.numpy(), want.mantissa.numpy())
    np.testing.assert_array_equal(got.exponent.numpy(), want.exponent.numpy())
    assert got.exponent.dtype == ember.int32 and type(got).__name__ == "frexp"


def test_frexp_gradient_at_large_exponents_matches_torch():
    values = np.array([3e38, 1e-40, 5.0], dtype=np.float32)
    e, t = ember.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    ember.frexp(e).mantissa.sum().backward()
    torch.frexp(t).mantissa.sum().backward()
    np.testing.assert_array_equal(e.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": 0, "keepdim": True}])
def test_aminmax_ties_share_gradient_like_torch(kwargs):
    values = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]])
    e, t = ember.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    got, want = ember.aminmax(e, **kwargs), torch.aminmax(t, **kwargs)
    assert got._fields == ("min", "max")
    (got.min * 2 + got.max).sum().backward()
    (want.min * 2 + want.max).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy())
