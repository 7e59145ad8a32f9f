"""More of PyTorch's top-level linear algebra, as compositions of ember's ops (so gradients,
double backward and forward mode come from the ops they are made of): mv, addr, addbmm,
inner, chain_matmul, cross (and ``linalg.cross``), inverse, det and logdet.

>>> import ember
>>> ember.mv(ember.tensor([[1.0, 2.0], [3.0, 4.0]]), ember.tensor([1.0, 1.0])).tolist()
[3.0, 7.0]
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import bind_methods, broadcast_shapes, normalize_dim, promote
from .linalg import _check_operands, _scaled_sum, matmul


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Product of a matrix and a vector (no broadcasting).

    >>> import ember
    >>> ember.mv(ember.ones(2, 3), ember.tensor([1.0, 2.0, 3.0])).tolist()
    [6.0, 6.0]
    """
    _check_operands("mv", input, vec)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"mv: expected a 2-D matrix and a 1-D vector, got shapes "
                           f"{tuple(input.shape)} and {tuple(vec.shape)}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"mv: size mismatch, got matrix {tuple(input.shape)} and vector "
                           f"{tuple(vec.shape)}")
    return matmul(input, vec)


def _check_coefficients(op: str, dtype: _dt.DType, beta: Any, alpha: Any) -> None:
    if dtype.category != _dt.FLOAT and any(isinstance(c, float) for c in (beta, alpha)):
        raise RuntimeError(f"{op}: for integral input tensors ({dtype.name}), beta and alpha "
                           f"must not be floating point numbers, got beta={beta!r}, "
                           f"alpha={alpha!r}")


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``; ``input`` broadcasts and the operands
    are promoted to a common dtype, as in PyTorch (bool uses ``and``/``or``).

    >>> import ember
    >>> ember.addr(ember.zeros(2, 2), ember.tensor([1.0, 2.0]), ember.tensor([1.0, 3.0])).tolist()
    [[1.0, 3.0], [2.0, 6.0]]
    """
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if not isinstance(v, Tensor) or v.ndim != 1:
            got = f"{v.ndim}-D" if isinstance(v, Tensor) else type(v).__name__
            raise RuntimeError(f"addr: expected 1-D argument {name}, but got {got}")
    (input, vec1, vec2), dtype = promote("addr", input, vec1, vec2)
    _check_coefficients("addr", dtype, beta, alpha)
    if dtype is _dt.bool_:
        product = vec1.reshape(-1, 1).logical_and(vec2.reshape(1, -1))
        if not alpha:
            product = product.logical_and(False)
        return product.logical_or(input.expand(*product.shape)) if beta else product
    return _scaled_sum("addr", input, vec1.reshape(-1, 1) * vec2.reshape(1, -1), beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1,
           alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * sum_i(batch1[i] @ batch2[i])``; ``input`` broadcasts.

    The batch sum is folded into the inner dimension: one matrix product of
    ``(n, b*m) @ (b*m, p)`` instead of ``b`` products and a sum.

    >>> import ember
    >>> ember.addbmm(ember.zeros(2, 2), ember.ones(3, 2, 4), ember.ones(3, 4, 2)).tolist()
    [[12.0, 12.0], [12.0, 12.0]]
    """
    _check_operands("addbmm", batch1, batch2)
    for name, t in (("batch1", batch1), ("batch2", batch2)):
        if t.ndim != 3:
            raise RuntimeError(f"addbmm: {name} must be a 3-D tensor, got shape "
                               f"{tuple(t.shape)}")
    b, n, m = batch1.shape
    if batch2.shape[0] != b or batch2.shape[1] != m:
        raise RuntimeError(f"addbmm: expected batch2 of shape ({b}, {m}, *) to multiply "
                           f"batch1 of shape {tuple(batch1.shape)}, got {tuple(batch2.shape)}")
    _check_coefficients("addbmm", batch1.dtype, beta, alpha)
    left = batch1.permute(1, 0, 2).reshape(n, b * m)
    product = matmul(left, batch2.reshape(b * m, batch2.shape[2]))
    return _scaled_sum("addbmm", input, product, beta, alpha)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum of products over the last dims of ``input`` and ``other`` (the dot product for
    vectors); a 0-d operand multiplies the other.

    >>> import ember
    >>> ember.inner(ember.ones(2, 3), ember.ones(4, 3)).shape
    ember.Size([2, 4])
    """
    _check_operands("inner", input, other)
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner: the last dimension must match on both input tensors but "
                           f"got shapes {tuple(input.shape)} and {tuple(other.shape)}")
    from .contract import tensordot

    return tensordot(input, other, dims=([-1], [-1]))


def chain_matmul(*matrices: Tensor) -> Tensor:
    """Product of a chain of 2-D matrices (deprecated in PyTorch for ``linalg.multi_dot``).

    >>> import ember
    >>> ember.chain_matmul(ember.ones(2, 3), ember.ones(3, 4), ember.ones(4, 1)).tolist()
    [[12.0], [12.0]]
    """
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul: expected one or more matrices, got none")
    for i, t in enumerate(matrices):
        if not isinstance(t, Tensor) or t.ndim != 2:
            got = f"{t.ndim}-D" if isinstance(t, Tensor) else type(t).__name__
            raise RuntimeError(f"chain_matmul: matrix {i} must be 2-D, got {got}")
    if len(matrices) == 1:
        return matrices[0].clone()
    from .decomp import multi_dot

    return multi_dot(list(matrices))


# ----------------------------------------------------------------------------- cross
def _cross_along(input: Tensor, other: Tensor, dim: int) -> Tensor:
    # component i is a[i+1] b[i+2] - a[i+2] b[i+1] (indices mod 3): rolls express that
    # without indexing each component
    a1, a2 = input.roll(-1, dim), input.roll(-2, dim)
    b1, b2 = other.roll(-1, dim), other.roll(-2, dim)
    return a1 * b2 - a2 * b1


def _check_cross(op: str, input: Any, other: Any) -> None:
    _check_operands(op, input, other)
    if input.ndim != other.ndim:
        raise RuntimeError(f"{op}: inputs must have the same number of dimensions, got shapes "
                           f"{tuple(input.shape)} and {tuple(other.shape)}")


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """Cross product of 3-vectors along ``dim``; the other dims broadcast.

    >>> import ember
    >>> ember.linalg.cross(ember.tensor([1.0, 0.0, 0.0]), ember.tensor([0.0, 1.0, 0.0])).tolist()
    [0.0, 0.0, 1.0]
    """
    _check_cross("linalg.cross", input, other)
    d = normalize_dim("linalg.cross", dim, input.ndim)
    if input.ndim == 0 or input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3, got shapes "
            f"{tuple(input.shape)} and {tuple(other.shape)}")
    batch = broadcast_shapes("linalg.cross", input.shape, other.shape)
    input, other = input.expand(*batch), other.expand(*batch)
    return _cross_along(input, other, d)


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """Cross product along ``dim``; with ``dim=None`` (deprecated, as in PyTorch) the first
    dim of size 3.

    >>> import ember
    >>> ember.cross(ember.eye(3), ember.ones(3, 3), dim=1).tolist()
    [[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]]
    """
    _check_cross("cross", input, other)
    if dim is None:
        warnings.warn("cross: using it without specifying dim is deprecated; pass dim "
                      "explicitly or use ember.linalg.cross (its default is dim=-1)",
                      UserWarning, stacklevel=2)
        batch = broadcast_shapes("cross", input.shape, other.shape)
        dim = next((i for i, s in enumerate(batch) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in input (shapes "
                               f"{tuple(input.shape)} and {tuple(other.shape)})")
    return linalg_cross(input, other, dim=dim)


# ----------------------------------------------------------------------------- inverse, det
def inverse(input: Tensor) -> Tensor:
    """Inverse of a square matrix (or of each in a batch): ``ember.linalg.inv``.

    >>> import ember
    >>> ember.inverse(ember.tensor([[2.0, 0.0], [0.0, 4.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    from .decomp import inv

    return inv(input)


def det(input: Tensor) -> Tensor:
    """Determinant of a square matrix (or of each in a batch): ``ember.linalg.det``.

    >>> import ember
    >>> round(ember.det(ember.tensor([[1.0, 2.0], [3.0, 4.0]])).item(), 5)
    -2.0
    """
    from .decomp import det as linalg_det

    return linalg_det(input)


def logdet(input: Tensor) -> Tensor:
    """Log of the determinant: NaN where it is negative, -inf where it is 0, as PyTorch's
    (whose gradient is 0 where the value is NaN).

    >>> import ember
    >>> ember.logdet(ember.tensor([[2.0, 0.0], [0.0, 3.0]])).exp().item()
    6.0
    """
    from .decomp import check_float_matrix, slogdet
    from .elementwise import where

    check_float_matrix("logdet", input)
    sign, logabsdet = slogdet(input)
    return where(sign < 0, float("nan"), logabsdet)


bind_methods(mv=mv, addr=addr, addbmm=addbmm, inner=inner, cross=cross, inverse=inverse,
             det=det, logdet=logdet)

__all__ = ["mv", "addr", "addbmm", "inner", "chain_matmul", "cross", "inverse", "det",
           "logdet"]
