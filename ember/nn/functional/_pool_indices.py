"""The ``*_with_indices`` forms of max pooling, as in ``torch.nn.functional``: the same
pooling, always returning ``(values, indices)`` whatever ``return_indices`` says (PyTorch
keeps the argument for the signature and ignores it).

>>> import ember
>>> import ember.nn.functional as F
>>> values, indices = F.max_pool1d_with_indices(ember.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
>>> values.tolist(), indices.tolist()
([[[3.0, 2.0]]], [[[1, 2]]])
"""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from . import _adaptive, pooling


def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`max_pool1d` with ``return_indices=True``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.max_pool1d_with_indices(ember.tensor([[[0.0, 1.0]]]), 2)[1].tolist()
    [[[1]]]
    """
    return pooling.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`max_pool2d` with ``return_indices=True``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.max_pool2d_with_indices(ember.tensor([[[[0.0, 1.0], [3.0, 2.0]]]]), 2)[1].tolist()
    [[[[2]]]]
    """
    return pooling.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`max_pool3d` with ``return_indices=True``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.max_pool3d_with_indices(ember.arange(8.0).reshape(1, 1, 2, 2, 2), 2)[1].tolist()
    [[[[[7]]]]]
    """
    return pooling.max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool1d` with ``return_indices=True``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.adaptive_max_pool1d_with_indices(ember.tensor([[[0.0, 1.0]]]), 1)[1].tolist()
    [[[1]]]
    """
    return _adaptive.adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool2d` with ``return_indices=True``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> x = ember.tensor([[[[0.0, 1.0], [3.0, 2.0]]]])
    >>> F.adaptive_max_pool2d_with_indices(x, 1)[1].tolist()
    [[[[2]]]]
    """
    return _adaptive.adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool3d` with ``return_indices=True``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> x = ember.arange(8.0).reshape(1, 1, 2, 2, 2)
    >>> F.adaptive_max_pool3d_with_indices(x, 1)[1].tolist()
    [[[[[7]]]]]
    """
    return _adaptive.adaptive_max_pool3d(input, output_size, True)
