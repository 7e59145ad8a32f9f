"""Tensor creation: ``tensor``, ``zeros``, ``arange`` and friends.

>>> import ember
>>> ember.tensor([1, 2]).dtype, ember.tensor([1.0]).dtype, ember.zeros(2, 3).shape
(ember.int64, ember.float32, ember.Size([2, 3]))
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

from .. import dtypes as _dt
from .._memory_format import check_format
from ..backends import Device, backend_for_device, backend_of
from ..backends.cpu import CPU_BACKEND
from ..tensor import Tensor, _make
from ._common import bind_methods


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
    try:
        array = backend.asarray(_host(data), dtype=None if dtype is None else dtype.np)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"tensor: could not build a tensor from this "
                         f"{type(data).__name__}: {exc}") from None
    if dtype is None:
        if (array.dtype.kind == "f" and array.dtype.itemsize == 8
                and not _has_float64(data)):
            array = array.astype(_dt.get_default_dtype().np)  # Python floats: default dtype
        elif array.dtype.kind in "OUS":
            raise TypeError(f"tensor: could not convert data of type {type(data).__name__} "
                            f"(NumPy dtype {array.dtype}) to a tensor")
        elif array.dtype not in _dt._BY_NP:
            _dt.from_numpy_dtype(array.dtype)  # raises a TypeError naming the dtype
    if copy and hasattr(data, "dtype") and not isinstance(data, Tensor):
        array = backend.xp.array(array, copy=True)
    return array


def _has_float64(data: Any) -> bool:
    """Whether ``data`` (a value, or nested lists and tuples of them) holds a float64 NumPy
    value or array or a float64 tensor. PyTorch promotes over the elements, taking Python
    floats as the default dtype and the others as their own: NumPy alone would make
    ``[np.float32(1), 2.0]`` float64."""
    if isinstance(data, (list, tuple)):
        return any(_has_float64(d) for d in data)
    dtype = getattr(data, "dtype", None)
    return dtype is not None and str(getattr(dtype, "name", dtype)) == "float64"


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
    if isinstance(data, Tensor):  # a converted copy keeps the graph, as torch.as_tensor's
        return data.to(dtype=dt, device=device)
    return _make(_to_array(data, dt, device, copy=False))


def from_numpy(array: Any) -> Tensor:
    """A tensor sharing memory with a NumPy array (no copy)."""
    if not isinstance(array, CPU_BACKEND.array_types):
        raise TypeError(f"from_numpy: expected np.ndarray, got {type(array).__name__}")
    _dt.from_numpy_dtype(array.dtype)
    return _make(array)


def from_dlpack(obj: Any) -> Tensor:
    """Zero-copy import from any DLPack producer (NumPy, CuPy, PyTorch, JAX)."""
    kind = obj.__dlpack_device__()[0] if hasattr(obj, "__dlpack_device__") else 1
    backend = _backend("cpu" if kind == 1 else "cuda")
    try:
        array = backend.from_dlpack(obj)
    except (RuntimeError, BufferError, TypeError) as exc:
        dtype = getattr(obj, "dtype", "?")
        raise TypeError(f"from_dlpack: can't import a {type(obj).__name__} of dtype {dtype} "
                        f"({exc}); the CPU backend's DLPack supports bool, integer and "
                        "float16/32/64 data (not bfloat16)") from None
    _dt.from_numpy_dtype(array.dtype)
    return _make(array)


def _size_arg(op: str, size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    # One-element integer tensors and NumPy integers are accepted as sizes, as in PyTorch.
    size = tuple(operator.index(s) if hasattr(s, "__index__") and not isinstance(s, bool)
                 and not isinstance(s, int) else s for s in size)
    for s in size:
        if not isinstance(s, int) or isinstance(s, bool):
            raise TypeError(f"{op}: size must be a sequence of ints, got {tuple(size)}")
        if s < 0:
            raise RuntimeError(
                f"{op}: size must be a sequence of non-negative ints, got {tuple(size)}"
            )
    return tuple(size)


def _size_kwarg(op: str, args: tuple, size: Any) -> tuple:
    """The sizes of ``zeros(2, 3)`` or of ``zeros(size=(2, 3))`` (PyTorch accepts both)."""
    if size is None:
        return args
    if args:
        raise TypeError(f"{op}() got multiple values for argument 'size'")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"{op}(): argument 'size' must be tuple of ints, not "
                        f"{type(size).__name__}")
    return (tuple(size),)


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


def zeros(*args: Any, size: Sequence[int] | None = None, dtype: Any = None,
          device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))``.

    >>> import ember
    >>> ember.zeros(size=(2, 3)).shape
    ember.Size([2, 3])
    """
    return _filled("zeros", _size_kwarg("zeros", args, size), 0, dtype, device,
                   requires_grad)


def ones(*args: Any, size: Sequence[int] | None = None, dtype: Any = None,
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)``, ``ones((2, 3))`` or ``ones(size=(2, 3))``.

    >>> import ember
    >>> ember.ones(size=[2]).tolist()
    [1.0, 1.0]
    """
    return _filled("ones", _size_kwarg("ones", args, size), 1, dtype, device,
                   requires_grad)


def empty(*args: Any, size: Sequence[int] | None = None, dtype: Any = None,
          device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor: ``empty(2, 3)``, ``empty((2, 3))`` or ``empty(size=(2, 3))``.

    >>> import ember
    >>> ember.empty(size=(0, 4)).shape
    ember.Size([0, 4])
    """
    return _filled("empty", _size_kwarg("empty", args, size), None, dtype, device,
                   requires_grad)


def full(size: Sequence[int], fill_value: Any, *, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value when not given."""
    if dtype is None:
        dtype = _dt.scalar_dtype(fill_value)
    size = (size,) if isinstance(size, int) else tuple(size)
    return _filled("full", (size,), fill_value, dtype, device, requires_grad)


def _like(op: str, input: Tensor, fill: Any, dtype: Any, device: Any,
          requires_grad: bool, memory_format: Any) -> Tensor:
    check_format(op, memory_format, input.ndim)  # as in PyTorch; the result is row-major
    return _filled(op, (input.shape,), fill, input.dtype if dtype is None else dtype,
                   input.device if device is None else device, requires_grad)


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Zeros with ``input``'s shape, dtype and device (``memory_format`` is accepted; ember
    tensors are row-major).

    >>> import ember
    >>> ember.zeros_like(ember.ones(2), memory_format=ember.preserve_format).tolist()
    [0.0, 0.0]
    """
    return _like("zeros_like", input, 0, dtype, device, requires_grad, memory_format)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Ones with ``input``'s shape, dtype and device (``memory_format`` as in zeros_like)."""
    return _like("ones_like", input, 1, dtype, device, requires_grad, memory_format)


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """An uninitialised tensor like ``input`` (``memory_format`` as in zeros_like)."""
    return _like("empty_like", input, None, dtype, device, requires_grad, memory_format)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """``fill_value`` with ``input``'s shape, dtype and device (``memory_format`` as in
    zeros_like)."""
    return _like("full_like", input, fill_value, dtype, device, requires_grad, memory_format)


def _number(op: str, name: str, value: Any) -> Any:
    """A Python number from a number or a one-element tensor."""
    if isinstance(value, Tensor):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if hasattr(value, "item") and not isinstance(value, bool):
            return value.item()  # NumPy scalars
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
    return value


def arange(start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive); int64 when all arguments are ints.

    The length is ``ceil((end - start) / step)``, computed in double precision as PyTorch
    does, so ``arange(0, 1, 0.1)`` has 10 elements.

    >>> import ember
    >>> ember.arange(5, 0, -2).tolist(), ember.arange(0, 1, 0.25).tolist()
    ([5, 3, 1], [0.0, 0.25, 0.5, 0.75])
    """
    if end is None:
        start, end = 0, start
    start, end, step = (_number("arange", n, v) for n, v in
                        (("start", start), ("end", end), ("step", step)))
    if dtype is None:
        all_int = all(isinstance(v, int) for v in (start, end, step))
        dtype = _dt.int64 if all_int else _dt.get_default_dtype()
    dt = _dt.as_dtype(dtype)
    if dt.category != _dt.FLOAT:
        # Integer results use the bounds converted to integers, as PyTorch does: the length
        # still comes from the float values.
        int_step = int(step)
    if step == 0 or (dt.category != _dt.FLOAT and int_step == 0):
        raise RuntimeError(f"arange: step must be nonzero (step={step}, dtype={dt.name})")
    if not all(math.isfinite(v) for v in (start, end)):
        raise RuntimeError(f"arange: unsupported range: {start} -> {end}")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"arange: upper bound and lower bound inconsistent with step sign "
            f"(start={start}, end={end}, step={step})"
        )
    xp = _backend(device).xp
    count = max(math.ceil((end - start) / step), 0)
    if dt.category != _dt.FLOAT:
        array = (xp.arange(count, dtype=_dt.int64.np) * int_step + int(start)).astype(dt.np)
    else:
        array = (xp.arange(count, dtype=_dt.float64.np) * step + start).astype(dt.np)
    return _finish(array, requires_grad)


def _finish(array: Any, requires_grad: bool) -> Tensor:
    out = _make(array)
    if requires_grad:
        out.requires_grad = True
    return out


def _check_steps(op: str, steps: Any) -> int:
    steps = _number(op, "steps", steps)
    if not isinstance(steps, int):
        raise TypeError(f"{op}: steps must be an int, got {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError(f"{op}: number of steps must be non-negative, got {steps}")
    return steps


def _linspace_array(xp: Any, start: float, end: float, steps: int, dt: _dt.DType):
    """PyTorch's linspace: the first half is ``start + step * i`` and the second half
    ``end - step * (steps - 1 - i)``. float64 and float32 match PyTorch to the bit (fused
    multiply-adds, ``step`` in the result's precision); float16 too (every operation rounded
    to float16); bfloat16 within one unit in the last place; integers truncate the float64
    values computed from ``int(start)`` and ``int(end)``."""
    f64 = _dt.float64.np
    i = xp.arange(steps, dtype=f64)
    if steps == 1:
        return xp.full((1,), start, dtype=dt.np)
    n = steps - 1
    if dt.category != _dt.FLOAT:
        lo, hi = int(start), int(end)
        step = (hi - lo) / n if n > 0 else 0.0
        up, down = lo + step * i, hi - step * (n - i)
    elif dt is _dt.float64:
        step = (end - start) / n if n > 0 else 0.0
        up = _fma(xp.full_like(i, step), i, xp.full_like(i, start))
        down = _fma(xp.full_like(i, -step), n - i, xp.full_like(i, end))
    elif dt is _dt.float32:
        # float32 products are exact in float64, so float64 arithmetic rounded once to
        # float32 gives the fused result.
        f32 = dt.np.type
        lo, hi = f32(start), f32(end)
        step = f64.type((hi - lo) / f32(max(n, 1)))
        up, down = f64.type(lo) + step * i, f64.type(hi) - step * (n - i)
    else:
        own = dt.np.type
        lo, hi, j = own(start), own(end), i.astype(dt.np)
        step = own((hi - lo) / own(max(n, 1)))
        up, down = lo + step * j, hi - step * (own(n) - j)
    return xp.where(i < steps // 2, up, down).astype(dt.np)


def _fma(a: Any, b: Any, c: Any) -> Any:
    """``a * b + c`` with one rounding, in float64 (Dekker's exact product and sum)."""
    p = a * b
    split_a, split_b = 134217729.0 * a, 134217729.0 * b  # 2**27 + 1
    ah = split_a - (split_a - a)
    bh = split_b - (split_b - b)
    al, bl = a - ah, b - bh
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bb = s - p
    t = (p - (s - bb)) + (c - bb)
    return s + (t + err)


def linspace(start: Any, end: Any, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    >>> import ember
    >>> ember.linspace(0, 1, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    steps = _check_steps("linspace", steps)
    start, end = _number("linspace", "start", start), _number("linspace", "end", end)
    dt = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    return _finish(_linspace_array(_backend(device).xp, start, end, steps, dt), requires_grad)


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``.

    >>> import ember
    >>> ember.logspace(0, 2, 3).tolist()
    [1.0, 10.0, 100.0]
    """
    steps = _check_steps("logspace", steps)
    start, end = _number("logspace", "start", start), _number("logspace", "end", end)
    dt = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    xp = _backend(device).xp
    exponents = _linspace_array(xp, start, end, steps, _dt.float64)
    return _finish(xp.power(float(base), exponents).astype(dt.np), requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """An ``n`` x ``m`` identity matrix.

    >>> import ember
    >>> ember.eye(2, 3, dtype=ember.int64).tolist()
    [[1, 0, 0], [0, 1, 0]]
    """
    m = n if m is None else m
    for name, v in (("n", n), ("m", m)):
        if not isinstance(v, int) or isinstance(v, bool):
            raise TypeError(f"eye: {name} must be an int, got {type(v).__name__}")
        if v < 0:
            raise RuntimeError(f"eye: {name} must be greater or equal to 0, got {v}")
    dt = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    return _finish(_backend(device).xp.eye(n, m, dtype=dt.np), requires_grad)


# ``Tensor.new_*``: as the functions above, with the tensor's dtype and device by default.
def _kin(self: Tensor, dtype: Any, device: Any) -> dict:
    return {"dtype": self.dtype if dtype is None else dtype,
            "device": self.device if device is None else device}


def _new_tensor(self: Tensor, data: Any, *, dtype: Any = None, device: Any = None,
                requires_grad: bool = False) -> Tensor:
    """A new tensor of ``data`` (copied), with this tensor's dtype and device by default."""
    return tensor(data, **_kin(self, dtype, device), requires_grad=requires_grad)


def _new_filled(make: Any):
    def method(self: Tensor, *size: Any, dtype: Any = None, device: Any = None,
               requires_grad: bool = False, **kwargs: Any) -> Tensor:
        if "size" in kwargs and not size:  # PyTorch also takes the size by keyword
            size = (kwargs.pop("size"),)
        if kwargs:
            raise TypeError(f"new_{make.__name__}() got an unexpected keyword argument "
                            f"{next(iter(kwargs))!r}")
        return make(*size, **_kin(self, dtype, device), requires_grad=requires_grad)

    method.__name__ = f"new_{make.__name__}"
    method.__qualname__ = f"Tensor.new_{make.__name__}"
    method.__doc__ = f"``ember.{make.__name__}`` with this tensor's dtype and device by default."
    return method


def _new_full(self: Tensor, size: Sequence[int], fill_value: Any, *, dtype: Any = None,
              device: Any = None, requires_grad: bool = False) -> Tensor:
    """``ember.full`` with this tensor's dtype (not the value's) and device by default."""
    return full(size, fill_value, **_kin(self, dtype, device), requires_grad=requires_grad)


bind_methods(new_tensor=_new_tensor, new_zeros=_new_filled(zeros), new_ones=_new_filled(ones),
             new_empty=_new_filled(empty), new_full=_new_full)

__all__ = ["tensor", "as_tensor", "from_numpy", "from_dlpack", "zeros", "ones", "empty", "full",
           "zeros_like", "ones_like", "empty_like", "full_like", "arange", "linspace",
           "logspace", "eye"]
