"""Tensors built from others (or from sizes): ``block_diag``, ``cartesian_prod``,
``combinations``, ``vander``, ``diagflat`` (compositions of ember's ops, so gradients come
from them) and the index generators ``triu_indices`` / ``tril_indices``.

>>> import ember
>>> ember.block_diag(ember.ones(1, 2), ember.tensor(5.0)).tolist()
[[1.0, 1.0, 0.0], [0.0, 0.0, 5.0]]
"""

from __future__ import annotations

import itertools
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor, _make
from ._common import bind_methods, cast, ensure_tensor


def _tensors(op: str, tensors: tuple) -> list[Tensor]:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(t).__name__} at position {i}")
    return list(tensors)


def block_diag(*tensors: Tensor) -> Tensor:
    """A block-diagonal matrix with ``tensors`` (0-d: 1x1, 1-d: one row, 2-d) on its
    diagonal, in their common dtype.

    >>> import ember
    >>> ember.block_diag(ember.eye(2), ember.tensor([[3.0]])).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 3.0]]
    """
    from .creation import zeros
    from .join import cat

    blocks = _tensors("block_diag", tensors)
    for i, t in enumerate(blocks):
        if t.ndim > 2:
            raise RuntimeError(f"block_diag: input tensors must have 2 or fewer dimensions; "
                               f"input {i} has shape {tuple(t.shape)}")
    if not blocks:
        return zeros(1, 0)
    dtype = _dt.result_type(*blocks)
    blocks = [cast(t, dtype) for t in blocks]
    blocks = [t.reshape(1, -1) if t.ndim < 2 else t for t in blocks]  # 0-d, 1-d: one row
    width = sum(t.shape[1] for t in blocks)
    rows, left = [], 0
    for t in blocks:
        r, c = t.shape
        kw = {"dtype": dtype, "device": t.device}
        rows.append(cat([zeros(r, left, **kw), t, zeros(r, width - left - c, **kw)], dim=1))
        left += c
    return cat(rows, dim=0)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-D tensor, one per row (in the order of
    nested loops); a single tensor is returned as is.

    >>> import ember
    >>> ember.cartesian_prod(ember.tensor([1, 2]), ember.tensor([3, 4])).tolist()
    [[1, 3], [1, 4], [2, 3], [2, 4]]
    """
    from .composite import meshgrid
    from .join import stack

    ts = _tensors("cartesian_prod", tensors)
    for i, t in enumerate(ts):
        if t.ndim != 1:
            raise RuntimeError(f"cartesian_prod: expected 1-D tensors, got shape "
                               f"{tuple(t.shape)} at position {i}")
    if len(ts) == 1:
        return ts[0]
    return stack([g.reshape(-1) for g in meshgrid(*ts, indexing="ij")], dim=1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of a 1-D tensor's elements, one per row, in
    ``itertools.combinations`` order (``combinations_with_replacement`` with
    ``with_replacement=True``).

    >>> import ember
    >>> ember.combinations(ember.tensor([1, 2, 3])).tolist()
    [[1, 2], [1, 3], [2, 3]]
    """
    x = ensure_tensor("combinations", input)
    if x.ndim != 1:
        raise RuntimeError(f"combinations: expected a 1-D tensor, got shape {tuple(x.shape)}")
    if r < 0:
        raise RuntimeError(f"combinations: expected a non-negative r, got {r}")
    if r == 0:  # a new empty tensor, outside the graph (as PyTorch's)
        from .creation import empty

        return empty(0, dtype=x.dtype, device=x.device)
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    rows = list(pick(range(x.shape[0]), r))
    from .creation import tensor

    index = tensor(rows, dtype=_dt.int64, device=x.device).reshape(len(rows), r)
    return x[index]


def _index_pairs(op: str, row: int, col: int, offset: int, dtype: Any, device: Any,
                 lower: bool) -> Tensor:
    from .creation import _backend

    for name, v in (("row", row), ("col", col)):
        if v < 0:
            raise RuntimeError(f"{op}: {name} must be non-negative, got {v}")
    dtype = _dt.as_dtype(dtype)
    if dtype.category != _dt.INTEGER:
        raise RuntimeError(f"{op}: expected an integer dtype, got {dtype.name}")
    xp = _backend(device).xp
    pick = xp.tril_indices if lower else xp.triu_indices
    rows, cols = pick(row, offset, col)
    return _make(xp.stack([rows, cols]).astype(dtype.np).reshape(2, -1))


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = _dt.int64,
                 device: Any = None, layout: Any = None) -> Tensor:
    """The (row, column) coordinates of the upper triangle of a ``row x col`` matrix (from
    diagonal ``offset``), as a ``2 x N`` tensor in row-major order.

    >>> import ember
    >>> ember.triu_indices(3, 3).tolist()
    [[0, 0, 0, 1, 1, 2], [0, 1, 2, 1, 2, 2]]
    """
    return _index_pairs("triu_indices", row, col, offset, dtype, device, lower=False)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = _dt.int64,
                 device: Any = None, layout: Any = None) -> Tensor:
    """The (row, column) coordinates of the lower triangle of a ``row x col`` matrix (up to
    diagonal ``offset``), as a ``2 x N`` tensor in row-major order.

    >>> import ember
    >>> ember.tril_indices(3, 2, -1).tolist()
    [[1, 2, 2], [0, 0, 1]]
    """
    return _index_pairs("tril_indices", row, col, offset, dtype, device, lower=True)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a 1-D tensor: column ``j`` is ``x ** (N - 1 - j)`` (``x ** j``
    with ``increasing=True``); integers and bools give int64.

    >>> import ember
    >>> ember.vander(ember.tensor([1, 2, 3]), N=3).tolist()
    [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
    """
    x = ensure_tensor("vander", x)
    if x.ndim != 1:
        raise RuntimeError(f"vander: x must be a one-dimensional tensor, got shape "
                           f"{tuple(x.shape)}")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {n}")
    if x.dtype.category != _dt.FLOAT:
        x = cast(x, _dt.int64)
    out = _powers(x, n)
    return out if increasing else out.flip(1)


def _powers(x: Tensor, n: int) -> Tensor:
    """The powers ``x^0, ..., x^(n-1)`` of each element of ``x`` along a new last dim (shared
    by vander and linalg.vander). PyTorch's construction: a column of ones, then running
    products of x, so the gradient is the product rule's (a power x^k would give 0 * x^-1 at
    x = 0), exactly as PyTorch computes it."""
    from .creation import ones
    from .join import cat

    parts = [ones((*x.shape, min(n, 1)), dtype=x.dtype, device=x.device)]
    if n > 1:
        parts.append(x.unsqueeze(-1).expand(*x.shape, n - 1).cumprod(-1))
    return cat(parts, -1)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A square matrix with ``input`` (flattened) on diagonal ``offset``.

    >>> import ember
    >>> ember.diagflat(ember.tensor([[1, 2]]), 1).tolist()
    [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
    """
    return ensure_tensor("diagflat", input).reshape(-1).diag(offset)


bind_methods(diagflat=diagflat)

__all__ = ["block_diag", "cartesian_prod", "combinations", "triu_indices", "tril_indices",
           "vander", "diagflat"]
