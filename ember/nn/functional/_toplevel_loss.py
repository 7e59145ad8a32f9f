"""The losses and embeddings PyTorch exposes at top level (``torch.kl_div``,
``torch.embedding_bag``, ...), re-exported as ``ember.<name>``.

Their top-level signatures differ from ``torch.nn.functional``'s: ``reduction`` is ATen's
integer enum (0 ``'none'``, 1 ``'mean'``, 2 ``'sum'``) and there is no ``size_average`` or
``reduce``. Where ``reduction`` has a default it is 0: ATen's schemas say ``Mean``, but
PyTorch's Python binding does not read that default and passes 0, so ``torch.kl_div(x, y)``
is unreduced, and ported code expects that. ``embedding`` and ``embedding_bag`` take the
weight first, and ``embedding_bag`` takes ``mode`` as 0 (sum), 1 (mean) or 2 (max) and
returns ATen's four outputs.

>>> import ember
>>> ember.kl_div(ember.zeros(2), ember.ones(2), 2).item()
0.0
"""

from __future__ import annotations

from collections.abc import Sequence

from ... import dtypes as _dt
from ... import ops
from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from . import _embedding
from . import loss as _loss
from .loss_utils import REDUCTIONS  # by value, ATen's at::Reduction enum

_BAG_MODES = ("sum", "mean", "max")  # ATen's embedding_bag modes, by value


def _enum(op: str, what: str, value: object, names: tuple) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{op}(): argument '{what}' must be int, not {type(value).__name__}")
    if not 0 <= value < len(names):
        choices = ", ".join(f"{i} ({n})" for i, n in enumerate(names))
        raise ValueError(f"{op}: {what} must be one of {choices}, got {value}")
    return names[value]


def _reduction(op: str, reduction: object) -> str:
    return _enum(op, "reduction", reduction, REDUCTIONS)


# ----------------------------------------------------------------------------- losses
def kl_div(input: Tensor, target: Tensor, reduction: int = 0, *,
           log_target: bool = False) -> Tensor:
    """``torch.kl_div``; ``reduction=1`` averages over all elements.

    >>> import ember
    >>> ember.kl_div(ember.zeros(2), ember.ones(2)).tolist()
    [0.0, 0.0]
    """
    return _loss.kl_div(input, target, reduction=_reduction("kl_div", reduction),
                        log_target=log_target)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: int = 0) -> Tensor:
    """``torch.margin_ranking_loss``.

    >>> import ember
    >>> ember.margin_ranking_loss(ember.ones(1), ember.zeros(1), -ember.ones(1)).tolist()
    [1.0]
    """
    return _loss.margin_ranking_loss(input1, input2, target, margin,
                                     reduction=_reduction("margin_ranking_loss", reduction))


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         reduction: int = 0) -> Tensor:
    """``torch.hinge_embedding_loss``.

    >>> import ember
    >>> ember.hinge_embedding_loss(ember.zeros(1), -ember.ones(1), 1.0, 1).item()
    1.0
    """
    return _loss.hinge_embedding_loss(input, target, margin,
                                      reduction=_reduction("hinge_embedding_loss", reduction))


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: int = 0) -> Tensor:
    """``torch.cosine_embedding_loss``.

    >>> import ember
    >>> x = ember.ones(1, 2)
    >>> ember.cosine_embedding_loss(x, x, ember.ones(1), 0.0, 2).item()
    0.0
    """
    return _loss.cosine_embedding_loss(input1, input2, target, margin,
                                       reduction=_reduction("cosine_embedding_loss", reduction))


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float,
                     reduction: int) -> Tensor:
    """``torch.poisson_nll_loss``: every argument is required, as in PyTorch.

    >>> import ember
    >>> ember.poisson_nll_loss(ember.zeros(1), ember.zeros(1), True, False, 1e-8, 1).item()
    1.0
    """
    return _loss.poisson_nll_loss(input, target, log_input, full, eps=eps,
                                  reduction=_reduction("poisson_nll_loss", reduction))


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2.0, eps: float = 1e-06,
                        swap: bool = False, reduction: int = 0) -> Tensor:
    """``torch.triplet_margin_loss``.

    >>> import ember
    >>> a = ember.zeros(1, 2)
    >>> ember.triplet_margin_loss(a, a, a).tolist()
    [1.0]
    """
    return _loss.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                     reduction=_reduction("triplet_margin_loss", reduction))


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Tensor | Sequence[int],
             target_lengths: Tensor | Sequence[int], blank: int = 0, reduction: int = 0,
             zero_infinity: bool = False) -> Tensor:
    """``torch.ctc_loss``; ``reduction=1`` divides each loss by its target length and then
    averages, as ``F.ctc_loss`` does.

    >>> import ember
    >>> lp = ember.zeros(2, 1, 2).log_softmax(2)
    >>> round(ember.ctc_loss(lp, ember.tensor([[1]]), [2], [1], 0, 2).item(), 4)
    0.2877
    """
    return _loss.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                          reduction=_reduction("ctc_loss", reduction),
                          zero_infinity=zero_infinity)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None,
                                     pos_weight: Tensor | None = None,
                                     reduction: int = 0) -> Tensor:
    """``torch.binary_cross_entropy_with_logits`` (``pos_weight`` before ``reduction``).

    >>> import ember
    >>> x = ember.zeros(1)
    >>> round(ember.binary_cross_entropy_with_logits(x, ember.ones(1), None, None, 1).item(), 4)
    0.6931
    """
    op = "binary_cross_entropy_with_logits"
    return _loss.binary_cross_entropy_with_logits(input, target, weight,
                                                  reduction=_reduction(op, reduction),
                                                  pos_weight=pos_weight)


# ----------------------------------------------------------------------------- embeddings
def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """``torch.embedding``: rows of ``weight``; a negative ``padding_idx`` means none (ATen's
    convention: ``F.embedding`` has already turned a negative index into a row number).

    >>> import ember
    >>> ember.embedding(ember.arange(4.0).reshape(2, 2), ember.tensor([1])).tolist()
    [[2.0, 3.0]]
    """
    pad = None if padding_idx is None or padding_idx < 0 else padding_idx
    return _embedding.embedding(indices, weight, pad, scale_grad_by_freq=scale_grad_by_freq,
                                sparse=sparse)


def _bag_extras(weight: Tensor, indices: Tensor, offsets: Tensor | None, mode: str,
                include_last_offset: bool, padding_idx: int | None
                ) -> tuple[Tensor, Tensor, Tensor]:
    """ATen's ``offset2bag``, ``bag_size`` and ``max_indices`` outputs (CPU semantics)."""
    flat, bag, n_bags = _embedding._bags(indices, offsets, include_last_offset)
    zeros = ops.zeros(n_bags, dtype=_dt.int64, device=weight.device)
    if mode == "sum":  # ATen leaves the sizes and indices unset (zeros) for sums
        return bag, zeros, zeros
    pad = _embedding._padding_idx("embedding_bag", padding_idx, weight.shape[0])
    kept = ops.ones_like(bag) if pad is None else (flat != pad).to(_dt.int64)
    size = ops.index_add(zeros, 0, bag, kept)
    if mode == "mean":  # ATen returns the bag sizes again in place of max indices
        return bag, size, size
    dim = weight.shape[1]
    keep = ops.nonzero(kept).reshape(-1)
    rows, pos, where = weight[flat[keep]], keep, bag[keep].unsqueeze(1).expand(-1, dim)
    best = ops.scatter_reduce(ops.zeros(n_bags, dim, dtype=weight.dtype, device=weight.device),
                              0, where, rows, "amax", include_self=False)
    # The first position holding each bag's maximum, as ATen's running ``>`` comparison.
    big = ops.full_like(where, flat.shape[0])
    first = ops.where(rows == best.gather(0, where), pos.unsqueeze(1).expand(-1, dim), big)
    first = ops.scatter_reduce(ops.full((n_bags, dim), flat.shape[0], dtype=_dt.int64,
                                        device=weight.device), 0, where, first, "amin")
    padded = ops.cat([flat.to(_dt.int64), ops.zeros(1, dtype=_dt.int64, device=flat.device)])
    return bag, size, padded[first]  # empty bags point past the end: index 0, as in ATen


def embedding_bag(weight: Tensor, indices: Tensor, offsets: Tensor,
                  scale_grad_by_freq: bool = False, mode: int = 0, sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None
                  ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``torch.embedding_bag``: ``(output, offset2bag, bag_size, max_indices)``.

    ``output`` is :func:`ember.nn.functional.embedding_bag`'s. The others follow ATen's CPU
    kernel: ``offset2bag`` is the bag of each index (ATen's float32 sum fast path leaves it
    empty; ember always fills it), ``bag_size`` the number of non-padding indices per bag
    (zeros for sums), ``max_indices`` the weight row of each maximum for ``mode=2``, and
    ``bag_size`` again (mean) or zeros (sum) otherwise.

    >>> import ember
    >>> w = ember.arange(6.0).reshape(3, 2)
    >>> out = ember.embedding_bag(w, ember.tensor([0, 2, 1]), ember.tensor([0, 2]), False, 2)
    >>> out[0].tolist(), out[3].tolist()
    ([[4.0, 5.0], [2.0, 3.0]], [[2, 2], [1, 1]])
    """
    name = _enum("embedding_bag", "mode", mode, _BAG_MODES)
    out = _embedding.embedding_bag(indices, weight, offsets,
                                   scale_grad_by_freq=scale_grad_by_freq, mode=name,
                                   sparse=sparse, per_sample_weights=per_sample_weights,
                                   include_last_offset=include_last_offset,
                                   padding_idx=padding_idx)
    with no_grad():
        extras = _bag_extras(weight, indices, offsets, name, include_last_offset, padding_idx)
    return (out, *extras)


__all__ = ["kl_div", "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss",
           "poisson_nll_loss", "triplet_margin_loss", "ctc_loss",
           "binary_cross_entropy_with_logits", "embedding", "embedding_bag"]
