"""PyTorch-style ``repr`` for tensors.

This follows ``torch/_tensor_str.py`` with PyTorch's default print options (precision 4,
threshold 1000 elements, 3 edge items, line width 80): one formatter per tensor decides,
from the non-zero finite values (of the summarised data when the tensor is large), between
integer mode (``1.``), fixed point (``1.5000``) and scientific notation (``1.5000e+08``),
and pads every element to a common width.

``set_printoptions`` changes the options as PyTorch's does. Known differences: ``grad_fn``
names are ember's
(``AddBackward`` where PyTorch prints ``AddBackward0``); complex and sparse tensors do not
exist in ember.

>>> import ember
>>> ember.tensor([1.5, -2.25, 3.0])
tensor([ 1.5000, -2.2500,  3.0000])
>>> ember.tensor([1e-5, 1.0])
tensor([1.0000e-05, 1.0000e+00])
"""

from __future__ import annotations

import math

import numpy as np

from . import dtypes as _dt

PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = 4, 1000, 3, 80
SCI_MODE: bool | None = None  # None: chosen per tensor from its values
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80),
             "full": (4, math.inf, 3, 80)}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print, as PyTorch's: ``profile`` (``'default'``, ``'short'`` or
    ``'full'``) sets the first four options, then the given ones override; ``precision``
    digits after the point, more than ``threshold`` elements are summarised to
    ``edgeitems`` per edge, lines wrap at ``linewidth``; ``sci_mode`` forces (True) or
    forbids (False) scientific notation, None chooses per tensor. ``sci_mode`` is always
    set, so leaving it out restores the automatic choice.

    >>> import ember
    >>> ember.set_printoptions(precision=2)
    >>> ember.tensor([1.2345])
    tensor([1.23])
    >>> ember.set_printoptions(profile="default")
    """
    global PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH, SCI_MODE
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}; expected one of "
                             f"{sorted(_PROFILES)}")
        PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = _PROFILES[profile]
    if precision is not None:
        PRECISION = precision
    if threshold is not None:
        THRESHOLD = threshold
    if edgeitems is not None:
        EDGEITEMS = edgeitems
    if linewidth is not None:
        LINEWIDTH = linewidth
    SCI_MODE = sci_mode


def format_tensor(t) -> str:
    from .backends import backend_of

    array = np.asarray(backend_of(t._data).to_numpy(t._data))
    if t.dtype in (_dt.bfloat16, _dt.float16):
        array = array.astype(np.float32)
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    dtype = t.dtype
    if array.size == 0:
        # The shape is shown unless it is (0,); the dtype unless it is the default float,
        # since no element shows whether the tensor holds integers.
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if dtype is not _dt.get_default_dtype():
            suffixes.append(f"dtype=ember.{dtype.name}")
        body = "[]"
    else:
        # PyTorch omits the dtype for int64, bool and the default float dtype.
        if dtype not in (_dt.int64, _dt.bool_, _dt.get_default_dtype()):
            suffixes.append(f"dtype=ember.{dtype.name}")
        body = tensor_str(array, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)


def tensor_str(array: np.ndarray, indent: int) -> str:
    """The bracketed body of a non-empty array's repr."""
    summarize = array.size > THRESHOLD
    formatter = _Formatter(_summarized(array) if summarize else array)
    return _str_with_formatter(array, indent, summarize, formatter)


class _Formatter:
    __slots__ = ("floating", "int_mode", "sci_mode", "max_width")

    def __init__(self, array: np.ndarray) -> None:
        self.floating = array.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.max_width = True, False, 1
        flat = array.reshape(-1)
        if not self.floating:
            for value in flat.tolist():
                self.max_width = max(self.max_width, len(str(value)))
            return
        values = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if values.size == 0:
            return
        magnitudes = np.abs(values)
        lo, hi = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(values == np.ceil(values)))
        # (integer values are >= 1, so the lo test only matters outside int mode)
        auto = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        self.sci_mode = auto if SCI_MODE is None else SCI_MODE
        if self.sci_mode:
            fmt, extra = f"{{:.{PRECISION}e}}", 0
        elif self.int_mode:
            fmt, extra = "{:.0f}", 1  # 1: the "."
        else:
            fmt, extra = f"{{:.{PRECISION}f}}", 0
        for value in values.tolist():
            self.max_width = max(self.max_width, len(fmt.format(value)) + extra)

    def format(self, value) -> str:
        if self.floating:
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{PRECISION}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{PRECISION}f}"
        else:
            ret = str(value)
        return (self.max_width - len(ret)) * " " + ret


def _summarized(array: np.ndarray) -> np.ndarray:
    """The edge items of every dimension, which decide the formatting of a large tensor."""
    if array.ndim == 0:
        return array
    if array.ndim == 1:
        if array.shape[0] > 2 * EDGEITEMS:
            return np.concatenate((array[:EDGEITEMS], array[-EDGEITEMS:]))
        return array
    rows = range(array.shape[0])
    if array.shape[0] > 2 * EDGEITEMS:
        rows = [*range(EDGEITEMS), *range(array.shape[0] - EDGEITEMS, array.shape[0])]
    return np.stack([_summarized(array[i]) for i in rows])


def _str_with_formatter(array: np.ndarray, indent: int, summarize: bool,
                        formatter: _Formatter) -> str:
    if array.ndim == 0:
        return formatter.format(array.item())
    if array.ndim == 1:
        return _vector_str(array, indent, summarize, formatter)
    n = array.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        slices = ([_str_with_formatter(array[i], indent + 1, summarize, formatter)
                   for i in range(EDGEITEMS)] + ["..."]
                  + [_str_with_formatter(array[i], indent + 1, summarize, formatter)
                     for i in range(n - EDGEITEMS, n)])
    else:
        slices = [_str_with_formatter(array[i], indent + 1, summarize, formatter)
                  for i in range(n)]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _vector_str(array: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    element_length = formatter.max_width + 2  # ", " between elements
    per_line = max(1, (LINEWIDTH - indent) // element_length)
    if summarize and array.shape[0] > 2 * EDGEITEMS:
        data = ([formatter.format(v) for v in array[:EDGEITEMS].tolist()] + [" ..."]
                + [formatter.format(v) for v in array[-EDGEITEMS:].tolist()])
    else:
        data = [formatter.format(v) for v in array.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)
