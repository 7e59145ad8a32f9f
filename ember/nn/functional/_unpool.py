"""Max unpooling (the partial inverse of ``max_pool*d(return_indices=True)``) and channel
shuffling, as in ``torch.nn.functional``.

>>> import ember
>>> import ember.nn.functional as F
>>> x = ember.tensor([[[1.0, 3.0, 2.0, 0.0]]])
>>> y, idx = F.max_pool1d(x, 2, return_indices=True)
>>> F.max_unpool1d(y, idx, 2).tolist()
[[[0.0, 3.0, 2.0, 0.0]]]
>>> F.channel_shuffle(ember.arange(4.0).reshape(1, 4, 1), 2).flatten().tolist()
[0.0, 2.0, 1.0, 3.0]
"""

from __future__ import annotations

import math
from typing import Any

import ember

from ...tensor import Tensor
from ._args import check_rank, ntuple


def _unpool_size(op: str, spatial: tuple, kernel: tuple, stride: tuple, padding: tuple,
                 output_size: Any) -> tuple:
    """PyTorch's ``_unpool_output_size``: the default is the pooling's input size; an
    explicit size (spatial dims, optionally led by N and C) may differ by less than a stride."""
    nd = len(kernel)
    default = tuple((spatial[d] - 1) * stride[d] - 2 * padding[d] + kernel[d]
                    for d in range(nd))
    if output_size is None:
        return default
    size = [int(s) for s in output_size]
    if len(size) == nd + 2:
        size = size[2:]
    if len(size) != nd:
        raise ValueError(f"{op}: output_size should be a sequence containing {nd} or {nd + 2}"
                         f" elements, but it has a length of '{len(output_size)}'")
    for d in range(nd):
        lo, hi = default[d] - stride[d], default[d] + stride[d]
        if not lo < size[d] < hi:
            raise ValueError(f"{op}: invalid output_size \"{size}\" (dim {d} must be between "
                             f"{lo} and {hi})")
    return tuple(size)


def _max_unpool(op: str, nd: int, input: Tensor, indices: Tensor, kernel_size: Any,
                stride: Any, padding: Any, output_size: Any) -> Tensor:
    unbatched = check_rank(op, input, nd)
    if not isinstance(indices, Tensor) or indices.dtype != ember.int64:
        raise RuntimeError(f"{op}: expected indices to be an int64 tensor, got "
                           f"{getattr(indices, 'dtype', type(indices).__name__)}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"{op}: expected indices of the input's shape {tuple(input.shape)},"
                           f" got {tuple(indices.shape)}")
    kernel = ntuple(op, "kernel_size", kernel_size, nd)
    strides = kernel if stride is None or stride == [] or stride == () else \
        ntuple(op, "stride", stride, nd)
    pads = ntuple(op, "padding", padding, nd)
    x, idx = (input.unsqueeze(0), indices.unsqueeze(0)) if unbatched else (input, indices)
    size = _unpool_size(op, tuple(x.shape[2:]), kernel, strides, pads, output_size)
    n, c, numel = x.shape[0], x.shape[1], math.prod(size)
    flat_idx = idx.reshape(n, c, -1)
    if flat_idx.numel() and (int(flat_idx.max()) >= numel or int(flat_idx.min()) < 0):
        raise RuntimeError(f"{op}: Found an invalid max index {int(flat_idx.max())} (output "
                           f"volumes are of size {'x'.join(map(str, size))})")
    # The indices are flat positions in each (n, c) plane, as max_pool*d returns them.
    out = ember.zeros((n, c, numel), dtype=x.dtype, device=x.device)
    out = out.scatter(2, flat_idx, x.reshape(n, c, -1)).reshape(n, c, *size)
    return out.squeeze(0) if unbatched else out


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """Place each value at its ``indices`` position in a zero ``(N, C, L_out)`` tensor."""
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """Place each value at its ``indices`` position in a zero ``(N, C, H_out, W_out)``
    tensor."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """Place each value at its ``indices`` position in a zero ``(N, C, D, H, W)`` tensor."""
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding,
                       output_size)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Split the channels (dim 1) into ``groups`` groups and interleave them: channel
    ``g * (C // groups) + k`` moves to ``k * groups + g``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"channel_shuffle: expected a Tensor, got {type(input).__name__}")
    if input.ndim < 3:
        raise RuntimeError(f"channel_shuffle: expected input of at least 3 dims, got shape "
                           f"{tuple(input.shape)}")
    if not isinstance(groups, int) or groups <= 0:
        raise RuntimeError(f"channel_shuffle: Number of groups to divide channels in must be "
                           f"positive. Value of groups:{groups}")
    n, c = input.shape[0], input.shape[1]
    if c % groups:
        raise RuntimeError(f"channel_shuffle: Number of channels must be divisible by groups. "
                           f"Got {c} channels and {groups} groups.")
    rest = tuple(input.shape[2:])
    return input.reshape(n, groups, c // groups, *rest).transpose(1, 2) \
        .reshape(n, c, *rest)


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """The same as :func:`channel_shuffle` (PyTorch's kernel without a backend switch)."""
    return channel_shuffle(input, groups)


__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d", "channel_shuffle",
           "native_channel_shuffle"]
