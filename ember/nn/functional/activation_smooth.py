"""Smooth activations built on exp/log: softplus and logsigmoid as primitives (their naive
compositions overflow), and the compositions elu, selu, celu, gelu, silu, mish, softsign,
tanhshrink (re-exported by ``activation.py``).

>>> import ember
>>> from ember.nn import functional as F
>>> F.softplus(ember.tensor([0.0])).tolist()
[0.6931471824645996]
"""

from __future__ import annotations

import math

from ... import ops
from ...ops.elementwise import float_input
from ...ops.registry import defop
from ...tensor import Tensor
from .activation_softmax import _quiet

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


@defop("softplus", save=(0,))
def _softplus(ctx, x, *, beta, threshold):
    xp = ctx.xp
    bx = x * beta
    with _quiet(xp):
        # log(1 + e^z) = max(z, 0) + log1p(e^-|z|): no overflow for large |z|.
        soft = (xp.maximum(bx, 0) + xp.log1p(xp.exp(-xp.abs(bx)))) / beta
    return xp.where(bx > threshold, x, soft).astype(x.dtype, copy=False)


@_softplus.def_backward
def _(ctx, g, *, beta, threshold):
    (x,) = ctx.saved
    bx = x * beta
    return (ops.where(bx > threshold, g, g * ops.sigmoid(bx)),)


@_softplus.def_jvp
def _(ctx, tangents, *, beta, threshold):
    bx = ctx.inputs[0] * beta
    return ops.where(bx > threshold, tangents[0], tangents[0] * ops.sigmoid(bx))


@defop("log_sigmoid", save=(0,))
def _logsigmoid(ctx, x):
    xp = ctx.xp
    with _quiet(xp):
        return (xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))).astype(x.dtype, copy=False)


@_logsigmoid.def_backward
def _(ctx, g):
    (x,) = ctx.saved
    return (g * ops.sigmoid(-x),)


@_logsigmoid.def_jvp
def _(ctx, tangents):
    return tangents[0] * ops.sigmoid(-ctx.inputs[0])


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.softplus(ember.tensor([30.0])).tolist()
    [30.0]
    """
    return _softplus(float_input("softplus", input), beta=beta, threshold=threshold)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, stable for large ``|x|``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.logsigmoid(ember.tensor([-200.0])).tolist()
    [-200.0]
    """
    return _logsigmoid(float_input("logsigmoid", input))


def _neg_expm1(x: Tensor, scale: float = 1.0) -> Tensor:
    """``expm1(min(x, 0) / scale)``: the min keeps positive inputs from overflowing exp, whose
    inf would turn the masked-out gradient into NaN (0 * inf)."""
    return (x.clamp(max=0) / scale).expm1() if scale != 1.0 else x.clamp(max=0).expm1()


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.elu(ember.tensor([1.0, 0.0])).tolist()
    [1.0, 0.0]
    """
    if inplace:
        return elu_(input, alpha)
    x = float_input("elu", input)
    return ops.where(x > 0, x, _neg_expm1(x) * alpha)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.selu(ember.tensor([0.0])).tolist()
    [0.0]
    """
    if inplace:
        return selu_(input)
    x = float_input("selu", input)
    return ops.where(x > 0, x, _neg_expm1(x) * _SELU_ALPHA) * _SELU_SCALE


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.celu(ember.tensor([2.0])).tolist()
    [2.0]
    """
    if inplace:
        return celu_(input, alpha)
    if alpha == 0:
        raise RuntimeError("celu: ZeroDivisionError, alpha must not be 0")
    x = float_input("celu", input)
    return ops.where(x > 0, x, _neg_expm1(x, alpha) * alpha)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)``; ``approximate='tanh'`` uses the tanh approximation.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.gelu(ember.tensor([0.0])).tolist()
    [0.0]
    """
    x = float_input("gelu", input)
    if approximate == "none":
        return x * (1 + (x * _SQRT_HALF).erf()) * 0.5
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
        return x * (1 + inner.tanh()) * 0.5
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.silu(ember.tensor([0.0])).tolist()
    [0.0]
    """
    if inplace:
        return _inplace("silu", input, silu)
    x = float_input("silu", input)
    return x * ops.sigmoid(x)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.mish(ember.tensor([0.0])).tolist()
    [0.0]
    """
    if inplace:
        return _inplace("mish", input, mish)
    x = float_input("mish", input)
    return x * softplus(x).tanh()


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.softsign(ember.tensor([1.0])).tolist()
    [0.5]
    """
    x = float_input("softsign", input)
    return x / (x.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.tanhshrink(ember.tensor([0.0])).tolist()
    [0.0]
    """
    x = float_input("tanhshrink", input)
    return x - x.tanh()


def _inplace(name: str, input: Tensor, fn, *args) -> Tensor:
    """``input`` made to hold ``fn(input, *args)`` (the ``inplace=True`` flavour)."""
    from ...ops.inplace import run_inplace

    return run_inplace(name + "_", input, fn, args)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`elu`."""
    return _inplace("elu", input, elu, alpha)


def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu`."""
    return _inplace("selu", input, selu)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu`."""
    return _inplace("celu", input, celu, alpha)


__all__ = ["softplus", "logsigmoid", "elu", "selu", "celu", "gelu", "silu", "mish", "softsign",
           "tanhshrink", "elu_", "selu_", "celu_"]
