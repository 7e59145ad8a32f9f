"""Process-wide settings with PyTorch's names: the thread counts and the deterministic-
algorithms switch.

>>> import ember
>>> before = ember.get_num_threads()
>>> ember.set_num_threads(1); ember.get_num_threads()
1
>>> ember.set_num_threads(before)
"""

from __future__ import annotations

import os

from .backends import _mkl, _numba
from .backends._parts import available_threads
from .optim import _update

_intra: int | None = None  # None: nothing set, the libraries' own counts apply
_interop: int | None = None
_deterministic = False
_warn_only = False


def _positive(name: str, n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise RuntimeError(f"{name} expects a positive integer, got {n!r}")
    return n


def set_num_threads(int: int) -> None:  # noqa: A002 - PyTorch's parameter name
    """Use ``int`` threads for ember's CPU work. This sets MKL's thread count (large matrix
    products, when MKL is installed; the batch splits of ``backends._parts`` follow it),
    the calling thread's count for numba's parallel kernels (numba's setting is per
    thread; capped at the pool numba started with) and the threads of an optimizer step
    (``ember.optim.set_num_threads``). NumPy's own BLAS (OpenBLAS) keeps the count its
    environment gave it (``OPENBLAS_NUM_THREADS``): ember sends large products to MKL.

    >>> import ember
    >>> before = ember.get_num_threads()
    >>> ember.set_num_threads(2); ember.get_num_threads()
    2
    >>> ember.set_num_threads(before)
    """
    global _intra
    n = _positive("set_num_threads", int)
    if _mkl._lib is not None:
        _mkl._lib.MKL_Set_Num_Threads(n)
        # and this thread follows it: a thread-local count, which wins over the global one,
        # may be set (PyTorch's set_num_threads sets one when both libraries share MKL)
        _mkl._lib.MKL_Set_Num_Threads_Local(0)
    _numba.set_threads(n)
    _update.set_num_threads(n)
    _intra = n


def get_num_threads() -> int:
    """The intra-op thread count: the last ``set_num_threads`` value, else the threads
    ember's split work may use (MKL's maximum, or the CPUs this process may run on).

    >>> import ember
    >>> ember.get_num_threads() >= 1
    True
    """
    return _intra if _intra is not None else available_threads()


def set_num_interop_threads(int: int) -> None:  # noqa: A002 - PyTorch's parameter name
    """Record the inter-op thread count. ember runs ops one after another (no inter-op
    pool), so the value is only reported back by ``get_num_interop_threads``.

    >>> import ember
    >>> ember.set_num_interop_threads(ember.get_num_interop_threads())
    """
    global _interop
    _interop = _positive("set_num_interop_threads", int)


def get_num_interop_threads() -> int:
    """The recorded inter-op thread count (default: the number of CPUs, as PyTorch's).

    >>> import ember
    >>> ember.get_num_interop_threads() >= 1
    True
    """
    return _interop if _interop is not None else (os.cpu_count() or 1)


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms. ember's CPU kernels already are: for a given thread
    count the same inputs give bit-identical results (threaded reductions and optimizer
    steps split work at fixed points), so on the CPU this only records the setting for
    ``are_deterministic_algorithms_enabled``. On CUDA, CuPy's atomic scatter-adds
    (``index_add``, embedding backward) are not made deterministic by it.

    >>> import ember
    >>> ember.use_deterministic_algorithms(True); ember.are_deterministic_algorithms_enabled()
    True
    >>> ember.use_deterministic_algorithms(False)
    """
    global _deterministic, _warn_only
    for name, value in (("mode", mode), ("warn_only", warn_only)):
        if not isinstance(value, bool):
            raise TypeError(f"use_deterministic_algorithms(): argument '{name}' must be bool, "
                            f"not {type(value).__name__}")
    _deterministic, _warn_only = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """Whether ``use_deterministic_algorithms(True)`` is in effect."""
    return _deterministic


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether ``use_deterministic_algorithms`` was called with ``warn_only=True``."""
    return _warn_only
