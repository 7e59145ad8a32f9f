"""``make_tensor``: PyTorch's random test tensor of a given shape and dtype."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor


def _low_high(low: float | None, high: float | None, dtype: _dt.DType) -> tuple[float, float]:
    """PyTorch's ranges: [-9, 10) for integers (clamped to [0, 10) for uint8), [-9, 9) for
    floats, [0, 2) for bools; user bounds are checked and clamped to what ``dtype`` holds."""
    if dtype == _dt.bool_:
        lowest, highest, default_low, default_high = 0, 2, 0, 2
    elif dtype.is_floating_point:
        info = _dt.finfo(dtype)
        lowest, highest, default_low, default_high = info.min, info.max, -9, 9
    else:  # randint takes int64 bounds, so int64's own maximum is left out, as in PyTorch
        info = _dt.iinfo(dtype)
        lowest, highest = info.min, info.max + (dtype != _dt.int64)
        default_low, default_high = -9, 10
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got {low=} and {high=}")
    if low == high and dtype.is_floating_point:
        warnings.warn("Passing `low==high` to `make_tensor` for floating types is deprecated "
                      "(as in PyTorch); use `ember.full(...)` instead.", FutureWarning,
                      stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), "
                         f"but {dtype} only supports [{lowest}, {highest})")
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if not dtype.is_floating_point:  # randint's high is exclusive: ceil both
        return math.ceil(low), math.ceil(high)
    return low, high


def make_tensor(*shape: int | Sequence[int], dtype: _dt.DType, device: Any,
                low: float | None = None, high: float | None = None,
                requires_grad: bool = False, noncontiguous: bool = False,
                exclude_zero: bool = False, memory_format: Any = None) -> Tensor:
    """A tensor of ``shape`` filled with random values of ``dtype``, as PyTorch's
    ``torch.testing.make_tensor``: integers uniform in ``[low, high)`` (default [-9, 10)),
    floats in ``[low, high)`` (default [-9, 9)), bools either value; ``exclude_zero``
    replaces zeros (by 1, or the smallest normal float); ``noncontiguous`` returns a
    strided view of a larger tensor. ``memory_format`` is accepted (ember keeps tensors
    row-major).

    >>> import ember
    >>> t = ember.testing.make_tensor(2, 3, dtype=ember.float32, device="cpu", low=0, high=1)
    >>> t.shape, bool(((t >= 0) & (t < 1)).all())
    (ember.Size([2, 3]), True)
    """
    from .. import ops

    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    dtype = _dt.as_dtype(dtype)
    if noncontiguous and memory_format is not None:
        raise ValueError("The parameters `noncontiguous` and `memory_format` are mutually "
                         f"exclusive, but got {noncontiguous=} and {memory_format=}")
    if requires_grad and not dtype.is_floating_point:
        raise ValueError("`requires_grad=True` is not supported for boolean and integral "
                         f"dtypes, but got dtype={dtype}")
    lo, hi = _low_high(low, high, dtype)
    if dtype == _dt.bool_:
        result = ops.randint(lo, hi, shape, device=device).to(dtype)
    elif not dtype.is_floating_point:
        result = ops.randint(lo, hi, shape, dtype=dtype, device=device)
    elif hi - lo > _dt.finfo(dtype).max:  # uniform_ needs a finite width: draw at half scale
        result = ops.empty(shape, dtype=dtype, device=device).uniform_(lo / 2, hi / 2) * 2
    else:
        result = ops.empty(shape, dtype=dtype, device=device).uniform_(lo, hi)
    if exclude_zero:
        fill = _dt.finfo(dtype).tiny if dtype.is_floating_point else 1
        result = ops.where(result == 0, ops.full_like(result, fill), result)
    if noncontiguous and result.numel() > 1:  # every other element of a doubled tensor
        result = result.repeat_interleave(2, dim=-1)[..., ::2]
    if requires_grad:
        result.requires_grad_(True)
    return result
