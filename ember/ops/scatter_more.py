"""Writes at computed positions: ``diagonal_scatter``, ``select_scatter``,
``slice_scatter``, ``fill_diagonal_``, ``put``/``put_`` and ``index_reduce``.

Each is a composition: the flat positions the write reaches are read off an index grid
viewed the way the op views ``input`` (its diagonal, a slice, ...), and ``index_copy``,
``index_add`` or ``index_fill`` on the flattened tensor does the write, so the gradients
(of ``input`` outside the positions and of the source at them), double backward and
forward mode are theirs.

>>> import ember
>>> ember.diagonal_scatter(ember.zeros(2, 2), ember.tensor([1.0, 2.0])).tolist()
[[1.0, 0.0], [0.0, 2.0]]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor, _make
from ._common import bind_methods, ensure_tensor, normalize_dim, xp_of
from ._indexing_key import wrap_checked
from .inplace import make_inplace, run_inplace
from .scatter import _check_index_dtype
from .scatter_reduce import scatter_reduce
from .shape_diag import diagonal
from .shape_more import select


def _positions(input: Tensor, view: Callable[[Tensor], Tensor]) -> Tensor:
    """The flat positions in ``input`` of the elements of ``view(input)``."""
    xp = xp_of(input)
    return view(_make(xp.arange(input.numel(), dtype=xp.int64).reshape(input._data.shape)))


def _scatter_at(op: str, input: Tensor, src: Any, positions: Tensor) -> Tensor:
    """``input`` with ``src`` (of the positions' shape) written at ``positions``."""
    src = ensure_tensor(op, src, input)
    if tuple(src.shape) != tuple(positions.shape):
        raise RuntimeError(
            f"{op}: expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {list(positions.shape)} (self shape "
            f"{tuple(input.shape)})")
    if src.dtype != input.dtype:
        src = src.to(input.dtype)
    flat = input.reshape(-1)
    return flat.index_copy(0, positions.reshape(-1), src.reshape(-1)).reshape(input.shape)


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0,
                     dim2: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written on its diagonal (``diagonal``'s arguments).

    >>> import ember
    >>> ember.diagonal_scatter(ember.zeros(2, 3), ember.ones(2), 1).tolist()
    [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    positions = _positions(input, lambda ids: diagonal(ids, offset, dim1, dim2))
    return _scatter_at("diagonal_scatter", input, src, positions)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``input`` with ``src`` written at ``index`` along ``dim``.

    >>> import ember
    >>> ember.select_scatter(ember.zeros(2, 2), ember.ones(2), 0, 1).tolist()
    [[0.0, 0.0], [1.0, 1.0]]
    """
    positions = _positions(input, lambda ids: select(ids, dim, index))
    return _scatter_at("select_scatter", input, src, positions)


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None,
                  end: int | None = None, step: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written at ``start:end:step`` along ``dim``.

    >>> import ember
    >>> ember.slice_scatter(ember.zeros(2, 4), ember.ones(2, 2), 1, 0, None, 2).tolist()
    [[1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, 0.0]]
    """
    if input.ndim == 0:
        raise IndexError(f"slice_scatter: slice() cannot be applied to a 0-dim tensor (src "
                         f"shape {tuple(src.shape)})")
    d = normalize_dim("slice_scatter", dim, input.ndim)
    if step <= 0:
        raise RuntimeError(f"slice_scatter: slice step must be positive, got {step}")
    key = (slice(None),) * d + (slice(start, end, step),)
    positions = _positions(input, lambda ids: ids[key])
    return _scatter_at("slice_scatter", input, src, positions)


# ----------------------------------------------------------------------------- fill_diagonal_
def _main_diagonal(op: str, self: Tensor, wrap: bool) -> Tensor:
    """The flat positions of the main diagonal as PyTorch's ``fill_diagonal_`` fills it:
    of a tall matrix, with ``wrap``, again every ``cols + 1`` rows."""
    shape = tuple(self.shape)
    if len(shape) < 2:
        raise RuntimeError(f"{op}: dimensions must larger than 1 (got shape {shape})")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError(f"{op}: all dimensions of input must be of equal length (got "
                           f"shape {shape})")
    xp = xp_of(self)
    numel = self.numel()
    if len(shape) == 2:
        rows, cols = shape
        step = cols + 1
        end = numel if wrap or rows <= cols else cols * cols
    else:
        n = shape[0]
        step = sum(n ** k for k in range(len(shape)))
        end = numel
    return _make(xp.arange(0, min(end, numel), step, dtype=xp.int64))


def fill_diagonal_(self: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """Fill the main diagonal (all indices equal) with ``fill_value``; a tall matrix's
    diagonal starts again after a blank row when ``wrap``.

    >>> import ember
    >>> ember.zeros(2, 3).fill_diagonal_(5).tolist()
    [[5.0, 0.0, 0.0], [0.0, 5.0, 0.0]]
    """
    positions = _main_diagonal("fill_diagonal_", self, wrap)

    def fill(x: Tensor) -> Tensor:
        return x.reshape(-1).index_fill(0, positions, fill_value).reshape(x.shape)

    return run_inplace("fill_diagonal_", self, fill)


# ----------------------------------------------------------------------------- put
def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``source`` written (or, with ``accumulate``, added) at the
    flat positions ``index`` of ``input`` read as 1-D; negative positions count from the end.

    >>> import ember
    >>> x = ember.zeros(2, 2)
    >>> x.put(ember.tensor([0, -1, -1]), ember.ones(3), accumulate=True).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    index = _check_index_dtype("put_", index)
    if index.dtype != _dt.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {index.dtype}")
    source = ensure_tensor("put_", source, input)
    if source.dtype != input.dtype:  # PyTorch refuses rather than casts
        raise RuntimeError(
            f"put_(): self and source expected to have the same dtype, but got self.dtype = "
            f"{input.dtype.name} and source.dtype = {source.dtype.name} (shapes "
            f"{tuple(input.shape)} and {tuple(source.shape)})")
    if source.numel() != index.numel():
        raise IndexError(
            "put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    n = input.numel()
    try:
        flat_index = _make(wrap_checked("put_", index.reshape(-1), 0, n))
    except IndexError:
        bad = index.reshape(-1).tolist()
        value = next(i for i in bad if not -n <= i < n)
        raise IndexError(f"put_(): out of range: tried to access index {value} on a tensor "
                         f"of {n} elements (shape {tuple(input.shape)})") from None
    flat, values = input.reshape(-1), source.reshape(-1)
    out = flat.index_add(0, flat_index, values) if accumulate else flat.index_copy(
        0, flat_index, values)
    return out.reshape(input.shape)


put_ = make_inplace("put_", put)


# ----------------------------------------------------------------------------- index_reduce
def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """Reduce the slices of ``source`` into ``input`` at ``index`` along ``dim``, with
    ``reduce`` one of ``"prod"``, ``"mean"``, ``"amax"``, ``"amin"`` (``scatter_reduce``
    with ``index`` spread along the other dims). Gradients are PyTorch's but for one case:
    with ``"amax"``/``"amin"`` and ``include_self=False``, PyTorch still counts an excluded
    ``input`` value equal to the result as a tie and gives the source only its share; here
    the excluded value takes no part, so the source gets the whole gradient (as finite
    differences say).

    >>> import ember
    >>> x = ember.ones(3)
    >>> x.index_reduce(0, ember.tensor([0, 0, 2]), ember.tensor([2.0, 3.0, 5.0]), "prod").tolist()
    [6.0, 1.0, 5.0]
    """
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    index = _check_index_dtype("index_reduce", index)
    if index.ndim > 1:
        raise IndexError(f"index_reduce_(): Index is supposed to be a vector, got shape "
                         f"{tuple(index.shape)}")
    d = normalize_dim("index_reduce", dim, max(input.ndim, 1))
    source = ensure_tensor("index_reduce", source, input)
    along = source.shape[d] if source.ndim else 1
    if index.numel() != along:
        raise RuntimeError(f"index_reduce_(): Number of indices ({index.numel()}) should be "
                           f"equal to source.size(dim): ({along}), for dim: {d}")
    others = [n for i, n in enumerate(source.shape) if i != d]
    if source.ndim != input.ndim and max(source.ndim, input.ndim) > 1 or others != [
            n for i, n in enumerate(input.shape) if i != d]:
        raise RuntimeError(f"index_reduce_(): source shape {tuple(source.shape)} must match "
                           f"self shape {tuple(input.shape)} except at dim {d}")
    if input.ndim == 0:  # as a 1-element vector
        return scatter_reduce(input.reshape(1), 0, index.reshape(1), source.reshape(1), reduce,
                              include_self=include_self).reshape(())
    spread = [1] * input.ndim
    spread[d] = -1
    full = index.reshape(spread).expand(*source.shape)
    return scatter_reduce(input, d, full, source, reduce, include_self=include_self)


index_reduce_ = make_inplace("index_reduce_", index_reduce)

bind_methods(diagonal_scatter=diagonal_scatter, select_scatter=select_scatter,
             slice_scatter=slice_scatter, fill_diagonal_=fill_diagonal_, put=put, put_=put_,
             index_reduce=index_reduce, index_reduce_=index_reduce_)

__all__ = ["diagonal_scatter", "select_scatter", "slice_scatter", "put", "index_reduce"]
