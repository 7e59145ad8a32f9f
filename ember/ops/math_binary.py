"""Binary math: logaddexp, logaddexp2, xlogy, copysign and heaviside. Re-exported by
``math.py``.

Gradients follow PyTorch's formulas (derivatives.yaml): ``logaddexp`` sends
``g / (1 + exp(other - input))`` to ``input``, ``xlogy`` sends ``g * log(other)`` to ``input``
(0 where ``input == 0`` and ``other <= 0``) and ``g * input / other`` to ``other``;
``copysign`` sends ``g * sign ratio`` to ``input`` and zeros to ``other``; ``heaviside`` has no
derivative (its backward raises).

>>> import ember
>>> ember.logaddexp(ember.tensor([0.0]), ember.tensor([0.0])).tolist()
[0.6931471824645996]
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import promote, to_float, xp_of
from ._reduce import float_const, quiet
from .elementwise import check_tensor, tensor_pair, unbroadcast, zeros_if_none
from .registry import OpDef, defop


def _half_in_float32(fn):
    """``fn(xp, a, b)`` computed in float32 for 2-byte floats (PyTorch's opmath), rounded once."""
    def forward(ctx, a, b):
        if a.dtype.itemsize == 2:
            return fn(ctx.xp, a.astype("float32"), b.astype("float32")).astype(a.dtype)
        return fn(ctx.xp, a, b)

    return forward


# ----------------------------------------------------------------------------- logaddexp
def _logaddexp_op(name: str, ufunc: str, base_exp: str) -> OpDef:
    """``log(exp(a) + exp(b))`` (base e or 2). The derivative for ``a`` is
    ``1 / (1 + base ** (b - a))``, PyTorch's formula."""
    op = defop(name, save=(0, 1))(_half_in_float32(lambda xp, a, b: getattr(xp, ufunc)(a, b)))

    def weight(a: Tensor, b: Tensor) -> Tensor:
        from . import math

        return 1 / (1 + getattr(math, base_exp)(b - a))

    @op.def_backward
    def _(ctx, g):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(g * weight(a, b), a.shape) if need_a else None,
                unbroadcast(g * weight(b, a), b.shape) if need_b else None)

    @op.def_jvp
    def _(ctx, tangents):
        (a, b), (ta, tb) = ctx.inputs, tangents
        out = zeros_if_none(ta, a) * weight(a, b) + zeros_if_none(tb, b) * weight(b, a)
        return out.expand(ctx.output.shape)

    return op


_logaddexp = _logaddexp_op("logaddexp", "logaddexp", "exp")
_logaddexp2 = _logaddexp_op("logaddexp2", "logaddexp2", "exp2")


def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """``log(exp(input) + exp(other))`` without overflow (floating-point tensors).

    >>> import ember
    >>> big = ember.tensor([1000.0], dtype=ember.float64)
    >>> ember.logaddexp(big, big).tolist()
    [1000.6931471805599]
    """
    return _logaddexp(*tensor_pair("logaddexp", input, other, _dt.FLOAT, "floating-point"))


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """``log2(2 ** input + 2 ** other)`` without overflow.

    >>> import ember
    >>> ember.logaddexp2(ember.tensor([3.0]), ember.tensor([3.0])).tolist()
    [4.0]
    """
    return _logaddexp2(*tensor_pair("logaddexp2", input, other, _dt.FLOAT, "floating-point"))


# ----------------------------------------------------------------------------- xlogy
def _xlogy_arrays(xp, x, y):
    out = x * xp.log(y)
    # 0 * log(y) is 0 for every y except NaN (0 * log(0) = 0 * -inf would be NaN)
    return xp.where((x == 0) & ~xp.isnan(y), xp.zeros((), x.dtype), out)


_xlogy = defop("xlogy", save=(0, 1))(_half_in_float32(_xlogy_arrays))


def _xlogy_terms(gx: Tensor | None, gy: Tensor | None, x: Tensor, y: Tensor):
    """PyTorch's derivatives: ``log(y)`` for ``x`` (0 where ``x == 0`` and ``y <= 0``, where
    the op is the constant 0), ``x / y`` for ``y``."""
    from .compare import eq, le, logical_and
    from .elementwise import where
    from .math import log

    dx = None
    if gx is not None:
        dx = where(logical_and(eq(x, 0), le(y, 0)), 0.0, gx * log(y))
    dy = None if gy is None else gy * x / y
    return dx, dy


def def_term_rules(op: OpDef, terms, with_output: bool = False) -> None:
    """The backward and jvp of a binary primitive (both inputs saved) whose derivative
    contributions are ``terms(gx, gy, x, y) -> (dx, dy)``, each None where its g is None;
    ``terms(gx, gy, x, y, out)`` with ``with_output`` (the op must save its output)."""

    def contributions(ctx, gx, gy, x, y):
        return terms(gx, gy, x, y, ctx.output) if with_output else terms(gx, gy, x, y)

    @op.def_backward
    def _(ctx, g):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        dx, dy = contributions(ctx, g if need_x else None, g if need_y else None, x, y)
        return (None if dx is None else unbroadcast(dx, x.shape),
                None if dy is None else unbroadcast(dy, y.shape))

    @op.def_jvp
    def _(ctx, tangents):
        (x, y), (tx, ty) = ctx.inputs, tangents
        dx, dy = contributions(ctx, tx, ty, x, y)
        out = dx if dy is None else (dy if dx is None else dx + dy)
        return out.expand(ctx.output.shape)


def binary_float_op(name: str, op: OpDef, input: Any, other: Any) -> Tensor:
    """``op`` on ``input`` and ``other`` promoted together and made floating; either may be
    a number, not both."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{name}: expected at least one Tensor, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    (x, y), _ = promote(name, input, other)
    return op(to_float(x), to_float(y))


def_term_rules(_xlogy, _xlogy_terms)


def xlogy(input: Any, other: Any) -> Tensor:
    """``input * log(other)``, with 0 wherever ``input`` is 0 (unless ``other`` is NaN);
    either side may be a number; integers give the default float dtype.

    >>> import ember
    >>> ember.xlogy(ember.tensor([0.0, 2.0]), ember.tensor([0.0, 1.0])).tolist()
    [0.0, 0.0]
    """
    return binary_float_op("xlogy", _xlogy, input, other)


# ----------------------------------------------------------------------------- copysign
@defop("copysign", save=(0,), save_output=True)
def _copysign(ctx, x, s):
    return ctx.xp.copysign(x, s)


def _copysign_ratio(x: Tensor, out: Tensor) -> Tensor:
    """``out / x`` (+1 or -1), 0 where ``x`` is 0: PyTorch's derivative of copysign. It is
    piecewise constant, so it is taken as a constant."""
    xp = xp_of(x)
    with quiet(xp):
        return float_const(out, xp.where(x._data == 0, 0, out._data / x._data))


@_copysign.def_backward
def _(ctx, g):
    (x,) = ctx.saved
    need_x, need_s = ctx.needs_input_grad
    sx, ss = ctx.in_shapes
    dx = unbroadcast(g * _copysign_ratio(x, ctx.output), sx) if need_x else None
    # PyTorch gives ``other`` a zero gradient (not none)
    return dx, (float_const(g, ctx.xp.zeros(ss)) if need_s else None)


@_copysign.def_jvp
def _(ctx, tangents):
    (x, _), tx = ctx.inputs, tangents[0]
    out = zeros_if_none(tx, x) * _copysign_ratio(x, ctx.output)
    return out.expand(ctx.output.shape)


def copysign(input: Tensor, other: Any) -> Tensor:
    """The magnitude of ``input`` with the sign of ``other`` (a tensor or a number; -0.0
    counts as negative); integers give the default float dtype.

    >>> import ember
    >>> ember.copysign(ember.tensor([1.0, -2.0]), -0.0).tolist()
    [-1.0, -2.0]
    """
    check_tensor("copysign", input)
    (x, s), _ = promote("copysign", input, other)
    return _copysign(to_float(x), to_float(s))


# ----------------------------------------------------------------------------- heaviside
@defop("heaviside")
def _heaviside(ctx, x, values):
    xp = ctx.xp
    step = (x > 0).astype(x.dtype)
    return xp.where(x == 0, values, step)


@_heaviside.def_backward
def _(ctx, g):
    raise RuntimeError("heaviside: the derivative is not implemented (as in PyTorch); use a "
                       "smooth step such as sigmoid(k * x) where a gradient is needed")


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The step function: 0 where ``input < 0``, ``values`` where ``input == 0``, 1 where
    ``input > 0``. Both tensors must have one dtype, as in PyTorch.

    >>> import ember
    >>> ember.heaviside(ember.tensor([-1.0, 0.0, 2.0]), ember.tensor([0.5])).tolist()
    [0.0, 0.5, 1.0]
    """
    check_tensor("heaviside", input)
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside: expected values to be a Tensor, got "
                        f"{type(values).__name__}")
    if input.dtype is not values.dtype:
        raise RuntimeError(f"heaviside: is not yet implemented for tensors with different "
                           f"dtypes (got {input.dtype.name} and {values.dtype.name})")
    return _heaviside(input, values)


__all__ = ["logaddexp", "logaddexp2", "xlogy", "copysign", "heaviside"]
