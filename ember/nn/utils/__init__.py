"""``ember.nn.utils``: gradient clipping, parameter vectors, weight and spectral
normalisation (hook-based and as parametrizations), conv/linear-BatchNorm fusion,
``skip_init``, ``stateless.functional_call`` and activation checkpointing, as
``torch.nn.utils``."""

from __future__ import annotations

from . import hooks, rnn
from .checkpoint import checkpoint
from .clip_grad import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm", "parameters_to_vector", "vector_to_parameters", "checkpoint",
           "weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm",
           "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights", "skip_init", "parametrize", "parametrizations",
           "stateless", "hooks", "rnn"]

# These need Module and the layers, which import this package: load them on first use.
_LAZY = {
    "weight_norm": "_weight_norm", "remove_weight_norm": "_weight_norm",
    "spectral_norm": "_spectral_norm", "remove_spectral_norm": "_spectral_norm",
    "fuse_conv_bn_eval": "fusion", "fuse_conv_bn_weights": "fusion",
    "fuse_linear_bn_eval": "fusion", "fuse_linear_bn_weights": "fusion",
    "skip_init": "init",
}
_LAZY_MODULES = ("parametrize", "parametrizations", "stateless", "fusion", "init")


def __getattr__(name: str):
    import importlib

    if name in _LAZY_MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
