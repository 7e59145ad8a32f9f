"""In-place arithmetic without a graph: large same-shape operands go through the threaded
kernel in the tensor's memory, with NumPy's values bit for bit; overlapping operands keep
NumPy's semantics."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.backends import _numba

needs_numba = pytest.mark.skipif(not _numba.ENABLED, reason="numba is not installed")
RNG = np.random.default_rng(3)
_UFUNCS = {"add_": np.add, "sub_": np.subtract, "mul_": np.multiply, "div_": np.true_divide}


def _specials(shape, dtype) -> np.ndarray:
    x = RNG.standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    picks = RNG.choice(flat.size, size=flat.size // 7, replace=False)
    flat[picks] = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0], dtype)[picks % 5]
    return x


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(_UFUNCS))
def test_large_inplace_arithmetic_uses_the_kernel(used_kernels, dtype, name) -> None:
    a, b = _specials((512, 300), dtype), _specials((512, 300), dtype)
    x = ember.tensor(a)
    memory, version = x._data, x._version[0]
    with np.errstate(all="ignore"):
        want = _UFUNCS[name](a, b)
        with ember.no_grad():
            assert getattr(x, name)(ember.tensor(b)) is x
    assert "arithmetic" in used_kernels and x._data is memory and x._version[0] == version + 1
    np.testing.assert_array_equal(x.numpy().view(f"i{a.itemsize}"),
                                  want.view(f"i{a.itemsize}"))


@needs_numba
def test_inplace_arithmetic_with_itself_and_with_overlaps(used_kernels) -> None:
    a = _specials((600, 300), np.float32)
    x = ember.tensor(a)
    x.mul_(x)  # the very same memory: each element reads itself first
    np.testing.assert_array_equal(x.numpy(), a * a)
    assert "arithmetic" in used_kernels
    # rows shifted by one: NumPy buffers the overlap, so every input is read unchanged
    rows = a.copy()
    want = rows.copy()
    np.add(want[1:], want[:-1].copy(), out=want[1:])
    y = ember.tensor(rows)
    y[1:].add_(y[:-1])
    np.testing.assert_array_equal(y.numpy(), want)
    base = np.zeros(600 * 300 + 300, np.float32)
    out, other = base[300:].reshape(600, 300), base[:-300].reshape(600, 300)
    assert _numba.arithmetic("add", out, other, out=out) is None  # declines the overlap
    assert _numba.arithmetic("add", out, out, out=out) is not None


def test_other_inplace_ufunc_ops_keep_their_own_path(used_kernels) -> None:
    """Logical and bitwise in-place ops (also built on ufuncs) never reach the arithmetic
    kernel, at any size."""
    a, b = _specials((512, 300), np.float32), _specials((512, 300), np.float32)
    x = ember.tensor(a)
    x.logical_and_(ember.tensor(b))
    np.testing.assert_array_equal(x.numpy(), np.logical_and(a, b).astype(np.float32))
    i, j = (RNG.integers(-9, 9, (512, 300)) for _ in range(2))
    y = ember.tensor(i)
    y &= ember.tensor(j)
    np.testing.assert_array_equal(y.numpy(), i & j)
    assert "arithmetic" not in used_kernels
    assert _numba.arithmetic("logical_and", a, b) is None
