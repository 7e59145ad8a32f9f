"""Names accepted by ``Model.compile``: optimizers and losses (metrics live in ember.metrics).

>>> sorted(OPTIMIZERS)[:3]
['adadelta', 'adagrad', 'adam']
>>> resolve_loss("mse").__name__
'mse_loss'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import metrics as _metrics
from .. import optim
from ..metrics import suggest
from ..nn import functional as F
from ..nn.module import Module

# name -> (optimizer class, default learning rate: Keras's defaults)
OPTIMIZERS: dict[str, tuple[type, float]] = {
    "sgd": (optim.SGD, 0.01),
    "adam": (optim.Adam, 1e-3),
    "adamw": (optim.AdamW, 1e-3),
    "adamax": (optim.Adamax, 2e-3),
    "nadam": (optim.NAdam, 2e-3),
    "radam": (optim.RAdam, 1e-3),
    "rmsprop": (optim.RMSprop, 1e-3),
    "adagrad": (optim.Adagrad, 1e-2),
    "adadelta": (optim.Adadelta, 1.0),
    "lion": (optim.Lion, 1e-4),
}

LOSSES: dict[str, Callable] = {
    "cross_entropy": F.cross_entropy,
    "categorical_crossentropy": F.cross_entropy,
    "sparse_categorical_crossentropy": F.cross_entropy,
    "nll": F.nll_loss,
    "mse": F.mse_loss,
    "mean_squared_error": F.mse_loss,
    "mae": F.l1_loss,
    "l1": F.l1_loss,
    "mean_absolute_error": F.l1_loss,
    "huber": F.huber_loss,
    "smooth_l1": F.smooth_l1_loss,
    "bce": F.binary_cross_entropy,
    "binary_crossentropy": F.binary_cross_entropy,
    "bce_with_logits": F.binary_cross_entropy_with_logits,
    "kl_div": F.kl_div,
}


def _unknown(kind: str, name: str, choices: Iterable[str]) -> ValueError:
    names = sorted(choices)
    return ValueError(f"compile: unknown {kind} {name!r}.{suggest(name, names)} "
                      f"Valid names: {', '.join(names)}")


def resolve_optimizer(spec: Any, module: Module, lr: float | None) -> optim.Optimizer:
    """An Optimizer instance as is; a name or an Optimizer class built over the module's
    trainable parameters (``lr`` overrides the default rate)."""
    if isinstance(spec, optim.Optimizer):
        own = {id(p) for p in module.parameters()}
        driven = [p for g in spec.param_groups for p in g["params"]]
        if not any(id(p) in own for p in driven):
            raise ValueError(f"compile: the optimizer's {len(driven)} parameters are not "
                             f"parameters of this model ({type(module).__name__}); build it "
                             "over model.parameters()")
        if lr is not None:
            for group in spec.param_groups:
                group["lr"] = lr
        return spec
    params = [p for p in module.parameters() if p.requires_grad]
    if not params:
        raise ValueError(f"compile: {type(module).__name__} has no trainable parameters")
    if isinstance(spec, str):
        key = spec.lower()
        if key not in OPTIMIZERS:
            raise _unknown("optimizer", spec, OPTIMIZERS)
        cls, default_lr = OPTIMIZERS[key]
        return cls(params, lr=default_lr if lr is None else lr)
    if isinstance(spec, type) and issubclass(spec, optim.Optimizer):
        return spec(params) if lr is None else spec(params, lr=lr)
    raise TypeError(f"compile: optimizer must be a name, an ember.optim.Optimizer or its "
                    f"class, got {type(spec).__name__}")


def resolve_loss(spec: Any) -> Callable:
    """A loss name, an ``nn`` loss module or any callable ``(output, target) -> Tensor``."""
    if isinstance(spec, str):
        key = spec.lower()
        if key not in LOSSES:
            raise _unknown("loss", spec, LOSSES)
        return LOSSES[key]
    if callable(spec):
        return spec
    raise TypeError(f"compile: loss must be a name or a callable (output, target) -> Tensor, "
                    f"got {type(spec).__name__}")


def per_sample_loss(loss: Callable, output: Any, target: Any) -> Any:
    """The unreduced loss (one value per sample), for ``class_weight``."""
    if isinstance(loss, Module) and hasattr(loss, "reduction"):
        saved = loss.reduction
        loss.reduction = "none"
        try:
            values = loss(output, target)
        finally:
            loss.reduction = saved
    else:
        try:
            values = loss(output, target, reduction="none")
        except TypeError:
            raise TypeError("fit: class_weight needs a loss that accepts reduction='none' "
                            f"(a named loss or an nn loss module), got {loss!r}") from None
    while values.ndim > 1:  # e.g. (N, C) for mse: average the rest per sample
        values = values.mean(-1)
    return values


_BINARY_LOSSES = {F.binary_cross_entropy: False, F.binary_cross_entropy_with_logits: True}
_CLASS_LOSSES = {F.cross_entropy, F.nll_loss}


def _binary_from_logits(loss: Callable) -> bool | None:
    """True/False for a binary cross-entropy on logits/probabilities, else None."""
    from ..nn.modules.loss import BCELoss, BCEWithLogitsLoss
    if isinstance(loss, BCEWithLogitsLoss):
        return True
    if isinstance(loss, BCELoss):
        return False
    return _BINARY_LOSSES.get(loss)


def is_pointwise(loss: Callable) -> bool:
    """Whether the loss compares output and target element by element (so a target of
    shape (N,) may be aligned with an output of shape (N, 1))."""
    from ..nn.modules.loss import CrossEntropyLoss, NLLLoss
    return loss not in _CLASS_LOSSES and not isinstance(loss, (CrossEntropyLoss, NLLLoss))
_CLASSIFICATION = {"accuracy", "acc", "precision", "recall", "f1", "f1_score", "auroc", "auc",
                   "roc_auc", "confusion_matrix"}


def resolve_metrics(specs: Any, loss: Callable) -> list:
    """Metric objects for ``compile``; with a binary cross-entropy loss the classification
    names mean the binary task (from logits for ``bce_with_logits``), as in Keras."""
    if isinstance(specs, (str, _metrics.Metric)) or callable(specs):
        specs = [specs]
    resolved = []
    for spec in specs or []:
        metric = _metrics.get(spec)
        key = spec.strip().lower() if isinstance(spec, str) else None
        from_logits = _binary_from_logits(loss)
        if key in _CLASSIFICATION and from_logits is not None:
            metric = type(metric)(task="binary", from_logits=from_logits, name=metric.name)
        resolved.append(metric)
    names = [m.name for m in resolved]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ValueError(f"compile: metric names must be unique, got {sorted(duplicated)} "
                         "more than once")
    return resolved
