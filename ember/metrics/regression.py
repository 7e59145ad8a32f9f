"""Regression metrics: MAE, MSE, RMSE and R², exact across batches.

preds and target have the same shape, (N,) or (N, D) (more dimensions are flattened into
D outputs); (N, 1) against (N,) is accepted. With several outputs the result is the plain
average over outputs of the per-output value (scikit-learn's
``multioutput="uniform_average"``). R² keeps the target's mean and sum of squared
deviations with Chan's parallel update, so it stays accurate for targets far from 0.

>>> import numpy as np
>>> preds, target = np.array([2.5, 0.0, 2.0, 8.0]), np.array([3.0, -0.5, 2.0, 7.0])
>>> MeanSquaredError()(preds, target), round(R2Score()(preds, target), 4)
(0.375, 0.9486)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._inputs import _as_float, to_numpy
from .base import Metric

__all__ = ["MeanAbsoluteError", "MeanSquaredError", "RootMeanSquaredError", "R2Score"]


class _Regression(Metric):
    """Per-output sums of absolute and squared errors, target mean and squared deviations."""

    def reset(self) -> None:
        self._n = 0
        self._abs = np.zeros(0)
        self._sq = np.zeros(0)
        self._mean = np.zeros(0)
        self._m2 = np.zeros(0)

    def _inputs(self, output: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
        who = type(self).__name__
        p, t = to_numpy(output), to_numpy(target)
        if p.shape != t.shape:
            squeeze = [a[:, 0] if a.ndim == 2 and a.shape[1] == 1 else a for a in (p, t)]
            if squeeze[0].shape != squeeze[1].shape or squeeze[0].ndim != 1:
                raise ValueError(f"{who}: preds of shape {p.shape} and target of shape "
                                 f"{t.shape} differ; expected the same shape, (N,) or (N, D)")
            p, t = squeeze
        if p.ndim == 0:
            p, t = p.reshape(1), t.reshape(1)
        p = _as_float(who, "preds", p).reshape(p.shape[0], -1)
        t = _as_float(who, "target", t).reshape(t.shape[0], -1)
        if self._n and p.shape[1] != self._abs.size:
            raise ValueError(f"{who}: preds of shape {to_numpy(output).shape} have "
                             f"{p.shape[1]} outputs; earlier batches had {self._abs.size}")
        return p, t

    def update(self, output: Any, target: Any) -> None:
        p, t = self._inputs(output, target)
        n_b = t.shape[0]
        if n_b == 0:
            return
        if not self._n:
            self._abs = self._sq = self._mean = self._m2 = np.zeros(t.shape[1])
        err = p - t
        mean_b = t.mean(axis=0)
        m2_b = ((t - mean_b) ** 2).sum(axis=0)
        n = self._n + n_b
        delta = mean_b - self._mean
        self._mean = self._mean + delta * (n_b / n)
        self._m2 = self._m2 + m2_b + delta ** 2 * (self._n * n_b / n)
        self._abs = self._abs + np.abs(err).sum(axis=0)
        self._sq = self._sq + (err ** 2).sum(axis=0)
        self._n = n

    def _per_output(self) -> np.ndarray:
        raise NotImplementedError

    def compute(self) -> float:
        if not self._n:
            return float("nan")
        return float(self._per_output().mean())


class MeanAbsoluteError(_Regression):
    """Mean of ``|preds - target|`` (scikit-learn's ``mean_absolute_error``).

    >>> MeanAbsoluteError()([1.0, 2.0], [2.0, 4.0])
    1.5
    """

    name = "mae"

    def _per_output(self) -> np.ndarray:
        return self._abs / self._n


class MeanSquaredError(_Regression):
    """Mean of ``(preds - target)²`` (scikit-learn's ``mean_squared_error``).

    >>> MeanSquaredError()([1.0, 2.0], [2.0, 4.0])
    2.5
    """

    name = "mse"

    def _per_output(self) -> np.ndarray:
        return self._sq / self._n


class RootMeanSquaredError(_Regression):
    """Square root of the mean squared error, per output, then averaged over outputs
    (scikit-learn's ``root_mean_squared_error``).

    >>> RootMeanSquaredError()([1.0, 2.0], [1.0, 4.0])
    1.4142135623730951
    """

    name = "rmse"

    def _per_output(self) -> np.ndarray:
        return np.sqrt(self._sq / self._n)


class R2Score(_Regression):
    """Coefficient of determination ``1 - SS_res / SS_tot`` (scikit-learn's ``r2_score``): a
    constant target gives 1.0 when predicted exactly and 0.0 otherwise; NaN below 2 samples.

    >>> R2Score()([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    0.7857142857142857
    """

    name = "r2"

    def _per_output(self) -> np.ndarray:
        if self._n < 2:
            return np.full(self._m2.shape, np.nan)
        exact = np.where(self._sq == 0, 1.0, 0.0)
        ratio = np.divide(self._sq, self._m2, out=np.zeros_like(self._sq), where=self._m2 != 0)
        return np.where(self._m2 != 0, 1.0 - ratio, exact)
