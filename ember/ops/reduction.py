"""Reductions over dimensions (``dim`` as int, tuple or None; ``keepdim``; PyTorch's
``axis``/``keepdims`` aliases): sum, mean, nansum, nanmean, prod, logsumexp, all, any,
count_nonzero. Max/min live in ``reduction_minmax.py``; var/std/median/mode/norm in
``stats.py``; cumulative ops in ``cumulative.py``.

>>> import ember
>>> ember.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0).tolist()
[4.0, 6.0]
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..autograd.grad_mode import STATE as _GRAD
from ..tensor import Tensor
from ._common import bind_methods, cast, xp_of
from ._reduce import (
    count,
    dim_args,
    float_const,
    int_result,
    one_dim,
    quiet,
    reduce_dims,
    restore,
)
from .registry import defop, fast_unary


def _acc_dtype(x) -> Any:
    """Half-precision floats accumulate in float32, as PyTorch's kernels do."""
    return "float32" if x.dtype.itemsize == 2 else None


# ----------------------------------------------------------------------------- sum / mean
@defop("sum")
def _sum(ctx, x, *, dims, keepdim):
    # The array method, not xp.sum: NumPy's function wrapper doubles the cost of a small sum.
    axis = None if len(dims) == x.ndim else dims
    acc = _acc_dtype(x)
    if acc is None:
        return x.sum(axis=axis, keepdims=keepdim)
    return x.sum(axis=axis, keepdims=keepdim, dtype=acc).astype(x.dtype)


def _sum_all(ctx, x):
    """``sum(x)`` over every element: the fast path's forward (same arithmetic as _sum)."""
    if x.dtype.itemsize != 2:  # _acc_dtype's test, inlined: this runs per small sum
        return x.sum()
    return x.sum(dtype=_acc_dtype(x)).astype(x.dtype)


@_sum.def_backward
def _(ctx, g, *, dims, keepdim):
    (shape,) = ctx.in_shapes
    if g.ndim == 0:  # a full reduction: the 0-d gradient broadcasts as it is
        return (g.expand(shape),)
    return (restore(g, shape, dims, keepdim).expand(shape),)


@_sum.def_jvp
def _(ctx, tangents, *, dims, keepdim):
    return _sum(tangents[0], dims=dims, keepdim=keepdim)


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
        axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Sum over ``dim`` (all dims when None). Integer and bool inputs sum as int64.

    >>> import ember
    >>> ember.tensor([[True, False], [True, True]]).sum(1).tolist()
    [1, 2]
    """
    if axis is not None or keepdims is not None:
        dim, keepdim = dim_args("sum", dim, keepdim, axis, keepdims)
    if dtype is not None or input.dtype.category != _dt.FLOAT:
        input = int_result(input, dtype)
    return _sum(input, dims=reduce_dims("sum", dim, input.ndim), keepdim=keepdim)


@defop("mean")
def _mean(ctx, x, *, dims, keepdim):
    if count(x.shape, dims) == 0:  # PyTorch gives NaN for the mean of nothing, silently
        shape = tuple(1 if i in dims else s for i, s in enumerate(x.shape))
        out = ctx.xp.full(shape, float("nan"), dtype=x.dtype)
        return out if keepdim else out.reshape(tuple(s for i, s in enumerate(x.shape)
                                                    if i not in dims))
    acc = _acc_dtype(x)
    if acc is None:
        return x.mean(axis=dims, keepdims=keepdim)
    return x.mean(axis=dims, keepdims=keepdim, dtype=acc).astype(x.dtype)


@_mean.def_backward
def _(ctx, g, *, dims, keepdim):
    (shape,) = ctx.in_shapes
    n = count(shape, dims)
    return ((restore(g, shape, dims, keepdim) / (n or 1)).expand(shape),)


@_mean.def_jvp
def _(ctx, tangents, *, dims, keepdim):
    return _mean(tangents[0], dims=dims, keepdim=keepdim)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
         axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Arithmetic mean over ``dim``; needs a floating-point input (or ``dtype``).

    >>> import ember
    >>> ember.tensor([[1.0, 2.0], [3.0, 5.0]]).mean(-1, keepdim=True).tolist()
    [[1.5], [4.0]]
    """
    if axis is not None or keepdims is not None:
        dim, keepdim = dim_args("mean", dim, keepdim, axis, keepdims)
    if dtype is not None:
        input = cast(input, _dt.as_dtype(dtype))
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError(
            f"mean: could not infer output dtype. Input dtype must be floating point, got "
            f"{input.dtype.name} (shape {tuple(input.shape)}); pass dtype= or convert it"
        )
    return _mean(input, dims=reduce_dims("mean", dim, input.ndim), keepdim=keepdim)


# ----------------------------------------------------------------------------- nan-aware
@defop("nansum")
def _nansum(ctx, x, *, dims, keepdim):
    keep = ~ctx.xp.isnan(x)
    ctx.arrays = (keep,)
    return ctx.xp.sum(ctx.xp.where(keep, x, 0), axis=dims, keepdims=keepdim,
                      dtype=_acc_dtype(x)).astype(x.dtype, copy=False)


@_nansum.def_backward
def _(ctx, g, *, dims, keepdim):
    (shape,) = ctx.in_shapes
    (keep,) = ctx.arrays
    g = restore(g, shape, dims, keepdim)
    return (g * float_const(g, keep),)  # NaN inputs get no gradient, as in PyTorch


@_nansum.def_jvp
def _(ctx, tangents, *, dims, keepdim):
    (x,), t = ctx.inputs, tangents[0]
    return _sum(t * float_const(t, ~xp_of(x).isnan(x._data)), dims=dims, keepdim=keepdim)


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
           axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Sum treating NaN as zero.

    >>> import ember
    >>> ember.nansum(ember.tensor([1.0, float("nan"), 2.0])).item()
    3.0
    """
    dim, keepdim = dim_args("nansum", dim, keepdim, axis, keepdims)
    input = int_result(input, dtype)
    dims = reduce_dims("nansum", dim, input.ndim)
    if input.dtype.category != _dt.FLOAT:
        return _sum(input, dims=dims, keepdim=keepdim)
    return _nansum(input, dims=dims, keepdim=keepdim)


def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
            axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Mean of the non-NaN elements (NaN where there are none).

    >>> import ember
    >>> ember.nanmean(ember.tensor([1.0, float("nan"), 2.0])).item()
    1.5
    """
    dim, keepdim = dim_args("nanmean", dim, keepdim, axis, keepdims)
    if dtype is not None:
        input = cast(input, _dt.as_dtype(dtype))
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError(
            f"nanmean: expected a floating point input, got {input.dtype.name} (shape "
            f"{tuple(input.shape)}); pass dtype= or convert it"
        )
    dims = reduce_dims("nanmean", dim, input.ndim)
    xp = xp_of(input)
    # As PyTorch: nansum / (number of non-NaN elements), the count being a constant.
    n = xp.sum(~xp.isnan(input._data), axis=dims, keepdims=keepdim)
    with quiet(xp):
        return _nansum(input, dims=dims, keepdim=keepdim) / float_const(input, xp.asarray(n))


# ----------------------------------------------------------------------------- prod
@defop("prod", save=(0,), save_output=True)
def _prod(ctx, x, *, dim, keepdim):
    return ctx.xp.prod(x, axis=dim, keepdims=keepdim)


@_prod.def_backward
def _(ctx, g, *, dim, keepdim):
    (x,) = ctx.saved
    if x.ndim == 0:
        return (g,)
    out = ctx.output
    if dim is None:  # a product over everything: work on the flattened input
        flat = x.reshape(-1)
        if not ctx.xp.any(x._data == 0):
            return (g * out / x,)
        return ((g * prod_others(flat, 0)).reshape(x.shape),)
    g, out = restore(g, x.shape, (dim,), keepdim), restore(out, x.shape, (dim,), keepdim)
    if not ctx.xp.any(x._data == 0):
        return (g * out / x,)
    return (g * prod_others(x, dim),)


@_prod.def_jvp
def _(ctx, tangents, *, dim, keepdim):
    (x,), t = ctx.inputs, tangents[0]
    if x.ndim == 0:
        return t
    if not xp_of(x).any(x._data == 0):
        with quiet(xp_of(x)):
            return ctx.output * _sum(t / x, dims=_all(x, dim), keepdim=keepdim)
    if dim is None:
        return _sum(t.reshape(-1) * prod_others(x.reshape(-1), 0), dims=(0,), keepdim=False)
    return _sum(t * prod_others(x, dim), dims=(dim,), keepdim=keepdim)


def _all(x: Tensor, dim: int | None) -> tuple:
    return tuple(range(x.ndim)) if dim is None else (dim,)


def prod_others(x: Tensor, dim: int) -> Tensor:
    """For each element, the product of the other elements along ``dim``: the gradient of
    ``prod`` that stays right when the input has zeros (``out / x`` would be 0/0)."""
    xp = xp_of(x)
    if not _GRAD.grad_enabled:  # O(n): exclusive products from the left and the right
        a = xp.moveaxis(x._data, dim, -1)
        ones = xp.ones(a.shape[:-1] + (1,), dtype=a.dtype)
        left = xp.cumprod(xp.concatenate([ones, a[..., :-1]], axis=-1), axis=-1)
        right = xp.cumprod(xp.concatenate([ones, a[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        return float_const(x, xp.moveaxis(left * right, -1, dim))
    # Differentiable (create_graph): row k of an n x n matrix is the input with x_k set to 1;
    # its product is the product of the others. O(n^2), like PyTorch's double-backward path.
    xt = x.transpose(dim, -1)
    n = xt.shape[-1]
    eye = float_const(x, xp.eye(n))
    rows = xt.reshape(xt.shape[:-1] + (1, n)) * (1 - eye) + eye
    return _prod(rows, dim=rows.ndim - 1, keepdim=False).transpose(dim, -1)


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None,
         axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Product over one ``dim`` (or all elements). Integer and bool inputs give int64.

    >>> import ember
    >>> ember.tensor([[1.0, 2.0], [3.0, 4.0]]).prod(1).tolist()
    [2.0, 12.0]
    """
    dim, keepdim = dim_args("prod", dim, keepdim, axis, keepdims)
    input = int_result(input, dtype)
    if dim is None:
        return _prod(input, dim=None, keepdim=False)
    d = one_dim("prod", dim, input.ndim)
    if input.ndim == 0:
        return _prod(input, dim=None, keepdim=False)
    return _prod(input, dim=d, keepdim=keepdim)


# ----------------------------------------------------------------------------- logsumexp
@defop("logsumexp", save=(0,), save_output=True)
def _logsumexp(ctx, x, *, dims, keepdim):
    xp = ctx.xp
    with quiet(xp):
        if x.size == 0:
            return xp.log(xp.sum(xp.exp(x), axis=dims, keepdims=keepdim))
        # Shift by the max so exp never overflows; an infinite max shifts by 0 instead.
        m = xp.max(x, axis=dims, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        out = xp.log(xp.sum(xp.exp(x - m), axis=dims, keepdims=True)) + m
    return out if keepdim else out.reshape(tuple(s for i, s in enumerate(x.shape)
                                                if i not in dims))


@_logsumexp.def_backward
def _(ctx, g, *, dims, keepdim):
    from .. import ops

    (x,) = ctx.saved
    out = restore(ctx.output, x.shape, dims, keepdim)
    return (restore(g, x.shape, dims, keepdim) * ops.exp(x - out),)


@_logsumexp.def_jvp
def _(ctx, tangents, *, dims, keepdim):
    from .. import ops

    (x,), t = ctx.inputs, tangents[0]
    out = restore(ctx.output, x.shape, dims, keepdim)
    return _sum(t * ops.exp(x - out), dims=dims, keepdim=keepdim)


def logsumexp(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
              keepdims: bool | None = None) -> Tensor:
    """``log(sum(exp(input), dim))`` computed without overflow.

    >>> import ember
    >>> round(ember.logsumexp(ember.tensor([1000.0, 1000.0]), 0).item(), 2)
    1000.69
    """
    dim, keepdim = dim_args("logsumexp", dim, keepdim, axis, keepdims)
    if dim is None:
        raise TypeError(f"logsumexp: missing the required argument 'dim' (input shape "
                        f"{tuple(input.shape)})")
    if input.dtype.category != _dt.FLOAT:
        input = cast(input, _dt.get_default_dtype())
    return _logsumexp(input, dims=reduce_dims("logsumexp", dim, input.ndim), keepdim=keepdim)


# ----------------------------------------------------------------------------- logical
@defop("all", differentiable=False)
def _all_op(ctx, x, *, dims, keepdim):
    return ctx.xp.all(x, axis=dims, keepdims=keepdim)


@defop("any", differentiable=False)
def _any_op(ctx, x, *, dims, keepdim):
    return ctx.xp.any(x, axis=dims, keepdims=keepdim)


@defop("count_nonzero", differentiable=False)
def _count_nonzero(ctx, x, *, dims):
    return ctx.xp.sum(x != 0, axis=dims, dtype="int64")


def all(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: bool | None = None) -> Tensor:
    """Whether every element (along ``dim``) is non-zero; a bool tensor.

    >>> import ember
    >>> ember.tensor([[1, 0], [2, 3]]).all(dim=1).tolist()
    [False, True]
    """
    dim, keepdim = dim_args("all", dim, keepdim, axis, keepdims)
    return _all_op(input, dims=reduce_dims("all", dim, input.ndim), keepdim=keepdim)


def any(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: bool | None = None) -> Tensor:
    """Whether any element (along ``dim``) is non-zero; a bool tensor.

    >>> import ember
    >>> ember.tensor([[1, 0], [0, 0]]).any(dim=1).tolist()
    [True, False]
    """
    dim, keepdim = dim_args("any", dim, keepdim, axis, keepdims)
    return _any_op(input, dims=reduce_dims("any", dim, input.ndim), keepdim=keepdim)


def count_nonzero(input: Tensor, dim: Any = None, *, axis: Any = None) -> Tensor:
    """The number of non-zero elements (along ``dim``), as int64.

    >>> import ember
    >>> ember.count_nonzero(ember.tensor([[0.0, 1.0], [2.0, 3.0]]), dim=0).tolist()
    [1, 2]
    """
    dim, _ = dim_args("count_nonzero", dim, False, axis)
    return _count_nonzero(input, dims=reduce_dims("count_nonzero", dim, input.ndim))


sum = fast_unary(sum, _sum_all)  # the no-graph case of x.sum() (registry.fast_unary)

bind_methods(sum=sum, mean=mean, nansum=nansum, nanmean=nanmean, prod=prod,
             logsumexp=logsumexp, all=all, any=any, count_nonzero=count_nonzero)

# max/min and friends live in their own module; they are exported from here.
from .reduction_minmax import __all__ as _minmax_all  # noqa: E402
from .reduction_minmax import amax, amin, argmax, argmin, max, min  # noqa: E402, F401

__all__ = ["sum", "mean", "nansum", "nanmean", "prod", "logsumexp", "all", "any",
           "count_nonzero", *_minmax_all]
