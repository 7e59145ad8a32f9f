"""Rounding and integer-style division: floor, ceil, round, trunc, frac, floor_divide (``//``),
remainder (``%``, Python's sign rule) and fmod (C's sign rule).

Integer tensors stay integer; integer division by zero raises, as in PyTorch.

>>> import ember
>>> (ember.tensor([-7, 7]) % 3).tolist()
[2, 1]
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import bind_methods, promote
from .elementwise import check_tensor, tensor_pair, unary_inplace, unary_op, unbroadcast
from .registry import defop


# ----------------------------------------------------------------------------- rounding
def _rounder(ufunc: str):
    def forward(ctx, x):
        if x.dtype.kind in "iu":  # integers are already whole: PyTorch returns a copy
            return x.copy()
        return getattr(ctx.xp, ufunc)(x)

    return forward


def _round_forward(ctx, x, *, decimals=0):
    xp = ctx.xp
    if x.dtype.kind in "iu":
        return x.copy()
    if decimals == 0:
        return xp.rint(x)  # round half to even, like PyTorch's nearbyint
    # PyTorch's formula, computed in the tensor's dtype.
    scale = 10.0 ** abs(decimals)
    if decimals > 0:
        return xp.rint(x * scale) / scale
    return xp.rint(x / scale) * scale


_floor = unary_op("floor", _rounder("floor"), zero_grad=True)
_ceil = unary_op("ceil", _rounder("ceil"), zero_grad=True)
_trunc = unary_op("trunc", _rounder("trunc"), zero_grad=True)
_round = unary_op("round", _round_forward, zero_grad=True)
_frac = unary_op("frac", lambda ctx, x: x - ctx.xp.trunc(x), lambda g, x, y: g)


def _no_bool(op: str, input: Any) -> Tensor:
    check_tensor(op, input)
    if input.dtype is _dt.bool_:
        raise TypeError(f"{op}: not supported for bool tensors (shape {tuple(input.shape)})")
    return input


def floor(input: Tensor) -> Tensor:
    """Largest integer not above each element (integer tensors are returned as a copy).

    >>> import ember
    >>> ember.floor(ember.tensor([-1.5, 1.5])).tolist()
    [-2.0, 1.0]
    """
    return _floor(_no_bool("floor", input))


def ceil(input: Tensor) -> Tensor:
    """Smallest integer not below each element.

    >>> import ember
    >>> ember.ceil(ember.tensor([-1.5, 1.5])).tolist()
    [-1.0, 2.0]
    """
    return _ceil(_no_bool("ceil", input))


def trunc(input: Tensor) -> Tensor:
    """Round toward zero.

    >>> import ember
    >>> ember.trunc(ember.tensor([-1.5, 1.5])).tolist()
    [-1.0, 1.0]
    """
    return _trunc(_no_bool("trunc", input))


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even, to ``decimals`` decimal places (negative: to tens, hundreds, ...).

    >>> import ember
    >>> ember.round(ember.tensor([0.5, 1.5, 2.5])).tolist()
    [0.0, 2.0, 2.0]
    >>> ember.round(ember.tensor([1250.0]), decimals=-2).tolist()
    [1200.0]
    """
    _no_bool("round", input)
    if not isinstance(decimals, int) or isinstance(decimals, bool):
        raise TypeError(f"round: decimals must be an int, got {type(decimals).__name__}")
    if decimals and input.dtype.category != _dt.FLOAT:
        raise TypeError(f"round: decimals={decimals} needs a floating-point tensor, got "
                        f"{input.dtype.name}")
    return _round(input, decimals=decimals) if decimals else _round(input)


def frac(input: Tensor) -> Tensor:
    """The fractional part, ``input - trunc(input)`` (floating-point tensors only).

    >>> import ember
    >>> ember.frac(ember.tensor([-1.5, 2.25])).tolist()
    [-0.5, 0.25]
    """
    check_tensor("frac", input)
    if input.dtype.category != _dt.FLOAT:
        raise TypeError(f"frac: expected a floating-point tensor, got {input.dtype.name}")
    return _frac(input)


# ----------------------------------------------------------------------------- division
def _check_int_divisor(op: str, xp, a, b) -> None:
    if b.dtype.kind in "iub" and a.dtype.kind in "iub" and bool(xp.any(b == 0)):
        raise RuntimeError(f"{op}: integer division by zero (divisor of shape {b.shape}, "
                           f"dtype {b.dtype})")


@defop("floor_divide")
def _floor_divide(ctx, a, b):
    _check_int_divisor("floor_divide", ctx.xp, a, b)
    return ctx.xp.floor_divide(a, b)


@defop("trunc_divide")
def _trunc_divide(ctx, a, b):
    xp = ctx.xp
    if a.dtype.kind not in "iub":
        return xp.trunc(xp.true_divide(a, b))
    _check_int_divisor("div", xp, a, b)
    q = xp.floor_divide(a, b)
    # Floor and truncation differ by one where the division is inexact and signs differ.
    return q + ((xp.remainder(a, b) != 0) & ((a < 0) != (b < 0))).astype(q.dtype)


for _op in (_floor_divide, _trunc_divide):
    @_op.def_backward
    def _(ctx, g):  # piecewise constant: PyTorch's div(rounding_mode=...) gives zeros
        from .creation import zeros

        return tuple(zeros(s, dtype=g.dtype) if need else None
                     for s, need in zip(ctx.in_shapes, ctx.needs_input_grad))

    @_op.def_jvp
    def _(ctx, tangents):
        from .creation import zeros_like

        return zeros_like(ctx.output)


def _int_or_float(op: str, input: Any, other: Any) -> list[Tensor]:
    (a, b), dtype = promote(op, input, other)
    if dtype is _dt.bool_:
        raise TypeError(f"{op}: not supported for two bool operands")
    return [a, b]


def floor_divide(input: Any, other: Any) -> Tensor:
    """``input // other``: division rounded down (``div(..., rounding_mode='floor')``).

    >>> import ember
    >>> ember.floor_divide(ember.tensor([-7, 7]), 2).tolist()
    [-4, 3]
    """
    return _floor_divide(*_int_or_float("floor_divide", input, other))


def trunc_divide(input: Any, other: Any) -> Tensor:
    """Division rounded toward zero (``div(..., rounding_mode='trunc')``).

    >>> import ember
    >>> ember.ops.rounding.trunc_divide(ember.tensor([-7, 7]), 2).tolist()
    [-3, 3]
    """
    return _trunc_divide(*_int_or_float("div", input, other))


def _modulo(name: str, ufunc: str, rounding: str):
    op = defop(name, save=(0, 1))(lambda ctx, a, b: _mod_forward(ctx, name, ufunc, a, b))

    def quotient(a: Tensor, b: Tensor) -> Tensor:
        from .elementwise import div

        return div(a, b, rounding_mode=rounding)

    @op.def_backward
    def _(ctx, g):  # a - b * q(a, b) with q piecewise constant
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(g, a.shape) if need_a else None,
                unbroadcast(-g * quotient(a, b), b.shape) if need_b else None)

    @op.def_jvp
    def _(ctx, tangents):
        (a, b), (ta, tb) = ctx.inputs, tangents
        out = ta
        if tb is not None:
            term = -tb * quotient(a, b)
            out = term if out is None else out + term
        return out.expand(ctx.output.shape)

    return op


def _mod_forward(ctx, name, ufunc, a, b):
    _check_int_divisor(name, ctx.xp, a, b)
    return getattr(ctx.xp, ufunc)(a, b)


_remainder = _modulo("remainder", "remainder", "floor")
_fmod = _modulo("fmod", "fmod", "trunc")


def remainder(input: Any, other: Any) -> Tensor:
    """``input % other`` with the sign of ``other`` (Python's rule).

    >>> import ember
    >>> ember.remainder(ember.tensor([-3.0, 3.0]), 2).tolist()
    [1.0, 1.0]
    """
    return _remainder(*_int_or_float("remainder", input, other))


def fmod(input: Any, other: Any) -> Tensor:
    """Remainder with the sign of ``input`` (C's ``fmod``).

    >>> import ember
    >>> ember.fmod(ember.tensor([-3.0, 3.0]), 2).tolist()
    [-1.0, 1.0]
    """
    return _fmod(*_int_or_float("fmod", input, other))


# ----------------------------------------------------------------------------- gcd, lcm
_gcd = defop("gcd", differentiable=False)(lambda ctx, a, b: ctx.xp.gcd(a, b))
_lcm = defop("lcm", differentiable=False)(lambda ctx, a, b: ctx.xp.lcm(a, b))


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """Greatest common divisor of integer tensors (non-negative; ``gcd(0, 0) = 0``).

    >>> import ember
    >>> ember.gcd(ember.tensor([-4, 0, 6]), ember.tensor([6, 5, -9])).tolist()
    [2, 5, 3]
    """
    return _gcd(*tensor_pair("gcd", input, other, _dt.INTEGER, "integer"))


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """Least common multiple of integer tensors (non-negative; 0 if either is 0).

    >>> import ember
    >>> ember.lcm(ember.tensor([-4, 0, 6]), ember.tensor([6, 5, -9])).tolist()
    [12, 0, 18]
    """
    return _lcm(*tensor_pair("lcm", input, other, _dt.INTEGER, "integer"))


def _rfloordiv(self: Tensor, other: Any) -> Tensor:
    return floor_divide(other, self)


def _rmod(self: Tensor, other: Any) -> Tensor:
    return remainder(other, self)


def _binary_inplace(name: str, fn):
    from .inplace import make_inplace

    return make_inplace(name, fn)


_floor_divide_ = _binary_inplace("floor_divide_", floor_divide)
_remainder_ = _binary_inplace("remainder_", remainder)

bind_methods(
    floor=floor, ceil=ceil, trunc=trunc, fix=trunc, round=round, frac=frac,
    floor_divide=floor_divide, remainder=remainder, fmod=fmod,
    __floordiv__=floor_divide, __rfloordiv__=_rfloordiv, __mod__=remainder, __rmod__=_rmod,
    floor_=unary_inplace("floor_", floor, "floor"), ceil_=unary_inplace("ceil_", ceil, "ceil"),
    trunc_=unary_inplace("trunc_", trunc, "trunc"), fix_=unary_inplace("fix_", trunc, "trunc"),
    round_=unary_inplace("round_", round), frac_=unary_inplace("frac_", frac),
    floor_divide_=_floor_divide_, remainder_=_remainder_,
    fmod_=_binary_inplace("fmod_", fmod), gcd=gcd, lcm=lcm,
    gcd_=_binary_inplace("gcd_", gcd), lcm_=_binary_inplace("lcm_", lcm),
    __ifloordiv__=_floor_divide_, __imod__=_remainder_,
)
fix = trunc

__all__ = ["floor", "ceil", "trunc", "fix", "round", "frac", "floor_divide", "remainder", "fmod",
           "gcd", "lcm"]
