"""Norms for ``ember.linalg``: vector_norm (a primitive), matrix_norm and norm.

The vector norm's derivative is 0 where the norm is 0 (PyTorch's subgradient); inf norms
split the gradient evenly between tied maxima, as ``amax`` does.

>>> import ember
>>> ember.linalg.vector_norm(ember.tensor([3.0, -4.0])).item()
5.0
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..backends import backend_of
from ..tensor import Tensor, _make
from ._common import cast, normalize_dim, normalize_dims
from .registry import defop

_INF = float("inf")


@defop("linalg_vector_norm", save=(0,), save_output=True)
def _vector_norm(ctx, x, *, ord, dims, keepdim):
    if x.dtype.itemsize == 2:  # float16/bfloat16: powers and sums in float32, as PyTorch
        return _norm_of(ctx.xp, x.astype(ctx.xp.float32), ord, dims, keepdim).astype(x.dtype)
    return _norm_of(ctx.xp, x, ord, dims, keepdim)


def _norm_of(xp, x, ord: float, dims: tuple, keepdim: bool):
    a = xp.abs(x)
    if ord == _INF:
        return xp.max(a, axis=dims, keepdims=keepdim)
    if ord == -_INF:
        return xp.min(a, axis=dims, keepdims=keepdim)
    if ord == 0:
        return xp.sum(a != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
    if ord == 1:
        return xp.sum(a, axis=dims, keepdims=keepdim)
    if ord == 2:
        return xp.sqrt(xp.sum(x * x, axis=dims, keepdims=keepdim))
    return xp.sum(a ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)


def _const(like: Tensor, array) -> Tensor:
    return _make(backend_of(like._data).xp.asarray(array, dtype=like._data.dtype))


def _weight(x: Tensor, norm: Tensor, ord: float, dims: tuple) -> Tensor:
    """d norm / d x (``norm`` with kept dims), in ember ops so it differentiates again."""
    if ord == 0:
        return x * 0
    if ord == 1:
        return x.sign()
    if ord in (_INF, -_INF):  # ties share the gradient evenly
        hit = _const(x, backend_of(x._data).xp.abs(x._data) == norm._data)
        return x.sign() * hit / hit.sum(dim=dims, keepdim=True)
    zero = _const(norm, norm._data == 0)  # where the norm is 0, x is 0: gradient 0
    if ord == 2:
        return x / (norm + zero)
    # |x|^(ord-1) is inf at x = 0 for ord < 1; the sign makes those elements 0 anyway, so
    # raise 1 there instead (no 0 * inf = NaN), as PyTorch's subgradient does
    x_zero = _const(x, x._data == 0)
    weight = x.sign() * (x.abs() + x_zero) ** (ord - 1) / (norm + zero) ** (ord - 1)
    # ord < 0: one zero element makes the norm 0, and PyTorch gives every element 0 there
    return weight * (1 - zero) if ord < 0 else weight


def _kept(ctx_out: Tensor, shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    if keepdim:
        return ctx_out
    return ctx_out.reshape(tuple(1 if i in dims else s for i, s in enumerate(shape)))


@_vector_norm.def_backward
def _(ctx, g, *, ord, dims, keepdim):
    (x,) = ctx.saved
    norm = _kept(ctx.output, x.shape, dims, keepdim)
    return (_kept(g, x.shape, dims, keepdim) * _weight(x, norm, ord, dims),)


@_vector_norm.def_jvp
def _(ctx, tangents, *, ord, dims, keepdim):
    (x,) = ctx.inputs
    norm = _kept(ctx.output, x.shape, dims, keepdim)
    return (_weight(x, norm, ord, dims) * tangents[0]).sum(dim=dims, keepdim=keepdim)


def _float_input(op: str, x: Any, dtype: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if dtype is not None:
        x = cast(x, _dt.as_dtype(dtype))
    if x.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"{op}: expected a floating point tensor as input, got "
                           f"{x.dtype.name}")
    return x


def vector_norm(x: Tensor, ord: float = 2, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The ``ord``-norm of ``x`` over ``dim`` (all dims when None), treating those dims as
    one vector: ``sum(|x|^ord)^(1/ord)``, max/min of ``|x|`` for ``ord=±inf``, the count of
    non-zeros for ``ord=0``.

    >>> import ember
    >>> ember.linalg.vector_norm(ember.tensor([[1.0, -2.0], [3.0, 0.0]]), ord=1, dim=1).tolist()
    [3.0, 3.0]
    """
    x = _float_input("linalg.vector_norm", x, dtype)
    if isinstance(ord, bool) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    dims = normalize_dims("linalg.vector_norm", dim, x.ndim)
    if ord < 0 or ord == _INF:
        empty = [d for d in dims if x.shape[d] == 0] if dim is not None else \
            ([] if x.numel() else list(range(x.ndim)))
        if empty:
            raise RuntimeError(f"linalg.vector_norm: cannot compute the {ord} norm of an empty "
                               f"tensor (shape {tuple(x.shape)}) because the operation does "
                               "not have an identity")
    return _vector_norm(x, ord=float(ord), dims=dims, keepdim=bool(keepdim))


def matrix_norm(A: Tensor, ord: Any = "fro", dim: tuple = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """Matrix norm over the two dims ``dim``: 'fro', 'nuc', or ord ±1 (max column sum),
    ±inf (max row sum), ±2 (largest/smallest singular value).

    >>> import ember
    >>> ember.linalg.matrix_norm(ember.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=1).item()
    6.0
    """
    A = _float_input("linalg.matrix_norm", A, dtype)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: the input tensor A must have at least 2 "
                           f"dimensions, got shape {tuple(A.shape)}")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple, got {dim!r}")
    d0, d1 = (normalize_dim("linalg.matrix_norm", d, A.ndim) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different, got {tuple(dim)}")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        from .decomp_factor import svdvals

        rest = [i for i in range(A.ndim) if i not in (d0, d1)]
        S = svdvals(A.permute(*rest, d0, d1))
        out = S.sum(dim=-1) if ord == "nuc" else (S.amax(dim=-1) if ord == 2 else
                                                  S.amin(dim=-1))
        if keepdim:
            for d in sorted((d0, d1)):
                out = out.unsqueeze(d)
        return out
    if ord in (1, -1, _INF, -_INF):
        summed, reduced = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = A.abs().sum(dim=summed, keepdim=True)
        out = sums.amax(dim=reduced, keepdim=True) if ord > 0 else \
            sums.amin(dim=reduced, keepdim=True)
        return out if keepdim else out.squeeze((d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: order {ord!r} not supported; expected 'fro', "
                       "'nuc', inf, -inf, 1, -1, 2 or -2")


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """A vector norm (``dim`` an int, or ``A`` flattened when ``dim`` and ``ord`` are None,
    or ``A`` 1-D) or a matrix norm (``dim`` a pair, or ``A`` 2-D with ``ord`` given).

    >>> import ember
    >>> ember.linalg.norm(ember.tensor([[3.0, 0.0], [0.0, 4.0]])).item()
    5.0
    """
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if not isinstance(A, Tensor) or A.ndim not in (1, 2):
        raise RuntimeError("linalg.norm: if dim is not specified but ord is, the input must be "
                           f"1-D or 2-D, got {getattr(A, 'ndim', type(A).__name__)}-D")
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    return matrix_norm(A, ord, (0, 1), keepdim, dtype=dtype)


__all__ = ["vector_norm", "matrix_norm", "norm"]
