"""PyTorch's top-level linear-algebra functions and Tensor methods that front ``ember.linalg``
(``matrix_power``, ``matrix_exp``, ``cholesky``, ``qr``, ``svd``, ``slogdet``, ``pinverse``,
the Cholesky, triangular and LU solves, ``lu`` and ``lu_unpack``), and the in-place
``addmv_``, ``addr_``, ``addbmm_``, ``baddbmm_``. The legacy forms keep their old
conventions: ``svd`` returns ``V`` (not ``Vh``) and ``some=True`` means the reduced
factorization.

>>> import ember
>>> ember.matrix_power(ember.tensor([[1.0, 1.0], [0.0, 1.0]]), 2).tolist()
[[1.0, 2.0], [0.0, 1.0]]
"""

from __future__ import annotations

from typing import NamedTuple

from ..tensor import Tensor
from . import decomp as _la
from ._common import bind_methods
from .decomp_lu import lu_unpack
from .decomp_solve import cholesky_inverse, cholesky_solve, triangular_solve
from .inplace import make_inplace
from .linalg import addmv, baddbmm
from .linalg_more import addbmm, addr


def matrix_power(input: Tensor, n: int) -> Tensor:
    """``ember.linalg.matrix_power``: ``input`` to the integer power ``n``.

    >>> import ember
    >>> ember.matrix_power(2 * ember.eye(2), -1).tolist()
    [[0.5, 0.0], [0.0, 0.5]]
    """
    return _la.matrix_power(input, n)


def matrix_exp(A: Tensor) -> Tensor:
    """``ember.linalg.matrix_exp``: the matrix exponential.

    >>> import ember
    >>> ember.matrix_exp(ember.zeros(1, 1)).item()
    1.0
    """
    return _la.matrix_exp(A)


def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """Legacy ``torch.cholesky``: ``ember.linalg.cholesky`` with ``upper`` positional.

    >>> import ember
    >>> ember.cholesky(ember.tensor([[4.0, 2.0], [2.0, 2.0]]), True).tolist()
    [[2.0, 1.0], [0.0, 1.0]]
    """
    return _la.cholesky(input, upper=upper)


class QRResult(NamedTuple):
    Q: Tensor
    R: Tensor


def qr(input: Tensor, some: bool = True) -> QRResult:
    """Legacy ``torch.qr``: the reduced QR factorization, or the complete one with
    ``some=False``.

    >>> import ember
    >>> ember.qr(ember.ones(3, 2), some=False).Q.shape
    ember.Size([3, 3])
    """
    return QRResult(*_la.qr(input, mode="reduced" if some else "complete"))


class SVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    V: Tensor


def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> SVDResult:
    """Legacy ``torch.svd``: ``input = U diag(S) V^T`` (note ``V``, not ``Vh``); reduced
    with ``some=True``. With ``compute_uv=False``, ``U`` and ``V`` are square zero
    matrices.

    >>> import ember
    >>> U, S, V = ember.svd(ember.tensor([[3.0, 0.0], [0.0, -2.0]]))
    >>> S.tolist()
    [3.0, 2.0]
    """
    if not compute_uv:  # PyTorch's zero U and V are full-size whatever ``some`` says
        from .creation import zeros

        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        return SVDResult(zeros(*batch, m, m, dtype=input.dtype), _la.svdvals(input),
                         zeros(*batch, n, n, dtype=input.dtype))
    U, S, Vh = _la.svd(input, full_matrices=not some)
    return SVDResult(U, S, Vh.mT)


def slogdet(input: Tensor) -> _la.SlogdetResult:
    """``ember.linalg.slogdet``: ``(sign, logabsdet)`` of the determinant.

    >>> import ember
    >>> ember.slogdet(ember.tensor([[-3.0]])).sign.item()
    -1.0
    """
    return _la.slogdet(input)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """``ember.linalg.pinv`` with a relative cutoff ``rcond``.

    >>> import ember
    >>> ember.pinverse(ember.tensor([[2.0, 0.0], [0.0, 0.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.0]]
    """
    return _la.pinv(input, rtol=rcond)


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False) -> tuple:
    """Legacy ``torch.lu``: ``(LU, pivots)`` as ``linalg.lu_factor`` but without raising on
    a singular matrix; ``(LU, pivots, info)`` with ``get_infos``.

    >>> import ember
    >>> LU, pivots = ember.tensor([[0.0, 0.0], [1.0, 0.0]]).lu()
    >>> LU.tolist(), pivots.tolist()
    ([[1.0, 0.0], [0.0, 0.0]], [2, 2])
    """
    result = _la.lu_factor_ex(A, pivot=pivot)
    return result if get_infos else (result.LU, result.pivots)


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """Legacy ``torch.lu_solve``: ``linalg.lu_solve(LU_data, LU_pivots, b)``.

    >>> import ember
    >>> LU, pivots = ember.linalg.lu_factor(ember.tensor([[2.0, 0.0], [0.0, 4.0]]))
    >>> ember.lu_solve(ember.tensor([[2.0], [2.0]]), LU, pivots).tolist()
    [[1.0], [0.5]]
    """
    return _la.lu_solve(LU_data, LU_pivots, b)


addmv_ = make_inplace("addmv_", addmv)

bind_methods(
    matrix_power=matrix_power, matrix_exp=matrix_exp, cholesky=cholesky, qr=qr, svd=svd,
    slogdet=slogdet, pinverse=pinverse, cholesky_solve=cholesky_solve,
    cholesky_inverse=cholesky_inverse, triangular_solve=triangular_solve, lu=lu,
    lu_solve=lu_solve, addmv_=addmv_,
    addr_=make_inplace("addr_", addr), addbmm_=make_inplace("addbmm_", addbmm),
    baddbmm_=make_inplace("baddbmm_", baddbmm),
)


__all__ = ["matrix_power", "matrix_exp", "cholesky", "qr", "svd", "slogdet", "pinverse",
           "cholesky_solve", "cholesky_inverse", "triangular_solve", "lu", "lu_solve",
           "lu_unpack", "addmv_"]
