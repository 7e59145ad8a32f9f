"""Classification losses: ``nll_loss``, ``cross_entropy``, the binary cross entropies and
the multi-label/multi-class margin losses (re-exported by ``loss.py``).

Class indices are checked before use: a target outside ``[0, C)`` (other than
``ignore_index``) raises naming the value and the class count, never wraps around.

>>> import ember
>>> from ember.nn import functional as F
>>> x = ember.tensor([[0.0, 0.0]])
>>> round(F.cross_entropy(x, ember.tensor([1])).item(), 4)
0.6931
"""

from __future__ import annotations

from ... import dtypes as _dt
from ... import ops
from ...ops.registry import defop
from ...tensor import Tensor
from .activation import log_softmax, logsigmoid
from .activation_softmax import _quiet
from .loss_fused import cross_entropy_indices
from .loss_utils import (
    float_pair,
    reduce_loss,
    reduction_arg,
    same_shape,
    tensor_arg,
    weighted_mean,
)


def _class_targets(op: str, input: Tensor, target: Tensor, ignore_index: int | None) -> int:
    """Check ``target`` (class indices) against ``input`` (N, C, d1, ...) or (C,); return C."""
    tensor_arg(op, "target", target)
    if target.dtype.category != _dt.INTEGER:
        raise RuntimeError(f"{op}: expected class indices of an integer dtype as target (or "
                           f"class probabilities of the input's shape {tuple(input.shape)}), "
                           f"got {target.dtype.name} with shape {tuple(target.shape)}")
    # the arrays' plain shape tuples: this runs for every training batch, and each
    # ember.Size built and indexed costs ~0.3 us
    shape = input._data.shape
    if not shape:
        raise ValueError(f"{op}: expected an input of 1 or more dims, got a 0-d tensor")
    n_classes = shape[0] if len(shape) == 1 else shape[1]
    want = () if len(shape) == 1 else (shape[0], *shape[2:])
    if target._data.shape != want:
        if input.ndim >= 2 and (target.ndim == 0 or target.shape[0] != input.shape[0]):
            raise ValueError(f"{op}: expected input batch_size ({input.shape[0]}) to match "
                             f"target batch_size ({target.shape[0] if target.ndim else 0}); "
                             f"input shape {tuple(input.shape)}, target shape "
                             f"{tuple(target.shape)}")
        raise RuntimeError(f"{op}: expected target of shape {want} for input of shape "
                           f"{tuple(input.shape)}, got {tuple(target.shape)}")
    # Range check on the raw index array: two reductions, not five recorded ops (this runs
    # for every training batch). Only an out-of-range min/max needs the exact search.
    data = target._data
    if data.size and (data.min() < 0 or data.max() >= n_classes):
        bad = (target < 0) | (target >= n_classes)
        if ignore_index is not None:
            bad = bad & (target != ignore_index)
        if bool(bad.any()):
            value = int(target[bad].reshape(-1)[0].item())
            raise IndexError(f"{op}: target {value} is out of bounds for {n_classes} classes "
                             f"(valid: 0 to {n_classes - 1}, or ignore_index={ignore_index})")
    return n_classes


def _class_weight(op: str, weight: Tensor | None, n_classes: int, like: Tensor) -> Tensor | None:
    if weight is None:
        return None
    tensor_arg(op, "weight", weight)
    if tuple(weight.shape) != (n_classes,):
        raise RuntimeError(f"{op}: weight tensor should be defined either for all {n_classes} "
                           f"classes or no classes but got weight tensor of shape "
                           f"{tuple(weight.shape)}")
    return weight.to(like.dtype)


def _nll(logp: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,
         reduction: str) -> Tensor:
    """``-logp[target]`` (weighted, ignoring ``ignore_index``), targets already checked."""
    class_dim = 0 if logp.ndim == 1 else 1
    valid = target != ignore_index
    safe = ops.where(valid, target, ops.zeros_like(target))
    picked = logp.gather(class_dim, safe.unsqueeze(class_dim)).squeeze(class_dim)
    w = valid.to(logp.dtype) if weight is None else ops.take(weight, safe) * valid
    loss = -picked * w
    if reduction == "mean":  # a weighted mean: nan when every target is ignored
        return weighted_mean(loss.sum(), w.sum())
    return reduce_loss(loss, reduction)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             size_average: bool | None = None, ignore_index: int = -100,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of class indices ``target`` under log-probabilities ``input``
    of shape (C,), (N, C) or (N, C, d1, ...).

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.nll_loss(ember.tensor([[-1.0, -2.0]]), ember.tensor([1])).item()
    2.0
    """
    reduction = reduction_arg("nll_loss", size_average, reduce, reduction)
    tensor_arg("nll_loss", "input", input)
    n_classes = _class_targets("nll_loss", input, target, ignore_index)
    weight = _class_weight("nll_loss", weight, n_classes, input)
    return _nll(input, target, weight, ignore_index, reduction)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy between the logits ``input`` (C,), (N, C) or (N, C, d1, ...) and class
    indices or class probabilities (``target`` of the input's shape).

    >>> import ember
    >>> from ember.nn import functional as F
    >>> x = ember.tensor([[0.0, 0.0]])
    >>> round(F.cross_entropy(x, ember.tensor([[0.5, 0.5]])).item(), 4)
    0.6931
    """
    reduction = reduction_arg("cross_entropy", size_average, reduce, reduction)
    tensor_arg("cross_entropy", "input", input)
    tensor_arg("cross_entropy", "target", target)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"cross_entropy: expected floating-point logits, got "
                           f"{input.dtype.name} with shape {tuple(input.shape)}")
    class_dim = 0 if input.ndim == 1 else 1
    if target._data.shape == input._data.shape and target.dtype.category == _dt.FLOAT:
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    n_classes = _class_targets("cross_entropy", input, target, ignore_index)
    if weight is None and label_smoothing == 0.0 and input._data.size:
        return cross_entropy_indices(input, target, ignore_index, reduction)
    weight = _class_weight("cross_entropy", weight, n_classes, input)
    logp = log_softmax(input, class_dim)
    loss = _nll(logp, target, weight, ignore_index, reduction)
    if label_smoothing == 0.0:
        return loss
    return _smoothing_term(loss, logp, target, weight, ignore_index, reduction,
                           label_smoothing, n_classes)


def _smoothing_term(nll: Tensor, logp: Tensor, target: Tensor, weight: Tensor | None,
                    ignore_index: int, reduction: str, eps: float, n_classes: int) -> Tensor:
    """PyTorch's label smoothing for class indices: ``(1 - eps) * nll + eps / C * smooth``,
    where ``smooth`` is ``-sum_c w_c logp_c``, reduced like the nll term."""
    class_dim = 0 if logp.ndim == 1 else 1
    valid = target != ignore_index
    if weight is not None:
        shape = (n_classes,) + (1,) * (logp.ndim - class_dim - 1)
        logp = logp * weight.reshape(shape)
    smooth = ops.where(valid, -logp.sum(class_dim), ops.zeros((), dtype=logp.dtype))
    if reduction == "mean":
        if weight is not None:
            safe = ops.where(valid, target, ops.zeros_like(target))
            smooth = weighted_mean(smooth.sum(), (ops.take(weight, safe) * valid).sum())
        else:
            smooth = weighted_mean(smooth.sum(), valid.sum().to(smooth.dtype))
    else:
        smooth = reduce_loss(smooth, reduction)
    return nll * (1 - eps) + smooth * (eps / n_classes)


def _cross_entropy_probs(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str,
                         eps: float) -> Tensor:
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    target = target.to(input.dtype)
    if eps > 0:
        target = target * (1 - eps) + eps / n_classes
    prod = log_softmax(input, class_dim) * target
    weight = _class_weight("cross_entropy", weight, n_classes, input)
    if weight is not None:
        prod = prod * weight.reshape((n_classes,) + (1,) * (input.ndim - class_dim - 1))
    loss = -prod.sum(class_dim)
    if reduction == "mean":  # PyTorch divides by the number of samples, not by the weights
        return loss.sum() / float(loss.numel())  # (0 / 0 = nan for an empty batch)
    return reduce_loss(loss, reduction)


@defop("binary_cross_entropy", save=(0, 1))
def _bce(ctx, x, t):
    xp = ctx.xp
    with _quiet(xp):
        # PyTorch clamps each log at -100 so that x = 0 or 1 gives a finite loss.
        log_x = xp.maximum(xp.log(x), -100)
        log_1mx = xp.maximum(xp.log1p(-x), -100)
    return (-(t * log_x + (1 - t) * log_1mx)).astype(x.dtype, copy=False)


@_bce.def_backward
def _(ctx, g):
    x, t = ctx.saved
    gx = gt = None
    if ctx.needs_input_grad[0]:  # PyTorch's kernel: (x - t) / max(x (1 - x), 1e-12)
        gx = g * (x - t) / (x * (1 - x)).clamp(min=1e-12)
    if ctx.needs_input_grad[1]:
        gt = g * ((1 - x).log().clamp(min=-100) - x.log().clamp(min=-100))
    return gx, gt


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """``-(t log x + (1 - t) log(1 - x))`` for probabilities ``x``; logs clamped at -100.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> round(F.binary_cross_entropy(ember.tensor([0.5]), ember.tensor([1.0])).item(), 4)
    0.6931
    """
    reduction = reduction_arg("binary_cross_entropy", size_average, reduce, reduction)
    x, t = float_pair("binary_cross_entropy", input, target)
    same_shape("binary_cross_entropy", x, t)
    if x.numel() and bool(((x < 0) | (x > 1)).any()):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 "
                           f"and 1 (input shape {tuple(x.shape)})")
    loss = _bce(x, t)
    if weight is not None:
        loss = loss * weight
    return reduce_loss(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None,
                                     size_average: bool | None = None,
                                     reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """``binary_cross_entropy(sigmoid(x), t)`` computed stably from the logits ``x``;
    ``pos_weight`` scales the positive term.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.binary_cross_entropy_with_logits(ember.tensor([200.0]), ember.tensor([1.0])).item()
    0.0
    """
    op = "binary_cross_entropy_with_logits"
    reduction = reduction_arg(op, size_average, reduce, reduction)
    x, t = float_pair(op, input, target)
    if tuple(t.shape) != tuple(x.shape):
        raise ValueError(f"{op}: target size ({tuple(t.shape)}) must be the same as input size "
                         f"({tuple(x.shape)})")
    # -log(sigmoid(x)) = softplus(-x) and -log(1 - sigmoid(x)) = x + softplus(-x).
    if pos_weight is None:
        loss = (1 - t) * x - logsigmoid(x)
    else:
        loss = (1 - t) * x - ((pos_weight - 1) * t + 1) * logsigmoid(x)
    if weight is not None:
        loss = loss * weight
    return reduce_loss(loss, reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average: bool | None = None, reduce: bool | None = None,
                                reduction: str = "mean") -> Tensor:
    """Per-class logistic loss averaged over the classes (the last dim).

    >>> import ember
    >>> from ember.nn import functional as F
    >>> x = ember.tensor([[0.0, 0.0]])
    >>> round(F.multilabel_soft_margin_loss(x, ember.tensor([[1.0, 0.0]])).item(), 4)
    0.6931
    """
    op = "multilabel_soft_margin_loss"
    reduction = reduction_arg(op, size_average, reduce, reduction)
    x, t = float_pair(op, input, target)
    loss = -(t * logsigmoid(x) + (1 - t) * logsigmoid(-x))
    if weight is not None:
        loss = loss * weight
    class_dim = x.ndim - 1
    loss = loss.sum(class_dim) / x.shape[class_dim]
    return reduce_loss(loss, reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average: bool | None = None,
                      reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss ``sum_{j != y} max(0, margin - x[y] + x[j])^p / C``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.multi_margin_loss(ember.tensor([[1.0, 0.0]]), ember.tensor([0])).item()
    0.0
    """
    op = "multi_margin_loss"
    reduction = reduction_arg(op, size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 supported, got p={p}")
    tensor_arg(op, "input", input)
    if input.ndim > 2:
        raise RuntimeError(f"{op}: expected an input of 0, 1 or 2 dims, got shape "
                           f"{tuple(input.shape)}")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    t = target.reshape(-1)
    n_classes = _class_targets(op, x, t, None)
    weight = _class_weight(op, weight, n_classes, x)
    x_y = x.gather(1, t.unsqueeze(1))
    z = (x - x_y + margin).clamp(min=0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * ops.take(weight, t).unsqueeze(1)
    others = ops.arange(n_classes, device=x.device).unsqueeze(0) != t.unsqueeze(1)
    loss = ops.where(others, z, ops.zeros((), dtype=z.dtype)).sum(1) / n_classes
    if input.ndim < 2:
        loss = loss.reshape(())
    return reduce_loss(loss, reduction)


__all__ = ["nll_loss", "cross_entropy", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "multilabel_soft_margin_loss",
           "multi_margin_loss"]
