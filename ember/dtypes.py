"""dtype objects and PyTorch's type-promotion rules.

Promotion (the same as PyTorch's):

============================  ==================================================
operands                      result
============================  ==================================================
bool with any type T          T
two integer types             the wider; uint8 with int8 gives int16
integer with any float        the float (int64 + float16 -> float16)
float16 with bfloat16         float32
two float types               the wider
============================  ==================================================

Operands have three priorities: tensors with one or more dimensions, then 0-d tensors, then
Python scalars. A lower-priority operand changes the result only when it is of a higher
category (bool < integer < float): ``int32_tensor + 2`` is int32, ``float16_tensor + 2.5`` is
float16, ``int64_tensor + 2.5`` is the default float dtype (float32), and
``float32_tensor + float64_0d_tensor`` is float32.

>>> import ember
>>> ember.promote_types(ember.uint8, ember.int8)
ember.int16
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

BOOL, INTEGER, FLOAT = 0, 1, 2
# This module defines ``int`` and ``float`` as dtype aliases (as torch does), so keep the
# Python types under private names.
_py_int, _py_float = int, float


class DType:
    """An element type. ``ember.float32`` and friends are the instances."""

    __slots__ = ("name", "np", "category", "itemsize", "is_signed", "_rank")

    def __init__(self, name: str, np_dtype, category: int, rank: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_signed = category != BOOL and name != "uint8"
        self._rank = rank

    @property
    def is_floating_point(self) -> bool:
        return self.category == FLOAT

    @property
    def is_complex(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"ember.{self.name}"


bool_ = DType("bool", np.bool_, BOOL, 0)
uint8 = DType("uint8", np.uint8, INTEGER, 1)
int8 = DType("int8", np.int8, INTEGER, 1)
int16 = DType("int16", np.int16, INTEGER, 2)
int32 = DType("int32", np.int32, INTEGER, 3)
int64 = DType("int64", np.int64, INTEGER, 4)
float16 = DType("float16", np.float16, FLOAT, 1)
bfloat16 = DType("bfloat16", ml_dtypes.bfloat16, FLOAT, 1)
float32 = DType("float32", np.float32, FLOAT, 2)
float64 = DType("float64", np.float64, FLOAT, 3)

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64)
FLOAT_DTYPES = (float16, bfloat16, float32, float64)
INT_DTYPES = (uint8, int8, int16, int32, int64)

# Aliases PyTorch users know.
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64

_BY_NP: dict[np.dtype, DType] = {d.np: d for d in ALL_DTYPES}
_BY_NAME: dict[str, DType] = {d.name: d for d in ALL_DTYPES}
_BY_NAME.update(half=float16, float=float32, double=float64, short=int16, int=int32,
                long=int64)

_default_float = float32


def get_default_dtype() -> DType:
    """The dtype of new floating-point tensors (float32 unless changed)."""
    return _default_float


def set_default_dtype(dtype: DType) -> None:
    """Set the dtype used for Python floats and new float tensors."""
    global _default_float
    dtype = as_dtype(dtype)
    if dtype.category != FLOAT:
        raise TypeError(f"set_default_dtype: expected a floating-point dtype, got {dtype}")
    _default_float = dtype


def from_numpy_dtype(np_dtype) -> DType:
    """Map a NumPy dtype to ember's, or raise a TypeError naming it."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        pass
    try:
        canonical = np.dtype(np_dtype)
    except TypeError:
        raise TypeError(f"ember does not support the dtype {np_dtype!r}") from None
    try:
        return _BY_NP[canonical]
    except KeyError:
        raise TypeError(
            f"ember does not support the NumPy dtype {canonical} (supported: "
            + ", ".join(d.name for d in ALL_DTYPES) + ")"
        ) from None


def as_dtype(spec) -> DType:
    """Accept an ember dtype, a name such as ``"float32"``, a NumPy dtype or a Python type."""
    if isinstance(spec, DType):
        return spec
    if isinstance(spec, str):
        try:
            return _BY_NAME[spec]
        except KeyError:
            raise TypeError(f"unknown dtype name '{spec}'") from None
    if spec is bool:
        return bool_
    if spec is _py_int:
        return int64
    if spec is _py_float:
        return _default_float
    return from_numpy_dtype(spec)


def promote_types(a: DType, b: DType) -> DType:
    """PyTorch's ``promote_types``: the smallest dtype both ``a`` and ``b`` convert to."""
    key = (a, b)
    result = _PROMOTE_CACHE.get(key)
    if result is None:
        result = _PROMOTE_CACHE[key] = _promote_uncached(a, b)
    return result


_PROMOTE_CACHE: dict[tuple[DType, DType], DType] = {}


def _promote_uncached(a: DType, b: DType) -> DType:
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    if a.category == FLOAT:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a._rank > b._rank else b
    # Both integers.
    if a.is_signed == b.is_signed:
        return a if a._rank > b._rank else b
    unsigned, signed = (a, b) if not a.is_signed else (b, a)
    return signed if signed._rank > unsigned._rank else int16


def scalar_dtype(value) -> DType:
    """The dtype a Python scalar takes on its own: bool, int64 or the default float."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, _py_int):
        return int64
    return _default_float


def _combine_categories(higher: DType | None, lower: DType | None) -> DType | None:
    if higher is None:
        return lower
    if lower is None or higher.category == FLOAT:
        return higher
    if higher.category == BOOL or lower.category == FLOAT:
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> DType:
    """The dtype of an elementwise op on ``operands`` (tensors or Python scalars).

    >>> import ember
    >>> ember.result_type(ember.tensor([1, 2]), 2.5)
    ember.float32
    """
    dim_result = zero_dim_result = scalar_result = None
    for op in operands:
        data = getattr(op, "_data", None)
        if data is not None:
            dt = _BY_NP[data.dtype]
            if data.ndim:
                dim_result = dt if dim_result is None else promote_types(dim_result, dt)
            else:
                zero_dim_result = (dt if zero_dim_result is None
                                   else promote_types(zero_dim_result, dt))
        else:
            dt = scalar_dtype(op)
            scalar_result = dt if scalar_result is None else promote_types(scalar_result, dt)
    result = _combine_categories(_combine_categories(dim_result, zero_dim_result), scalar_result)
    return result


class finfo:  # noqa: N801 - PyTorch's name
    """Machine limits of a floating dtype (the default dtype when none is given), as Python
    floats: ``bits``, ``eps``, ``max``, ``min``, ``tiny`` (= ``smallest_normal``),
    ``resolution``; ``dtype`` is its name.

    >>> finfo(float16).max
    65504.0
    """

    def __init__(self, dtype: DType | None = None) -> None:
        dt = get_default_dtype() if dtype is None else as_dtype(dtype)
        if dt.category != FLOAT:
            raise TypeError(f"finfo: expected a floating-point dtype, got {dt.name}")
        info = ml_dtypes.finfo(dt.np)  # NumPy's finfo for NumPy's types, bfloat16 too
        self.bits, self.dtype = _py_int(info.bits), dt.name
        self.eps, self.max, self.min = _py_float(info.eps), _py_float(info.max), _py_float(info.min)
        self.tiny = self.smallest_normal = _py_float(info.smallest_normal)
        self.resolution = 10.0 ** -_py_int(info.precision)  # PyTorch: 0.001, not float16(0.001)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, "
                f"eps={self.eps}, smallest_normal={self.smallest_normal}, tiny={self.tiny}, "
                f"dtype={self.dtype})")


class iinfo:  # noqa: N801 - PyTorch's name
    """Limits of an integer dtype: ``bits``, ``max``, ``min`` (Python ints), ``dtype``.

    >>> iinfo(int8).min
    -128
    """

    def __init__(self, dtype: DType) -> None:
        dt = as_dtype(dtype)
        if dt.category != INTEGER:
            raise TypeError(f"iinfo: expected an integer dtype, got {dt.name}")
        info = np.iinfo(dt.np)
        self.bits, self.dtype = _py_int(info.bits), dt.name
        self.max, self.min = _py_int(info.max), _py_int(info.min)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
