"""ember.metrics: streaming metrics, exact across batches, for ``Model.fit`` and plain loops.

Every metric has ``update(output, target)``, ``compute()``, ``reset()`` and a ``name`` (the
history key); calling it updates and returns the value on that batch. Inputs are ember (or
PyTorch) Tensors or NumPy arrays; statistics accumulate in NumPy float64/int64.

>>> import ember
>>> from ember.metrics import Accuracy, F1Score
>>> acc, f1 = Accuracy(), F1Score(average="macro")
>>> batches = [(ember.tensor([[2.0, 0.1], [0.3, 1.0]]), ember.tensor([0, 1])),
...            (ember.tensor([[0.2, 0.9]]), ember.tensor([0]))]
>>> for logits, labels in batches:
...     acc.update(logits, labels); f1.update(logits, labels)
>>> round(acc.compute(), 4), round(f1.compute(), 4)
(0.6667, 0.6667)
>>> acc.reset(); acc.compute()
nan
"""

from __future__ import annotations

from ._registry import available, get, suggest
from .auroc import AUROC
from .base import FunctionMetric, Mean, Metric
from .classification import Accuracy, ConfusionMatrix, F1Score, Precision, Recall
from .regression import MeanAbsoluteError, MeanSquaredError, R2Score, RootMeanSquaredError

__all__ = [
    "Metric", "Mean", "FunctionMetric", "Accuracy", "Precision", "Recall", "F1Score",
    "ConfusionMatrix", "AUROC", "MeanAbsoluteError", "MeanSquaredError", "RootMeanSquaredError",
    "R2Score", "get", "suggest", "available",
]
