"""Metrics by name: ``get("accuracy")``, and the "did you mean" helper ``suggest``.

>>> get("acc")
Accuracy(task='multiclass', top_k=1, threshold=0.5, name='accuracy')
>>> get("top3_accuracy").name
'top3_accuracy'
>>> suggest("acuracy", ["accuracy", "precision"])
" Did you mean 'accuracy'?"
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from typing import Any

from .auroc import AUROC
from .base import FunctionMetric, Metric
from .classification import Accuracy, ConfusionMatrix, F1Score, Precision, Recall
from .regression import MeanAbsoluteError, MeanSquaredError, R2Score, RootMeanSquaredError

__all__ = ["get", "suggest", "available"]

_FACTORIES: dict[str, Callable[[], Metric]] = {
    "accuracy": Accuracy,
    "acc": Accuracy,
    "binary_accuracy": lambda: Accuracy(task="binary"),
    "top_k_accuracy": lambda: Accuracy(top_k=5),
    "top5_accuracy": lambda: Accuracy(top_k=5),
    "precision": Precision,
    "recall": Recall,
    "f1": F1Score,
    "f1_score": F1Score,
    "auroc": AUROC,
    "auc": AUROC,
    "roc_auc": AUROC,
    "confusion_matrix": ConfusionMatrix,
    "mae": MeanAbsoluteError,
    "mean_absolute_error": MeanAbsoluteError,
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
    "rmse": RootMeanSquaredError,
    "root_mean_squared_error": RootMeanSquaredError,
    "r2": R2Score,
    "r2_score": R2Score,
}
_TOP_K = re.compile(r"top_?(\d+)_accuracy")


def suggest(name: str, choices: Iterable[str]) -> str:
    """``" Did you mean 'x'?"`` for the choice closest to ``name`` (difflib), else ``""``.

    Meant to be appended to an error message.

    >>> suggest("adma", ["adam", "sgd"]), suggest("zzz", ["adam", "sgd"])
    (" Did you mean 'adam'?", '')
    """
    name = str(name)
    close = difflib.get_close_matches(name, list(choices), n=5, cutoff=0.6)
    if not close:
        return ""
    # difflib's ratio favours long shared runs ("adma" -> "adamax"); typos are mostly
    # swaps and slips, so the fewest edits decide among the close names
    best = min(close, key=lambda c: (_edits(name.lower(), c.lower()), close.index(c)))
    return f" Did you mean {best!r}?"


def _edits(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions and swaps
    of neighbours each count 1.

    >>> _edits("adma", "adam"), _edits("adma", "adamax")
    (1, 2)
    """
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1,
                         rows[-1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def available() -> list[str]:
    """The metric names ``get`` accepts (``top{k}_accuracy`` works for any k).

    >>> available()[:3]
    ['accuracy', 'acc', 'binary_accuracy']
    """
    return list(_FACTORIES)


def get(metric: str | Metric | type | Callable[[Any, Any], Any]) -> Metric:
    """A metric from a name, a ``Metric`` (returned as it is), a ``Metric`` subclass
    (instantiated) or a function ``fn(output, target) -> float`` (wrapped in a
    ``FunctionMetric``). A name gives a fresh metric with default arguments whose ``name`` is
    the canonical one (``get("acc").name == "accuracy"``). Names are case-insensitive.

    >>> get("mean_squared_error").name
    'mse'
    """
    if isinstance(metric, Metric):
        return metric
    if isinstance(metric, type) and issubclass(metric, Metric):
        return metric()
    if isinstance(metric, str):
        key = metric.strip().lower().replace("-", "_")
        if key in _FACTORIES:
            return _FACTORIES[key]()
        top_k = _TOP_K.fullmatch(key)
        if top_k and int(top_k.group(1)) >= 1:
            return Accuracy(top_k=int(top_k.group(1)))
        raise ValueError(f"unknown metric {metric!r}.{suggest(key, _FACTORIES)} Valid names: "
                         f"{', '.join(_FACTORIES)}, top<k>_accuracy")
    if callable(metric):
        return FunctionMetric(metric)
    raise TypeError(f"metrics.get: expected a metric name, a Metric or a function "
                    f"fn(output, target), got {type(metric).__name__}")
