"""Classification metrics: accuracy (binary, multiclass, top-k), precision, recall, F1 and the
confusion matrix, accumulated exactly across batches.

Inputs. ``task="multiclass"``: preds are (N, C) scores, logits or probabilities (the
prediction is the argmax) or (N,) integer class labels; target is (N,) class labels.
``task="binary"``: preds are (N,) or (N, 1) probabilities or logits (the sigmoid is applied
to a batch when ``from_logits=True``, or when ``from_logits=None`` and any of its values lies
outside [0, 1], as torchmetrics does); the positive prediction is ``prob > threshold``;
target holds 0/1. The automatic choice is made per batch, so a model that outputs logits
should pass ``from_logits=True``: a small batch of logits that all lie in [0, 1] would
otherwise be read as probabilities.

Classes. With ``num_classes`` given, the classes are ``0..num_classes-1``, as
scikit-learn's ``labels=range(num_classes)``: a class never seen counts in a macro average
with precision/recall/F1 0 (``zero_division=0``). With ``num_classes=None`` the matrix grows
as labels appear (or takes the score width C) and the averages use the classes present in
target or preds, as scikit-learn's default ``labels=None``. Binary tasks use labels [0, 1].

>>> import numpy as np
>>> scores = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3], [0.4, 0.1, 0.5]])
>>> target = np.array([0, 2, 2, 0])
>>> Accuracy()(scores, target), Accuracy(top_k=2)(scores, target)
(0.5, 1.0)
>>> round(F1Score(average="macro")(scores, target), 4)
0.3889
>>> ConfusionMatrix()(scores, target)
array([[1, 0, 1],
       [0, 0, 0],
       [0, 1, 1]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._inputs import binary_inputs, multiclass_inputs
from .base import Metric

__all__ = ["Accuracy", "Precision", "Recall", "F1Score", "ConfusionMatrix"]

_TASKS = ("binary", "multiclass")
_AVERAGES = ("binary", "macro", "micro", "weighted")


def _check_task(cls: str, task: str) -> str:
    if task not in _TASKS:
        raise ValueError(f"{cls}: task must be 'binary' or 'multiclass', got {task!r}")
    return task


def _check_num_classes(cls: str, task: str, num_classes: int | None) -> int | None:
    if num_classes is None:
        return None
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
        raise TypeError(f"{cls}: num_classes must be an int or None, got {num_classes!r}")
    if task == "binary" and num_classes != 2:
        raise ValueError(f"{cls}: task='binary' has 2 classes, got num_classes={num_classes}")
    if num_classes < 2:
        raise ValueError(f"{cls}: num_classes must be >= 2, got {num_classes}")
    return int(num_classes)


class Accuracy(Metric):
    """Fraction of samples whose class is predicted right (``top_k > 1``: whose class is among
    the ``top_k`` highest scores; ties go to the lower class index). Matches scikit-learn's
    ``accuracy_score`` and ``top_k_accuracy_score``.

    ``name`` is ``"accuracy"``, or ``"top{k}_accuracy"`` for ``top_k > 1``.

    >>> Accuracy(task="binary")([0.2, 0.9, 0.6], [0, 1, 0])
    0.6666666666666666
    """

    def __init__(self, task: str = "multiclass", top_k: int = 1, threshold: float = 0.5, *,
                 from_logits: bool | None = None, name: str | None = None) -> None:
        self.task = _check_task("Accuracy", task)
        if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1:
            raise ValueError(f"Accuracy: top_k must be an int >= 1, got {top_k!r}")
        if task == "binary" and top_k != 1:
            raise ValueError(f"Accuracy: top_k={top_k} needs task='multiclass'")
        self.top_k = int(top_k)
        self.threshold = float(threshold)
        self.from_logits = from_logits
        self.name = "accuracy" if top_k == 1 else f"top{top_k}_accuracy"
        super().__init__(name)

    def reset(self) -> None:
        self._correct = 0
        self._total = 0

    def _who(self) -> str:
        extra = f", top_k={self.top_k}" if self.top_k > 1 else ""
        return f"Accuracy(task={self.task!r}{extra})"

    def update(self, output: Any, target: Any) -> None:
        if self.task == "binary":
            p, t = binary_inputs(self._who(), output, target, self.from_logits)
            hits = (p > self.threshold) == (t == 1)
        else:
            preds, t = multiclass_inputs(self._who(), output, target, None)
            if preds.ndim == 1:
                if self.top_k > 1:
                    raise ValueError(f"{self._who()}: top-k accuracy needs (N, C) scores, got "
                                     f"preds of shape {preds.shape}")
                hits = preds == t
            elif self.top_k == 1:
                hits = preds.argmax(axis=1) == t
            else:
                if self.top_k > preds.shape[1]:
                    raise ValueError(f"{self._who()}: top_k is larger than the number of "
                                     f"classes in preds of shape {preds.shape}")
                top = np.argsort(-preds, axis=1, kind="stable")[:, :self.top_k]
                hits = (top == t[:, None]).any(axis=1)
        self._correct += int(hits.sum())
        self._total += int(hits.size)

    def compute(self) -> float:
        return self._correct / self._total if self._total else float("nan")

    def _config(self) -> dict[str, Any]:
        return {"task": self.task, "top_k": self.top_k, "threshold": self.threshold}


class _ConfusionMetric(Metric):
    """Accumulates the confusion matrix (rows: target class, columns: predicted class)."""

    def __init__(self, task: str, num_classes: int | None, threshold: float,
                 from_logits: bool | None, name: str | None) -> None:
        cls = type(self).__name__
        self.task = _check_task(cls, task)
        self.num_classes = _check_num_classes(cls, task, num_classes)
        self.threshold = float(threshold)
        self.from_logits = from_logits
        super().__init__(name)

    def reset(self) -> None:
        n = 2 if self.task == "binary" else (self.num_classes or 0)
        self._cm = np.zeros((n, n), dtype=np.int64)

    def _who(self) -> str:
        return f"{type(self).__name__}(task={self.task!r})"

    def update(self, output: Any, target: Any) -> None:
        if self.task == "binary":
            p, t = binary_inputs(self._who(), output, target, self.from_logits)
            pred = (p > self.threshold).astype(np.int64)
            n = 2
        else:
            preds, t = multiclass_inputs(self._who(), output, target, self.num_classes)
            pred = preds if preds.ndim == 1 else preds.argmax(axis=1)
            width = preds.shape[1] if preds.ndim == 2 else 0
            n = max(self._cm.shape[0], width, int(t.max(initial=-1)) + 1,
                    int(pred.max(initial=-1)) + 1)
        if n > self._cm.shape[0]:
            grown = np.zeros((n, n), dtype=np.int64)
            k = self._cm.shape[0]
            grown[:k, :k] = self._cm
            self._cm = grown
        self._cm = self._cm + np.bincount(t * n + pred, minlength=n * n).reshape(n, n)

    def _config(self) -> dict[str, Any]:
        return {"task": self.task, "num_classes": self.num_classes}


class _PRF(_ConfusionMetric):
    """Precision, recall and F1 from the confusion matrix, with scikit-learn's averages."""

    def __init__(self, task: str = "multiclass", average: str | None = None,
                 num_classes: int | None = None, threshold: float = 0.5, *,
                 from_logits: bool | None = None, name: str | None = None) -> None:
        cls = type(self).__name__
        if average is None:
            average = "binary" if task == "binary" else "macro"
        if average not in _AVERAGES:
            raise ValueError(f"{cls}: average must be one of {', '.join(map(repr, _AVERAGES))}, "
                             f"got {average!r}")
        if average == "binary" and task != "binary":
            raise ValueError(f"{cls}: average='binary' needs task='binary'; for task={task!r} "
                             "use 'macro', 'micro' or 'weighted'")
        self.average = average
        super().__init__(task, num_classes, threshold, from_logits, name)

    @staticmethod
    def _score(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def compute(self) -> float:
        cm = self._cm
        if cm.sum() == 0:
            return float("nan")
        tp = np.diag(cm).astype(np.float64)
        fp = cm.sum(axis=0) - tp
        fn = cm.sum(axis=1) - tp
        support = cm.sum(axis=1).astype(np.float64)
        if self.average == "binary":
            return float(self._score(tp[1:], fp[1:], fn[1:])[0])
        if self.task == "multiclass" and self.num_classes is None:
            present = (cm.sum(axis=0) + cm.sum(axis=1)) > 0
            tp, fp, fn, support = tp[present], fp[present], fn[present], support[present]
        if self.average == "micro":
            return float(self._score(tp.sum(keepdims=True), fp.sum(keepdims=True),
                                     fn.sum(keepdims=True))[0])
        scores = self._score(tp, fp, fn)
        if self.average == "macro":
            return float(scores.mean())
        total = support.sum()
        return float((scores * support).sum() / total) if total else 0.0

    def _config(self) -> dict[str, Any]:
        return {"task": self.task, "average": self.average, "num_classes": self.num_classes}


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, 0 where den is 0 (scikit-learn's ``zero_division=0``)."""
    return np.divide(num, den, out=np.zeros_like(num, dtype=np.float64), where=den != 0)


class Precision(_PRF):
    """tp / (tp + fp): scikit-learn's ``precision_score`` with ``zero_division=0``.

    ``average``: ``"binary"`` (positive class 1; the default for ``task="binary"``),
    ``"macro"`` (the default for ``task="multiclass"``), ``"micro"`` or ``"weighted"``
    (by support).

    >>> Precision(task="binary")([0.9, 0.8, 0.1, 0.7], [1, 0, 0, 1])
    0.6666666666666666
    """

    name = "precision"

    @staticmethod
    def _score(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
        return _safe_div(tp, tp + fp)


class Recall(_PRF):
    """tp / (tp + fn): scikit-learn's ``recall_score`` with ``zero_division=0``; ``average``
    as for ``Precision``.

    >>> Recall(task="binary")([0.9, 0.8, 0.1, 0.2], [1, 0, 0, 1])
    0.5
    """

    name = "recall"

    @staticmethod
    def _score(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
        return _safe_div(tp, tp + fn)


class F1Score(_PRF):
    """2 tp / (2 tp + fp + fn): scikit-learn's ``f1_score`` with ``zero_division=0``;
    ``average`` as for ``Precision``.

    >>> F1Score(task="binary")([0.9, 0.8, 0.1, 0.2], [1, 0, 0, 1])
    0.5
    """

    name = "f1"

    @staticmethod
    def _score(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
        return _safe_div(2 * tp, 2 * tp + fp + fn)


class ConfusionMatrix(_ConfusionMetric):
    """Counts ``C[i, j]`` of samples of class ``i`` predicted as class ``j`` (scikit-learn's
    ``confusion_matrix`` with ``labels=range(n)``); ``compute()`` returns an int64 (n, n)
    array, n = ``num_classes``, 2 for ``task="binary"``, or (``num_classes=None``) the score
    width or the largest label seen plus one.

    >>> ConfusionMatrix(task="binary")([0.9, 0.8, 0.1], [1, 0, 0])
    array([[1, 1],
           [0, 1]])
    """

    name = "confusion_matrix"

    def __init__(self, num_classes: int | None = None, task: str = "multiclass",
                 threshold: float = 0.5, *, from_logits: bool | None = None,
                 name: str | None = None) -> None:
        super().__init__(task, num_classes, threshold, from_logits, name)

    def compute(self) -> np.ndarray:
        return self._cm.copy()
