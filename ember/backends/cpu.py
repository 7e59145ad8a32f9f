"""The CPU backend: NumPy arrays."""

from __future__ import annotations

import math

import numpy as np

from . import _mkl, _numba
from ._malloc import tune as _tune_malloc
from .base import Backend, Device

_CPU = Device("cpu")


def _erfinv_float64(y: np.ndarray) -> np.ndarray:
    """Inverse error function to double precision.

    A single-precision rational approximation (Giles, 2010) gives the start; two Newton steps
    on ``erf(x) - y`` bring it to float64 accuracy.
    """
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log((1.0 - y) * (1.0 + y))
        central = w < 5.0
        wc = w - 2.5
        pc = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
            pc = c + pc * wc
        wt = np.sqrt(np.where(central, 5.0, w)) - 3.0
        pt = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                  -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
            pt = c + pt * wt
        x = np.where(central, pc, pt) * y
        finite = np.isfinite(x)
        for _ in range(2):
            err = _erf_float64(np.where(finite, x, 0.0)) - y
            x = np.where(finite, x - err / (2.0 / math.sqrt(math.pi) * np.exp(-x * x)), x)
    x = np.where(y == 1.0, np.inf, x)
    x = np.where(y == -1.0, -np.inf, x)
    return np.where(np.abs(y) > 1.0, np.nan, x)


try:  # SciPy is optional: when present its erf is faster than the element-wise fallback.
    from scipy.special import erf as _scipy_erf
except ImportError:  # pragma: no cover - depends on the environment
    _scipy_erf = None

_math_erf = np.frompyfunc(math.erf, 1, 1)


def _erf_float64(x: np.ndarray) -> np.ndarray:
    if _scipy_erf is not None:
        return np.asarray(_scipy_erf(np.asarray(x, dtype=np.float64)))
    # frompyfunc returns a Python float for 0-d input, so wrap before converting.
    return np.asarray(_math_erf(np.asarray(x, dtype=np.float64)), dtype=np.float64)


class NumpyBackend(Backend):
    """NumPy on the host CPU."""

    name = "cpu"
    device_type = "cpu"
    xp = np
    array_types = (np.ndarray,)
    kernels = _numba  # numba's fused kernels when installed (each declines without it)

    def device_of(self, array) -> Device:
        return _CPU

    def asarray(self, data, dtype=None, device: Device | None = None):
        return np.asarray(data, dtype=dtype)

    def to_numpy(self, array) -> np.ndarray:
        return array

    def address(self, array) -> int:
        return array.__array_interface__["data"][0]

    def from_dlpack(self, obj):
        return np.from_dlpack(obj)

    def matmul(self, a, b, out=None):
        """``a @ b``: through MKL when it is installed and the product is large (see
        ``_mkl``), else NumPy; two float32/float64 matrices through ``.dot``, which reaches
        the same BLAS GEMM with ~0.5 us less overhead than ``np.matmul``."""
        # the size test first: it keeps small products (most calls) off the MKL checks
        if _mkl.ENABLED and b.ndim > 1 and a.size * b.shape[-1] >= _mkl.MIN_MULTIPLY_ADDS:
            result = _mkl.matmul(a, b, out)
            if result is not None:
                return result
        if out is None:
            if a.ndim == 2 and b.ndim == 2 and a.dtype.char in "fd" and a.dtype == b.dtype:
                return a.dot(b)
            return a @ b
        return np.matmul(a, b, out=out)

    def broadcast_to(self, x, shape: tuple):
        """``np.broadcast_to``; a one-element array (a full reduction's gradient, expanded
        by its backward) is viewed with zero strides directly: 1.8 -> 0.5 us."""
        if x.size == 1 and len(shape) >= x.ndim:
            view = np.ndarray(shape, x.dtype, x, 0, (0,) * len(shape))
            view.flags.writeable = False  # as broadcast_to's: its elements share memory
            return view
        return np.broadcast_to(x, shape)

    def erf(self, x):
        return _erf_float64(x).astype(x.dtype, copy=False)

    def erfinv(self, x):
        return _erfinv_float64(x).astype(x.dtype, copy=False)

    def new_generator(self, seed: int) -> np.random.Generator:
        return np.random.Generator(np.random.PCG64(seed))

    # PCG64's state: a 128-bit state and increment, plus one buffered 32-bit half-word.
    _STATE_BYTES = 16 + 16 + 1 + 4

    def generator_state(self, generator: np.random.Generator) -> bytes:
        st = generator.bit_generator.state
        return (st["state"]["state"].to_bytes(16, "little")
                + st["state"]["inc"].to_bytes(16, "little")
                + bytes([st["has_uint32"]]) + st["uinteger"].to_bytes(4, "little"))

    def set_generator_state(self, generator: np.random.Generator, state: bytes) -> None:
        if len(state) != self._STATE_BYTES or state[32] not in (0, 1):
            raise ValueError(f"expected a {self._STATE_BYTES}-byte PCG64 state, got "
                             f"{len(state)} bytes")
        generator.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(state[:16], "little"),
                      "inc": int.from_bytes(state[16:32], "little")},
            "has_uint32": state[32], "uinteger": int.from_bytes(state[33:37], "little"),
        }


CPU_BACKEND = NumpyBackend()
_tune_malloc()  # see _malloc.py: large temporaries stay in the heap between steps
