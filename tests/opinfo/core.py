"""Op records: one per public op, read by the generated tests.

A record names the op, says how to call it in ember and in PyTorch, and lists sample
inputs (with broadcasting, 0-d, size-0 and non-contiguous cases), dtypes, tolerances and
error inputs. ``tests/test_op_parity.py``, ``tests/test_gradcheck.py`` and
``tests/test_op_errors.py`` expand them into tests.

Sample arguments are given as specs: ``T(shape)`` is a random tensor, ``I(shape, high)`` a
random integer tensor, ``B(shape)`` a random bool tensor; anything else is passed as is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class T:
    """A random floating-point tensor argument."""

    shape: tuple
    low: float = -2.0
    high: float = 2.0
    grad: bool = True  # differentiate with respect to it
    noncontig: bool = False  # lay it out with strides (a sliced view)
    dtype: str | None = None  # None: the record's dtype under test


@dataclass(frozen=True)
class I:  # noqa: E742 - short spec names keep the records readable
    """A random integer tensor argument in ``[low, high)``."""

    shape: tuple
    high: int = 5
    low: int = 0
    dtype: str = "int64"


@dataclass(frozen=True)
class B:
    """A random bool tensor argument."""

    shape: tuple


@dataclass
class Sample:
    args: tuple
    kwargs: dict = field(default_factory=dict)
    name: str = ""


@dataclass
class ErrorInput:
    """Bad input and the exception it must raise (``match`` is a regex on the message)."""

    args: tuple
    kwargs: dict
    exc: type
    match: str


@dataclass
class OpRecord:
    name: str
    ember_fn: Callable
    torch_fn: Callable
    samples: list
    dtypes: tuple = ("float32", "float64")
    grad: bool = True  # compare gradients with PyTorch
    fd: bool = True  # float64 finite-difference check
    second_order: bool = False  # second-order finite-difference check (smooth ops)
    jvp: bool = False  # check forward mode against finite differences
    atol: float = 1e-5
    rtol: float = 1.3e-6
    grad_atol: float = 1e-5
    grad_rtol: float = 1e-5
    f64_tol: tuple = (1e-10, 1e-9, 1e-9, 1e-8)  # forward atol, rtol; gradient atol, rtol
    fd_tol: float = 1e-5  # relative tolerance of finite-difference checks
    errors: list = field(default_factory=list)
    check_dtype: bool = True
    variant: str = ""  # distinguishes several records for one op
    # Ops whose exact output is not unique (e.g. sort order of ties) supply a projection.
    compare: Callable | None = None

    @property
    def id(self) -> str:
        return self.name + (f"[{self.variant}]" if self.variant else "")


def make_array(spec: Any, dtype: str, rng: np.random.Generator) -> Any:
    """Materialise a spec as a NumPy array (other values pass through)."""
    if isinstance(spec, T):
        dt = spec.dtype or dtype
        values = rng.uniform(spec.low, spec.high, size=spec.shape)
        if not spec.noncontig:
            return values.astype(_np_dtype(dt))
        if len(spec.shape) == 0:
            return values.astype(_np_dtype(dt))
        wide = np.zeros(spec.shape[:-1] + (2 * spec.shape[-1],), dtype=_np_dtype(dt))
        view = wide[..., ::2]
        view[...] = values
        return view
    if isinstance(spec, I):
        return rng.integers(spec.low, spec.high, size=spec.shape).astype(spec.dtype)
    if isinstance(spec, B):
        return rng.random(size=spec.shape) < 0.5
    return spec


def _np_dtype(name: str):
    if name == "bfloat16":
        import ml_dtypes

        return ml_dtypes.bfloat16
    return np.dtype(name)


def spec_leaves(args: Any):
    """Yield the specs inside nested tuples/lists of arguments."""
    if isinstance(args, (list, tuple)):
        for a in args:
            yield from spec_leaves(a)
    elif isinstance(args, (T, I, B)):
        yield args


def map_args(args: Any, fn: Callable) -> Any:
    """Apply ``fn`` to every spec inside nested tuples/lists, keeping the structure."""
    if isinstance(args, tuple):
        return tuple(map_args(a, fn) for a in args)
    if isinstance(args, list):
        return [map_args(a, fn) for a in args]
    if isinstance(args, (T, I, B)):
        return fn(args)
    return args


def with_noncontig(samples: list) -> list:
    """Add, for each sample with a tensor of 1+ dims, a copy whose tensors are strided."""
    extra = []
    for s in samples:
        specs = [a for a in spec_leaves(s.args) if isinstance(a, T) and len(a.shape) > 0]
        if specs:
            args = map_args(s.args, lambda a: T(a.shape, a.low, a.high, a.grad, True, a.dtype)
                            if isinstance(a, T) and len(a.shape) > 0 else a)
            extra.append(Sample(args, dict(s.kwargs), (s.name or "") + "-noncontig"))
    return samples + extra
