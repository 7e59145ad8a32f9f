"""Input checks and conversions shared by the metrics: Tensors or arrays in, NumPy out.

>>> import numpy as np
>>> binary_inputs("Accuracy", np.array([[-2.0], [3.0]]), np.array([0, 1]), None)[0].round(3)
array([0.119, 0.953])
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["to_numpy", "binary_inputs", "class_labels", "multiclass_inputs", "sigmoid",
           "softmax"]


def to_numpy(x: Any) -> np.ndarray:
    """``x`` (an ember or PyTorch Tensor, a NumPy array, a number or a list) as an array.

    Tensors are detached and copied to the host first, so outputs that require grad work.
    """
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        x = x.detach()
        device = getattr(x, "device", None)
        if getattr(device, "type", "cpu") != "cpu":
            x = x.cpu()
        x = x.numpy()
    return np.asarray(x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function in float64, without overflow warnings."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax of a (N, C) array in float64."""
    z = np.exp(x - x.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _as_float(who: str, what: str, a: np.ndarray) -> np.ndarray:
    if a.dtype.kind not in "biuf" and a.dtype.name not in ("bfloat16", "float16"):
        raise ValueError(f"{who}: {what} must hold numbers, got dtype {a.dtype}")
    return a.astype(np.float64)


def _column(a: np.ndarray) -> np.ndarray | None:
    """(N,) or (N, 1) as (N,); anything else as None."""
    if a.ndim == 1:
        return a
    if a.ndim == 2 and a.shape[1] == 1:
        return a[:, 0]
    return None


def _check_length(who: str, preds: np.ndarray, target: np.ndarray, expected: str) -> None:
    if preds.shape[0] != target.shape[0]:
        raise ValueError(
            f"{who}: preds of shape {preds.shape} and target of shape {target.shape} have "
            f"different numbers of samples; expected {expected}"
        )


def class_labels(who: str, what: str, a: np.ndarray) -> np.ndarray:
    """Integral, non-negative class labels of a 1-d array as int64."""
    f = _as_float(who, what, a)
    if f.size and (not np.all(np.isfinite(f)) or np.any(f != np.round(f)) or f.min() < 0):
        bad = np.unique(f[~np.isfinite(f) | (f != np.round(f)) | (f < 0)])[:5]
        raise ValueError(
            f"{who}: {what} must be class indices (integers >= 0), got values such as "
            f"{bad.tolist()}"
        )
    return f.astype(np.int64)


def binary_inputs(who: str, output: Any, target: Any,
                  from_logits: bool | None) -> tuple[np.ndarray, np.ndarray]:
    """Binary probabilities (N,) float64 and 0/1 targets (N,) int64.

    ``from_logits=None`` applies the sigmoid when any value of the batch lies outside [0, 1].
    """
    expected = "preds (N,) or (N, 1) probabilities or logits and target (N,) or (N, 1) of 0/1"
    p, t = to_numpy(output), to_numpy(target)
    p1, t1 = _column(p), _column(t)
    if p1 is None or t1 is None:
        hint = (" (for (N, C) class scores use task='multiclass')"
                if p.ndim == 2 and p1 is None else "")
        raise ValueError(f"{who}: got preds of shape {p.shape} and target of shape {t.shape}; "
                         f"expected {expected}{hint}")
    _check_length(who, p, t, expected)
    p1 = _as_float(who, "preds", p1)
    t1 = _as_float(who, "target", t1)
    if not np.all((t1 == 0) | (t1 == 1)):
        bad = np.unique(t1[(t1 != 0) & (t1 != 1)])[:5]
        raise ValueError(f"{who}: binary target values must be 0 or 1, got {bad.tolist()}; "
                         "for class indices use task='multiclass'")
    if from_logits or (from_logits is None and p1.size and (p1.min() < 0 or p1.max() > 1)):
        p1 = sigmoid(p1)
    return p1, t1.astype(np.int64)


def multiclass_inputs(who: str, output: Any, target: Any,
                      num_classes: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(preds, labels): preds are (N, C) float64 scores or (N,) int64 class labels.

    Checks that labels fit in ``num_classes`` (when given) or in the score width C.
    """
    expected = "preds (N, C) class scores or (N,) class labels and target (N,) class labels"
    p, t = to_numpy(output), to_numpy(target)
    t1 = _column(t)
    if t1 is None or p.ndim not in (1, 2):
        raise ValueError(f"{who}: got preds of shape {p.shape} and target of shape {t.shape}; "
                         f"expected {expected}")
    _check_length(who, p, t, expected)
    labels = class_labels(who, "target", t1)
    if p.ndim == 2:
        if p.shape[1] == 1:
            raise ValueError(f"{who}: preds of shape {p.shape} have a single class column; "
                             "for one probability or logit per sample use task='binary'")
        if num_classes is not None and p.shape[1] != num_classes:
            raise ValueError(f"{who}: preds of shape {p.shape} have {p.shape[1]} class "
                             f"columns; expected num_classes={num_classes}")
        preds = _as_float(who, "preds", p)
        limit = p.shape[1]
    else:
        if p.dtype.kind == "f" and p.size and np.any(p != np.round(p)):
            raise ValueError(f"{who}: 1-d preds of shape {p.shape} must be class labels, got "
                             "fractional values; for binary probabilities use task='binary'")
        preds = class_labels(who, "preds", p)
        limit = num_classes
    if limit is not None:
        top = max(labels.max(initial=-1), preds.max(initial=-1) if p.ndim == 1 else -1)
        if top >= limit:
            raise ValueError(f"{who}: found class label {top}, but there are only {limit} "
                             f"classes (labels 0..{limit - 1})")
    return preds, labels
