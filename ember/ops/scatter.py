"""Gather/scatter and the index_* ops, written on the indexing primitives of ``indexing.py``.

``gather`` is advanced indexing with an index tensor at ``dim`` and ``arange`` grids at the
other dims, so its gradient (a scatter-add) and its forward-mode rule come from indexing; the
scatters are the adjoints. Indices are labels here: a negative or too-large index is an
error, never wrapped.

>>> import ember
>>> x = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
>>> ember.gather(x, 1, ember.tensor([[1, 0], [1, 1]])).tolist()
[[2.0, 1.0], [4.0, 4.0]]
>>> ember.zeros(3).index_add(0, ember.tensor([0, 0, 2]), ember.ones(3)).tolist()
[2.0, 0.0, 1.0]
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor, _make
from ._common import bind_methods, cast, ensure_tensor, normalize_dim, xp_of
from ._indexing_key import wrap_checked
from .indexing import _getitem_adv, _index_put, _put_add_adv
from .inplace import make_inplace


def _check_index_dtype(op: str, index: Any) -> Tensor:
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}: expected index to be a Tensor, got {type(index).__name__}")
    if index.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError(f"{op}: expected index to have dtype int64 (or int32), got "
                           f"{index.dtype}")
    return index


def _grid(op: str, x: Tensor, dim: int, index: Tensor) -> list[Tensor]:
    """Index tensors for every dim: ``index`` (checked) at ``dim``, aranges elsewhere."""
    xp = xp_of(x)
    n = index.ndim
    grid = []
    for d in range(n):
        if d == dim:
            grid.append(_make(wrap_checked(op, index, d, x.shape[d], wrap=False)))
        else:
            shape = [1] * n
            shape[d] = index.shape[d]
            grid.append(_make(xp.arange(index.shape[d], dtype=_dt.int64.np).reshape(shape)))
    return grid


def _check_gather_shapes(op: str, x: Tensor, dim: int, index: Tensor,
                         src: Tensor | None = None) -> None:
    if index.ndim != max(x.ndim, 1) and not (index.ndim == 0 and x.ndim <= 1):
        raise RuntimeError(
            f"{op}: index tensor must have the same number of dimensions as the input tensor: "
            f"input shape {tuple(x.shape)}, index shape {tuple(index.shape)}"
        )
    xs, ins = _as1d(x.shape), _as1d(index.shape)
    bad = any(i > s for d, (i, s) in enumerate(zip(ins, xs)) if d != dim)
    if src is not None:
        bad = bad or any(i > s for i, s in zip(ins, _as1d(src.shape)))
    if bad:
        extra = "" if src is None else f" and no larger than src {tuple(src.shape)}"
        raise RuntimeError(
            f"{op}: expected index {tuple(index.shape)} to be no larger than self "
            f"{tuple(x.shape)} apart from dimension {dim}{extra}"
        )


def _as1d(shape: tuple) -> tuple:
    return tuple(shape) if shape else (1,)


def _prep(op: str, x: Tensor, dim: int, index: Any, src: Tensor | None = None):
    """Checked arguments for the gather/scatter family, with 0-d tensors viewed as 1-d."""
    index = _check_index_dtype(op, index)
    dim = normalize_dim(op, dim, x.ndim)
    if src is not None and src.ndim != index.ndim and index.numel():
        raise RuntimeError(
            f"{op}: index tensor must have the same number of dimensions as the src tensor: "
            f"src shape {tuple(src.shape)}, index shape {tuple(index.shape)}"
        )
    _check_gather_shapes(op, x, dim, index, src)
    x1, i1 = x.reshape(1) if x.ndim == 0 else x, index.reshape(1) if index.ndim == 0 else index
    s1 = None if src is None else (src.reshape(1) if src.ndim == 0 else src)
    return x1, dim, i1, s1


def _src_part(src: Tensor, index: Tensor) -> Tensor:
    """The leading corner of ``src`` that ``index`` covers (scatter reads only that)."""
    if tuple(src.shape) == tuple(index.shape):
        return src
    return src[tuple(slice(0, n) for n in index.shape)]


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[i][index[i][j]]`` for ``dim=1`` (and likewise for other dims)."""
    return _gather("gather", input, dim, index)


def _gather(op: str, input: Tensor, dim: int, index: Tensor) -> Tensor:
    x, d, idx, _ = _prep(op, input, dim, index)
    out = _getitem_adv(x, *_grid(op, x, d, idx), dims=tuple(range(x.ndim)))
    return out.reshape(()) if index.ndim == 0 else out


def _scatter_src(op: str, input: Tensor, src: Any) -> Tensor:
    src = ensure_tensor(op, src, input)
    return cast(src, input.dtype) if src.dtype != input.dtype else src


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor, or a number) written at ``index`` along
    ``dim``. With ``reduce='add'`` / ``'multiply'`` the values are combined instead."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter: expected src (a tensor) or value (a number)")
    if reduce is not None:
        modes = {"add": "sum", "multiply": "prod"}
        if reduce not in modes:
            raise RuntimeError(f"scatter: reduce argument must be 'add' or 'multiply', got "
                               f"'{reduce}'")
        if not isinstance(src, Tensor):
            src = ember_full_like(index, src, input.dtype)
        return scatter_reduce(input, dim, index, src, modes[reduce])
    src = _scatter_src("scatter", input, src)
    is_value = src.ndim == 0 and not (index.ndim == 0 and input.ndim == 0)
    x, d, idx, s = _prep("scatter", input, dim, index, None if is_value else src)
    grid = _grid("scatter", x, d, idx)
    part = src if is_value else _src_part(s, idx)
    out = _index_put(x, part, *grid, basic=(Ellipsis,), dims=tuple(range(x.ndim)))
    return out.reshape(()) if input.ndim == 0 else out


def ember_full_like(index: Tensor, value: Any, dtype: _dt.DType) -> Tensor:
    xp = xp_of(index)
    return _make(xp.full(index.shape, value, dtype=dtype.np))


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``input`` plus ``src`` added at ``index`` along ``dim`` (repeats accumulate)."""
    src = _scatter_src("scatter_add", input, src)
    x, d, idx, s = _prep("scatter_add", input, dim, index, src)
    grid = _grid("scatter_add", x, d, idx)
    added = _put_add_adv(_src_part(s, idx), *grid, dims=tuple(range(x.ndim)), shape=x.shape)
    return (x + added).reshape(input.shape)


def _index_arg(op: str, x: Tensor, dim: int, index: Any) -> tuple[int, Tensor]:
    index = _check_index_dtype(op, index)
    if index.ndim > 1:
        raise IndexError(f"{op}: index must be a vector (0-d or 1-d), got shape "
                         f"{tuple(index.shape)}")
    dim = normalize_dim(op, dim, x.ndim)
    size = x.shape[dim] if x.ndim else 1
    return dim, _make(wrap_checked(op, index.reshape(-1), dim, size, wrap=False))


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The entries of ``input`` at positions ``index`` along ``dim``."""
    d, idx = _index_arg("index_select", input, dim, index)
    if input.ndim == 0:
        return _getitem_adv(input.reshape(1), idx, dims=(0,)).reshape(())
    return _getitem_adv(input, idx, dims=(d,))


def _check_source(op: str, x: Tensor, dim: int, n: int, source: Tensor) -> None:
    want = list(x.shape)
    if want:
        want[dim] = n
    if tuple(source.shape) != tuple(want) and not (source.numel() == n and x.ndim <= 1):
        raise RuntimeError(
            f"{op}: source shape {tuple(source.shape)} must match self shape {tuple(x.shape)} "
            f"with dimension {dim} replaced by the number of indices ({n}), i.e. {tuple(want)}"
        )


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *,
              alpha: Any = 1) -> Tensor:
    """``input`` plus ``alpha * source`` added at ``index`` along ``dim``."""
    d, idx = _index_arg("index_add", input, dim, index)
    source = _scatter_src("index_add", input, source)
    _check_source("index_add", input, d, idx.shape[0], source)
    x = input.reshape(1) if input.ndim == 0 else input
    src = source.reshape(-1) if input.ndim <= 1 else source
    if alpha != 1:
        src = src * alpha
    return (x + _put_add_adv(src, idx, dims=(d,), shape=x.shape)).reshape(input.shape)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with the slices of ``source`` written at ``index`` along ``dim``."""
    d, idx = _index_arg("index_copy", input, dim, index)
    source = _scatter_src("index_copy", input, source)
    _check_source("index_copy", input, d, idx.shape[0], source)
    x = input.reshape(1) if input.ndim == 0 else input
    src = source.reshape(-1) if input.ndim <= 1 else source
    out = _index_put(x, src, idx, basic=(Ellipsis,), dims=(d,))
    return out.reshape(input.shape)


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """A copy of ``input`` with ``value`` (a number or 0-d tensor) at ``index`` along ``dim``."""
    d, idx = _index_arg("index_fill", input, dim, index)
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"index_fill: only supports a 0-dimensional value tensor, but got "
                           f"one of shape {tuple(value.shape)}")
    value = _scatter_src("index_fill", input, value)
    x = input.reshape(1) if input.ndim == 0 else input
    return _index_put(x, value, idx, basic=(Ellipsis,), dims=(d,)).reshape(input.shape)


def take(input: Tensor, index: Tensor) -> Tensor:
    """``input`` read as 1-d at ``index`` (negative entries count from the end, as in torch)."""
    _check_index_dtype("take", index)
    flat = input.reshape(-1)
    idx = _make(wrap_checked("take", index, 0, flat.shape[0], wrap=True))
    return _getitem_adv(flat, idx, dims=(0,))


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """``gather`` with ``input`` and ``indices`` broadcast against each other except at
    ``dim``; with ``dim=None`` both are flattened."""
    _check_index_dtype("take_along_dim", indices)
    if dim is None:
        flat = input.reshape(-1)
        idx = _make(wrap_checked("take_along_dim", indices.reshape(-1), 0, flat.shape[0],
                                 wrap=False))
        return _getitem_adv(flat, idx, dims=(0,))
    d = normalize_dim("take_along_dim", dim, input.ndim)
    if indices.ndim != input.ndim:
        raise RuntimeError(
            f"take_along_dim: input and indices should have the same number of dimensions, "
            f"but got input shape {tuple(input.shape)} and indices shape {tuple(indices.shape)}"
        )
    from ._common import broadcast_shapes

    xs, ins = list(input.shape), list(indices.shape)
    xs[d] = ins[d] = 1
    common = list(broadcast_shapes("take_along_dim", tuple(xs), tuple(ins)))
    x_shape, i_shape = list(common), list(common)
    x_shape[d], i_shape[d] = input.shape[d], indices.shape[d]
    x = input.expand(*x_shape) if tuple(x_shape) != tuple(input.shape) else input
    idx = indices.expand(*i_shape) if tuple(i_shape) != tuple(indices.shape) else indices
    return _gather("take_along_dim", x, d, idx)


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """A copy of ``input`` with ``value`` (a number or 0-d tensor) where ``mask`` is True."""
    mask = _check_mask("masked_fill", input, mask)
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"masked_fill: only supports a 0-dimensional value tensor, but got "
                           f"one of shape {tuple(value.shape)}")
    value = _scatter_src("masked_fill", input, value)
    x = input.reshape(1) if input.ndim == 0 else input
    m = mask._data.reshape(x.shape) if input.ndim == 0 else \
        xp_of(x).broadcast_to(mask._data, x.shape)
    index = [_make(a.astype(_dt.int64.np)) for a in xp_of(x).nonzero(m)]
    out = _index_put(x, value, *index, basic=(Ellipsis,), dims=tuple(range(x.ndim)))
    return out.reshape(input.shape)


def _check_mask(op: str, input: Tensor, mask: Any) -> Tensor:
    if not isinstance(mask, Tensor) or mask.dtype is not _dt.bool_:
        got = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"{op}: expected mask to be a bool tensor, got {got}")
    from ._common import broadcast_shapes

    if broadcast_shapes(op, tuple(mask.shape), tuple(input.shape)) != tuple(input.shape):
        raise RuntimeError(f"{op}: mask of shape {tuple(mask.shape)} can't be broadcast to the "
                           f"input's shape {tuple(input.shape)}")
    return mask


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where ``mask`` is True, as a 1-d tensor (both broadcast)."""
    if not isinstance(mask, Tensor) or mask.dtype is not _dt.bool_:
        raise RuntimeError("masked_select: expected mask to be a bool tensor")
    from ._common import broadcast_shapes

    shape = broadcast_shapes("masked_select", tuple(input.shape), tuple(mask.shape))
    x = input.expand(*shape) if tuple(input.shape) != shape else input
    m = mask.expand(*shape) if tuple(mask.shape) != shape else mask
    return x.reshape(1)[m.reshape(1)] if not shape else x[m]


from .scatter_reduce import scatter_reduce  # noqa: E402  (uses the helpers above)

index_add_ = make_inplace("index_add_", index_add)
index_copy_ = make_inplace("index_copy_", index_copy)
index_fill_ = make_inplace("index_fill_", index_fill)
masked_fill_ = make_inplace("masked_fill_", masked_fill)
scatter_ = make_inplace("scatter_", scatter)
scatter_add_ = make_inplace("scatter_add_", scatter_add)
scatter_reduce_ = make_inplace("scatter_reduce_", scatter_reduce)

bind_methods(
    gather=gather, scatter=scatter, scatter_add=scatter_add, scatter_reduce=scatter_reduce,
    index_select=index_select, index_add=index_add, index_copy=index_copy,
    index_fill=index_fill, take=take, take_along_dim=take_along_dim, masked_fill=masked_fill,
    masked_select=masked_select, index_add_=index_add_, index_copy_=index_copy_,
    index_fill_=index_fill_, masked_fill_=masked_fill_, scatter_=scatter_,
    scatter_add_=scatter_add_, scatter_reduce_=scatter_reduce_,
)

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
           "index_copy", "index_fill", "take", "take_along_dim", "masked_fill", "masked_select"]
