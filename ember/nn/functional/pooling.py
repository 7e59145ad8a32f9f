"""Pooling: max, average, adaptive average/max and power-average, in 1, 2 and 3 dims.

All windows come from strided views (``_pool_core.py``); no Python loop runs over output
positions. Adaptive average pooling is separable: one averaging-matrix product per dim.

>>> import ember
>>> import ember.nn.functional as F
>>> F.max_pool2d(ember.arange(16.0).reshape(1, 1, 4, 4), 2).tolist()
[[[[5.0, 7.0], [13.0, 15.0]]]]
"""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from ._args import check_float, check_rank, ntuple
from ._pool_core import max_pool_indices, pool_geometry, window_counts, window_sum
from ._pool_fast import applies as _fast_applies
from ._pool_fast import max_pool_block_indices, max_pool_blocks
from ._unpool import max_unpool1d, max_unpool2d, max_unpool3d


def _prepare(op: str, nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any,
             dilation: Any, ceil_mode: bool):
    unbatched = check_rank(op, input, nd)
    check_float(op, input)
    x = input.unsqueeze(0) if unbatched else input
    kernel = ntuple(op, "kernel_size", kernel_size, nd)
    # stride=None (or an empty list) means the kernel size, as in PyTorch.
    strides = kernel if stride is None or stride == [] or stride == () else \
        ntuple(op, "stride", stride, nd)
    geom = pool_geometry(op, tuple(x.shape[2:]), kernel, strides,
                         ntuple(op, "padding", padding, nd),
                         ntuple(op, "dilation", dilation, nd), ceil_mode)
    return x, unbatched, geom


def _gather_max(x: Tensor, flat: Tensor) -> Tensor:
    n, c = x.shape[:2]
    values = x.reshape(n, c, -1).gather(2, flat.reshape(n, c, -1))
    return values.reshape(flat.shape)


def _max_pool(op: str, nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any,
              dilation: Any, ceil_mode: bool, return_indices: bool):
    x, unbatched, geom = _prepare(op, nd, input, kernel_size, stride, padding, dilation,
                                  ceil_mode)
    if _fast_applies(geom, tuple(x.shape)):
        # Non-overlapping windows (stride == kernel, no padding/dilation): elementwise max
        # over the window taps and a dense backward (``_pool_fast.py``).
        out, taps = max_pool_blocks(x, kernel=tuple(geom.kernel))
        flat = max_pool_block_indices(taps, kernel=tuple(geom.kernel),
                                      size=tuple(geom.size)) if return_indices else None
    else:
        flat = max_pool_indices(x.detach(), geom=geom)
        out = _gather_max(x, flat)
    if not return_indices:
        return out.squeeze(0) if unbatched else out
    if unbatched:
        out, flat = out.squeeze(0), flat.squeeze(0)
    return out, flat


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False):
    """Max over sliding windows of ``(N, C, L)``; the gradient goes to each argmax.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.max_pool1d(ember.tensor([[[1.0, 3.0, 2.0]]]), 2, 1).tolist()
    [[[3.0, 3.0]]]
    """
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False):
    """Max over sliding windows of ``(N, C, H, W)``; indices are flat over ``H * W``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.max_pool2d(ember.ones(1, 1, 5, 5), 2, ceil_mode=True).shape
    ember.Size([1, 1, 3, 3])
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False):
    """Max over sliding windows of ``(N, C, D, H, W)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.max_pool3d(ember.ones(1, 1, 4, 4, 4), 2).shape
    ember.Size([1, 1, 2, 2, 2])
    """
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def _avg_pool(op: str, nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any,
              ceil_mode: bool, count_include_pad: bool, divisor_override: int | None):
    x, unbatched, geom = _prepare(op, nd, input, kernel_size, stride, padding, 1, ceil_mode)
    total = window_sum(x, geom=geom)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError(f"{op}: divisor_override must be non-zero")
        out = total / divisor_override
    else:
        counts = window_counts(geom, count_include_pad)
        divisor = None
        for i, c in enumerate(counts):  # an outer product of per-dim window counts
            shape = [1] * nd
            shape[i] = len(c)
            t = _const(c, x).reshape(shape)
            divisor = t if divisor is None else divisor * t
        out = total / divisor
    return out.squeeze(0) if unbatched else out


def _const(values: list, like: Tensor) -> Tensor:
    import ember

    return ember.tensor(values, dtype=like.dtype, device=like.device)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mean over sliding windows of ``(N, C, L)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.avg_pool1d(ember.tensor([[[1.0, 3.0, 2.0, 4.0]]]), 2).tolist()
    [[[2.0, 3.0]]]
    """
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over sliding windows of ``(N, C, H, W)``; ``count_include_pad`` counts the
    zero padding in the divisor, ``divisor_override`` replaces it.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.avg_pool2d(ember.ones(1, 1, 3, 3), 2, 1, padding=1,
    ...              count_include_pad=False).sum().item()
    16.0
    """
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over sliding windows of ``(N, C, D, H, W)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.avg_pool3d(ember.ones(1, 1, 4, 4, 4), 2).shape
    ember.Size([1, 1, 2, 2, 2])
    """
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def _lp_pool(op: str, nd: int, input: Tensor, norm_type: float, kernel_size: Any,
             stride: Any, ceil_mode: bool) -> Tensor:
    # PyTorch's definition: (sum of x^p over the window)^(1/p), through average pooling;
    # sign(s) * relu(|s|) keeps the root away from negative sums. The infinite norms are
    # the largest (smallest) magnitude in the window, through max pooling.
    kernel = ntuple(op, "kernel_size", kernel_size, nd)
    if norm_type in (float("inf"), float("-inf")):
        sign = 1 if norm_type > 0 else -1
        return sign * _max_pool(op, nd, sign * input.abs(), kernel, stride, 0, 1, ceil_mode,
                                False)
    avg = _avg_pool(op, nd, input.pow(norm_type), kernel, stride, 0, ceil_mode, True, None)
    size = 1
    for k in kernel:
        size *= k
    return (avg.sign() * avg.abs().relu()).mul(size).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over ``(N, C, L)``: ``(sum x^p)^(1/p)`` per window.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.lp_pool1d(ember.tensor([[[3.0, 4.0]]]), 2, 2).tolist()
    [[[5.0]]]
    """
    return _lp_pool("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over ``(N, C, H, W)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.lp_pool2d(ember.ones(1, 1, 2, 2), 2, 2).item()
    2.0
    """
    return _lp_pool("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over ``(N, C, D, H, W)``: ``(sum x^p)^(1/p)`` per window.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.lp_pool3d(ember.ones(1, 1, 2, 2, 2), 1, 2).item()
    8.0
    """
    return _lp_pool("lp_pool3d", 3, input, norm_type, kernel_size, stride, ceil_mode)


from ._adaptive import (  # noqa: E402 - re-exported; they use the helpers above
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
)
from ._fractional import (  # noqa: E402 - re-exported
    fractional_max_pool2d,
    fractional_max_pool2d_with_indices,
    fractional_max_pool3d,
    fractional_max_pool3d_with_indices,
)
from ._pool_indices import (  # noqa: E402 - re-exported; they call the pools above
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d_with_indices,
    max_pool1d_with_indices,
    max_pool2d_with_indices,
    max_pool3d_with_indices,
)

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "adaptive_max_pool3d", "max_unpool1d", "max_unpool2d",
           "max_unpool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices",
           "fractional_max_pool2d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d", "fractional_max_pool3d_with_indices"]
