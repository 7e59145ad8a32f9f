"""``norm``: vector p-norms over ``dim`` (p = 2/'fro', 1, inf, -inf, 0 or any other p).

Gradients are PyTorch's ``norm_backward``: 0 at a zero norm for p = 2 (not NaN), ``sign(x)``
for p = 1, an even split among the tied extremes for p = +-inf, and nothing for p = 0.

>>> import ember
>>> ember.tensor([[3.0, 4.0], [1.0, -1.0]]).norm(dim=1).tolist()
[5.0, 1.4142135381698608]
"""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import bind_methods, cast, xp_of
from ._reduce import float_const, quiet, reduce_dims, restore
from .registry import defop

_INF = math.inf


def _norm_array(xp, x, p: float, dims: tuple, keepdim: bool):
    if x.dtype.itemsize == 2:  # half precision accumulates in float32
        return _norm_array(xp, x.astype("float32"), p, dims, keepdim).astype(x.dtype)
    a = xp.abs(x)
    kw = dict(axis=dims, keepdims=keepdim)
    if p == 2:
        return xp.sqrt(xp.sum(a * a, **kw))
    if p == _INF:
        return xp.max(a, **kw)
    if p == -_INF:
        return xp.min(a, **kw)
    if p == 0:
        return xp.sum(a != 0, **kw).astype(x.dtype)
    if p == 1:
        return xp.sum(a, **kw)
    with quiet(xp):
        return xp.sum(a ** p, **kw) ** (1.0 / p)


def _norm_grad(x: Tensor, norm: Tensor, p: float, g: Tensor, dims: tuple) -> Tensor | None:
    """``g * d norm / dx`` for ``norm`` and ``g`` with kept dims (``g`` may also be a
    full-shape tangent: the rule is elementwise in it)."""
    from .. import ops

    xp, a = xp_of(x), x._data
    if p == 0:
        return None
    if p == 1:
        return g * float_const(g, xp.sign(a))
    zero = norm._data == 0
    safe = norm + float_const(norm, zero)  # the norm with 1 where it is 0: no 0/0
    if p == 2:
        return g * x * float_const(x, ~zero) / safe
    if abs(p) == _INF:
        mag = xp.abs(a)
        mask = (mag == norm._data) | xp.isnan(mag)
        share = xp.sign(a) * mask / xp.sum(mask, axis=dims, keepdims=True)
        return g * float_const(g, share)
    sign = float_const(x, xp.sign(a))
    if p < 1:
        x_zero = a == 0  # |x|^(p-1) is infinite at 0; PyTorch masks those to 0
        scaled = sign * (ops.abs(x) + float_const(x, x_zero)) ** (p - 1) \
            * float_const(x, ~x_zero)
        return scaled * g * norm ** (1 - p)
    scaled = sign * ops.abs(x) ** (p - 1) if p < 2 else x * ops.abs(x) ** (p - 2)
    return scaled * (g * float_const(g, ~zero) / safe ** (p - 1))


@defop("norm", save=(0,), save_output=True)
def _norm(ctx, x, *, p, dims, keepdim):
    return _norm_array(ctx.xp, x, p, dims, keepdim)


@_norm.def_backward
def _(ctx, g, *, p, dims, keepdim):
    (x,) = ctx.saved
    norm = restore(ctx.output, x.shape, dims, keepdim)
    return (_norm_grad(x, norm, p, restore(g, x.shape, dims, keepdim), dims),)


@_norm.def_jvp
def _(ctx, tangents, *, p, dims, keepdim):
    (x,), t = ctx.inputs, tangents[0]
    norm = restore(ctx.output, x.shape, dims, keepdim)
    grad = _norm_grad(x, norm, p, t, dims)
    if grad is None:
        return ctx.output * 0
    return grad.sum(dim=dims, keepdim=keepdim)


def _p_arg(p: Any, dims: tuple) -> float:
    if p is None:
        return 2.0
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(
                f"norm: p={p!r} is a matrix norm; use ember.linalg.matrix_norm (norm supports "
                "'fro' and numbers)"
            )
        if len(dims) > 2:
            raise RuntimeError(f"norm: 'fro' expects at most 2 dims, got dim={dims}")
        return 2.0
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"norm: p must be a number or 'fro', got {type(p).__name__}")
    return float(p)


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, out: Any = None,
         dtype: Any = None) -> Tensor:
    """The vector p-norm over ``dim`` (all elements when None).

    >>> import ember
    >>> ember.tensor([3.0, -4.0]).norm(p=float("inf")).item()
    4.0
    """
    if out is not None:
        raise TypeError("norm: the 'out' argument is not supported; use the return value")
    if dtype is not None:
        input = cast(input, _dt.as_dtype(dtype))
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError(
            f"norm: expected a floating point input, got {input.dtype.name} (shape "
            f"{tuple(input.shape)}); pass dtype= or convert it"
        )
    dims = reduce_dims("norm", dim, input.ndim)
    p = _p_arg(p, dims)
    if p < 0 or p == _INF:
        if any(input.shape[d] == 0 for d in dims):
            raise RuntimeError(
                f"norm: cannot compute the {p} norm over a dimension of size 0 (input shape "
                f"{tuple(input.shape)}, dim {dims}): the reduction has no identity"
            )
    return _norm(input, p=p, dims=dims, keepdim=keepdim)


bind_methods(norm=norm)

__all__ = ["norm"]
