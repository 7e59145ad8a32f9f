"""dtype objects, type promotion against PyTorch, and dtype conversions."""

from __future__ import annotations

import itertools

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ember

torch = pytest.importorskip("torch")

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
         "float64"]
PAIRS = list(itertools.product(NAMES, NAMES))
SCALARS = [True, 3, 2.5]


def e_dt(name):
    return getattr(ember, name)


def t_dt(name):
    return getattr(torch, name)


def name_of(dtype):
    return str(dtype).split(".")[-1]


def make(lib, name, zero_dim):
    """Small values every dtype holds exactly (1 and 2, or True)."""
    values = 1 if zero_dim else [1, 2]
    if name == "bool":
        values = True if zero_dim else [True, False]
    return lib.tensor(values, dtype=getattr(lib, name))


# ----------------------------------------------------------------------------- dtype objects
def test_dtype_objects():
    assert ember.float is ember.float32 and ember.double is ember.float64
    assert ember.half is ember.float16 and ember.long is ember.int64
    assert ember.int is ember.int32 and ember.short is ember.int16
    assert repr(ember.bfloat16) == "ember.bfloat16"
    assert ember.float16.is_floating_point and not ember.int8.is_floating_point
    assert ember.bfloat16.itemsize == 2 and ember.int64.itemsize == 8
    assert not ember.uint8.is_signed and ember.int8.is_signed and not ember.bool.is_signed
    assert ember.dtypes.as_dtype("double") is ember.float64
    assert ember.dtypes.as_dtype(np.dtype("int16")) is ember.int16
    assert ember.dtypes.as_dtype(ml_dtypes.bfloat16) is ember.bfloat16
    assert ember.dtypes.as_dtype(float) is ember.float32
    assert ember.dtypes.as_dtype(int) is ember.int64
    assert ember.dtypes.as_dtype(bool) is ember.bool
    with pytest.raises(TypeError, match="unknown dtype name 'float128'"):
        ember.dtypes.as_dtype("float128")
    with pytest.raises(TypeError, match="does not support the NumPy dtype complex64"):
        ember.dtypes.as_dtype(np.complex64)


def test_set_default_dtype():
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.get_default_dtype() is ember.float64
        assert ember.tensor([1.5]).dtype is ember.float64
        assert ember.result_type(ember.tensor([1]), 2.5) is ember.float64
        assert repr(ember.tensor([1.5])) == "tensor([1.5000])"
        assert repr(ember.tensor([1.5], dtype=ember.float32)) == \
            "tensor([1.5000], dtype=ember.float32)"
    finally:
        ember.set_default_dtype(ember.float32)
    with pytest.raises(TypeError, match="set_default_dtype: expected a floating-point dtype"):
        ember.set_default_dtype(ember.int64)


# ----------------------------------------------------------------------------- promotion
@pytest.mark.parametrize("a,b", PAIRS)
def test_promote_types_matches_torch(a, b):
    assert name_of(ember.promote_types(e_dt(a), e_dt(b))) == \
        name_of(torch.promote_types(t_dt(a), t_dt(b)))


@pytest.mark.parametrize("a,b", PAIRS)
@pytest.mark.parametrize("dims", ["nd-nd", "nd-0d", "0d-nd", "0d-0d"])
def test_result_type_and_op_results_match_torch(a, b, dims):
    za, zb = dims.split("-")[0] == "0d", dims.split("-")[1] == "0d"
    ea, eb = make(ember, a, za), make(ember, b, zb)
    ta, tb = make(torch, a, za), make(torch, b, zb)
    expected = name_of(torch.result_type(ta, tb))
    assert name_of(ember.result_type(ea, eb)) == expected
    assert name_of(ember.mul(ea, eb).dtype) == name_of(torch.mul(ta, tb).dtype)
    if expected != "bool":  # torch.add on two bools is logical or; both stay bool
        out, ref = ember.add(ea, eb), torch.add(ta, tb)
        assert name_of(out.dtype) == name_of(ref.dtype) == expected
        np.testing.assert_array_equal(np.asarray(out.tolist()), np.asarray(ref.tolist()))


@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("scalar", SCALARS, ids=["bool", "int", "float"])
@pytest.mark.parametrize("zero_dim", [False, True], ids=["nd", "0d"])
def test_tensor_with_python_scalar_matches_torch(a, scalar, zero_dim):
    et, tt = make(ember, a, zero_dim), make(torch, a, zero_dim)
    for args_e, args_t in (((et, scalar), (tt, scalar)), ((scalar, et), (scalar, tt))):
        expected = name_of(torch.result_type(*args_t))
        assert name_of(ember.result_type(*args_e)) == expected
        assert name_of(ember.mul(*args_e).dtype) == name_of(torch.mul(*args_t).dtype)
        np.testing.assert_array_equal(np.asarray(ember.mul(*args_e).tolist()),
                                      np.asarray(torch.mul(*args_t).tolist()))


@pytest.mark.parametrize("s1,s2", list(itertools.product(SCALARS, SCALARS)))
def test_result_type_of_scalars_only(s1, s2):
    assert name_of(ember.result_type(s1, s2)) == name_of(torch.result_type(
        torch.tensor(s1), s2)) or isinstance(s1, float) == isinstance(s2, float)
    assert name_of(ember.dtypes.scalar_dtype(s1)) == name_of(torch.tensor(s1).dtype)


_RANGES = {"bool": (0, 1), "uint8": (0, 100), "int8": (-50, 50), "int16": (-1000, 1000),
           "int32": (-10**6, 10**6), "int64": (-10**6, 10**6)}


@st.composite
def _operand(draw):
    """A (ember, torch) operand pair: a tensor with 1+ dims, a 0-d tensor or a Python scalar."""
    name, kind = draw(st.sampled_from(NAMES)), draw(st.sampled_from(["nd", "0d", "scalar"]))
    lo, hi = _RANGES.get(name, (-100, 100))
    shape = () if kind != "nd" else (3,)
    ints = draw(st.lists(st.integers(lo, hi), min_size=3, max_size=3))
    ints = ints[:1] if kind != "nd" else ints
    if kind == "scalar":
        value = bool(ints[0] % 2) if name == "bool" else (
            ints[0] + 0.5 if name.startswith(("float", "bf")) else ints[0])
        return value, value
    values = np.asarray(ints, dtype=np.float64).reshape(shape or ())
    if name == "bool":
        values = values % 2 == 1
    elif name.startswith(("float", "bf")):
        values = values / 4  # quarters: exact in every float dtype in this range
    return (ember.tensor(values.tolist(), dtype=e_dt(name)),
            torch.tensor(values.tolist(), dtype=t_dt(name)))






@settings(max_examples=300, deadline=None)
@given(_operand(), _operand())
def test_promotion_property_matches_torch(a, b):
    """For random operand pairs, the result dtype and the values of add and mul match torch."""
    (ea, ta), (eb, tb) = a, b
    if not isinstance(ta, torch.Tensor) and not isinstance(tb, torch.Tensor):
        return
    expected = name_of(torch.result_type(ta, tb))
    assert name_of(ember.result_type(ea, eb)) == expected
    for e_fn, t_fn in ((ember.mul, torch.mul), (ember.add, torch.add)):
        if expected == "bool" and e_fn is ember.add:
            continue  # bool + bool is logical or in torch
        out, ref = e_fn(ea, eb), t_fn(ta, tb)
        assert name_of(out.dtype) == name_of(ref.dtype)
        # Same precision, same rounding, same wrap-around on integer overflow: exact.
        np.testing.assert_array_equal(np.asarray(out.tolist(), dtype=np.float64),
                                      np.asarray(ref.tolist(), dtype=np.float64))


# ----------------------------------------------------------------------------- conversions
VALUES = [-2.7, -1.5, -0.5, -0.0, 0.0, 0.3, 1.0, 1.5, 2.5, 100.9, -100.9]
METHODS = {"float": "float32", "double": "float64", "half": "float16",
           "bfloat16": "bfloat16", "long": "int64", "int": "int32", "bool": "bool",
           "short": "int16", "char": "int8", "byte": "uint8"}


@pytest.mark.parametrize("src", NAMES)
@pytest.mark.parametrize("method", METHODS)
def test_conversion_methods_match_torch(src, method):
    values = VALUES if src in ("float16", "bfloat16", "float32", "float64") else \
        [0, 1, 2, 5, 100] if src in ("uint8",) else [0, 1] if src == "bool" else \
        [-100, -1, 0, 1, 2, 100]
    if method == "byte" and src not in ("uint8", "bool"):
        values = [abs(v) for v in values]  # negative float -> uint8 is undefined behaviour
    e = ember.tensor(values, dtype=e_dt(src))
    t = torch.tensor(values, dtype=t_dt(src))
    out, ref = getattr(e, method)(), getattr(t, method)()
    assert name_of(out.dtype) == name_of(ref.dtype) == METHODS[method]
    assert out.tolist() == ref.tolist()
    to = e.to(e_dt(METHODS[method]))
    assert to.tolist() == ref.tolist() and to.dtype is e_dt(METHODS[method])


def test_to_forms():
    x = ember.tensor([1.5, -2.5])
    assert x.to(ember.float32) is x
    assert x.to("float64").dtype is ember.float64
    assert x.to(dtype=ember.int64).tolist() == [1, -2]
    assert x.to("cpu") is x
    assert x.to("cpu", ember.float16).dtype is ember.float16
    assert x.to(ember.zeros(1, dtype=ember.float64)).dtype is ember.float64
    y = x.to(ember.float32, copy=True)
    assert y is not x and y.tolist() == x.tolist()
    assert x.type_as(ember.zeros(1, dtype=ember.int8)).dtype is ember.int8


@pytest.mark.parametrize("method", ["float", "double", "half", "bfloat16"])
def test_float_to_float_conversions_carry_gradients(method):
    src = ember.float32 if method == "double" else ember.float64
    x = ember.tensor([1.0, 2.0], dtype=src, requires_grad=True)
    y = getattr(x, method)()
    assert y.requires_grad and y.grad_fn is not None
    (y * 3).sum().backward()
    assert x.grad.dtype is src
    assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("method", ["long", "int", "bool", "byte"])
def test_float_to_int_conversions_cut_the_graph(method):
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = getattr(x, method)()
    assert not y.requires_grad and y.grad_fn is None
    ref = getattr(torch.tensor([1.0, 2.0], requires_grad=True), method)()
    assert ref.requires_grad is False


@pytest.mark.parametrize("op", ["mul", "div", "add", "sub"])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("scalar", [2049, 65520, 1e5, 0.1])
def test_half_arithmetic_with_a_wider_scalar_matches_torch(op, dtype, scalar):
    # PyTorch's mul/div take a second scalar (or 0-d) operand in float32; add/sub round it to
    # the half type first. Either side of the operator, Python number or 0-d tensor.
    values = [0.0, 0.75, -3.5]
    e, t = ember.tensor(values, dtype=e_dt(dtype)), torch.tensor(values, dtype=t_dt(dtype))
    cases = [
        (getattr(ember, op)(e, scalar), getattr(torch, op)(t, scalar)),
        (getattr(ember, op)(e, ember.tensor(scalar)), getattr(torch, op)(t, torch.tensor(scalar))),
        (getattr(ember, op)(ember.tensor(scalar), e), getattr(torch, op)(torch.tensor(scalar), t)),
    ]
    for got, want in cases:
        assert name_of(got.dtype) == name_of(want.dtype)
        np.testing.assert_array_equal(np.asarray(got.tolist(), dtype=np.float64),
                                      np.asarray(want.tolist(), dtype=np.float64))
