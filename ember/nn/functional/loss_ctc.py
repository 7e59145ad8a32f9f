"""``ctc_loss``: the CTC forward algorithm in log space, vectorised over the batch, as a
composition of ember ops (re-exported by ``loss.py``). Autograd of the composition gives the
gradient (the alpha-beta backward computed by differentiation).

Impossible alignments use a large finite "log zero" instead of -inf: ``logsumexp`` of all
-inf terms would have a NaN gradient (``exp(-inf - -inf)``). Such a loss is reported as inf
(or 0 with ``zero_infinity``), with a zero gradient.

>>> import ember
>>> from ember.nn import functional as F
>>> lp = ember.full((1, 1, 2), 0.5).log()
>>> round(F.ctc_loss(lp, ember.tensor([[1]]), [1], [1], reduction="sum").item(), 4)
0.6931
"""

from __future__ import annotations

from collections.abc import Sequence

from ... import dtypes as _dt
from ... import ops
from ...tensor import Tensor
from .loss_utils import reduction_arg, tensor_arg

_LOG_ZERO = -1e30


def _lengths(name: str, value: Tensor | Sequence[int] | int, n: int) -> list[int]:
    if isinstance(value, Tensor):
        if value.dtype.category != _dt.INTEGER:
            raise RuntimeError(f"ctc_loss: {name} must be integers, got {value.dtype.name}")
        value = value.reshape(-1).tolist()
    elif isinstance(value, int):
        value = [value]
    out = [int(v) for v in value]
    if len(out) != n:
        raise RuntimeError(f"ctc_loss: expected {name} to have {n} entries (the batch size), "
                           f"got {len(out)}")
    return out


def _label_rows(targets: Tensor, target_lengths: list[int], batched: bool) -> list[list[int]]:
    """Each sample's target labels, from padded (N, S) or concatenated 1-d targets."""
    flat = targets.tolist()
    if targets.ndim == 2 or not batched:
        rows = flat if targets.ndim == 2 else [flat]
        for n, (row, length) in enumerate(zip(rows, target_lengths)):
            if length > len(row):
                raise RuntimeError(f"ctc_loss: expected target_lengths[{n}] = {length} to be at "
                                   f"most the target length {len(row)} (targets shape "
                                   f"{tuple(targets.shape)})")
        return [row[:length] for row, length in zip(rows, target_lengths)]
    if sum(target_lengths) != len(flat):
        raise RuntimeError(f"ctc_loss: 1-d targets of length {len(flat)} must hold "
                           f"sum(target_lengths) = {sum(target_lengths)} labels")
    starts = [sum(target_lengths[:n]) for n in range(len(target_lengths))]
    return [flat[s:s + length] for s, length in zip(starts, target_lengths)]


def _extended(rows: list[list[int]], blank: int, n_classes: int) -> tuple[list, list]:
    """Labels with blanks between and around (``l'``), padded with blanks, and where the
    skip transition ``s - 2 -> s`` is allowed (a non-blank differing from ``l'[s - 2]``)."""
    width = 2 * max((len(r) for r in rows), default=0) + 1
    ext, skip = [], []
    for row in rows:
        for label in row:
            if not 0 <= label < n_classes:
                raise IndexError(f"ctc_loss: target label {label} is out of bounds for "
                                 f"{n_classes} classes")
        labels = [blank] * width
        labels[1:2 * len(row):2] = row
        ext.append(labels)
        skip.append([s >= 2 and labels[s] != blank and labels[s] != labels[s - 2]
                     for s in range(width)])
    return ext, skip


def _shift(alpha: Tensor, k: int, fill: Tensor) -> Tensor:
    """``alpha`` moved ``k`` places right along dim 1, filling with ``fill``."""
    if alpha.shape[1] <= k:
        return fill.expand(alpha.shape)
    return ops.cat([fill.expand(alpha.shape[0], k), alpha[:, :-k]], dim=1)


def _log_likelihood(emit: Tensor, skip: Tensor, in_lens: list[int], tg_lens: list[int]) -> Tensor:
    """log p(target | input) per sample; ``emit`` (T, N, L') holds ``log_probs[t, n, l'_s]``."""
    width = emit.shape[2]
    zero = ops.full((), _LOG_ZERO, dtype=emit.dtype)
    start = ops.arange(width).unsqueeze(0) < 2  # a path starts on the first blank or label
    alpha = ops.where(start, emit[0], zero)
    lengths = ops.tensor(in_lens).unsqueeze(1)
    for t in range(1, emit.shape[0]):
        paths = ops.stack([alpha, _shift(alpha, 1, zero),
                           ops.where(skip, _shift(alpha, 2, zero), zero)])
        new = ops.logsumexp(paths, 0) + emit[t]
        alpha = ops.where(lengths > t, new, alpha)  # frozen after each sample's last step
    last = ops.tensor([2 * length for length in tg_lens]).unsqueeze(1)
    end = alpha.gather(1, last)
    before = alpha.gather(1, (last - 1).clamp(min=0))
    before = ops.where(last > 0, before, zero)  # an empty target ends on the first blank only
    return ops.logsumexp(ops.cat([end, before], dim=1), 1)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Tensor | Sequence[int],
             target_lengths: Tensor | Sequence[int], blank: int = 0, reduction: str = "mean",
             zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification loss of ``log_probs`` (T, N, C) or (T, C)
    against ``targets`` (N, S) padded, or 1-d concatenated; ``'mean'`` divides each loss by
    its target length, then averages over the batch.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> lp = F.log_softmax(ember.randn(5, 2, 4), 2)
    >>> F.ctc_loss(lp, ember.tensor([[1, 2], [3, 3]]), [5, 4], [2, 2]).shape
    ember.Size([])
    """
    op = "ctc_loss"
    reduction = reduction_arg(op, None, None, reduction)
    tensor_arg(op, "log_probs", log_probs)
    tensor_arg(op, "targets", targets)
    batched = log_probs.ndim == 3
    if log_probs.ndim not in (2, 3) or log_probs.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"{op}: expected float log_probs of shape (T, N, C) or (T, C), got "
                           f"{tuple(log_probs.shape)} {log_probs.dtype.name}")
    lp = log_probs if batched else log_probs.unsqueeze(1)
    steps, n, n_classes = lp.shape
    if not 0 <= blank < n_classes:
        raise ValueError(f"{op}: blank must be in label range [0, {n_classes}), got {blank}")
    in_lens = _lengths("input_lengths", input_lengths, n)
    tg_lens = _lengths("target_lengths", target_lengths, n)
    for i, length in enumerate(in_lens):
        if not 0 <= length <= steps:
            raise RuntimeError(f"{op}: expected input_lengths to have values in [0, {steps}] "
                               f"(the T of log_probs {tuple(log_probs.shape)}), got "
                               f"input_lengths[{i}] = {length}")
    ext, skip = _extended(_label_rows(targets, tg_lens, batched), blank, n_classes)
    index = ops.tensor(ext).unsqueeze(0).expand(steps, n, len(ext[0]))
    # Clamping -inf log-probabilities keeps every term finite (see the module docstring).
    emit = lp.gather(2, index).clamp(min=_LOG_ZERO)
    ll = _log_likelihood(emit, ops.tensor(skip), in_lens, tg_lens)
    impossible = ll < _LOG_ZERO / 2
    loss = ops.where(impossible, ops.full((), 0.0 if zero_infinity else float("inf"),
                                          dtype=ll.dtype), -ll)
    if reduction == "mean":
        return (loss / ops.tensor(tg_lens, dtype=loss.dtype).clamp(min=1)).mean()
    if reduction == "sum":
        return loss.sum()
    return loss if batched else loss.reshape(())


__all__ = ["ctc_loss"]
