"""Activation functions of ``ember.nn.functional``, as in ``torch.nn.functional``.

Piecewise-linear ones live here; the softmax family is in ``activation_softmax.py`` and the
smooth exp/log ones in ``activation_smooth.py`` (both re-exported). Gradients at the kinks
follow PyTorch's kernels (e.g. ``hardtanh`` passes no gradient at its bounds).

>>> import ember
>>> from ember.nn import functional as F
>>> F.leaky_relu(ember.tensor([-1.0, 2.0]), 0.1).tolist()
[-0.10000000149011612, 2.0]
"""

from __future__ import annotations

from ... import ops
from ...ops._common import bind_methods
from ...ops.elementwise import float_input
from ...ops.registry import defop
from ...tensor import Tensor
from .activation_smooth import *  # noqa: F403
from .activation_smooth import __all__ as _smooth_all
from .activation_smooth import _inplace
from .activation_softmax import *  # noqa: F403
from .activation_softmax import __all__ as _softmax_all

sigmoid = ops.sigmoid
tanh = ops.tanh


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(x, 0)``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.relu(ember.tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    return ops.relu_(input) if inplace else ops.relu(input)


relu_ = ops.relu_


@defop("hardtanh", save=(0,))
def _hardtanh(ctx, x, *, min_val, max_val):
    return ctx.xp.clip(x, min_val, max_val).astype(x.dtype, copy=False)


@_hardtanh.def_backward
def _(ctx, g, *, min_val, max_val):
    (x,) = ctx.saved
    return (ops.where((x > min_val) & (x < max_val), g, 0.0),)


@_hardtanh.def_jvp
def _(ctx, tangents, *, min_val, max_val):
    x = ctx.inputs[0]
    return ops.where((x > min_val) & (x < max_val), tangents[0], 0.0)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``clamp(x, min_val, max_val)``; no gradient at or beyond the bounds.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.hardtanh(ember.tensor([-3.0, 0.5])).tolist()
    [-1.0, 0.5]
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    if inplace:
        return _inplace("hardtanh", input, hardtanh, min_val, max_val)
    return _hardtanh(float_input("hardtanh", input), min_val=min_val, max_val=max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place :func:`hardtanh`."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.relu6(ember.tensor([-1.0, 7.0])).tolist()
    [0.0, 6.0]
    """
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.hardsigmoid(ember.tensor([0.0])).tolist()
    [0.5]
    """
    if inplace:
        return _inplace("hardsigmoid", input, hardsigmoid)
    x = float_input("hardsigmoid", input)
    return _hardtanh(x + 3, min_val=0.0, max_val=6.0) / 6


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``; the gradient at -3 and 3 is PyTorch's (``x / 3 + 1/2``).

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.hardswish(ember.tensor([-4.0, 4.0])).tolist()
    [-0.0, 4.0]
    """
    if inplace:
        return _inplace("hardswish", input, hardswish)
    x = float_input("hardswish", input)
    middle = ops.where(x <= 3, x * (x + 3) / 6, x)
    return ops.where(x < -3, x * 0, middle)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` for ``x > 0``, else ``negative_slope * x``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.leaky_relu(ember.tensor([-100.0])).tolist()
    [-1.0]
    """
    if inplace:
        return _inplace("leaky_relu", input, leaky_relu, negative_slope)
    x = float_input("leaky_relu", input)
    return ops.where(x > 0, x, x * negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place :func:`leaky_relu`."""
    return leaky_relu(input, negative_slope, inplace=True)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.threshold(ember.tensor([0.5, 2.0]), 1.0, -1.0).tolist()
    [-1.0, 2.0]
    """
    if inplace:
        return _inplace("threshold", input, _threshold, threshold, value)
    return _threshold(input, threshold, value)


def _threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"threshold: expected a Tensor as input, got {type(input).__name__}")
    return ops.where(input > threshold, input, ops.zeros_like(input) + value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`."""
    return _inplace("threshold", input, _threshold, threshold, value)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.softshrink(ember.tensor([1.0, 0.2])).tolist()
    [0.5, 0.0]
    """
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to be "
                           f"{lambd}.")
    x = float_input("softshrink", input)
    return ops.where(x > lambd, x - lambd, ops.where(x < -lambd, x + lambd, x * 0))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.hardshrink(ember.tensor([1.0, 0.2])).tolist()
    [1.0, 0.0]
    """
    x = float_input("hardshrink", input)
    return ops.where((x > lambd) | (x < -lambd), x, x * 0)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` for ``x > 0``, else ``weight * x``; ``weight`` has 1 or ``C`` (dim 1) entries.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.prelu(ember.tensor([[-2.0, 3.0]]), ember.tensor([0.25])).tolist()
    [[-0.5, 3.0]]
    """
    x = float_input("prelu", input)
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu: weight must be a Tensor, got {type(weight).__name__}")
    n = weight.numel()
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: weight must be 0-d or 1-d, got shape {tuple(weight.shape)}")
    if n != 1:
        channels = x.shape[1] if x.ndim >= 2 else 1  # as PyTorch: below 2 dims, 1 channel
        if n != channels:
            raise RuntimeError(
                f"prelu: mismatch in parameter count: weight has {n} entries but the input of "
                f"shape {tuple(x.shape)} has {channels} channels (dim 1)")
        if x.ndim >= 2:  # one slope per channel of dim 1
            weight = weight.reshape((n,) + (1,) * (x.ndim - 2))
    return ops.where(x > 0, x, x * weight)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomised leaky ReLU: in training each negative input gets a slope drawn uniformly from
    ``[lower, upper]``; in evaluation the slope is ``(lower + upper) / 2``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.rrelu(ember.tensor([-3.0, 1.0])).tolist()
    [-0.6875, 1.0]
    """
    if inplace:
        return _inplace("rrelu", input, rrelu, lower, upper, training)
    return _rrelu(input, lower, upper, training, None)


def _rrelu(input: Tensor, lower: float, upper: float, training: bool, generator) -> Tensor:
    """:func:`rrelu` drawing its slopes from ``generator`` (``torch.rrelu``'s extra argument)."""
    x = float_input("rrelu", input)
    if not training:
        return leaky_relu(x, (lower + upper) / 2)
    noise = ops.rand(*x.shape, generator=generator, dtype=x.dtype, device=x.device)
    return ops.where(x >= 0, x, x * (noise * (upper - lower) + lower))


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """In-place :func:`rrelu`."""
    return rrelu(input, lower, upper, training, inplace=True)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)`` for the two halves ``a, b`` of ``dim``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.glu(ember.tensor([3.0, 0.0])).tolist()
    [1.5]
    """
    from ...ops._common import normalize_dim

    x = float_input("glu", input)
    if x.ndim == 0:
        raise RuntimeError("glu: does not support scalars (0-d tensors)")
    d = normalize_dim("glu", dim, x.ndim)
    if x.shape[d] % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dimension {d} is size "
                           f"{x.shape[d]} (input shape {tuple(x.shape)})")
    a, b = x.chunk(2, d)
    return a * ops.sigmoid(b)


# Tensor methods PyTorch has for these (x.prelu(w), x.hardshrink(0.5)).
bind_methods(prelu=prelu, hardshrink=hardshrink)

__all__ = ["relu", "relu_", "relu6", "hardtanh", "hardtanh_", "hardsigmoid", "hardswish",
           "leaky_relu", "leaky_relu_", "threshold", "threshold_", "softshrink", "hardshrink",
           "prelu", "rrelu", "rrelu_", "glu", "sigmoid", "tanh", *_smooth_all, *_softmax_all]
