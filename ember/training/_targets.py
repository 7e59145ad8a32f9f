"""Targets as losses and metrics need them: shapes aligned, one-hot rows to labels, class
weights per sample.

>>> import ember
>>> align_target(ember.zeros(4, 1), ember.ones(4), pointwise=True).shape
ember.Size([4, 1])
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from ..ops.creation import from_numpy
from ..tensor import Tensor


def align_target(output: Any, target: Any, *, pointwise: bool) -> Any:
    """For pointwise losses (mse, mae, bce, ...), a target of shape ``(N,)`` against an
    output of shape ``(N, 1)`` gets the trailing 1 (Keras does the same), instead of
    broadcasting to ``(N, N)``."""
    if (pointwise and isinstance(output, Tensor) and isinstance(target, Tensor)
            and output.ndim == target.ndim + 1 and output.shape[-1] == 1
            and tuple(output.shape[:-1]) == tuple(target.shape)):
        return target.unsqueeze(-1)
    return target


def labels_of(output: Any, target: Any) -> Any:
    """Class labels for metrics and class weights: one-hot or probability rows ``(N, C)``
    matching the output become their argmax; anything else is returned as is."""
    if (isinstance(output, Tensor) and isinstance(target, Tensor) and target.ndim == 2
            and tuple(target.shape) == tuple(output.shape) and target.shape[1] > 1
            and target.dtype.is_floating_point):
        return target.argmax(-1)
    return target


def class_weight_table(class_weight: dict | None) -> np.ndarray | None:
    """``{label: weight}`` as a lookup table (labels left out weigh 1, as in Keras)."""
    if class_weight is None:
        return None
    if not isinstance(class_weight, dict) or not class_weight:
        raise ValueError(f"fit: class_weight must be a non-empty dict {{label: weight}}, got "
                         f"{class_weight!r}")
    if any(not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 0
           for k in class_weight):
        raise ValueError(f"fit: class_weight keys must be int labels >= 0, got "
                         f"{list(class_weight)}")
    table = np.ones(max(class_weight) + 1, dtype=np.float64)
    for label, weight in class_weight.items():
        if not isinstance(weight, Real) or not math.isfinite(weight) or weight < 0:
            raise ValueError(f"fit: class_weight[{label}] must be a finite number >= 0, "
                             f"got {weight!r}")
        table[label] = weight
    return table


def sample_weights(table: np.ndarray, labels: Tensor, like: Tensor) -> Tensor:
    """Each sample's class weight, as a tensor of ``like``'s dtype."""
    values = labels.numpy().reshape(-1)
    if values.dtype.kind == "f" and not np.array_equal(values, np.round(values)):
        raise ValueError("fit: class_weight needs whole-number class labels; the targets "
                         "hold fractions (soft labels)")
    values = values.astype(np.int64)
    if values.size and values.min() < 0:
        raise ValueError(f"fit: class_weight needs labels >= 0, got {int(values.min())}")
    if values.size and values.max() >= len(table):
        table = np.concatenate([table, np.ones(values.max() + 1 - len(table))])
    return from_numpy(table[values].astype(np.float32)).to(like.dtype)
