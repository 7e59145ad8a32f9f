"""The training and evaluation loops behind ``Model.fit`` and ``Model.evaluate``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import metrics as _metrics
from ..autograd import no_grad
from ..data import DataLoader
from ..nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from ..ops.creation import from_numpy
from ..optim.lr_scheduler import ReduceLROnPlateau
from ..tensor import Tensor
from . import _compile, _data
from .callbacks import CallbackList
from .callbacks_io import ProgressBar
from .history import History


class Trainer:
    """One ``fit`` or ``evaluate`` call's options and loops over a Model."""

    def __init__(self, model: Any, *, epochs: int, initial_epoch: int = 0,
                 steps_per_epoch: int | None = None, accumulate: int = 1,
                 clip_norm: float | None = None, clip_value: float | None = None,
                 class_weight: dict | None = None) -> None:
        for name, value, low in (("epochs", epochs, 0), ("initial_epoch", initial_epoch, 0),
                                 ("accumulate_grad_batches", accumulate, 1)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"fit: {name} must be an int >= {low}, got {value!r}")
        if steps_per_epoch is not None and (not isinstance(steps_per_epoch, int)
                                            or steps_per_epoch < 1):
            raise ValueError(f"fit: steps_per_epoch must be a positive int, got "
                             f"{steps_per_epoch!r}")
        for name, value in (("clip_grad_norm", clip_norm), ("clip_grad_value", clip_value)):
            if value is not None and not value > 0:
                raise ValueError(f"fit: {name} must be > 0, got {value!r}")
        self.model, self.epochs, self.initial_epoch = model, epochs, initial_epoch
        self.steps_per_epoch, self.accumulate = steps_per_epoch, accumulate
        self.clip_norm, self.clip_value = clip_norm, clip_value
        self.class_weight = _class_weight_table(class_weight)

    # ------------------------------------------------------------------ fit
    def run(self, train: DataLoader, val: DataLoader | None, callbacks: list,
            verbose: int) -> History:
        model = self.model
        steps = self.steps_per_epoch or _len_or_none(train)
        if steps is None:
            raise ValueError("fit: steps_per_epoch is required for data without a length "
                             "(an IterableDataset)")
        callbacks = list(callbacks)
        if verbose:
            bar = ProgressBar()
            bar.params = {"epochs": self.epochs, "steps": steps}
            callbacks.append(bar)
        hooks = CallbackList(callbacks, model)
        if self.initial_epoch == 0:
            model.history = History()
        else:
            model.history.truncate(self.initial_epoch)
        model.stop_training = model.stop_now = False
        model.stop_reason = None
        model.last_inputs = None
        model._callback_schedulers = []
        hooks.on_train_begin()
        logs: dict[str, float] = {}
        try:
            for epoch in range(self.initial_epoch, self.epochs):
                hooks.on_epoch_begin(epoch)
                logs = self._train_epoch(train, steps, hooks)
                if model.stop_now:
                    break
                if val is not None:
                    hooks.on_test_begin()
                    logs.update({f"val_{k}": v for k, v in self.evaluate(val, hooks).items()})
                    hooks.on_test_end(logs)
                logs["lr"] = float(model.optimizer.param_groups[0]["lr"])  # this epoch's
                self._step_scheduler(logs)
                model.history.record(epoch, logs)
                hooks.on_epoch_end(epoch, logs)
                if model.stop_training or model.stop_now:
                    break
        finally:
            model.history.stop_reason = model.stop_reason
            hooks.on_train_end(logs)
        return model.history

    def _train_epoch(self, loader: DataLoader, steps: int, hooks: CallbackList) -> dict:
        model = self.model
        network = model.network
        network.train()
        loss_mean = _metrics.Mean("loss")
        for metric in model.metrics:
            metric.reset()
        model.optimizer.zero_grad()
        pending = 0
        for batch_index, batch in enumerate(_batches(loader, steps)):
            inputs, target = _data.split_batch(batch)
            model.last_inputs = inputs
            hooks.on_train_batch_begin(batch_index)
            output = model(*inputs)
            loss = self._loss(output, target)
            (loss / self.accumulate if self.accumulate > 1 else loss).backward()
            pending += 1
            model.stepped = pending == self.accumulate or batch_index == steps - 1
            if model.stepped:
                self._optimizer_step()
                pending = 0
            value = float(loss.item())
            loss_mean.update(value, weight=_batch_size(target))
            with no_grad():
                for metric in model.metrics:
                    metric.update(output.detach(), target)
            hooks.on_train_batch_end(batch_index, {"loss": value})
            if model.stop_now:
                break
        return {"loss": loss_mean.compute(), **_metric_logs(model.metrics)}

    def _optimizer_step(self) -> None:
        model = self.model
        params = [p for p in model.network.parameters() if p.grad is not None]
        if self.clip_value is not None:
            clip_grad_value_(params, self.clip_value)
        if self.clip_norm is not None:
            clip_grad_norm_(params, self.clip_norm)
        model.optimizer.step()
        model.optimizer.zero_grad()
        model.global_step += 1

    def _loss(self, output: Any, target: Any) -> Tensor:
        if self.class_weight is None:
            return self.model.loss_fn(output, target)
        per_sample = _compile.per_sample_loss(self.model.loss_fn, output, target)
        labels = target.numpy().astype(np.int64).reshape(-1)
        if labels.min() < 0:
            raise ValueError(f"fit: class_weight needs labels >= 0, got {int(labels.min())}")
        table = self.class_weight
        if labels.max() >= len(table):  # labels without a weight weigh 1
            table = np.concatenate([table, np.ones(labels.max() + 1 - len(table))])
        weights = from_numpy(table[labels].astype(np.float32))
        return (per_sample * weights.to(per_sample.dtype)).mean()

    def _step_scheduler(self, logs: dict) -> None:
        scheduler = self.model.scheduler
        if scheduler is None:
            return
        if isinstance(scheduler, ReduceLROnPlateau):
            scheduler.step(logs.get("val_loss", logs["loss"]))
        else:
            scheduler.step()

    # ------------------------------------------------------------------ evaluate
    def evaluate(self, loader: DataLoader, hooks: CallbackList | None = None) -> dict:
        model = self.model
        network = model.network
        was_training = network.training
        network.eval()
        loss_mean = _metrics.Mean("loss")
        for metric in model.metrics:
            metric.reset()
        try:
            with no_grad():
                for batch_index, batch in enumerate(loader):
                    inputs, target = _data.split_batch(batch)
                    output = model(*inputs)
                    loss_mean.update(float(model.loss_fn(output, target).item()),
                                     weight=_batch_size(target))
                    for metric in model.metrics:
                        metric.update(output, target)
                    if hooks is not None:
                        hooks.on_test_batch_end(batch_index)
        finally:
            network.train(was_training)
        return {"loss": loss_mean.compute(), **_metric_logs(model.metrics)}


def _batches(loader: DataLoader, steps: int):
    """``steps`` batches: a pass over the loader, more passes if it runs out first."""
    taken = 0
    while taken < steps:
        produced = False
        for batch in loader:
            produced = True
            yield batch
            taken += 1
            if taken == steps:
                return
        if not produced:
            raise ValueError("fit: the data produced no batch")


def _len_or_none(loader: DataLoader) -> int | None:
    try:
        return len(loader)
    except TypeError:
        return None


def _batch_size(target: Any) -> int:
    return int(target.shape[0]) if getattr(target, "ndim", 0) else 1


def _metric_logs(metrics: list) -> dict[str, float]:
    logs = {}
    for metric in metrics:
        value = metric.compute()
        if np.ndim(value) == 0:
            logs[metric.name] = float(value)
    return logs


def _class_weight_table(class_weight: dict | None) -> np.ndarray | None:
    """``{label: weight}`` as a lookup table (missing labels weigh 1, as in Keras)."""
    if class_weight is None:
        return None
    if not isinstance(class_weight, dict) or not class_weight:
        raise ValueError(f"fit: class_weight must be a non-empty dict {{label: weight}}, got "
                         f"{class_weight!r}")
    if any(not isinstance(k, (int, np.integer)) or k < 0 for k in class_weight):
        raise ValueError(f"fit: class_weight keys must be labels >= 0, got "
                         f"{sorted(class_weight)}")
    table = np.ones(max(class_weight) + 1, dtype=np.float64)
    for label, weight in class_weight.items():
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"fit: class_weight[{label}] must be finite and >= 0, got {weight}")
        table[label] = weight
    return table
