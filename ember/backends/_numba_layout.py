"""A threaded contiguous copy of a permuted view, on the same terms as the wrappers in
``_numba``: it returns its result, or None to let the caller copy with NumPy.

The copies a model makes of a permuted view mostly swap two blocks of axes of a contiguous
array: an LSTM's ``(T, B, H)`` output read batch-first, attention heads merged back from
``(N, heads, L, D)`` into ``(N, L, heads, D)``. NumPy copies those on one core through its
strided iterator (a (35, 32, 256) float32 transpose: 46 us, PyTorch's 15); a kernel that
copies unit-stride rows on both cores takes ~18 (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import math

import numpy as np

from . import _numba as _base

# Rows shorter than this many elements go to NumPy: the kernel's gain is its vectorised
# row copy.
MIN_ROW = 16


def block_swap(x: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]] | None:
    """``(src, (O, A, B, I))`` when ``x`` is a C-contiguous array whose axes, grouped as
    ``(O, A, B, I)`` (each group possibly empty or several axes, sizes their products), are
    read in the order ``(O, B, A, I)``: ``src`` is that array viewed as ``(O, A, B, I)``.
    None for any other layout.

    >>> x = np.zeros((35, 32, 256), np.float32).transpose(1, 0, 2)
    >>> block_swap(x)[1]
    (1, 35, 32, 256)
    """
    dims = [d for d in range(x.ndim) if x.shape[d] != 1]
    order = sorted(dims, key=lambda d: -x.strides[d])  # the axes as they lie in memory
    step = x.itemsize
    for d in reversed(order):  # strides of a C-contiguous array, nothing else
        if x.strides[d] != step:
            return None
        step *= x.shape[d]
    rank = {d: i for i, d in enumerate(order)}
    p = [rank[d] for d in dims]  # where each of x's axes lies in memory
    n, start = len(p), 0
    while start < n and p[start] == start:
        start += 1
    if start == n:
        return None  # already in memory order
    second = p[start]  # x reads memory axes [second, end) first, then [start, second)
    k = start
    while k < n and p[k] == second + (k - start):
        k += 1
    end = second + (k - start)
    if p[k:] != [*range(start, second), *range(end, n)]:
        return None
    sizes = [x.shape[d] for d in order]
    groups = (math.prod(sizes[:start]), math.prod(sizes[start:second]),
              math.prod(sizes[second:end]), math.prod(sizes[end:]))
    memory = x.squeeze().transpose([dims.index(d) for d in order])
    return memory.reshape(groups), groups


@_base._declines_if_unusable
def swapped_copy(x: np.ndarray) -> np.ndarray | None:
    """A C-contiguous copy of ``x`` when it is a float32/float64 view that swaps two blocks
    of axes of a contiguous array (see :func:`block_swap`) with rows of at least
    ``MIN_ROW`` elements, and large enough to be worth the threads; else None."""
    dtype = x.dtype
    if (not _base.ENABLED or x.size < _base.MIN_ELEMENTS or dtype.char not in "fd"
            or not dtype.isnative or x.flags.c_contiguous):
        return None
    found = block_swap(x)
    if found is None or found[1][3] < MIN_ROW:
        return None
    src, (outer, a, b, inner) = found
    out = np.empty(x.shape, dtype)
    _base._kernel("swap_blocks")(src, out.reshape(outer, b, a, inner))
    return out
