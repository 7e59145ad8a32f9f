"""The streaming-metric protocol (``update`` / ``compute`` / ``reset``), ``Mean`` and the
wrapper that turns a plain ``fn(output, target) -> float`` into a metric.

>>> m = Mean("loss")
>>> m.update(2.0, weight=3); m.update(4.0)
>>> m.compute()
2.5
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from ._inputs import to_numpy

__all__ = ["Metric", "Mean", "FunctionMetric"]


class Metric:
    """Base class of the streaming metrics.

    A metric accumulates sufficient statistics in NumPy (float64 / int64), so its value is
    exact whatever the batching:

    - ``update(output, target)`` adds a batch (ember or PyTorch Tensors, NumPy arrays);
      ``output`` is the model's output (logits, probabilities or values).
    - ``compute()`` returns the value over every batch since the last ``reset()`` (a float,
      an ndarray for ``ConfusionMatrix``; NaN when nothing was seen).
    - ``reset()`` clears the statistics.
    - ``metric(output, target)`` does ``update`` and returns the value on that batch alone,
      like a torchmetrics ``forward``.
    - ``name`` is the key in a training history (``"accuracy"``, ``"mse"``, ...); every
      constructor takes ``name=`` to change it.

    Subclasses implement ``update``, ``compute`` and ``reset``; ``reset`` must bind new state
    objects (never mutate them in place), which ``__call__`` relies on.

    >>> from ember.metrics import Accuracy
    >>> acc = Accuracy()
    >>> acc([[0.1, 0.9], [0.8, 0.2]], [1, 1])
    0.5
    >>> acc.update([[0.3, 0.7]], [1]); acc.compute()
    0.6666666666666666
    """

    name: str = "metric"

    def __init__(self, name: str | None = None) -> None:
        if name is not None:
            if not isinstance(name, str) or not name:
                raise TypeError(f"{type(self).__name__}: name must be a non-empty str, "
                                f"got {name!r}")
            self.name = name
        self.reset()

    def update(self, output: Any, target: Any) -> None:
        """Add one batch to the statistics."""
        raise NotImplementedError

    def compute(self) -> Any:
        """The value over every batch since the last ``reset()``."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget every batch seen."""
        raise NotImplementedError

    def __call__(self, output: Any, target: Any) -> Any:
        """Update with the batch and return the metric on that batch alone."""
        batch = copy.copy(self)
        batch.reset()
        batch.update(output, target)   # validates before this metric changes
        self.update(output, target)
        return batch.compute()

    def _config(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in {**self._config(), "name": self.name}.items())
        return f"{type(self).__name__}({args})"


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


class Mean(Metric):
    """Running, optionally weighted, mean of scalars (e.g. the loss of each batch).

    ``update(value, weight=1.0)``: ``value`` is a number, a one-element Tensor or an array
    (each element counts with ``weight``). ``compute()`` is NaN before any update.

    >>> m = Mean("loss")
    >>> m.update([1.0, 2.0, 6.0]); m.compute()
    3.0
    """

    def __init__(self, name: str = "mean") -> None:
        super().__init__(name)

    def reset(self) -> None:
        self._sum = 0.0
        self._weight = 0.0

    def update(self, value: Any, weight: float = 1.0) -> None:
        v = to_numpy(value).astype(np.float64)
        w = float(to_numpy(weight))
        if w < 0:
            raise ValueError(f"Mean({self.name!r}): weight must be >= 0, got {w}")
        self._sum += float(v.sum()) * w
        self._weight += v.size * w

    def compute(self) -> float:
        return _ratio(self._sum, self._weight)

    def __call__(self, value: Any, weight: float = 1.0) -> float:
        self.update(value, weight)
        return float(to_numpy(value).astype(np.float64).mean())


class FunctionMetric(Metric):
    """A metric from ``fn(output, target) -> float``: the mean of ``fn`` over batches,
    weighted by batch size (the length of ``target``), so it is exact when ``fn`` returns a
    per-sample mean. ``fn`` receives ``output`` and ``target`` unchanged. The name defaults
    to ``fn.__name__``.

    >>> def max_error(output, target):
    ...     return float(abs(output - target).max())
    >>> m = FunctionMetric(max_error)
    >>> import numpy as np
    >>> m.update(np.array([1.0, 2.0]), np.array([1.5, 2.0])); m.name, m.compute()
    ('max_error', 0.5)
    """

    def __init__(self, fn: Callable[[Any, Any], Any], name: str | None = None) -> None:
        if not callable(fn):
            raise TypeError(f"FunctionMetric: fn must be callable, got {type(fn).__name__}")
        self.fn = fn
        if name is None:
            name = getattr(fn, "__name__", type(fn).__name__)
            name = "lambda" if name == "<lambda>" else name
        super().__init__(name)

    def reset(self) -> None:
        self._sum = 0.0
        self._count = 0

    def update(self, output: Any, target: Any) -> None:
        value = to_numpy(self.fn(output, target))
        if value.size != 1:
            raise ValueError(f"FunctionMetric({self.name!r}): fn must return one number, got "
                             f"an array of shape {value.shape}")
        shape = getattr(target, "shape", None)
        shape = np.shape(target) if shape is None else tuple(shape)
        n = shape[0] if len(shape) else 1
        self._sum += float(value.reshape(())) * n
        self._count += n

    def compute(self) -> float:
        return _ratio(self._sum, self._count)

    def _config(self) -> dict[str, Any]:
        return {"fn": getattr(self.fn, "__name__", self.fn)}
