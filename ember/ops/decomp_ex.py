"""``linalg.inv_ex``, ``solve_ex`` and ``cholesky_ex``: the factorizations that report
LAPACK's ``info`` (int32, one per matrix) instead of raising, unless ``check_errors``.

Invertible (positive-definite) inputs go through ``inv`` / ``solve`` / ``cholesky``, with
their gradients. When a matrix of the batch fails, the whole result is computed by the
kernels here, forward only (it holds infs or NaNs for the failed matrices, as LAPACK's
does, and has no gradient).

>>> import ember
>>> ember.linalg.inv_ex(ember.zeros(2, 2)).info.item()
1
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..backends import backend_of
from ..tensor import Tensor, _make
from .decomp import LinAlgError, check_float_matrix, cholesky, inv, solve
from .decomp_lu import _check_lu_input, getrf, singular_message, swap_rows


# ----------------------------------------------------------------------------- kernels
def _swap_rows(xp, x, pivots, order) -> None:
    rows = xp.arange(x.shape[0])
    for i in order:
        swap_rows(x, rows, i, pivots[:, i].astype(xp.int64) - 1)


def _getrs(xp, lu, pivots, b, trans: bool = False):
    """Solve ``A X = b`` (``A^T X = b`` with ``trans``) from getrf's ``(lu, pivots)``;
    batches ``(s, n, n)``, ``(s, n)``, ``(s, n, r)``. A zero pivot gives infs/NaNs."""
    n = lu.shape[-1]
    x = b.copy()
    if not trans:  # x = U^{-1} L^{-1} P^T b
        _swap_rows(xp, x, pivots, range(n))
        for i in range(1, n):
            x[:, i] -= (lu[:, i, None, :i] @ x[:, :i])[:, 0]
        for i in range(n - 1, -1, -1):
            x[:, i] = (x[:, i] - (lu[:, i, None, i + 1:] @ x[:, i + 1:])[:, 0]) \
                / lu[:, i, i, None]
        return x
    luT = lu.swapaxes(-1, -2)  # x = P L^{-T} U^{-T} b
    for i in range(n):
        x[:, i] = (x[:, i] - (luT[:, i, None, :i] @ x[:, :i])[:, 0]) / lu[:, i, i, None]
    for i in range(n - 2, -1, -1):
        x[:, i] -= (luT[:, i, None, i + 1:] @ x[:, i + 1:])[:, 0]
    _swap_rows(xp, x, pivots, range(n - 1, -1, -1))
    return x


def _potrf(xp, a):
    """Unblocked lower Cholesky of ``(s, n, n)`` arrays, column by column: ``(L, info)``.
    A matrix stops at its first non-positive pivot (kept on the diagonal, as LAPACK's
    potf2); its later columns keep the input's values."""
    s, n = a.shape[0], a.shape[-1]
    L = xp.tril(a)
    info = xp.zeros((s,), dtype=xp.int32)
    for j in range(n):
        go = info == 0
        d = L[:, j, j] - (L[:, j, None, :j] @ L[:, j, :j, None])[:, 0, 0]
        bad = go & ~(d > 0)  # also NaN
        info = xp.where(bad, j + 1, info).astype(xp.int32)
        ok = go & ~bad
        root = xp.sqrt(xp.where(ok, d, 1))
        L[:, j, j] = xp.where(go, xp.where(ok, root, d), L[:, j, j])
        below = (L[:, j + 1:, j] - (L[:, j + 1:, :j] @ L[:, j, :j, None])[..., 0]) / root[:, None]
        L[:, j + 1:, j] = xp.where(ok[:, None], below, L[:, j + 1:, j])
    return L, info


def _flat(a, dims: int):
    """``a`` with its batch dims flattened into one (``dims`` trailing dims kept)."""
    core = a.shape[a.ndim - dims:]
    return a.reshape((math.prod(a.shape[:a.ndim - dims]), *core))


# ----------------------------------------------------------------------------- inv_ex, solve_ex
class InvExResult(NamedTuple):
    inverse: Tensor
    info: Tensor


class SolveExResult(NamedTuple):
    result: Tensor
    info: Tensor


def _singular_error(op: str, info, batched: bool, what: str) -> None:
    message = singular_message(info, batched, what)
    if message:
        raise LinAlgError(f"{op}: {message}")


def inv_ex(A: Tensor, *, check_errors: bool = False) -> InvExResult:
    """``linalg.inv`` that returns getrf's ``info`` (``> 0``: ``U[info, info]`` is zero, the
    matrix is singular) instead of raising, unless ``check_errors``.

    >>> import ember
    >>> X, info = ember.linalg.inv_ex(ember.tensor([[2.0, 0.0], [0.0, 4.0]]))
    >>> X.tolist(), info.item()
    ([[0.5, 0.0], [0.0, 0.25]], 0)
    """
    op = "linalg.inv_ex"
    check_float_matrix(op, A)
    _check_lu_input(op, A, True)
    xp = backend_of(A._data).xp
    n = A.shape[-1]
    eye = xp.broadcast_to(xp.eye(n, dtype=A._data.dtype), A.shape)
    X, info = _ex_result(A, lambda: inv(A), eye)
    if check_errors:
        _singular_error(op, info, A.ndim > 2, "The diagonal element {0} is zero, the "
                        "inversion could not be completed because the input matrix is "
                        "singular.")
    return InvExResult(X, _make(info))


def _ex_result(A: Tensor, exact, rhs, trans: bool = False) -> tuple:
    """``(exact(), info)`` when every matrix of ``A`` factors; else getrs's values (a
    constant) for ``rhs``, an array whose batch dims broadcast with ``A``'s."""
    xp = backend_of(A._data).xp
    lu, pivots, info = getrf(xp, A._data)
    if not bool((info > 0).any()):
        try:
            return exact(), info
        except LinAlgError:  # the backend's pivots met an exact zero where getrf did not
            pass
    return _make(getrs_broadcast(xp, lu, pivots, rhs, trans)), info


def getrs_broadcast(xp, lu, pivots, rhs, trans: bool = False):
    """:func:`_getrs` for arrays whose batch dims broadcast: ``lu`` (..., n, n), ``pivots``
    (..., n), ``rhs`` (..., n, r)."""
    n = lu.shape[-1]
    batch = tuple(xp.broadcast_shapes(lu.shape[:-2], rhs.shape[:-2]))
    X = _getrs(xp, _flat(xp.broadcast_to(lu, (*batch, n, n)), 2),
               _flat(xp.broadcast_to(pivots, (*batch, n)), 1),
               _flat(xp.broadcast_to(rhs, (*batch, *rhs.shape[-2:])), 2), trans)
    return X.reshape((*batch, *rhs.shape[-2:]))


def _matrix_rhs(op: str, A: Tensor, B, left: bool) -> tuple:
    """``B`` as a batch of right-hand-side matrices for ``A X = B`` (``X A = B``: the
    columns of ``B^T``), and whether it was a batch of vectors; checked as ``solve``."""
    if not isinstance(B, Tensor) or B.dtype != A.dtype:
        raise RuntimeError(f"{op}: expected B to be a tensor of dtype {A.dtype.name}, "
                           f"got {getattr(B, 'dtype', type(B).__name__)}")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    if vector and not left:
        raise RuntimeError(f"{op}: vector B is not supported with left=False")
    Bm = B.unsqueeze(-1) if vector else (B if left else B.mT)
    if Bm.ndim < 2 or Bm.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"{op}: incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'}: A is {tuple(A.shape)}, B is "
                           f"{tuple(B.shape)}")
    return Bm, vector


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True,
             check_errors: bool = False) -> SolveExResult:
    """``linalg.solve`` that returns getrf's ``info`` for ``A`` (one per matrix of ``A``)
    instead of raising on a singular ``A``, unless ``check_errors``.

    >>> import ember
    >>> A = ember.tensor([[2.0, 0.0], [0.0, 4.0]])
    >>> ember.linalg.solve_ex(A, ember.tensor([1.0, 1.0])).result.tolist()
    [0.5, 0.25]
    """
    op = "linalg.solve_ex"
    check_float_matrix(op, A)
    _check_lu_input(op, A, True)
    Bm, vector = _matrix_rhs(op, A, B, left)
    X, info = _ex_result(A, lambda: solve(A, B, left=left), Bm._data, trans=not left)
    if X.grad_fn is None and bool((info > 0).any()):  # getrs's values: shape them as solve
        X = X.squeeze(-1) if vector else (X if left else X.mT)
    if check_errors:
        _singular_error(op, info, A.ndim > 2, "The solver failed because the input matrix "
                        "is singular.")
    return SolveExResult(X, _make(info))


# ----------------------------------------------------------------------------- cholesky_ex
class CholeskyExResult(NamedTuple):
    L: Tensor
    info: Tensor


def cholesky_ex(A: Tensor, *, upper: bool = False,
                check_errors: bool = False) -> CholeskyExResult:
    """``linalg.cholesky`` that returns potrf's ``info`` (``> 0``: the leading minor of that
    order is not positive-definite) instead of raising, unless ``check_errors``. Where a
    matrix fails, ``L`` holds the factorization as far as it got (LAPACK's blocked potrf
    may leave other values in the columns after the failure).

    >>> import ember
    >>> ember.linalg.cholesky_ex(ember.tensor([[4.0, 2.0], [2.0, 2.0]])).L.tolist()
    [[2.0, 0.0], [1.0, 1.0]]
    >>> ember.linalg.cholesky_ex(-ember.eye(2)).info.item()
    1
    """
    op = "linalg.cholesky_ex"
    check_float_matrix(op, A)
    xp = backend_of(A._data).xp
    try:
        L, info = cholesky(A, upper=upper), xp.zeros(A.shape[:-2], dtype=xp.int32)
        # NumPy passes NaN input through without an error; LAPACK's potrf stops there
        failed = bool(xp.isnan(xp.diagonal(L._data, 0, -2, -1)).any())
    except LinAlgError:
        failed = True
    if failed:
        Lf, info = _potrf(xp, _flat(A._data, 2))
        info = info.reshape(A.shape[:-2])
        Lf = Lf.reshape(A.shape)
        L = _make(Lf.swapaxes(-1, -2).copy() if upper else Lf)
    if check_errors:
        _singular_error(op, info, A.ndim > 2, "The factorization could not be completed "
                        "because the input is not positive-definite (the leading minor of "
                        "order {0} is not positive-definite).")
    return CholeskyExResult(L, _make(info))


__all__ = ["inv_ex", "solve_ex", "cholesky_ex", "InvExResult", "SolveExResult",
           "CholeskyExResult"]
