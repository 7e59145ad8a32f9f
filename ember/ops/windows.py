"""Window functions, as in PyTorch: ``hann_window``, ``hamming_window``, ``blackman_window``,
``bartlett_window`` and ``kaiser_window``.

A window of length ``N`` is symmetric with ``periodic=False``; with ``periodic=True`` (the
default) it is the first ``N`` values of the symmetric window of length ``N + 1`` (the form
spectral analysis wants). Every window is computed in float64 and rounded once to the
requested dtype, so it is within one rounding of PyTorch's (which computes in the dtype).

>>> import ember
>>> ember.hann_window(4).tolist()
[0.0, 0.5, 1.0, 0.5]
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._bessel import i0e_array
from .creation import _backend, _finish


def _check(op: str, window_length: Any, dtype: Any) -> tuple[int, _dt.DType]:
    if isinstance(window_length, bool) or not isinstance(window_length, int):
        try:
            window_length = operator.index(window_length)
        except TypeError:
            raise TypeError(f"{op}(): argument 'window_length' must be int, not "
                            f"{type(window_length).__name__}") from None
    if window_length < 0:
        raise RuntimeError(f"{op} requires non-negative window_length, got "
                           f"window_length={window_length}")
    dt = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    if dt.category != _dt.FLOAT:
        raise RuntimeError(f"{op} expects floating point dtypes, got {dt.name}")
    return window_length, dt


def _window(op: str, window_length: Any, periodic: bool, dtype: Any, device: Any,
            requires_grad: bool, body: Callable) -> Tensor:
    """Check the arguments, handle lengths 0 and 1, and call ``body(xp, k, n)`` for the
    symmetric window of length ``n`` at ``k = 0, ..., n - 1`` (float64)."""
    n, dt = _check(op, window_length, dtype)
    xp = _backend(device).xp
    if n <= 1:
        return _finish(xp.ones((n,), dtype=dt.np), requires_grad)
    size = n + 1 if periodic else n
    values = body(xp, xp.arange(size, dtype=_dt.float64.np), size)
    return _finish(values[:n].astype(dt.np), requires_grad)


def _general_hamming(alpha: float, beta: float) -> Callable:
    def body(xp: Any, k: Any, size: int) -> Any:
        return alpha - beta * xp.cos(k * (2 * math.pi / (size - 1)))

    return body


def hann_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                layout: Any = None, device: Any = None, pin_memory: bool = False,
                requires_grad: bool = False) -> Tensor:
    """The Hann window ``0.5 - 0.5 cos(2 pi k / (N - 1))`` (a Hamming window with
    ``alpha = beta = 0.5``).

    >>> import ember
    >>> ember.hann_window(3, periodic=False).tolist()
    [0.0, 1.0, 0.0]
    """
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   _general_hamming(0.5, 0.5))


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype: Any = None, layout: Any = None,
                   device: Any = None, pin_memory: bool = False,
                   requires_grad: bool = False) -> Tensor:
    """The generalised Hamming window ``alpha - beta cos(2 pi k / (N - 1))``.

    >>> import ember
    >>> ember.hamming_window(3, False, dtype=ember.float64).tolist()
    [0.08000000000000002, 1.0, 0.08000000000000002]
    """
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   _general_hamming(float(alpha), float(beta)))


def _blackman(xp: Any, k: Any, size: int) -> Any:
    angle = k * (math.pi / (size - 1))
    return 0.08 * xp.cos(4 * angle) - 0.5 * xp.cos(2 * angle) + 0.42


def blackman_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    layout: Any = None, device: Any = None, pin_memory: bool = False,
                    requires_grad: bool = False) -> Tensor:
    """The Blackman window ``0.42 - 0.5 cos(2 pi k / (N - 1)) + 0.08 cos(4 pi k / (N - 1))``.

    >>> import ember
    >>> [round(v, 4) for v in ember.blackman_window(3, periodic=False).tolist()]
    [0.0, 1.0, 0.0]
    """
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   _blackman)


def _bartlett(xp: Any, k: Any, size: int) -> Any:
    ramp = k * (2.0 / (size - 1))
    half = (size - 1) // 2 + 1  # the rising half, then 2 - ramp (PyTorch's split)
    return xp.concatenate([ramp[:half], 2 - ramp[half:]])


def bartlett_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    layout: Any = None, device: Any = None, pin_memory: bool = False,
                    requires_grad: bool = False) -> Tensor:
    """The Bartlett (triangular) window ``1 - |2 k / (N - 1) - 1|``.

    >>> import ember
    >>> ember.bartlett_window(5, periodic=False).tolist()
    [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   _bartlett)


def _kaiser(beta: float) -> Callable:
    def body(xp: Any, k: Any, size: int) -> Any:
        u2 = (2 * k - (size - 1)) ** 2 / (size - 1) ** 2  # ((k - c) / c)^2, one rounding
        root = xp.sqrt(xp.abs(1 - u2))
        # I0(beta root) / I0(beta) from the scaled I0 (no overflow for large beta), with
        # beta (root - 1) = -beta u^2 / (1 + root) (no cancellation near the centre)
        return i0e_array(xp, beta * root) / i0e_array(xp, xp.asarray(beta)) * xp.exp(
            -abs(beta) * u2 / (1 + root))

    return body


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *,
                  dtype: Any = None, layout: Any = None, device: Any = None,
                  pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """The Kaiser window ``I0(beta sqrt(1 - (2 k / (N - 1) - 1)^2)) / I0(beta)``, with
    ``I0`` the modified Bessel function of order 0.

    >>> import ember
    >>> [round(v, 4) for v in ember.kaiser_window(3, False, 5.0).tolist()]
    [0.0367, 1.0, 0.0367]
    """
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   _kaiser(float(beta)))


__all__ = ["bartlett_window", "blackman_window", "hamming_window", "hann_window",
           "kaiser_window"]
