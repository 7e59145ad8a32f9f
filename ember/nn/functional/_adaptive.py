"""Adaptive pooling: output window ``i`` of a dim of size ``S`` pooled to ``O`` covers
``[floor(i*S/O), ceil((i+1)*S/O))``, as in PyTorch.

Average: separable, one product with a constant averaging matrix per dim (exact, and
differentiable to any order through ``matmul``). Max: windows of different lengths are
padded to the longest by repeating their last element (which cannot change a maximum); a
non-differentiable primitive finds the argmax, ``gather`` routes the gradient.

>>> import ember
>>> import ember.nn.functional as F
>>> F.adaptive_avg_pool1d(ember.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), 2).tolist()
[[[2.0, 4.0]]]
"""

from __future__ import annotations

from typing import Any

from ...ops.registry import defop
from ...tensor import Tensor
from ._args import check_float, check_rank


def _bounds(size: int, out: int) -> list:
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


def _output_size(op: str, nd: int, x: Tensor, output_size: Any) -> tuple:
    sizes = output_size if isinstance(output_size, (list, tuple)) else (output_size,) * nd
    if len(sizes) != nd:
        raise ValueError(f"{op}: expected output_size to be an int or a tuple of {nd} "
                         f"values, got {output_size!r}")
    # None keeps the input's size along that dim.
    out = tuple(int(x.shape[-nd + i]) if s is None else int(s) for i, s in enumerate(sizes))
    if any(s < 0 for s in out):
        raise ValueError(f"{op}: output_size must be non-negative, got {out}")
    for i, s in enumerate(x.shape[-nd:]):
        if s == 0 and out[i] > 0:
            raise RuntimeError(f"{op}: expected input with non-zero spatial sizes, got "
                               f"shape {tuple(x.shape)}")
    return out


def _adaptive_avg(op: str, nd: int, input: Tensor, output_size: Any) -> Tensor:
    import ember

    check_rank(op, input, nd)
    check_float(op, input)
    out = _output_size(op, nd, input, output_size)
    x = input
    for i, o in enumerate(out):
        dim = input.ndim - nd + i
        size = input.shape[dim]
        rows = [[1.0 / (hi - lo) if lo <= j < hi else 0.0 for j in range(size)]
                for lo, hi in _bounds(size, o)]
        mat = ember.tensor(rows, dtype=x.dtype, device=x.device).reshape(o, size)
        x = (x.movedim(dim, -1) @ mat.mT).movedim(-1, dim)
    return x


@defop("adaptive_max_pool_indices", differentiable=False)
def _adaptive_max_indices(ctx, x, *, out: tuple):
    """Flat spatial index of each adaptive window's maximum, ``(N, C, *out)``."""
    xp = ctx.xp
    nd = len(out)
    sizes = x.shape[2:]
    index = []  # per dim: (out_i, kmax_i) input positions, the short windows padded
    for size, o in zip(sizes, out):
        bounds = _bounds(size, o)
        kmax = max((hi - lo for lo, hi in bounds), default=1)
        index.append(xp.asarray([[min(lo + k, hi - 1) for k in range(kmax)]
                                 for lo, hi in bounds], dtype=xp.int64).reshape(o, kmax))
    key = [slice(None), slice(None)]
    for i, idx in enumerate(index):  # broadcast to (N, C, o1, k1, o2, k2, ...)
        shape = [1] * (2 * nd)
        shape[2 * i], shape[2 * i + 1] = idx.shape
        key.append(idx.reshape(shape))
    view = x[tuple(key)]
    order = (0, 1) + tuple(range(2, 2 + 2 * nd, 2)) + tuple(range(3, 3 + 2 * nd, 2))
    view = view.transpose(order)
    kmaxes = tuple(idx.shape[1] for idx in index)
    view = view.reshape(view.shape[:2 + nd] + (-1,))
    tap = xp.unravel_index(xp.argmax(view, axis=-1), kmaxes)
    cells = xp.meshgrid(*[xp.arange(o) for o in out], indexing="ij")
    flat = xp.zeros(view.shape[:-1], dtype=xp.int64)
    for i, (size, idx) in enumerate(zip(sizes, index)):
        flat = flat * size + idx[cells[i], tap[i]]
    return flat


def _adaptive_max(op: str, nd: int, input: Tensor, output_size: Any, return_indices: bool):
    unbatched = check_rank(op, input, nd)
    check_float(op, input)
    x = input.unsqueeze(0) if unbatched else input
    out = _output_size(op, nd, x, output_size)
    n, c = x.shape[:2]
    flat = _adaptive_max_indices(x.detach(), out=out)
    values = x.reshape(n, c, -1).gather(2, flat.reshape(n, c, -1)).reshape(flat.shape)
    if unbatched:
        values, flat = values.squeeze(0), flat.squeeze(0)
    return (values, flat) if return_indices else values


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of ``(N, C, L)`` to ``output_size`` windows."""
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of ``(N, C, H, W)`` to ``output_size`` (``None`` keeps a size).

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.adaptive_avg_pool2d(ember.ones(2, 3, 7, 5), (2, None)).shape
    ember.Size([2, 3, 2, 5])
    """
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of ``(N, C, D, H, W)`` to ``output_size``."""
    return _adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False):
    """Max pooling of ``(N, C, L)`` to ``output_size`` windows.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.adaptive_max_pool1d(ember.tensor([[[1.0, 5.0, 2.0, 4.0, 3.0]]]), 2).tolist()
    [[[5.0, 4.0]]]
    """
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False):
    """Max pooling of ``(N, C, H, W)`` to ``output_size``."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False):
    """Max pooling of ``(N, C, D, H, W)`` to ``output_size``."""
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)


__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d"]
