"""``ember.cuda``: the CUDA queries PyTorch code makes before choosing a device.

ember has no CUDA backend yet (one through CuPy is planned; it will register the ``cuda``
device type with ``ember.backends.register_backend``). Until one is registered these
report no device, and seeding does nothing, as PyTorch does on a machine without CUDA.

>>> import ember
>>> ember.device("cuda" if ember.cuda.is_available() else "cpu").type in ("cpu", "cuda")
True
"""

from __future__ import annotations

from .backends import _BACKENDS_BY_DEVICE_TYPE


def device_count() -> int:
    """How many CUDA devices ember can use (0 without a CUDA backend)."""
    backend = _BACKENDS_BY_DEVICE_TYPE.get("cuda")
    return backend.device_count() if backend is not None else 0


def is_available() -> bool:
    """Whether a CUDA device can be used."""
    return device_count() > 0


def manual_seed(seed: int) -> None:
    """Seed the current CUDA device's generator; nothing to do without one. (With a CUDA
    backend registered this raises until that backend seeds its generators, rather than
    leave a run unseeded without saying so.)"""
    if is_available():
        raise NotImplementedError("ember.cuda.manual_seed: CUDA generators are not seeded "
                                  "yet; ember.manual_seed seeds the CPU generator")


def manual_seed_all(seed: int) -> None:
    """Seed every CUDA device's generator; nothing to do without one."""
    manual_seed(seed)


__all__ = ["device_count", "is_available", "manual_seed", "manual_seed_all"]
