"""Training checkpoints: model, optimizer, scheduler, counters, history and RNG states in one
safetensors file, written atomically and loaded all-or-nothing.

Restoring the random generators too makes a resumed run continue exactly as an
uninterrupted one: with the same seed on the CPU, 2 epochs, a checkpoint and 2 more epochs
give bit for bit the parameters of 4 epochs in one go.

>>> import os, tempfile
>>> import ember
>>> from ember.training.checkpoint import load_checkpoint, save_checkpoint
>>> model = ember.nn.Linear(3, 2)
>>> opt = ember.optim.Adam(model.parameters(), lr=0.01)
>>> with tempfile.TemporaryDirectory() as folder:
...     path = os.path.join(folder, "last.ckpt")
...     save_checkpoint(path, model=model, optimizer=opt, epoch=3, history={"loss": [0.5]})
...     info = load_checkpoint(path, model=ember.nn.Linear(3, 2),
...                            optimizer=ember.optim.Adam(model.parameters()))
>>> info["epoch"], info["history"]
(3, {'loss': [0.5]})
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..serialization import CheckpointError, load, save
from ._rng import capture_rng_state, check_rng_state, restore_rng_state

__all__ = ["CheckpointError", "capture_rng_state", "load_checkpoint", "restore_rng_state",
           "save_checkpoint"]

FORMAT, VERSION = "ember.checkpoint", 1


def save_checkpoint(path: str | os.PathLike, *, model: Any, optimizer: Any = None,
                    scheduler: Any = None, epoch: int = 0, step: int = 0,
                    history: dict | None = None, extra: dict | None = None) -> None:
    """Write a training checkpoint to ``path`` atomically (see :func:`ember.save`).

    It holds ``model.state_dict()``, the optimizer's and scheduler's ``state_dict()`` and
    class names, ``epoch`` and ``step`` (the counts completed), ``history`` (e.g.
    ``{"loss": [...]}``; an object with a ``.history`` dict is accepted), the random
    generators' states (:func:`capture_rng_state`) and ``extra`` (anything ``ember.save``
    stores).
    """
    for name, value in (("epoch", epoch), ("step", step)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"save_checkpoint: {name} must be an int, got "
                            f"{type(value).__name__}")
    history = getattr(history, "history", history)
    if history is not None and not isinstance(history, Mapping):
        raise TypeError(f"save_checkpoint: history must be a dict, got {type(history).__name__}")
    save({"format": FORMAT, "version": VERSION,
          "model": model.state_dict(),
          "optimizer": None if optimizer is None else optimizer.state_dict(),
          "optimizer_class": None if optimizer is None else type(optimizer).__name__,
          "scheduler": None if scheduler is None else scheduler.state_dict(),
          "scheduler_class": None if scheduler is None else type(scheduler).__name__,
          "epoch": epoch, "step": step, "history": dict(history or {}),
          "rng": capture_rng_state(), "extra": {} if extra is None else extra}, path)


def load_checkpoint(path: str | os.PathLike, *, model: Any = None, optimizer: Any = None,
                    scheduler: Any = None, restore_rng: bool = True) -> dict[str, Any]:
    """Load a checkpoint from :func:`save_checkpoint` into the given objects, in place;
    returns ``{"epoch", "step", "history", "extra"}``.

    All or nothing: the file, the optimizer's and scheduler's class and parameter-group
    layout, the RNG states and the model's keys and shapes are all checked, and if any check
    or load fails, :class:`CheckpointError` is raised with the model, optimizer, scheduler
    and generators as they were. ``restore_rng=False`` leaves the generators alone.
    """
    ckpt = load(path)
    _check_format(path, ckpt)
    if optimizer is not None:
        _check_optimizer(path, ckpt, optimizer)
    if scheduler is not None:
        _check_scheduler(path, ckpt, scheduler)
    rng_setters = []
    if restore_rng:
        try:
            rng_setters = check_rng_state(ckpt["rng"])
        except ValueError as exc:
            raise CheckpointError(f"{path}: {exc}") from None
    undo = _snapshot(optimizer, scheduler)
    try:
        if optimizer is not None:
            optimizer.load_state_dict(ckpt["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(ckpt["scheduler"])
        if model is not None:
            model.load_state_dict(ckpt["model"])  # checks every key and shape first
    except BaseException as exc:
        undo()
        if isinstance(exc, (RuntimeError, ValueError, KeyError, TypeError)) \
                and not isinstance(exc, CheckpointError):
            raise CheckpointError(f"{path}: the checkpoint doesn't fit (nothing was changed): "
                                  f"{exc}") from exc
        raise
    for setter in rng_setters:
        setter()
    return {key: ckpt[key] for key in ("epoch", "step", "history", "extra")}


def _check_format(path: Any, ckpt: Any) -> None:
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an ember training checkpoint (no 'format': "
                              f"'{FORMAT}' entry); load plain weights with ember.load")
    version = ckpt.get("version")
    if not isinstance(version, int) or version > VERSION or version < 1:
        raise CheckpointError(f"{path}: checkpoint version {version!r}; this version of ember "
                              f"reads version {VERSION} (upgrade ember for newer ones)")
    kinds = {"model": dict, "epoch": int, "step": int, "history": dict, "rng": dict}
    for key, kind in kinds.items():
        if not isinstance(ckpt.get(key), kind):
            raise CheckpointError(f"{path}: the checkpoint's {key!r} entry should be a "
                                  f"{kind.__name__}, got {type(ckpt.get(key)).__name__}")


def _check_class(path: Any, ckpt: dict, what: str, obj: Any) -> Any:
    saved = ckpt.get(what)
    if saved is None:
        raise CheckpointError(f"{path} holds no {what} state; pass {what}=None to load "
                              "without it")
    cls = ckpt.get(f"{what}_class")
    if cls != type(obj).__name__:
        raise CheckpointError(f"{path} holds the state of a {cls} {what}, not of the given "
                              f"{type(obj).__name__}")
    return saved


def _check_optimizer(path: Any, ckpt: dict, optimizer: Any) -> None:
    """The checks ``Optimizer.load_state_dict`` would do, done before anything changes."""
    saved = _check_class(path, ckpt, "optimizer", optimizer)
    groups = saved.get("param_groups") if isinstance(saved, dict) else None
    if not isinstance(groups, list) or not isinstance(saved.get("state"), dict) or not all(
            isinstance(g, dict) and isinstance(g.get("params"), list) for g in groups):
        raise CheckpointError(f"{path}: the optimizer state is malformed")
    sizes = [len(g["params"]) for g in groups]
    expected = [len(g["params"]) for g in optimizer.param_groups]
    if sizes != expected:
        raise CheckpointError(f"{path}: the optimizer state has parameter groups of sizes "
                              f"{sizes}; the given optimizer's are {expected}")
    indices = {i for g in groups for i in g["params"]}
    unknown = [k for k in saved["state"] if k not in indices]
    if unknown:
        raise CheckpointError(f"{path}: the optimizer state has entries for parameters "
                              f"{unknown} that no parameter group lists")


def _check_scheduler(path: Any, ckpt: dict, scheduler: Any) -> None:
    saved = _check_class(path, ckpt, "scheduler", scheduler)
    if not isinstance(saved, dict):
        raise CheckpointError(f"{path}: the scheduler state is malformed")
    nested = getattr(scheduler, "_schedulers", None)
    if nested is not None and len(saved.get("_schedulers") or ()) != len(nested):
        raise CheckpointError(f"{path}: the scheduler state holds "
                              f"{len(saved.get('_schedulers') or ())} schedulers; the given "
                              f"{type(scheduler).__name__} has {len(nested)}")


def _snapshot(optimizer: Any, scheduler: Any):
    """A function putting the optimizer and scheduler back as they are now (their
    ``load_state_dict`` replace attributes rather than change them in place)."""
    saved_opt = None if optimizer is None else dict(optimizer.__dict__)
    schedulers, stack = [], [] if scheduler is None else [scheduler]
    while stack:
        s = stack.pop()
        schedulers.append((s, dict(s.__dict__)))
        stack.extend(getattr(s, "_schedulers", ()))

    def undo() -> None:
        if saved_opt is not None:
            optimizer.__dict__.update(saved_opt)
        for s, attrs in schedulers:
            s.__dict__.clear()
            s.__dict__.update(attrs)
    return undo
