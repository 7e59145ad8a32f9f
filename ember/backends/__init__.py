"""Backends: the only layer that knows which array library holds the data.

A backend exposes ``xp``, an array namespace with NumPy's API (NumPy on the CPU, CuPy on
CUDA later), plus the few things NumPy lacks (``erf``, ``erfinv``), random number
generation and DLPack exchange. Ops never import NumPy; they ask a tensor's backend.

>>> from ember.backends import device, backend_for_device
>>> backend_for_device(device("cpu")).name
'cpu'
"""

from __future__ import annotations

from . import cuda, cudnn, mps  # PyTorch's flag modules (``ember.backends.cudnn.deterministic``)
from .base import Backend, Device, device
from .cpu import CPU_BACKEND

_BACKENDS_BY_TYPE: dict[type, Backend] = {t: CPU_BACKEND for t in CPU_BACKEND.array_types}
_BACKENDS_BY_DEVICE_TYPE: dict[str, Backend] = {"cpu": CPU_BACKEND}


def register_backend(backend: Backend) -> None:
    """Make a backend available, for example ``cuda`` once CuPy is importable."""
    for array_type in backend.array_types:
        _BACKENDS_BY_TYPE[array_type] = backend
    _BACKENDS_BY_DEVICE_TYPE[backend.device_type] = backend


def backend_of(array) -> Backend:
    """Return the backend that owns ``array``."""
    try:
        return _BACKENDS_BY_TYPE[type(array)]
    except KeyError:
        raise TypeError(f"ember: no backend holds arrays of type {type(array).__name__}") from None


def matmul(a, b, out=None):
    """``a @ b`` (NumPy's matmul semantics) on the arrays' own backend, which may hand it to
    a faster GEMM than its array library's (MKL on the CPU, when installed).

    >>> import numpy as np
    >>> matmul(np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    """
    return _BACKENDS_BY_TYPE[type(a)].matmul(a, b, out)


def kernels_of(array):
    """The fused kernels (:class:`~ember.backends.base.Kernels`) of the array's backend."""
    return _BACKENDS_BY_TYPE[type(array)].kernels


def backend_for_device(dev: Device) -> Backend:
    """Return the backend for a device, with a clear error when it is unavailable."""
    try:
        return _BACKENDS_BY_DEVICE_TYPE[dev.type]
    except KeyError:
        pass
    if dev.type == "cuda":
        raise RuntimeError(
            "device 'cuda' is not available: ember's CUDA backend needs CuPy and an NVIDIA GPU "
            "(pip install ember[cuda])"
        )
    raise RuntimeError(f"unknown device type '{dev.type}'")


__all__ = ["_BACKENDS_BY_TYPE", "Backend", "Device", "device", "backend_of", "backend_for_device",
           "cuda", "cudnn", "kernels_of", "matmul", "mps", "register_backend"]
