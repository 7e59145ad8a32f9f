"""Helpers shared by the reduction family (reduction.py, reduction_minmax.py, stats.py,
cumulative.py): dim arguments, kept-dim shapes and constant masks for backward rules."""

from __future__ import annotations

import contextlib
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor, _make
from ._common import normalize_dim, normalize_dims


def dim_args(op: str, dim: Any, keepdim: bool, axis: Any = None,
             keepdims: bool | None = None) -> tuple[Any, bool]:
    """Resolve PyTorch's ``axis``/``keepdims`` aliases of ``dim``/``keepdim``."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: got both 'dim' and its alias 'axis'")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return dim, bool(keepdim)


def reduce_dims(op: str, dim: Any, ndim: int) -> tuple[int, ...]:
    """Normalised reduction dims; ``None`` (or an empty list, as in PyTorch's kernels) means
    all of them."""
    if isinstance(dim, bool) or not (dim is None or isinstance(dim, (int, tuple, list))):
        raise TypeError(
            f"{op}: dim must be an int or a tuple of ints, got {type(dim).__name__} {dim!r}"
        )
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None
    return normalize_dims(op, dim, ndim)


def one_dim(op: str, dim: Any, ndim: int) -> int:
    """A single normalised dim (ops that reduce over exactly one dimension)."""
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__} {tuple(dim)}")
    return normalize_dim(op, dim, ndim)


def keep_shape(shape: tuple, dims: tuple) -> tuple:
    """``shape`` with the reduced ``dims`` kept as size 1."""
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def count(shape: tuple, dims: tuple) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def restore(g: Tensor, shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """Reshape a reduced gradient (or output) so that it broadcasts against the input."""
    if not keepdim and len(shape):
        g = g.reshape(keep_shape(shape, dims))
    return g


def const(array: Any) -> Tensor:
    """A backend array (a mask, a count) as a constant tensor outside the graph."""
    return _make(array)


def float_const(like: Tensor, array: Any) -> Tensor:
    """A mask or count as a constant of ``like``'s (floating) dtype."""
    from ..backends import backend_of

    # asarray: NumPy turns 0-d results into scalars, which are not backend arrays
    return _make(backend_of(like._data).xp.asarray(array, dtype=like._data.dtype))


def check_nonempty(op: str, input: Tensor, dims: tuple | None) -> None:
    """Reductions without an identity (max, argmax, ...) refuse to reduce size-0 dims;
    ``dims=None`` means a reduction over everything (no dim given)."""
    if input._data.size != 0:
        return
    if dims is None:
        raise RuntimeError(
            f"{op}: expected reduction dim to be specified for an input with no elements "
            f"(shape {tuple(input.shape)}); specify the reduction dim with the 'dim' argument"
        )
    for d in dims:
        if input.ndim and input.shape[d] == 0:
            raise IndexError(
                f"{op}: expected reduction dim {d} to have non-zero size, got input of shape "
                f"{tuple(input.shape)}"
            )


def require_float(op: str, input: Tensor) -> None:
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError(
            f"{op}: expected a floating point input (its result is fractional), got "
            f"{input.dtype.name} with shape {tuple(input.shape)}; convert it with .float()"
        )


def int_result(input: Tensor, dtype: Any) -> Tensor:
    """Apply a ``dtype`` argument, or promote bool/integer inputs to int64 as PyTorch's
    sum/prod/cumsum do."""
    from ._common import cast

    if dtype is not None:
        return cast(input, _dt.as_dtype(dtype))
    if input.dtype.category != _dt.FLOAT:
        return cast(input, _dt.int64)
    return input


@contextlib.contextmanager
def quiet(xp):
    """Silence NumPy's divide/invalid warnings where PyTorch returns inf/nan silently."""
    errstate = getattr(xp, "errstate", None)
    if errstate is None:
        yield
    else:
        with errstate(divide="ignore", invalid="ignore"):
            yield


def onehot(xp, index, n: int, dim: int, dtype) -> Any:
    """A mask with ones where ``arange(n)`` along ``dim`` equals ``index`` (kept dims)."""
    shape = [1] * index.ndim
    shape[dim] = n
    return (xp.arange(n).reshape(shape) == index).astype(dtype)


__all__: list[str] = []


_RESULT_TYPES: dict[str, type] = {}


def result_type(name: str) -> type:
    """PyTorch's ``torch.return_types.<name>``: a named tuple ``(values, indices)``."""
    cls = _RESULT_TYPES.get(name)
    if cls is None:
        from collections import namedtuple

        cls = _RESULT_TYPES[name] = namedtuple(name, ["values", "indices"])
    return cls


def def_index_reduction(name: str, select):
    """Register a ``(values, indices)`` reduction over one dim whose gradient goes only to
    the selected index (max/min/median/mode with ``dim``).

    ``select(xp, x, dim, **extra)`` gets an array of 1+ dims and returns the values and the
    int64 indices with ``dim`` kept as size 1; ``extra`` are the op's other keyword
    attributes (kthvalue's ``k``).
    """
    from .registry import defop

    @defop(name, nondiff_outputs=(1,))
    def op(ctx, x, *, dim, keepdim, **extra):
        if x.ndim == 0:  # a 0-d input is its own value, at index 0
            return x.copy(), ctx.xp.zeros((), dtype="int64")
        values, index = select(ctx.xp, x, dim, **extra)
        ctx.arrays = (index,)
        if not keepdim:
            values, index = values.squeeze(dim), index.squeeze(dim)
        return values, index

    @op.def_backward
    def _(ctx, g, _unused, *, dim, keepdim, **extra):
        (shape,) = ctx.in_shapes
        if len(shape) == 0:
            return (g,)
        (index,) = ctx.arrays
        g = restore(g, shape, (dim,), keepdim)
        return (g * float_const(g, onehot(ctx.xp, index, shape[dim], dim, g._data.dtype)),)

    @op.def_jvp
    def _(ctx, tangents, *, dim, keepdim, **extra):
        (x,), t = ctx.inputs, tangents[0]
        if x.ndim == 0:
            return t, None
        index = restore(ctx.outputs[1], x.shape, (dim,), keepdim)._data
        from ._common import xp_of

        mask = float_const(t, onehot(xp_of(x), index, x.shape[dim], dim, t._data.dtype))
        return (t * mask).sum(dim=dim, keepdim=keepdim), None

    return op


def even_split(x: Tensor, out: Tensor, dims: tuple, keepdim: bool, like: Tensor) -> Tensor:
    """PyTorch's gradient of max()/amax/median(): a mask of the places where ``x`` attains
    the reduced value ``out`` (NaN attains a NaN result), divided by their number per slice,
    so that tied elements share the gradient evenly."""
    from ._common import xp_of

    xp = xp_of(x)
    a, o = x._data, restore(out, x.shape, dims, keepdim)._data
    mask = a == o
    if like.dtype.category == _dt.FLOAT and x.dtype.category == _dt.FLOAT:
        mask |= xp.isnan(a) & xp.isnan(o)
    n = xp.sum(mask, axis=dims, keepdims=True)
    return float_const(like, mask / n)
