"""dtype and device conversions: ``to``, ``float()``, ``cpu()``, ``clone``, ``contiguous``.

>>> import ember
>>> ember.tensor([1.5, 2.5]).long().tolist()
[1, 2]
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from .._memory_format import check_format
from ..backends import Device, backend_for_device, backend_of
from ..tensor import Tensor
from ._common import bind_methods
from .elementwise import to_dtype
from .registry import defop


@defop("clone")
def _clone(ctx, x, *, order="K"):
    # "K" keeps the layout (clone, PyTorch's preserve_format); "C" is row-major (contiguous)
    if order == "C" and not x.flags.c_contiguous:
        return ctx.backend.contiguous(x)
    return ctx.xp.array(x, copy=True, order=order)


@_clone.def_backward
def _(ctx, g, *, order="K"):
    return (g,)


@_clone.def_jvp
def _(ctx, tangents, *, order="K"):
    return tangents[0]


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy with its own memory; gradients flow through. ``memory_format`` is checked as
    in PyTorch; the copy keeps ember's row-major layout.

    >>> import ember
    >>> ember.ones(2, 3).clone(memory_format=ember.contiguous_format).is_contiguous()
    True
    """
    check_format("clone", memory_format, input.ndim)
    return _clone(input)


def contiguous(input: Tensor, memory_format: Any = None) -> Tensor:
    """``input`` itself when C-contiguous, else a contiguous copy. ``memory_format`` is
    checked as in PyTorch (a channels-last format needs a tensor of its rank) and the
    result is row-major whatever it says: ember keeps data in C order.

    >>> import ember
    >>> ember.ones(2, 3, 4, 5).contiguous(memory_format=ember.channels_last).is_contiguous()
    True
    """
    check_format("contiguous", memory_format, input.ndim)
    if input._data.flags.c_contiguous:
        return input
    return _clone(input, order="C")  # a plain copy would keep a transposed layout


@defop("to_device")
def _to_device(ctx, x, *, device):
    target = backend_for_device(device)
    host = ctx.backend.to_numpy(x)
    return target.asarray(host)


@_to_device.def_backward
def _(ctx, g, *, device):
    return (to_device(g, ctx.backend.device_of(None) if ctx.backend.device_type == "cpu"
                      else g.device),)


def to_device(input: Tensor, device: Any) -> Tensor:
    dev = Device(device)
    if backend_of(input._data).device_of(input._data) == dev:
        return input
    return _to_device(input, device=dev)


def to(input: Tensor, *args: Any, dtype: Any = None, device: Any = None,
       non_blocking: bool = False, copy: bool = False, memory_format: Any = None) -> Tensor:
    """Convert dtype and/or device: ``x.to(ember.float64)``, ``x.to("cpu")``,
    ``x.to(other)`` (other's dtype and device). ``memory_format`` is checked as in PyTorch
    and the data stays row-major (see ``ember.channels_last``)."""
    check_format("to", memory_format, input.ndim)
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, (str, Device)) and _looks_like_device(a):
            device = a
        else:
            dtype = a
    out = input
    if device is not None:
        out = to_device(out, device)
    if dtype is not None:
        out = to_dtype(out, _dt.as_dtype(dtype))
    if copy and out is input:
        out = clone(input)
    return out


def _looks_like_device(a: Any) -> bool:
    return isinstance(a, Device) or a.split(":")[0] in ("cpu", "cuda")


def _converter(dtype: _dt.DType):
    def method(self: Tensor) -> Tensor:
        return to_dtype(self, dtype)

    method.__name__ = dtype.name
    return method


def type_as(input: Tensor, other: Tensor) -> Tensor:
    return to_dtype(input, other.dtype)


bind_methods(
    clone=clone, contiguous=contiguous, to=to, type_as=type_as,
    cpu=lambda self: to_device(self, "cpu"),
    cuda=lambda self, device=None: to_device(self, f"cuda:{device or 0}"),
    float=_converter(_dt.float32), double=_converter(_dt.float64),
    half=_converter(_dt.float16), bfloat16=_converter(_dt.bfloat16),
    long=_converter(_dt.int64), int=_converter(_dt.int32), short=_converter(_dt.int16),
    char=_converter(_dt.int8), byte=_converter(_dt.uint8), bool=_converter(_dt.bool_),
)

__all__ = ["clone"]
