"""Special functions: sigmoid, logit, erf, erfc, erfinv, nan_to_num and lerp. Re-exported by
``math.py``. NumPy has no erf: the backend supplies ``erf`` and ``erfinv``.

>>> import ember
>>> ember.sigmoid(ember.tensor([0.0])).tolist()
[0.5]
"""

from __future__ import annotations

import math as _m
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from .elementwise import check_tensor, float_input, unary_op, unbroadcast, where, zeros_if_none
from .registry import defop, fast_unary

_TWO_OVER_SQRT_PI = 2.0 / _m.sqrt(_m.pi)
_HALF_SQRT_PI = _m.sqrt(_m.pi) / 2.0


def _sigmoid_forward(ctx, x):
    xp = ctx.xp
    t = xp.exp(xp.negative(x))
    if t.ndim:  # in place, to spare temporaries (0-d results are NumPy scalars: not writable)
        t += 1
        return xp.reciprocal(t, out=t)
    return 1 / (1 + t)


_sigmoid = unary_op("sigmoid", _sigmoid_forward, lambda g, x, y: g * (y * (1 - y)),
                    save_y=True)


def _logit_forward(ctx, x, *, eps=None):
    xp = ctx.xp
    if eps is not None:
        x = xp.clip(x, eps, 1 - eps)
    return xp.log(x / (1 - x))


def _logit_deriv(g, x, y, *, eps=None):
    from .compare import gt, logical_or, lt

    core = g / (x * (1 - x))
    # PyTorch: outside [eps, 1 - eps] the clamped input has no gradient; without eps the
    # derivative outside [0, 1] is NaN.
    lo, hi, fill = (0.0, 1.0, float("nan")) if eps is None else (eps, 1 - eps, 0.0)
    return where(logical_or(lt(x, lo), gt(x, hi)), fill, core)


_logit = unary_op("logit", _logit_forward, _logit_deriv, save_x=True)
_erf = unary_op("erf", lambda ctx, x: ctx.backend.erf(x),
                lambda g, x, y: g * ((-(x * x)).exp() * _TWO_OVER_SQRT_PI), save_x=True)
# 1 - erf(x) loses relative accuracy for large x (erfc(5) ~ 1.5e-12); the backend has no erfc.
_erfc = unary_op("erfc", lambda ctx, x: 1 - ctx.backend.erf(x),
                 lambda g, x, y: g * ((-(x * x)).exp() * -_TWO_OVER_SQRT_PI), save_x=True)
_erfinv = unary_op("erfinv", lambda ctx, x: ctx.backend.erfinv(x),
                   lambda g, x, y: g * ((y * y).exp() * _HALF_SQRT_PI), save_y=True)


def sigmoid(input: Tensor) -> Tensor:
    """The logistic function ``1 / (1 + exp(-input))``.

    >>> import ember
    >>> ember.sigmoid(ember.tensor([0])).tolist()
    [0.5]
    """
    return _sigmoid(float_input("sigmoid", input))


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``log(p / (1 - p))``; with ``eps`` the input is first clamped to ``[eps, 1 - eps]``.

    >>> import ember
    >>> ember.logit(ember.tensor([0.5])).tolist()
    [0.0]
    """
    x = float_input("logit", input)
    return _logit(x) if eps is None else _logit(x, eps=float(eps))


def erf(input: Tensor) -> Tensor:
    """The error function.

    >>> import ember
    >>> ember.erf(ember.tensor([0.0])).tolist()
    [0.0]
    """
    return _erf(float_input("erf", input))


def erfc(input: Tensor) -> Tensor:
    """The complementary error function ``1 - erf(input)``.

    >>> import ember
    >>> ember.erfc(ember.tensor([0.0])).tolist()
    [1.0]
    """
    return _erfc(float_input("erfc", input))


def erfinv(input: Tensor) -> Tensor:
    """The inverse error function (inf at 1, NaN outside [-1, 1]).

    >>> import ember
    >>> ember.erfinv(ember.tensor([0.0])).tolist()
    [0.0]
    """
    return _erfinv(float_input("erfinv", input))


# ----------------------------------------------------------------------------- nan_to_num
_FLOAT_MAX = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38,
              "float32": 3.4028234663852886e38, "float64": 1.7976931348623157e308}


def _nan_to_num_forward(ctx, x, *, nan, posinf, neginf):
    xp = ctx.xp
    out = x.copy()
    out[xp.isnan(x)] = nan
    out[xp.isposinf(x)] = posinf
    out[xp.isneginf(x)] = neginf
    return out


_nan_to_num = unary_op("nan_to_num", _nan_to_num_forward,
                       lambda g, x, y, **attrs: where(x.isfinite(), g, 0.0), save_x=True)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """Replace NaN by ``nan`` and infinities by ``posinf``/``neginf`` (default: the dtype's
    largest and lowest finite values).

    >>> import ember
    >>> ember.nan_to_num(ember.tensor([float("nan"), 1.0]), nan=-1.0).tolist()
    [-1.0, 1.0]
    """
    check_tensor("nan_to_num", input)
    if input.dtype.category != _dt.FLOAT:
        return input.clone()
    big = _FLOAT_MAX[input.dtype.name]
    return _nan_to_num(input, nan=nan, posinf=big if posinf is None else posinf,
                       neginf=-big if neginf is None else neginf)


# ----------------------------------------------------------------------------- lerp
def _lerp_values(xp, start, end, weight):
    # PyTorch's formula: each branch is exact at its end (weight 0 or 1).
    diff = end - start
    if isinstance(weight, (int, float)):
        return start + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
    return xp.where(xp.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))


@defop("lerp", save=(0, 1, 2))
def _lerp(ctx, start, end, weight):
    return _lerp_values(ctx.xp, start, end, weight)


@defop("lerp_scalar")
def _lerp_scalar(ctx, start, end, *, weight):
    return _lerp_values(ctx.xp, start, end, weight)


def _lerp_terms(gs, ge, gw, start, end, weight):
    """The derivative of ``start + weight * (end - start)`` applied to each input's term."""
    return (None if gs is None else gs * (1 - weight), None if ge is None else ge * weight,
            None if gw is None else gw * (end - start))


@_lerp.def_backward
def _(ctx, g):
    start, end, weight = ctx.saved
    need = ctx.needs_input_grad
    terms = _lerp_terms(*(g if n else None for n in need), start, end, weight)
    return tuple(None if t is None else unbroadcast(t, s.shape)
                 for t, s in zip(terms, (start, end, weight)))


@_lerp.def_jvp
def _(ctx, tangents):
    start, end, weight = ctx.inputs
    terms = _lerp_terms(*(zeros_if_none(t, x) for t, x in zip(tangents, ctx.inputs)),
                        start, end, weight)
    return (terms[0] + terms[1] + terms[2]).expand(ctx.output.shape)


@_lerp_scalar.def_backward
def _(ctx, g, *, weight):
    ss, se = ctx.in_shapes
    need_s, need_e = ctx.needs_input_grad
    return (unbroadcast(g * (1 - weight), ss) if need_s else None,
            unbroadcast(g * weight, se) if need_e else None)


@_lerp_scalar.def_jvp
def _(ctx, tangents, *, weight):
    ts, te = (zeros_if_none(t, x) for t, x in zip(tangents, ctx.inputs))
    return (ts * (1 - weight) + te * weight).expand(ctx.output.shape)


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """``input + weight * (end - input)``; ``weight`` is a number or a tensor, and all tensors
    share one floating-point dtype.

    >>> import ember
    >>> ember.lerp(ember.tensor([0.0, 10.0]), ember.tensor([10.0, 20.0]), 0.25).tolist()
    [2.5, 12.5]
    """
    check_tensor("lerp", input)
    check_tensor("lerp", end)
    if input.dtype.category != _dt.FLOAT:
        raise TypeError(f"lerp: expected floating-point tensors, got {input.dtype.name}")
    others = [("end", end)] + ([("weight", weight)] if isinstance(weight, Tensor) else [])
    for name, t in others:
        if t.dtype is not input.dtype:
            raise TypeError(f"lerp: expected dtype {input.dtype.name} for `{name}` but got "
                            f"dtype {t.dtype.name}")
    if isinstance(weight, Tensor):
        return _lerp(input, end, weight)
    if not isinstance(weight, (int, float)):
        raise TypeError(f"lerp: expected weight to be a Tensor or a number, got "
                        f"{type(weight).__name__}")
    return _lerp_scalar(input, end, weight=weight)


# Hot ops: a fast path for the no-graph case (registry.fast_unary) running the same
# primitive forward as the full path.
sigmoid = fast_unary(sigmoid, _sigmoid.forward)

__all__ = ["sigmoid", "logit", "erf", "erfc", "erfinv", "nan_to_num", "lerp"]
