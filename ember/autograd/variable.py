"""``Variable``: PyTorch's deprecated wrapper, kept so old code runs. ``Variable(t)`` returns
a tensor, and every tensor is an instance of ``Variable``.

>>> import ember
>>> v = ember.autograd.Variable(ember.ones(2), requires_grad=True)
>>> type(v).__name__, v.requires_grad, isinstance(ember.zeros(1), ember.autograd.Variable)
('Tensor', True, True)
"""

from __future__ import annotations

from ..tensor import Tensor


class _VariableMeta(type):
    def __instancecheck__(cls, other: object) -> bool:
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False)``: a leaf tensor sharing ``data``'s memory."""

    def __new__(cls, data: Tensor, requires_grad: bool = False) -> Tensor:  # type: ignore[misc]
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got "
                            f"{type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)
