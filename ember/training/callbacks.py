"""Callbacks: code that ``Model.fit`` runs at fixed points of training.

Order of calls (each hook runs on every callback, in the order the list was given;
``fit`` adds the progress bar last when ``verbose`` is on)::

    on_train_begin(logs)
      per epoch: on_epoch_begin(epoch)
                   per batch: on_train_batch_begin(batch)
                              forward, loss, backward; an optimizer step when
                              accumulate_grad_batches batches are in (model.stepped)
                              on_train_batch_end(batch, logs)     # logs: {"loss": ...}
                 validation: on_test_begin, on_test_batch_end(batch) per batch,
                             on_test_end(val_logs)
                 logs["lr"] = the rate this epoch ran with; the compiled scheduler steps;
                 the model records the epoch in its History, then
                 on_epoch_end(epoch, logs)      # logs: loss, metrics, val_*, lr;
                                                # ModelCheckpoint's runs last
    on_train_end(logs)     # always, for the callbacks whose on_train_begin ran, also when
                           # training ends by an exception (KeyboardInterrupt included)

Setting ``model.stop_training = True`` ends training after the current epoch; setting
``model.stop_now = True`` (what TerminateOnNaN does) ends it after the current batch, and
the unfinished epoch is neither validated, recorded nor passed to ``on_epoch_end``.
``evaluate`` and ``predict`` call no hooks.

>>> seen = []
>>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
>>> cb.on_epoch_end(0, {}); seen
[0]
"""

from __future__ import annotations

import inspect
import math
import sys
from collections.abc import Callable, Iterable
from typing import Any


class Callback:
    """Base class: override any of the hooks; ``self.model`` is set by ``fit``."""

    model: Any = None
    writes_checkpoints = False  # True: its on_epoch_end runs after the other callbacks'

    def set_model(self, model: Any) -> None:
        self.model = model

    def on_train_begin(self, logs: dict | None = None) -> None: ...
    def on_train_end(self, logs: dict | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None: ...
    def on_test_begin(self, logs: dict | None = None) -> None: ...
    def on_test_end(self, logs: dict | None = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None: ...
    def on_predict_end(self, logs: dict | None = None) -> None: ...


class CallbackList(Callback):
    """Calls each hook on every callback in order."""

    def __init__(self, callbacks: Iterable[Callback] = (), model: Any = None) -> None:
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"fit: callbacks must be ember.training.callbacks.Callback "
                                f"instances, got {type(cb).__name__}")
            if model is not None:
                cb.set_model(model)

        self.begun: list[Callback] = []

    def _call(self, hook: str, *args: Any) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def on_train_begin(self, logs=None):
        for cb in self.callbacks:
            cb.on_train_begin(logs)
            self.begun.append(cb)

    def on_train_end(self, logs=None): self._call("on_train_end", logs)

    def finish(self, logs: dict | None = None) -> None:
        """``on_train_end`` for every callback whose ``on_train_begin`` ran, even if one of
        them fails (so files and writers are closed); the first failure is raised after,
        chained to any error already propagating."""
        failure = None
        for cb in self.begun:
            try:
                cb.on_train_end(logs)
            except Exception as exc:  # noqa: BLE001 - re-raised below
                failure = failure or exc
        self.begun = []
        if failure is not None:
            raise failure
    def on_epoch_begin(self, epoch, logs=None): self._call("on_epoch_begin", epoch, logs)
    def on_epoch_end(self, epoch, logs=None):
        # callbacks that write checkpoints go last, so they save the others' updated state
        for cb in sorted(self.callbacks, key=lambda c: c.writes_checkpoints):
            cb.on_epoch_end(epoch, logs)
    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs)

    def on_test_begin(self, logs=None): self._call("on_test_begin", logs)
    def on_test_end(self, logs=None): self._call("on_test_end", logs)
    def on_test_batch_end(self, batch, logs=None): self._call("on_test_batch_end", batch, logs)


class LambdaCallback(Callback):
    """A callback from plain functions, e.g.
    ``LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))``."""

    def __init__(self, **hooks: Callable) -> None:
        for name, fn in hooks.items():
            if not hasattr(Callback, name) or not name.startswith("on_"):
                hook_names = sorted(n for n in vars(Callback) if n.startswith("on_"))
                raise TypeError(f"LambdaCallback: unknown hook {name!r}; hooks are "
                                f"{', '.join(hook_names)}")
            setattr(self, name, fn)


def resolve_mode(name: str, monitor: str, mode: str) -> str:
    """'min' or 'max' for a monitored quantity ('auto': max for accuracy-like names)."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{name}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    higher = ("acc", "accuracy", "auroc", "auc", "f1", "precision", "recall", "r2")
    base = monitor[4:] if monitor.startswith("val_") else monitor
    return "max" if any(base == h or base.endswith("_" + h) or base.startswith(h)
                        for h in higher) else "min"


def improved(mode: str, value: float, reference: float, min_delta: float = 0.0) -> bool:
    """Whether ``value`` beats ``reference`` by more than ``min_delta`` in ``mode``."""
    if mode == "min":
        return value < reference - min_delta
    return value > reference + min_delta


def monitored(name: str, monitor: str, logs: dict | None) -> float | None:
    """The monitored value, or None with a warning when the logs lack it."""
    logs = logs or {}
    if monitor not in logs:
        available = ", ".join(sorted(logs)) or "none"
        print(f"{name}: monitored quantity {monitor!r} is not in the logs "
              f"(available: {available}); skipping", file=sys.stderr)
        return None
    return float(logs[monitor])


class EarlyStopping(Callback):
    """Stop once ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs; with
    ``restore_best_weights`` the best epoch's weights are put back when training ends."""

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0) -> None:
        self.monitor, self.min_delta, self.patience = monitor, abs(min_delta), patience
        self.mode = resolve_mode("EarlyStopping", monitor, mode)
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, -1, -1
        worst = math.inf if self.mode == "min" else -math.inf
        # `best` decides patience (it starts at the baseline); `best_seen` picks the
        # weights to restore, even if the baseline is never beaten (as in Keras)
        self.best = worst if self.baseline is None else self.baseline
        self.best_seen = worst
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        value = monitored("EarlyStopping", self.monitor, logs)
        if value is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and improved(self.mode, value, self.best_seen):
            self.best_seen, self.best_epoch = value, epoch
            self.best_weights = {k: v.clone() for k, v in
                                 self.model.network.state_dict().items()}
        if improved(self.mode, value, self.best, self.min_delta):
            self.best, self.wait = value, 0
            if not self.restore_best_weights:
                self.best_epoch = epoch
            return
        self.wait += 1  # Keras's rule: stop after `patience` epochs without improvement
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.network.load_state_dict(self.best_weights)

    _STATE = ("wait", "stopped_epoch", "best_epoch", "best", "best_seen", "best_weights")

    def state_dict(self) -> dict:
        """Patience counter, best values and (with restore_best_weights) the best weights,
        saved in training checkpoints so that a resumed run stops where this one would."""
        return {k: getattr(self, k, None) for k in self._STATE}

    def load_state_dict(self, state: dict) -> None:
        for k in self._STATE:
            if k in state:
                setattr(self, k, state[k])


class TerminateOnNaN(Callback):
    """Stop at once when a batch's loss is NaN or infinite, naming the epoch and batch.
    Nothing is saved for the unfinished epoch, so the last good checkpoint stays."""

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            reason = (f"TerminateOnNaN: loss is {loss} at epoch {self.epoch}, batch {batch}; "
                      "training stopped")
            print(reason, file=sys.stderr)
            self.model.stop_now = True
            self.model.stop_reason = reason


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stalls for ``patience``
    epochs (ember.optim.lr_scheduler.ReduceLROnPlateau driven by the epoch logs)."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0,
                 min_lr: float = 0.0) -> None:
        self.monitor, self.mode = monitor, resolve_mode("ReduceLROnPlateau", monitor, mode)
        self.options = dict(factor=factor, patience=patience, threshold=min_delta,
                            threshold_mode="abs", cooldown=cooldown, min_lr=min_lr)

    def on_train_begin(self, logs=None):
        from ..optim.lr_scheduler import ReduceLROnPlateau as Plateau
        self.scheduler = Plateau(self.model.optimizer, mode=self.mode, **self.options)

    def on_epoch_end(self, epoch, logs=None):
        value = monitored("ReduceLROnPlateau", self.monitor, logs)
        if value is not None:
            self.scheduler.step(value)

    def state_dict(self) -> dict:
        return self.scheduler.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.scheduler.load_state_dict(state)


class LearningRateScheduler(Callback):
    """Step any ember scheduler once per epoch (``interval="epoch"``) or per optimizer
    step (``"step"``); or set the rate from ``schedule(epoch, lr) -> lr`` as Keras does."""

    def __init__(self, schedule: Any, interval: str = "epoch") -> None:
        if interval not in ("epoch", "step"):
            raise ValueError(f"LearningRateScheduler: interval must be 'epoch' or 'step', "
                             f"got {interval!r}")
        if not callable(schedule) and not hasattr(schedule, "step"):
            raise TypeError("LearningRateScheduler: schedule must be an ember scheduler or a "
                            f"function (epoch, lr) -> lr, got {type(schedule).__name__}")
        self.schedule, self.interval = schedule, interval

    @property
    def _is_scheduler(self) -> bool:
        return hasattr(self.schedule, "step") and hasattr(self.schedule, "optimizer")

    def state_dict(self) -> dict:
        """The wrapped scheduler's state (saved in training checkpoints)."""
        return self.schedule.state_dict() if self._is_scheduler else {}

    def load_state_dict(self, state: dict) -> None:
        if self._is_scheduler and state:
            self.schedule.load_state_dict(state)

    def on_epoch_begin(self, epoch, logs=None):
        # an epoch scheduler steps as the next epoch begins (not at the end of the last),
        # so a checkpoint written at epoch end holds the state a resumed run must continue
        if self._is_scheduler:
            if self.interval == "epoch" and epoch > 0:
                self.schedule.step()
            return
        groups = self.model.optimizer.param_groups
        lr = float(self._call_schedule(epoch, float(groups[0]["lr"])))
        for group in groups:
            group["lr"] = lr

    def _call_schedule(self, epoch: int, lr: float) -> float:
        try:
            n_args = len(inspect.signature(self.schedule).parameters)
        except (TypeError, ValueError):
            n_args = 2
        return self.schedule(epoch) if n_args == 1 else self.schedule(epoch, lr)

    def on_train_batch_end(self, batch, logs=None):
        if self._is_scheduler and self.interval == "step" and self.model.stepped:
            self.schedule.step()


# the writing callbacks live in a sibling module; one import path for all of them
from .callbacks_io import CSVLogger, ModelCheckpoint, ProgressBar, TensorBoard  # noqa: E402

__all__ = ["Callback", "CallbackList", "LambdaCallback", "EarlyStopping", "TerminateOnNaN",
           "ReduceLROnPlateau", "LearningRateScheduler", "ModelCheckpoint", "CSVLogger",
           "TensorBoard", "ProgressBar"]
