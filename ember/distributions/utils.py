"""Helpers shared by the distributions, as in ``torch.distributions.utils``.

>>> import ember
>>> from ember.distributions.utils import broadcast_all
>>> [t.shape for t in broadcast_all(ember.zeros(2), 1.0)]
[ember.Size([2]), ember.Size([2])]
"""

from __future__ import annotations

import numbers
from typing import Any

import ember
from ember.tensor import Tensor

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs",
           "probs_to_logits", "euler_constant"]

euler_constant = 0.57721566490153286060  # Euler-Mascheroni constant


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """Broadcast tensors and numbers together; numbers become tensors of the tensors' dtype
    (the default dtype when there are none).

    >>> import ember
    >>> broadcast_all(1.0, 2.0)[0].dtype
    ember.float32
    """
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, "
                         "ember.Tensor or objects implementing __ember_function__.")
    tensors = [v for v in values if isinstance(v, Tensor)]
    if not tensors:
        return tuple(ember.tensor(v, dtype=ember.get_default_dtype()) for v in values)
    like = tensors[0]
    converted = [v if isinstance(v, Tensor) else ember.tensor(v, dtype=like.dtype,
                                                               device=like.device)
                 for v in values]
    return tuple(ember.broadcast_tensors(*converted))


def clamp_probs(probs: Tensor) -> Tensor:
    """Clamp probabilities into [eps, 1 - eps] of their dtype.

    >>> import ember
    >>> clamp_probs(ember.tensor([0.0])).item() > 0
    True
    """
    eps = ember.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities from logits: sigmoid when ``is_binary``, else softmax over the last dim.

    >>> import ember
    >>> logits_to_probs(ember.tensor([0.0]), is_binary=True).tolist()
    [0.5]
    """
    if is_binary:
        return ember.sigmoid(logits)
    return ember.softmax(logits, dim=-1)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Logits from probabilities (clamped away from 0 and 1 first): ``log(p) - log1p(-p)``
    when ``is_binary``, else ``log(p)``.

    >>> import ember
    >>> probs_to_logits(ember.tensor([0.5]), is_binary=True).tolist()
    [0.0]
    """
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return ember.log(ps_clamped) - ember.log1p(-ps_clamped)
    return ember.log(ps_clamped)


def _sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """Sum out the ``dim`` rightmost dimensions (``value`` itself when ``dim <= 0``)."""
    return value.reshape(*value.shape[:value.dim() - dim], -1).sum(-1) if dim > 0 else value


class lazy_property:
    """A property computed on first access and then stored on the instance; distributions
    use it for the parameterisation (``probs``/``logits``) that was not given."""

    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance: Any, obj_type: Any = None) -> Any:
        if instance is None:
            return self
        with ember.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value
