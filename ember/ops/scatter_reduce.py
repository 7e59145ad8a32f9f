"""``scatter_reduce``: combine ``src`` into ``input`` at ``index`` along ``dim`` with
``sum``, ``prod``, ``mean``, ``amax`` or ``amin`` (``include_self`` says whether ``input``'s
own values take part).

>>> import ember
>>> x = ember.tensor([1.0, 5.0, 0.0])
>>> src = ember.tensor([4.0, 2.0, 3.0])
>>> x.scatter_reduce(0, ember.tensor([0, 0, 2]), src, "amax").tolist()
[4.0, 5.0, 3.0]
>>> x.scatter_reduce(0, ember.tensor([0, 0, 2]), src, "mean", include_self=False).tolist()
[3.0, 5.0, 3.0]
"""

from __future__ import annotations

from .. import dtypes as _dt
from ..tensor import Tensor, _make
from .indexing import _getitem_adv, _index_put, _put_add_adv
from .registry import defop

_UFUNC = {"prod": "multiply", "amax": "maximum", "amin": "minimum"}


def _identity(xp, reduce: str, dtype):
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -xp.inf if reduce == "amax" else xp.inf
    info = xp.iinfo(dtype) if dtype.kind in "iu" else None
    if info is None:  # bool
        return reduce == "amin"
    return info.min if reduce == "amax" else info.max


@defop("scatter_reduce_ext", save=(0, 1), save_output=True)
def _scatter_ext(ctx, x, src, *index, reduce, include_self):
    """prod/amax/amin of ``src`` into a copy of ``x`` at the (all-dims) ``index``."""
    ctx.arrays = index
    xp = ctx.xp
    out = x.copy()
    key = tuple(index)
    if not include_self:
        out[key] = _identity(xp, reduce, x.dtype)
    getattr(xp, _UFUNC[reduce]).at(out, key, src)
    return out


@_scatter_ext.def_backward
def _(ctx, g, *, reduce, include_self):
    x, src = ctx.saved
    index = tuple(_make(a) for a in ctx.arrays)
    dims = tuple(range(len(index)))
    xp, key = ctx.xp, tuple(ctx.arrays)
    scattered = xp.zeros(x.shape, dtype=bool)
    scattered[key] = True
    keep = _make((~scattered).astype(g._data.dtype))  # positions where x is not replaced
    if reduce == "prod":
        gx, gs = _prod_grads(ctx, g, x, src, index, keep, include_self)
    else:
        out = ctx.output._data
        self_hit = (x._data == out) if include_self else ~scattered
        src_hit = src._data == out[key]
        count = self_hit.astype(g._data.dtype)
        xp.add.at(count, key, src_hit)
        count = xp.maximum(count, 1)  # ties share the gradient evenly, as in torch
        gx = g * _make(self_hit / count)
        gs = _getitem_adv(g, *index, dims=dims) * _make(src_hit / count[key])
    need_x, need_s = ctx.needs_input_grad[:2]
    return (gx if need_x else None, gs if need_s else None) + (None,) * len(index)


def _prod_grads(ctx, g, x, src, index, keep, include_self):
    """d out / d x is the product of the scattered sources (differentiable); d out / d src_j
    is the product of everything else at its position."""
    dims = tuple(range(len(index)))
    xp = ctx.xp
    ones = _make(xp.ones(x.shape, dtype=g._data.dtype))
    src_prod = _scatter_ext(ones, src, *index, reduce="prod", include_self=True)
    gx = g * src_prod if include_self else g * keep
    sd = src._data
    if not bool((sd == 0).any()):
        gs = _getitem_adv(g * ctx.output, *index, dims=dims) / src
        return gx, gs
    # With zeros in src, "everything else" can't be out / src_j: count the zeros instead
    # (exact to first order; this branch's gradient is treated as locally constant).
    key = tuple(ctx.arrays)
    nz = xp.ones(x.shape, dtype=sd.dtype)
    xp.multiply.at(nz, key, xp.where(sd == 0, 1, sd))
    zeros = xp.zeros(x.shape, dtype=xp.int64)
    xp.add.at(zeros, key, (sd == 0).astype(xp.int64))
    nz_k, zeros_k = nz[key], zeros[key]
    others = xp.where(sd == 0, xp.where(zeros_k == 1, nz_k, 0),
                      xp.where(zeros_k == 0, nz_k / xp.where(sd == 0, 1, sd), 0))
    if include_self:
        others = others * x._data[key]
    return gx, _getitem_adv(g, *index, dims=dims) * _make(others.astype(sd.dtype))


@_scatter_ext.def_jvp
def _(ctx, tangents, *, reduce, include_self):
    raise NotImplementedError(f"scatter_reduce: forward-mode AD is not implemented for "
                              f"reduce='{reduce}'")


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """Reduce ``src`` into ``input`` at ``index`` along ``dim``."""
    from .scatter import _grid, _prep, _scatter_src, _src_part

    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"scatter_reduce: reduce argument must be one of 'sum', 'prod', "
                           f"'mean', 'amax', 'amin', got '{reduce}'")
    src = _scatter_src("scatter_reduce", input, src)
    x, d, idx, s = _prep("scatter_reduce", input, dim, index, src)
    grid = _grid("scatter_reduce", x, d, idx)
    part = _src_part(s, idx)
    dims = tuple(range(x.ndim))
    if reduce in _UFUNC:
        out = _scatter_ext(x, part, *grid, reduce=reduce, include_self=include_self)
        return out.reshape(input.shape)
    base = x
    if not include_self:
        base = _index_put(x, _make(_zero(x)), *grid, basic=(Ellipsis,), dims=dims)
    total = base + _put_add_adv(part, *grid, dims=dims, shape=x.shape)
    if reduce == "sum":
        return total.reshape(input.shape)
    return _mean(total, x, grid, include_self).reshape(input.shape)


def _zero(x: Tensor):
    from ._common import xp_of

    return xp_of(x).zeros((), dtype=x._data.dtype)


def _mean(total: Tensor, x: Tensor, grid: list, include_self: bool) -> Tensor:
    from ._common import xp_of

    xp = xp_of(x)
    count = xp.zeros(x.shape, dtype=xp.int64)
    xp.add.at(count, tuple(g._data for g in grid), 1)
    if include_self:
        count += 1
    count = _make(xp.maximum(count, 1).astype(x._data.dtype))  # untouched places keep x
    if x.dtype.category != _dt.FLOAT:
        from .elementwise import div

        return div(total, count, rounding_mode="floor")
    return total / count


__all__: list[str] = []
