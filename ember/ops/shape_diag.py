"""Diagonals and triangles: diagonal, diag_embed, diag, tril, triu.

``diagonal`` is a writable view (it shares memory and the version counter with its input),
as in PyTorch; the others return new memory. Imported by ``ops/shape.py``, which re-exports
the public names.

>>> import ember
>>> x = ember.arange(9).reshape(3, 3)
>>> x.diagonal().tolist(), x.triu(1).tolist()
([0, 4, 8], [[0, 1, 2], [0, 0, 5], [0, 0, 0]])
"""

from __future__ import annotations

from ..tensor import Tensor
from ._common import bind_methods, normalize_dim
from .inplace import make_inplace
from .registry import defop


def _diagonal_view(xp, x, offset: int, dim1: int, dim2: int):
    """The diagonal of ``x`` as a writable strided view, the diagonal as the last dim.

    ``xp.diagonal`` would be read-only, which would make in-place writes fail."""
    y = xp.moveaxis(x, (dim1, dim2), (-2, -1))
    y = y[..., max(-offset, 0):, max(offset, 0):]
    n = max(min(y.shape[-2], y.shape[-1]), 0)
    strides = y.strides[:-2] + (y.strides[-2] + y.strides[-1],)
    return xp.lib.stride_tricks.as_strided(y, y.shape[:-2] + (n,), strides)


@defop("diagonal", view=True)
def _diagonal(ctx, x, *, offset, dim1, dim2):
    return _diagonal_view(ctx.xp, x, offset, dim1, dim2)


@_diagonal.def_backward
def _(ctx, g, *, offset, dim1, dim2):
    return (_diagonal_scatter(g, shape=ctx.in_shapes[0], offset=offset, dim1=dim1, dim2=dim2),)


@_diagonal.def_jvp
def _(ctx, tangents, *, offset, dim1, dim2):
    return _diagonal(tangents[0], offset=offset, dim1=dim1, dim2=dim2)


@defop("diagonal_scatter")
def _diagonal_scatter(ctx, d, *, shape, offset, dim1, dim2):
    """Zeros of ``shape`` with ``d`` on the diagonal (diagonal's adjoint, and diag_embed)."""
    out = ctx.xp.zeros(shape, dtype=d.dtype)
    _diagonal_view(ctx.xp, out, offset, dim1, dim2)[...] = d
    return out


@_diagonal_scatter.def_backward
def _(ctx, g, *, shape, offset, dim1, dim2):
    return (_diagonal(g, offset=offset, dim1=dim1, dim2=dim2),)


@_diagonal_scatter.def_jvp
def _(ctx, tangents, *, shape, offset, dim1, dim2):
    return _diagonal_scatter(tangents[0], shape=shape, offset=offset, dim1=dim1, dim2=dim2)


def _two_dims(op: str, dim1: int, dim2: int, ndim: int, shape: tuple) -> tuple[int, int]:
    d1, d2 = normalize_dim(op, dim1, ndim), normalize_dim(op, dim2, ndim)
    if d1 == d2:
        raise RuntimeError(
            f"{op}: diagonal dimensions cannot be identical {dim1}, {dim2} (shape {shape})"
        )
    return d1, d2


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A view of the diagonal of the (dim1, dim2) planes, appended as the last dim; offset > 0
    is above the main diagonal.

    >>> import ember
    >>> ember.arange(6).reshape(2, 3).diagonal(1).tolist()
    [1, 5]
    """
    if input.ndim < 2:
        raise RuntimeError(
            f"diagonal: expects a tensor with at least 2 dimensions, got shape "
            f"{tuple(input.shape)}"
        )
    d1, d2 = _two_dims("diagonal", dim1, dim2, input.ndim, tuple(input.shape))
    return _diagonal(input, offset=offset, dim1=d1, dim2=d2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (in dims ``dim1``, ``dim2`` of the result) whose ``offset`` diagonal holds the
    last dim of ``input``; zeros elsewhere.

    >>> import ember
    >>> ember.diag_embed(ember.tensor([1, 2])).tolist()
    [[1, 0], [0, 2]]
    """
    if input.ndim == 0:
        raise RuntimeError("diag_embed: expects a tensor with at least 1 dimension, got 0-d")
    ndim = input.ndim + 1
    d1, d2 = _two_dims("diag_embed", dim1, dim2, ndim, tuple(input.shape))
    n = input.shape[-1] + abs(offset)
    rest = iter(input.shape[:-1])
    shape = tuple(n if i in (d1, d2) else next(rest) for i in range(ndim))
    return _diagonal_scatter(input, shape=shape, offset=offset, dim1=d1, dim2=d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """1-D input: a square matrix with it on the ``diagonal``; 2-D input: that diagonal, copied.

    >>> import ember
    >>> ember.diag(ember.tensor([1, 2]), 1).tolist()
    [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
    """
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:
        from .conversion import clone

        return clone(_diagonal(input, offset=diagonal, dim1=0, dim2=1))
    raise RuntimeError(
        f"diag: expected a 1-D or 2-D tensor, got shape {tuple(input.shape)}"
    )


# ----------------------------------------------------------------------------- triangles
@defop("tril")
def _tril(ctx, x, *, diagonal):
    return ctx.xp.tril(x, diagonal)


@_tril.def_backward
def _(ctx, g, *, diagonal):
    return (_tril(g, diagonal=diagonal),)


@_tril.def_jvp
def _(ctx, tangents, *, diagonal):
    return _tril(tangents[0], diagonal=diagonal)


@defop("triu")
def _triu(ctx, x, *, diagonal):
    return ctx.xp.triu(x, diagonal)


@_triu.def_backward
def _(ctx, g, *, diagonal):
    return (_triu(g, diagonal=diagonal),)


@_triu.def_jvp
def _(ctx, tangents, *, diagonal):
    return _triu(tangents[0], diagonal=diagonal)


def _check_matrix(op: str, input: Tensor) -> None:
    if input.ndim < 2:
        raise RuntimeError(
            f"{op}: input tensor must have at least 2 dimensions, got shape "
            f"{tuple(input.shape)}"
        )


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle (on and below the ``diagonal``) of the last two dims; zeros above.

    >>> import ember
    >>> ember.ones(2, 2).tril().tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    _check_matrix("tril", input)
    return _tril(input, diagonal=int(diagonal))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle (on and above the ``diagonal``) of the last two dims; zeros below.

    >>> import ember
    >>> ember.ones(2, 2).triu().tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    _check_matrix("triu", input)
    return _triu(input, diagonal=int(diagonal))


bind_methods(diagonal=diagonal, diag_embed=diag_embed, diag=diag, tril=tril, triu=triu,
             tril_=make_inplace("tril_", tril), triu_=make_inplace("triu_", triu))

__all__ = ["diagonal", "diag_embed", "diag", "tril", "triu"]
