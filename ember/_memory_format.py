"""PyTorch's memory-format constants (``ember.channels_last``, ...).

ember stores a tensor's data row-major (C order): ``contiguous(memory_format=...)``,
``to(memory_format=...)`` and ``Module.to(memory_format=...)`` accept the formats, check
them as PyTorch does, and keep the row-major layout. ``is_contiguous(memory_format=...)``
answers from the actual strides, as PyTorch does, so a channels-last view (an NHWC array
permuted to NCHW) reports True.

>>> import ember
>>> ember.channels_last
ember.channels_last
>>> ember.ones(2, 3, 4, 5).is_contiguous(memory_format=ember.channels_last)
False
"""

from __future__ import annotations

from typing import Any


class memory_format:  # noqa: N801 - PyTorch's name
    """A memory-format constant; compare with ``is`` or ``==``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"ember.{self.name}"

    def __reduce__(self) -> str:  # copy and deepcopy keep the singleton
        return self.name


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")

# the dimensions from fastest- to slowest-varying in each channels-last layout
_ORDERS = {channels_last: (1, 3, 2, 0), channels_last_3d: (1, 4, 3, 2, 0)}


def check_format(op: str, fmt: Any, ndim: int | None = None) -> memory_format | None:
    """``fmt`` checked to be a memory format, and (with ``ndim``) one that a tensor of
    that rank can take; ``None`` (no format given) passes unchecked."""
    if fmt is None:
        return None
    if not isinstance(fmt, memory_format):
        raise TypeError(f"{op}(): argument 'memory_format' must be ember.memory_format, not "
                        f"{type(fmt).__name__}")
    order = _ORDERS.get(fmt)
    if ndim is not None and order is not None and ndim != len(order):
        raise RuntimeError(f"required rank {len(order)} tensor to use {fmt.name} format")
    return fmt


def is_contiguous_as(shape: tuple, strides: tuple, fmt: memory_format,
                     c_contiguous: bool) -> bool:
    """PyTorch's test: the strides are those of the layout, size-1 dimensions aside."""
    order = _ORDERS.get(fmt)
    if order is None:  # contiguous_format (and preserve_format, which PyTorch answers so)
        return c_contiguous
    if len(shape) != len(order):
        return False
    expected = 1
    for d in order:
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True
