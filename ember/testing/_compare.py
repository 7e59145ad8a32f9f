"""``assert_close``: PyTorch's comparison of tensors, numbers and nested containers, with
its default tolerances per dtype and its failure messages.

The inputs are first walked into (actual, expected) pairs, so a structural difference
(lengths, keys) is reported before any value; then the pairs are compared in order and the
first failure is raised, naming the item it occurred at (``['a'][1]``), as PyTorch does.
"""

from __future__ import annotations

import collections.abc
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor

_DTYPE_PRECISIONS = {  # (rtol, atol), PyTorch's table; other dtypes compare exactly
    _dt.float16: (1e-3, 1e-5),
    _dt.bfloat16: (1.6e-2, 1e-5),
    _dt.float32: (1.3e-6, 1e-5),
    _dt.float64: (1e-7, 1e-7),
}
_NUMBER_PRECISIONS = {int: (0.0, 0.0), float: (1e-7, 1e-7), complex: (1e-7, 1e-7)}


class _Mismatch(Exception):
    """A failed comparison: the exception type to raise, its message and the item path."""

    def __init__(self, kind: type[Exception], msg: str, id: tuple = ()) -> None:
        super().__init__(msg)
        self.kind, self.msg, self.id = kind, msg, id

    def to_error(self, msg: str | Callable[[str], str] | None) -> Exception:
        if isinstance(msg, str):
            return self.kind(msg)
        text = self.msg
        if self.id:
            text += "\n\nThe failure occurred for item " + "".join(str([i]) for i in self.id)
        return self.kind(msg(text) if callable(msg) else text)


def _is_sequence(x: Any) -> bool:
    return isinstance(x, collections.abc.Sequence) and not isinstance(x, str)


def _pairs(actual: Any, expected: Any, id: tuple, out: list) -> None:
    """Walk nested sequences and mappings into ``out`` as (actual, expected, id) leaves."""
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, "The length of the sequences mismatch: "
                            f"{len(actual)} != {len(expected)}", id)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _pairs(a, e, (*id, i), out)
    elif (isinstance(actual, collections.abc.Mapping)
          and isinstance(expected, collections.abc.Mapping)):
        keys_a, keys_e = set(actual.keys()), set(expected.keys())
        if keys_a != keys_e:
            raise _Mismatch(AssertionError, "The keys of the mappings do not match:\n"
                            f"Missing keys in the actual mapping: {sorted(keys_e - keys_a)}\n"
                            f"Additional keys in the actual mapping: {sorted(keys_a - keys_e)}",
                            id)
        keys: Any = actual.keys()
        try:  # a failure in the first differing key, reported the same way each run
            keys = sorted(keys)
        except TypeError:
            pass
        for key in keys:
            _pairs(actual[key], expected[key], (*id, key), out)
    else:
        out.append((actual, expected, id))


def _tolerances(precisions: list[tuple[float, float]], rtol: float | None,
                atol: float | None, id: tuple) -> tuple[float, float]:
    if (rtol is None) != (atol is None):
        raise _Mismatch(ValueError, "Both 'rtol' and 'atol' must be either specified or "
                        f"omitted, but got no {'rtol' if rtol is None else 'atol'}.", id)
    if rtol is not None:
        return rtol, atol
    return max(p[0] for p in precisions), max(p[1] for p in precisions)


def _mismatch_msg(default: str, extra: str | None, abs_diff: Any, abs_idx: Any, atol: float,
                  rel_diff: Any, rel_idx: Any, rtol: float) -> str:
    equality = rtol == 0 and atol == 0

    def diff(kind: str, value: Any, idx: Any, tol: float) -> str:
        text = (f"{kind.title()} difference: {value}" if idx is None
                else f"Greatest {kind} difference: {value} at index {idx}")
        return text + ("" if equality else f" (up to {tol} allowed)") + "\n"

    msg = f"{default} are not {'equal' if equality else 'close'}!\n\n"
    if extra:
        msg += f"{extra.strip()}\n"
    msg += diff("absolute", abs_diff, abs_idx, atol) + diff("relative", rel_diff, rel_idx, rtol)
    return msg.strip()


def _scalar_msg(actual: Any, expected: Any, rtol: float, atol: float) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_msg("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None,
                         atol, rel_diff, None, rtol)


def _compare_numbers(actual: Any, expected: Any, id: tuple, opts: dict) -> None:
    actual, expected = (x.item() if isinstance(x, np.generic) else x for x in (actual, expected))
    if opts["check_dtype"] and type(actual) is not type(expected):
        raise _Mismatch(AssertionError, "The (d)types do not match: "
                        f"{type(actual)} != {type(expected)}.", id)
    rtol, atol = _tolerances([_NUMBER_PRECISIONS[type(x)] for x in (actual, expected)],
                             opts["rtol"], opts["atol"], id)
    if actual == expected:
        return
    nans = np.isnan(actual) and np.isnan(expected)  # numpy's isnan takes complex too
    if opts["equal_nan"] and nans:
        return
    abs_diff = abs(actual - expected)
    if np.isfinite(abs_diff) and abs_diff <= atol + rtol * abs(expected):
        return
    raise _Mismatch(AssertionError, _scalar_msg(actual, expected, rtol, atol), id)


def _isclose(a: np.ndarray, e: np.ndarray, rtol: float, atol: float, equal_nan: bool):
    if a.dtype.kind in "biu":
        if rtol == 0 and atol == 0:
            return a == e
        a, e = a.astype(np.float64), e.astype(np.float64)
    with np.errstate(all="ignore"):
        close = a == e
        if equal_nan:
            close |= np.isnan(a) & np.isnan(e)
        finite = np.isfinite(a) & np.isfinite(e)
        return close | (finite & (np.abs(a - e) <= atol + rtol * np.abs(e)))


def _tensor_msg(a: np.ndarray, e: np.ndarray, matches: np.ndarray, rtol: float,
                atol: float) -> str:
    shape, total = matches.shape, matches.size
    wrong = total - int(matches.sum())
    extra = f"Mismatched elements: {wrong} / {total} ({wrong / total:.1%})"
    a, e, matches = a.reshape(-1), e.reshape(-1), matches.reshape(-1)
    with np.errstate(all="ignore"):
        if a.dtype.kind in "biu":  # PyTorch: differences in int64, ratios in float32
            abs_diff = np.abs(a.astype(np.int64) - e.astype(np.int64))
            rel_diff = abs_diff.astype(np.float32) / np.abs(e.astype(np.float32))
        else:
            abs_diff = np.abs(a - e)
            rel_diff = abs_diff / np.abs(e)
    abs_diff[matches] = 0
    rel_diff[matches] = 0
    i_abs, i_rel = int(np.argmax(abs_diff)), int(np.argmax(rel_diff))  # the first NaN if any

    def where(flat_index: int) -> tuple[int, ...]:
        return tuple(int(i) for i in np.unravel_index(flat_index, shape))

    return _mismatch_msg("Tensor-likes", extra, abs_diff[i_abs].item(), where(i_abs), atol,
                         rel_diff[i_rel].item(), where(i_rel), rtol)


def _as_tensors(actual: Any, expected: Any, id: tuple, opts: dict) -> tuple[Tensor, Tensor]:
    """The pair as ember tensors (NumPy arrays are converted, as PyTorch converts them), or
    a TypeError when the types are unrelated or subclasses are not allowed."""
    related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
    kinds = (Tensor, np.ndarray)
    if (not related or not isinstance(actual, kinds)
            or (not opts["allow_subclasses"] and type(actual) is not type(expected))):
        raise _Mismatch(TypeError, "No comparison pair was able to handle inputs of type "
                        f"{type(actual)} and {type(expected)}.", id)
    if isinstance(actual, np.ndarray):
        from ..ops import as_tensor

        return as_tensor(actual), as_tensor(expected)
    return actual.detach(), expected.detach()


def _check_attributes(a: Tensor, e: Tensor, id: tuple, opts: dict) -> None:
    def fail(name: str, x: Any, y: Any) -> None:
        raise _Mismatch(AssertionError,
                        f"The values for attribute '{name}' do not match: {x} != {y}.", id)

    if a.shape != e.shape:
        fail("shape", a.shape, e.shape)
    # every ember tensor is strided, so check_layout has nothing to compare
    if opts["check_stride"] and a.stride() != e.stride():
        fail("stride()", a.stride(), e.stride())
    if opts["check_device"] and a.device != e.device:
        fail("device", a.device, e.device)
    if opts["check_dtype"] and a.dtype != e.dtype:
        fail("dtype", a.dtype, e.dtype)


def _compare_tensors(actual: Any, expected: Any, id: tuple, opts: dict) -> None:
    a, e = _as_tensors(actual, expected, id, opts)
    _check_attributes(a, e, id, opts)
    rtol, atol = _tolerances([_DTYPE_PRECISIONS.get(t.dtype, (0.0, 0.0)) for t in (a, e)],
                             opts["rtol"], opts["atol"], id)
    if a.dtype != e.dtype:  # check_dtype=False: compare in the promoted dtype
        common = _dt.promote_types(a.dtype, e.dtype)
        a, e = a.to(common), e.to(common)
    a_np, e_np = a.cpu().numpy(), e.cpu().numpy()
    matches = _isclose(a_np, e_np, rtol, atol, opts["equal_nan"])
    if matches.all():
        return
    if a_np.ndim == 0:
        msg = _scalar_msg(a_np.item(), e_np.item(), rtol, atol)
    else:
        msg = _tensor_msg(a_np, e_np, matches, rtol, atol)
    raise _Mismatch(AssertionError, msg, id)


def _comparer(actual: Any, expected: Any, id: tuple, opts: dict) -> Callable:
    """The comparison for one pair, chosen as PyTorch's pair types are (None, bools,
    numbers, tensor-likes); unsupported types and half-given tolerances raise here, before
    any value is compared."""
    _tolerances([(0.0, 0.0)], opts["rtol"], opts["atol"], id)
    if actual is None or expected is None:
        return _compare_none
    if isinstance(actual, (bool, np.bool_)) and isinstance(expected, (bool, np.bool_)):
        return _compare_bools
    if all(isinstance(x, (int, float, complex, np.number)) and not isinstance(x, bool)
           for x in (actual, expected)):
        return _compare_numbers
    _as_tensors(actual, expected, id, opts)
    return _compare_tensors


def _compare_none(actual: Any, expected: Any, id: tuple, opts: dict) -> None:
    if not (actual is None and expected is None):
        raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}", id)


def _compare_bools(actual: Any, expected: Any, id: tuple, opts: dict) -> None:
    if bool(actual) is not bool(expected):
        raise _Mismatch(AssertionError,
                        f"Booleans mismatch: {bool(actual)} is not {bool(expected)}", id)


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True,
                 rtol: float | None = None, atol: float | None = None,
                 equal_nan: bool = False, check_device: bool = True, check_dtype: bool = True,
                 check_layout: bool = True, check_stride: bool = False,
                 msg: str | Callable[[str], str] | None = None) -> None:
    """Assert that ``actual`` and ``expected`` are close: ``|actual - expected| <= atol +
    rtol * |expected|`` elementwise, with PyTorch's defaults per dtype when ``rtol`` and
    ``atol`` are omitted (float16 1e-3/1e-5, bfloat16 1.6e-2/1e-5, float32 1.3e-6/1e-5,
    float64 1e-7/1e-7, exact otherwise). Tensors (or NumPy arrays) must also agree in shape,
    device and dtype (unless the ``check_*`` flags say otherwise); Python numbers, bools,
    ``None`` and nested sequences and mappings of them are compared item by item. A
    failure raises AssertionError with PyTorch's message (mismatched elements, greatest
    absolute and relative differences and their indices); ``msg`` replaces it, or, when
    callable, rewrites it.

    >>> import ember
    >>> ember.testing.assert_close({"w": ember.ones(2)}, {"w": ember.ones(2)})
    >>> ember.testing.assert_close(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 3.0]))
    Traceback (most recent call last):
    ...
    AssertionError: Tensor-likes are not close!
    <BLANKLINE>
    Mismatched elements: 1 / 2 (50.0%)
    Greatest absolute difference: 1.0 at index (1,) (up to 1e-05 allowed)
    Greatest relative difference: 0.3333333432674408 at index (1,) (up to 1.3e-06 allowed)
    """
    opts = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                check_device=check_device, check_dtype=check_dtype, check_stride=check_stride)
    try:
        pairs: list = []
        _pairs(actual, expected, (), pairs)
        comparers = [_comparer(a, e, id, opts) for a, e, id in pairs]
        for compare, (a, e, id) in zip(comparers, pairs):
            compare(a, e, id, opts)
    except _Mismatch as failure:
        raise failure.to_error(msg) from None
