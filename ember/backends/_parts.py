"""Work split between the cores by hand: :func:`run_parts` runs ``work(lo, hi)`` over
consecutive parts of a range, one part per thread, each thread with single-threaded MKL
and numba.

Why. Some products are too thin for MKL to split well between its threads: the
convolution's per-tap products ran 8.6 ms with MKL's two threads and 6.8 ms as two
single-threaded halves of the batch, one per core (benchmarks/RESULTS.md, round 4). The
number of parts follows MKL's own thread count (so ``MKL_NUM_THREADS=1`` means no split),
or the CPUs this process may use when MKL is not loaded.

>>> seen = []
>>> run_parts(4, lambda lo, hi: seen.append((lo, hi)))
>>> sorted(seen)[0][0], sorted(seen)[-1][1]
(0, 4)
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from . import _mkl, _numba

_POOL: ThreadPoolExecutor | None = None
_POOL_WORKERS = 0
_POOL_LOCK = threading.Lock()


def available_threads() -> int:
    """Threads split work may use: MKL's maximum when MKL is loaded, else the CPUs this
    process may run on."""
    if _mkl._lib is not None:
        return max(1, int(_mkl._lib.MKL_Get_Max_Threads()))
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def helper_pool(workers: int) -> ThreadPoolExecutor:
    """The helper threads shared by split work (here and the optimizers' updates):
    ``workers`` of them besides the caller, created on first use and replaced when a
    different count is asked for."""
    global _POOL, _POOL_WORKERS
    with _POOL_LOCK:
        if _POOL is None or _POOL_WORKERS != workers:
            if _POOL is not None:
                _POOL.shutdown(wait=False)  # its idle workers exit; queued tasks still run
            _POOL = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ember-part")
            _POOL_WORKERS = workers
        return _POOL


def _forget_pool() -> None:
    # A forked child (a DataLoader worker, say) inherits the pool object but not its
    # threads: work submitted to it would wait forever, so the child starts its own pool.
    global _POOL, _POOL_WORKERS, _POOL_LOCK
    _POOL, _POOL_WORKERS, _POOL_LOCK = None, 0, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _single_threaded(work: Callable[[int, int], None], lo: int, hi: int) -> None:
    """``work(lo, hi)`` with MKL's and numba's threads limited to this one (both settings
    are per thread, so the other parts are not affected)."""
    numba = sys.modules.get("numba") if _numba._kernels else None
    mkl = _mkl._lib
    mkl_before = mkl.MKL_Set_Num_Threads_Local(1) if mkl is not None else None
    numba_before = None
    try:
        if numba is not None:
            numba_before = numba.get_num_threads()
            numba.set_num_threads(1)
        work(lo, hi)
    finally:
        if mkl_before is not None:
            mkl.MKL_Set_Num_Threads_Local(mkl_before)
        if numba_before is not None:
            numba.set_num_threads(numba_before)


def run_parts(count: int, work: Callable[[int, int], None], split: bool = True) -> None:
    """Run ``work(lo, hi)`` over ``range(count)``: in one part per available thread when
    ``split`` (each single-threaded, the first on the calling thread), else in one call.
    Each part must write only what its own range owns, and must not call ``run_parts``
    itself (a part waiting on the pool it runs in could wait forever). The first error is
    raised after every part has finished."""
    parts = min(count, available_threads()) if split else 1
    if parts <= 1:
        work(0, count)
        return
    _numba.loaded()  # import numba here, not racing in the parts, so they can limit it
    bounds = [count * i // parts for i in range(parts + 1)]
    jobs, local = [], [(bounds[0], bounds[1])]
    pool = helper_pool(parts - 1)
    for lo, hi in zip(bounds[1:-1], bounds[2:]):
        try:
            jobs.append(pool.submit(_single_threaded, work, lo, hi))
        except RuntimeError:  # shut down (atexit, or replaced by another thread's count)
            local.append((lo, hi))
    try:
        for lo, hi in local:
            _single_threaded(work, lo, hi)
    finally:
        for job in jobs:
            job.exception()  # wait for every part before anything is raised or returned
    for job in jobs:
        if job.exception() is not None:
            raise job.exception()


__all__ = ["available_threads", "helper_pool", "run_parts"]
