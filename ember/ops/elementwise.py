"""Elementwise arithmetic: dtype casts and the binary operators with broadcasting.

>>> import ember
>>> (ember.tensor([1, 2]) + 0.5).tolist()
[1.5, 2.5]
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import bind_methods, promote, reduced_shape, to_float
from .registry import defop


def unbroadcast(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum a broadcast gradient back down to ``shape``."""
    if g.shape == shape:
        return g
    dims, lead = reduced_shape(g.shape, shape)
    if dims:
        g = g.sum(dim=dims, keepdim=True)
    if lead:
        g = g.reshape(shape)
    return g


# ----------------------------------------------------------------------------- casts
@defop("to_dtype")
def _to_dtype(ctx, x, *, dtype):
    return x.astype(dtype.np)


@_to_dtype.def_backward
def _(ctx, g, *, dtype):
    return (to_dtype(g, _dt.from_numpy_dtype(ctx.in_dtypes[0])),)


@_to_dtype.def_jvp
def _(ctx, tangents, *, dtype):
    return to_dtype(tangents[0], dtype)


def to_dtype(t: Tensor, dtype: _dt.DType) -> Tensor:
    """Convert ``t`` to ``dtype``; gradients flow back only between float types."""
    dtype = _dt.as_dtype(dtype)
    if t._data.dtype == dtype.np:
        return t
    if dtype.category != _dt.FLOAT or t.dtype.category != _dt.FLOAT:
        from ..autograd.grad_mode import no_grad

        with no_grad():
            return _to_dtype(t, dtype=dtype)
    return _to_dtype(t, dtype=dtype)


# ----------------------------------------------------------------------------- binary
@defop("add")
def _add(ctx, a, b):
    return ctx.xp.add(a, b)


@_add.def_backward
def _(ctx, g):
    sa, sb = ctx.in_shapes
    return unbroadcast(g, sa), unbroadcast(g, sb)


@_add.def_jvp
def _(ctx, tangents):
    ta, tb = tangents
    shape = ctx.output.shape
    parts = [t.expand(shape) for t in (ta, tb) if t is not None]
    return parts[0] if len(parts) == 1 else parts[0] + parts[1]


@defop("sub")
def _sub(ctx, a, b):
    return ctx.xp.subtract(a, b)


@_sub.def_backward
def _(ctx, g):
    sa, sb = ctx.in_shapes
    return unbroadcast(g, sa), unbroadcast(-g, sb)


@_sub.def_jvp
def _(ctx, tangents):
    ta, tb = tangents
    shape = ctx.output.shape
    if tb is None:
        return ta.expand(shape)
    return (-tb).expand(shape) if ta is None else (ta - tb).expand(shape)


@defop("mul", save=(0, 1))
def _mul(ctx, a, b):
    return ctx.xp.multiply(a, b)


@_mul.def_backward
def _(ctx, g):
    a, b = ctx.saved
    need_a, need_b = ctx.needs_input_grad
    return (unbroadcast(g * b, a.shape) if need_a else None,
            unbroadcast(g * a, b.shape) if need_b else None)


@_mul.def_jvp
def _(ctx, tangents):
    (a, b), (ta, tb) = ctx.inputs, tangents
    parts = [t for t in (None if ta is None else ta * b, None if tb is None else a * tb)
             if t is not None]
    out = parts[0] if len(parts) == 1 else parts[0] + parts[1]
    return out.expand(ctx.output.shape)


@defop("div", save=(0, 1))
def _div(ctx, a, b):
    return ctx.xp.true_divide(a, b)


@_div.def_backward
def _(ctx, g):
    a, b = ctx.saved
    need_a, need_b = ctx.needs_input_grad
    return (unbroadcast(g / b, a.shape) if need_a else None,
            unbroadcast(-g * a / (b * b), b.shape) if need_b else None)


@_div.def_jvp
def _(ctx, tangents):
    (a, b), (ta, tb) = ctx.inputs, tangents
    out = None if ta is None else ta / b
    if tb is not None:
        term = -tb * a / (b * b)
        out = term if out is None else out + term
    return out.expand(ctx.output.shape)


@defop("neg")
def _neg(ctx, x):
    return ctx.xp.negative(x)


@_neg.def_backward
def _(ctx, g):
    return (-g,)


@_neg.def_jvp
def _(ctx, tangents):
    return -tangents[0]


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input + alpha * other`` with broadcasting and type promotion."""
    (a, b), _ = promote("add", input, other)
    if alpha != 1:
        b = mul(b, alpha)
    return _add(a, b)


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input - alpha * other``."""
    (a, b), dtype = promote("sub", input, other)
    if dtype is _dt.bool_:
        raise TypeError("sub: subtraction of two bool tensors is not supported; use "
                        "logical_xor() or ~ instead")
    if alpha != 1:
        b = mul(b, alpha)
    return _sub(a, b)


def mul(input: Any, other: Any) -> Tensor:
    """Elementwise product."""
    (a, b), _ = promote("mul", input, other)
    return _mul(a, b)


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """True division, or ``rounding_mode='trunc'`` / ``'floor'``.

    >>> import ember
    >>> ember.div(ember.tensor([-7, 7]), 2, rounding_mode="floor").tolist()
    [-4, 3]
    """
    (a, b), dtype = promote("div", input, other)
    if rounding_mode is None:
        return _div(to_float(a), to_float(b))
    from .rounding import floor_divide, trunc_divide

    if rounding_mode == "floor":
        return floor_divide(a, b)
    if rounding_mode == "trunc":
        return trunc_divide(a, b)
    raise ValueError(
        f"div: expected rounding_mode to be one of None, 'trunc' or 'floor', got "
        f"'{rounding_mode}'"
    )


def neg(input: Tensor) -> Tensor:
    if input.dtype is _dt.bool_:
        raise TypeError("neg: negation of a bool tensor is not supported; use ~ or "
                        "logical_not() instead")
    return _neg(input)


def _radd(self: Tensor, other: Any) -> Tensor:
    return add(other, self)


def _rsub(self: Tensor, other: Any) -> Tensor:
    return sub(other, self)


def _rmul(self: Tensor, other: Any) -> Tensor:
    return mul(other, self)


def _rdiv(self: Tensor, other: Any) -> Tensor:
    return div(other, self)


true_divide = divide = div
subtract, multiply, negative = sub, mul, neg

bind_methods(
    add=add, sub=sub, mul=mul, div=div, neg=neg, true_divide=div, divide=div,
    subtract=sub, multiply=mul, negative=neg,
    __add__=add, __radd__=_radd, __sub__=sub, __rsub__=_rsub, __mul__=mul, __rmul__=_rmul,
    __truediv__=div, __rtruediv__=_rdiv, __neg__=neg,
    to_dtype=to_dtype,
)

__all__ = ["add", "sub", "mul", "div", "neg", "true_divide", "divide", "subtract", "multiply",
           "negative"]
