"""More of ``torch.special``: ``ndtr``, ``ndtri``, ``log_ndtr``, ``erfcx``, ``entr``,
``xlog1py``, ``multigammaln`` (``mvlgamma``) and the regularised incomplete gamma functions
``gammainc``/``gammaincc`` (``igamma``/``igammac``). The numerics are in ``_ndtr.py`` and
``_igamma.py`` (float64 on the backend's arrays, rounded to the input's dtype); the
gradients are PyTorch's formulas written in ember ops, so they can be differentiated again.

``gammainc`` and ``gammaincc`` have a gradient for ``other`` only, as in PyTorch: asking for
the one of ``input`` raises ``NotImplementedError``.

>>> import ember
>>> x = ember.tensor([-1.0, 0.0, 1.0], dtype=ember.float64)
>>> [round(v, 6) for v in ember.special.ndtr(x).tolist()]
[0.158655, 0.5, 0.841345]
"""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import promote
from ._igamma import gammainc_array, gammaincc_array
from ._ndtr import erfcx_array, log_ndtr_array, ndtr_array, ndtri_array, quiet
from .elementwise import check_tensor, float_input, unary_op, unbroadcast, where, zeros_if_none
from .math_binary import binary_float_op, def_term_rules
from .math_gamma import _in_float64, lgamma
from .registry import defop

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _ln_float_input(op: str, input: Any) -> Tensor:
    """``float_input`` for ops PyTorch's CPU kernels lack in 2-byte floats."""
    x = float_input(op, input)
    if x.dtype.itemsize == 2:
        raise NotImplementedError(f'"{op}_cpu" not implemented for {x.dtype.name} '
                                  f"(shape {tuple(x.shape)})")
    return x


def _entr_forward(ctx, x):
    xp = ctx.xp
    with quiet(xp):
        out = xp.where(x > 0, -x * xp.log(xp.where(x > 0, x, 1)), xp.where(x == 0, 0, -xp.inf))
        return xp.where(xp.isnan(x), x, out).astype(x.dtype, copy=False)


def _exp(t: Tensor) -> Tensor:
    from .math import exp

    return exp(t)


_ndtr = unary_op("special_ndtr", _in_float64(ndtr_array),
                 lambda g, x, y: g * (_exp(-0.5 * x * x) * _INV_SQRT_2PI), save_x=True)
_ndtri = unary_op("special_ndtri", _in_float64(ndtri_array),
                  lambda g, x, y: g * (_exp(0.5 * y * y) * _SQRT_2PI), save_y=True)
_log_ndtr = unary_op("special_log_ndtr", _in_float64(log_ndtr_array),
                     lambda g, x, y: g * (_exp(-(y + 0.5 * x * x)) * _INV_SQRT_2PI),
                     save_x=True, save_y=True)
_erfcx = unary_op("special_erfcx", _in_float64(erfcx_array),
                  lambda g, x, y: g * (2.0 * x * y - _TWO_OVER_SQRT_PI), save_x=True, save_y=True)


def _entr_deriv(g: Tensor, x: Tensor, y: Tensor) -> Tensor:
    from .math import log

    return g * -(1 + log(x))


_entr = unary_op("special_entr", _entr_forward, _entr_deriv, save_x=True)


def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF, accurate relative to its value far into the lower tail.

    >>> import ember
    >>> ember.special.ndtr(ember.tensor([0.0])).tolist()
    [0.5]
    """
    return _ndtr(float_input("special_ndtr", input))


def ndtri(input: Tensor) -> Tensor:
    """The standard normal quantile, the inverse of :func:`ndtr` (-inf at 0, inf at 1, NaN
    outside ``[0, 1]``).

    >>> import ember
    >>> round(ember.special.ndtri(ember.tensor([0.975], dtype=ember.float64)).item(), 6)
    1.959964
    """
    return _ndtri(_ln_float_input("ndtri", input))


def log_ndtr(input: Tensor) -> Tensor:
    """``log(ndtr(input))``, finite where ``ndtr`` underflows.

    >>> import ember
    >>> round(ember.special.log_ndtr(ember.tensor([-40.0], dtype=ember.float64)).item(), 4)
    -804.6084
    """
    return _log_ndtr(_ln_float_input("log_ndtr", input))


def erfcx(input: Tensor) -> Tensor:
    """The scaled complementary error function ``exp(input^2) * erfc(input)``.

    >>> import ember
    >>> round(ember.special.erfcx(ember.tensor([100.0], dtype=ember.float64)).item(), 12)
    0.005641613783
    """
    return _erfcx(_ln_float_input("erfcx", input))


def entr(input: Tensor) -> Tensor:
    """The elementwise entropy ``-x log x`` (0 at 0, -inf for negative ``x``).

    >>> import ember
    >>> ember.special.entr(ember.tensor([0.0, 1.0, -1.0])).tolist()
    [0.0, -0.0, -inf]
    """
    return _entr(float_input("special_entr", input))


# ----------------------------------------------------------------------------- xlog1py
@defop("special_xlog1py", save=(0, 1))
def _xlog1py(ctx, x, y):
    xp = ctx.xp
    with quiet(xp):
        out = x * xp.log1p(y)
        # 0 * log1p(y) is 0 for every y but NaN (also at y = -1, where log1p is -inf)
        return xp.where((x == 0) & ~xp.isnan(y), xp.zeros((), x.dtype), out)


def _xlog1py_terms(gx: Tensor | None, gy: Tensor | None, x: Tensor, y: Tensor):
    """PyTorch's derivatives: ``xlog1py(g, y)`` for ``x`` (0 where ``x == 0`` and
    ``y <= -1``, where the op is the constant 0), ``g x / (1 + y)`` for ``y``."""
    dx = None if gx is None else where((x == 0) & (y <= -1), 0.0, _xlog1py(gx, y))
    dy = None if gy is None else gy * x / (y + 1)
    return dx, dy


def_term_rules(_xlog1py, _xlog1py_terms)


def xlog1py(input: Any, other: Any) -> Tensor:
    """``input * log1p(other)``, 0 wherever ``input`` is 0 (unless ``other`` is NaN); either
    side may be a number; integers give the default float dtype.

    >>> import ember
    >>> ember.special.xlog1py(ember.tensor([0.0, 2.0]), ember.tensor([-1.0, 0.0])).tolist()
    [0.0, 0.0]
    """
    return binary_float_op("special_xlog1py", _xlog1py, input, other)


# ----------------------------------------------------------------------------- multigammaln
def multigammaln(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma function of dimension ``p``:
    ``sum_{i<p} lgamma(input - i/2) + p (p - 1) / 4 log(pi)`` (no domain check, as PyTorch).

    >>> import ember
    >>> round(ember.special.multigammaln(ember.tensor([2.0], dtype=ember.float64), 1).item(), 12)
    0.0
    """
    x = float_input("mvlgamma", input)
    if isinstance(p, bool) or not isinstance(p, int):
        raise TypeError(f"mvlgamma: p must be an int, got {type(p).__name__}")
    if p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1, got {p}")
    from .creation import arange

    # PyTorch's form: the p shifted copies along a new last dim, summed
    shifts = arange(-p * 0.5 + 0.5, 0.5, 0.5, dtype=x.dtype, device=x.device)
    return lgamma(x.unsqueeze(-1) + shifts).sum(-1) + p * (p - 1) * math.log(math.pi) / 4


mvlgamma = multigammaln


# ----------------------------------------------------------------------------- gammainc
def _igamma_op(name: str, array_fn, sign: float):
    def forward(ctx, a, x):
        return array_fn(ctx.xp, a.astype("float64"), x.astype("float64")).astype(a.dtype)

    op = defop(name, save=(0, 1))(forward)

    def deriv(a: Tensor, x: Tensor) -> Tensor:
        from .math import log

        # PyTorch's formula: d P / d x = x^(a-1) e^-x / Gamma(a)
        return sign * _exp((a - 1) * log(x) - x - lgamma(a))

    def no_input_grad() -> None:
        raise NotImplementedError(f"the derivative for '{name}: input' is not implemented "
                                  f"(as in PyTorch: only `other` has a gradient)")

    @op.def_backward
    def _(ctx, g):
        a, x = ctx.saved
        need_a, need_x = ctx.needs_input_grad
        if need_a:
            no_input_grad()
        return None, (unbroadcast(g * deriv(a, x), x.shape) if need_x else None)

    @op.def_jvp
    def _(ctx, tangents):
        (a, x), (ta, tx) = ctx.inputs, tangents
        if ta is not None:
            no_input_grad()
        return (zeros_if_none(tx, x) * deriv(a, x)).expand(ctx.output.shape)

    return op


_igamma = _igamma_op("igamma", gammainc_array, 1.0)
_igammac = _igamma_op("igammac", gammaincc_array, -1.0)


def _igamma_args(op: str, input: Any, other: Any) -> list[Tensor]:
    check_tensor(op, input)
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}: expected other to be a Tensor, got {type(other).__name__}")
    (a, x), dtype = promote(op, input, other)
    if dtype.category != _dt.FLOAT:
        raise NotImplementedError(f'"{op}_cpu" not implemented for {dtype.name} (input '
                                  f"{input.dtype.name} {tuple(input.shape)}, other "
                                  f"{other.dtype.name} {tuple(other.shape)})")
    return [a, x]


def gammainc(input: Tensor, other: Tensor) -> Tensor:
    """The regularised lower incomplete gamma function ``P(input, other)``; differentiable
    in ``other`` only.

    >>> import ember
    >>> a, x = ember.tensor([1.0], dtype=ember.float64), ember.tensor([2.0], dtype=ember.float64)
    >>> round(ember.special.gammainc(a, x).item(), 12)  # 1 - e^-2
    0.864664716763
    """
    return _igamma(*_igamma_args("igamma", input, other))


def gammaincc(input: Tensor, other: Tensor) -> Tensor:
    """The regularised upper incomplete gamma function ``Q(input, other) = 1 - P``; accurate
    where ``Q`` is small.

    >>> import ember
    >>> a, x = ember.tensor([1.0], dtype=ember.float64), ember.tensor([50.0], dtype=ember.float64)
    >>> f"{ember.special.gammaincc(a, x).item():.12e}"  # e^-50
    '1.928749847964e-22'
    """
    return _igammac(*_igamma_args("igammac", input, other))


igamma, igammac = gammainc, gammaincc


def _bind() -> None:
    from ._common import bind_methods
    from .elementwise import unary_inplace
    from .inplace import make_inplace

    def keep_self(fn):
        # the gradient for ``other`` reads the original ``self``, which the in-place write
        # replaces: differentiate through a copy (PyTorch saves the original too)
        return lambda self, other: fn(self.clone() if other.requires_grad else self, other)

    bind_methods(igamma=igamma, igammac=igammac, mvlgamma=mvlgamma,
                 igamma_=make_inplace("igamma_", keep_self(igamma)),
                 igammac_=make_inplace("igammac_", keep_self(igammac)),
                 mvlgamma_=unary_inplace("mvlgamma_", mvlgamma))


_bind()

# the top-level names (torch has the rest under torch.special only)
__all__ = ["igamma", "igammac", "mvlgamma"]
