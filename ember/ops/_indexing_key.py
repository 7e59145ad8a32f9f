"""Parsing of ``tensor[key]`` into a basic part (a view) and an advanced part (index tensors).

PyTorch applies an index in two steps, and so does ember:

1. ints, slices, ``None`` and ``...`` give a view (ints select, so they drop their dim); every
   dim that an index tensor or a mask will index is kept whole with ``slice(None)``;
2. the integer index tensors (masks become one per masked dim, via ``nonzero``) index the dims
   of that view. They broadcast together; when the dims they index are adjacent the result
   dims take their place, otherwise they go first (NumPy's rule, applied after step 1, which is
   why ``x[0, :, [0, 1]]`` has shape ``(3, 2)`` for ``x`` of shape ``(2, 3, 4)``, as in torch).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor, _make
from ._common import xp_of


@dataclass
class Key:
    """``basic``: a key of ints/slices/None (ending in ``...``) for step 1; ``dims``: the dims
    of the step-1 view that ``index`` (int64 tensors, not yet range-checked) index."""

    basic: tuple
    dims: tuple
    index: list


def _is_int(obj: Any) -> bool:
    if isinstance(obj, bool):
        return False
    if isinstance(obj, int):
        return True
    return hasattr(obj, "dtype") and getattr(obj, "ndim", 1) == 0 and \
        not isinstance(obj, Tensor) and getattr(obj.dtype, "kind", "") in "iu"


def _as_index_tensor(x: Tensor, obj: Any) -> Tensor:
    """A list/tuple/array index as a tensor on ``x``'s device (ints as int64)."""
    if isinstance(obj, Tensor):
        return obj
    xp = xp_of(x)
    array = xp.asarray(obj)
    if array.size == 0 and array.dtype.kind == "f":  # ``[]`` indexes nothing
        array = array.astype(_dt.int64.np)
    return _make(array)


def _consumed(item: Any) -> int:
    """How many dims of the input an index item consumes (for expanding ``...``)."""
    if item is None or item is Ellipsis or isinstance(item, bool):
        return 0
    if isinstance(item, Tensor) and item.dtype is _dt.bool_:
        return item.ndim
    if isinstance(item, Tensor) and item.ndim == 0:
        return 1
    return 1


def _normalize_items(x: Tensor, key: Any) -> list:
    items = list(key) if isinstance(key, tuple) else [key]
    out = []
    for item in items:
        if isinstance(item, (list, tuple, range)) or (hasattr(item, "__array__")
                                                and not isinstance(item, Tensor)
                                                and not _is_int(item)):
            item = _as_index_tensor(x, item)
        out.append(item)
    if sum(1 for i in out if i is Ellipsis) > 1:
        raise IndexError("__getitem__: an index can only have a single ellipsis ('...')")
    used = sum(_consumed(i) for i in out)
    if used > x.ndim:
        raise IndexError(
            f"__getitem__: too many indices for tensor of dimension {x.ndim} (shape "
            f"{tuple(x.shape)}): the index uses {used} dims"
        )
    if Ellipsis in [i for i in out if not isinstance(i, Tensor)]:
        at = next(k for k, i in enumerate(out) if i is Ellipsis)
        out[at:at + 1] = [slice(None)] * (x.ndim - used)
    return out


def _check_int(index: int, dim: int, size: int) -> int:
    if not -size <= index < size:
        raise IndexError(
            f"__getitem__: index {index} is out of bounds for dimension {dim} with size {size}"
        )
    return index


def _check_slice(item: slice) -> slice:
    start, stop, step = (None if v is None else operator.index(v)
                         for v in (item.start, item.stop, item.step))
    if step is not None and step <= 0:
        raise ValueError(f"__getitem__: slice step must be greater than zero, got {step}")
    return slice(start, stop, step)


def parse_key(x: Tensor, key: Any) -> Key:
    """Split ``key`` for a tensor ``x`` (see the module docstring)."""
    basic: list = []
    dims: list = []
    index: list = []
    d = od = 0  # current dim of the input and of the step-1 view
    for item in _normalize_items(x, key):
        if isinstance(item, Tensor) and item.ndim == 0 and item.dtype.category == _dt.INTEGER:
            item = int(item.item())
        if item is None:
            basic.append(None)
            od += 1
        elif isinstance(item, bool) or (isinstance(item, Tensor) and item.ndim == 0
                                        and item.dtype is _dt.bool_):
            # a bool scalar adds a dim of size 1, indexed by [0] (True) or [] (False)
            basic.append(None)
            xp = xp_of(x)
            dims.append(od)
            index.append(_make(xp.arange(1 if bool(item) else 0, dtype=_dt.int64.np)))
            od += 1
        elif _is_int(item):
            basic.append(_check_int(operator.index(item), d, x.shape[d]))
            d += 1
        elif isinstance(item, slice):
            basic.append(_check_slice(item))
            d, od = d + 1, od + 1
        elif isinstance(item, Tensor):
            d, od = _tensor_item(x, item, d, od, basic, dims, index)
        else:
            raise IndexError(
                f"__getitem__: only integers, slices (`:`), ellipsis (`...`), None and integer "
                f"or boolean tensors are valid indices, got {type(item).__name__}"
            )
    basic.append(Ellipsis)  # keeps 0-d results arrays (views), not NumPy scalars
    return Key(tuple(basic), tuple(dims), index)


def _tensor_item(x: Tensor, item: Tensor, d: int, od: int, basic: list, dims: list,
                 index: list) -> tuple[int, int]:
    if item.dtype is _dt.bool_ or item.dtype is _dt.uint8:
        if item.dtype is _dt.uint8:
            item = _make(item._data.astype(bool))
        k = item.ndim
        if tuple(item.shape) != tuple(x.shape[d:d + k]):
            raise IndexError(
                f"__getitem__: the shape of the mask {list(item.shape)} at index {d} does not "
                f"match the shape of the indexed tensor {list(x.shape)} at index {d}"
            )
        for j, idx in enumerate(xp_of(item).nonzero(item._data)):
            basic.append(slice(None))
            dims.append(od + j)
            index.append(_make(idx.astype(_dt.int64.np)))
        return d + k, od + k
    if item.dtype.category != _dt.INTEGER:
        raise IndexError(
            f"__getitem__: tensors used as indices must be long, int, byte or bool tensors, "
            f"got {item.dtype}"
        )
    basic.append(slice(None))
    dims.append(od)
    index.append(item)
    return d + 1, od + 1


def wrap_checked(op: str, idx: Tensor, dim: int, size: int, wrap: bool = True):
    """``idx`` as an int64 backend array in ``[0, size)``; out-of-range entries raise
    IndexError naming ``op``, the dim, the size and the index. Negative entries wrap (as in
    Python) when ``wrap``, and are an error otherwise."""
    xp = xp_of(idx)
    data = idx._data
    if data.dtype != _dt.int64.np:
        data = data.astype(_dt.int64.np)
    if data.size:
        low = -size if wrap else 0
        bad = (data < low) | (data >= size)
        if bool(bad.any()):
            value = int(data[bad].reshape(-1)[0])
            raise IndexError(
                f"{op}: index {value} is out of bounds for dimension {dim} with size {size}"
                + ("" if wrap or value >= 0 else " (negative indices are not wrapped)")
            )
        if wrap:
            return xp.where(data < 0, data + size, data)
    return data.copy() if data is idx._data else data  # the backward keeps it
