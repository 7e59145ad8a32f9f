"""The LU family of ``ember.linalg``: ``lu_factor``, ``lu_factor_ex``, ``lu``, ``lu_solve``,
and ``lu_unpack`` (top level, as ``torch.lu_unpack``).

NumPy has no LU routine, so the factorization is written here on the backend namespace: a
partial-pivoting Doolittle elimination in LAPACK getrf's convention (``A = P L U``, pivots
1-based int32, ``info`` the first zero pivot, 1-based). It loops over the columns in Python
and updates the rows of the whole batch at once: fine for the sizes people use on CPU.
The gradients are PyTorch's (``linalg_lu_backward``), written in ember ops so they can be
differentiated again.

>>> import ember
>>> LU, pivots = ember.linalg.lu_factor(ember.tensor([[1.0, 2.0], [2.0, 2.0]]))
>>> LU.tolist(), pivots.tolist()
([[2.0, 2.0], [0.5, 1.0]], [2, 2])
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from .. import dtypes as _dt
from ..backends import backend_of
from ..tensor import Tensor, _make
from .decomp import LinAlgError, check_float_matrix
from .decomp_solve import _check_rhs, solve_triangular
from .join import cat
from .linalg import matmul
from .registry import defop


# ----------------------------------------------------------------------------- array kernels
def getrf(xp, a):
    """LU with partial pivoting of a batch of ``(m, n)`` arrays: ``(LU, pivots, info)``.

    Column ``j`` takes the row of largest ``|a|`` at or below ``j`` (the first such row, as
    LAPACK's idamax). A zero pivot column is left unscaled and recorded in ``info`` (the
    first one only, 1-based); the elimination goes on, as getrf does."""
    *batch, m, n = a.shape
    k = min(m, n)
    size = math.prod(batch)
    lu = a.reshape((size, m, n)).copy()
    pivots = xp.zeros((size, k), dtype=xp.int32)
    info = xp.zeros((size,), dtype=xp.int32)
    rows = xp.arange(size)
    for j in range(k):
        p = xp.argmax(xp.abs(lu[:, j:, j]), axis=1) + j
        pivots[:, j] = p + 1
        swap_rows(lu, rows, j, p)
        pivot = lu[:, j, j]
        zero = pivot == 0
        info = xp.where((info == 0) & zero, j + 1, info).astype(xp.int32)
        # a zero pivot has only zeros below it: leave them (1 avoids 0/0)
        lu[:, j + 1:, j] /= xp.where(zero, 1, pivot)[:, None]
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j, None] * lu[:, j, None, j + 1:]
    return (lu.reshape((*batch, m, n)), pivots.reshape((*batch, k)),
            info.reshape(tuple(batch)))


def swap_rows(x, rows, i: int, p) -> None:
    """In place, for each batch member ``b`` (``rows`` is ``arange`` of the batch): swap
    ``x[b, i]`` with ``x[b, p[b]]``."""
    at_i, at_p = x[:, i].copy(), x[rows, p].copy()
    x[rows, p] = at_i
    x[:, i] = at_p


def permutation(xp, pivots, m: int, dtype):
    """The ``(m, m)`` matrices ``P`` of ``A = P L U`` from getrf's (1-based) pivots."""
    *batch, k = pivots.shape
    size = math.prod(batch)
    piv = pivots.reshape((size, k)).astype(xp.int64) - 1
    perm = xp.broadcast_to(xp.arange(m), (size, m)).copy()
    rows = xp.arange(size)
    for i in range(k):  # row i of LU is row perm[i] of A
        swap_rows(perm, rows, i, piv[:, i])
    P = xp.eye(m, dtype=dtype)[perm].swapaxes(-1, -2)  # P[perm[i], i] = 1
    return P.reshape((*batch, m, m))


def _check_pivots(op: str, LU: Tensor, pivots: Any) -> None:
    if not isinstance(pivots, Tensor) or pivots.dtype != _dt.int32:
        got = pivots.dtype.name if isinstance(pivots, Tensor) else type(pivots).__name__
        raise RuntimeError(f"{op}: pivots should be a Tensor of dtype int32 (as lu_factor "
                           f"returns), got {got}")
    k = min(LU.shape[-2:])
    if tuple(pivots.shape) != (*LU.shape[:-2], k):
        raise RuntimeError(f"{op}: expected pivots of shape {(*LU.shape[:-2], k)} for LU of "
                           f"shape {tuple(LU.shape)}, got {tuple(pivots.shape)}")
    p = pivots._data
    if p.size and (int(p.min()) < 1 or int(p.max()) > LU.shape[-2]):
        raise RuntimeError(f"{op}: pivots must be between 1 and LU.size(-2) = "
                           f"{LU.shape[-2]} inclusive; did you pass the result of lu_factor?")


# ----------------------------------------------------------------------------- gradients
def _unpack(LU: Tensor) -> tuple:
    """``L`` (unit lower, ``(m, k)``) and ``U`` (upper, ``(k, n)``) from packed ``LU``."""
    m, n = LU.shape[-2:]
    k = min(m, n)
    eye = _make(backend_of(LU._data).xp.eye(m, k, dtype=LU._data.dtype))
    return LU.narrow(-1, 0, k).tril(-1) + eye, LU.narrow(-2, 0, k).triu()


def lu_backward(gL: Tensor, gU: Tensor, P: Tensor, L: Tensor, U: Tensor) -> Tensor:
    """:func:`_lu_backward`, with an error naming the op where ``U`` is singular (PyTorch
    returns inf/NaN gradients there; ember's triangular solves refuse a zero pivot)."""
    try:
        return _lu_backward(gL, gU, P, L, U)
    except LinAlgError as exc:
        raise LinAlgError(f"linalg.lu / lu_factor backward: U of shape {tuple(U.shape)} has a "
                          "zero on its diagonal (a singular input); its gradient is not "
                          "defined there") from exc


def _lu_backward(gL: Tensor, gU: Tensor, P: Tensor, L: Tensor, U: Tensor) -> Tensor:
    """The gradient of ``A = P L U`` from those of ``L`` and ``U`` (PyTorch's
    ``linalg_lu_backward``; ``P`` is piecewise constant). Square case:
    ``gA = P L^{-T} (tril_{-1}(L^T gL) + triu(gU U^T)) U^{-T}``; the rectangular cases
    add the gradient of the extra rows of ``L`` (tall) or columns of ``U`` (wide)."""
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    if m == n:
        G = matmul(L.mT, gL).tril(-1) + matmul(gU, U.mT).triu()
        G = solve_triangular(U.mT, G, upper=False, left=False)
    elif m < n:  # wide: U = [U1 | U2]
        G = (matmul(L.mT, gL) - matmul(gU.triu(), U.mT)).tril(-1)
        G = solve_triangular(U.narrow(-1, 0, k).mT, G, upper=False, left=False)
        G = cat([G + gU.narrow(-1, 0, k).triu(), gU.narrow(-1, k, n - k)], dim=-1)
    else:  # tall: L = [L1; L2]
        G = (matmul(gU, U.mT) - matmul(L.mT, gL.tril(-1))).triu()
        G = solve_triangular(L.narrow(-2, 0, k).mT, G, upper=True, unitriangular=True)
        G = cat([G + gL.narrow(-2, 0, k).tril(-1), gL.narrow(-2, k, m - k)], dim=-2)
        return matmul(P, solve_triangular(U.mT, G, upper=False, left=False))
    return matmul(P, solve_triangular(L.mT, G, upper=True, unitriangular=True))


def _connected(ctx, index: int, array) -> Tensor:
    """Output ``index`` of the node as a graph-connected tensor (for create_graph)."""
    t = _make(array, requires_grad=True)
    t.grad_fn, t._out_index = ctx, index
    return t


# ----------------------------------------------------------------------------- lu_factor
@defop("linalg_lu_factor_ex", nondiff_outputs=(1, 2))
def _lu_factor_ex(ctx, A):
    LU, pivots, info = getrf(ctx.xp, A)
    ctx.arrays = (LU, pivots)
    return LU, pivots, info


@_lu_factor_ex.def_backward
def _(ctx, gLU, gpivots, ginfo):
    LU, pivots = ctx.arrays
    m, n = LU.shape[-2:]
    k = min(m, n)
    P = _make(permutation(ctx.xp, pivots, m, LU.dtype))
    L, U = _unpack(_connected(ctx, 0, LU))
    return (lu_backward(gLU.narrow(-1, 0, k), gLU.narrow(-2, 0, k), P, L, U),)


class LUFactorResult(NamedTuple):
    LU: Tensor
    pivots: Tensor


class LUFactorExResult(NamedTuple):
    LU: Tensor
    pivots: Tensor
    info: Tensor


def _check_lu_input(op: str, A: Any, pivot: bool) -> None:
    check_float_matrix(op, A, square=False)
    if A.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError(f"{op}: LU is implemented for float32 and float64, got "
                           f"{A.dtype.name}")
    if not pivot:  # PyTorch's CPU message (it names lu_factor also when lu is called)
        where = "on the CPU" if A.device.type == "cpu" else "in ember"
        raise RuntimeError(f"linalg.lu_factor: LU without pivoting is not implemented {where}")


def singular_message(info, batched: bool, what: str) -> str | None:
    """``what`` formatted with the first failing batch element and its info, or None."""
    bad = (info > 0).reshape(-1)
    if not bool(bad.any()):
        return None
    index = int(bad.argmax())
    prefix = f"(Batch element {index}): " if batched else ""
    return prefix + what.format(int(info.reshape(-1)[index]))


def lu_factor_ex(A: Tensor, *, pivot: bool = True,
                 check_errors: bool = False) -> LUFactorExResult:
    """LU factorization with partial pivoting, packed as LAPACK's getrf: ``(LU, pivots,
    info)``; ``info > 0`` marks a zero pivot ``U[info, info]`` (1-based), which raises only
    with ``check_errors``.

    >>> import ember
    >>> ember.linalg.lu_factor_ex(ember.zeros(2, 2)).info.item()
    1
    """
    op = "linalg.lu_factor_ex"
    _check_lu_input(op, A, pivot)
    LU, pivots, info = _lu_factor_ex(A)
    if check_errors:
        _raise_singular(op, info, A.ndim > 2)
    return LUFactorExResult(LU, pivots, info)


def _raise_singular(op: str, info: Tensor, batched: bool) -> None:
    message = singular_message(info._data, batched, "U[{0},{0}] is zero and using it on "
                               "lu_solve would result in a division by zero. If you still "
                               "want to perform the factorization, consider calling "
                               "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    if message:
        raise RuntimeError(f"{op}: {message}")


def lu_factor(A: Tensor, *, pivot: bool = True) -> LUFactorResult:
    """LU factorization with partial pivoting, packed: ``(LU, pivots)`` with ``A = P L U``,
    ``L`` the unit lower triangle of ``LU`` and ``U`` its upper triangle. A zero pivot
    raises (use ``lu_factor_ex`` or ``lu`` to factor singular matrices).

    >>> import ember
    >>> ember.linalg.lu_factor(ember.tensor([[0.0, 1.0], [2.0, 0.0]])).pivots.tolist()
    [2, 2]
    """
    op = "linalg.lu_factor"
    _check_lu_input(op, A, pivot)
    LU, pivots, info = _lu_factor_ex(A)
    _raise_singular(op, info, A.ndim > 2)
    return LUFactorResult(LU, pivots)


# ----------------------------------------------------------------------------- lu, lu_unpack
@defop("linalg_lu", nondiff_outputs=(0,))
def _lu(ctx, A):
    LU, pivots, _ = getrf(ctx.xp, A)
    m, n = A.shape[-2:]
    k = min(m, n)
    P = permutation(ctx.xp, pivots, m, A.dtype)
    L = ctx.xp.tril(LU[..., :, :k], -1) + ctx.xp.eye(m, k, dtype=A.dtype)
    U = ctx.xp.triu(LU[..., :k, :])
    ctx.arrays = (P, L, U)
    return P, L, U


@_lu.def_backward
def _(ctx, gP, gL, gU):
    P, L, U = ctx.arrays
    return (lu_backward(gL, gU, _make(P), _connected(ctx, 1, L), _connected(ctx, 2, U)),)


class LUResult(NamedTuple):
    P: Tensor
    L: Tensor
    U: Tensor


def lu(A: Tensor, *, pivot: bool = True) -> LUResult:
    """``A = P L U`` with partial pivoting, for square or rectangular ``(m, n)`` matrices:
    ``P`` is ``(m, m)``, ``L`` unit lower ``(m, k)`` and ``U`` upper ``(k, n)``,
    ``k = min(m, n)``. Singular matrices factor without error.

    >>> import ember
    >>> P, L, U = ember.linalg.lu(ember.tensor([[1.0, 2.0], [2.0, 2.0]]))
    >>> P.tolist(), L.tolist(), U.tolist()
    ([[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.5, 1.0]], [[2.0, 2.0], [0.0, 1.0]])
    """
    _check_lu_input("linalg.lu", A, pivot)
    return LUResult(*_lu(A))


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,
              unpack_pivots: bool = True) -> LUResult:
    """``(P, L, U)`` from ``lu_factor``'s packed form; ``L`` and ``U`` (empty unless
    ``unpack_data``) are differentiable in ``LU_data``; ``P`` is empty unless
    ``unpack_pivots``.

    >>> import ember
    >>> LU, pivots = ember.linalg.lu_factor(ember.tensor([[1.0, 2.0], [2.0, 2.0]]))
    >>> ember.lu_unpack(LU, pivots).P.tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    op = "lu_unpack"
    check_float_matrix(op, LU_data, square=False)
    _check_pivots(op, LU_data, LU_pivots)
    xp = backend_of(LU_data._data).xp
    empty = _make(xp.zeros((0,), dtype=LU_data._data.dtype))
    L, U = _unpack(LU_data) if unpack_data else (empty, empty)
    P = _make(permutation(xp, LU_pivots._data, LU_data.shape[-2], LU_data._data.dtype)) \
        if unpack_pivots else empty
    return LUResult(P, L, U)


# ----------------------------------------------------------------------------- lu_solve
def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True,
             adjoint: bool = False) -> Tensor:
    """Solve ``A X = B`` given ``lu_factor(A)``; ``A^T X = B`` with ``adjoint``, and
    ``X A = B`` (``X A^T = B``) with ``left=False``. Batch dims of ``LU`` and ``B``
    broadcast. Differentiable in ``LU`` and ``B`` (two triangular solves and a
    permutation); a zero on ``U``'s diagonal gives infs/NaNs without a gradient.

    >>> import ember
    >>> A = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> LU, pivots = ember.linalg.lu_factor(A)
    >>> ember.linalg.lu_solve(LU, pivots, ember.tensor([[5.0], [11.0]])).tolist()
    [[1.0], [2.0]]
    """
    op = "linalg.lu_solve"
    check_float_matrix(op, LU)
    _check_pivots(op, LU, pivots)
    _check_rhs(op, LU, B, left)
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT
    xp = backend_of(LU._data).xp
    if bool((xp.diagonal(LU._data, axis1=-2, axis2=-1) == 0).any()):
        return _singular_lu_solve(xp, LU, pivots, B, adjoint)
    P = _make(permutation(xp, pivots._data, LU.shape[-1], LU._data.dtype))
    if adjoint:  # A^T = U^T L^T P^T:  X = P L^{-T} U^{-T} B
        Y = solve_triangular(LU.mT, B, upper=False)
        return matmul(P, solve_triangular(LU.mT, Y, upper=True, unitriangular=True))
    Y = solve_triangular(LU, matmul(P.mT, B), upper=False, unitriangular=True)
    return solve_triangular(LU, Y, upper=True)


def _singular_lu_solve(xp, LU: Tensor, pivots: Tensor, B: Tensor, adjoint: bool) -> Tensor:
    """getrs's values for a zero pivot (infs/NaNs, as LAPACK's; no gradient), where the
    triangular solves would raise."""
    from .decomp_ex import getrs_broadcast  # it imports this module

    return _make(getrs_broadcast(xp, LU._data, pivots._data, B._data, adjoint))


__all__ = ["lu_factor", "lu_factor_ex", "lu", "lu_solve", "LUFactorResult",
           "LUFactorExResult", "LUResult"]
