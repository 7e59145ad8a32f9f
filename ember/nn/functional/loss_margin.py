"""Margin and embedding losses: ``cosine_embedding_loss``, ``margin_ranking_loss``,
``hinge_embedding_loss`` and ``triplet_margin_loss`` (re-exported by ``loss.py``).

>>> import ember
>>> from ember.nn import functional as F
>>> F.margin_ranking_loss(ember.tensor([1.0]), ember.tensor([0.0]), ember.tensor([1.0])).item()
0.0
"""

from __future__ import annotations

from ... import linalg, ops
from ...tensor import Tensor
from .loss_utils import reduce_loss, reduction_arg, tensor_arg

_EPSILON = 1e-12  # PyTorch's cosine_embedding_loss guard against zero norms


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` for target 1, ``max(0, cos(x1, x2) - margin)`` for target -1.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> x = ember.tensor([[1.0, 0.0]])
    >>> F.cosine_embedding_loss(x, x, ember.tensor([1.0])).item()
    0.0
    """
    op = "cosine_embedding_loss"
    reduction = reduction_arg(op, size_average, reduce, reduction)
    for name, t in (("input1", input1), ("input2", input2), ("target", target)):
        tensor_arg(op, name, t)
    if input1.ndim not in (1, 2) or tuple(input1.shape) != tuple(input2.shape):
        raise RuntimeError(f"{op}: expected input1 and input2 of one shape, (N, D) or (D,), "
                           f"got {tuple(input1.shape)} and {tuple(input2.shape)}")
    if target.ndim != input1.ndim - 1:
        raise RuntimeError(f"{op}: expected a target of {input1.ndim - 1} dims for inputs of "
                           f"shape {tuple(input1.shape)}, got shape {tuple(target.shape)}")
    d = input1.ndim - 1
    dot = (input1 * input2).sum(d)
    mag = ((input1 * input1).sum(d) + _EPSILON) * ((input2 * input2).sum(d) + _EPSILON)
    cos = dot / mag.sqrt()
    zero = ops.zeros((), dtype=cos.dtype)
    pos = ops.where(target == 1, 1 - cos, zero)
    neg = ops.where(target == -1, (cos - margin).clamp(min=0), zero)
    return reduce_loss(pos + neg, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, -y (x1 - x2) + margin)``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.margin_ranking_loss(ember.tensor([0.0]), ember.tensor([1.0]),
    ...                       ember.tensor([1.0])).item()
    1.0
    """
    op = "margin_ranking_loss"
    reduction = reduction_arg(op, size_average, reduce, reduction)
    for name, t in (("input1", input1), ("input2", input2), ("target", target)):
        tensor_arg(op, name, t)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(f"{op}: all input tensors should have the same number of dims, got "
                           f"input1 {tuple(input1.shape)}, input2 {tuple(input2.shape)}, "
                           f"target {tuple(target.shape)}")
    return reduce_loss((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """``x`` for target 1, ``max(0, margin - x)`` for target -1.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.hinge_embedding_loss(ember.tensor([0.25, 0.25]), ember.tensor([1.0, -1.0]),
    ...                        reduction="none").tolist()
    [0.25, 0.75]
    """
    op = "hinge_embedding_loss"
    reduction = reduction_arg(op, size_average, reduce, reduction)
    tensor_arg(op, "input", input)
    tensor_arg(op, "target", target)
    zero = ops.zeros((), dtype=input.dtype)
    margin_part = ops.where(target != 1, (margin - input).clamp(min=0), zero)
    self_part = ops.where(target != -1, input, zero)
    return reduce_loss(margin_part + self_part, reduction)


def _pairwise_distance(x1: Tensor, x2: Tensor, p: float, eps: float) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dim, as ``torch.pairwise_distance``."""
    return linalg.vector_norm(x1 - x2 + eps, p, dim=-1)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the p-norm distance; ``swap`` uses the
    smaller of ``d(a, n)`` and ``d(p, n)``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> a = ember.tensor([[0.0, 0.0]])
    >>> F.triplet_margin_loss(a, a, a + 5).item()
    0.0
    """
    op = "triplet_margin_loss"
    reduction = reduction_arg(op, size_average, reduce, reduction)
    for name, t in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        tensor_arg(op, name, t)
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise RuntimeError(f"{op}: the anchor, positive, and negative tensors are expected to "
                           f"have the same number of dimensions, but got: anchor {dims[0]}D, "
                           f"positive {dims[1]}D, and negative {dims[2]}D inputs")
    if dims[0] not in (1, 2):
        raise RuntimeError(f"{op}: expected 1-d or 2-d inputs, got anchor of shape "
                           f"{tuple(anchor.shape)}")
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ops.minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    return reduce_loss((d_pos - d_neg + margin).clamp(min=0), reduction)


__all__ = ["cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "triplet_margin_loss"]
