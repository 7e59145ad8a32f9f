"""More of ``torch.linalg``: matrix_exp, matrix_rank, cond, vander, vecdot, diagonal and
matmul, as compositions of ember's ops (gradients, double backward and forward mode come
from the ops they are made of).

>>> import ember
>>> ember.linalg.matrix_exp(ember.zeros(2, 2)).tolist()
[[1.0, 0.0], [0.0, 1.0]]
"""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes as _dt
from ..backends import backend_of
from ..tensor import Tensor, _make
from ._common import broadcast_shapes
from .decomp import check_float_matrix, eye_like, inv
from .linalg import matmul


# ----------------------------------------------------------------------------- matrix_exp
def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential ``sum_k A^k / k!`` of a square matrix (or of each in a batch).

    Scaling and squaring: ``exp(A) = exp(A / 2^s)^(2^s)`` with ``s`` chosen from the data
    so that ``||A / 2^s||_1 <= 1/2``, where an 18-term Taylor polynomial (Horner form) is
    exact to rounding; it is built of matmuls, so its gradient is that of the exponential
    to the same accuracy.

    >>> import ember
    >>> ember.linalg.matrix_exp(ember.tensor([[0.0, 1.0], [0.0, 0.0]])).tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    check_float_matrix("linalg.matrix_exp", A)
    n = A.shape[-1]
    a = A._data
    xp = backend_of(a).xp
    norm = float(xp.abs(a).sum(axis=-2).max()) if a.size else 0.0
    if not math.isfinite(norm):
        raise RuntimeError(f"linalg.matrix_exp: expected finite input, got a non-finite value "
                           f"(shape {tuple(A.shape)})")
    s = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 else 0
    X = A / float(2 ** s) if s else A
    eye = eye_like(A, n)
    P = eye
    for k in range(18, 0, -1):
        P = eye + matmul(X, P) / float(k)
    for _ in range(s):
        P = matmul(P, P)
    return P


# ----------------------------------------------------------------------------- rank, cond
def _tolerance_array(x: Any):
    return x._data if isinstance(x, Tensor) else x


def matrix_rank(A: Tensor, tol: Any = None, hermitian: bool = False, *, atol: Any = None,
                rtol: Any = None) -> Tensor:
    """Number of singular values (absolute eigenvalues with ``hermitian``) above
    ``max(atol, rtol * largest)``. Without either, ``rtol = eps * max(m, n)``; with only
    ``atol`` > 0, ``rtol = 0``. ``tol`` is PyTorch's older name for ``atol`` (``rtol = 0``).

    >>> import ember
    >>> ember.linalg.matrix_rank(ember.ones(3, 3)).item()
    1
    """
    check_float_matrix("linalg.matrix_rank", A, square=hermitian)
    if tol is not None:
        atol, rtol = tol, 0.0
    xp = backend_of(A._data).xp
    a = A._data
    if hermitian:
        s = xp.abs(xp.linalg.eigvalsh(a)) if a.size else xp.zeros(a.shape[:-1], a.dtype)
    else:
        k = min(a.shape[-2:])
        s = xp.linalg.svd(a, compute_uv=False) if a.size else \
            xp.zeros(a.shape[:-2] + (k,), a.dtype)
    atol_a = 0.0 if atol is None else _tolerance_array(atol)
    if rtol is None:
        positive = atol is not None and bool(xp.all(xp.asarray(atol_a) > 0))
        rtol = 0.0 if positive else float(xp.finfo(a.dtype).eps) * max(a.shape[-2:])
    rtol_a = _tolerance_array(rtol)
    smax = s.max(axis=-1) if s.shape[-1] else xp.zeros(s.shape[:-1], s.dtype)
    cutoff = xp.maximum(xp.asarray(atol_a), xp.asarray(rtol_a) * smax)
    return _make(xp.asarray((s > cutoff[..., None]).sum(axis=-1), dtype=xp.int64))


_COND_NORMS = (None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf)


def cond(A: Tensor, p: Any = None) -> Tensor:
    """Condition number of ``A`` in the norm ``p``: ``S_max / S_min`` for ``p`` None or 2
    (``S_min / S_max`` for -2, any shape), else ``norm(A, p) * norm(inv(A), p)`` (square
    ``A``; inf for a singular one).

    >>> import ember
    >>> ember.linalg.cond(ember.tensor([[2.0, 0.0], [0.0, 0.5]])).item()
    4.0
    """
    if p not in _COND_NORMS:
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if isinstance(A, Tensor) and A.ndim >= 2 and A.numel() == 0:
        # PyTorch's convention for empty matrices (NumPy defines none): zeros of the batch
        # shape; 'fro' and 'nuc' still require square ones
        check_float_matrix("linalg.cond" if p in (None, 2, -2) else f"linalg.cond(ord={p})",
                           A, square=p in ("fro", "nuc"))
        from .creation import zeros

        return zeros(*A.shape[:-2], dtype=A.dtype, device=A.device)
    if p in (None, 2, -2):
        check_float_matrix("linalg.cond", A, square=False)
        from .decomp_factor import svdvals

        S = svdvals(A)
        big, small = S.narrow(-1, 0, 1), S.narrow(-1, S.shape[-1] - 1, 1)
        return ((small / big) if p == -2 else (big / small)).squeeze(-1)
    check_float_matrix(f"linalg.cond(ord={p})", A)
    from .decomp_norm import matrix_norm
    from .elementwise import where

    xp = backend_of(A._data).xp
    singular = xp.asarray(xp.linalg.det(A._data) == 0) if A.shape[-1] else \
        xp.zeros(A.shape[:-2], bool)
    if not bool(singular.any()):
        return matrix_norm(A, p) * matrix_norm(inv(A), p)
    safe = where(_make(singular[..., None, None]), eye_like(A, A.shape[-1]), A)
    return where(_make(singular), math.inf, matrix_norm(A, p) * matrix_norm(inv(safe), p))


# ----------------------------------------------------------------------------- small helpers
def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """Vandermonde matrix of the last dim of ``x``: columns ``x^0, x^1, ..., x^(N-1)``
    (``N`` defaults to ``x.shape[-1]``).

    >>> import ember
    >>> ember.linalg.vander(ember.tensor([1, 2, 3])).tolist()
    [[1, 1, 1], [1, 2, 4], [1, 3, 9]]
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vander: expected a Tensor, got {type(x).__name__}")
    n = x.shape[-1] if x.ndim else 0
    N = n if N is None else N
    if N <= 1:
        raise RuntimeError(f"linalg.vander: N must be greater than 1, got N={N} (x of shape "
                           f"{tuple(x.shape)})")
    if x.dtype is _dt.bool_:
        x = x.long()
    from .shape_build import _powers

    return _powers(x, N)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """Dot product of ``x`` and ``y`` along ``dim`` (other dims broadcast).

    >>> import ember
    >>> ember.linalg.vecdot(ember.ones(2, 3), ember.tensor([1.0, 2.0, 3.0])).tolist()
    [6.0, 6.0]
    """
    for name, t in (("x", x), ("y", y)):
        if not isinstance(t, Tensor):
            raise TypeError(f"linalg.vecdot: expected {name} to be a Tensor, got "
                            f"{type(t).__name__}")
    if x.dtype != y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found "
                           f"x of type {x.dtype.name} and y of type {y.dtype.name} instead")
    if x.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"linalg.vecdot: Expected a floating point tensor as input, got "
                           f"{x.dtype.name}")
    broadcast_shapes("linalg.vecdot", x.shape, y.shape)
    return (x * y).sum(dim)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """``ember.diagonal`` with the defaults of ``torch.linalg.diagonal`` (the last two dims).

    >>> import ember
    >>> ember.linalg.diagonal(ember.eye(3).expand(2, 3, 3)).shape
    ember.Size([2, 3])
    """
    from .shape_diag import diagonal as _diagonal

    return _diagonal(A, offset, dim1, dim2)


__all__ = ["matrix_exp", "matrix_rank", "cond", "vander", "vecdot", "diagonal"]
