"""``ember.linalg.det`` and ``slogdet``, with gradients that stay finite on singular input.

The derivative of ``det(A)`` is the cofactor matrix ``C = det(A) A^{-T}``. Through the
inverse it only exists for invertible ``A``; for (nearly) singular matrices it is computed,
as PyTorch does, from the SVD ``A = U diag(S) Vh``:
``C = det(U) det(Vh) U diag(prod_{j != i} S_j) Vh``, which needs no division. In a batch
each matrix takes its own path.

>>> import ember
>>> A = ember.tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
>>> ember.linalg.det(A).backward()
>>> A.grad.tolist()
[[4.0, -2.0], [-2.0, 1.0]]
"""

from __future__ import annotations

from typing import NamedTuple

from ..backends import backend_of
from ..tensor import Tensor, _make
from .decomp import check_float_matrix, eye_like, inv, linalg_call, unsq2
from .linalg import matmul
from .registry import defop


def _det_singular(A: Tensor, det: Tensor):
    """Which matrices take the SVD path: ``|det| < eps * ||A||_2``, PyTorch's cutoff, or
    ``det == 0`` (the cutoff alone misses the zero matrix, where both sides are 0): an
    array of the batch shape."""
    xp = backend_of(A._data).xp
    a = A._data
    eps = xp.finfo(a.dtype).eps
    if a.shape[-1] == 0:
        return xp.zeros(a.shape[:-2], dtype=bool)
    norm2 = xp.linalg.norm(a, ord=2, axis=(-2, -1)) if a.size else xp.zeros(a.shape[:-2])
    return (xp.abs(det._data) < eps * norm2) | (det._data == 0)


def _cofactor_svd(A: Tensor) -> Tensor:
    from .decomp_factor import _svd

    U, S, Vh = _svd(A, full_matrices=False)
    xp = backend_of(A._data).xp
    # det(U) det(Vh) is +-1 and locally constant (its derivative, tr(U^T dU), is 0)
    sign = xp.sign(xp.linalg.det(U._data) * xp.linalg.det(Vh._data))
    eye = eye_like(A, A.shape[-1])
    others = (S.unsqueeze(-2) * (1 - eye) + eye).prod(-1)  # row i: prod of S_j, j != i
    return matmul(U * (others * _make(sign[..., None])).unsqueeze(-2), Vh)


def _cofactor(A: Tensor, det: Tensor, singular, *, divide: bool = False) -> Tensor:
    """The cofactor matrix of ``A`` (``det(A) A^{-T}``), or with ``divide`` ``A^{-T}``, in
    ember ops (differentiable again); ``singular`` marks the matrices that take the SVD
    path. Each path sees a harmless constant in place of the other path's matrices, so
    neither produces NaNs that the other's gradient would pick up."""
    scale = unsq2(det)
    if not bool(singular.any()):
        inv_t = inv(A).mT
        return inv_t if divide else scale * inv_t
    if bool(singular.all()):
        C = _cofactor_svd(A)
        return C / scale if divide else C
    from .elementwise import where

    n = A.shape[-1]
    xp = backend_of(A._data).xp
    mask = _make(singular[..., None, None])
    ramp = _make(xp.diag(xp.arange(1, n + 1)).astype(A._data.dtype))  # distinct S: no NaN
    C = _cofactor_svd(where(mask, A, ramp))
    inv_t = inv(where(mask, eye_like(A, n), A)).mT
    if divide:
        return where(mask, C / scale, inv_t)
    return where(mask, C, scale * inv_t)


# ----------------------------------------------------------------------------- det
@defop("linalg_det", save=(0,), save_output=True)
def _det(ctx, A):
    return linalg_call("linalg.det", ctx.xp.linalg.det, A)


@_det.def_backward
def _(ctx, g):
    (A,) = ctx.saved
    det = ctx.output
    return (unsq2(g) * _cofactor(A, det, _det_singular(A, det)),)


@_det.def_jvp
def _(ctx, tangents):
    (A,), (tA,) = ctx.inputs, tangents
    det = ctx.output
    return (_cofactor(A, det, _det_singular(A, det)) * tA).sum(dim=(-2, -1))


def det(A: Tensor) -> Tensor:
    """Determinant of a square matrix (or of each in a batch).

    >>> import ember
    >>> round(ember.linalg.det(ember.tensor([[1.0, 2.0], [3.0, 4.0]])).item(), 6)
    -2.0
    """
    check_float_matrix("linalg.det", A)
    return _det(A)


# ----------------------------------------------------------------------------- slogdet
class SlogdetResult(NamedTuple):
    sign: Tensor
    logabsdet: Tensor


# The sign is a differentiable output with a zero gradient, as in PyTorch (it is piecewise
# constant), so code that mixes it into a loss keeps working. The gradient of logabsdet is
# A^{-T}: infinite for a singular A, where PyTorch's is not finite either.
@defop("linalg_slogdet", save=(0,))
def _slogdet(ctx, A):
    sign, logabs = linalg_call("linalg.slogdet", ctx.xp.linalg.slogdet, A)
    return sign, logabs


def _inv_t(A: Tensor) -> Tensor:
    """``A^{-T}``; matrices with a zero determinant get ``cofactor / 0`` (+-inf or NaN)."""
    xp = backend_of(A._data).xp
    d = _det(A)
    return _cofactor(A, d, d._data == 0 if A.shape[-1] else xp.zeros(A.shape[:-2], dtype=bool),
                     divide=True)


@_slogdet.def_backward
def _(ctx, g_sign, g_logabs):
    (A,) = ctx.saved
    return (unsq2(g_logabs) * _inv_t(A),)


@_slogdet.def_jvp
def _(ctx, tangents):
    (A,), (tA,) = ctx.inputs, tangents
    return None, (_inv_t(A) * tA).sum(dim=(-2, -1))


def slogdet(A: Tensor) -> SlogdetResult:
    """Sign and log of the absolute value of the determinant, as ``(sign, logabsdet)``.

    >>> import ember
    >>> ember.linalg.slogdet(ember.tensor([[-2.0, 0.0], [0.0, 1.0]])).sign.item()
    -1.0
    """
    check_float_matrix("linalg.slogdet", A)
    return SlogdetResult(*_slogdet(A))


__all__ = ["det", "slogdet", "SlogdetResult"]
