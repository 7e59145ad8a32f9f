"""Trigonometric and hyperbolic functions, atan2 and hypot. Re-exported by ``math.py``.

>>> import ember
>>> ember.cos(ember.tensor([0.0])).tolist()
[1.0]
"""

from __future__ import annotations

import math as _m
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import promote
from .elementwise import float_input, unary_op, where
from .math_binary import def_term_rules
from .registry import defop, fast_unary


def _rsqrt(t: Tensor) -> Tensor:
    from .math import rsqrt

    return rsqrt(t)


_sin = unary_op("sin", lambda ctx, x: ctx.xp.sin(x), lambda g, x, y: g * x.cos(), save_x=True)
_cos = unary_op("cos", lambda ctx, x: ctx.xp.cos(x), lambda g, x, y: g * -x.sin(), save_x=True)
_tan = unary_op("tan", lambda ctx, x: ctx.xp.tan(x), lambda g, x, y: g * (y * y + 1),
                save_y=True)
_asin = unary_op("asin", lambda ctx, x: ctx.xp.arcsin(x),
                 lambda g, x, y: g * _rsqrt(1 - x * x), save_x=True)
_acos = unary_op("acos", lambda ctx, x: ctx.xp.arccos(x),
                 lambda g, x, y: g * -_rsqrt(1 - x * x), save_x=True)
_atan = unary_op("atan", lambda ctx, x: ctx.xp.arctan(x), lambda g, x, y: g / (x * x + 1),
                 save_x=True)
_sinh = unary_op("sinh", lambda ctx, x: ctx.xp.sinh(x), lambda g, x, y: g * x.cosh(),
                 save_x=True)
_cosh = unary_op("cosh", lambda ctx, x: ctx.xp.cosh(x), lambda g, x, y: g * x.sinh(),
                 save_x=True)
_tanh = unary_op("tanh", lambda ctx, x: ctx.xp.tanh(x), lambda g, x, y: g * (1 - y * y),
                 save_y=True)
_asinh = unary_op("asinh", lambda ctx, x: ctx.xp.arcsinh(x),
                  lambda g, x, y: g * _rsqrt(x * x + 1), save_x=True)
_acosh = unary_op("acosh", lambda ctx, x: ctx.xp.arccosh(x),
                  lambda g, x, y: g * _rsqrt(x * x - 1), save_x=True)
_atanh = unary_op("atanh", lambda ctx, x: ctx.xp.arctanh(x), lambda g, x, y: g / (1 - x * x),
                  save_x=True)


def sin(input: Tensor) -> Tensor:
    """Sine.

    >>> import ember
    >>> ember.sin(ember.tensor([0.0])).tolist()
    [0.0]
    """
    return _sin(float_input("sin", input))


def cos(input: Tensor) -> Tensor:
    """Cosine.

    >>> import ember
    >>> ember.cos(ember.tensor([0])).tolist()
    [1.0]
    """
    return _cos(float_input("cos", input))


def tan(input: Tensor) -> Tensor:
    """Tangent.

    >>> import ember
    >>> ember.tan(ember.tensor([0.0])).tolist()
    [0.0]
    """
    return _tan(float_input("tan", input))


def asin(input: Tensor) -> Tensor:
    """Inverse sine (NaN outside [-1, 1]).

    >>> import ember
    >>> ember.asin(ember.tensor([0.0])).tolist()
    [0.0]
    """
    return _asin(float_input("asin", input))


def acos(input: Tensor) -> Tensor:
    """Inverse cosine (NaN outside [-1, 1]).

    >>> import ember
    >>> ember.acos(ember.tensor([1.0])).tolist()
    [0.0]
    """
    return _acos(float_input("acos", input))


def atan(input: Tensor) -> Tensor:
    """Inverse tangent.

    >>> import ember
    >>> ember.atan(ember.tensor([0.0])).tolist()
    [0.0]
    """
    return _atan(float_input("atan", input))


def sinh(input: Tensor) -> Tensor:
    """Hyperbolic sine.

    >>> import ember
    >>> ember.sinh(ember.tensor([0.0])).tolist()
    [0.0]
    """
    return _sinh(float_input("sinh", input))


def cosh(input: Tensor) -> Tensor:
    """Hyperbolic cosine.

    >>> import ember
    >>> ember.cosh(ember.tensor([0.0])).tolist()
    [1.0]
    """
    return _cosh(float_input("cosh", input))


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent.

    >>> import ember
    >>> ember.tanh(ember.tensor([0.0])).tolist()
    [0.0]
    """
    return _tanh(float_input("tanh", input))


def asinh(input: Tensor) -> Tensor:
    """Inverse hyperbolic sine.

    >>> import ember
    >>> ember.asinh(ember.tensor([0.0])).tolist()
    [0.0]
    """
    return _asinh(float_input("asinh", input))


def acosh(input: Tensor) -> Tensor:
    """Inverse hyperbolic cosine (NaN below 1).

    >>> import ember
    >>> ember.acosh(ember.tensor([1.0])).tolist()
    [0.0]
    """
    return _acosh(float_input("acosh", input))


def atanh(input: Tensor) -> Tensor:
    """Inverse hyperbolic tangent (NaN outside [-1, 1]).

    >>> import ember
    >>> ember.atanh(ember.tensor([0.0])).tolist()
    [0.0]
    """
    return _atanh(float_input("atanh", input))


# ----------------------------------------------------------------------------- binary
@defop("atan2", save=(0, 1))
def _atan2(ctx, a, b):
    return ctx.xp.arctan2(a, b)


def _atan2_terms(ga, gb, a, b):
    denom = a * a + b * b
    return (None if ga is None else ga * b / denom,
            None if gb is None else gb * -a / denom)


@defop("hypot", save=(0, 1), save_output=True)
def _hypot(ctx, a, b):
    return ctx.xp.hypot(a, b)


def _hypot_terms(ga, gb, a, b, y):
    return (None if ga is None else ga * a / y, None if gb is None else gb * b / y)


def_term_rules(_atan2, _atan2_terms)
def_term_rules(_hypot, _hypot_terms, with_output=True)


def atan2(input: Any, other: Any) -> Tensor:
    """The angle of the point ``(other, input)``, in ``(-pi, pi]``.

    >>> import ember
    >>> ember.atan2(ember.tensor([1.0]), ember.tensor([-1.0])).tolist()
    [2.356194496154785]
    """
    (a, b), dtype = promote("atan2", input, other)
    if dtype.category != _dt.FLOAT:
        a, b = float_input("atan2", a), float_input("atan2", b)
    return _atan2(a, b)


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """``sqrt(input**2 + other**2)`` without overflow (floating-point tensors only).

    >>> import ember
    >>> ember.hypot(ember.tensor([3.0]), ember.tensor([4.0])).tolist()
    [5.0]
    """
    (a, b), dtype = promote("hypot", input, other)
    if dtype.category != _dt.FLOAT:
        raise TypeError(f"hypot: expected floating-point tensors, got {dtype.name}")
    return _hypot(a, b)


# ----------------------------------------------------------------------------- degrees, sinc
_PI_180 = _m.pi / 180.0
_180_PI = 180.0 / _m.pi


def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians, ``input * pi / 180`` (integers give the default float dtype).

    >>> import ember
    >>> ember.deg2rad(ember.tensor([180.0], dtype=ember.float64)).tolist()
    [3.141592653589793]
    """
    return float_input("deg2rad", input) * _PI_180


def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees, ``input * 180 / pi``.

    >>> import ember
    >>> ember.rad2deg(ember.tensor([0.5], dtype=ember.float64)).tolist()
    [28.64788975654116]
    """
    return float_input("rad2deg", input) * _180_PI


def _sinc_forward(ctx, x):
    xp = ctx.xp
    if x.dtype.itemsize == 2:  # computed in float32 and rounded once, as PyTorch
        return _sinc_forward(ctx, x.astype("float32")).astype(x.dtype)
    scaled = x * xp.asarray(_m.pi, dtype=x.dtype)
    out = xp.sin(scaled) / scaled
    return xp.where(x == 0, xp.ones((), x.dtype), out)


def _sinc_deriv(g: Tensor, x: Tensor, y: Tensor) -> Tensor:
    """PyTorch's ``sinc_backward``: ``(pi x cos(pi x) - sin(pi x)) / (pi x^2)``, 0 at 0."""
    from .compare import eq

    x_pi = x * _m.pi
    x2_pi = x * x * _m.pi
    return where(eq(x2_pi, 0.0), 0.0, g * (x_pi * cos(x_pi) - sin(x_pi)) / x2_pi)


_sinc = unary_op("sinc", _sinc_forward, _sinc_deriv, save_x=True)


def sinc(input: Tensor) -> Tensor:
    """The normalized sinc function ``sin(pi x) / (pi x)``, 1 at 0.

    >>> import ember
    >>> ember.sinc(ember.tensor([0.0, 0.5], dtype=ember.float64)).tolist()
    [1.0, 0.6366197723675814]
    """
    return _sinc(float_input("sinc", input))


# Hot ops: a fast path for the no-graph case (registry.fast_unary) running the same
# primitive forward as the full path.
tanh = fast_unary(tanh, _tanh.forward)
sin = fast_unary(sin, _sin.forward)
cos = fast_unary(cos, _cos.forward)

arcsin, arccos, arctan, arcsinh, arccosh, arctanh, arctan2 = (
    asin, acos, atan, asinh, acosh, atanh, atan2)

NAMES = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh",
         "atanh", "deg2rad", "rad2deg", "sinc"]
ALIASES = {"arcsin": asin, "arccos": acos, "arctan": atan, "arcsinh": asinh, "arccosh": acosh,
           "arctanh": atanh, "arctan2": atan2}
UFUNCS = {"sin": "sin", "cos": "cos", "tan": "tan", "asin": "arcsin", "acos": "arccos",
          "atan": "arctan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "asinh": "arcsinh",
          "acosh": "arccosh", "atanh": "arctanh"}

__all__ = [*NAMES, *ALIASES, "atan2", "hypot"]
# In-place methods without a ufunc of their own (the others are in UFUNCS).
INPLACE = {"deg2rad_": deg2rad, "rad2deg_": rad2deg, "sinc_": sinc}
