"""Top-level queries and one creation function with PyTorch's names: ``is_floating_point``,
``is_complex``, ``is_nonzero``, ``can_cast`` and ``empty_strided``.

>>> import ember
>>> ember.is_floating_point(ember.ones(2)), ember.can_cast(ember.float64, ember.int32)
(True, False)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import dtypes as _dt
from ..backends import backend_of
from ..tensor import Tensor, _make
from .creation import empty


def _tensor_arg(op: str, input: Any) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return input


def is_floating_point(input: Tensor) -> bool:
    """Whether ``input``'s dtype is a floating-point one.

    >>> import ember
    >>> ember.is_floating_point(ember.tensor([1, 2]))
    False
    """
    return _tensor_arg("is_floating_point", input).is_floating_point()


def is_complex(input: Tensor) -> bool:
    """Whether ``input``'s dtype is complex: always False, ember has no complex dtypes.

    >>> import ember
    >>> ember.is_complex(ember.ones(2))
    False
    """
    return _tensor_arg("is_complex", input).dtype.is_complex


def is_nonzero(input: Tensor) -> bool:
    """Whether a one-element tensor is not zero (``bool(input)`` with PyTorch's errors).

    >>> import ember
    >>> ember.is_nonzero(ember.tensor([0.5])), ember.is_nonzero(ember.tensor(0))
    (True, False)
    """
    n = _tensor_arg("is_nonzero", input).numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous "
                           f"(is_nonzero got shape {tuple(input.shape)})")
    return bool(input.item())


def can_cast(from_: _dt.DType, to: _dt.DType) -> bool:
    """Whether PyTorch's casting rules allow ``from_`` to ``to`` in a type-promoted op's
    output: never to a lower category (float to integer, integer to bool); within a
    category any size is allowed.

    >>> import ember
    >>> ember.can_cast(ember.int64, ember.float16), ember.can_cast(ember.float32, ember.bool)
    (True, False)
    """
    for position, (name, value) in enumerate((("from_", from_), ("to", to)), 1):
        if not isinstance(value, _dt.DType):
            raise TypeError(f"can_cast(): argument '{name}' (position {position}) must be "
                            f"ember.dtype, not {type(value).__name__}")
    return from_.category <= to.category


def empty_strided(size: Sequence[int], stride: Sequence[int], *, dtype: Any = None,
                  layout: Any = None, device: Any = None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor of shape ``size`` laid out with element strides ``stride``
    over a buffer just large enough for them (strides may overlap, e.g. 0).

    >>> import ember
    >>> ember.empty_strided((2, 3), (1, 2)).stride()
    (1, 2)
    """
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"empty_strided: dimensionality of sizes ({len(size)}) must match "
                           f"dimensionality of strides ({len(stride)})")
    if any(n < 0 for n in size):
        negative = next(n for n in size if n < 0)
        raise RuntimeError(f"empty_strided: Trying to create tensor with negative dimension "
                           f"{negative}: {list(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"empty_strided: strides must be non-negative, got {list(stride)}")
    extent = 0 if 0 in size else 1 + sum((n - 1) * s for n, s in zip(size, stride))
    flat = empty(extent, dtype=dtype, device=device)._data
    xp = backend_of(flat).xp
    strided = xp.lib.stride_tricks.as_strided(flat, size, tuple(s * flat.itemsize
                                                                for s in stride))
    out = _make(strided)
    return out.requires_grad_() if requires_grad else out


__all__ = ["is_floating_point", "is_complex", "is_nonzero", "can_cast", "empty_strided"]
