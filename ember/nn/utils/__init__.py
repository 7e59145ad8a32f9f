"""``ember.nn.utils``: gradient clipping, parameter vectors, parametrizations and
activation checkpointing, as ``torch.nn.utils``."""

from __future__ import annotations

from . import hooks, rnn
from .checkpoint import checkpoint
from .clip_grad import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters", "checkpoint", "parametrize", "parametrizations", "hooks", "rnn"]


def __getattr__(name: str):
    # parametrize needs Module and the containers, which import this package: load lazily.
    if name in ("parametrize", "parametrizations"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
