"""Factorizations for ``ember.linalg``: qr, svd, svdvals, eigh, and pinv/lstsq built on svd.

The backward rules follow PyTorch's (``linalg_qr_backward``, ``svd_backward``,
``linalg_eig_backward``); they need full-rank inputs and, for svd/eigh, distinct singular
values/eigenvalues (otherwise the gradient is not defined).

>>> import ember
>>> ember.linalg.svdvals(ember.tensor([[3.0, 0.0], [0.0, -4.0]])).tolist()
[4.0, 3.0]
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..backends import backend_of
from ..tensor import Tensor, _make
from .decomp import _solve, check_float_matrix, eye_like, linalg_call
from .linalg import matmul
from .registry import defop


def _tril_mask(X: Tensor, k: int = 0) -> Tensor:
    n = X.shape[-1]
    xp = backend_of(X._data).xp
    return _make(xp.tril(xp.ones((n, n), dtype=X._data.dtype), k))


# ----------------------------------------------------------------------------- qr
class QRResult(NamedTuple):
    Q: Tensor
    R: Tensor


@defop("linalg_qr")
def _qr(ctx, A, *, mode):
    Q, R = linalg_call("linalg.qr", ctx.xp.linalg.qr, A, mode=mode)
    ctx.arrays = (Q, R)
    return Q, R


@_qr.def_backward
def _(ctx, gQ, gR, *, mode):
    # A = QR with m >= n:  gA = (gQ + Q copyltu(M)) R^{-T},  M = R gR^T - gQ^T Q,
    # copyltu(M) the symmetric matrix with M's lower triangle.
    m, n = ctx.in_shapes[0][-2:]
    if m < n or (mode == "complete" and m != n):
        raise RuntimeError(
            f"linalg.qr: the derivative is implemented for inputs with m >= n in mode "
            f"'reduced' (or square in 'complete'), got shape {ctx.in_shapes[0]} and mode "
            f"'{mode}'")
    Q, R = _outputs(ctx)
    M = matmul(R, gR.mT) - matmul(gQ.mT, Q)
    lower = M * _tril_mask(M)
    sym = lower + (M * _tril_mask(M, -1)).mT
    b = gQ + matmul(Q, sym)
    return (_solve(R, b.mT).mT,)  # b R^{-T}


def _outputs(ctx) -> tuple:
    """The node's outputs as graph-connected tensors (so create_graph differentiates them)."""
    outs = []
    for index, array in enumerate(ctx.arrays):
        t = _make(array, requires_grad=True)
        t.grad_fn, t._out_index = ctx, index
        outs.append(t)
    return tuple(outs)


def qr(A: Tensor, mode: str = "reduced") -> QRResult:
    """QR decomposition ``A = Q R``; ``mode`` is 'reduced', 'complete' or 'r' (R only; Q is
    then empty, as in PyTorch).

    >>> import ember
    >>> Q, R = ember.linalg.qr(ember.tensor([[3.0, 1.0], [4.0, 2.0]]))
    >>> [round(abs(v), 4) for v in R.reshape(-1).tolist()]
    [5.0, 2.2, 0.0, 0.4]
    >>> [[round(v, 4) for v in row] for row in (Q @ R).tolist()]
    [[3.0, 1.0], [4.0, 2.0]]
    """
    check_float_matrix("linalg.qr", A, square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"linalg.qr: qr received unrecognized mode '{mode}' but expected "
                           "one of 'reduced' (default), 'r', or 'complete'")
    if mode == "r":
        from ..autograd.grad_mode import no_grad

        with no_grad():  # PyTorch: no derivative without Q
            _, R = _qr(A, mode="reduced")
        return QRResult(_make(backend_of(A._data).xp.zeros((0,), dtype=A._data.dtype)), R)
    return QRResult(*_qr(A, mode=mode))


# ----------------------------------------------------------------------------- svd
class SVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    Vh: Tensor


@defop("linalg_svd")
def _svd(ctx, A, *, full_matrices):
    U, S, Vh = linalg_call("linalg.svd", ctx.xp.linalg.svd, A, full_matrices=full_matrices)
    ctx.arrays = (U, S, Vh)
    return U, S, Vh


def _off_diagonal_ratio(X: Tensor, E: Tensor) -> Tensor:
    """``X / E`` off the diagonal and 0 on it (E's diagonal is 0 or meaningless)."""
    eye = eye_like(X, X.shape[-1])
    return X / (E + eye) * (1 - eye)


@_svd.def_backward
def _(ctx, gU, gS, gVh, *, full_matrices):
    m, n = ctx.in_shapes[0][-2:]
    k = min(m, n)
    U, S, Vh = _outputs(ctx)
    if full_matrices:  # only the first k singular vectors are determined by A
        U, gU = U.narrow(-1, 0, k), gU.narrow(-1, 0, k)
        Vh, gVh = Vh.narrow(-2, 0, k), gVh.narrow(-2, 0, k)
    V, gV = Vh.mT, gVh.mT
    UtgU = matmul(U.mT, gU)
    VtgV = matmul(Vh, gV)
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1)  # E[j, l] = S_l^2 - S_j^2
    inner = _off_diagonal_ratio((UtgU - UtgU.mT) * S.unsqueeze(-2)
                                + S.unsqueeze(-1) * (VtgV - VtgV.mT), E)
    inner = inner + gS.diag_embed()
    if m > n:  # the part of gU outside span(U)
        gUSinv = gU / S.unsqueeze(-2)
        gA = matmul(U, inner) + gUSinv - matmul(U, matmul(U.mT, gUSinv))
        return (matmul(gA, Vh),)
    if m < n:  # the part of gV outside span(V)
        SinvgVh = gV.mT / S.unsqueeze(-1)
        gA = matmul(inner, Vh) + SinvgVh - matmul(matmul(SinvgVh, V), Vh)
        return (matmul(U, gA),)
    return (matmul(U, matmul(inner, Vh)),)


def svd(A: Tensor, full_matrices: bool = True) -> SVDResult:
    """Singular value decomposition ``A = U diag(S) Vh``, singular values descending.

    >>> import ember
    >>> U, S, Vh = ember.linalg.svd(ember.ones(3, 2), full_matrices=False)
    >>> U.shape, [round(s, 4) for s in S.tolist()], Vh.shape
    (ember.Size([3, 2]), [2.4495, 0.0], ember.Size([2, 2]))
    """
    check_float_matrix("linalg.svd", A, square=False)
    return SVDResult(*_svd(A, full_matrices=bool(full_matrices)))


def svdvals(A: Tensor) -> Tensor:
    """The singular values of ``A``, descending (differentiable through the svd)."""
    check_float_matrix("linalg.svdvals", A, square=False)
    return _svd(A, full_matrices=False)[1]


# ----------------------------------------------------------------------------- eigh
class EighResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


@defop("linalg_eigh")
def _eigh(ctx, A, *, UPLO):
    L, V = linalg_call("linalg.eigh", ctx.xp.linalg.eigh, A, UPLO=UPLO)
    ctx.arrays = (L, V)
    return L, V


@_eigh.def_backward
def _(ctx, gL, gV, *, UPLO):
    # gA = V (diag(gL) + (V^T gV) / E) V^T with E[i, j] = L_j - L_i off the diagonal.
    L, V = _outputs(ctx)
    E = L.unsqueeze(-2) - L.unsqueeze(-1)
    inner = _off_diagonal_ratio(matmul(V.mT, gV), E) + gL.diag_embed()
    return (matmul(V, matmul(inner, V.mT)),)


def eigh(A: Tensor, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, read from its lower
    (``UPLO='L'``) or upper (``'U'``) triangle.

    >>> import ember
    >>> ember.linalg.eigh(ember.tensor([[2.0, 1.0], [1.0, 2.0]])).eigenvalues.tolist()
    [1.0, 3.0]
    """
    check_float_matrix("linalg.eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"linalg.eigh: expected UPLO to be 'L' or 'U', got {UPLO!r}")
    return EighResult(*_eigh(A, UPLO=UPLO))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """Eigenvalues (ascending) of a symmetric matrix."""
    return eigh(A, UPLO).eigenvalues


# ----------------------------------------------------------------------------- pinv, lstsq
def pinv(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """Moore-Penrose pseudo-inverse through the SVD; singular values at or below
    ``max(atol, rtol * max(S))`` are treated as zero (default rtol: ``max(m, n) * eps``).

    >>> import ember
    >>> ember.linalg.pinv(ember.tensor([[2.0, 0.0], [0.0, 0.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.0]]
    """
    check_float_matrix("linalg.pinv", A, square=False)
    U, S, Vh = svd(A, full_matrices=False)
    xp = backend_of(A._data).xp
    s = S._data
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else \
            max(A.shape[-2:]) * float(xp.finfo(s.dtype).eps)
    smax = s.max(axis=-1, keepdims=True) if s.shape[-1] else s
    cutoff = xp.maximum(atol or 0.0, rtol * smax)
    keep = _make((s > cutoff).astype(s.dtype))  # a constant: the rank decision
    S_inv = keep / (S + (1 - keep))
    return matmul(Vh.mT * S_inv.unsqueeze(-2), U.mT)


class LstsqResult(NamedTuple):
    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *,
          driver: str | None = None) -> LstsqResult:
    """Least-squares solution of ``A X = B`` (minimum norm), via the pseudo-inverse.

    The other fields follow ``torch.linalg.lstsq`` on CPU: ``rank`` unless driver is
    'gels'; ``residuals`` (squared residual norm of each column) and ``singular_values``
    only for drivers 'gelsd' and 'gelss', residuals only when m > n and A has full rank;
    otherwise they are empty.

    >>> import ember
    >>> A = ember.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> ember.linalg.lstsq(A, ember.tensor([[1.0], [2.0], [3.0]])).solution.tolist()
    [[1.0], [2.0]]
    """
    check_float_matrix("linalg.lstsq", A, square=False)
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"linalg.lstsq: parameter `driver` should be one of (gels, gelsy, "
                           f"gelsd, gelss), got {driver!r}")
    if not isinstance(B, Tensor) or B.dtype != A.dtype:
        raise RuntimeError(f"linalg.lstsq: expected B to be a tensor of dtype {A.dtype.name}, "
                           f"got {getattr(B, 'dtype', type(B).__name__)}")
    vector = B.ndim == A.ndim - 1
    Bm = B.unsqueeze(-1) if vector else B
    m, n = A.shape[-2:]
    if Bm.ndim < 2 or Bm.shape[-2] != m:
        raise RuntimeError(f"linalg.lstsq: A and B must have the same number of rows, got "
                           f"shapes {tuple(A.shape)} and {tuple(B.shape)}")
    eps = float(backend_of(A._data).xp.finfo(A._data.dtype).eps)
    rtol = max(m, n) * eps if rcond is None else rcond
    X = matmul(pinv(A, rtol=rtol), Bm)
    xp = backend_of(A._data).xp
    s = svdvals(A.detach())._data
    smax = s.max(axis=-1, keepdims=True) if s.shape[-1] else s
    rank_arr = (s > rtol * smax).sum(axis=-1)
    empty = _make(xp.zeros((0,), dtype=A._data.dtype))
    svd_driver = driver in ("gelsd", "gelss")
    residuals = empty
    if svd_driver and m > n and bool((rank_arr == n).all()):
        residuals = ((matmul(A, X) - Bm) ** 2).sum(dim=-2)
    rank = empty if driver == "gels" else _make(xp.asarray(rank_arr, dtype=xp.int64))
    singular_values = svdvals(A) if svd_driver else empty
    solution = X.squeeze(-1) if vector else X
    return LstsqResult(solution, residuals, rank, singular_values)


__all__ = ["qr", "svd", "svdvals", "eigh", "eigvalsh", "pinv", "lstsq", "QRResult",
           "SVDResult", "EighResult", "LstsqResult"]
