"""Reductions over dimensions (``dim`` as int, tuple or None; ``keepdim``).

>>> import ember
>>> ember.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0).tolist()
[4.0, 6.0]
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import bind_methods, cast, normalize_dims
from .registry import defop


def _keepdim_shape(shape: tuple, dims: tuple) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


@defop("sum")
def _sum(ctx, x, *, dims, keepdim):
    return ctx.xp.sum(x, axis=dims, keepdims=keepdim)


@_sum.def_backward
def _(ctx, g, *, dims, keepdim):
    (shape,) = ctx.in_shapes
    if not keepdim:
        g = g.reshape(_keepdim_shape(shape, dims))
    return (g.expand(shape),)


@_sum.def_jvp
def _(ctx, tangents, *, dims, keepdim):
    return _sum(tangents[0], dims=dims, keepdim=keepdim)


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum over ``dim`` (all dims when None). Integer and bool inputs sum as int64."""
    if dtype is not None:
        input = cast(input, _dt.as_dtype(dtype))
    elif input.dtype.category != _dt.FLOAT:
        input = cast(input, _dt.int64)
    dims = normalize_dims("sum", dim, input.ndim)
    return _sum(input, dims=dims, keepdim=keepdim)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Arithmetic mean over ``dim``; needs a floating-point input (or ``dtype``)."""
    if dtype is not None:
        input = cast(input, _dt.as_dtype(dtype))
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError(
            f"mean: could not infer output dtype. Input dtype must be floating point, got "
            f"{input.dtype}"
        )
    dims = normalize_dims("mean", dim, input.ndim)
    count = 1
    for d in dims:
        count *= input.shape[d]
    total = _sum(input, dims=dims, keepdim=keepdim)
    if count == 0:  # PyTorch gives NaN for the mean of nothing
        return total * float("nan")
    return total / count


bind_methods(sum=sum, mean=mean)

__all__ = ["sum", "mean"]
