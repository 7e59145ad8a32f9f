"""Histograms with bin edges, as PyTorch's ``histogram`` and ``histogramdd``: ``bins`` as a
count of equal-width bins (edges from ``linspace`` over ``range`` or the data's range) or as
explicit edges; optional ``weight``; ``density`` normalises to a probability density. No
gradient (as in PyTorch).

Each value goes to the bin ``edges[i] <= x < edges[i + 1]`` of the computed edges (the last
bin includes its right edge), which is what PyTorch's rounding correction amounts to; values
outside the edges, and NaN, are not counted.

>>> import ember
>>> h = ember.histogram(ember.tensor([1.0, 2.0, 1.0, 4.0]), bins=3, range=(0.0, 3.0))
>>> h.hist.tolist(), h.bin_edges.tolist()
([0.0, 2.0, 1.0], [0.0, 1.0, 2.0, 3.0])
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor, _make
from ._common import bind_methods, xp_of

HistogramResult = namedtuple("histogram", ["hist", "bin_edges"])
HistogramddResult = namedtuple("histogramdd", ["hist", "bin_edges"])


def _check_input(op: str, input: Any, weight: Any) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected input to be a Tensor, got {type(input).__name__}")
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype.name}")
    if weight is None:
        return
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}: expected weight to be a Tensor, got {type(weight).__name__}")
    if weight.dtype != input.dtype:
        raise RuntimeError(f"{op}: if weight tensor is provided, input tensor and weight "
                           f"tensor should have the same dtype, but got input "
                           f"({input.dtype.name}) and weight ({weight.dtype.name})")


def _linear_edges(op: str, data: Any, dim: int, bins: Any, lo: Any, hi: Any,
                  input: Tensor) -> Tensor:
    """``bins + 1`` equal-width edges over ``[lo, hi]`` or, without a range, over the data's
    range (``[0, 1]`` for no data; widened by 0.5 either side when it is one value)."""
    from .creation import linspace

    if isinstance(bins, bool) or not isinstance(bins, int) or bins <= 0:
        raise RuntimeError(f"{op}: bins must be > 0, but got {bins} for dimension {dim}")
    if lo is None:
        column = data[:, dim]
        lo, hi = (float(column.min()), float(column.max())) if column.size else (0.0, 1.0)
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"{op}: dimension {dim}'s range [{lo}, {hi}] is not finite")
    if lo > hi:
        raise RuntimeError(f"{op}: min should not exceed max, but got min {lo} max {hi} "
                           f"for dimension {dim}")
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return linspace(lo, hi, bins + 1, dtype=input.dtype, device=input.device)


def _given_edges(op: str, edges: Any, dim: int, input: Tensor) -> Tensor:
    if not isinstance(edges, Tensor):
        raise TypeError(f"{op}: expected bins to be ints or Tensors, got "
                        f"{type(edges).__name__} for dimension {dim}")
    if edges.ndim != 1 or edges.shape[0] < 1:
        raise RuntimeError(f"{op}: bins tensor should have one dimension and at least one "
                           f"edge, but got shape {tuple(edges.shape)} for dimension {dim}")
    if edges.dtype != input.dtype:
        raise RuntimeError(f"{op}: expected the bins tensor to have the input's dtype "
                           f"{input.dtype.name}, got {edges.dtype.name}")
    return edges


def _bin_index(xp: Any, column: Any, edges: Any) -> tuple[Any, Any]:
    """Bin of each value (``edges[i] <= x < edges[i + 1]``, the last edge inclusive) and
    whether it is inside the edges at all."""
    last = edges.shape[0] - 2
    inside = (column >= edges[0]) & (column <= edges[-1])
    pos = xp.searchsorted(edges, column, side="right") - 1
    return xp.clip(pos, 0, max(last, 0)), inside


def _histogramdd(op: str, input: Tensor, bins: Any, range: Any, weight: Any,
                 density: bool) -> tuple[Tensor, list]:
    _check_input(op, input, weight)
    xp = xp_of(input)
    dims = input.shape[-1] if input.ndim else 1
    data = input._data.reshape(-1, dims)
    if weight is not None and tuple(weight.shape) != tuple(input.shape[:-1]):
        raise RuntimeError(f"{op}: if weight tensor is provided it should have the same "
                           f"shape as the input tensor excluding its innermost dimension, but "
                           f"got input with shape {tuple(input.shape)} and weight with shape "
                           f"{tuple(weight.shape)}")
    bins = list(bins) if isinstance(bins, (list, tuple)) else [bins] * dims
    if len(bins) != dims:
        raise RuntimeError(f"{op}: The size of bins must be equal to the innermost dimension "
                           f"of the input, got {len(bins)} bins for {dims} dimensions")
    if range is not None and len(range) != 2 * dims:
        raise RuntimeError(f"{op}: range should have {2 * dims} elements, but got "
                           f"{len(range)}")
    edges = []
    for d, b in enumerate(bins):
        if isinstance(b, Tensor):
            edges.append(_given_edges(op, b, d, input))
        else:
            lo, hi = (range[2 * d], range[2 * d + 1]) if range is not None else (None, None)
            edges.append(_linear_edges(op, data, d, b, lo, hi, input))
    keep = xp.ones(data.shape[0], dtype=bool)
    flat = xp.zeros(data.shape[0], dtype="int64")
    for d, e in enumerate(edges):
        pos, inside = _bin_index(xp, data[:, d], e._data)
        keep &= inside
        flat = flat * max(e.shape[0] - 1, 0) + pos
    shape = tuple(max(e.shape[0] - 1, 0) for e in edges)
    size = math.prod(shape)
    w = None if weight is None else weight._data.reshape(-1)[keep]
    counts = xp.bincount(flat[keep], weights=w, minlength=size)[:size]
    hist = counts.astype(input.dtype.np).reshape(shape)
    if density:
        hist = hist / hist.sum()
        for d, e in enumerate(edges):  # divide by each dim's bin widths, as PyTorch
            view = [1] * len(edges)
            view[d] = -1
            hist = hist / xp.diff(e._data).reshape(view)
    return _make(hist.astype(input.dtype.np)), edges


def histogram(input: Tensor, bins: Any = 100, *, range: Sequence[float] | None = None,
              weight: Tensor | None = None, density: bool = False) -> HistogramResult:
    """A histogram of all of ``input``'s values: ``(hist, bin_edges)``. ``bins`` is a count
    of equal-width bins over ``range`` (default: the data's min and max) or a 1-d tensor of
    increasing edges; ``weight`` (input's shape) weights each value; ``density=True``
    divides by the total and the bin widths.

    >>> import ember
    >>> ember.histogram(ember.tensor([0.0, 1.0, 1.0]), 2).hist.tolist()
    [1.0, 2.0]
    """
    if isinstance(input, Tensor) and isinstance(weight, Tensor) and \
            tuple(weight.shape) != tuple(input.shape):
        raise RuntimeError(f"histogram: expected weight to have the input's shape "
                           f"{tuple(input.shape)}, got {tuple(weight.shape)}")
    column = input.reshape(-1, 1) if isinstance(input, Tensor) else input
    flat_weight = weight.reshape(-1) if isinstance(weight, Tensor) else weight
    hist, edges = _histogramdd("histogram", column, [bins], range, flat_weight, density)
    return HistogramResult(hist, edges[0])


def histogramdd(input: Tensor, bins: Any = 10, *, range: Sequence[float] | None = None,
                weight: Tensor | None = None, density: bool = False) -> HistogramddResult:
    """A ``D``-dimensional histogram of the points in the rows of ``input`` (``(..., D)``):
    ``(hist, bin_edges)`` with ``hist`` of shape ``(bins_0, ..., bins_{D-1})`` and a tuple of
    ``D`` edge tensors. ``bins`` is an int (for every dim), a list of ints or a list of edge
    tensors; ``range`` is flat, ``[min_0, max_0, min_1, max_1, ...]``.

    >>> import ember
    >>> pts = ember.tensor([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
    >>> ember.histogramdd(pts, bins=[2, 2]).hist.tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    if isinstance(input, Tensor) and input.ndim < 2:  # PyTorch's errors for 0-d and 1-D
        if input.ndim == 0:
            raise IndexError("histogramdd: Dimension specified as -1 but tensor has no "
                             "dimensions")
        raise RuntimeError(f"histogramdd: input tensor should have at least 2 "
                           f"dimensions, got shape {tuple(input.shape)}")
    hist, edges = _histogramdd("histogramdd", input, bins, range, weight, density)
    return HistogramddResult(hist, tuple(edges))


bind_methods(histogram=histogram)

__all__ = ["histogram", "histogramdd"]
