"""Logical and bitwise ops (``&``, ``|``, ``^``, ``~``), the float classifiers (isnan, ...) and
isclose/allclose. None of them carries a gradient. Re-exported by ``compare.py``.

>>> import ember
>>> (ember.tensor([True, False]) & ember.tensor([True, True])).tolist()
[True, False]
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import promote
from .elementwise import check_tensor
from .registry import OpDef, defop


def _nondiff(name: str, forward) -> OpDef:
    op = defop(name, differentiable=False)(forward)
    op.def_jvp(lambda ctx, tangents, **attrs: None)
    return op


# ----------------------------------------------------------------------------- logical
_logical = {name: _nondiff(name, (lambda u: lambda ctx, a, b: getattr(ctx.xp, u)(a, b))(name))
            for name in ("logical_and", "logical_or", "logical_xor")}
_logical_not = _nondiff("logical_not", lambda ctx, x: ctx.xp.logical_not(x))


def _logical_args(op: str, input: Any, other: Any) -> tuple[Tensor, Tensor]:
    check_tensor(op, input)
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}: expected other to be a Tensor, got {type(other).__name__}")
    return input, other


def logical_and(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise ``input and other`` on truth values (nonzero is True); a bool tensor.

    >>> import ember
    >>> ember.logical_and(ember.tensor([1.0, 0.0]), ember.tensor([2, 2])).tolist()
    [True, False]
    """
    return _logical["logical_and"](*_logical_args("logical_and", input, other))


def logical_or(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise ``input or other`` on truth values.

    >>> import ember
    >>> ember.logical_or(ember.tensor([1, 0]), ember.tensor([0, 0])).tolist()
    [True, False]
    """
    return _logical["logical_or"](*_logical_args("logical_or", input, other))


def logical_xor(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise exclusive or on truth values.

    >>> import ember
    >>> ember.logical_xor(ember.tensor([1, 0]), ember.tensor([1, 1])).tolist()
    [False, True]
    """
    return _logical["logical_xor"](*_logical_args("logical_xor", input, other))


def logical_not(input: Tensor) -> Tensor:
    """Elementwise ``not input`` (True where the element is zero).

    >>> import ember
    >>> ember.logical_not(ember.tensor([0.0, 2.0])).tolist()
    [True, False]
    """
    return _logical_not(check_tensor("logical_not", input))


# ----------------------------------------------------------------------------- bitwise
_bitwise = {name: _nondiff(name, (lambda u: lambda ctx, a, b: getattr(ctx.xp, u)(a, b))(ufunc))
            for name, ufunc in (("bitwise_and", "bitwise_and"), ("bitwise_or", "bitwise_or"),
                                ("bitwise_xor", "bitwise_xor"))}
_bitwise_not = _nondiff("bitwise_not", lambda ctx, x: ctx.xp.invert(x))


def _integral(op: str, *operands: Any) -> list[Tensor]:
    (a, b), dtype = promote(op, *operands)
    if dtype.category == _dt.FLOAT:
        raise TypeError(
            f"{op}: expected integer or bool operands, got "
            + ", ".join(o.dtype.name if isinstance(o, Tensor) else type(o).__name__
                        for o in operands)
        )
    return [a, b]


def bitwise_and(input: Any, other: Any) -> Tensor:
    """Bitwise AND of integer or bool tensors (``&``).

    >>> import ember
    >>> ember.bitwise_and(ember.tensor([12]), 10).tolist()
    [8]
    """
    return _bitwise["bitwise_and"](*_integral("bitwise_and", input, other))


def bitwise_or(input: Any, other: Any) -> Tensor:
    """Bitwise OR of integer or bool tensors (``|``).

    >>> import ember
    >>> ember.bitwise_or(ember.tensor([12]), 10).tolist()
    [14]
    """
    return _bitwise["bitwise_or"](*_integral("bitwise_or", input, other))


def bitwise_xor(input: Any, other: Any) -> Tensor:
    """Bitwise XOR of integer or bool tensors (``^``).

    >>> import ember
    >>> ember.bitwise_xor(ember.tensor([12]), 10).tolist()
    [6]
    """
    return _bitwise["bitwise_xor"](*_integral("bitwise_xor", input, other))


def bitwise_not(input: Tensor) -> Tensor:
    """Bitwise NOT (``~``); logical NOT for bool tensors.

    >>> import ember
    >>> (~ember.tensor([0, 5])).tolist()
    [-1, -6]
    """
    check_tensor("bitwise_not", input)
    if input.dtype.category == _dt.FLOAT:
        raise TypeError(f"bitwise_not: expected an integer or bool tensor, got "
                        f"{input.dtype.name}")
    return _bitwise_not(input)


def _reflected(fn):
    def method(self: Tensor, other: Any) -> Tensor:
        return fn(other, self)

    return method


# ----------------------------------------------------------------------------- classifiers
_isnan = _nondiff("isnan", lambda ctx, x: ctx.xp.isnan(x))
_isinf = _nondiff("isinf", lambda ctx, x: ctx.xp.isinf(x))
_isfinite = _nondiff("isfinite", lambda ctx, x: ctx.xp.isfinite(x))
_isposinf = _nondiff("isposinf", lambda ctx, x: ctx.xp.isposinf(x))
_isneginf = _nondiff("isneginf", lambda ctx, x: ctx.xp.isneginf(x))


def isnan(input: Tensor) -> Tensor:
    """True where the element is NaN.

    >>> import ember
    >>> ember.isnan(ember.tensor([1.0, float("nan")])).tolist()
    [False, True]
    """
    return _isnan(check_tensor("isnan", input))


def isinf(input: Tensor) -> Tensor:
    """True where the element is +inf or -inf.

    >>> import ember
    >>> ember.isinf(ember.tensor([1.0, float("-inf")])).tolist()
    [False, True]
    """
    return _isinf(check_tensor("isinf", input))


def isfinite(input: Tensor) -> Tensor:
    """True where the element is neither inf nor NaN.

    >>> import ember
    >>> ember.isfinite(ember.tensor([1.0, float("inf")])).tolist()
    [True, False]
    """
    return _isfinite(check_tensor("isfinite", input))


def isposinf(input: Tensor) -> Tensor:
    """True where the element is +inf.

    >>> import ember
    >>> ember.isposinf(ember.tensor([float("inf"), float("-inf")])).tolist()
    [True, False]
    """
    return _isposinf(check_tensor("isposinf", input))


def isneginf(input: Tensor) -> Tensor:
    """True where the element is -inf.

    >>> import ember
    >>> ember.isneginf(ember.tensor([float("inf"), float("-inf")])).tolist()
    [False, True]
    """
    return _isneginf(check_tensor("isneginf", input))


def _signbit_forward(ctx, x):
    xp = ctx.xp
    if x.dtype.kind in "ub":
        return xp.zeros(x.shape, dtype=bool)
    if x.dtype.kind == "i":
        return x < 0
    if x.dtype.kind != "f":  # bfloat16: its sign bit survives the cast
        x = x.astype("float32")
    return xp.signbit(x)


_signbit = _nondiff("signbit", _signbit_forward)


def signbit(input: Tensor) -> Tensor:
    """True where the sign bit is set: negative numbers, -0.0 and NaNs with a sign.

    >>> import ember
    >>> ember.signbit(ember.tensor([-1.0, -0.0, 0.0])).tolist()
    [True, True, False]
    """
    return _signbit(check_tensor("signbit", input))


@defop("isclose", differentiable=False)
def _isclose(ctx, a, b, *, rtol, atol, equal_nan):
    xp = ctx.xp
    close = a == b  # also catches equal infinities, where the difference is NaN
    finite = xp.isfinite(a) & xp.isfinite(b)
    if a.dtype.kind in "iub":  # PyTorch measures integer differences in float64
        a, b = a.astype("float64"), b.astype("float64")
    close |= finite & (xp.abs(a - b) <= atol + rtol * xp.abs(b))
    if equal_nan:
        close |= xp.isnan(a) & xp.isnan(b)
    return close


_isclose.def_jvp(lambda ctx, tangents, **attrs: None)


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """``|input - other| <= atol + rtol * |other|`` elementwise (same dtypes required).

    >>> import ember
    >>> ember.isclose(ember.tensor([1.0, 2.0]), ember.tensor([1.0 + 1e-7, 2.1])).tolist()
    [True, False]
    """
    check_tensor("isclose", input)
    if not isinstance(other, Tensor):
        raise TypeError(f"isclose: expected other to be a Tensor, got {type(other).__name__}")
    if input.dtype is not other.dtype:
        raise TypeError(f"isclose: expected both tensors to have the same dtype, got "
                        f"{input.dtype.name} and {other.dtype.name}")
    if rtol < 0 or atol < 0:
        raise ValueError(f"isclose: rtol and atol must be non-negative, got rtol={rtol}, "
                         f"atol={atol}")
    return _isclose(input, other, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether every element of ``input`` is close to ``other`` (see :func:`isclose`).

    >>> import ember
    >>> ember.allclose(ember.tensor([1.0]), ember.tensor([1.0 + 1e-7]))
    True
    """
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """Whether both tensors have the same shape and elements (NaN is never equal; dtypes
    may differ, values are compared).

    >>> import ember
    >>> ember.equal(ember.tensor([1, 2]), ember.tensor([1.0, 2.0]))
    True
    """
    check_tensor("equal", input)
    if not isinstance(other, Tensor):
        raise TypeError(f"equal: expected other to be a Tensor, got {type(other).__name__}")
    if str(input.device) != str(other.device):
        raise RuntimeError(f"equal: expected both tensors on the same device, got "
                           f"{input.device} and {other.device}")
    if input.shape != other.shape:
        return False
    return bool((input._data == other._data).all())


METHODS = dict(
    logical_and=logical_and, logical_or=logical_or, logical_xor=logical_xor,
    logical_not=logical_not, bitwise_and=bitwise_and, bitwise_or=bitwise_or,
    bitwise_xor=bitwise_xor, bitwise_not=bitwise_not,
    __and__=bitwise_and, __or__=bitwise_or, __xor__=bitwise_xor, __invert__=bitwise_not,
    __rand__=_reflected(bitwise_and), __ror__=_reflected(bitwise_or),
    __rxor__=_reflected(bitwise_xor),
    isnan=isnan, isinf=isinf, isfinite=isfinite, isposinf=isposinf, isneginf=isneginf,
    isclose=isclose, allclose=allclose, signbit=signbit, equal=equal,
)

__all__ = ["logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and",
           "bitwise_or", "bitwise_xor", "bitwise_not", "isnan", "isinf", "isfinite", "isposinf",
           "isneginf", "isclose", "allclose", "signbit", "equal"]
