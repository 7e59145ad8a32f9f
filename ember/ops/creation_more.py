"""More of PyTorch's creation functions: ``scalar_tensor``, ``asarray`` (sharing memory
where it can) and ``frombuffer`` (a 1-D tensor over a Python buffer's memory).

>>> import ember
>>> buf = bytearray(8)
>>> x = ember.frombuffer(buf, dtype=ember.int32)
>>> _ = x.fill_(1)
>>> bytes(buf[:4]), ember.scalar_tensor(3)
(b'\\x01\\x00\\x00\\x00', tensor(3.))
"""

from __future__ import annotations

import numbers
from typing import Any

from .. import dtypes as _dt
from ..backends import backend_of
from ..backends.cpu import CPU_BACKEND
from ..tensor import Tensor, _make
from .creation import as_tensor, full, tensor


def scalar_tensor(s: Any, *, dtype: Any = None, layout: Any = None, device: Any = None,
                  requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A 0-d tensor holding the number ``s``, of the default float dtype unless ``dtype``
    says otherwise.

    >>> import ember
    >>> ember.scalar_tensor(2, dtype=ember.int32)
    tensor(2, dtype=ember.int32)
    """
    if isinstance(s, Tensor):
        s = s.item()
    if not isinstance(s, numbers.Number):
        raise TypeError(f"scalar_tensor(): argument 's' (position 1) must be Number, not "
                        f"{type(s).__name__}")
    dt = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    return full((), s, dtype=dt, device=device, requires_grad=requires_grad)


def _address(obj: Any) -> int | None:
    """Where the memory of a tensor or array ``obj`` starts, or None for other objects."""
    if isinstance(obj, Tensor):
        return backend_of(obj._data).address(obj._data)
    try:
        return backend_of(obj).address(obj)
    except TypeError:  # not an array any backend holds
        return None


def asarray(obj: Any, *, dtype: Any = None, device: Any = None, copy: bool | None = None,
            requires_grad: bool = False) -> Tensor:
    """``obj`` (a tensor, an array, a sequence or a number) as a tensor: a tensor or array
    whose dtype and device already fit is shared, not copied, unless ``copy=True`` (a
    tensor's copy stays in the autograd graph, as ``clone``); ``copy=False`` refuses to copy.

    >>> import ember
    >>> x = ember.ones(2)
    >>> ember.asarray(x) is x, ember.asarray([1, 2.5]).dtype
    (True, ember.float32)
    """
    dt = None if dtype is None else _dt.as_dtype(dtype)
    if copy and isinstance(obj, Tensor):  # a differentiable copy, as PyTorch's clone
        out = obj.to(dtype=dt, device=device, copy=True)
    elif copy:
        out = tensor(obj, dtype=dt, device=device)
    else:
        out = as_tensor(obj, dtype=dt, device=device)
        shared = _address(obj)
        if copy is False and (shared is None or shared != _address(out)):
            have = obj.dtype if hasattr(obj, "dtype") else type(obj).__name__
            raise ValueError(f"asarray: can't alias {have} into dtype "
                             f"{out.dtype.name} on {out.device} without a copy (copy=False); "
                             "pass copy=None to allow one")
    if requires_grad:  # on ``obj`` itself where it is returned, as in PyTorch
        out.requires_grad_(True)
    return out


def frombuffer(buffer: Any, *, dtype: Any, count: int = -1, offset: int = 0,
               requires_grad: bool = False) -> Tensor:
    """A 1-D CPU tensor over ``buffer``'s memory (any object with the buffer protocol):
    ``count`` elements of ``dtype`` (all that fit by default) from byte ``offset``.

    >>> import array, ember
    >>> ember.frombuffer(array.array("f", [1.0, 2.0]), dtype=ember.float32).tolist()
    [1.0, 2.0]
    """
    dt = _dt.as_dtype(dtype)
    length = memoryview(buffer).nbytes
    item = dt.itemsize
    if length <= 0 or count == 0:
        raise ValueError(f"frombuffer: both buffer length ({length}) and count ({count}) must "
                         "not be 0")
    if not 0 <= offset < length:
        raise ValueError(f"frombuffer: offset ({offset} bytes) must be non-negative and no "
                         f"greater than buffer length ({length} bytes) minus 1")
    if count < 0:
        if (length - offset) % item:
            raise ValueError(f"frombuffer: buffer length ({length - offset} bytes) after offset "
                             f"({offset} bytes) must be a multiple of element size ({item})")
        count = (length - offset) // item
    elif offset + count * item > length:
        raise ValueError(f"frombuffer: requested buffer length ({count} * {item} bytes) after "
                         f"offset ({offset} bytes) must not be greater than actual buffer "
                         f"length ({length} bytes)")
    array = CPU_BACKEND.xp.frombuffer(buffer, dtype=dt.np, count=count, offset=offset)
    out = _make(array)
    return out.requires_grad_(True) if requires_grad else out


__all__ = ["scalar_tensor", "asarray", "frombuffer"]
