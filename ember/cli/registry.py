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

import functools
import inspect
import os
import types
import typing
from collections.abc import Callable
from typing import Any

from .. import nn, optim
from ..metrics import suggest
from ..optim import lr_scheduler as sched
from ._errors import CLIError, choices_text, describe

# ---------------------------------------------------------------------- allow-lists
LAYER_NAMES = (
    "Identity", "Linear", "LazyLinear", "Embedding",
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "LPPool1d", "LPPool2d",
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

OPTIMIZERS: dict[str, type] = {
    "sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW, "adamax": optim.Adamax,
    "nadam": optim.NAdam, "radam": optim.RAdam, "rmsprop": optim.RMSprop,
    "adagrad": optim.Adagrad, "adadelta": optim.Adadelta, "lion": optim.Lion,
}

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
    except (TypeError, ValueError, RuntimeError, IndexError, KeyError) as exc:
        shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        raise CLIError(f"{where}: {label}({shown}) failed: {exc}") from None


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


def build_optimizer(spec: dict, module: nn.Module) -> optim.Optimizer:
    where = "[train] optimizer"
    name, given = _split(spec)
    cls = _lookup(OPTIMIZERS, name, where, "optimizer")
    kwargs = options(cls, given, where, cls.__name__)
    params = [p for p in module.parameters() if p.requires_grad]
    if not params:
        raise CLIError("[model] the model has no trainable parameters")
    return _call(cls, kwargs, where, cls.__name__, {"params": params})


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
    from ..training import _compile
    return sorted(_compile.LOSSES)


def build_loss(spec: dict) -> Callable:
    """A loss function by name, with options (``label_smoothing``, ``weight``, ...)."""
    from ..training import _compile
    where = "[train] loss"
    name, given = _split(spec)
    fn = _lookup(_compile.LOSSES, name, where, "loss")
    if not given:
        return fn
    kwargs = options(fn, given, where, name)
    return functools.partial(fn, **kwargs)


def check_metrics(names: list[str]) -> None:
    from .. import metrics
    for i, name in enumerate(names):
        try:
            metrics.get(name)
        except ValueError as exc:
            raise CLIError(f"[train] metrics[{i}]: {exc}") from None


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


def build_callbacks(specs: list[dict], run_dir: str | os.PathLike) -> list:
    """The configured callbacks; relative paths land inside ``run_dir``. Nothing is
    written until training starts."""
    table = _callbacks()
    built = []
    for i, spec in enumerate(specs):
        where = f"[train] callbacks[{i}]"
        name, given = _split(spec)
        cls, defaults = _lookup(table, name, where, "callback")
        given = {**defaults, **given}
        kwargs = options(cls, given, where, name)
        for key in _PATH_OPTIONS:
            if isinstance(kwargs.get(key), str):
                kwargs[key] = os.path.join(os.fspath(run_dir), kwargs[key])
        if name == "tensorboard":
            _require_tensorboard(where)
        built.append(_call(cls, kwargs, where, name))
    return built


def _require_tensorboard(where: str) -> None:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        raise CLIError(f'{where}: the tensorboard callback needs tensorboard: pip install '
                       '"ember[tensorboard]"') from None
