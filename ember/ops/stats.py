"""Statistics: var, std (with ``correction`` or the old ``unbiased``), var_mean, std_mean,
median, nanmedian, kthvalue, mode. Norms are in ``stats_norm.py``, quantiles in
``stats_quantile.py``; both are exported from here.

>>> import ember
>>> ember.tensor([1.0, 2.0, 3.0, 4.0, 5.0]).var().item()
2.5
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import bind_methods, xp_of
from ._reduce import (
    check_nonempty,
    count,
    def_index_reduction,
    dim_args,
    even_split,
    float_const,
    one_dim,
    quiet,
    reduce_dims,
    restore,
    result_type,
)
from .registry import defop


# ----------------------------------------------------------------------------- var / std
def _var_array(xp, x, dims, correction, keepdim):
    n = count(x.shape, dims)
    out_shape = tuple(1 if i in dims else s for i, s in enumerate(x.shape))
    if n == 0:  # no elements: NaN, silently, as PyTorch
        out = xp.full(out_shape, float("nan"), dtype=x.dtype)
    else:
        wide = x.astype("float32") if x.dtype.itemsize == 2 else x
        centred = wide - xp.mean(wide, axis=dims, keepdims=True)
        with quiet(xp):  # dof <= 0 gives inf/nan like PyTorch
            out = (xp.sum(centred * centred, axis=dims, keepdims=True)
                   / max(n - correction, 0)).astype(x.dtype, copy=False)
    return out if keepdim else out.reshape(tuple(s for i, s in enumerate(x.shape)
                                                if i not in dims))


def _var_grad(g: Tensor, x: Tensor, dims: tuple, correction: float) -> Tensor:
    """d var / dx applied to ``g`` (kept dims): ``2 (x - mean) / (n - correction)``; written
    in ember ops so that it differentiates again."""
    dof = count(x.shape, dims) - correction
    scale = 2.0 / dof if dof > 0 else float("inf")
    with quiet(xp_of(x)):  # dof <= 0: inf * 0 = nan, silently, as in PyTorch
        return g * (x - x.mean(dim=dims, keepdim=True)) * scale


@defop("var", save=(0,))
def _var(ctx, x, *, dims, correction, keepdim):
    return _var_array(ctx.xp, x, dims, correction, keepdim)


@_var.def_backward
def _(ctx, g, *, dims, correction, keepdim):
    (x,) = ctx.saved
    return (_var_grad(restore(g, x.shape, dims, keepdim), x, dims, correction),)


@_var.def_jvp
def _(ctx, tangents, *, dims, correction, keepdim):
    (x,), t = ctx.inputs, tangents[0]
    return _var_grad(t, x, dims, correction).sum(dim=dims, keepdim=keepdim)


def _std_scale(g: Tensor, std: Tensor) -> Tensor:
    """``g / (2 std)``, zero where std is zero (PyTorch's choice at constant inputs)."""
    zero = std._data == 0
    return g * float_const(g, ~zero) / ((std + float_const(std, zero)) * 2)


@defop("std", save=(0,), save_output=True)
def _std(ctx, x, *, dims, correction, keepdim):
    return ctx.xp.sqrt(_var_array(ctx.xp, x, dims, correction, keepdim))


@_std.def_backward
def _(ctx, g, *, dims, correction, keepdim):
    (x,) = ctx.saved
    std = restore(ctx.output, x.shape, dims, keepdim)
    g = _std_scale(restore(g, x.shape, dims, keepdim), std)
    return (_var_grad(g, x, dims, correction),)


@_std.def_jvp
def _(ctx, tangents, *, dims, correction, keepdim):
    (x,), t = ctx.inputs, tangents[0]
    dvar = _var_grad(t, x, dims, correction).sum(dim=dims, keepdim=keepdim)
    return _std_scale(dvar, ctx.output)


def _correction(op: str, unbiased: Any, correction: Any) -> float:
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"{op}: pass either 'correction' or the older 'unbiased', not both")
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _var_args(op: str, input: Tensor, dim, unbiased, keepdim, correction, axis, keepdims):
    if isinstance(dim, bool):  # the old var(input, unbiased) form
        dim, unbiased = None, dim
    dim, keepdim = dim_args(op, dim, keepdim, axis, keepdims)
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError(
            f"{op}: only floating point inputs are supported, got {input.dtype.name} "
            f"(shape {tuple(input.shape)})"
        )
    return dict(dims=reduce_dims(op, dim, input.ndim),
                correction=_correction(op, unbiased, correction), keepdim=keepdim)


def var(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None, axis: Any = None, keepdims: bool | None = None
        ) -> Tensor:
    """Variance over ``dim``, dividing by ``N - correction`` (default 1, Bessel's).

    >>> import ember
    >>> ember.tensor([[1.0, 3.0], [2.0, 2.0]]).var(dim=1, correction=0).tolist()
    [1.0, 0.0]
    """
    return _var(input, **_var_args("var", input, dim, unbiased, keepdim, correction, axis,
                                   keepdims))


def std(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None, axis: Any = None, keepdims: bool | None = None
        ) -> Tensor:
    """Standard deviation over ``dim`` (the square root of :func:`var`).

    >>> import ember
    >>> ember.tensor([1.0, 3.0]).std(unbiased=False).item()
    1.0
    """
    return _std(input, **_var_args("std", input, dim, unbiased, keepdim, correction, axis,
                                   keepdims))


def var_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None,
             keepdim: bool = False, *, correction: float | None = None, axis: Any = None,
             keepdims: bool | None = None) -> tuple[Tensor, Tensor]:
    """``(var(input, dim), mean(input, dim))``.

    >>> import ember
    >>> [t.item() for t in ember.var_mean(ember.tensor([1.0, 3.0]))]
    [2.0, 2.0]
    """
    kw = _var_args("var_mean", input, dim, unbiased, keepdim, correction, axis, keepdims)
    return _var(input, **kw), input.mean(dim=kw["dims"], keepdim=kw["keepdim"])


def std_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None,
             keepdim: bool = False, *, correction: float | None = None, axis: Any = None,
             keepdims: bool | None = None) -> tuple[Tensor, Tensor]:
    """``(std(input, dim), mean(input, dim))``.

    >>> import ember
    >>> [t.item() for t in ember.std_mean(ember.tensor([1.0, 3.0]), correction=0)]
    [1.0, 2.0]
    """
    kw = _var_args("std_mean", input, dim, unbiased, keepdim, correction, axis, keepdims)
    return _std(input, **kw), input.mean(dim=kw["dims"], keepdim=kw["keepdim"])


# ----------------------------------------------------------------------------- median
@defop("median", save=(0,), save_output=True)
def _median(ctx, x):
    xp, flat = ctx.xp, x.reshape(-1)
    if flat.size == 0:
        return xp.asarray(float("nan"), dtype=x.dtype)
    if flat.dtype.kind == "f" and xp.isnan(flat).any():
        return xp.asarray(float("nan"), dtype=x.dtype)
    k = (flat.size - 1) // 2  # the lower of the two middle values, as PyTorch
    return xp.partition(flat, k)[k]


@_median.def_backward
def _(ctx, g):
    (x,) = ctx.saved
    dims = tuple(range(x.ndim))
    return (g * even_split(x, ctx.output, dims, False, g),)


@_median.def_jvp
def _(ctx, tangents):
    (x,), t = ctx.inputs, tangents[0]
    dims = tuple(range(x.ndim))
    return (t * even_split(x, ctx.output, dims, False, t)).sum()


def _median_select(xp, x, dim):
    k = (x.shape[dim] - 1) // 2
    order = xp.argsort(x, axis=dim, kind="stable")
    index = xp.take(order, [k], axis=dim)
    if x.dtype.kind == "f":  # a NaN anywhere in the slice makes it the median
        nan = xp.isnan(x)
        index = xp.where(nan.any(axis=dim, keepdims=True),
                         xp.argmax(nan, axis=dim, keepdims=True), index)
    return xp.take_along_axis(x, index, axis=dim), index.astype("int64", copy=False)


_median_dim = def_index_reduction("median_dim", _median_select)


def _median_of(name: str, whole: Any, per_dim: Any, input: Tensor, dim: Any,
               keepdim: bool) -> Any:
    """``median``/``nanmedian``: the primitive over all elements, or over ``dim`` as a named
    tuple ``(values, indices)``."""
    if dim is None:
        return whole(input)
    d = one_dim(name, dim, input.ndim)
    check_nonempty(name, input, (d,))
    values, indices = per_dim(input, dim=d, keepdim=keepdim)
    return result_type(name)(values, indices)


def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median of all elements; with ``dim``, a named tuple ``(values, indices)``.

    >>> import ember
    >>> ember.tensor([4.0, 1.0, 3.0, 2.0]).median().item()
    2.0
    """
    return _median_of("median", _median, _median_dim, input, dim, keepdim)


# ----------------------------------------------------------------------------- nanmedian
@defop("nanmedian", save=(0,), save_output=True)
def _nanmedian(ctx, x):
    xp, flat = ctx.xp, x.reshape(-1)
    if flat.dtype.kind == "f":
        flat = flat[~xp.isnan(flat)]
    if flat.size == 0:  # nothing, or only NaN
        return xp.asarray(float("nan"), dtype=x.dtype)
    k = (flat.size - 1) // 2  # the lower of the two middle values, as PyTorch
    return xp.partition(flat, k)[k]


# Its gradient is median's: split evenly among the elements equal to the result (the NaNs
# when the result is NaN).
_nanmedian.def_backward(_median.backward)
_nanmedian.def_jvp(_median.jvp)


def _nanmedian_select(xp, x, dim):
    order = xp.argsort(x, axis=dim, kind="stable")  # NaN last, ties in index order
    if x.dtype.kind == "f":
        count = (~xp.isnan(x)).sum(axis=dim, keepdims=True)
        k = xp.maximum(count - 1, 0) // 2  # a slice of NaNs only: its first NaN
    else:
        k = xp.full(order.shape[:dim] + (1,) + order.shape[dim + 1:], (x.shape[dim] - 1) // 2)
    index = xp.take_along_axis(order, k, axis=dim)
    return xp.take_along_axis(x, index, axis=dim), index.astype("int64", copy=False)


_nanmedian_dim = def_index_reduction("nanmedian_dim", _nanmedian_select)


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """:func:`median` ignoring NaN: the lower median of the non-NaN values (NaN when there
    are none); with ``dim``, a named tuple ``(values, indices)``.

    >>> import ember
    >>> ember.tensor([4.0, float("nan"), 1.0, 3.0]).nanmedian().item()
    3.0
    """
    return _median_of("nanmedian", _nanmedian, _nanmedian_dim, input, dim, keepdim)


# ----------------------------------------------------------------------------- kthvalue
def _kth_select(xp, x, dim, *, k):
    order = xp.argsort(x, axis=dim, kind="stable")  # NaN counts as the largest value
    index = xp.take(order, [k - 1], axis=dim)
    return xp.take_along_axis(x, index, axis=dim), index.astype("int64", copy=False)


_kthvalue = def_index_reduction("kthvalue", _kth_select)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """The ``k``-th smallest element along ``dim`` (``k`` counts from 1) and its index, as
    a named tuple ``(values, indices)``; its gradient goes to that index.

    >>> import ember
    >>> ember.tensor([[3.0, 1.0, 2.0]]).kthvalue(2, 1)
    kthvalue(values=tensor([2.]), indices=tensor([2]))
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"kthvalue: expected a Tensor as input, got {type(input).__name__}")
    if input.dtype is _dt.bool_:
        raise TypeError(f"kthvalue: not supported for bool tensors (shape "
                        f"{tuple(input.shape)})")
    d = one_dim("kthvalue", dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= size:
        raise RuntimeError(f"kthvalue: selected number k out of range for dimension {d} "
                           f"(k = {k}, size {size}, input shape {tuple(input.shape)})")
    values, indices = _kthvalue(input, dim=d, keepdim=keepdim, k=k)
    return result_type("kthvalue")(values, indices)


# ----------------------------------------------------------------------------- mode
def _mode_select(xp, x, dim):
    a = xp.moveaxis(x, dim, -1)
    # How often each element's value occurs in its slice: O(n^2) compares per slice.
    counts = (a[..., :, None] == a[..., None, :]).sum(axis=-1)
    top = counts == counts.max(axis=-1, keepdims=True)
    # Among the most frequent values the smallest wins; PyTorch returns its last index.
    value = xp.where(top, a, a.max(axis=-1, keepdims=True)).min(axis=-1, keepdims=True)
    n = a.shape[-1]
    last = n - 1 - xp.argmax((a == value)[..., ::-1], axis=-1, keepdims=True)
    return xp.moveaxis(value, -1, dim), xp.moveaxis(last.astype("int64"), -1, dim)


_mode = def_index_reduction("mode", _mode_select)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> Any:
    """The most frequent value along ``dim`` (the smallest one on ties) and its last index.

    >>> import ember
    >>> ember.tensor([[1.0, 2.0, 2.0, 1.0, 2.0]]).mode(1)
    mode(values=tensor([2.]), indices=tensor([4]))
    """
    d = one_dim("mode", dim, input.ndim)
    check_nonempty("mode", input, (d,))
    values, indices = _mode(input, dim=d, keepdim=keepdim)
    return result_type("mode")(values, indices)


bind_methods(var=var, std=std, median=median, nanmedian=nanmedian, kthvalue=kthvalue, mode=mode)

from .stats_norm import norm  # noqa: E402
from .stats_quantile import nanquantile, quantile  # noqa: E402

__all__ = ["var", "std", "var_mean", "std_mean", "median", "nanmedian", "kthvalue", "mode",
           "quantile", "nanquantile", "norm"]
