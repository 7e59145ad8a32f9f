"""Unary math: abs, sign, exponentials, logarithms, roots, squares and reciprocals.

Integer and bool inputs of the float functions give the default float dtype, as in PyTorch;
``abs``, ``sign`` and ``square`` keep integer dtypes. Trigonometric and special functions live
in ``math_trig.py`` and ``math_special.py`` and are re-exported here.

>>> import ember
>>> ember.exp(ember.tensor([0.0])).tolist()
[1.0]
"""

from __future__ import annotations

import math as _m

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import bind_methods
from .elementwise import check_tensor, float_input, unary_inplace, unary_op
from .inplace import make_inplace
from .registry import fast_unary

_LN2, _LN10 = _m.log(2.0), _m.log(10.0)


# ----------------------------------------------------------------------------- abs, sign
def _abs_deriv(g, x, y):
    return g * sign(x)  # sign(0) = 0: abs has gradient 0 at 0, as in PyTorch


_abs = unary_op("abs", lambda ctx, x: ctx.xp.abs(x), _abs_deriv, save_x=True)


def _sign_forward(ctx, x):
    if x.dtype.kind == "b":
        return x.copy()
    out = ctx.xp.sign(x)
    if x.dtype.kind in "iu":
        return out
    return ctx.xp.where(ctx.xp.isnan(x), 0, out)  # PyTorch's sign(NaN) is 0, NumPy's NaN


_sign = unary_op("sign", _sign_forward, zero_grad=True)


def abs(input: Tensor) -> Tensor:
    """Absolute value (integer dtypes stay integer; bool is refused, as in PyTorch).

    >>> import ember
    >>> ember.abs(ember.tensor([-2, 3])).tolist()
    [2, 3]
    """
    check_tensor("abs", input)
    if input.dtype is _dt.bool_:
        raise TypeError("abs: not supported for bool tensors (shape "
                        f"{tuple(input.shape)}); use the tensor itself or logical ops")
    return _abs(input)


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element (0 for NaN); zero gradient.

    >>> import ember
    >>> ember.sign(ember.tensor([-2.0, 0.0, 3.0])).tolist()
    [-1.0, 0.0, 1.0]
    """
    return _sign(check_tensor("sign", input))


def sgn(input: Tensor) -> Tensor:
    """PyTorch's extension of :func:`sign` to complex numbers; for real dtypes, ``sign``.

    >>> import ember
    >>> ember.sgn(ember.tensor([-2, 0, 3])).tolist()
    [-1, 0, 1]
    """
    return _sign(check_tensor("sgn", input))


# ----------------------------------------------------------------------------- exp, log
_exp = unary_op("exp", lambda ctx, x: ctx.xp.exp(x), lambda g, x, y: g * y, save_y=True)
_exp2 = unary_op("exp2", lambda ctx, x: ctx.xp.exp2(x), lambda g, x, y: g * (y * _LN2),
                 save_y=True)
_expm1 = unary_op("expm1", lambda ctx, x: ctx.xp.expm1(x), lambda g, x, y: g * (y + 1),
                  save_y=True)
_log = unary_op("log", lambda ctx, x: ctx.xp.log(x), lambda g, x, y: g / x, save_x=True)
_log2 = unary_op("log2", lambda ctx, x: ctx.xp.log2(x), lambda g, x, y: g / (x * _LN2),
                 save_x=True)
_log10 = unary_op("log10", lambda ctx, x: ctx.xp.log10(x), lambda g, x, y: g / (x * _LN10),
                  save_x=True)
_log1p = unary_op("log1p", lambda ctx, x: ctx.xp.log1p(x), lambda g, x, y: g / (x + 1),
                  save_x=True)


def exp(input: Tensor) -> Tensor:
    """``e ** input``.

    >>> import ember
    >>> ember.exp(ember.tensor([0.0, 1.0], dtype=ember.float64)).tolist()
    [1.0, 2.718281828459045]
    """
    return _exp(float_input("exp", input))


def exp2(input: Tensor) -> Tensor:
    """``2 ** input``.

    >>> import ember
    >>> ember.exp2(ember.tensor([3])).tolist()
    [8.0]
    """
    return _exp2(float_input("exp2", input))


def expm1(input: Tensor) -> Tensor:
    """``exp(input) - 1``, accurate near 0.

    >>> import ember
    >>> ember.expm1(ember.tensor([0.0])).tolist()
    [0.0]
    """
    return _expm1(float_input("expm1", input))


def log(input: Tensor) -> Tensor:
    """Natural logarithm (NaN for negatives, -inf at 0).

    >>> import ember
    >>> ember.log(ember.tensor([1.0])).tolist()
    [0.0]
    """
    return _log(float_input("log", input))


def log2(input: Tensor) -> Tensor:
    """Base-2 logarithm.

    >>> import ember
    >>> ember.log2(ember.tensor([8.0])).tolist()
    [3.0]
    """
    return _log2(float_input("log2", input))


def log10(input: Tensor) -> Tensor:
    """Base-10 logarithm.

    >>> import ember
    >>> ember.log10(ember.tensor([100.0], dtype=ember.float64)).tolist()
    [2.0]
    """
    return _log10(float_input("log10", input))


def log1p(input: Tensor) -> Tensor:
    """``log(1 + input)``, accurate near 0.

    >>> import ember
    >>> ember.log1p(ember.tensor([0.0])).tolist()
    [0.0]
    """
    return _log1p(float_input("log1p", input))


# ----------------------------------------------------------------------------- roots, powers
_sqrt = unary_op("sqrt", lambda ctx, x: ctx.xp.sqrt(x), lambda g, x, y: g / (y * 2),
                 save_y=True)
_rsqrt = unary_op("rsqrt", lambda ctx, x: ctx.xp.reciprocal(ctx.xp.sqrt(x)),
                  lambda g, x, y: g * (y * y * y * -0.5), save_y=True)
_square = unary_op("square", lambda ctx, x: ctx.xp.square(x), lambda g, x, y: g * (x * 2),
                   save_x=True)
_reciprocal = unary_op("reciprocal", lambda ctx, x: ctx.xp.reciprocal(x),
                       lambda g, x, y: g * -(y * y), save_y=True)


def sqrt(input: Tensor) -> Tensor:
    """Square root (its gradient at 0 is inf, as in PyTorch).

    >>> import ember
    >>> ember.sqrt(ember.tensor([4.0])).tolist()
    [2.0]
    """
    return _sqrt(float_input("sqrt", input))


def rsqrt(input: Tensor) -> Tensor:
    """``1 / sqrt(input)``.

    >>> import ember
    >>> ember.rsqrt(ember.tensor([4.0])).tolist()
    [0.5]
    """
    return _rsqrt(float_input("rsqrt", input))


def square(input: Tensor) -> Tensor:
    """``input * input`` (integers stay integer; bool becomes int64, as in PyTorch).

    >>> import ember
    >>> ember.square(ember.tensor([-3])).tolist()
    [9]
    """
    check_tensor("square", input)
    if input.dtype is _dt.bool_:
        from ._common import cast

        input = cast(input, _dt.int64)
    return _square(input)


def reciprocal(input: Tensor) -> Tensor:
    """``1 / input``.

    >>> import ember
    >>> ember.reciprocal(ember.tensor([2])).tolist()
    [0.5]
    """
    return _reciprocal(float_input("reciprocal", input))


from . import math_binary as _binary  # noqa: E402
from . import math_gamma as _gamma  # noqa: E402
from . import math_special as _special  # noqa: E402
from . import math_trig as _trig  # noqa: E402
from .math_binary import *  # noqa: E402, F403
from .math_gamma import *  # noqa: E402, F403
from .math_special import *  # noqa: E402, F403
from .math_trig import *  # noqa: E402, F403

# Hot ops: a fast path for the no-graph case (registry.fast_unary) that runs the same
# primitive forward as the full path.
exp = fast_unary(exp, _exp.forward, "f")
log = fast_unary(log, _log.forward, "f")
sqrt = fast_unary(sqrt, _sqrt.forward, "f")
abs = fast_unary(abs, _abs.forward, "iuf")

bind_methods(
    **{n: getattr(_trig, n) for n in _trig.__all__},
    **{f"{n}_": unary_inplace(f"{n}_", getattr(_trig, n), u) for n, u in _trig.UFUNCS.items()},
    **{f"{n}_": unary_inplace(f"{n}_", f) for n, f in _trig.ALIASES.items()},
    **{n: unary_inplace(n, f) for n, f in _trig.INPLACE.items()},
    **{n: getattr(_binary, n) for n in _binary.__all__},
    lgamma=_gamma.lgamma, digamma=_gamma.digamma, polygamma=_gamma._polygamma_method,
    lgamma_=unary_inplace("lgamma_", _gamma.lgamma),
    digamma_=unary_inplace("digamma_", _gamma.digamma),
    polygamma_=unary_inplace("polygamma_", _gamma._polygamma_method),
    **{f"{n}_": make_inplace(f"{n}_", getattr(_binary, n))
       for n in ("xlogy", "copysign", "heaviside")},
    **{n: getattr(_special, n) for n in _special.__all__},
    sigmoid_=unary_inplace("sigmoid_", _special.sigmoid),
    logit_=unary_inplace("logit_", _special.logit),
    erf_=unary_inplace("erf_", _special.erf), erfc_=unary_inplace("erfc_", _special.erfc),
    erfinv_=unary_inplace("erfinv_", _special.erfinv),
    nan_to_num_=unary_inplace("nan_to_num_", _special.nan_to_num),
    lerp_=unary_inplace("lerp_", _special.lerp),
    abs=abs, __abs__=abs, absolute=abs, sign=sign, sgn=sgn, sgn_=unary_inplace("sgn_", sgn),
    exp=exp, exp2=exp2, expm1=expm1, log=log,
    log2=log2, log10=log10, log1p=log1p, sqrt=sqrt, rsqrt=rsqrt, square=square,
    reciprocal=reciprocal,
    abs_=unary_inplace("abs_", abs, "abs"), absolute_=unary_inplace("absolute_", abs, "abs"),
    sign_=unary_inplace("sign_", sign), exp_=unary_inplace("exp_", exp, "exp"),
    exp2_=unary_inplace("exp2_", exp2, "exp2"), expm1_=unary_inplace("expm1_", expm1, "expm1"),
    log_=unary_inplace("log_", log, "log"), log2_=unary_inplace("log2_", log2, "log2"),
    log10_=unary_inplace("log10_", log10, "log10"),
    log1p_=unary_inplace("log1p_", log1p, "log1p"), sqrt_=unary_inplace("sqrt_", sqrt, "sqrt"),
    rsqrt_=unary_inplace("rsqrt_", rsqrt), square_=unary_inplace("square_", square, "square"),
    reciprocal_=unary_inplace("reciprocal_", reciprocal, "reciprocal"),
)
absolute = abs

__all__ = ["abs", "absolute", "sign", "sgn", "exp", "exp2", "expm1", "log", "log2", "log10",
           "log1p", "sqrt", "rsqrt", "square", "reciprocal", *_trig.__all__, *_special.__all__,
           *_binary.__all__, *_gamma.__all__]
