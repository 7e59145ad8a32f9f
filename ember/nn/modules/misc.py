"""Layer classes for functions that had none: ``Fold``, ``Unfold``, ``CosineSimilarity``,
``PairwiseDistance``, ``ChannelShuffle`` and ``MaxUnpool1d/2d/3d``, as in ``torch.nn``.

>>> import ember
>>> pool, unpool = ember.nn.MaxPool2d(2, return_indices=True), ember.nn.MaxUnpool2d(2)
>>> y, idx = pool(ember.arange(16.0).reshape(1, 1, 4, 4))
>>> unpool(y, idx).tolist()[0][0][1]
[0.0, 5.0, 0.0, 7.0]
"""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from .. import functional as F
from ..module import Module


class Fold(Module):
    """Sum sliding local blocks back into a tensor (:func:`ember.nn.functional.fold`).

    >>> import ember
    >>> Fold(output_size=(3, 3), kernel_size=2)(ember.ones(1, 4, 4)).shape
    ember.Size([1, 1, 3, 3])
    """

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1,
                 padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size, self.dilation = output_size, kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation="
                f"{self.dilation}, padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    """Extract sliding local blocks (:func:`ember.nn.functional.unfold`, im2col).

    >>> import ember
    >>> Unfold(kernel_size=2)(ember.ones(1, 1, 3, 3)).shape
    ember.Size([1, 4, 4])
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding="
                f"{self.padding}, stride={self.stride}")


class CosineSimilarity(Module):
    """Cosine similarity of ``x1`` and ``x2`` along ``dim``.

    >>> import ember
    >>> CosineSimilarity(dim=0)(ember.tensor([1.0, 0.0]), ember.tensor([2.0, 0.0])).item()
    1.0
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """The ``p``-norm distance between the rows of ``x1`` and ``x2`` (``norm`` holds ``p``,
    as in PyTorch).

    >>> import ember
    >>> PairwiseDistance()(ember.tensor([[3.0, 0.0]]), ember.tensor([[0.0, 4.0]])).tolist()
    [5.0]
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class ChannelShuffle(Module):
    """Interleave ``groups`` groups of channels (ShuffleNet).

    >>> import ember
    >>> ChannelShuffle(2)(ember.arange(4.0).reshape(1, 4, 1, 1)).flatten().tolist()
    [0.0, 2.0, 1.0, 3.0]
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class _MaxUnpoolNd(Module):
    _nd = 0
    _fn: Any = None

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        # Stored as tuples, stride defaulting to the kernel size, as PyTorch does.
        nd = self._nd

        def tup(v: Any) -> tuple:
            return tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd

        self.kernel_size = tup(kernel_size)
        self.stride = tup(stride if stride is not None else kernel_size)
        self.padding = tup(padding)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return type(self)._fn(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Inverse of ``MaxPool1d(return_indices=True)``: non-maxima become zeros.

    >>> MaxUnpool1d(2)
    MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(0,))
    """

    _nd, _fn = 1, staticmethod(F.max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    """Inverse of ``MaxPool2d(return_indices=True)``: non-maxima become zeros.

    >>> MaxUnpool2d(2, stride=1)
    MaxUnpool2d(kernel_size=(2, 2), stride=(1, 1), padding=(0, 0))
    """

    _nd, _fn = 2, staticmethod(F.max_unpool2d)


class MaxUnpool3d(_MaxUnpoolNd):
    """Inverse of ``MaxPool3d(return_indices=True)``: non-maxima become zeros.

    >>> MaxUnpool3d(2)
    MaxUnpool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 0, 0))
    """

    _nd, _fn = 3, staticmethod(F.max_unpool3d)


__all__ = ["Fold", "Unfold", "CosineSimilarity", "PairwiseDistance", "ChannelShuffle",
           "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]
