"""Helpers shared by the op families: operand conversion, promotion, dims and broadcasting."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import dtypes as _dt
from ..backends import backend_of
from ..tensor import Tensor, _make


def bind_methods(**methods: Callable) -> None:
    """Attach ops to ``Tensor`` as methods (``x.exp()``) and Python operators."""
    for name, fn in methods.items():
        setattr(Tensor, name, fn)


def xp_of(t: Tensor):
    return backend_of(t._data).xp


def scalar_tensor(value: Any, dtype: _dt.DType, like: Tensor) -> Tensor:
    """A 0-d constant on ``like``'s device."""
    xp = backend_of(like._data).xp
    try:
        return _make(xp.asarray(value, dtype=dtype.np))
    except OverflowError:  # e.g. uint8_tensor * -1: the scalar wraps, as in PyTorch
        return _make(xp.asarray(value).astype(dtype.np))


def ensure_tensor(op: str, value: Any, like: Tensor | None = None) -> Tensor:
    """Accept a tensor or a Python/NumPy scalar; anything else is a TypeError naming ``op``."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float)) or _is_numpy_scalar(value):
        dtype = _dt.scalar_dtype(value) if not _is_numpy_scalar(value) else \
            _dt.from_numpy_dtype(value.dtype)
        if like is None:
            from .creation import tensor

            return tensor(value, dtype=dtype)
        return scalar_tensor(value, dtype, like)
    raise TypeError(
        f"{op}: expected a Tensor or a number, got {type(value).__name__}"
    )


def _is_numpy_scalar(value: Any) -> bool:
    return hasattr(value, "dtype") and hasattr(value, "item") and not isinstance(value, Tensor) \
        and getattr(value, "ndim", 1) == 0


def cast(t: Tensor, dtype: _dt.DType) -> Tensor:
    """``t`` converted to ``dtype`` (differentiable); ``t`` itself when already there."""
    if t._data.dtype == dtype.np:
        return t
    from .elementwise import to_dtype

    return to_dtype(t, dtype)


def promote(op: str, *operands: Any) -> tuple[list[Tensor], _dt.DType]:
    """Convert ``operands`` (tensors or scalars) to tensors of their PyTorch result dtype."""
    if len(operands) == 2:  # fast path: two tensors of one dtype need nothing
        a, b = operands
        if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype == b._data.dtype:
            return [a, b], _dt._BY_NP[a._data.dtype]
    like = next((o for o in operands if isinstance(o, Tensor)), None)
    if like is None:
        raise TypeError(f"{op}: expected at least one Tensor argument")
    for o in operands:
        if not isinstance(o, (Tensor, bool, int, float)) and not _is_numpy_scalar(o):
            raise TypeError(f"{op}: expected a Tensor or a number, got {type(o).__name__}")
    dtype = _dt.result_type(*operands)
    out = []
    for o in operands:
        if isinstance(o, Tensor):
            out.append(cast(o, dtype))
        else:
            out.append(scalar_tensor(o, dtype, like))
    return out, dtype


def promote_opmath(op: str, *operands: Any) -> tuple[list[Tensor], _dt.DType, bool]:
    """Like :func:`promote`, for mul and div: when the result is float16/bfloat16 and the
    second operand is a Python scalar or a 0-d tensor of another dtype, return
    float32 operands instead, because PyTorch's mul and div kernels take such an operand in
    float32 and round once (2049 or 1e5 would be rounded, or overflow, if cast to the half
    type first). PyTorch's add and sub do cast it first, so they use :func:`promote`.
    Returns ``(operands, result_dtype, upcast)``; with ``upcast``, cast the op's result to
    ``result_dtype``."""
    tensors, dtype = promote(op, *operands)
    last = operands[-1]
    # PyTorch's CPU kernels take this path only for the second operand, and only for a
    # scalar or 0-d tensor; tensors with dims are cast to the half type first.
    if dtype not in _HALF or not isinstance(operands[0], Tensor) or not (
            not isinstance(last, Tensor) or (last.ndim == 0 and last.dtype is not dtype)):
        return tensors, dtype, False
    like = next(o for o in operands if isinstance(o, Tensor))
    wide = [cast(o, _dt.float32) if isinstance(o, Tensor)
            else scalar_tensor(o, _dt.float32, like) for o in operands]
    return wide, dtype, True


_HALF = (_dt.float16, _dt.bfloat16)


def to_float(t: Tensor) -> Tensor:
    """Integers and bools become the default float dtype, as PyTorch's float ops do."""
    if t.dtype.category != _dt.FLOAT:
        return cast(t, _dt.get_default_dtype())
    return t


def normalize_dim(op: str, dim: int, ndim: int) -> int:
    size = max(ndim, 1)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    if not -size <= dim < size:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-size}, {size - 1}], "
            f"but got {dim})"
        )
    return dim % size


def normalize_dims(op: str, dim: int | Iterable[int] | None, ndim: int) -> tuple[int, ...]:
    """``None`` means all dims; an int or a sequence is normalised and checked for repeats."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        d = normalize_dim(op, dim, ndim)  # a 0-d tensor accepts dim 0 and -1, like PyTorch
        return (d,) if ndim else ()
    dims = tuple(normalize_dim(op, d, ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{op}: dim {tuple(dim)} appears multiple times in the list of dims")
    return dims if ndim else ()


def broadcast_shapes(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """NumPy/PyTorch broadcasting, with an error naming ``op`` and the shapes."""
    ndim = max((len(s) for s in shapes), default=0)
    result = []
    for i in range(-ndim, 0):
        size = 1
        for s in shapes:
            if len(s) >= -i:
                d = s[i]
                if d != 1:
                    if size != 1 and size != d:
                        raise RuntimeError(
                            f"{op}: shapes " + ", ".join(str(tuple(x)) for x in shapes)
                            + f" are not broadcastable (dimension {i}: {size} vs {d})"
                        )
                    size = d
        result.append(size)
    return tuple(result)


def reduced_shape(shape: tuple[int, ...], target: tuple[int, ...]) -> tuple[tuple, tuple]:
    """Dims to sum (and to squeeze) to bring a broadcast ``shape`` back to ``target``."""
    lead = len(shape) - len(target)
    sum_dims = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(target) if d == 1 and shape[lead + i] != 1
    )
    return sum_dims, lead


_SAME_WIDTH_INT = {2: "int16", 4: "int32", 8: "int64"}


def int_view(a):
    """``a``'s bits as the signed integers of its width (any strides; 2-, 4- or 8-byte)."""
    return a.view(_SAME_WIDTH_INT[a.dtype.itemsize])


def keep_where(xp, values, mask, out=None):
    """``values`` where ``mask`` is True, +0.0 elsewhere, bit for bit (NaN, inf and -0.0
    kept): an AND of the values' bits with an all-ones or all-zeros integer, branch-free.
    NumPy's ``where`` branches per element and runs ~12x slower on a random mask.
    ``values`` is a float array of 2, 4 or 8 bytes; ``mask`` a bool array of its shape;
    ``out`` (optional, any strides) receives the result.

    >>> import numpy as np
    >>> keep_where(np, np.array([-0.0, np.nan, 2.0]), np.array([True, True, False]))
    array([-0., nan,  0.])
    """
    # True -> -1 (all bits set), False -> 0; kept 1 byte wide: the AND widens it on the fly,
    # cheaper than a full-width mask array (measured on max pool's backward: 4.6 -> 4.0 ms)
    ones = xp.negative(xp.asarray(mask).view(xp.int8))
    if out is None:
        out = xp.empty(values.shape, values.dtype)
    xp.bitwise_and(int_view(values), ones, out=int_view(out))
    return out

