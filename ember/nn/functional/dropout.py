"""Dropout: ``dropout``, ``dropout1d/2d/3d`` (whole channels), ``alpha_dropout`` and
``feature_alpha_dropout``.

Masks come from ember's random generator (``ember.manual_seed`` makes them repeatable). The
output is ``input * mask`` with the mask already scaled, so the gradient is ``mask * scale``
through ordinary autograd. ``p == 0``, ``training=False`` and empty inputs return ``input``
itself; ``p == 1`` gives zeros, as in PyTorch.

>>> import ember
>>> x = ember.ones(4)
>>> dropout(x, 0.5, training=False) is x
True
>>> sorted(set(dropout(ember.ones(100), 0.5).tolist()))
[0.0, 2.0]
"""

from __future__ import annotations

from ... import ops
from ...tensor import Tensor

# SELU's alpha * scale: alpha_dropout sets dropped units to its negative saturation value.
_SELU_NEG = 1.7580993408473766


def _check(op: str, input: object, p: float) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected input to be a Tensor, got {type(input).__name__}")
    if not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{op}: expected a floating-point input, got {input.dtype}")
    return input


def _keep_mask(input: Tensor, p: float, feature: bool) -> Tensor:
    """1 where a unit (or, with ``feature``, a whole channel) is kept, in input's dtype."""
    shape = tuple(input.shape)
    if feature:  # one draw per (sample, channel), broadcast over the spatial dims
        shape = shape[:2] + (1,) * (len(shape) - 2)
    return ops.bernoulli(ops.full(shape, 1.0 - p, dtype=input.dtype, device=input.device))


def _finish(input: Tensor, out: Tensor, inplace: bool) -> Tensor:
    return input.copy_(out) if inplace else out


def _apply(op: str, input: Tensor, p: float, training: bool, inplace: bool,
           feature: bool, alpha: bool) -> Tensor:
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        return _finish(input, input * 0.0, inplace)
    mask = _keep_mask(input, p, feature)
    if not alpha:
        return _finish(input, input * (mask * (1.0 / (1.0 - p))), inplace)
    # Keep mean 0 and variance 1 for SELU activations (Klambauer et al., 2017).
    a = ((_SELU_NEG ** 2 * p + 1) * (1 - p)) ** -0.5
    shift = (mask - 1) * (_SELU_NEG * a) + _SELU_NEG * a * p
    return _finish(input, input * (mask * a) + shift, inplace)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
            ) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    >>> import ember
    >>> dropout(ember.ones(3), p=1.0).tolist()
    [0.0, 0.0, 0.0]
    """
    _check("dropout", input, p)
    return _apply("dropout", input, p, training, inplace, False, False)


def _feature(op: str, input: Tensor, p: float, training: bool, inplace: bool,
             ranks: tuple[int, int], alpha: bool = False) -> Tensor:
    _check(op, input, p)
    if input.ndim not in ranks:
        raise RuntimeError(f"{op}: expected {ranks[0]}D or {ranks[1]}D input, but received "
                           f"a {input.ndim}D input of shape {tuple(input.shape)}")
    if input.ndim == ranks[0]:  # no batch dim: one channel mask for the single sample
        out = _apply(op, input.unsqueeze(0), p, training, False, True, alpha).squeeze(0)
        return _finish(input, out, inplace) if out is not input and inplace else out
    return _apply(op, input, p, training, inplace, True, alpha)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
              ) -> Tensor:
    """Zero whole channels of an ``(N, C, L)`` or ``(C, L)`` input.

    >>> import ember
    >>> y = dropout1d(ember.ones(1, 50, 4), 0.5)
    >>> bool(((y == 0).all(-1) | (y == 2).all(-1)).all())
    True
    """
    return _feature("dropout1d", input, p, training, inplace, (2, 3))


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
              ) -> Tensor:
    """Zero whole channels of an ``(N, C, H, W)`` input.

    A 3-d input is taken as ``(N, C, L)``, PyTorch's historical behaviour (PyTorch warns).

    >>> import ember
    >>> dropout2d(ember.ones(1, 2, 2, 2), 0.5, training=False).shape
    ember.Size([1, 2, 2, 2])
    """
    _check("dropout2d", input, p)
    if input.ndim < 2:
        raise RuntimeError(f"dropout2d: expected a 3D or 4D input, got shape "
                           f"{tuple(input.shape)}")
    return _apply("dropout2d", input, p, training, inplace, True, False)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
              ) -> Tensor:
    """Zero whole channels of an ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input.

    >>> import ember
    >>> dropout3d(ember.ones(2, 1, 1, 1), 0.0).shape
    ember.Size([2, 1, 1, 1])
    """
    return _feature("dropout3d", input, p, training, inplace, (4, 5))


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout that keeps zero mean and unit variance, for SELU networks.

    >>> import ember
    >>> alpha_dropout(ember.ones(2), 0.5).shape
    ember.Size([2])
    """
    _check("alpha_dropout", input, p)
    return _apply("alpha_dropout", input, p, training, inplace, False, True)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """``alpha_dropout`` of whole channels (dim 1).

    >>> import ember
    >>> feature_alpha_dropout(ember.ones(2, 3, 4), 0.5, training=True).shape
    ember.Size([2, 3, 4])
    """
    _check("feature_alpha_dropout", input, p)
    if input.ndim < 2:
        raise RuntimeError(f"feature_alpha_dropout: expected an input with a channel dim, got "
                           f"shape {tuple(input.shape)}")
    return _apply("feature_alpha_dropout", input, p, training, inplace, True, True)


__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]
