"""Matrix products: matmul (and ``@``), mm, bmm, dot, vdot, outer, addmm, baddbmm, addmv.

``matmul`` is the one primitive of the family: the others check their operands like PyTorch
and call it, so they share its forward (one ``xp.matmul``), backward and forward-mode rule.
Einsum, tensordot and kron live in ``ops/contract.py``.

>>> import ember
>>> a = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
>>> (a @ ember.tensor([1.0, 1.0])).tolist()
[3.0, 7.0]
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..backends import matmul as _matmul_arrays  # the backend picks its fastest GEMM
from ..tensor import Tensor
from ._common import bind_methods
from .registry import defop, fast_binary


# ----------------------------------------------------------------------------- primitive
@defop("matmul", save=(0, 1), save_read_by={0: (1,), 1: (0,)})
def _matmul(ctx, a, b):
    out = _matmul_arrays(a, b)
    if out.dtype != a.dtype:  # NumPy computes bfloat16 products in float32
        out = out.astype(a.dtype)
    return out


def _as_matrix(t: Tensor, vector_shape: tuple[int, int]) -> Tensor:
    """A 1-D operand as the matrix matmul treats it: (1, k) on the left, (k, 1) on the right."""
    return t.reshape(vector_shape) if t.ndim == 1 else t


def _reduce_to(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum the broadcast batch dims of a matrix gradient ``g`` down to ``shape``."""
    if g.shape == shape:
        return g
    from .elementwise import unbroadcast

    return unbroadcast(g, shape)


def _transposed(t: Tensor) -> bool:
    """Whether ``t`` is a matrix laid out column-major (typically ``weight.t()``)."""
    flags = getattr(t._data, "flags", None)
    return t.ndim == 2 and flags is not None and flags.f_contiguous and not flags.c_contiguous


def _grad_right(a: Tensor, g: Tensor, b: Tensor) -> Tensor:
    """d(a @ b)/db contracted with g: ``a^T @ g``, reduced over broadcast batch dims.

    When ``b`` is a single matrix and ``a`` is batched, the batch is folded into the inner
    dimension, so one GEMM does the multiply and the batch sum together. When ``b`` is a
    transposed view (``linear``'s ``weight.t()``), the gradient is computed as
    ``(g^T @ a)^T``, laid out like ``b``: the weight's own gradient then comes out
    row-major, as PyTorch lays out a gradient like its parameter, so optimizer updates run
    over contiguous memory.
    """
    if b.ndim == 2 and a.ndim >= 2:
        a2, g2 = a, g
        if a.ndim > 2:
            a2, g2 = a.reshape(-1, a.shape[-1]), g.reshape(-1, g.shape[-1])
        return matmul(g2.mT, a2).mT if _transposed(b) else matmul(a2.mT, g2)
    return _reduce_to(matmul(a.mT, g), tuple(b.shape))


def _grad_left(g: Tensor, b: Tensor, a: Tensor) -> Tensor:
    """d(a @ b)/da contracted with g: ``g @ b^T``, reduced over broadcast batch dims (laid
    out like ``a`` when ``a`` is a transposed matrix)."""
    if _transposed(a) and g.ndim == 2:
        return matmul(b, g.mT).mT
    return _reduce_to(matmul(g, b.mT), tuple(a.shape))


@_matmul.def_backward
def _(ctx, g):
    a, b = ctx.saved
    need_a, need_b = ctx.needs_input_grad
    if a.ndim == 2 and b.ndim == 2:  # the common case, without the general case's reshapes
        ga = gb = None
        if need_a:
            ga = matmul(b, g.mT).mT if _transposed(a) else matmul(g, b.mT)
        if need_b:
            gb = matmul(g.mT, a).mT if _transposed(b) else matmul(a.mT, g)
        return ga, gb
    if a.ndim == 1 and b.ndim == 1:  # dot product: g is 0-d
        return (g * b if need_a else None), (g * a if need_b else None)
    # View 1-D operands (and g) as matrices; every reshape here is a view.
    am, bm = _as_matrix(a, (1, -1)), _as_matrix(b, (-1, 1))
    gm = g
    if a.ndim == 1:
        gm = gm.reshape(gm.shape[:-1] + (1, gm.shape[-1]))
    if b.ndim == 1:
        gm = gm.reshape(gm.shape + (1,))
    ga = _fit(_grad_left(gm, bm, am), a.shape) if need_a else None
    gb = _fit(_grad_right(am, gm, bm), b.shape) if need_b else None
    return ga, gb


def _fit(t: Tensor, shape: tuple[int, ...]) -> Tensor:
    """``t`` in ``shape`` (a view); ``t`` itself when it already has it, the common case."""
    return t if t.shape == shape else t.reshape(shape)


@_matmul.def_jvp
def _(ctx, tangents):
    (a, b), (ta, tb) = ctx.inputs, tangents
    out = None if ta is None else _matmul(ta, b)
    if tb is not None:
        term = _matmul(a, tb)
        out = term if out is None else out + term
    return out


# ----------------------------------------------------------------------------- checks
def _check_operands(op: str, a: Any, b: Any) -> None:
    for x in (a, b):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}: expected Tensor operands, got {type(a).__name__} and "
                            f"{type(b).__name__}")
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{op}: expected both operands to have the same dtype, got {a.dtype.name} "
            f"(shape {tuple(a.shape)}) and {b.dtype.name} (shape {tuple(b.shape)})"
        )
    if a.dtype is _dt.bool_:
        raise RuntimeError(f"{op}: bool operands are not supported (shapes {tuple(a.shape)} "
                           f"and {tuple(b.shape)}); convert them to an integer or float dtype")


def _inner_mismatch(op: str, a: Tensor, b: Tensor) -> RuntimeError:
    k1, k2 = a.shape[-1], b.shape[-2] if b.ndim > 1 else b.shape[0]
    return RuntimeError(
        f"{op}: cannot multiply {tuple(a.shape)} by {tuple(b.shape)}: inner dimensions "
        f"{k1} and {k2} differ"
    )


# ----------------------------------------------------------------------------- public
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with PyTorch's rules for 1-D operands and batch broadcasting.

    A 1-D left operand is a row (its dim is removed from the result), a 1-D right operand
    a column; two 1-D operands give their dot product (0-d).

    >>> import ember
    >>> ember.matmul(ember.ones(5, 2, 3), ember.ones(3, 4)).shape
    ember.Size([5, 2, 4])
    >>> ember.matmul(ember.tensor([1, 2]), ember.tensor([3, 4])).item()
    11
    """
    _check_operands("matmul", input, other)
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need to be at least 1-D, got shapes {tuple(input.shape)} "
            f"({input.ndim}-D) and {tuple(other.shape)} ({other.ndim}-D)"
        )
    if input.shape[-1] != (other.shape[-2] if other.ndim > 1 else other.shape[0]):
        raise _inner_mismatch("matmul", input, other)
    if input.ndim > 2 or other.ndim > 2:
        from ._common import broadcast_shapes

        broadcast_shapes("matmul", input.shape[:-2], other.shape[:-2])
    return _matmul(input, other)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices (no broadcasting).

    >>> import ember
    >>> ember.mm(ember.ones(2, 3), ember.ones(3, 4)).shape
    ember.Size([2, 4])
    """
    _check_operands("mm", input, mat2)
    for name, t in (("input", input), ("mat2", mat2)):
        if t.ndim != 2:
            raise RuntimeError(f"mm: {name} must be a matrix (2-D), got shape {tuple(t.shape)}")
    if input.shape[1] != mat2.shape[0]:
        raise _inner_mismatch("mm", input, mat2)
    return _matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product of 3-D tensors with equal batch sizes (no broadcasting).

    >>> import ember
    >>> ember.bmm(ember.ones(5, 2, 3), ember.ones(5, 3, 4)).shape
    ember.Size([5, 2, 4])
    """
    _check_operands("bmm", input, mat2)
    for name, t in (("input", input), ("mat2", mat2)):
        if t.ndim != 3:
            raise RuntimeError(f"bmm: {name} must be a 3-D tensor, got shape {tuple(t.shape)}")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(
            f"bmm: expected mat2 of shape ({input.shape[0]}, {input.shape[2]}, *) to multiply "
            f"input of shape {tuple(input.shape)}, got {tuple(mat2.shape)}"
        )
    return _matmul(input, mat2)


def _check_vectors(op: str, a: Tensor, b: Tensor) -> None:
    _check_operands(op, a, b)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"{op}: 1-D tensors expected, got shapes {tuple(a.shape)} and "
                           f"{tuple(b.shape)}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"{op}: inconsistent tensor size: expected both tensors to have the "
                           f"same number of elements, got {a.shape[0]} and {b.shape[0]}")


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Dot product of two 1-D tensors (0-d result).

    >>> import ember
    >>> ember.dot(ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0])).item()
    11.0
    """
    _check_vectors("dot", input, tensor)
    return _matmul(input, tensor)


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """Dot product conjugating the first operand (the same as ``dot`` for real tensors)."""
    _check_vectors("vdot", input, other)
    return _matmul(input, other)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two 1-D tensors (with type promotion, like PyTorch).

    >>> import ember
    >>> ember.outer(ember.tensor([1, 2]), ember.tensor([1, 10, 100])).tolist()
    [[1, 10, 100], [2, 20, 200]]
    """
    for t in (input, vec2):
        if not isinstance(t, Tensor) or t.ndim != 1:
            raise RuntimeError(f"outer: 1-D tensors expected, got {_describe(input)} and "
                               f"{_describe(vec2)}")
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


def _describe(x: Any) -> str:
    return f"shape {tuple(x.shape)}" if isinstance(x, Tensor) else type(x).__name__


def _scaled_sum(op: str, input: Tensor, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    """``beta * input + alpha * product``; with beta 0, ``input`` is ignored (NaN included)."""
    from ._common import broadcast_shapes

    if broadcast_shapes(op, input.shape, product.shape) != product.shape:
        raise RuntimeError(f"{op}: input of shape {tuple(input.shape)} can't be broadcast to "
                           f"the product's shape {tuple(product.shape)}")
    if input.dtype != product.dtype:
        raise RuntimeError(f"{op}: expected input to have dtype {product.dtype.name}, got "
                           f"{input.dtype.name}")
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        if input.requires_grad:  # PyTorch gives input a zero gradient, not none
            from ..backends import backend_of
            from ..tensor import _make
            from .elementwise import where

            never = _make(backend_of(product._data).xp.zeros((), dtype=bool))
            return where(never, input, product)
        return product
    return product + (input if beta == 1 else input * beta)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1,
          alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` for matrices; ``input`` broadcasts.

    >>> import ember
    >>> ember.addmm(ember.ones(3), ember.ones(2, 4), ember.ones(4, 3), alpha=2).tolist()
    [[9.0, 9.0, 9.0], [9.0, 9.0, 9.0]]
    """
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1,
            alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``; ``input`` broadcasts."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)`` for a matrix and a vector."""
    _check_operands("addmv", mat, vec)
    if mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"addmv: expected a 2-D matrix and a 1-D vector, got shapes "
                           f"{tuple(mat.shape)} and {tuple(vec.shape)}")
    if mat.shape[1] != vec.shape[0]:
        raise _inner_mismatch("addmv", mat, vec)
    return _scaled_sum("addmv", input, _matmul(mat, vec), beta, alpha)


def _rmatmul(self: Tensor, other: Any) -> Tensor:
    if not isinstance(other, Tensor) and hasattr(other, "__array__"):
        from .creation import as_tensor

        other = as_tensor(other)
    return matmul(other, self)


ger = outer

# The hottest op: two same-dtype arrays without a graph go straight to xp.matmul (bool is
# refused by the full path, as in PyTorch).
matmul = fast_binary(matmul, _matmul_arrays, "iuf")

bind_methods(
    matmul=matmul, mm=mm, bmm=bmm, dot=dot, vdot=vdot, outer=outer, ger=ger, addmm=addmm,
    baddbmm=baddbmm, addmv=addmv, __matmul__=matmul, __rmatmul__=_rmatmul,
)

__all__ = ["matmul", "mm", "bmm", "dot", "vdot", "outer", "ger", "addmm", "baddbmm", "addmv"]

# The contractions live in their own module; this family's namespace re-exports them.
from .contract import einsum, kron, tensordot  # noqa: E402

__all__ += ["einsum", "tensordot", "kron"]
