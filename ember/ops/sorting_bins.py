"""Binning, counting and membership: bucketize, histc, isin, unique_consecutive. None of them
carries a gradient (as in PyTorch). Re-exported by ``sorting.py``.

>>> import ember
>>> ember.bucketize(ember.tensor([1, 4, 9]), ember.tensor([1, 3, 5, 7])).tolist()
[0, 2, 4]
>>> ember.histc(ember.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3).tolist()
[0.0, 2.0, 1.0, 0.0]
"""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor, _make
from ._common import normalize_dim, promote, xp_of


def _check(op: str, input: Any, what: str = "input") -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected {what} to be a Tensor, got {type(input).__name__}")
    return input


# ----------------------------------------------------------------------------- bucketize
def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False,
              right: bool = False) -> Tensor:
    """The index of the bucket of each element of ``input`` (a tensor or a number) among the
    sorted 1-d ``boundaries``: ``boundaries[i-1] < x <= boundaries[i]``, or with
    ``right=True`` ``boundaries[i-1] <= x < boundaries[i]``. int64 (int32 with
    ``out_int32``)."""
    from .sorting import searchsorted

    _check("bucketize", boundaries, "boundaries")
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries tensor must be 1 dimension, but got "
                           f"dim({boundaries.ndim})")
    if not isinstance(input, (Tensor, bool, int, float)):
        raise TypeError(f"bucketize: expected input to be a Tensor or a number, got "
                        f"{type(input).__name__}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


# ----------------------------------------------------------------------------- histc
def _histc_range(op: str, data, bins: int, min: float, max: float) -> tuple[float, float]:
    """PyTorch's outer edges: ``[min, max]``, the data's range where they are equal, and one
    unit either side of a single value."""
    lo, hi = float(min), float(max)
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"{op}: range of [{lo}, {hi}] is not finite")
    if not lo < hi:
        raise RuntimeError(f"{op}: max must be larger than min (got min={lo}, max={hi})")
    return lo, hi


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """A histogram of ``input``'s elements in ``bins`` equal-width bins between ``min`` and
    ``max`` (both 0: the data's own range). Elements outside the range, and NaN, are not
    counted; the last bin includes ``max``. The counts have ``input``'s dtype."""
    _check("histc", input)
    if input.dtype.category != _dt.FLOAT:
        raise TypeError(f"histc: expected a floating-point tensor, got {input.dtype.name}")
    if isinstance(bins, bool) or not isinstance(bins, int) or bins <= 0:
        raise RuntimeError(f"histc: bins must be > 0, but got {bins}")
    xp = xp_of(input)
    data = input._data.reshape(-1)
    lo, hi = _histc_range("histc", data, bins, min, max)
    dt = data.dtype
    # PyTorch's arithmetic, in the input's dtype: edges rounded to it, then
    # (x - left) * bins / (right - left), truncated; x == right goes to the last bin.
    left, right = xp.asarray(lo, dtype=dt), xp.asarray(hi, dtype=dt)
    kept = data[(data >= left) & (data <= right)]
    pos = ((kept - left) * xp.asarray(bins, dtype=dt) / (right - left)).astype("int64")
    pos = xp.minimum(pos, bins - 1)
    return _make(xp.bincount(pos, minlength=bins).astype(dt))


# ----------------------------------------------------------------------------- isin
def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """Whether each element of ``elements`` occurs in ``test_elements`` (either may be a
    number; values compare after type promotion; NaN is never found); ``invert=True``
    negates the answer. A bool tensor of ``elements``' shape."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(f"isin: expected elements or test_elements to be a Tensor, got "
                        f"{type(elements).__name__} and {type(test_elements).__name__}")
    (a, b), dtype = promote("isin", elements, test_elements)
    if dtype is _dt.bool_:
        raise RuntimeError("isin: unsupported input type encountered: bool")
    xp = xp_of(a)
    out = xp.isin(a._data, b._data.reshape(-1), assume_unique=assume_unique, invert=invert)
    return _make(xp.asarray(out).reshape(a.shape))


# ----------------------------------------------------------------------------- unique_consecutive
def _runs(xp, starts, n: int):
    """Group ids (inverse) and run lengths (counts) from a mask of where runs start."""
    positions = xp.nonzero(starts)[0]
    inverse = xp.cumsum(starts) - 1
    counts = xp.diff(xp.concatenate([positions, xp.asarray([n])]))
    return positions, inverse.astype("int64"), counts.astype("int64")


def unique_consecutive(input: Tensor, return_inverse: bool = False,
                       return_counts: bool = False, dim: int | None = None) -> Any:
    """``input`` with each run of equal consecutive elements (or slices along ``dim``)
    collapsed to one, optionally with the inverse mapping and the run lengths. NaN never
    equals its neighbour."""
    _check("unique_consecutive", input)
    xp = xp_of(input)
    if dim is None:
        data = input._data.reshape(-1)
        n = data.size
        inverse_shape = input.shape
        rows = data.reshape(n, 1)
    else:
        if input.ndim == 0:
            raise IndexError(f"unique_consecutive: dimension specified as {dim} but tensor has "
                             "no dimensions")
        d = normalize_dim("unique_consecutive", dim, input.ndim)
        n = input.shape[d]
        if n and input.numel() == 0:
            raise RuntimeError("unique_consecutive: there are 0 sized dimensions, and they "
                               "aren't selected, so unique cannot be applied (shape "
                               f"{tuple(input.shape)}, dim {d})")
        inverse_shape = (n,)
        rows = xp.moveaxis(input._data, d, 0).reshape(n, input.numel() // n if n else 0)
    starts = xp.ones(n, dtype=bool)
    if n > 1:
        starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    positions, inverse, counts = _runs(xp, starts, n)
    if dim is None:
        values = data[positions]
    else:
        values = xp.take(input._data, positions, axis=d)
    out = [_make(values)]
    if return_inverse:
        out.append(_make(inverse.reshape(inverse_shape)))
    if return_counts:
        out.append(_make(counts))
    return out[0] if len(out) == 1 else tuple(out)


__all__ = ["bucketize", "histc", "isin", "unique_consecutive"]
