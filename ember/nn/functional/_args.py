"""Argument normalisation shared by convolution, pooling and resampling.

>>> ntuple("conv2d", "stride", 2, 2)
(2, 2)
"""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor


def ntuple(op: str, name: str, value: Any, n: int) -> tuple:
    """``value`` (an int or a sequence of ``n`` ints) as a tuple of ``n`` ints."""
    if isinstance(value, (list, tuple)):
        if len(value) == 1 and n > 1:
            value = tuple(value) * n
        if len(value) != n:
            raise ValueError(f"{op}: expected {name} to be a single int or a tuple of {n} "
                             f"ints, got {tuple(value)}")
        out = tuple(value)
    else:
        out = (value,) * n
    for v in out:
        if isinstance(v, bool) or not isinstance(v, int):
            if not (hasattr(v, "__index__") and not isinstance(v, Tensor)):
                raise TypeError(f"{op}: expected {name} to contain ints, got {value!r}")
    return tuple(int(v) for v in out)


def check_float(op: str, *tensors: Tensor | None) -> None:
    """Convolution and pooling compute in floating point only, as in PyTorch on the CPU."""
    for t in tensors:
        if t is None:
            continue
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected a Tensor, got {type(t).__name__}")
        if not t.dtype.is_floating_point:
            raise RuntimeError(f"{op}: expected a floating-point tensor, got {t.dtype.name} "
                               f"(shape {tuple(t.shape)})")


def check_rank(op: str, input: Tensor, nd: int) -> bool:
    """Check that ``input`` is ``(C, *spatial)`` or ``(N, C, *spatial)`` with ``nd`` spatial
    dims; return True when it is unbatched."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected input to be a Tensor, got {type(input).__name__}")
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) "
                           f"input, got shape {tuple(input.shape)}")
    return input.ndim == nd + 1


__all__: list[str] = []
