"""Anomaly detection: name the op, and the user's line, that first made a NaN or Inf.

>>> import ember
>>> x = ember.tensor([0.0], requires_grad=True)
>>> with ember.autograd.detect_anomaly():
...     try:
...         x / x
...     except RuntimeError as e:
...         print(str(e).split(" (")[0])
detect_anomaly: op 'div' produced NaN or Inf in its forward output
"""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable
from typing import Any

from ..backends import backend_of

_EMBER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _Anomaly:
    def __init__(self) -> None:
        self.enabled = False
        self.check_nan = True
        # >0 while a backward rule runs: its ops are checked as a whole, by check_backward,
        # so the error names the node (``SqrtBackward``) rather than an op inside its rule.
        self.in_backward = 0

    def record_forward(self, node) -> None:
        node.trace = _user_frame()

    def check_forward(self, op, outputs) -> None:
        if not self.check_nan or self.in_backward:
            return
        for t in outputs if isinstance(outputs, tuple) else (outputs,):
            if _has_nonfinite(t):
                raise RuntimeError(
                    f"detect_anomaly: op '{op.name}' produced NaN or Inf in its forward output "
                    f"(shape {tuple(t.shape)}, dtype {t.dtype}), called at {_user_frame()}"
                )

    def check_backward(self, node, grads) -> None:
        if not self.check_nan:
            return
        for i, g in enumerate(grads):
            if g is not None and _has_nonfinite(g):
                where = node.trace or "an unknown line (the graph was built before anomaly mode)"
                raise RuntimeError(
                    f"detect_anomaly: {node.name()} returned NaN or Inf in the gradient of its "
                    f"input {i} (shape {tuple(g.shape)}); the forward op '{node.op.name}' was "
                    f"called at {where}"
                )


ANOMALY = _Anomaly()


def _has_nonfinite(t) -> bool:
    if t.dtype.category != 2:  # only floats can hold NaN or Inf
        return False
    xp = backend_of(t._data).xp
    return not bool(xp.isfinite(t._data).all())


def _user_frame() -> str:
    """The innermost stack frame outside ember, as ``file:line in function: code``."""
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(_EMBER_DIR + os.sep):
            return f"{frame.filename}:{frame.lineno} in {frame.name}: {frame.line}"
    return "<unknown>"


class detect_anomaly:
    """Context manager and decorator that turns on anomaly detection."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._prev = (ANOMALY.enabled, ANOMALY.check_nan)
        ANOMALY.enabled, ANOMALY.check_nan = True, self.check_nan

    def __exit__(self, *exc: Any) -> None:
        ANOMALY.enabled, ANOMALY.check_nan = self._prev

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


def set_detect_anomaly(mode: bool, check_nan: bool = True) -> None:
    ANOMALY.enabled, ANOMALY.check_nan = bool(mode), check_nan


def is_anomaly_enabled() -> bool:
    return ANOMALY.enabled
