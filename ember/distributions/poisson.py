"""``Poisson``: counts with rate ``rate``; sampled with ``ember.poisson`` (no ``rsample``,
as in PyTorch).

>>> import ember
>>> from ember.distributions import Poisson
>>> Poisson(ember.tensor([2.0])).log_prob(ember.tensor([0.0])).tolist()
[-2.0]
"""

from __future__ import annotations

from numbers import Number
from typing import Any

import ember
from ember.tensor import Tensor

from . import constraints
from .distribution import _EMPTY_SIZE, ExponentialFamily, _expand_params
from .utils import broadcast_all

__all__ = ["Poisson"]


class Poisson(ExponentialFamily):
    """The Poisson distribution over the non-negative integers.

    >>> import ember
    >>> Poisson(3.5).mode.item()
    3.0
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Tensor | Number, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Poisson:
        return _expand_params(self, Poisson, ("rate",), batch_shape, _instance)

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape: Any = _EMPTY_SIZE) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with ember.no_grad():
            return ember.poisson(self.rate.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()
