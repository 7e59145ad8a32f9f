"""The subcommands: ``train``, ``evaluate``, ``predict``, ``summary`` and ``resume``.

``train`` checks the whole config, loads the data, builds the model and runs one forward
pass before it creates the run folder, so a bad config leaves no trace.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from ..metrics import suggest
from ..training import callbacks as cb
from ..training.model import Model
from . import _run, config, registry
from . import data as datamod
from ._errors import CLIError

_CLASSIFICATION_LOSSES = ("cross_entropy", "categorical_crossentropy",
                          "sparse_categorical_crossentropy", "nll")


def _seed(seed: int) -> None:
    from ..ops.random import manual_seed
    manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)


def _classifies(cfg: dict) -> bool:
    return cfg["train"]["loss"]["type"].lower() in _CLASSIFICATION_LOSSES


def build_network(cfg: dict, shape: tuple[int, ...], num_classes: int | None = None
                  ) -> tuple[nn.Module, Any]:
    """The model of ``[model]`` and its summary for one input of ``shape``; a model that
    cannot run on such an input is a config error."""
    from .._summary import summary
    net = registry.build_model(cfg["model"]["layers"])
    try:
        info = summary(net, (1, *shape), verbose=False)
    except Exception as exc:  # the message names the failing layer
        raise CLIError(f"[model] the layers do not fit inputs of shape {list(shape)}: {exc}"
                       ) from None
    out = info.rows[0].output_shape if info.rows else None
    if num_classes and _classifies(cfg) and isinstance(out, tuple):
        if len(out) != 2 or out[-1] < num_classes:
            raise CLIError(f"[model] the model's output has shape {list(out)} for one sample, "
                           f"but the data has {num_classes} classes: the last layer should "
                           f"give [1, {num_classes}] (e.g. out_features = {num_classes})")
    return net, info


def build_model(cfg: dict, net: nn.Module) -> Model:
    """``net`` compiled with ``[train]``'s optimizer, scheduler, loss and metrics."""
    train = cfg["train"]
    optimizer = registry.build_optimizer(train["optimizer"], net)
    scheduler = registry.build_scheduler(train["scheduler"], optimizer, train["epochs"])
    loss = registry.build_loss(train["loss"])
    registry.check_metrics(train["metrics"])
    return Model(net).compile(optimizer=optimizer, loss=loss, metrics=train["metrics"],
                              scheduler=scheduler)


def _check_monitor(cfg: dict, has_val: bool) -> str:
    train = cfg["train"]
    from .. import metrics
    names = ["loss", *(metrics.get(m).name for m in train["metrics"])]
    valid = names + ([f"val_{n}" for n in names] if has_val else []) + ["lr"]
    monitor = train["monitor"] or ("val_loss" if has_val else "loss")
    if monitor not in valid:
        raise CLIError(f"[train] monitor {monitor!r} is not logged.{suggest(monitor, valid)} "
                       f"Logged: {', '.join(valid)}")
    return monitor


def _prepare(cfg: dict) -> tuple[datamod.Data, Model, Any, str]:
    """Data, compiled model, summary and monitor of a resolved config; fills the derived
    entries (normalisation, classes, input shape, monitor) into ``cfg``."""
    _seed(cfg["seed"])
    data = datamod.load(cfg["data"])
    cfg["data"].update(mean=data.mean, std=data.std, classes=data.classes)
    cfg["model"]["input_shape"] = list(data.input_shape)
    net, info = build_network(cfg, data.input_shape, data.num_classes)
    model = build_model(cfg, net)
    monitor = cfg["train"]["monitor"] = _check_monitor(cfg, data.x_val is not None)
    return data, model, info, monitor


def _fit(model: Model, data: datamod.Data, cfg: dict, folder: Path, monitor: str,
         extra: list, *, initial_epoch: int, quiet: bool) -> None:
    callbacks = list(extra)
    callbacks.append(cb.ModelCheckpoint(folder / _run.LAST, monitor=monitor))
    if data.x_val is not None:
        best = cb.ModelCheckpoint(folder / _run.BEST, monitor=monitor, save_best_only=True)
        done = [v for v in model.history.history.get(monitor, []) if np.isfinite(v)]
        if done:  # resuming: beat the best so far
            best.best = min(done) if best.mode == "min" else max(done)
        callbacks.append(best)
    callbacks += [cb.CSVLogger(folder / _run.METRICS_CSV, append=initial_epoch > 0),
                  _run.MetricsWriter(folder, monitor)]
    validation = None if data.x_val is None else (data.x_val, data.y_val)
    train = cfg["train"]
    start = time.perf_counter()
    try:
        model.fit(data.x_train, data.y_train, epochs=train["epochs"],
                  batch_size=train["batch_size"], validation_data=validation,
                  callbacks=callbacks, initial_epoch=initial_epoch,
                  clip_grad_norm=train["clip_grad_norm"], verbose=0 if quiet else 1)
    except KeyboardInterrupt:
        _run.write_metrics(folder, model, status="interrupted", monitor=monitor)
        print(f"\nember: interrupted; the last finished epoch is saved. Continue with: "
              f"ember resume {folder}", file=sys.stderr)
        raise
    seconds = time.perf_counter() - start
    model.save_checkpoint(folder / _run.LAST)  # the final weights (EarlyStopping may restore)
    test = model.evaluate(data.x_test, data.y_test, batch_size=max(train["batch_size"], 256))
    status = "stopped_early" if len(model.history) < train["epochs"] else "finished"
    if model.history.stop_reason:
        status = "stopped"
    _run.write_metrics(folder, model, status=status, test=test, monitor=monitor,
                       seconds=seconds)
    _run.plot(folder, model)
    shown = " - ".join(f"{k} {v:.4f}" for k, v in test.items())
    print(f"test: {shown}")
    if "accuracy" in test:
        print(f"final test accuracy: {100 * test['accuracy']:.2f}%")
    print(f"run folder: {folder}  ({seconds:.1f} s of training)")


# ---------------------------------------------------------------------- subcommands
def train(config_file: str | None, overrides: list, quiet: bool = False) -> int:
    cfg = config.load(config_file, overrides)
    data, model, info, monitor = _prepare(cfg)
    folder = _run.choose(cfg["output"])
    cfg["output"]["name"] = folder.name
    extra = registry.build_callbacks(cfg["train"]["callbacks"], folder)
    # everything is checked: only now does anything get written
    folder.mkdir(parents=True)
    config.write_resolved(cfg, folder)
    (folder / _run.SUMMARY).write_text(str(info) + "\n", encoding="utf-8")
    if not quiet:
        n_val = 0 if data.x_val is None else len(data.x_val)
        print(f"ember train: {cfg['data']['dataset']} ({len(data.x_train)} train / {n_val} "
              f"validation / {len(data.x_test)} test), {info.total_params:,} parameters, "
              f"{cfg['train']['epochs']} epochs -> {folder}")
    _fit(model, data, cfg, folder, monitor, extra, initial_epoch=0, quiet=quiet)
    return 0


def resume(run: str, epochs: int | None = None, quiet: bool = False) -> int:
    folder = _run.find_run(run)
    cfg = config.read_resolved(folder)
    if epochs is not None:
        cfg["train"]["epochs"] = epochs
    last = _run.checkpoint_path(folder, "last")
    data, model, _, monitor = _prepare(cfg)
    extra = registry.build_callbacks(cfg["train"]["callbacks"], folder)
    done = _load(model, last, restore_rng=True)
    status = _run.read_metrics(folder).get("status")
    target = cfg["train"]["epochs"]
    if done >= target or (status in ("stopped_early", "stopped") and epochs is None):
        why = "stopped early" if status in ("stopped_early", "stopped") else "finished"
        print(f"ember resume: {folder} has {why} after {done} of {target} epochs; nothing to "
              "do (pass --epochs N to train further)")
        return 0
    if epochs is not None:
        config.write_resolved(cfg, folder)
    _run.rewrite_csv(folder, model.history)
    if not quiet:
        print(f"ember resume: {folder} from epoch {done} to {target}")
    _fit(model, data, cfg, folder, monitor, extra, initial_epoch=done, quiet=quiet)
    return 0


def _load(model: Model, path: Path, *, restore_rng: bool) -> int:
    from ..serialization import CheckpointError
    try:
        return model.load_checkpoint(path, restore_rng=restore_rng)
    except CheckpointError as exc:
        raise CLIError(str(exc), exit_code=1) from None


def _load_weights(net: nn.Module, path: Path) -> None:
    from ..serialization import CheckpointError
    from ..training.checkpoint import load_checkpoint
    try:
        load_checkpoint(path, model=net, restore_rng=False)
    except CheckpointError as exc:
        raise CLIError(str(exc), exit_code=1) from None


def evaluate(run: str, checkpoint: str = "last", as_json: bool = False) -> int:
    folder = _run.find_run(run)
    cfg = config.read_resolved(folder)
    path = _run.checkpoint_path(folder, checkpoint)
    _seed(cfg["seed"])
    data = datamod.load(cfg["data"])
    net, _ = build_network(cfg, data.input_shape)
    model = build_model(cfg, net)
    _load_weights(net, path)
    result = model.evaluate(data.x_test, data.y_test,
                            batch_size=max(cfg["train"]["batch_size"], 256))
    if as_json:
        import json
        print(json.dumps(_run._plain(result)))
    else:
        print(f"{path.name} on {len(data.x_test)} test samples: "
              + " - ".join(f"{k} {v:.4f}" for k, v in result.items()))
    return 0


def predict(run: str, input_file: str, checkpoint: str = "last", top_k: int = 1,
            as_json: bool = False, output: str | None = None) -> int:
    folder = _run.find_run(run)
    cfg = config.read_resolved(folder)
    path = _run.checkpoint_path(folder, checkpoint)
    shape = tuple(cfg["model"]["input_shape"])
    x = datamod.read_input(input_file, cfg)
    net, _ = build_network(cfg, shape)
    _load_weights(net, path)
    out = Model(net).predict(x, batch_size=256).numpy()
    if output is not None:
        np.save(output, out)
    rows = _describe_outputs(out, cfg, top_k) if _classifies(cfg) else [
        {"output": np.asarray(o).tolist()} for o in out]
    if as_json:
        import json
        print(json.dumps(rows))
    else:
        for i, row in enumerate(rows):
            if "top" in row:
                shown = ", ".join(f"{t['label']} ({t['probability']:.3f})" for t in row["top"])
                print(f"{i}: {shown}")
            else:
                print(f"{i}: {row['output']}")
    return 0


def _describe_outputs(logits: np.ndarray, cfg: dict, top_k: int) -> list[dict]:
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    if cfg["train"]["loss"]["type"].lower() == "nll":  # the model outputs log-probabilities
        probs = np.exp(logits)
    classes = cfg["data"]["classes"]
    rows = []
    for p in probs:
        order = np.argsort(-p, kind="stable")[:top_k]
        rows.append({"top": [{"class": int(k), "probability": float(p[k]),
                              "label": classes[k] if classes and k < len(classes) else str(k)}
                             for k in order]})
    return rows


def summary(config_file: str | None, overrides: list, as_json: bool = False) -> int:
    cfg = config.load(config_file, overrides)
    shape = datamod.input_shape(cfg)
    _, info = build_network(cfg, shape)
    if as_json:
        import json
        print(json.dumps(info.to_dict()))
    else:
        print(info)
    return 0
