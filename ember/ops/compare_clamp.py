"""``clamp``/``clip`` (number or tensor bounds) and the NaN-ignoring ``fmax``/``fmin``.
Re-exported by ``compare.py``.

Gradients follow PyTorch: ``clamp`` passes the gradient to the input where
``min <= x <= max`` (both ends included); tensor bounds get it where they are the result.

>>> import ember
>>> ember.clamp(ember.tensor([-2.0, 0.5, 3.0]), min=0.0, max=1.0).tolist()
[0.0, 0.5, 1.0]
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import cast, promote
from .elementwise import check_tensor, unbroadcast, where, zeros_if_none
from .registry import OpDef, defop

_NUMBER = (int, float)


# ----------------------------------------------------------------------------- fmax, fmin
def _nan_ignoring(name: str, keep_first: str) -> OpDef:
    """fmax/fmin: the gradient goes to ``a`` where it is the result (ties included) or ``b``
    is NaN, and to ``b`` elsewhere, as in PyTorch."""
    op = defop(name, save=(0, 1))(lambda ctx, a, b: getattr(ctx.xp, name)(a, b))

    def first(a: Tensor, b: Tensor) -> Tensor:
        from .compare import ge, le, logical_or

        return logical_or((ge if keep_first == "ge" else le)(a, b), b.isnan())

    @op.def_backward
    def _(ctx, g):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        mask = first(a, b)
        return (unbroadcast(where(mask, g, 0.0), a.shape) if need_a else None,
                unbroadcast(where(mask, 0.0, g), b.shape) if need_b else None)

    @op.def_jvp
    def _(ctx, tangents):
        (a, b), (ta, tb) = ctx.inputs, tangents
        out = where(first(a, b), zeros_if_none(ta, a), zeros_if_none(tb, b))
        return out.expand(ctx.output.shape)

    return op


_fmax = _nan_ignoring("fmax", "ge")
_fmin = _nan_ignoring("fmin", "le")


def _pair(op: str, input: Any, other: Any) -> list[Tensor]:
    check_tensor(op, input)
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}: expected other to be a Tensor, got {type(other).__name__}")
    return promote(op, input, other)[0]


def fmax(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum that ignores NaN (NaN only where both are NaN).

    >>> import ember
    >>> ember.fmax(ember.tensor([1.0, float("nan")]), ember.tensor([2.0, 0.0])).tolist()
    [2.0, 0.0]
    """
    return _fmax(*_pair("fmax", input, other))


def fmin(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum that ignores NaN.

    >>> import ember
    >>> ember.fmin(ember.tensor([1.0, float("nan")]), ember.tensor([2.0, 0.0])).tolist()
    [1.0, 0.0]
    """
    return _fmin(*_pair("fmin", input, other))


# ----------------------------------------------------------------------------- clamp
def _clamp_values(xp, x, lo, hi):
    if lo is not None:
        x = xp.maximum(x, lo)
    if hi is not None:
        x = xp.minimum(x, hi)  # after max: a min above max gives max, as in PyTorch
    return x


@defop("clamp", save=(0,))
def _clamp(ctx, x, *, min, max):
    return _clamp_values(ctx.xp, x, min, max)


def _inside(x: Tensor, lo: Any, hi: Any) -> Tensor:
    """Where ``lo <= x <= hi`` (a missing bound is no constraint)."""
    from .compare import ge, le, logical_and

    if lo is None:
        return le(x, hi)
    if hi is None:
        return ge(x, lo)
    return logical_and(ge(x, lo), le(x, hi))


@_clamp.def_backward
def _(ctx, g, *, min, max):
    return (where(_inside(ctx.saved[0], min, max), g, 0.0),)


@_clamp.def_jvp
def _(ctx, tangents, *, min, max):
    return where(_inside(ctx.inputs[0], min, max), tangents[0], 0.0)


@defop("clamp_tensor", save=(0, 1, 2))
def _clamp_tensor(ctx, x, lo, hi, *, which):
    return _clamp_values(ctx.xp, x, lo if which != "max" else None,
                         hi if which != "min" else None)


def _clamp_masks(x: Tensor, lo: Tensor, hi: Tensor, which: str):
    """Where the gradient goes: to x, to min, to max (PyTorch's clamp_backward rules)."""
    from .compare import gt, logical_and, logical_or, lt

    if which == "min":
        return _inside(x, lo, None), lt(x, lo), None
    if which == "max":
        return _inside(x, None, hi), None, gt(x, hi)
    return (_inside(x, lo, hi), logical_and(lt(x, lo), lt(lo, hi)),
            logical_or(gt(x, hi), lt(hi, lo)))


@_clamp_tensor.def_backward
def _(ctx, g, *, which):
    x, lo, hi = ctx.saved
    masks = _clamp_masks(x, lo, hi, which)
    return tuple(None if m is None or not need else unbroadcast(where(m, g, 0.0), t.shape)
                 for m, need, t in zip(masks, ctx.needs_input_grad, (x, lo, hi)))


@_clamp_tensor.def_jvp
def _(ctx, tangents, *, which):
    x, lo, hi = ctx.inputs
    out = None
    for mask, t in zip(_clamp_masks(x, lo, hi, which), tangents):
        if mask is not None and t is not None:
            term = where(mask, t, 0.0)
            out = term if out is None else out + term
    return zeros_if_none(out, ctx.output).expand(ctx.output.shape)


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit each element to ``[min, max]``; either bound may be None, a number or a tensor.

    >>> import ember
    >>> ember.clamp(ember.tensor([1, 5, 9]), 2, 6).tolist()
    [2, 5, 6]
    >>> ember.clamp(ember.tensor([1.0, 5.0]), max=ember.tensor([0.0, 9.0])).tolist()
    [0.0, 5.0]
    """
    check_tensor("clamp", input)
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    for name, bound in (("min", min), ("max", max)):
        if bound is not None and not isinstance(bound, (Tensor, *_NUMBER)):
            raise TypeError(f"clamp: expected {name} to be a number or a Tensor, got "
                            f"{type(bound).__name__}")
    if input.dtype is _dt.bool_:
        raise TypeError(f"clamp: not supported for bool tensors (shape {tuple(input.shape)})")
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        dtype = _dt.result_type(input, *(b for b in (min, max) if b is not None))
        return _clamp(cast(input, dtype), min=min, max=max)
    which = "both" if min is not None and max is not None else ("min" if max is None else "max")
    present = [b for b in (min, max) if b is not None]
    x, *bounds = promote("clamp", input, *present)[0]
    lo, hi = (bounds[0], bounds[-1]) if which == "both" else (bounds[0], bounds[0])
    return _clamp_tensor(x, lo, hi, which=which)


def clamp_min(input: Tensor, min: Any) -> Tensor:
    """``clamp(input, min=min)``.

    >>> import ember
    >>> ember.clamp_min(ember.tensor([-1.0, 1.0]), 0.0).tolist()
    [0.0, 1.0]
    """
    return clamp(input, min=min)


def clamp_max(input: Tensor, max: Any) -> Tensor:
    """``clamp(input, max=max)``.

    >>> import ember
    >>> ember.clamp_max(ember.tensor([-1.0, 1.0]), 0.0).tolist()
    [-1.0, 0.0]
    """
    return clamp(input, max=max)


clip = clamp

__all__ = ["fmax", "fmin", "clamp", "clip", "clamp_min", "clamp_max"]
