"""Distances between rows: ``cosine_similarity`` and ``pairwise_distance``.

>>> import ember
>>> import ember.nn.functional as F
>>> F.cosine_similarity(ember.tensor([[1.0, 0.0]]), ember.tensor([[1.0, 1.0]])).tolist()
[0.7071067690849304]
"""

from __future__ import annotations

from ... import ops
from ...linalg import vector_norm
from ...ops._common import broadcast_shapes, normalize_dim, to_float
from ...tensor import Tensor


def _pair(op: str, x1: Tensor, x2: Tensor) -> tuple[Tensor, Tensor]:
    for name, t in (("x1", x1), ("x2", x2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(t).__name__}")
    shape = broadcast_shapes(op, tuple(x1.shape), tuple(x2.shape))
    (a, b), _ = ops._common.promote(op, to_float(x1), to_float(x2))
    return a.expand(*shape), b.expand(*shape)


def _clamped_norm(x: Tensor, dim: int, eps: float) -> Tensor:
    """``max(||x||, eps)`` whose gradient is that of ``||x||``: PyTorch clamps the norm in
    place under no_grad, so the clamp does not cut the gradient."""
    n = vector_norm(x, 2, dim=dim, keepdim=True)
    return n + (n.clamp_min(eps) - n).detach()


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1/max(||x1||, eps) * x2/max(||x2||, eps))`` along ``dim`` (broadcasting).

    Each input is divided by its own norm before the product, as in PyTorch, which keeps the
    result within [-1, 1].

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.cosine_similarity(ember.ones(2, 3), -ember.ones(2, 3)).round(decimals=4).tolist()
    [-1.0, -1.0]
    """
    a, b = _pair("cosine_similarity", x1, x2)
    d = normalize_dim("cosine_similarity", dim, a.ndim)
    return ((a / _clamped_norm(a, d, eps)) * (b / _clamped_norm(b, d, eps))).sum(d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dim (PyTorch adds ``eps`` to the difference).

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.pairwise_distance(ember.zeros(1, 2), ember.tensor([[3.0, 4.0]]), eps=0.0).tolist()
    [5.0]
    """
    a, b = _pair("pairwise_distance", x1, x2)
    return vector_norm(a - b + eps, p, dim=-1 if a.ndim else None, keepdim=keepdim)
