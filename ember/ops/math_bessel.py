"""Modified Bessel functions of the first kind: ``i0`` and, for ``ember.special``, the
exponentially scaled ``i0e`` and the order-1 ``i1``/``i1e``.

Computed in float64 without SciPy, by the Chebyshev series of ``_bessel.py``. Gradients
are PyTorch's: ``i0' = i1``, ``i0e' = i1e - sgn(x) i0e``, ``i1' = i0 - i1/x`` and
``i1e' = i0e - i1e (sgn(x) + 1/x)``, each 1/2 at 0.

>>> import ember
>>> ember.i0(ember.tensor([0.0, 1.0])).tolist()
[1.0, 1.2660658359527588]
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from ._bessel import i0_array, i0e_array, i1_array, i1e_array
from ._common import bind_methods
from .elementwise import float_input, unary_inplace, unary_op
from .elementwise import where as _where

_ARRAY_FUNCTIONS = {(0, True): i0e_array, (0, False): i0_array, (1, True): i1e_array,
                    (1, False): i1_array}


def _bessel(xp: Any, x: Any, order: int, scaled: bool) -> Any:
    """I_order(x) (times exp(-|x|) when ``scaled``), for order 0 or 1, computed in float64
    and rounded to ``x``'s dtype; unscaled values overflow to inf as PyTorch's do, without
    a warning."""
    return _ARRAY_FUNCTIONS[order, scaled](xp, x.astype("float64")).astype(x.dtype)


def _safe_x(x: Tensor) -> Tensor:
    """``x`` with zeros replaced by ones: the ``1/x`` branch that ``where`` drops at 0
    stays finite, so no NaN reaches the gradient through it."""
    return _where(x == 0, 1.0, x)


def _i1_deriv(g: Tensor, x: Tensor, y: Tensor) -> Tensor:
    return g * _where(x == 0, 0.5, i0(x) - y / _safe_x(x))


def _i1e_deriv(g: Tensor, x: Tensor, y: Tensor) -> Tensor:
    return g * _where(x == 0, 0.5, i0e(x) - y * (x.sign() + 1 / _safe_x(x)))


_i0 = unary_op("i0", lambda ctx, x: _bessel(ctx.xp, x, 0, False),
               lambda g, x, y: g * i1(x), save_x=True)
_i0e = unary_op("special_i0e", lambda ctx, x: _bessel(ctx.xp, x, 0, True),
                lambda g, x, y: g * (i1e(x) - x.sign() * y), save_x=True, save_y=True)
_i1 = unary_op("special_i1", lambda ctx, x: _bessel(ctx.xp, x, 1, False), _i1_deriv,
               save_x=True, save_y=True)
_i1e = unary_op("special_i1e", lambda ctx, x: _bessel(ctx.xp, x, 1, True), _i1e_deriv,
                save_x=True, save_y=True)


def i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0 (integers give floats).

    >>> import ember
    >>> round(ember.i0(ember.tensor(2.0)).item(), 4)
    2.2796
    """
    return _i0(float_input("i0", input))


def i0e(input: Tensor) -> Tensor:
    """``i0(x) * exp(-|x|)``, which stays finite where ``i0`` overflows.

    >>> import ember
    >>> round(ember.special.i0e(ember.tensor(1000.0)).item(), 6)
    0.012617
    """
    return _i0e(float_input("i0e", input))


def i1(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 1 (odd in ``x``).

    >>> import ember
    >>> round(ember.special.i1(ember.tensor(-1.0)).item(), 4)
    -0.5652
    """
    return _i1(float_input("i1", input))


def i1e(input: Tensor) -> Tensor:
    """``i1(x) * exp(-|x|)``.

    >>> import ember
    >>> round(ember.special.i1e(ember.tensor(1.0)).item(), 4)
    0.2079
    """
    return _i1e(float_input("i1e", input))


i0_ = unary_inplace("i0_", i0)

bind_methods(i0=i0, i0_=i0_)

__all__ = ["i0", "i0_"]
