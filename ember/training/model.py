"""``ember.Model``: Keras-style ``compile``/``fit``/``evaluate``/``predict`` for any module.

>>> import numpy as np, ember, ember.nn as nn
>>> _ = ember.manual_seed(0)
>>> x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
>>> y = (x.sum(1) > 0).astype("int64")
>>> model = ember.Model(nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2)))
>>> _ = model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"], lr=1e-2)
>>> history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
>>> history.history["loss"][-1] < history.history["loss"][0]
True
>>> sorted(model.evaluate(x, y))
['accuracy', 'loss']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from .. import metrics as _metrics
from ..autograd import no_grad
from ..nn.module import Module
from ..ops.join import cat
from ..tensor import Tensor
from . import _compile, _data
from ._loop import Trainer
from .history import History


class Model(Module):
    """Wrap a module (``ember.Model(net)``) or subclass it (``class Net(ember.Model)``) to
    get ``compile``, ``fit``, ``evaluate``, ``predict`` and checkpoints. A wrapped
    module's state dict keeps its own key names (``model.network`` is the module that
    is saved and loaded)."""

    def __init__(self, module: Module | None = None) -> None:
        super().__init__()
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"Model: expected an ember.nn.Module, got {type(module).__name__}")
        self.module = module
        self.optimizer = None
        self.scheduler = None
        self.loss_fn = None
        self.metrics: list[_metrics.Metric] = []
        self.history = History()
        self.stop_training = False
        self.stop_now = False
        self.stop_reason: str | None = None
        self.global_step = 0
        self.stepped = False
        self.last_inputs: tuple | None = None
        self._stateful_callbacks: list = []  # this fit's callbacks with a state_dict()
        self.pending_callback_states: list = []  # from a loaded checkpoint, for the next fit
        self._compiled = False

    @property
    def network(self) -> Module:
        """The module whose weights are trained, saved and loaded."""
        return self.module if self.module is not None else self

    def forward(self, *inputs: Any) -> Any:
        if self.module is None:
            raise NotImplementedError("Model: wrap a module (ember.Model(net)) or define "
                                      "forward() in a subclass")
        return self.module(*inputs)

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer: Any = "adam", loss: Any = "cross_entropy",
                metrics: Sequence[Any] | None = None, *, lr: float | None = None,
                scheduler: Any = None) -> Model:
        """Choose the optimizer, loss and metrics, by object or by name
        (``"adam"``, ``"sgd"``, ``"cross_entropy"``, ``"mse"``, ``"accuracy"``, ...).
        ``scheduler`` is an ember scheduler over this optimizer, or a function
        ``optimizer -> scheduler``; ``fit`` steps it once per epoch (ReduceLROnPlateau
        with ``val_loss``, else ``loss``). Returns the model."""
        self.optimizer = _compile.resolve_optimizer(optimizer, self.network, lr)
        self.loss_fn = _compile.resolve_loss(loss)
        self.metrics = _compile.resolve_metrics(metrics, self.loss_fn)
        if scheduler is not None and not hasattr(scheduler, "step"):
            scheduler = scheduler(self.optimizer)
        if scheduler is not None and getattr(scheduler, "optimizer", None) is not self.optimizer:
            raise ValueError("compile: the scheduler must drive the compiled optimizer")
        self.scheduler = scheduler
        self._compiled = True
        return self

    def _require_compiled(self, op: str) -> None:
        if not self._compiled:
            raise RuntimeError(f"{op}: call model.compile(optimizer, loss, metrics) first")

    # ------------------------------------------------------------------ fit
    def fit(self, x: Any = None, y: Any = None, *, batch_size: int = 32, epochs: int = 1,
            verbose: int = 1, callbacks: Sequence[Any] | None = None,
            validation_split: float = 0.0, validation_data: Any = None,
            shuffle: bool = True, class_weight: dict[int, float] | None = None,
            initial_epoch: int = 0, steps_per_epoch: int | None = None,
            accumulate_grad_batches: int = 1, clip_grad_norm: float | None = None,
            clip_grad_value: float | None = None, num_workers: int = 0) -> History:
        """Train for ``epochs`` epochs (counting from ``initial_epoch``); returns the
        History. ``x`` is arrays/Tensors (with ``y``), a Dataset of ``(input, target)``
        or a DataLoader. Everything is checked before the first step. Gradients are
        accumulated over ``accumulate_grad_batches`` batches (the loss is divided by it)
        and clipped by norm or value before each step. ``class_weight`` scales each
        sample's loss by its class's weight (mean over the batch, as Keras does).
        ``steps_per_epoch`` caps the batches of an epoch (a new pass starts when the
        data runs out). A resumed run (``initial_epoch > 0``) extends ``model.history``."""
        self._require_compiled("fit")
        trainer = Trainer(self, epochs=epochs, initial_epoch=initial_epoch,
                          steps_per_epoch=steps_per_epoch,
                          accumulate=accumulate_grad_batches, clip_norm=clip_grad_norm,
                          clip_value=clip_grad_value, class_weight=class_weight)
        if validation_split and validation_data is not None:
            raise ValueError("fit: give validation_split or validation_data, not both")
        if validation_split:
            train_set, val_set = _data.split_validation("fit", x, y, validation_split)
            x, y, validation_data = train_set, None, val_set
        train = _data.make_loader(x, y, batch_size=batch_size, shuffle=shuffle, op="fit",
                                  num_workers=num_workers)
        val = None
        if validation_data is not None:
            vx, vy = _split_pair(validation_data)
            val = _data.make_loader(vx, vy, batch_size=batch_size, shuffle=False,
                                    op="fit (validation_data)", num_workers=num_workers)
        return trainer.run(train, val, callbacks or [], verbose)

    # ------------------------------------------------------------------ evaluate / predict
    def evaluate(self, x: Any = None, y: Any = None, *, batch_size: int = 32,
                 verbose: int = 0) -> dict[str, float]:
        """Loss and metrics over the data, in eval mode under ``no_grad``."""
        self._require_compiled("evaluate")
        loader = _data.make_loader(x, y, batch_size=batch_size, shuffle=False, op="evaluate")
        logs = Trainer(self, epochs=0, op="evaluate").evaluate(loader)
        if verbose:
            print(" - ".join(f"{k} {v:.4f}" for k, v in logs.items()))
        return logs

    def predict(self, x: Any, *, batch_size: int = 32) -> Tensor | tuple:
        """The model's outputs over ``x`` (arrays/Tensors, a Dataset whose items may carry
        a target, which is ignored, or a DataLoader), batched, in eval mode under
        ``no_grad``; concatenated along the batch dimension."""
        from_arrays = not isinstance(x, (_data.Dataset, _data.DataLoader))
        loader = _data.make_loader(x, None, batch_size=batch_size, shuffle=False, op="predict")
        outputs = []
        was_training = self.network.training
        self.network.eval()
        try:
            with no_grad():
                for batch in loader:
                    inputs = _predict_inputs(batch, from_arrays)
                    outputs.append(self(*inputs))
        finally:
            self.network.train(was_training)
        if not outputs:
            raise ValueError("predict: the data yields no batch")
        if isinstance(outputs[0], tuple):
            return tuple(cat([o[i] for o in outputs]) for i in range(len(outputs[0])))
        return cat(outputs)

    # ------------------------------------------------------------------ checkpoints
    def save_checkpoint(self, path: str | os.PathLike, *, epoch: int | None = None) -> None:
        """Write a training checkpoint (atomic): weights, optimizer, scheduler, epoch,
        step, RNG states and history."""
        from .checkpoint import save_checkpoint
        callbacks = [{"class": type(cb).__name__, "state": cb.state_dict()}
                     for cb in self._stateful_callbacks]
        save_checkpoint(path, model=self.network, optimizer=self.optimizer,
                        scheduler=self.scheduler,
                        epoch=len(self.history) if epoch is None else epoch,
                        step=self.global_step, history=self.history.state_dict(),
                        extra={"callbacks": callbacks})

    def load_checkpoint(self, path: str | os.PathLike, *, restore_rng: bool = True) -> int:
        """Restore a training checkpoint; returns its epoch, to pass as ``initial_epoch``
        to ``fit`` so training continues exactly where it stopped."""
        from .checkpoint import load_checkpoint
        if not self._compiled:
            raise RuntimeError(
                "load_checkpoint: call model.compile(...) first, so the optimizer and "
                "scheduler state have somewhere to go (for the weights alone: "
                "model.network.load_state_dict(ember.load(path)['model']))")
        info = load_checkpoint(path, model=self.network, optimizer=self.optimizer,
                               scheduler=self.scheduler, restore_rng=restore_rng)
        self.global_step = int(info.get("step") or 0)
        # the callbacks' states (early stopping, plateaus, schedules) go back into the
        # matching callbacks when the next fit begins
        self.pending_callback_states = list((info.get("extra") or {}).get("callbacks", []))
        self.history = History.from_state_dict(info.get("history"))
        return int(info.get("epoch") or 0)


def _split_pair(data: Any) -> tuple[Any, Any]:
    """``validation_data`` as (x, y): a pair, or a Dataset/DataLoader (y None)."""
    if isinstance(data, tuple):
        if len(data) != 2:
            raise ValueError(f"fit: validation_data must be (x, y), a Dataset or a DataLoader; "
                             f"got a tuple of {len(data)}")
        return data
    return data, None


def _predict_inputs(batch: Any, from_arrays: bool) -> tuple:
    if isinstance(batch, Tensor):
        return (batch,)
    items = tuple(batch)
    if from_arrays or len(items) == 1:
        return items
    return items[:-1]
