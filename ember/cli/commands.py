"""The subcommands: ``train``, ``evaluate``, ``predict``, ``summary`` and ``resume``.

``train`` checks the whole config, loads the data, builds the model and tries one step's
work (forward, loss and metrics on two training samples, the schedule over all epochs,
the callbacks' names and paths) before it creates the run folder, so a bad config leaves
no trace. The trial changes no weights, optimizer state or random generator.
"""

from __future__ import annotations

import contextlib
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from ..training import callbacks as cb
from ..training.model import Model
from . import _run, config, registry
from . import data as datamod
from ._errors import CLIError

_CLASSIFICATION_LOSSES = ("cross_entropy", "categorical_crossentropy",
                          "sparse_categorical_crossentropy", "nll")
_FINAL = ("finished", "stopped_early", "stopped")  # statuses of a run that ended by itself


def _seed(seed: int) -> None:
    from ..ops.random import manual_seed
    manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)


@contextlib.contextmanager
def _same_rng() -> Iterator[None]:
    """Whatever runs inside leaves ember's, Python's and NumPy's generators as they were."""
    from ..ops.random import get_rng_state, set_rng_state
    saved = get_rng_state(), random.getstate(), np.random.get_state()
    try:
        yield
    finally:
        set_rng_state(saved[0])
        random.setstate(saved[1])
        np.random.set_state(saved[2])


def _text(exc: BaseException) -> str:
    """An exception as one line: ``ValueError: message``."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _classifies(cfg: dict) -> bool:
    return cfg["train"]["loss"]["type"].lower() in _CLASSIFICATION_LOSSES


def build_network(cfg: dict, shape: tuple[int, ...], num_classes: int | None = None
                  ) -> tuple[nn.Module, Any]:
    """The model of ``[model]`` and its summary for one input of ``shape``; a model that
    cannot run on such an input is a config error naming the layer."""
    from .._summary import summary
    net = registry.build_model(cfg["model"]["layers"])
    try:
        info = summary(net, (1, *shape), verbose=False)
    except Exception as exc:
        raise _layer_error(net, shape, exc) from None
    out = info.rows[0].output_shape if info.rows else None
    if num_classes and _classifies(cfg) and isinstance(out, tuple):
        if len(out) != 2 or out[-1] < num_classes:
            raise CLIError(f"[model] the model's output has shape {list(out)} for one sample, "
                           f"but the data has {num_classes} classes: the last layer should "
                           f"give [1, {num_classes}] (e.g. out_features = {num_classes})")
    return net, info


def _layer_error(net: nn.Module, shape: tuple[int, ...], exc: Exception) -> CLIError:
    """``[model] layers[i] (Type): ...`` for the first layer that fails on the output of
    the ones before it (an example input of ``shape``, in eval mode)."""
    from ..autograd import no_grad
    from ..ops.creation import zeros
    flags = [(m, m.training) for m in net.modules()]
    x: Any = zeros(1, *shape)
    try:
        net.eval()
        with no_grad(), _same_rng():
            for i, layer in enumerate(net):
                try:
                    y = layer(x)
                except Exception as inner:
                    text = " ".join(str(inner).split())
                    prefix = getattr(layer, "_error_prefix", lambda: "")()
                    text = text[len(prefix):] if prefix and text.startswith(prefix) else text
                    got = list(x.shape) if hasattr(x, "shape") else "?"
                    return CLIError(f"[model] layers[{i}] ({type(layer).__name__}): {text} "
                                    f"(its input has shape {got}; the data's samples have "
                                    f"shape {list(shape)})")
                x = y
    except Exception:  # noqa: BLE001 - fall back to the summary's message
        pass
    finally:
        for module, flag in flags:
            module.training = flag
    return CLIError(f"[model] the layers do not fit inputs of shape {list(shape)}: "
                    f"{' '.join(str(exc).split())}")


def build_model(cfg: dict, net: nn.Module) -> Model:
    """``net`` compiled with ``[train]``'s optimizer, scheduler, loss and metrics."""
    train = cfg["train"]
    optimizer = registry.build_optimizer(train["optimizer"], net)
    scheduler = registry.build_scheduler(train["scheduler"], optimizer, train["epochs"])
    loss = registry.build_loss(train["loss"])
    registry.resolve_metrics(train["metrics"], loss)
    try:
        return Model(net).compile(optimizer=optimizer, loss=loss, metrics=train["metrics"],
                                  scheduler=scheduler)
    except (TypeError, ValueError) as exc:
        raise CLIError(f"[train] {' '.join(str(exc).split())}") from None


def _logged(model: Model, has_validation: bool) -> list[str]:
    return registry.logged_names([m.name for m in model.metrics], has_validation)


def _check_monitor(cfg: dict, model: Model, has_val: bool) -> str:
    from ..metrics import suggest
    valid = _logged(model, has_val)
    monitor = cfg["train"]["monitor"] or ("val_loss" if has_val else "loss")
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
    has_val = data.x_val is not None
    with _same_rng():
        registry.check_train(cfg["train"], has_val)
    net, info = build_network(cfg, data.input_shape, data.num_classes)
    model = build_model(cfg, net)
    monitor = cfg["train"]["monitor"] = _check_monitor(cfg, model, has_val)
    return data, model, info, monitor


def _shape(tensor: Any) -> str:
    """``[N, 10]``: a batch's shape with the batch size as N."""
    shape = list(getattr(tensor, "shape", ()))
    return "[" + ", ".join(["N", *map(str, shape[1:])]) + "]" if shape else "[]"


def _dry_run(model: Model, data: datamod.Data, cfg: dict) -> None:
    """What the first training step does, on two training samples, in eval mode under
    no_grad: forward, loss, metrics. A failure is a config error naming the key. The
    weights, the optimizer, the metrics and the random generators are left as they were."""
    from ..autograd import no_grad
    network = model.network
    flags = [(m, m.training) for m in network.modules()]
    try:
        network.eval()
        with no_grad(), _same_rng():
            _try_step(model, data, cfg)
    finally:
        for module, flag in flags:
            module.training = flag
        for metric in model.metrics:
            metric.reset()


def _try_step(model: Model, data: datamod.Data, cfg: dict) -> None:
    from ..tensor import Tensor
    from ..training import _compile, _data, _targets
    n = min(2, len(data.x_train))
    try:
        loader = _data.make_loader(data.x_train[:n], data.y_train[:n], batch_size=max(n, 1),
                                   shuffle=False, op="fit")
        inputs, target = _data.split_batch(next(iter(loader)), op="fit")
    except Exception as exc:
        raise CLIError(f"[data] the training data cannot be batched: {_text(exc)}") from None
    try:
        output = model(*inputs)
    except Exception as exc:
        x = data.x_train
        raise CLIError(f"[model] the model fails on training samples (shape {_shape(x)}, "
                       f"dtype {x.dtype}): {_text(exc)}") from None
    name = cfg["train"]["loss"]["type"]
    pointwise = _compile.is_pointwise(model.loss_fn)
    aligned = _targets.align_target(output, target, pointwise=pointwise)
    if (pointwise and isinstance(output, Tensor) and isinstance(aligned, Tensor)
            and tuple(output.shape) != tuple(aligned.shape)):
        labels = " (class labels: they need a loss such as 'cross_entropy')" if (
            data.y_train.dtype.kind in "iu") else ""
        raise CLIError(f"[train] loss: {name!r} compares outputs and targets element by "
                       f"element, but the model's outputs have shape {_shape(output)} and the "
                       f"targets {_shape(target)}{labels}")
    try:
        loss = model.loss_fn(output, aligned)
    except Exception as exc:
        text = _text(exc)
        prefix = f"{type(exc).__name__}: " + getattr(model.loss_fn, "_error_prefix", str)()
        if isinstance(model.loss_fn, nn.Module) and text.startswith(prefix):
            text = f"{type(exc).__name__}: {text[len(prefix):]}"  # the loss module's path
        raise CLIError(f"[train] loss: {name!r} fails on the model's outputs (shape "
                       f"{_shape(output)}) and the targets (shape {_shape(target)}, dtype "
                       f"{data.y_train.dtype}): {text}") from None
    if not isinstance(loss, Tensor) or loss.numel() != 1:
        raise CLIError(f"[train] loss: {name!r} must give one number per batch, got shape "
                       f"{list(getattr(loss, 'shape', []))}")
    labels = _targets.labels_of(output, target)
    for i, metric in enumerate(model.metrics):
        try:
            metric.reset()
            metric.update(output.detach(), labels)
            metric.compute()
        except Exception as exc:
            raise CLIError(f"[train] metrics[{i}] ({metric.name!r}) does not fit the model's "
                           f"outputs (shape {_shape(output)}) and the targets (shape "
                           f"{_shape(target)}): {_text(exc)}") from None


def _fit(model: Model, data: datamod.Data, cfg: dict, folder: Path, monitor: str,
         extra: list, *, initial_epoch: int, quiet: bool) -> None:
    """Train from ``initial_epoch`` to ``[train] epochs`` (nothing when there), then save,
    test and write the metrics. Ctrl-C anywhere in it leaves status ``interrupted``; an
    error, status ``failed`` with its text, and one error paragraph (exit status 1)."""
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
    start, seconds = time.perf_counter(), None
    try:
        if initial_epoch < train["epochs"]:
            model.fit(data.x_train, data.y_train, epochs=train["epochs"],
                      batch_size=train["batch_size"], validation_data=validation,
                      callbacks=callbacks, initial_epoch=initial_epoch,
                      clip_grad_norm=train["clip_grad_norm"], verbose=0 if quiet else 1)
            seconds = time.perf_counter() - start
        _finish(model, data, cfg, folder, monitor, seconds)
    except KeyboardInterrupt:
        _run.write_metrics(folder, model, status="interrupted", monitor=monitor)
        if (folder / _run.LAST).is_file():
            print(f"\nember: interrupted; {_run.LAST} holds the last finished epoch. Continue "
                  f"with: ember resume {folder}", file=sys.stderr)
        else:
            print(f"\nember: interrupted before the first epoch finished; nothing was saved. "
                  f"Start it again with: ember resume {folder} (it trains from scratch)",
                  file=sys.stderr)
        raise
    except Exception as exc:  # a failure the checks could not foresee
        error = _text(exc)
        try:
            _run.write_metrics(folder, model, status="failed", monitor=monitor, error=error)
        except OSError:
            pass
        saved = (f"{_run.LAST} holds the last finished epoch" if (folder / _run.LAST).is_file()
                 else "no epoch finished")
        raise CLIError(f"training failed after {len(model.history)} epochs: {error} (run "
                       f"folder {folder}: {saved}; {_run.METRICS_JSON} has status 'failed')",
                       exit_code=1) from None


def _finish(model: Model, data: datamod.Data, cfg: dict, folder: Path, monitor: str,
            seconds: float | None) -> None:
    """The final checkpoint, the test metrics, metrics.json and the curves."""
    train = cfg["train"]
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
    trained = "" if seconds is None else f"  ({seconds:.1f} s of training)"
    print(f"run folder: {folder}{trained}")


# ---------------------------------------------------------------------- subcommands
def train(config_file: str | None, overrides: list, quiet: bool = False) -> int:
    cfg = config.load(config_file, overrides)
    with config.blame(config.label(config_file)):
        data, model, info, monitor = _prepare(cfg)
        folder = _run.choose(cfg["output"])
        cfg["output"]["name"] = folder.name
        extra = registry.build_callbacks(cfg["train"]["callbacks"], folder,
                                         _logged(model, data.x_val is not None))
        _dry_run(model, data, cfg)
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
    """Continue a run from last.ckpt to ``epochs`` (default: its configured epochs). A run
    interrupted before its first epoch finished (no last.ckpt) trains from scratch; one
    whose epochs are all done but whose test evaluation was cut short gets it now."""
    folder = _run.find_run(run)
    source = config.resolved_file(folder)
    cfg = config.read_resolved(folder)
    configured = cfg["train"]["epochs"]
    target = configured if epochs is None else epochs
    recorded = _run.read_metrics(folder)
    status = recorded.get("status")
    last = folder / _run.LAST
    if last.is_file():
        done = _run.checkpoint_epoch(last)
    elif status in _FINAL:
        raise CLIError(f"{folder} has no {_run.LAST} to continue from (status: {status})")
    else:
        done = 0  # stopped before its first epoch was saved: start again in this folder
    stopped = status in ("stopped_early", "stopped")
    if done >= target or (stopped and epochs is None):
        final_test_missing = epochs is None and status not in _FINAL and done >= configured
        if not final_test_missing:
            print(f"ember resume: {_nothing_to_do(folder, done, target, epochs, stopped)}")
            return 0
    cfg["train"]["epochs"] = target
    with config.blame(str(source)):
        data, model, _, monitor = _prepare(cfg)
        extra = registry.build_callbacks(cfg["train"]["callbacks"], folder,
                                         _logged(model, data.x_val is not None))
        _dry_run(model, data, cfg)
    if done:
        _load(model, last, restore_rng=True)
        try:
            registry.check_schedule(model.scheduler, max(target - done, 0), start=done)
        except CLIError as err:
            raise CLIError(f"cannot continue {folder} to epoch {target}: "
                           f"{str(err).rstrip('.')}. The scheduler "
                           f"was set up for the run's {configured} epochs; to train longer, "
                           f"start a new run (ember train {source} --epochs {target} --name "
                           "NEW_NAME)") from None
    if epochs is not None and epochs != configured:
        config.write_resolved(cfg, folder)  # every check passed
    _run.rewrite_csv(folder, model.history)
    if not quiet:
        what = ("from scratch" if not done else f"from epoch {done}")
        print(f"ember resume: {folder} {what} to {target}" if done < target else
              f"ember resume: {folder}: all {done} epochs done; evaluating on the test data")
    _fit(model, data, cfg, folder, monitor, extra, initial_epoch=done, quiet=quiet)
    return 0


def _nothing_to_do(folder: Path, done: int, target: int, epochs: int | None,
                   stopped: bool) -> str:
    if epochs is not None:
        return (f"{folder} has trained {done} epochs already; --epochs {epochs} is the total "
                f"to reach, so there is nothing to do (pass --epochs N with N > {done} to "
                "train further)")
    if stopped:
        return (f"{folder} stopped early after {done} of {target} epochs; nothing to do "
                "(pass --epochs N to train further)")
    return (f"{folder} has finished its {done} epochs; nothing to do (pass --epochs N with "
            f"N > {done} to train further)")


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
    with config.blame(str(config.resolved_file(folder))):
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
    if cfg["model"]["input_shape"] is None:
        raise CLIError(f"{config.resolved_file(folder)} has no [model] input_shape (it is "
                       "recorded by 'ember train')")
    shape = tuple(cfg["model"]["input_shape"])
    if output is not None:
        _check_output(Path(output))
    x = datamod.read_input(input_file, cfg)
    with config.blame(str(config.resolved_file(folder))):
        net, _ = build_network(cfg, shape)
    _load_weights(net, path)
    out = Model(net).predict(x, batch_size=256).numpy()
    if output is not None:
        try:
            with open(output, "wb") as f:  # exactly this name (np.save adds .npy to a path)
                np.save(f, out)
        except OSError as exc:
            raise CLIError(f"--output: could not write {output}: "
                           f"{exc.strerror or exc}") from None
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


def _check_output(path: Path) -> None:
    """``--output``: a file in an existing folder (checked before predicting)."""
    if path.is_dir():
        raise CLIError(f"--output: {path} is a folder; give a file name such as out.npy")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise CLIError(f"--output: folder {parent} does not exist")


def summary(config_file: str | None, overrides: list, as_json: bool = False) -> int:
    """The layer table of a config's model; [train]'s names and options are checked too
    (without data)."""
    cfg = config.load(config_file, overrides)
    with config.blame(config.label(config_file)):
        registry.check_train(cfg["train"], cfg["data"]["validation_split"] > 0)
        shape = datamod.input_shape(cfg)
        _, info = build_network(cfg, shape)
    if as_json:
        import json
        print(json.dumps(info.to_dict()))
    else:
        print(info)
    return 0
