"""Triangular and Cholesky-factor solves (``linalg.solve_triangular``, ``triangular_solve``,
``cholesky_solve``, ``cholesky_inverse``) and the tensor versions of inv and solve.

All are compositions of ``linalg.solve`` / ``inv`` with triangle masks, so gradients,
double backward and forward mode come from those ops. The triangular solves read only
their triangle and give it the gradient (as PyTorch); the Cholesky ones give every entry
of ``L`` a gradient, ``-C tril(L)`` (``C`` symmetric), which is PyTorch's ``-C L`` when the
unread triangle of ``L`` is zero. With values there PyTorch multiplies by the full ``L``
and the two differ (a known difference; the values agree).

>>> import ember
>>> L = ember.tensor([[2.0, 0.0], [1.0, 1.0]])
>>> ember.linalg.solve_triangular(L, ember.tensor([[2.0], [3.0]]), upper=False).tolist()
[[1.0], [2.0]]
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from ..tensor import Tensor
from ._common import broadcast_shapes
from .decomp import LinAlgError, _solve, check_float_matrix, eye_like, inv


def _check_rhs(op: str, A: Tensor, B: Any, left: bool = True) -> None:
    if not isinstance(B, Tensor) or B.ndim < 2:
        got = f"shape {tuple(B.shape)}" if isinstance(B, Tensor) else type(B).__name__
        raise RuntimeError(f"{op}: expected B to have at least 2 dimensions, got {got}")
    if B.dtype != A.dtype:
        raise RuntimeError(f"{op}: expected A and B to have the same dtype, but found A of "
                           f"type {A.dtype.name} and B of type {B.dtype.name} instead")
    n, k = A.shape[-1], (B.shape[-2] if left else B.shape[-1])
    if n != k:
        raise RuntimeError(f"{op}: incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({tuple(A.shape)} and "
                           f"{tuple(B.shape)})")


def _solve_broadcast(op: str, A: Tensor, B: Tensor) -> Tensor:
    """``A^{-1} B`` for a matrix ``B`` (never a vector), broadcasting the batch dims."""
    batch = broadcast_shapes(op, A.shape[:-2], B.shape[:-2])
    n = A.shape[-1]
    try:
        return _solve(A.expand(*batch, n, n), B.expand(*batch, *B.shape[-2:]))
    except LinAlgError as exc:  # name the op that was called, not the solve inside it
        raise LinAlgError(str(exc).replace("linalg.solve:", f"{op}:", 1)) from None


def _triangle(A: Tensor, upper: bool, unitriangular: bool = False) -> Tensor:
    if not unitriangular:
        return A.triu() if upper else A.tril()
    strict = A.triu(1) if upper else A.tril(-1)
    return strict + eye_like(A, A.shape[-1])


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """Solve ``A X = B`` (``X A = B`` with ``left=False``) for a triangular ``A``; only the
    upper or lower triangle of ``A`` is read (and its diagonal taken as ones with
    ``unitriangular``). Batch dims broadcast.

    >>> import ember
    >>> U = ember.tensor([[1.0, 2.0], [0.0, 4.0]])
    >>> ember.linalg.solve_triangular(U, ember.tensor([[5.0], [4.0]]), upper=True).tolist()
    [[3.0], [1.0]]
    """
    op = "linalg.solve_triangular"
    check_float_matrix(op, A)
    _check_rhs(op, A, B, left)
    T = _triangle(A, upper, unitriangular)
    if left:
        return _solve_broadcast(op, T, B)
    return _solve_broadcast(op, T.mT, B.mT).mT


class TriangularSolveResult(NamedTuple):
    solution: Tensor
    cloned_coefficient: Tensor


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False) -> TriangularSolveResult:
    """Legacy form of ``linalg.solve_triangular``: solves ``A X = b`` (``A^T X = b`` with
    ``transpose``) and returns ``(solution, A.clone())``.

    >>> import ember
    >>> A = ember.tensor([[2.0, 1.0], [0.0, 1.0]])
    >>> ember.triangular_solve(ember.tensor([[3.0], [1.0]]), A).solution.tolist()
    [[1.0], [1.0]]
    """
    op = "triangular_solve"
    check_float_matrix(op, A)
    _check_rhs(op, A, b)
    T = _triangle(A, upper, unitriangular)
    X = _solve_broadcast(op, T.mT if transpose else T, b)
    batch = tuple(X.shape[:-2])  # PyTorch's coefficient copy has the broadcast batch dims
    return TriangularSolveResult(X, A.expand(*batch, *A.shape[-2:]).clone())


def _cholesky_factor(op: str, L: Tensor, upper: bool) -> Tensor:
    """``L``'s triangle as a lower factor. The value reads only the triangle, but the
    gradient goes to all of ``L`` (the part outside adds a detached zero), as PyTorch's
    does; it is computed with the triangle, where PyTorch's formula uses the full ``L``,
    so the two agree only when the other triangle of ``L`` is zero."""
    check_float_matrix(op, L)
    F = L + ((L.triu() if upper else L.tril()) - L).detach()
    return F.mT if upper else F


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:
    """Solve ``A X = B`` given the Cholesky factor ``L`` of ``A = L L^T`` (``U^T U`` with
    ``upper``), by two triangular solves.

    >>> import ember
    >>> L = ember.tensor([[2.0, 0.0], [1.0, 1.0]])  # A = [[4, 2], [2, 2]]
    >>> ember.cholesky_solve(ember.tensor([[6.0], [4.0]]), L).tolist()
    [[1.0], [1.0]]
    """
    op = "cholesky_solve"
    F = _cholesky_factor(op, L, upper)
    _check_rhs(op, F, B)
    return _solve_broadcast(op, F.mT, _solve_broadcast(op, F, B))


def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:
    """Inverse of ``A = L L^T`` (``U^T U`` with ``upper``) from its Cholesky factor.

    >>> import ember
    >>> ember.cholesky_inverse(ember.tensor([[2.0, 0.0], [0.0, 1.0]])).tolist()
    [[0.25, 0.0], [0.0, 1.0]]
    """
    Linv = inv(_cholesky_factor("cholesky_inverse", L, upper))
    return Linv.mT @ Linv


# ----------------------------------------------------------------------------- tensor inv/solve
def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """The tensor ``X`` with ``tensordot(X, A, ind) = I``: ``A`` reshaped to a square matrix
    (its first ``ind`` dims against the rest), inverted, reshaped back.

    >>> import ember
    >>> ember.linalg.tensorinv(ember.eye(4).reshape(4, 2, 2), ind=1).shape
    ember.Size([2, 2, 4])
    """
    if not isinstance(ind, int) or ind <= 0:
        raise RuntimeError(f"linalg.tensorinv: expected a strictly positive integer for 'ind', "
                         f"but got {ind!r}")
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.tensorinv: expected a Tensor, got {type(A).__name__}")
    rows, cols = A.shape[:ind], A.shape[ind:]
    if math.prod(rows) != math.prod(cols):
        raise RuntimeError(f"linalg.tensorinv: expected self to satisfy the requirement "
                           f"prod(self.shape[ind:]) == prod(self.shape[:ind]), but got "
                           f"{math.prod(cols)} != {math.prod(rows)} (shape {tuple(A.shape)}, "
                           f"ind={ind})")
    n = math.prod(rows)
    return inv(A.reshape(n, n)).reshape(*cols, *rows)


def tensorsolve(A: Tensor, B: Tensor, dims: Any = None) -> Tensor:
    """The ``X`` with ``tensordot(A, X, X.ndim) = B``; ``dims`` are dims of ``A`` moved to
    the end first.

    >>> import ember
    >>> ember.linalg.tensorsolve(2 * ember.eye(6).reshape(2, 3, 6), ember.ones(2, 3)).shape
    ember.Size([6])
    """
    op = "linalg.tensorsolve"
    for name, t in (("A", A), ("B", B)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(t).__name__}")
    if dims is not None:
        from ._common import normalize_dim

        dims = [normalize_dim(op, d, A.ndim) for d in dims]
        A = A.movedim(dims, list(range(A.ndim - len(dims), A.ndim)))
    rows = math.prod(B.shape)
    if tuple(A.shape[:B.ndim]) != tuple(B.shape) or math.prod(A.shape[B.ndim:]) != rows:
        raise RuntimeError(f"{op}: expected self to satisfy the requirement "
                           f"prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]) "
                           f"with A.shape[:B.ndim] == B.shape, but got A of shape "
                           f"{tuple(A.shape)} and B of shape {tuple(B.shape)}")
    X = _solve(A.reshape(rows, rows), B.reshape(rows, 1))
    return X.reshape(A.shape[B.ndim:])


__all__ = ["solve_triangular", "tensorinv", "tensorsolve"]
