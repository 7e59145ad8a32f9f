"""Sorting and searching: sort, argsort, msort, topk, unique, searchsorted, bincount; the
binning and membership ops (bucketize, histc, isin, unique_consecutive) are in
``sorting_bins.py`` and exported from here.

The sorted values are ``gather(input, dim, indices)``, so their gradient is a scatter of the
incoming gradient to where each value came from, and forward mode comes with it.

>>> import ember
>>> values, indices = ember.sort(ember.tensor([3.0, 1.0, 2.0]), descending=True)
>>> values.tolist(), indices.tolist()
([3.0, 2.0, 1.0], [0, 2, 1])
>>> ember.topk(ember.tensor([1.0, 5.0, 3.0]), 2).indices.tolist()
[1, 2]
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor, _make
from ._common import bind_methods, normalize_dim, xp_of
from .scatter import gather

SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])


def _check(op: str, input: Any) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    return input


def _argsort_data(x: Tensor, dim: int, descending: bool):
    """Stable sort order along ``dim`` (ties keep their order, also when descending; NaN
    counts as the largest value, as in torch)."""
    xp = xp_of(x)
    data = x._data
    if not descending:
        return xp.argsort(data, axis=dim, kind="stable")
    n = data.shape[dim]
    flipped = xp.flip(data, axis=dim)
    return (n - 1) - xp.flip(xp.argsort(flipped, axis=dim, kind="stable"), axis=dim)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *,
            stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (always a stable order in ember)."""
    input = _check("argsort", input)
    if input.ndim == 0:
        return _make(xp_of(input).zeros((), dtype=_dt.int64.np))
    d = normalize_dim("argsort", dim, input.ndim)
    return _make(_argsort_data(input, d, descending).astype(_dt.int64.np))


def sort(input: Tensor, dim: int = -1, descending: bool = False, *,
         stable: bool = False) -> SortResult:
    """``(values, indices)`` of ``input`` sorted along ``dim``; values carry the gradient."""
    input = _check("sort", input)
    normalize_dim("sort", dim, input.ndim)
    indices = argsort(input, dim, descending)
    if input.ndim == 0:
        return SortResult(input.reshape(()), indices)
    return SortResult(gather(input, dim, indices), indices)


def msort(input: Tensor) -> Tensor:
    """``input`` sorted along its first dim."""
    return sort(input, 0).values


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> TopkResult:
    """The ``k`` largest (or smallest) entries along ``dim`` and their indices."""
    input = _check("topk", input)
    if input.dtype == _dt.bool_:
        raise RuntimeError(f"topk does not support bool dtypes (input shape "
                           f"{tuple(input.shape)}); convert it to an integer dtype first")
    d = normalize_dim("topk", dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    if not isinstance(k, int) or not 0 <= k <= size:
        raise RuntimeError(f"topk: selected index k ({k}) is out of range for dimension {d} "
                           f"with size {size} (shape {tuple(input.shape)})")
    if input.ndim == 0:
        return TopkResult(input.reshape(()), argsort(input))
    indices = _make(_topk_indices(input, d, k, largest))
    return TopkResult(gather(input, d, indices), indices)


def _topk_indices(x: Tensor, dim: int, k: int, largest: bool):
    """The indices of ``x``'s ``k`` largest (smallest) entries along ``dim``, in the order of
    a stable sort: by value, ties by position. Few of many entries (the common top-1/top-5
    of a large dim) are selected in linear time by a partition, then only those are sorted;
    NaN (which the partition cannot order as torch does) and large ``k`` take the full sort."""
    xp = xp_of(x)
    data = x._data
    n = data.shape[dim]
    if not 0 < k * 4 <= n or (data.dtype.kind == "f" and bool(xp.isnan(data).any())):
        order = _argsort_data(x, dim, largest)
        return xp.take(order, xp.arange(k), axis=dim).astype(_dt.int64.np)
    rows = xp.moveaxis(data, dim, -1).reshape(-1, n)
    if k == 1:  # the first largest (smallest) entry
        picked = (rows.argmax(axis=1) if largest else rows.argmin(axis=1))[:, None]
    else:
        picked = _partition_top(xp, rows, k, largest)
    shape = data.shape[:dim] + data.shape[dim + 1:] + (k,)
    return xp.moveaxis(picked.reshape(shape), -1, dim).astype(_dt.int64.np)


def _partition_top(xp, rows, k: int, largest: bool):
    """``_topk_indices`` for 2-D ``rows`` along axis 1, with 1 < k <= n / 4."""
    n = rows.shape[1]
    kth = n - k if largest else k - 1
    part = xp.argpartition(rows, kth, axis=1)
    picked = part[:, kth:] if largest else part[:, :k]
    threshold = xp.take_along_axis(rows, part[:, kth:kth + 1], axis=1)
    # Where more entries tie at the threshold than there is room for, the partition chose
    # among them arbitrarily; a stable sort of those rows picks the first ones instead.
    # (Rows with a tie at all are few, so only they are counted exactly.)
    ambiguous = xp.nonzero((rows == threshold).sum(axis=1) > 1)[0]
    if ambiguous.size:
        sub, cut = rows[ambiguous], threshold[ambiguous]
        beyond = (sub > cut if largest else sub < cut).sum(axis=1)
        ambiguous = ambiguous[(sub == cut).sum(axis=1) > k - beyond]
    if ambiguous.size:
        sub = rows[ambiguous]
        order = (xp.argsort(sub, axis=1, kind="stable") if not largest else
                 (n - 1) - xp.flip(xp.argsort(xp.flip(sub, axis=1), axis=1, kind="stable"),
                                   axis=1))
        picked[ambiguous] = order[:, :k]
    picked = xp.sort(picked, axis=1)  # position order, so the stable sort below keeps it
    values = xp.take_along_axis(rows, picked, axis=1)
    if largest:  # a stable descending order: the ascending one of the reversed values
        order = (k - 1) - xp.flip(xp.argsort(xp.flip(values, axis=1), axis=1, kind="stable"),
                                  axis=1)
    else:
        order = xp.argsort(values, axis=1, kind="stable")
    return xp.take_along_axis(picked, order, axis=1)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: int | None = None):
    """The distinct values of ``input`` (sorted), optionally with the inverse mapping and
    counts; with ``dim``, the distinct slices along ``dim``."""
    input = _check("unique", input)
    xp = xp_of(input)
    if dim is None:
        data, axis = input._data.reshape(-1), None
    else:
        axis = normalize_dim("unique", dim, input.ndim)
        data = input._data
    values, inverse, counts = xp.unique(data, return_inverse=True, return_counts=True,
                                        axis=axis)
    out = [_make(values)]
    if return_inverse:
        shape = input.shape if dim is None else (input.shape[axis],)
        out.append(_make(inverse.reshape(shape).astype(_dt.int64.np)))
    if return_counts:
        out.append(_make(counts.astype(_dt.int64.np)))
    return out[0] if len(out) == 1 else tuple(out)


def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None, sorter: Tensor | None = None
                 ) -> Tensor:
    """Where ``input``'s values would go in ``sorted_sequence`` (its last dim) to keep it
    sorted; ``right=True`` / ``side='right'`` puts equal values after the existing ones."""
    seq = _check("searchsorted", sorted_sequence)
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"searchsorted: side must be 'left' or 'right', got '{side}'")
        if right and side == "left":
            raise RuntimeError("searchsorted: side='left' contradicts right=True")
        right = side == "right"
    xp = xp_of(seq)
    values = input._data if isinstance(input, Tensor) else xp.asarray(input)
    data = seq._data
    if sorter is not None:
        data = xp.take_along_axis(data, sorter._data, axis=-1)
    how = "right" if right else "left"
    if data.ndim <= 1:
        result = xp.searchsorted(data, values, side=how)
    else:
        if values.ndim != data.ndim or values.shape[:-1] != data.shape[:-1]:
            raise RuntimeError(
                f"searchsorted: the leading dims of sorted_sequence {tuple(seq.shape)} and "
                f"input {tuple(values.shape)} must match"
            )
        rows_d, rows_v = data.reshape(-1, data.shape[-1]), values.reshape(-1, values.shape[-1])
        result = xp.stack([xp.searchsorted(a, v, side=how) for a, v in zip(rows_d, rows_v)])
        result = result.reshape(values.shape)
    return _make(xp.asarray(result).astype(_dt.int32.np if out_int32 else _dt.int64.np))


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """Counts of each value in a 1-d tensor of non-negative ints (or sums of ``weights``)."""
    input = _check("bincount", input)
    if input.ndim != 1 or input.dtype.category != _dt.INTEGER or (
            input.numel() and int(input._data.min()) < 0):
        raise RuntimeError(f"bincount: only supports 1-d non-negative integral inputs, got "
                           f"shape {tuple(input.shape)} dtype {input.dtype}")
    if weights is not None and tuple(weights.shape) != tuple(input.shape):
        raise RuntimeError(f"bincount: weights shape {tuple(weights.shape)} must match the "
                           f"input's {tuple(input.shape)}")
    xp = xp_of(input)
    w = None if weights is None else weights._data
    out = xp.bincount(input._data, weights=w, minlength=minlength)
    if weights is None:
        return _make(out.astype(_dt.int64.np))
    dtype = weights._data.dtype if weights.dtype.category == _dt.FLOAT else _dt.float64.np
    return _make(out.astype(dtype))


from .sorting_bins import bucketize, histc, isin, unique_consecutive  # noqa: E402

bind_methods(sort=sort, argsort=argsort, msort=msort, topk=topk, unique=unique,
             bincount=bincount, histc=histc, unique_consecutive=unique_consecutive)

__all__ = ["sort", "argsort", "msort", "topk", "unique", "searchsorted", "bincount",
           "bucketize", "histc", "isin", "unique_consecutive"]
