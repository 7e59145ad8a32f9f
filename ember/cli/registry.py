"""What a config may name: ember.nn layers, optimizers, schedulers, losses, metrics and
callbacks, each from an explicit allow-list (a config never imports code). Options are
checked against the constructor's signature: an unknown option gets a "did you mean", a
missing one is named, and a value of the wrong type is refused before anything is built.

>>> net = build_model([{"type": "Linear", "in_features": 4, "out_features": 2},
...                    {"type": "ReLU"}])
>>> [type(m).__name__ for m in net]
['Linear', 'ReLU']
>>> build_model([{"type": "Conv2D", "in_channels": 1}])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ember.cli._errors.CLIError: [model] layers[0]: unknown layer 'Conv2D'. Did you mean 'Conv2d'? ...
"""

from __future__ import annotations

import copy
import functools
import inspect
import math
import os
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any

from .. import nn, optim
from ..metrics import suggest
from ..optim import lr_scheduler as sched
from ..training import _compile
from ._errors import CLIError, choices_text, describe

# ---------------------------------------------------------------------- allow-lists
LAYER_NAMES = (
    "Identity", "Linear", "LazyLinear", "Embedding", "LazyConv1d", "LazyConv2d", "LazyConv3d",
    "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d",
    "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
    "LazyInstanceNorm3d",
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "LPPool1d", "LPPool2d", "LPPool3d",
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "GroupNorm", "InstanceNorm1d",
    "InstanceNorm2d", "InstanceNorm3d", "LayerNorm", "RMSNorm", "LocalResponseNorm",
    "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "CELU", "SELU", "GELU", "GLU",
    "SiLU", "Mish", "Sigmoid", "Tanh", "Hardtanh", "Hardsigmoid", "Hardswish", "Hardshrink",
    "Softshrink", "Tanhshrink", "Softplus", "Softsign", "LogSigmoid", "Softmax", "Softmin",
    "LogSoftmax", "Softmax2d", "Threshold",
    "Flatten", "Unflatten", "PixelShuffle", "PixelUnshuffle", "ChannelShuffle", "Upsample",
    "UpsamplingNearest2d", "UpsamplingBilinear2d", "Fold", "Unfold",
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
    "TransformerEncoderLayer",
)
LAYERS: dict[str, type] = {n: getattr(nn, n) for n in LAYER_NAMES if hasattr(nn, n)}

# the same names as Model.compile (the CLI takes the learning rate from the config)
OPTIMIZERS: dict[str, type] = {name: cls for name, (cls, _) in _compile.OPTIMIZERS.items()}

# name -> (class, defaults computed from (epochs, learning rate))
SCHEDULERS: dict[str, tuple[type, Callable[[int, float], dict]]] = {
    "cosine": (sched.CosineAnnealingLR, lambda epochs, lr: {"T_max": epochs}),
    "cosine_warm_restarts": (sched.CosineAnnealingWarmRestarts, lambda e, lr: {}),
    "step": (sched.StepLR, lambda e, lr: {}),
    "multistep": (sched.MultiStepLR, lambda e, lr: {}),
    "exponential": (sched.ExponentialLR, lambda e, lr: {}),
    "linear": (sched.LinearLR, lambda epochs, lr: {"total_iters": epochs}),
    "constant": (sched.ConstantLR, lambda e, lr: {}),
    "polynomial": (sched.PolynomialLR, lambda epochs, lr: {"total_iters": epochs}),
    "onecycle": (sched.OneCycleLR, lambda epochs, lr: {"max_lr": lr, "total_steps": epochs}),
    "plateau": (sched.ReduceLROnPlateau, lambda e, lr: {}),
}

# options nobody sets from a config (deprecated, device placement, internal counters)
_HIDDEN = {"self", "params", "optimizer", "input", "target", "size_average", "reduce",
           "device", "dtype", "last_epoch"}


# ---------------------------------------------------------------------- option checking
def _hints(target: Any) -> dict[str, inspect.Parameter]:
    try:
        sig = inspect.signature(target, eval_str=True)
    except Exception:  # unresolvable annotations: check names, not types
        sig = inspect.signature(target)
    return dict(sig.parameters)


def _accepts(annotation: Any, value: Any) -> bool | None:
    """Whether ``value`` fits a simple annotation; None when the annotation is not one
    we check (Any, callables, custom classes)."""
    if annotation is inspect.Parameter.empty or annotation is Any:
        return None
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        verdicts = [_accepts(a, value) for a in typing.get_args(annotation)]
        return None if None in verdicts and not any(verdicts) else any(verdicts)
    if annotation is type(None):
        return value is None
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    if origin in (tuple, list) or (origin is not None and getattr(origin, "__name__", "") in
                                   ("Sequence", "Iterable")):
        return isinstance(value, (list, tuple))
    return None


def _convert(name: str, annotation: Any, value: Any) -> Any:
    """TOML arrays become tuples (kernel sizes, betas) or tensors (loss weights)."""
    if isinstance(value, list):
        if "Tensor" in str(annotation) or name in ("weight", "pos_weight"):
            from ..ops.creation import tensor
            return tensor(value)
        return tuple(_convert(name, None, v) for v in value)
    return value


def options(target: Any, given: dict, where: str, label: str, *,
            fixed: dict | None = None) -> dict:
    """Check ``given`` options against ``target``'s signature; returns the keyword
    arguments to call it with (``fixed`` ones are supplied by the caller)."""
    fixed = fixed or {}
    params = _hints(target)
    open_ended = any(p.kind is p.VAR_KEYWORD for p in params.values())
    settable = {n: p for n, p in params.items()
                if n not in _HIDDEN and n not in fixed
                and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    kwargs = {}
    for key, value in given.items():
        if key not in settable and not open_ended:
            names = ", ".join(settable) or "none"
            raise CLIError(f"{where}: {label} has no option {key!r}.{suggest(key, settable)} "
                           f"Its options: {names}")
        annotation = settable[key].annotation if key in settable else None
        if _accepts(annotation, value) is False and not (
                "Tensor" in str(annotation) and isinstance(value, list)):
            shown = getattr(annotation, "__name__", None) or str(annotation)
            raise CLIError(f"{where}: {label} option {key} must be {shown.replace('typing.', '')}"
                           f", got {describe(value)}")
        kwargs[key] = _convert(key, annotation, value)
    missing = [n for n, p in settable.items() if p.default is p.empty and n not in kwargs]
    if missing:
        raise CLIError(f"{where}: {label} needs {choices_text(missing).replace(' or ', ' and ')}"
                       f" (its options: {', '.join(settable)})")
    return kwargs


def _call(target: Any, kwargs: dict, where: str, label: str, fixed: dict | None = None
          ) -> Any:
    try:
        return target(**(fixed or {}), **kwargs)
    except Exception as exc:  # the options come from the config: any failure is its fault
        raise CLIError(f"{where}: {label}({_shown(kwargs)}) failed: {_text(exc)}") from None


def _shown(kwargs: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def _text(exc: BaseException, with_type: bool = False) -> str:
    """An exception as one line of text: its message (after its class name), or its class
    name when empty."""
    text = " ".join(str(exc).split())
    if with_type and text:
        return f"{type(exc).__name__}: {text}"
    return text or type(exc).__name__


def _lookup(table: dict, name: str, where: str, kind: str) -> Any:
    key = name if name in table else name.lower()
    if key not in table:
        raise CLIError(f"{where}: unknown {kind} {name!r}.{suggest(name, table)} Known: "
                       f"{', '.join(table)}")
    return table[key]


def _split(spec: dict) -> tuple[str, dict]:
    rest = {k: v for k, v in spec.items() if k != "type"}
    return spec["type"], rest


# ---------------------------------------------------------------------- builders
def build_model(layers: list[dict]) -> nn.Sequential:
    """An ``nn.Sequential`` of the listed layers."""
    modules = []
    for i, spec in enumerate(layers):
        where = f"[model] layers[{i}]"
        name, given = _split(spec)
        if name not in LAYERS:
            hint = suggest(name, LAYERS)
            listed = " The layers a config may use are listed in docs/cli.md." if hint else (
                f" Layers: {', '.join(LAYERS)}")
            raise CLIError(f"{where}: unknown layer {name!r}.{hint}{listed}")
        cls = LAYERS[name]
        kwargs = options(cls, given, where, name)
        modules.append(_call(cls, kwargs, where, name))
    return nn.Sequential(*modules)


def build_optimizer(spec: dict, module: nn.Module | Iterable) -> optim.Optimizer:
    """The optimizer over a module's trainable parameters (or over given parameters)."""
    where = "[train] optimizer"
    name, given = _split(spec)
    cls = _lookup(OPTIMIZERS, name, where, "optimizer")
    kwargs = options(cls, given, where, cls.__name__)
    found = module.parameters() if isinstance(module, nn.Module) else module
    params = [p for p in found if p.requires_grad]
    if not params:
        raise CLIError("[model] the model has no trainable parameters")
    return _call(cls, kwargs, where, cls.__name__, {"params": params})


def _scratch_parameter() -> Any:
    """A one-element parameter for throwaway optimizers (no random draw)."""
    from ..nn.parameter import Parameter
    from ..ops.creation import zeros
    return Parameter(zeros(1))


def _scratch_optimizer(optimizer: optim.Optimizer) -> optim.Optimizer:
    """A stand-in for ``optimizer`` for trying out schedules: its class and its groups'
    options (rates, momenta), over one scratch parameter per group; no state."""
    clone = object.__new__(type(optimizer))
    clone.__dict__.update(optimizer.__dict__)
    clone.param_groups = [{**{k: copy.deepcopy(v) for k, v in group.items() if k != "params"},
                           "params": [_scratch_parameter()]}
                          for group in optimizer.param_groups]
    clone.state = {}
    return clone


def check_schedule(scheduler: Any, steps: int, where: str = "[train] scheduler",
                   start: int = 0) -> None:
    """Step a copy of ``scheduler`` (over a stand-in optimizer) through epochs ``start + 1``
    to ``start + steps`` from its current state, as ``fit`` will; a failure or a rate that
    is not a finite number >= 0 is a config error. The scheduler and its optimizer are
    left alone."""
    if scheduler is None:
        return
    clone = object.__new__(type(scheduler))
    clone.__dict__.update({k: copy.deepcopy(v) for k, v in scheduler.__dict__.items()
                           if k != "optimizer"})
    clone.optimizer = _scratch_optimizer(scheduler.optimizer)
    plateau = isinstance(scheduler, sched.ReduceLROnPlateau)
    name = type(scheduler).__name__
    end = start + steps
    for epoch in range(start + 1, end + 1):
        try:
            clone.step(1.0) if plateau else clone.step()
        except Exception as exc:
            raise CLIError(f"{where}: {name} fails after epoch {epoch} of {end}: "
                           f"{_text(exc, with_type=True)}") from None
        rates = [g["lr"] for g in clone.optimizer.param_groups]
        if not all(isinstance(r, (int, float)) and math.isfinite(r) and r >= 0 for r in rates):
            raise CLIError(f"{where}: {name} sets the learning rate to {rates[0]!r} after "
                           f"epoch {epoch}; a rate must be a finite number >= 0")


def build_scheduler(spec: dict | None, optimizer: optim.Optimizer, epochs: int) -> Any:
    """A scheduler stepped once per epoch, or None."""
    if spec is None:
        return None
    where = "[train] scheduler"
    name, given = _split(spec)
    cls, defaults = _lookup(SCHEDULERS, name, where, "scheduler")
    lr = float(optimizer.param_groups[0]["lr"])
    given = {**defaults(epochs, lr), **given}
    kwargs = options(cls, given, where, cls.__name__, fixed={"optimizer": optimizer})
    return _call(cls, kwargs, where, cls.__name__, {"optimizer": optimizer})


def loss_names() -> list[str]:
    return sorted(_compile.LOSSES)


def _loss_modules() -> dict[Callable, type]:
    """Losses whose identity ``fit`` looks at (class labels vs. element-wise targets,
    binary metrics): with options they become the matching ``nn`` loss module."""
    from ..nn import functional as F
    return {F.cross_entropy: nn.CrossEntropyLoss, F.nll_loss: nn.NLLLoss,
            F.binary_cross_entropy: nn.BCELoss,
            F.binary_cross_entropy_with_logits: nn.BCEWithLogitsLoss}


def build_loss(spec: dict) -> Callable:
    """A loss function by name, with options (``label_smoothing``, ``weight``, ...)."""
    where = "[train] loss"
    name, given = _split(spec)
    fn = _lookup(_compile.LOSSES, name, where, "loss")
    if not given:
        return fn
    kwargs = options(fn, given, where, name)
    from ..nn import functional as F
    reductions = ("mean", "sum", "batchmean") if fn is F.kl_div else ("mean", "sum")
    reduction = kwargs.get("reduction", "mean")
    if reduction not in reductions:
        raise CLIError(f"{where}: {name} option reduction must be {choices_text(reductions)} "
                       f"for training (one number per batch), got {reduction!r}")
    module = _loss_modules().get(fn)
    if module is not None:
        return _call(module, kwargs, where, name)
    return functools.partial(fn, **kwargs)


def check_metrics(names: list[str]) -> None:
    from .. import metrics
    for i, name in enumerate(names):
        try:
            metrics.get(name)
        except ValueError as exc:
            raise CLIError(f"[train] metrics[{i}]: {exc}") from None


def resolve_metrics(names: list[str], loss: Callable) -> list:
    """The metric objects ``compile`` makes of ``names`` for ``loss`` (unique names)."""
    check_metrics(names)
    try:
        return _compile.resolve_metrics(names, loss)
    except (TypeError, ValueError) as exc:
        text = _text(exc).removeprefix("compile: ")
        if "unique" in text:
            text += " (aliases such as 'acc' and 'accuracy' name the same metric)"
        raise CLIError(f"[train] metrics: {text}") from None


def logged_names(metric_names: list[str], has_validation: bool) -> list[str]:
    """The keys of an epoch's logs: loss, the metrics, their val_ twins, lr."""
    names = ["loss", *metric_names]
    return names + ([f"val_{n}" for n in names] if has_validation else []) + ["lr"]


def _callbacks() -> dict[str, tuple[type, dict]]:
    """name -> (class, default options); paths are relative to the run folder."""
    from ..training import callbacks as cb
    return {
        "early_stopping": (cb.EarlyStopping, {}),
        "reduce_lr_on_plateau": (cb.ReduceLROnPlateau, {}),
        "terminate_on_nan": (cb.TerminateOnNaN, {}),
        "tensorboard": (cb.TensorBoard, {"log_dir": "tensorboard"}),
        "model_checkpoint": (cb.ModelCheckpoint,
                             {"filepath": "checkpoints/epoch-{epoch:03d}.ckpt"}),
    }


CALLBACK_NAMES = ("early_stopping", "reduce_lr_on_plateau", "terminate_on_nan", "tensorboard",
                  "model_checkpoint")
_PATH_OPTIONS = ("log_dir", "filepath")


def build_callbacks(specs: list[dict], run_dir: str | os.PathLike,
                    logged: list[str] | None = None) -> list:
    """The configured callbacks; relative paths land inside ``run_dir`` (paths that leave
    it are refused). With ``logged`` (the keys of an epoch's logs) the monitored names and
    the ``filepath`` format fields are checked too. Nothing is written until training
    starts."""
    table = _callbacks()
    built = []
    for i, spec in enumerate(specs):
        where = f"[train] callbacks[{i}]"
        name, given = _split(spec)
        cls, defaults = _lookup(table, name, where, "callback")
        given = {**defaults, **given}
        kwargs = options(cls, given, where, name)
        written = {k: kwargs[k] for k in _PATH_OPTIONS if k in kwargs}  # as configured
        for key, value in written.items():
            kwargs[key] = _inside(run_dir, value, f"{where}: {name} {key}")
        if name == "tensorboard":
            _require_tensorboard(where)
        callback = _call(cls, kwargs, where, name)
        if logged is not None:
            _check_callback(callback, name, where, logged, run_dir, written)
        built.append(callback)
    return built


_RUN_FILES = ("config.resolved.toml", "config.resolved.json", "summary.txt", "last.ckpt",
              "best.ckpt", "metrics.csv", "metrics.json", "metrics.json.tmp", "curves.png")


def _inside(run_dir: str | os.PathLike, value: Any, what: str) -> str:
    """``value`` (relative to the run folder) as a path inside it; anything else is an
    error: an absolute path, one that climbs out with '..', or a file of the run's own."""
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
        raise CLIError(f"{what} must be a path (a non-empty string), got {describe(value)}")
    base = os.path.normpath(os.path.abspath(os.fspath(run_dir)))
    target = os.path.normpath(os.path.join(base, os.fspath(value)))
    if target == base:
        raise CLIError(f"{what} {os.fspath(value)!r} is the run folder itself; give a file or "
                       "folder inside it")
    if os.path.commonpath([base, target]) != base:
        raise CLIError(f"{what} {os.fspath(value)!r} leaves the run folder; give a path "
                       "relative to it without '..' (e.g. 'checkpoints/epoch-{epoch}.ckpt')")
    if os.path.relpath(target, base) in _RUN_FILES:
        raise CLIError(f"{what} {os.fspath(value)!r} is a file the run writes itself; "
                       "choose another name")
    return target


def _check_callback(callback: Any, name: str, where: str, logged: list[str],
                    run_dir: str | os.PathLike, written: dict) -> None:
    """What a callback fails on only once training runs: a monitored name the logs lack,
    a checkpoint path whose fields the logs lack, options its scheduler refuses."""
    monitor = getattr(callback, "monitor", None)
    uses_monitor = name in ("early_stopping", "reduce_lr_on_plateau") or (
        name == "model_checkpoint" and getattr(callback, "save_best_only", False))
    if uses_monitor and monitor not in logged:
        hint = suggest(str(monitor), logged)
        if str(monitor).startswith("val_") and not any(k.startswith("val_") for k in logged):
            hint += " There is no validation data ([data] validation_split = 0)."
        raise CLIError(f"{where}: {name} monitors {monitor!r}, which is not logged.{hint} "
                       f"Logged: {', '.join(logged)}")
    if name == "model_checkpoint":
        fields = {k: 0.5 for k in logged}
        try:
            path = str(callback.filepath).format(**{**fields, "epoch": 1})
        except (KeyError, ValueError, IndexError, AttributeError, TypeError) as exc:
            raise CLIError(f"{where}: model_checkpoint filepath {written['filepath']!r} has a "
                           f"format field the logs lack or a bad format ({_text(exc)}); it "
                           f"may use {{epoch}} and {', '.join('{' + k + '}' for k in logged)}"
                           ) from None
        _inside(run_dir, path, f"{where}: model_checkpoint filepath (formatted)")
    if name == "reduce_lr_on_plateau":  # its scheduler is made when training begins
        probe = copy.copy(callback)
        probe.set_model(types.SimpleNamespace(optimizer=optim.SGD([_scratch_parameter()],
                                                                  lr=0.1)))
        try:
            probe.on_train_begin()
        except Exception as exc:
            raise CLIError(f"{where}: reduce_lr_on_plateau: {_text(exc)}") from None


def check_train(train: dict, has_validation: bool) -> None:
    """Build ``[train]``'s optimizer, scheduler, loss, metrics and callbacks over a scratch
    parameter and try the schedule over all epochs: every name and option is checked
    without a model or data (``ember summary``; ``ember train`` adds a forward pass)."""
    optimizer = build_optimizer(train["optimizer"], [_scratch_parameter()])
    scheduler = build_scheduler(train["scheduler"], optimizer, train["epochs"])
    check_schedule(scheduler, train["epochs"])
    loss = build_loss(train["loss"])
    metrics = resolve_metrics(train["metrics"], loss)
    logged = logged_names([m.name for m in metrics], has_validation)
    monitor = train["monitor"]
    if monitor is not None and monitor not in logged:
        raise CLIError(f"[train] monitor {monitor!r} is not logged.{suggest(monitor, logged)} "
                       f"Logged: {', '.join(logged)}")
    build_callbacks(train["callbacks"], os.path.abspath("run"), logged)


def _require_tensorboard(where: str) -> None:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        raise CLIError(f'{where}: the tensorboard callback needs tensorboard: pip install '
                       '"ember[tensorboard]"') from None
