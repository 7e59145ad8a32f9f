"""``ember.linalg``: inverse, solve, determinants, Cholesky, matrix powers; norms and the
factorizations (QR, SVD, eigh, pinv, lstsq) live in ``decomp_norm.py`` / ``decomp_factor.py``.

Forward passes call ``ctx.xp.linalg`` (shared by NumPy and CuPy); gradients are the standard
adjoint formulas written in ember ops, so they can be differentiated again.

>>> import ember
>>> A = ember.tensor([[2.0, 0.0], [0.0, 4.0]])
>>> ember.linalg.inv(A).tolist()
[[0.5, 0.0], [0.0, 0.25]]
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..backends import backend_of
from ..tensor import Tensor, _make
from .linalg import matmul
from .registry import defop


# ----------------------------------------------------------------------------- helpers
def check_float_matrix(op: str, A: Any, square: bool = True) -> None:
    """PyTorch's checks: a tensor of (batches of) matrices, floating point, square if asked."""
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError(f"{op}: the input tensor A must have at least 2 dimensions, got "
                           f"shape {tuple(A.shape)}")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    if A.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"{op}: expected a floating point tensor as input, got "
                           f"{A.dtype.name}")


class LinAlgError(RuntimeError):
    """Raised by the factorizations and solves for singular or non-positive-definite input,
    as ``torch.linalg.LinAlgError`` (a ``RuntimeError``, so ``except RuntimeError`` works).

    >>> import ember
    >>> try:
    ...     ember.linalg.inv(ember.zeros(2, 2))
    ... except ember.linalg.LinAlgError as e:
    ...     print(type(e).__name__)
    LinAlgError
    """


def linalg_call(op: str, fn, *arrays, **kwargs):
    """Run a backend linalg routine; its failures become LinAlgErrors naming the op."""
    try:
        return fn(*arrays, **kwargs)
    except Exception as exc:  # NumPy's LinAlgError, CuPy's, ...
        if type(exc).__name__ != "LinAlgError":
            raise
        shapes = ", ".join(str(tuple(a.shape)) for a in arrays)
        raise LinAlgError(f"{op}: {exc} (input shapes {shapes})") from None


def unsq2(t: Tensor) -> Tensor:
    """Append two size-1 dims: a batch of scalars scaling a batch of matrices."""
    return t.reshape(tuple(t.shape) + (1, 1))


def eye_like(like: Tensor, n: int) -> Tensor:
    """An n x n identity (a constant) with ``like``'s dtype and device."""
    return _make(backend_of(like._data).xp.eye(n, dtype=like._data.dtype))


# ----------------------------------------------------------------------------- inv
@defop("linalg_inv", save_output=True)
def _inv(ctx, A):
    return linalg_call("linalg.inv", ctx.xp.linalg.inv, A)


@_inv.def_backward
def _(ctx, g):
    Ainv_t = ctx.output.mT
    return (-matmul(Ainv_t, matmul(g, Ainv_t)),)


@_inv.def_jvp
def _(ctx, tangents):
    Ainv = ctx.output
    return -matmul(Ainv, matmul(tangents[0], Ainv))


def inv(A: Tensor) -> Tensor:
    """Inverse of a square matrix (or of each matrix in a batch).

    >>> import ember
    >>> ember.linalg.inv(ember.tensor([[0.0, 2.0], [1.0, 0.0]])).tolist()
    [[0.0, 1.0], [0.5, 0.0]]
    """
    check_float_matrix("linalg.inv", A)
    return _inv(A)


# ----------------------------------------------------------------------------- solve
@defop("linalg_solve", save=(0,), save_output=True)
def _solve(ctx, A, B):
    return linalg_call("linalg.solve", ctx.xp.linalg.solve, A, B)


@_solve.def_backward
def _(ctx, g):
    (A,) = ctx.saved
    gB = _solve(A.mT, g)  # A^{-T} g
    gA = -matmul(gB, ctx.output.mT) if ctx.needs_input_grad[0] else None
    return gA, gB


@_solve.def_jvp
def _(ctx, tangents):
    (A, _), (tA, tB) = ctx.inputs, tangents
    rhs = tB
    if tA is not None:
        rhs = -matmul(tA, ctx.output) if rhs is None else rhs - matmul(tA, ctx.output)
    return _solve(A, rhs)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """Solve ``A X = B`` (or ``X A = B`` with ``left=False``), with batch broadcasting.

    ``B`` is a batch of vectors when it is 1-D or has the shape of ``A`` without its last dim.

    >>> import ember
    >>> A = ember.tensor([[2.0, 0.0], [0.0, 4.0]])
    >>> ember.linalg.solve(A, ember.tensor([1.0, 1.0])).tolist()
    [0.5, 0.25]
    """
    check_float_matrix("linalg.solve", A)
    if not isinstance(B, Tensor) or B.dtype != A.dtype:
        raise RuntimeError(f"linalg.solve: expected B to be a tensor of dtype {A.dtype.name}, "
                           f"got {getattr(B, 'dtype', type(B).__name__)}")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    if not left:
        if vector:
            raise RuntimeError("linalg.solve: vector B is not supported with left=False")
        return solve(A.mT, B.mT).mT
    Bm = B.reshape(tuple(B.shape) + (1,)) if vector else B
    n = A.shape[-1]
    if Bm.ndim < 2 or Bm.shape[-2] != n:
        raise RuntimeError(
            f"linalg.solve: incompatible shapes of A and B for the equation AX = B: A is "
            f"{tuple(A.shape)}, B is {tuple(B.shape)}")
    from ._common import broadcast_shapes

    batch = broadcast_shapes("linalg.solve", A.shape[:-2], Bm.shape[:-2])
    # Equal batch dims for every backend; expand is a view whose backward sums the batch.
    A = A.expand(*batch, n, n)
    Bm = Bm.expand(*batch, *Bm.shape[-2:])
    X = _solve(A, Bm)
    return X.reshape(X.shape[:-1]) if vector else X


# ----------------------------------------------------------------------------- cholesky
@defop("linalg_cholesky", save_output=True)
def _cholesky(ctx, A):
    return linalg_call("linalg.cholesky", ctx.xp.linalg.cholesky, A)


def _phi(X: Tensor) -> Tensor:
    """Lower triangle of X with its diagonal halved (a constant mask keeps it linear)."""
    n = X.shape[-1]
    xp = backend_of(X._data).xp
    mask = xp.tril(xp.ones((n, n), dtype=X._data.dtype)) - 0.5 * xp.eye(n, dtype=X._data.dtype)
    return X * _make(mask)


@_cholesky.def_backward
def _(ctx, g):
    # gA = sym(L^{-T} Phi(L^T gL) L^{-1})  (Murray 2016; PyTorch's cholesky_backward)
    L = ctx.output
    P = _phi(matmul(L.mT, g))
    X = _solve(L.mT, P)  # L^{-T} P
    S = _solve(L.mT, X.mT).mT  # X L^{-1}
    return ((S + S.mT) * 0.5,)


@_cholesky.def_jvp
def _(ctx, tangents):
    L = ctx.output
    Linv_tA = _solve(L, tangents[0])  # L^{-1} dA
    return matmul(L, _phi(_solve(L, Linv_tA.mT).mT))  # L Phi(L^{-1} dA L^{-T})


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """Cholesky factor of a symmetric positive-definite matrix: lower ``L`` with
    ``A = L L^T`` (or upper ``U = L^T`` with ``upper=True``).

    >>> import ember
    >>> ember.linalg.cholesky(ember.tensor([[4.0, 2.0], [2.0, 2.0]])).tolist()
    [[2.0, 0.0], [1.0, 1.0]]
    """
    check_float_matrix("linalg.cholesky", A)
    L = _cholesky(A)
    return L.mT if upper else L


# ----------------------------------------------------------------------------- products
def matrix_power(A: Tensor, n: int) -> Tensor:
    """``A`` multiplied by itself ``n`` times (the identity for 0, powers of the inverse for
    negative ``n``), by repeated squaring.

    >>> import ember
    >>> ember.linalg.matrix_power(ember.tensor([[1.0, 1.0], [0.0, 1.0]]), 3).tolist()
    [[1.0, 3.0], [0.0, 1.0]]
    """
    if not isinstance(A, Tensor) or A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: expected a tensor of square matrices, got "
                           f"{_shape_of(A)}")
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {type(n).__name__}")
    if n == 0:
        return eye_like(A, A.shape[-1]).expand(*A.shape) * 1
    if n < 0:
        A, n = inv(A), -n
    result, base = None, A
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result if result is not A else result * 1


def _shape_of(x: Any) -> str:
    return f"shape {tuple(x.shape)}" if isinstance(x, Tensor) else type(x).__name__


def multi_dot(tensors: list[Tensor]) -> Tensor:
    """Product of a chain of matrices; the first may be a row vector and the last a column
    vector (1-D), as in ``A @ B @ C``.

    >>> import ember
    >>> ember.linalg.multi_dot([ember.ones(3), ember.ones(3, 4), ember.ones(4)]).item()
    12.0
    """
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"linalg.multi_dot: expected at least 2 tensors, got {len(tensors)}")
    for i, t in enumerate(tensors):
        allowed = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if not isinstance(t, Tensor) or t.ndim not in allowed:
            where = "the first and last" if i in (0, len(tensors) - 1) else "the middle"
            raise RuntimeError(f"linalg.multi_dot: tensor {i} must be "
                               f"{' or '.join(f'{d}-D' for d in allowed)} ({where} tensors), "
                               f"got {_shape_of(t)}")
    out = tensors[0]
    for t in tensors[1:]:
        out = matmul(out, t)
    return out


from .decomp_det import *  # noqa: E402,F403
from .decomp_det import __all__ as _det_all  # noqa: E402
from .decomp_ex import *  # noqa: E402,F403
from .decomp_ex import __all__ as _ex_all  # noqa: E402
from .decomp_factor import *  # noqa: E402,F403
from .decomp_factor import __all__ as _factor_all  # noqa: E402
from .decomp_lu import *  # noqa: E402,F403
from .decomp_lu import __all__ as _lu_all  # noqa: E402
from .decomp_more import *  # noqa: E402,F403
from .decomp_more import __all__ as _more_all  # noqa: E402
from .decomp_norm import *  # noqa: E402,F403
from .decomp_norm import __all__ as _norm_all  # noqa: E402
from .decomp_solve import *  # noqa: E402,F403
from .decomp_solve import __all__ as _solve_all  # noqa: E402

__all__ = ["inv", "solve", "cholesky", "matrix_power", "multi_dot", "LinAlgError",
           *_det_all, *_ex_all, *_factor_all, *_lu_all, *_more_all, *_norm_all, *_solve_all]
