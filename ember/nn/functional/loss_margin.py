"""Margin and embedding losses: ``cosine_embedding_loss``, ``margin_ranking_loss``,
``hinge_embedding_loss``, ``triplet_margin_loss``, ``triplet_margin_with_distance_loss`` and
``multilabel_margin_loss`` (re-exported by ``loss.py``).

>>> import ember
>>> from ember.nn import functional as F
>>> F.margin_ranking_loss(ember.tensor([1.0]), ember.tensor([0.0]), ember.tensor([1.0])).item()
0.0
"""

from __future__ import annotations

from collections.abc import Callable

from ... import dtypes as _dt
from ... import linalg, ops
from ...tensor import Tensor
from ._distance import pairwise_distance
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


def _check_triplet(op: str, anchor: Tensor, positive: Tensor, negative: Tensor) -> tuple:
    """The three inputs' ranks, after checking they are tensors of one rank."""
    for name, t in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        tensor_arg(op, name, t)
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise RuntimeError(f"{op}: the anchor, positive, and negative tensors are expected to "
                           f"have the same number of dimensions, but got: anchor {dims[0]}D, "
                           f"positive {dims[1]}D, and negative {dims[2]}D inputs")
    return dims


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
    dims = _check_triplet(op, anchor, positive, negative)
    if dims[0] not in (1, 2):
        raise RuntimeError(f"{op}: expected 1-d or 2-d inputs, got anchor of shape "
                           f"{tuple(anchor.shape)}")
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ops.minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    return reduce_loss((d_pos - d_neg + margin).clamp(min=0), reduction)


def triplet_margin_with_distance_loss(
        anchor: Tensor, positive: Tensor, negative: Tensor, *,
        distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
        margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with any distance ``d`` (default
    :func:`pairwise_distance`); ``swap`` uses the smaller of ``d(a, n)`` and ``d(p, n)``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> a = ember.tensor([[0.0, 0.0]])
    >>> F.triplet_margin_with_distance_loss(a, a, a + 5,
    ...     distance_function=lambda x, y: (x - y).abs().sum(-1)).item()
    0.0
    """
    op = "triplet_margin_with_distance_loss"
    reduction = reduction_arg(op, None, None, reduction)
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    _check_triplet(op, anchor, positive, negative)
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_neg = ops.minimum(d_neg, dist(positive, negative))
    return reduce_loss((margin + d_pos - d_neg).clamp(min=0), reduction)


def _multilabel_check(op: str, input: Tensor, target: Tensor) -> None:
    tensor_arg(op, "input", input)
    tensor_arg(op, "target", target)
    if not (input.ndim <= 1 and input.numel() > 0 or input.ndim == 2 and input.shape[1] > 0):
        raise RuntimeError(f"{op}: expected a non-empty vector (C,) or a matrix (N, C) with "
                           f"C > 0 (N may be 0), got input of shape {tuple(input.shape)}")
    if target.dtype is not _dt.int64:
        raise RuntimeError(f"{op}: expected target of dtype int64 (class indices), got "
                           f"{target.dtype}")
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"{op}: inconsistent target size: {tuple(target.shape)} for input "
                           f"of size: {tuple(input.shape)}")


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                           reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: per sample, ``sum_{j, i} max(0, 1 - (x[y_j] - x[i])) / C``
    over the target classes ``y_j`` (``target``'s entries before the first -1) and the
    classes ``i`` that are not targets.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> x = ember.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> round(F.multilabel_margin_loss(x, ember.tensor([[3, 0, -1, 1]])).item(), 4)
    0.85
    """
    op = "multilabel_margin_loss"
    reduction = reduction_arg(op, size_average, reduce, reduction)
    _multilabel_check(op, input, target)
    c = max(input.numel(), 1) if input.ndim <= 1 else int(input.shape[1])
    x, t = input.reshape(-1, c), target.reshape(-1, c)
    bad = (t < -1) | (t >= c)
    if bool(bad.any()):
        raise RuntimeError(f"{op}: target values must be class indices in [0, {c}) or -1 (the "
                           f"end of a sample's list), got {t[bad][0].item()}")
    # the targets of a sample are its entries before the first -1; only the first T
    # columns can hold any (T: the longest list in the batch), so the pairs (target j,
    # class i) take O(N T C) instead of O(N C^2)
    listed = (t < 0).to(_dt.int64).cumsum(1) == 0
    longest = int(listed.sum(1).max().item()) if listed.numel() else 0
    listed = listed[:, :longest]
    safe = t[:, :longest].clamp(min=0)
    is_target = ((safe.unsqueeze(2) == ops.arange(c, device=t.device)) &
                 listed.unsqueeze(2)).any(1)  # (N, C)
    margin = 1 - x.gather(1, safe).unsqueeze(2) + x.unsqueeze(1)  # (N, j, i)
    counted = listed.unsqueeze(2) & is_target.logical_not().unsqueeze(1) & (margin > 0)
    # where, not clamp: PyTorch's gradient is 0 where the margin is exactly 0
    loss = ops.where(counted, margin, ops.zeros((), dtype=x.dtype)).sum((1, 2)) / c
    return reduce_loss(loss.reshape(input.shape[:-1] if input.ndim else ()), reduction)


__all__ = ["cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "triplet_margin_loss", "triplet_margin_with_distance_loss", "multilabel_margin_loss"]
