"""The training and evaluation loops behind ``Model.fit`` and ``Model.evaluate``."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np

from .. import metrics as _metrics
from ..autograd import no_grad
from ..data import DataLoader
from ..nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from ..optim.lr_scheduler import ReduceLROnPlateau
from ..tensor import Tensor
from . import _compile, _data, _targets
from .callbacks import CallbackList
from .callbacks_io import ProgressBar
from .history import History


def _check_int(name: str, value: Any, low: int) -> int:
    if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"fit: {name} must be an int >= {low}, got {value!r}")
    return int(value)


class Trainer:
    """One ``fit`` or ``evaluate`` call's options and loops over a Model."""

    def __init__(self, model: Any, *, epochs: int, initial_epoch: int = 0,
                 steps_per_epoch: int | None = None, accumulate: int = 1,
                 clip_norm: float | None = None, clip_value: float | None = None,
                 class_weight: dict | None = None, op: str = "fit") -> None:
        self.epochs = _check_int("epochs", epochs, 0)
        self.initial_epoch = _check_int("initial_epoch", initial_epoch, 0)
        self.accumulate = _check_int("accumulate_grad_batches", accumulate, 1)
        self.steps_per_epoch = (None if steps_per_epoch is None
                                else _check_int("steps_per_epoch", steps_per_epoch, 1))
        for name, value in (("clip_grad_norm", clip_norm), ("clip_grad_value", clip_value)):
            if value is not None and not value > 0:
                raise ValueError(f"fit: {name} must be > 0, got {value!r}")
        self.model, self.op = model, op
        self.clip_norm, self.clip_value = clip_norm, clip_value
        self.class_weight = _targets.class_weight_table(class_weight)
        self.pointwise = _compile.is_pointwise(model.loss_fn)

    # ------------------------------------------------------------------ fit
    def run(self, train: DataLoader, val: DataLoader | None, callbacks: list,
            verbose: int) -> History:
        model, network = self.model, self.model.network
        steps = self.steps_per_epoch or _len_or_none(train)
        if steps is None:
            raise ValueError("fit: steps_per_epoch is required for data without a length "
                             "(an IterableDataset)")
        if steps == 0:
            raise ValueError(f"fit: the DataLoader yields no batch ({len(train.dataset)} "
                             f"samples, batch_size={train.batch_size}, drop_last=True?)")
        callbacks = list(callbacks)
        if verbose:
            callbacks.append(ProgressBar(per_epoch_only=verbose == 2))
            callbacks[-1].params = {"epochs": self.epochs, "steps": steps}
        hooks = CallbackList(callbacks, model)
        if self.initial_epoch == 0:
            model.history = History()
        else:
            model.history.truncate(self.initial_epoch)
        model.stop_training = model.stop_now = False
        model.stop_reason, model.last_inputs = None, None
        model._stateful_callbacks = [cb for cb in callbacks if _stateful(cb)]
        was_training, logs = network.training, {}
        batches = _Batches(train, steps)
        try:
            hooks.on_train_begin()
            _restore_callback_states(model)
            for epoch in range(self.initial_epoch, self.epochs):
                hooks.on_epoch_begin(epoch)
                logs = self._train_epoch(batches, steps, hooks)
                if model.stop_now:
                    break
                if val is not None:
                    hooks.on_test_begin()
                    val_logs = {f"val_{k}": v for k, v in self.evaluate(val, hooks).items()}
                    hooks.on_test_end(val_logs)
                    logs.update(val_logs)
                logs["lr"] = float(model.optimizer.param_groups[0]["lr"])  # this epoch's
                self._step_scheduler(logs)
                model.history.record(epoch, logs)
                hooks.on_epoch_end(epoch, logs)
                if model.stop_training or model.stop_now:
                    break
        finally:
            model.history.stop_reason = model.stop_reason
            network.train(was_training)
            hooks.finish(logs)
        return model.history

    def _train_epoch(self, batches: _Batches, steps: int, hooks: CallbackList) -> dict:
        model = self.model
        model.network.train()
        loss_mean = _metrics.Mean("loss")
        for metric in model.metrics:
            metric.reset()
        model.optimizer.zero_grad()
        pending = 0
        for batch_index in range(steps):
            inputs, target = _data.split_batch(next(batches), op=self.op)
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
            self._update_metrics(output, target)
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
        target = _targets.align_target(output, target, pointwise=self.pointwise)
        if self.class_weight is None:
            return self.model.loss_fn(output, target)
        per_sample = _compile.per_sample_loss(self.model.loss_fn, output, target)
        labels = _targets.labels_of(output, target)
        return (per_sample * _targets.sample_weights(self.class_weight, labels,
                                                     per_sample)).mean()

    def _update_metrics(self, output: Any, target: Any) -> None:
        if not self.model.metrics:
            return
        if not isinstance(output, Tensor):
            raise TypeError(f"{self.op}: metrics need the model to return one Tensor, got "
                            f"{type(output).__name__}; compute them in a custom loss or "
                            "return a single output")
        with no_grad():
            labels = _targets.labels_of(output, target)
            for metric in self.model.metrics:
                metric.update(output.detach(), labels)

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
        model, network = self.model, self.model.network
        was_training = network.training
        network.eval()
        loss_mean = _metrics.Mean("loss")
        for metric in model.metrics:
            metric.reset()
        seen = 0
        try:
            with no_grad():
                for batch_index, batch in enumerate(loader):
                    inputs, target = _data.split_batch(batch, op=self.op)
                    output = model(*inputs)
                    aligned = _targets.align_target(output, target, pointwise=self.pointwise)
                    loss_mean.update(float(model.loss_fn(output, aligned).item()),
                                     weight=_batch_size(target))
                    self._update_metrics(output, target)
                    seen += 1
                    if hooks is not None:
                        hooks.on_test_batch_end(batch_index)
        finally:
            network.train(was_training)
        if not seen:
            raise ValueError(f"{self.op}: the evaluation data yields no batch")
        return {"loss": loss_mean.compute(), **_metric_logs(model.metrics)}


def _stateful(callback: Any) -> bool:
    return callable(getattr(callback, "state_dict", None)) and callable(
        getattr(callback, "load_state_dict", None))


def _restore_callback_states(model: Any) -> None:
    """Give each stateful callback the state saved by its counterpart (same class, same
    order) in the checkpoint the model was loaded from; then forget the saved states."""
    pending = model.pending_callback_states
    model.pending_callback_states = []
    for cb in model._stateful_callbacks:
        for i, saved in enumerate(pending):
            if saved.get("class") == type(cb).__name__:
                cb.load_state_dict(pending.pop(i)["state"])
                break


class _Batches:
    """One iterator over the loader for a whole ``fit``: an epoch of ``steps_per_epoch``
    batches continues where the previous one stopped (as in Keras); a pass that runs out
    starts a new one (reshuffled)."""

    def __init__(self, loader: DataLoader, steps: int) -> None:
        self.loader, self.steps = loader, steps
        self.iterator = None

    def __next__(self) -> Any:
        if self.iterator is not None:
            batch = next(self.iterator, _END)
            if batch is not _END:
                return batch
        self.iterator = iter(self.loader)
        batch = next(self.iterator, _END)
        if batch is _END:
            raise ValueError("fit: the data produced no batch")
        return batch


_END = object()


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
