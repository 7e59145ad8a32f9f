"""PyTorch's legacy tensor type objects (``ember.FloatTensor``, ``ember.LongTensor``, ...)
and ``Tensor.type()``.

As in PyTorch, a type object is not a subclass of ``Tensor``: calling it builds an ordinary
tensor of its dtype with the legacy constructor rules (sizes give zeros, data is
converted, a tensor of the same dtype is viewed), and ``isinstance(t, ember.FloatTensor)``
is true exactly when ``t`` is a float32 tensor on the CPU.

>>> import ember
>>> x = ember.LongTensor([1.7, 2.0])
>>> x.tolist(), isinstance(x, ember.LongTensor), isinstance(x, ember.FloatTensor)
([1, 2], True, False)
>>> x.type(), x.type(ember.float32).type()
('ember.LongTensor', 'ember.FloatTensor')
"""

from __future__ import annotations

from typing import Any

from . import dtypes as _dt
from .backends import Device
from .tensor import Tensor, _legacy_new

_NAMES = {_dt.float32: "FloatTensor", _dt.float64: "DoubleTensor", _dt.float16: "HalfTensor",
          _dt.bfloat16: "BFloat16Tensor", _dt.int64: "LongTensor", _dt.int32: "IntTensor",
          _dt.int16: "ShortTensor", _dt.int8: "CharTensor", _dt.uint8: "ByteTensor",
          _dt.bool_: "BoolTensor"}
_BY_NAME = {name: dtype for dtype, name in _NAMES.items()}


class _TensorType(type):
    """The metaclass of the legacy type objects: calling one builds a tensor, and
    ``isinstance`` tests dtype and device rather than class."""

    dtype: _dt.DType

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        if device is not None and Device(device).type != "cpu":
            raise RuntimeError(f"{cls.__name__}(): legacy constructor expects device type: cpu "
                               f"but device type: {Device(device).type} was passed")
        return _legacy_new(cls.__name__, args, cls.dtype, device, check_dtype=True)

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.is_cpu


def _type_object(dtype: _dt.DType) -> _TensorType:
    name = _NAMES[dtype]
    doc = (f"Legacy type of {dtype} CPU tensors: ``{name}(data)``, ``{name}(*sizes)``, "
           f"``{name}(tensor)``; ``isinstance(t, {name})`` tests dtype and device.")
    return _TensorType(name, (), {"dtype": dtype, "__module__": "ember", "__doc__": doc})


FloatTensor = _type_object(_dt.float32)
DoubleTensor = _type_object(_dt.float64)
HalfTensor = _type_object(_dt.float16)
BFloat16Tensor = _type_object(_dt.bfloat16)
LongTensor = _type_object(_dt.int64)
IntTensor = _type_object(_dt.int32)
ShortTensor = _type_object(_dt.int16)
CharTensor = _type_object(_dt.int8)
ByteTensor = _type_object(_dt.uint8)
BoolTensor = _type_object(_dt.bool_)


def type_name(t: Tensor) -> str:
    """``'ember.FloatTensor'`` for a float32 CPU tensor, ``'ember.cuda.FloatTensor'`` on a GPU."""
    place = "" if t.is_cpu else f"{t.device.type}."
    return f"ember.{place}{_NAMES[t.dtype]}"


def _parse(name: str) -> tuple[_dt.DType, str]:
    """``'ember.DoubleTensor'`` -> (float64, 'cpu'). The ``torch.`` prefix is accepted too, so
    ported code that names its types in strings keeps working."""
    parts = name.split(".")
    if len(parts) in (2, 3) and parts[0] in ("ember", "torch") and parts[-1] in _BY_NAME:
        if len(parts) == 2:
            return _BY_NAME[parts[-1]], "cpu"
        if parts[1] == "cuda":
            return _BY_NAME[parts[-1]], "cuda"
    raise ValueError(f"invalid type: {name!r}; expected a name such as 'ember.FloatTensor' or "
                     f"'ember.cuda.LongTensor' (types: {', '.join(_BY_NAME)})")


def tensor_type(self: Tensor, dtype: Any = None, non_blocking: bool = False,
                **kwargs: Any) -> str | Tensor:
    """Without an argument, the type's name (``'ember.FloatTensor'``); with a dtype, a type
    name or a type object, the tensor converted to it (itself when it already is).

    >>> import ember
    >>> x = ember.zeros(2)
    >>> x.type(), x.type("ember.IntTensor").dtype, x.type(ember.float32) is x
    ('ember.FloatTensor', ember.int32, True)
    """
    if dtype is None:
        return type_name(self)
    if isinstance(dtype, _dt.DType):
        target, device = dtype, None
    elif isinstance(dtype, _TensorType):
        target, device = dtype.dtype, "cpu"
    elif isinstance(dtype, str):
        target, device = _parse(dtype)
        if device == "cuda" and self.device.type == "cuda":
            device = None  # keep the tensor's own GPU, as PyTorch does
    else:
        raise TypeError("type(): dtype must be a type, str, or dtype object, got "
                        f"{type(dtype).__name__}")
    if target == self.dtype and (device is None or self.device.type == device):
        return self
    return self.to(dtype=target, device=device)


Tensor.type = tensor_type

__all__ = list(_NAMES.values())
