"""Tensor creation: ``tensor``, ``zeros``, ``arange`` and friends.

>>> import ember
>>> ember.tensor([1, 2]).dtype, ember.tensor([1.0]).dtype, ember.zeros(2, 3).shape
(ember.int64, ember.float32, (2, 3))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .. import dtypes as _dt
from ..backends import Device, backend_for_device, backend_of
from ..tensor import Tensor, _make


def _backend(device: Any):
    return backend_for_device(Device(device if device is not None else "cpu"))


def _to_array(data: Any, dtype: _dt.DType | None, device: Any, copy: bool = True):
    """Turn data (tensor, array, nested sequence or scalar) into a backend array."""
    if isinstance(data, Tensor):
        array = data._data
        backend = backend_of(array)
        if device is not None and Device(device) != backend.device_of(array):
            target = _backend(device)
            array = target.asarray(backend.to_numpy(array))
            backend = target
        if dtype is not None and array.dtype != dtype.np:
            return array.astype(dtype.np)
        return backend.xp.array(array, copy=True) if copy else array
    backend = _backend(device)
    if dtype is not None:
        array = backend.asarray(_host(data), dtype=dtype.np)
    else:
        array = backend.asarray(_host(data))
        if array.dtype.kind == "f" and array.dtype.itemsize == 8 and not hasattr(data, "dtype"):
            array = array.astype(_dt.get_default_dtype().np)  # Python floats: default dtype
        elif array.dtype.kind in "OUS":
            raise TypeError(f"tensor: could not convert data of type {type(data).__name__} "
                            f"(NumPy dtype {array.dtype}) to a tensor")
        elif array.dtype not in _dt._BY_NP:
            _dt.from_numpy_dtype(array.dtype)  # raises a TypeError naming the dtype
    if copy and hasattr(data, "dtype") and not isinstance(data, Tensor):
        array = backend.xp.array(array, copy=True)
    return array


def _host(data: Any) -> Any:
    """Nested sequences of tensors become arrays NumPy can stack."""
    if isinstance(data, (list, tuple)) and data and any(isinstance(d, Tensor) for d in data):
        return [_host(d.detach().numpy() if isinstance(d, Tensor) else d) for d in data]
    return data


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``.

    Python floats become float32 (the default dtype), ints int64, bools bool; NumPy arrays
    keep their dtype.
    """
    dt = None if dtype is None else _dt.as_dtype(dtype)
    out = _make(_to_array(data, dt, device, copy=True))
    if requires_grad:
        out.requires_grad = True
    return out


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor`` but shares memory with ``data`` when no conversion is needed."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    dt = None if dtype is None else _dt.as_dtype(dtype)
    return _make(_to_array(data, dt, device, copy=False))


def from_numpy(array: Any) -> Tensor:
    """A tensor sharing memory with a NumPy array (no copy)."""
    import numpy as np

    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray, got {type(array).__name__}")
    _dt.from_numpy_dtype(array.dtype)
    return _make(array)


def from_dlpack(obj: Any) -> Tensor:
    """Zero-copy import from any DLPack producer (NumPy, CuPy, PyTorch, JAX)."""
    kind = obj.__dlpack_device__()[0] if hasattr(obj, "__dlpack_device__") else 1
    backend = _backend("cpu" if kind == 1 else "cuda")
    array = backend.from_dlpack(obj)
    _dt.from_numpy_dtype(array.dtype)
    return _make(array)


def _size_arg(op: str, size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, int) or isinstance(s, bool) or s < 0:
            raise (ValueError if isinstance(s, int) else TypeError)(
                f"{op}: size must be a sequence of non-negative ints, got {tuple(size)}"
            )
    return tuple(size)


def _filled(op: str, size: tuple, fill: Any, dtype: Any, device: Any,
            requires_grad: bool) -> Tensor:
    shape = _size_arg(op, size)
    dt = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    xp = _backend(device).xp
    if fill is None:
        array = xp.empty(shape, dtype=dt.np)
    elif fill == 0:
        array = xp.zeros(shape, dtype=dt.np)
    else:
        array = xp.full(shape, fill, dtype=dt.np)
    out = _make(array)
    if requires_grad:
        out.requires_grad = True
    return out


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled("zeros", size, 0, dtype, device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled("ones", size, 1, dtype, device, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled("empty", size, None, dtype, device, requires_grad)


def full(size: Sequence[int], fill_value: Any, *, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value when not given."""
    if dtype is None:
        dtype = _dt.scalar_dtype(fill_value)
    return _filled("full", (tuple(size),), fill_value, dtype, device, requires_grad)


def _like(op: str, input: Tensor, fill: Any, dtype: Any, device: Any,
          requires_grad: bool) -> Tensor:
    return _filled(op, (input.shape,), fill, input.dtype if dtype is None else dtype,
                   input.device if device is None else device, requires_grad)


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    return _like("zeros_like", input, 0, dtype, device, requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    return _like("ones_like", input, 1, dtype, device, requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    return _like("empty_like", input, None, dtype, device, requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    return _like("full_like", input, fill_value, dtype, device, requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive); int64 when all arguments are ints."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(
            f"arange: upper bound and larger bound inconsistent with step sign "
            f"(start={start}, end={end}, step={step})"
        )
    if dtype is None:
        all_int = all(isinstance(v, int) for v in (start, end, step))
        dtype = _dt.int64 if all_int else _dt.get_default_dtype()
    dt = _dt.as_dtype(dtype)
    xp = _backend(device).xp
    count = max(math.ceil((end - start) / step), 0)
    array = (xp.arange(count, dtype="float64") * step + start).astype(dt.np)
    out = _make(array)
    if requires_grad:
        out.requires_grad = True
    return out


def linspace(start: float, end: float, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    dt = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    array = _backend(device).xp.linspace(start, end, steps).astype(dt.np)
    out = _make(array)
    if requires_grad:
        out.requires_grad = True
    return out


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    dt = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    xp = _backend(device).xp
    array = (base ** xp.linspace(start, end, steps)).astype(dt.np)
    out = _make(array)
    if requires_grad:
        out.requires_grad = True
    return out


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """An ``n`` x ``m`` identity matrix."""
    dt = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    out = _make(_backend(device).xp.eye(n, n if m is None else m, dtype=dt.np))
    if requires_grad:
        out.requires_grad = True
    return out


__all__ = ["tensor", "as_tensor", "from_numpy", "from_dlpack", "zeros", "ones", "empty", "full",
           "zeros_like", "ones_like", "empty_like", "full_like", "arange", "linspace",
           "logspace", "eye"]
