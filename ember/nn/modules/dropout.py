"""Dropout layers: ``Dropout``, ``Dropout1d/2d/3d``, ``AlphaDropout``,
``FeatureAlphaDropout``. They drop only in training mode; ``eval()`` makes them the identity.

>>> import ember
>>> d = ember.nn.Dropout(0.5).eval()
>>> x = ember.ones(3)
>>> d(x) is x
True
"""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from ..module import Module


class _DropoutNd(Module):
    _fn = staticmethod(F.dropout)

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise ValueError(f"{type(self).__name__}: dropout probability has to be between 0 "
                             f"and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        return self._fn(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zeroes each element with probability ``p`` in training, scaling the rest by
    ``1 / (1 - p)``.

    >>> import ember
    >>> ember.nn.Dropout(0.0)(ember.ones(2)).tolist()
    [1.0, 1.0]
    """


class Dropout1d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, L)`` or ``(C, L)`` inputs.

    >>> import ember
    >>> ember.nn.Dropout1d(0.5)(ember.ones(2, 3, 4)).shape
    ember.Size([2, 3, 4])
    """

    _fn = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, H, W)`` inputs.

    >>> import ember
    >>> ember.nn.Dropout2d(0.5)(ember.ones(2, 3, 4, 4)).shape
    ember.Size([2, 3, 4, 4])
    """

    _fn = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` inputs.

    >>> import ember
    >>> ember.nn.Dropout3d(0.5)(ember.ones(2, 3, 1, 2, 2)).shape
    ember.Size([2, 3, 1, 2, 2])
    """

    _fn = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps SELU activations at zero mean and unit variance.

    >>> import ember
    >>> ember.nn.AlphaDropout(0.2)(ember.ones(5)).shape
    ember.Size([5])
    """

    _fn = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """``AlphaDropout`` of whole channels.

    >>> import ember
    >>> ember.nn.FeatureAlphaDropout(0.2)(ember.ones(2, 3, 4)).shape
    ember.Size([2, 3, 4])
    """

    _fn = staticmethod(F.feature_alpha_dropout)


__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
           "FeatureAlphaDropout"]
