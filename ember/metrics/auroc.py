"""Area under the ROC curve, binary and multiclass one-vs-rest, exact across batches.

AUROC depends on the order of all scores, so the metric keeps every score and target it is
given (as scikit-learn does) and computes the area with ties counted half, which equals
scikit-learn's trapezoidal ``roc_auc_score``.

>>> import numpy as np
>>> AUROC(task="binary")(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1]))
0.75
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._inputs import binary_inputs, multiclass_inputs, softmax
from .base import Metric
from .classification import _check_num_classes, _check_task

__all__ = ["AUROC", "binary_auroc"]


def binary_auroc(scores: np.ndarray, positive: np.ndarray) -> float:
    """AUROC of ``scores`` for the boolean ``positive`` (Mann-Whitney U with mid-ranks;
    ties count half). NaN when one of the two classes is absent.

    >>> binary_auroc(np.array([0.5, 0.5, 0.9]), np.array([False, True, True]))
    0.75
    """
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="stable")
    s = scores[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    ends = np.r_[starts[1:], s.size]
    mid = (starts + ends + 1) / 2.0                       # mean 1-based rank of each tie group
    ranks = np.repeat(mid, ends - starts)
    rank_sum = ranks[positive[order]].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


class AUROC(Metric):
    """Area under the ROC curve (scikit-learn's ``roc_auc_score``).

    ``task="binary"``: preds (N,) or (N, 1) scores, probabilities or logits (used as they
    are: the area depends only on their order), target 0/1.
    ``task="multiclass"``: preds (N, C) scores; a batch goes through softmax when
    ``from_logits=True``, or when ``from_logits=None`` and any value lies outside [0, 1];
    the result is the one-vs-rest area averaged over classes (``average="macro"``) or
    weighted by class prevalence (``"weighted"``), as
    ``roc_auc_score(target, probs, multi_class="ovr", average=...)``.

    Undefined cases return NaN with a warning (scikit-learn raises): a binary target with one
    class only; in the multiclass case, classes absent from the target (or present in every
    sample) are left out of the average.

    >>> probs = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7], [0.3, 0.3, 0.4]])
    >>> round(AUROC()(probs, np.array([0, 1, 2, 1])), 4)
    0.9583
    """

    name = "auroc"

    def __init__(self, task: str = "multiclass", num_classes: int | None = None,
                 average: str = "macro", *, from_logits: bool | None = None,
                 name: str | None = None) -> None:
        self.task = _check_task("AUROC", task)
        self.num_classes = _check_num_classes("AUROC", task, num_classes)
        if average not in ("macro", "weighted"):
            raise ValueError(f"AUROC: average must be 'macro' or 'weighted', got {average!r}")
        self.average = average
        self.from_logits = from_logits
        super().__init__(name)

    def reset(self) -> None:
        self._scores: list[np.ndarray] = []
        self._targets: list[np.ndarray] = []

    def _who(self) -> str:
        return f"AUROC(task={self.task!r})"

    def update(self, output: Any, target: Any) -> None:
        if self.task == "binary":
            # Scores are kept raw (no sigmoid): the area only depends on their order.
            scores, t = binary_inputs(self._who(), output, target, False)
        else:
            scores, t = multiclass_inputs(self._who(), output, target, self.num_classes)
            if scores.ndim != 2:
                raise ValueError(f"{self._who()}: needs (N, C) class scores, got preds of "
                                 f"shape {scores.shape}")
            if self._scores and scores.shape[1] != self._scores[0].shape[1]:
                raise ValueError(f"{self._who()}: preds of shape {scores.shape} have "
                                 f"{scores.shape[1]} classes; earlier batches had "
                                 f"{self._scores[0].shape[1]}")
            auto = scores.size and (scores.min() < 0 or scores.max() > 1)
            if self.from_logits or (self.from_logits is None and auto):
                scores = softmax(scores)
        if np.isnan(scores).any():
            raise ValueError(f"{self._who()}: preds contain NaN")
        self._scores.append(scores)
        self._targets.append(t)

    def compute(self) -> float:
        if not self._scores:
            return float("nan")
        scores = np.concatenate(self._scores)
        target = np.concatenate(self._targets)
        if self.task == "binary":
            auc = binary_auroc(scores, target == 1)
            if np.isnan(auc):
                warnings.warn("AUROC: the target holds one class only; the area is undefined",
                              stacklevel=2)
            return auc
        per_class, weights = [], []
        for c in range(scores.shape[1]):
            positive = target == c
            per_class.append(binary_auroc(scores[:, c], positive))
            weights.append(positive.sum())
        per_class, weights = np.array(per_class), np.array(weights, dtype=np.float64)
        valid = ~np.isnan(per_class)
        if not valid.all():
            warnings.warn(f"AUROC: classes {np.flatnonzero(~valid).tolist()} are absent from "
                          "the target (or are all of it); they are left out of the average",
                          stacklevel=2)
        if not valid.any():
            return float("nan")
        if self.average == "macro":
            return float(per_class[valid].mean())
        return float((per_class[valid] * weights[valid]).sum() / weights[valid].sum())

    def _config(self) -> dict[str, Any]:
        return {"task": self.task, "num_classes": self.num_classes, "average": self.average}
