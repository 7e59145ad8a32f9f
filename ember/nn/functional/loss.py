"""Loss functions of ``ember.nn.functional``, as in ``torch.nn.functional``.

Regression and likelihood losses live here; classification losses (``cross_entropy``,
``nll_loss``, the binary ones) in ``loss_class.py``, margin and embedding losses in
``loss_margin.py`` and ``ctc_loss`` in ``loss_ctc.py`` (all re-exported).

>>> import ember
>>> from ember.nn import functional as F
>>> F.mse_loss(ember.tensor([1.0, 3.0]), ember.tensor([0.0, 0.0])).item()
5.0
"""

from __future__ import annotations

import math

from ... import ops
from ...tensor import Tensor
from .loss_class import *  # noqa: F403
from .loss_class import __all__ as _class_all
from .loss_ctc import *  # noqa: F403
from .loss_ctc import __all__ as _ctc_all
from .loss_margin import *  # noqa: F403
from .loss_margin import __all__ as _margin_all
from .loss_utils import (
    check_weight,
    float_pair,
    reduce_loss,
    reduction_arg,
    warn_if_broadcast,
)


def _pointwise(op: str, input: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    x, t = float_pair(op, input, target)
    warn_if_broadcast(op, x, t)
    return ops.broadcast_tensors(x, t)


def _weighted(loss: Tensor, weight: Tensor | None, reduction: str, mean_by_weight: bool,
              op: str, input: Tensor) -> Tensor:
    if weight is None:
        return reduce_loss(loss, reduction)
    check_weight(op, weight, input)
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return reduce_loss(loss, reduction)


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
             reduce: bool | None = None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Squared error; a ``weight`` makes ``'mean'`` a weighted mean.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.mse_loss(ember.tensor([2.0]), ember.tensor([0.0]), reduction="sum").item()
    4.0
    """
    reduction = reduction_arg("mse_loss", size_average, reduce, reduction)
    x, t = _pointwise("mse_loss", input, target)
    return _weighted((x - t).square(), weight, reduction, True, "mse_loss", input)


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
            reduce: bool | None = None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Absolute error; a ``weight`` makes ``'mean'`` a weighted mean.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.l1_loss(ember.tensor([2.0, -1.0]), ember.tensor([0.0, 0.0])).item()
    1.5
    """
    reduction = reduction_arg("l1_loss", size_average, reduce, reduction)
    x, t = _pointwise("l1_loss", input, target)
    return _weighted((x - t).abs(), weight, reduction, True, "l1_loss", input)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - beta / 2``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.smooth_l1_loss(ember.tensor([0.5, 3.0]), ember.tensor([0.0, 0.0]),
    ...                  reduction="none").tolist()
    [0.125, 2.5]
    """
    reduction = reduction_arg("smooth_l1_loss", size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    x, t = _pointwise("smooth_l1_loss", input, target)
    d = x - t
    if beta == 0:
        return reduce_loss(d.abs(), reduction)
    a = d.abs()
    return reduce_loss(ops.where(a < beta, d * d * (0.5 / beta), a - 0.5 * beta), reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - delta / 2)``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.huber_loss(ember.tensor([0.5, 3.0]), ember.tensor([0.0, 0.0]),
    ...              reduction="none").tolist()
    [0.125, 2.5]
    """
    reduction = reduction_arg("huber_loss", None, None, reduction)
    if delta <= 0:
        raise RuntimeError(f"huber_loss: delta must be positive, got {delta}")
    x, t = _pointwise("huber_loss", input, target)
    d = x - t
    a = d.abs()
    loss = ops.where(a < delta, d * d * 0.5, (a - 0.5 * delta) * delta)
    return _weighted(loss, weight, reduction, False, "huber_loss", input)


def soft_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-y x))`` for targets ``y`` in {1, -1}.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> round(F.soft_margin_loss(ember.tensor([0.0]), ember.tensor([1.0])).item(), 4)
    0.6931
    """
    from .activation import softplus

    reduction = reduction_arg("soft_margin_loss", size_average, reduce, reduction)
    x, t = _pointwise("soft_margin_loss", input, target)
    return reduce_loss(softplus(-t * x), reduction)


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None,
           reduce: bool | None = None, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Pointwise KL divergence ``target * (log(target) - input)``, ``input`` being
    log-probabilities (and ``target`` too with ``log_target``); ``'batchmean'`` divides the
    sum by the batch size.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> p = ember.tensor([[0.5, 0.5]])
    >>> F.kl_div(p.log(), p, reduction="batchmean").item()
    0.0
    """
    reduction = reduction_arg("kl_div", size_average, reduce, reduction,
                              ("none", "mean", "sum", "batchmean"))
    x, t = float_pair("kl_div", input, target)
    if log_target:
        loss = t.exp() * (t - x)
    else:
        # xlogy: 0 where target is 0; the safe log keeps its masked-out gradient finite.
        safe = ops.where(t > 0, t, ops.ones_like(t))
        loss = t * safe.log() - t * x
    if reduction == "batchmean":
        return loss.sum() / x.shape[0] if x.ndim else loss.sum()
    return reduce_loss(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average: bool | None = None, eps: float = 1e-8,
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Poisson negative log likelihood; ``full`` adds the Stirling term for targets > 1.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.poisson_nll_loss(ember.tensor([0.0]), ember.tensor([1.0])).item()
    1.0
    """
    reduction = reduction_arg("poisson_nll_loss", size_average, reduce, reduction)
    x, t = float_pair("poisson_nll_loss", input, target)
    loss = x.exp() - t * x if log_input else x - t * (x + eps).log()
    if full:
        safe = ops.where(t > 1, t, ops.ones_like(t))
        stirling = safe * safe.log() - safe + (safe * (2 * math.pi)).log() * 0.5
        loss = loss + ops.where(t > 1, stirling, ops.zeros_like(t))
    return reduce_loss(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Gaussian negative log likelihood ``0.5 (log var + (input - target)^2 / var)``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.gaussian_nll_loss(ember.tensor([1.0]), ember.tensor([1.0]), 1.0).item()
    0.0
    """
    x, t = float_pair("gaussian_nll_loss", input, target)
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("gaussian_nll_loss: var has negative entry/entries")
        var = ops.full_like(x, float(var))
    elif bool((var < 0).any()):
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    var = _gaussian_var_shape(tuple(x.shape), var)
    reduction = reduction_arg("gaussian_nll_loss", None, None, reduction)
    # PyTorch clamps var under no_grad: the gradient passes through the clamp unchanged.
    var = var + (var.clamp(min=eps) - var).detach()
    loss = (var.log() + (x - t).square() / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(loss, reduction)


def _gaussian_var_shape(shape: tuple, var: Tensor) -> Tensor:
    vshape = tuple(var.shape)
    if vshape == shape:
        return var
    if shape[:-1] == vshape:  # one variance per row: homoscedastic along the last dim
        return var.unsqueeze(-1)
    if len(shape) == len(vshape) and sum(v for s, v in zip(shape, vshape) if s != v) == 1:
        return var  # one broadcast dim of size 1
    raise ValueError(f"gaussian_nll_loss: var is of incorrect size: got {vshape} for input "
                     f"{shape} (expected the input's shape, it without the last dim, or it with "
                     "one dim of size 1)")


__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "soft_margin_loss", "kl_div",
           "poisson_nll_loss", "gaussian_nll_loss", *_class_all, *_margin_all, *_ctc_all]
