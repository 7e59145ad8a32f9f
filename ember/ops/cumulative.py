"""Cumulative ops along one dim: cumsum, cumprod, logcumsumexp, cummax, cummin.

>>> import ember
>>> ember.tensor([1.0, 2.0, 3.0]).cumsum(0).tolist()
[1.0, 3.0, 6.0]
"""

from __future__ import annotations

from typing import Any

from ..autograd.grad_mode import STATE as _GRAD
from ..tensor import Tensor
from ._common import bind_methods, xp_of
from ._reduce import (
    const,
    dim_args,
    float_const,
    int_result,
    one_dim,
    quiet,
    require_float,
    result_type,
)
from .registry import defop


def _dim_arg(op: str, input: Tensor, dim: Any, axis: Any) -> int:
    dim, _ = dim_args(op, dim, False, axis)
    if dim is None:
        raise TypeError(f"{op}: missing the required argument 'dim' (input shape "
                        f"{tuple(input.shape)})")
    return one_dim(op, dim, input.ndim)


# ----------------------------------------------------------------------------- cumsum
@defop("cumsum")
def _cumsum(ctx, x, *, dim):
    if x.ndim == 0:
        return x.copy()
    if x.dtype.itemsize == 2:  # half precision accumulates in float32
        return ctx.xp.cumsum(x, axis=dim, dtype="float32").astype(x.dtype)
    return ctx.xp.cumsum(x, axis=dim)


@_cumsum.def_backward
def _(ctx, g, *, dim):
    return (_rcumsum(g, dim=dim),)


@_cumsum.def_jvp
def _(ctx, tangents, *, dim):
    return _cumsum(tangents[0], dim=dim)


@defop("reverse_cumsum")
def _rcumsum(ctx, x, *, dim):
    """``out[i] = sum(x[i:])`` along ``dim``: the gradient of cumsum (and vice versa)."""
    if x.ndim == 0:
        return x.copy()
    xp = ctx.xp
    return xp.flip(_cumsum.forward(ctx, xp.flip(x, dim), dim=dim), dim)


@_rcumsum.def_backward
def _(ctx, g, *, dim):
    return (_cumsum(g, dim=dim),)


@_rcumsum.def_jvp
def _(ctx, tangents, *, dim):
    return _rcumsum(tangents[0], dim=dim)


def cumsum(input: Tensor, dim: int | None = None, *, dtype: Any = None,
           axis: int | None = None) -> Tensor:
    """Running sums along ``dim``; integer and bool inputs give int64.

    >>> import ember
    >>> ember.tensor([[1, 2], [3, 4]]).cumsum(dim=0).tolist()
    [[1, 2], [4, 6]]
    """
    d = _dim_arg("cumsum", input, dim, axis)
    return _cumsum(int_result(input, dtype), dim=d)


# ----------------------------------------------------------------------------- cumprod
@defop("cumprod", save=(0,), save_output=True)
def _cumprod(ctx, x, *, dim):
    if x.ndim == 0:
        return x.copy()
    return ctx.xp.cumprod(x, axis=dim)


@_cumprod.def_backward
def _(ctx, g, *, dim):
    (x,) = ctx.saved
    if x.ndim == 0 or x.shape[dim] <= 1:
        return (g,)
    if not ctx.xp.any(x._data == 0):
        return (_rcumsum(g * ctx.output, dim=dim) / x,)
    if not _GRAD.grad_enabled:
        return (float_const(g, _cumprod_grad_scan(ctx.xp, x._data, g._data, dim)),)
    return (_cumprod_grad_dense(x, g, dim),)


@_cumprod.def_jvp
def _(ctx, tangents, *, dim):
    (x,), t = ctx.inputs, tangents[0]
    if x.ndim == 0:
        return t
    if not xp_of(x).any(x._data == 0):
        with quiet(xp_of(x)):
            return ctx.output * _cumsum(t / x, dim=dim)
    # Zeros: out_k' = sum_{j<=k} t_j prod_{i<=k, i!=j} x_i. Row j holds x with x_j -> t_j.
    xt, tt = x.transpose(dim, -1), t.transpose(dim, -1)
    n = xt.shape[-1]
    xp = xp_of(x)
    eye = float_const(x, xp.eye(n))
    rows = xt.reshape(xt.shape[:-1] + (1, n)) * (1 - eye) + tt.reshape(tt.shape + (1,)) * eye
    upper = float_const(x, xp.triu(xp.ones((n, n))))  # keeps k >= j
    return (_cumprod(rows, dim=rows.ndim - 1) * upper).sum(dim=-2).transpose(dim, -1)


def _cumprod_grad_scan(xp, x, g, dim: int):
    """Gradient of cumprod with zeros in O(n): ``grad_k = L_k R_k`` with ``L_k`` the product
    of the elements before k and ``R_k = g_k + x_{k+1} R_{k+1}``."""
    a, w = xp.moveaxis(x, dim, -1), xp.moveaxis(g, dim, -1)
    n = a.shape[-1]
    ones = xp.ones(a.shape[:-1] + (1,), dtype=a.dtype)
    left = xp.cumprod(xp.concatenate([ones, a[..., :-1]], axis=-1), axis=-1)
    r = xp.empty_like(w)
    r[..., n - 1] = w[..., n - 1]
    for k in range(n - 2, -1, -1):
        r[..., k] = w[..., k] + a[..., k + 1] * r[..., k + 1]
    return xp.moveaxis(left * r, -1, dim)


def _cumprod_grad_dense(x: Tensor, g: Tensor, dim: int) -> Tensor:
    """Gradient of cumprod with zeros, differentiable again (create_graph): row k of an n x n
    matrix is x with x_k -> 1, so ``grad_k = sum_{i>=k} g_i cumprod(row_k)_i``. O(n^2)."""
    xp = xp_of(x)
    xt, gt = x.transpose(dim, -1), g.transpose(dim, -1)
    n = xt.shape[-1]
    eye = float_const(x, xp.eye(n))
    rows = xt.reshape(xt.shape[:-1] + (1, n)) * (1 - eye) + eye
    upper = float_const(x, xp.triu(xp.ones((n, n))))  # keeps i >= k
    grad = (gt.reshape(gt.shape[:-1] + (1, n)) * _cumprod(rows, dim=rows.ndim - 1) * upper)
    return grad.sum(dim=-1).transpose(dim, -1)


def cumprod(input: Tensor, dim: int | None = None, *, dtype: Any = None,
            axis: int | None = None) -> Tensor:
    """Running products along ``dim``; the gradient stays exact where the input has zeros.

    >>> import ember
    >>> ember.tensor([1.0, 2.0, 3.0]).cumprod(0).tolist()
    [1.0, 2.0, 6.0]
    """
    d = _dim_arg("cumprod", input, dim, axis)
    return _cumprod(int_result(input, dtype), dim=d)


# ----------------------------------------------------------------------------- logcumsumexp
@defop("logcumsumexp", save=(0,), save_output=True)
def _logcumsumexp(ctx, x, *, dim):
    if x.ndim == 0:
        return x.copy()
    if x.dtype.itemsize == 2:  # half precision accumulates in float32
        return ctx.xp.logaddexp.accumulate(x.astype("float32"), axis=dim).astype(x.dtype)
    return ctx.xp.logaddexp.accumulate(x, axis=dim)


def _log_parts(t: Tensor) -> tuple[Tensor, Tensor]:
    """``log(t)`` where ``t > 0`` and ``log(-t)`` where ``t < 0``, the dtype's lowest value
    (``exp`` of it is 0) elsewhere: a signed tensor as two log-magnitudes."""
    from .. import ops
    from ..dtypes import finfo

    lowest = finfo(t.dtype).min
    log_abs = ops.log(ops.abs(t))
    return ops.where(t > 0, log_abs, lowest), ops.where(t < 0, log_abs, lowest)


def _reverse_logcumsumexp(x: Tensor, dim: int) -> Tensor:
    return _logcumsumexp(x.flip(dim), dim=dim).flip(dim)


@_logcumsumexp.def_backward
def _(ctx, g, *, dim):
    (x,) = ctx.saved
    if x.ndim == 0:
        return (g,)
    # grad_j = sum_{i >= j} g_i exp(x_j - out_i), summed in log space for the positive and
    # the negative parts of g separately: PyTorch's logcumsumexp_backward.
    pos, neg = _log_parts(g)
    out = ctx.output
    return ((_reverse_logcumsumexp(pos - out, dim) + x).exp()
            - (_reverse_logcumsumexp(neg - out, dim) + x).exp(),)


@_logcumsumexp.def_jvp
def _(ctx, tangents, *, dim):
    (x,), t = ctx.inputs, tangents[0]
    if x.ndim == 0:
        return t
    # out_i' = sum_{j <= i} t_j exp(x_j - out_i), in log space as in the backward
    pos, neg = _log_parts(t)
    out = ctx.output
    return ((_logcumsumexp(pos + x, dim=dim) - out).exp()
            - (_logcumsumexp(neg + x, dim=dim) - out).exp())


def logcumsumexp(input: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """``log(cumsum(exp(input)))`` along ``dim``, computed without overflow (floating-point
    inputs).

    >>> import ember
    >>> ember.tensor([0.0, 0.0, 1000.0]).logcumsumexp(0).tolist()
    [0.0, 0.6931471824645996, 1000.0]
    """
    d = _dim_arg("logcumsumexp", input, dim, axis)
    require_float("logcumsumexp", input)
    return _logcumsumexp(input, dim=d)


# ----------------------------------------------------------------------------- cummax/min
def _def_cumext(name: str, ufunc: str):
    @defop(name, nondiff_outputs=(1,))
    def op(ctx, x, *, dim):
        xp = ctx.xp
        if x.ndim == 0:
            return x.copy(), xp.zeros((), dtype="int64")
        values = getattr(xp, ufunc).accumulate(x, axis=dim)
        # PyTorch moves the index to every element that equals the running extreme (the
        # last of ties), and to every NaN once the running value is NaN.
        hit = x == values
        if x.dtype.kind == "f" or x.dtype.itemsize == 2:
            hit |= xp.isnan(x)
        shape = [1] * x.ndim
        shape[dim] = x.shape[dim]
        pos = xp.where(hit, xp.arange(x.shape[dim]).reshape(shape), 0)
        index = xp.maximum.accumulate(pos, axis=dim).astype("int64", copy=False)
        ctx.arrays = (index,)
        return values, index

    @op.def_backward
    def _(ctx, g, _unused, *, dim):
        from .. import ops

        if g.ndim == 0:
            return (g,)
        (index,) = ctx.arrays
        zeros = float_const(g, ctx.xp.zeros(g.shape))
        # Each output's gradient goes to the input it copied (repeats accumulate).
        return (ops.scatter_add(zeros, dim, const(index), g),)

    @op.def_jvp
    def _(ctx, tangents, *, dim):
        from .. import ops

        t = tangents[0]
        return (t if t.ndim == 0 else ops.gather(t, dim, ctx.outputs[1])), None

    return op


_cummax = _def_cumext("cummax", "maximum")
_cummin = _def_cumext("cummin", "minimum")


def cummax(input: Tensor, dim: int | None = None, *, axis: int | None = None) -> Any:
    """Running maxima along ``dim`` and their indices (the last index among ties).

    >>> import ember
    >>> ember.tensor([1.0, 3.0, 2.0, 3.0]).cummax(0).indices.tolist()
    [0, 1, 1, 3]
    """
    d = _dim_arg("cummax", input, dim, axis)
    return result_type("cummax")(*_cummax(input, dim=d))


def cummin(input: Tensor, dim: int | None = None, *, axis: int | None = None) -> Any:
    """Running minima along ``dim`` and their indices (the last index among ties).

    >>> import ember
    >>> ember.tensor([2.0, 1.0, 3.0, 1.0]).cummin(0).values.tolist()
    [2.0, 1.0, 1.0, 1.0]
    """
    d = _dim_arg("cummin", input, dim, axis)
    return result_type("cummin")(*_cummin(input, dim=d))


bind_methods(cumsum=cumsum, cumprod=cumprod, logcumsumexp=logcumsumexp, cummax=cummax,
             cummin=cummin)

__all__ = ["cumsum", "cumprod", "logcumsumexp", "cummax", "cummin"]
