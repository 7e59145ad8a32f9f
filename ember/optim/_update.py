"""The one place where optimizers touch backend arrays: cache-sized blocks, scratch space and
the threads that share the blocks out.

An update such as Adam's is a dozen elementwise passes. Run over whole 4 MB tensors each
pass streams through memory; run over blocks of ``BLOCK`` elements, every pass after the
first hits the L2 cache. The scratch arrays are block-sized and reused across steps, so a
step allocates nothing parameter-sized (``tests/optim/test_optimizer_base.py``).

NumPy runs each ufunc on one core but releases the GIL inside it, so the blocks of one
parameter are shared out over ``get_num_threads()`` threads (the caller and a small
persistent pool shared by all optimizers): each thread takes the next unclaimed block and
works on it with its own scratch arrays. Each element's math is the same on any thread and
in any block, so results are bit-identical to ``set_num_threads(1)``.

>>> import ember
>>> from ember.backends import backend_of
>>> p, g = ember.ones(5)._data, ember.full((5,), 2.0)._data
>>> xp = backend_of(p).xp
>>> def half_step(pb, gb, t):
...     _ = xp.multiply(gb, 0.5, out=t); pb -= t
>>> Workspace().map(xp, (p, g), 1, half_step)
>>> p.tolist()
[0.0, 0.0, 0.0, 0.0, 0.0]
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

from ..backends._parts import helper_pool

# 32K float32 = 128 KiB per array: five or six live blocks fit in a 1-2 MiB L2 cache.
BLOCK = 1 << 15
# Blocks when the step is threaded. Every ufunc call drops and retakes the GIL; a 32K-element
# ufunc takes ~3-5 us, less than a waiting thread needs to wake up and grab the GIL, so the
# caller retakes it first every time and the threads end up running one after the other
# (measured: 2 threads slower than 1). At 128K elements (~15 us a call) the hand-over mostly
# succeeds; the working set (~4 live blocks of 512 KiB) still about fits one core's 2 MiB L2.
THREAD_BLOCK = 1 << 17
# Below these sizes the GIL hand-overs cost more than the second core gives back (measured,
# one parameter, 2 cores: SGD with momentum breaks even at ~2M elements, Adam at ~512K;
# at 4M elements 2 threads run SGD 1.18x and Adam 1.50x faster than 1).
# Counted in thread blocks: 16 (2M elements) for a few passes per element (SGD, Lion,
# Adagrad), 4 (512K) for a dozen (the Adam family, RMSprop, Adadelta).
LIGHT_UPDATE_MIN = 16
HEAVY_UPDATE_MIN = 4

# ---------------------------------------------------------------------- threads
# The one setting: how many threads an optimizer step uses. Capped at 2 by default because
# more rarely helps an elementwise update (memory bandwidth) and it matches the benchmark
# target (PyTorch with ``torch.set_num_threads(2)``).
_num_threads = max(1, min(2, os.cpu_count() or 1))


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for the elementwise part of every optimizer step (1: the caller
    alone, no pool). The results do not depend on ``n``."""
    global _num_threads
    if int(n) < 1:
        raise ValueError(f"number of threads must be at least 1, got {n}")
    _num_threads = int(n)


def get_num_threads() -> int:
    """The number of threads an optimizer step uses (see ``set_num_threads``)."""
    return _num_threads


class Workspace:
    """Scratch arrays owned by one optimizer, grown on demand and reused across steps; one
    set per thread, so threads never share a scratch block."""

    def __init__(self) -> None:
        self._bufs: dict[tuple, Any] = {}

    def scratch(self, xp: Any, n: int, dtype: Any, slot: int, part: int = 0) -> Any:
        """A flat scratch array of ``n`` elements (contents undefined) for thread ``part``."""
        key = (xp.__name__, dtype, slot, part)  # dtype objects hash fast; str() is ~4 us
        buf = self._bufs.get(key)
        if buf is None or buf.size < n:
            buf = self._bufs[key] = xp.empty(n, dtype=dtype)
        return buf[:n]

    def blocks(self, xp: Any, arrays: tuple, nscratch: int, part: int = 0, block: int = BLOCK,
               claim: Callable[[], int] | None = None) -> Iterator[tuple]:
        """Yield ``(*blocks_of_arrays, *scratch)``: matching flat slices of ``block`` elements of
        ``arrays`` (the first is the one written, whose shape the others share) plus
        ``nscratch`` scratch arrays of thread ``part``. All blocks in order, or, with
        ``claim`` (shared by the threads; returns 0, 1, 2, ...), the blocks it hands out.

        Non-contiguous arrays, and devices other than the CPU (where one fused pass is what
        matters, not cache), get one block: the whole array.
        """
        first = arrays[0]
        n, dtype = first.size, first.dtype
        if not _flat(xp, arrays):
            yield (*arrays, *(self.scratch(xp, n, dtype, s).reshape(first.shape)
                              for s in range(nscratch)))
            return
        if n <= block and claim is None:  # one block: the arrays themselves, flattened
            yield (*(a.reshape(-1) for a in arrays),
                   *(self.scratch(xp, n, dtype, s, part) for s in range(nscratch)))
            return
        arrays = tuple(a.reshape(-1) for a in arrays)
        step = min(n, block)
        scratch = tuple(self.scratch(xp, step, dtype, s, part) for s in range(nscratch))
        starts = range(0, n, step) if claim is None else iter(lambda: claim() * step, None)
        for i in starts:
            if i >= n:
                return
            j = min(i + step, n)
            yield (*(a[i:j] for a in arrays), *(s[:j - i] for s in scratch))

    def map(self, xp: Any, arrays: tuple, nscratch: int, fn: Callable[..., Any],
            min_thread_blocks: int = LIGHT_UPDATE_MIN) -> None:
        """Call ``fn(*blocks_of_arrays, *scratch)`` on every block (see ``blocks``), on up to
        ``get_num_threads()`` threads (for arrays of at least ``min_thread_blocks`` blocks of
        ``THREAD_BLOCK`` elements);
        return when all are done. ``fn`` must touch only the blocks it is given: blocks run
        in any order and concurrently."""
        threads = _num_threads
        parts = 1
        if threads > 1 and _flat(xp, arrays) \
                and arrays[0].size >= min_thread_blocks * THREAD_BLOCK:
            # Arrays under two thread blocks run on the caller alone: a hand-off costs more
            # than it saves there (see THREAD_BLOCK).
            parts = min(threads, arrays[0].size // THREAD_BLOCK)
        if parts <= 1:
            for blocks in self.blocks(xp, arrays, nscratch):
                fn(*blocks)
            return
        # Threads take the next block when done with one, rather than a fixed share: a pool
        # thread starts late (it wakes, then waits for the GIL), and the caller covers for it.
        lock, counter = threading.Lock(), itertools.count()

        def claim() -> int:
            with lock:
                return next(counter)

        def run(part: int) -> None:
            for blocks in self.blocks(xp, arrays, nscratch, part, THREAD_BLOCK, claim):
                fn(*blocks)

        futures = [helper_pool(threads - 1).submit(run, k) for k in range(1, parts)]
        try:
            run(0)  # the caller works too
        finally:
            # Wait even if our share raised: the workers write into these arrays.
            errors = [f.exception() for f in futures]
        for e in errors:
            if e is not None:
                raise e


def _flat(xp: Any, arrays: tuple) -> bool:
    """Whether ``arrays`` can be cut into flat blocks: NumPy and all C-contiguous."""
    return xp.__name__ == "numpy" and all(a.flags.c_contiguous for a in arrays)


def effective_grad(xp: Any, p: Any, g: Any, weight_decay: float, maximize: bool,
                   out: Any) -> Any:
    """PyTorch's ``grad = -grad if maximize``; ``grad = grad + weight_decay * param``.

    Returns ``g`` itself when nothing changes it, else ``out`` holding the new gradient; the
    caller must not write to the result when it is ``g`` (the user's ``.grad``).
    """
    if weight_decay != 0:
        xp.multiply(p, weight_decay, out=out)
        # (-g) + wd*p and wd*p - g round identically.
        (xp.subtract if maximize else xp.add)(out, g, out=out)
        return out
    if maximize:
        return xp.negative(g, out=out)
    return g


def lerp_(xp: Any, x: Any, end: Any, weight: float, tmp: Any) -> None:
    """``x.lerp_(end, weight)`` with PyTorch's two branches (each exact at its own end)."""
    xp.subtract(end, x, out=tmp)
    if weight < 0.5:
        tmp *= weight
        x += tmp
    else:
        tmp *= 1 - weight
        xp.subtract(end, tmp, out=x)


def addcmul_(xp: Any, x: Any, a: Any, b: Any, value: float, tmp: Any) -> None:
    """``x.addcmul_(a, b, value=value)``: x += value * a * b."""
    xp.multiply(a, value, out=tmp)
    tmp *= b
    x += tmp


def addcdiv_(xp: Any, x: Any, a: Any, b: Any, value: float, tmp: Any) -> None:
    """``x.addcdiv_(a, b, value=value)``: x += value * (a / b); ``tmp`` may be ``b``."""
    xp.divide(a, b, out=tmp)
    tmp *= value
    x += tmp
