"""``ember.cuda``: the CUDA queries PyTorch code makes before choosing a device.

ember has no CUDA backend yet (one through CuPy is planned; it will register the ``cuda``
device type with ``ember.backends.register_backend``). Until one is registered these
report no device, and seeding does nothing, as PyTorch does on a machine without CUDA.

>>> import ember
>>> ember.device("cuda" if ember.cuda.is_available() else "cpu").type in ("cpu", "cuda")
True
"""

from __future__ import annotations

from typing import Any

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


def _memory_pool() -> Any:
    """CuPy's default memory pool once a CUDA backend is registered, else None (no device
    has been used, so there is nothing allocated, as in PyTorch before CUDA is initialised)."""
    if not is_available():
        return None
    import cupy  # a registered CUDA backend is a CuPy one

    return cupy.get_default_memory_pool()


def memory_allocated(device: Any = None) -> int:
    """Bytes held by tensors on the CUDA device: 0 without one, as PyTorch reports when
    CUDA is not in use; CuPy's pool figure with a CUDA backend.

    >>> import ember
    >>> ember.cuda.memory_allocated()
    0
    """
    pool = _memory_pool()
    return 0 if pool is None else int(pool.used_bytes())


def memory_reserved(device: Any = None) -> int:
    """Bytes the caching allocator holds (in use or cached): 0 without a CUDA device.

    >>> import ember
    >>> ember.cuda.memory_reserved()
    0
    """
    pool = _memory_pool()
    return 0 if pool is None else int(pool.total_bytes())


def max_memory_allocated(device: Any = None) -> int:
    """The peak of ``memory_allocated``: 0 without a CUDA device. CuPy's pool keeps no
    peak, so with a CUDA backend this raises rather than report a wrong figure.

    >>> import ember
    >>> ember.cuda.max_memory_allocated()
    0
    """
    if _memory_pool() is None:
        return 0
    raise NotImplementedError("ember.cuda.max_memory_allocated: CuPy's memory pool does not "
                              "record a peak; read ember.cuda.memory_allocated() instead")


def reset_peak_memory_stats(device: Any = None) -> None:
    """Reset the peak figures; nothing to reset without a CUDA device."""
    if _memory_pool() is not None:
        raise NotImplementedError("ember.cuda.reset_peak_memory_stats: CuPy's memory pool "
                                  "does not record peaks")


def empty_cache() -> None:
    """Give cached, unused CUDA memory back to the driver (nothing to do without a device).

    >>> import ember
    >>> ember.cuda.empty_cache()
    """
    pool = _memory_pool()
    if pool is not None:
        pool.free_all_blocks()


def synchronize(device: Any = None) -> None:
    """Wait for the CUDA device's queued work to finish. Without a CUDA device there is
    no queued work, so this returns at once (PyTorch raises when it was built without
    CUDA; returning lets timing code that synchronises unconditionally run on the CPU).

    >>> import ember
    >>> ember.cuda.synchronize()
    """
    if is_available():
        import cupy

        cupy.cuda.Device().synchronize()


__all__ = ["device_count", "empty_cache", "is_available", "manual_seed", "manual_seed_all",
           "max_memory_allocated", "memory_allocated", "memory_reserved",
           "reset_peak_memory_stats", "synchronize"]
