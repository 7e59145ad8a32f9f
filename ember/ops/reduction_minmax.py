"""Max/min reductions: max, min (value, ``(values, indices)`` with ``dim``, or the binary
form), amax, amin, argmax, argmin.

Gradients follow PyTorch: ``max()``/``amax`` split the gradient evenly among tied maxima;
``max(dim)`` sends it to the returned index only (the first maximum, as PyTorch documents).

>>> import ember
>>> ember.tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1)
max(values=tensor([5., 7.]), indices=tensor([1, 0]))
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from ._common import bind_methods
from ._reduce import (
    check_nonempty,
    def_index_reduction,
    dim_args,
    even_split,
    one_dim,
    reduce_dims,
    restore,
    result_type,
)
from .registry import defop


def _def_amax(name: str, reduce: str):
    @defop(name, save=(0,), save_output=True)
    def op(ctx, x, *, dims, keepdim):
        return getattr(ctx.xp, reduce)(x, axis=dims, keepdims=keepdim)

    @op.def_backward
    def _(ctx, g, *, dims, keepdim):
        (x,) = ctx.saved
        g = restore(g, x.shape, dims, keepdim)
        return (g * even_split(x, ctx.output, dims, keepdim, g),)

    @op.def_jvp
    def _(ctx, tangents, *, dims, keepdim):
        (x,), t = ctx.inputs, tangents[0]
        return (t * even_split(x, ctx.output, dims, keepdim, t)).sum(dim=dims, keepdim=keepdim)

    return op


_amax = _def_amax("amax", "max")
_amin = _def_amax("amin", "min")


def _select(argfn: str):
    def select(xp, x, dim):
        index = getattr(xp, argfn)(x, axis=dim, keepdims=True)
        return xp.take_along_axis(x, index, axis=dim), index.astype("int64", copy=False)

    return select


_max_dim = def_index_reduction("max_dim", _select("argmax"))
_min_dim = def_index_reduction("min_dim", _select("argmin"))


def _reduce_all_or_dim(op: str, input: Tensor, dim: Any, keepdim: bool, full, by_dim):
    if dim is None:
        check_nonempty(op, input, None)
        return full(input, dims=tuple(range(input.ndim)), keepdim=False)
    d = one_dim(op, dim, input.ndim)
    check_nonempty(op, input, (d,))
    values, indices = by_dim(input, dim=d, keepdim=keepdim)
    return result_type(op)(values, indices)


def max(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: bool | None = None, other: Tensor | None = None) -> Any:
    """The maximum value; with ``dim``, a named tuple ``(values, indices)``; with a tensor
    as second argument, the elementwise ``maximum``.

    >>> import ember
    >>> ember.tensor([1.0, 3.0, 2.0]).max().item()
    3.0
    """
    if other is not None:  # max(input, other=t): PyTorch's keyword for the binary form
        if dim is not None:
            raise TypeError(f"max: got both dim={dim!r} and other=; pass one of them")
        dim = other
    if isinstance(dim, Tensor):
        from .. import ops

        return ops.maximum(input, dim)
    dim, keepdim = dim_args("max", dim, keepdim, axis, keepdims)
    return _reduce_all_or_dim("max", input, dim, keepdim, _amax, _max_dim)


def min(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: bool | None = None, other: Tensor | None = None) -> Any:
    """The minimum value; with ``dim``, a named tuple ``(values, indices)``; with a tensor
    as second argument, the elementwise ``minimum``.

    >>> import ember
    >>> ember.tensor([[1.0, 3.0], [0.0, 4.0]]).min(0).indices.tolist()
    [1, 0]
    """
    if other is not None:  # min(input, other=t): PyTorch's keyword for the binary form
        if dim is not None:
            raise TypeError(f"min: got both dim={dim!r} and other=; pass one of them")
        dim = other
    if isinstance(dim, Tensor):
        from .. import ops

        return ops.minimum(input, dim)
    dim, keepdim = dim_args("min", dim, keepdim, axis, keepdims)
    return _reduce_all_or_dim("min", input, dim, keepdim, _amin, _min_dim)


def _amax_like(op: str, fn, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    dims = reduce_dims(op, dim, input.ndim)
    whole = dim is None or (not isinstance(dim, int) and len(tuple(dim)) == 0)
    check_nonempty(op, input, None if whole else dims)
    return fn(input, dims=dims, keepdim=keepdim)


def amax(input: Tensor, dim: Any = (), keepdim: bool = False, *, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """The maximum over ``dim`` (all dims by default); ties share the gradient evenly.

    >>> import ember
    >>> ember.tensor([[1.0, 5.0], [7.0, 2.0]]).amax(dim=0).tolist()
    [7.0, 5.0]
    """
    dim, keepdim = dim_args("amax", None if axis is not None else dim, keepdim, axis, keepdims)
    return _amax_like("amax", _amax, input, dim, keepdim)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False, *, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """The minimum over ``dim`` (all dims by default); ties share the gradient evenly.

    >>> import ember
    >>> ember.tensor([[1.0, 5.0], [7.0, 2.0]]).amin(dim=1).tolist()
    [1.0, 2.0]
    """
    dim, keepdim = dim_args("amin", None if axis is not None else dim, keepdim, axis, keepdims)
    return _amax_like("amin", _amin, input, dim, keepdim)


def _def_arg(name: str, argfn: str):
    @defop(name, differentiable=False)
    def op(ctx, x, *, dim, keepdim):
        fn = getattr(ctx.xp, argfn)
        if dim is None:
            index = ctx.xp.asarray(fn(x), dtype="int64")
            return index.reshape((1,) * x.ndim) if keepdim else index
        return fn(x, axis=dim, keepdims=keepdim).astype("int64", copy=False)

    return op


_argmax = _def_arg("argmax", "argmax")
_argmin = _def_arg("argmin", "argmin")


def _arg_reduce(op: str, fn, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    if dim is None:
        check_nonempty(op, input, None)
        return fn(input, dim=None, keepdim=keepdim)
    d = one_dim(op, dim, input.ndim)
    check_nonempty(op, input, (d,))
    if input.ndim == 0:
        return fn(input, dim=None, keepdim=False)
    return fn(input, dim=d, keepdim=keepdim)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
           axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Index of the (first) maximum, over the flattened input when ``dim`` is None.

    >>> import ember
    >>> ember.tensor([[1.0, 5.0], [7.0, 2.0]]).argmax().item()
    2
    """
    dim, keepdim = dim_args("argmax", dim, keepdim, axis, keepdims)
    return _arg_reduce("argmax", _argmax, input, dim, keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
           axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Index of the (first) minimum, over the flattened input when ``dim`` is None.

    >>> import ember
    >>> ember.tensor([[1.0, 5.0], [0.5, 2.0]]).argmin(dim=1).tolist()
    [0, 0]
    """
    dim, keepdim = dim_args("argmin", dim, keepdim, axis, keepdims)
    return _arg_reduce("argmin", _argmin, input, dim, keepdim)


bind_methods(max=max, min=min, amax=amax, amin=amin, argmax=argmax, argmin=argmin)

__all__ = ["max", "min", "amax", "amin", "argmax", "argmin"]
