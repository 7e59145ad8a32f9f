"""PyTorch-style ``repr`` for tensors."""

from __future__ import annotations

import numpy as np

from . import dtypes as _dt

_DEFAULT_SHOWN = ("float32", "int64", "bool")


def format_tensor(t) -> str:
    from .backends import backend_of

    array = np.asarray(backend_of(t._data).to_numpy(t._data))
    if t.dtype in (_dt.bfloat16, _dt.float16):
        array = array.astype(np.float32)
    prefix = "tensor("
    if array.size == 0:
        body = "[]" if array.ndim == 1 else f"[], size={tuple(array.shape)}"
    else:
        body = _array_body(array, len(prefix))
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    dtype = t.dtype
    if dtype.name not in _DEFAULT_SHOWN or (dtype.name == "float32"
                                             and _dt.get_default_dtype() is not _dt.float32):
        extras.append(f"dtype=ember.{dtype.name}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return prefix + ", ".join([body] + extras) + ")"


def _array_body(array: np.ndarray, indent: int) -> str:
    options = dict(separator=", ", prefix=" " * indent, threshold=1000, edgeitems=3,
                   max_line_width=80)
    if array.dtype.kind == "f":
        finite = array[np.isfinite(array)]
        if finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8:
            # Integer-valued floats print as "1." like PyTorch.
            text = np.array2string(array, formatter={"float_kind": _int_float}, **options)
        else:
            large = finite.size and (np.abs(finite).max() >= 1e8
                                     or np.abs(finite[finite != 0]).min(initial=1) < 1e-4)
            fmt = "{:.4e}" if large else "{:.4f}"
            text = np.array2string(array, formatter={"float_kind": lambda v: _fmt(v, fmt)},
                                   **options)
        return text
    if array.dtype.kind == "b":
        return np.array2string(array, formatter={"bool": lambda v: str(bool(v))}, **options)
    return np.array2string(array, **options)


def _int_float(v: float) -> str:
    if not np.isfinite(v):
        return _nonfinite(v)
    return f"{int(v)}."


def _fmt(v: float, fmt: str) -> str:
    return fmt.format(v) if np.isfinite(v) else _nonfinite(v)


def _nonfinite(v: float) -> str:
    return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")
