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


# (input dtype, input, exponent dtype, exponents), where 2**other alone overflows or underflows
LDEXP_CASES = [
    ("float32", [1e-30, 1.0, 2.0 ** 100, 3.0, 0.0, -1e-40], "int64", [130, -149, -160, -150, 5000, 10]),
    ("float64", [1.0, 1e-300, 0.0, 3.0, 2.0 ** 1023, 1.0], "int64", [1000, 1100, -5000, -1075, -2000, 2100]),
    ("float16", [1e-3, 1.0, 3.0, 6e4], "int32", [20, -25, -25, -40]),
    ("bfloat16", [1e-3, 1e-3, 1.0], "int8", [100, 127, -128]),
    ("int64", [1, 3, 0], "int64", [2, -1, 200]),  # integer input: 0 * pow(2.0, 200) is nan
    ("int8", [3, -3, 1], "uint8", [1, 200, 0]),
    ("float32", [1e-30, 1.0], "float32", [130.0, 2.5]),  # float exponent: pow first, as torch
    ("float64", [1.0], "float32", [1000.0]),
    ("float16", [1e-3], "float16", [20.0]),
]


@pytest.mark.parametrize("case", LDEXP_CASES, ids=lambda c: f"{c[0]}-{c[2]}")
def test_ldexp_dtype_and_range_match_torch(case):
    in_dtype, values, exp_dtype, exps = case
    got = ember.ldexp(ember.tensor(values, dtype=getattr(ember, in_dtype)),
                      ember.tensor(exps, dtype=getattr(ember, exp_dtype)))
    want = torch.ldexp(torch.tensor(values, dtype=getattr(torch, in_dtype)),
                       torch.tensor(exps, dtype=getattr(torch, exp_dtype)))
    assert got.dtype.name == str(want.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(np.asarray(got.tolist()), np.asarray(want.tolist()))


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int32"])
def test_right_shift_by_the_bit_width_or_more_matches_torch(dtype):
    values, counts = [200, 255, 7, 1] if dtype == "uint8" else [-100, 100, -1, 7], [8, 9, 100, 3]
    for lib in (ember, torch):
        a = lib.tensor(values, dtype=getattr(lib, dtype))
        b = lib.tensor(counts, dtype=getattr(lib, dtype))
        if lib is ember:
            got = [(a >> b).tolist(), (a >> 9).tolist(), lib.bitwise_right_shift(a, b).tolist()]
        else:
            want = [(a >> b).tolist(), (a >> 9).tolist(), lib.bitwise_right_shift(a, b).tolist()]
    assert got == want
