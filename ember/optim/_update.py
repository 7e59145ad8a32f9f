"""The one place where optimizers touch backend arrays: cache-sized blocks and scratch space.

An update such as Adam's is a dozen elementwise passes. Run over whole 4 MB tensors each
pass streams through memory; run over blocks of ``BLOCK`` elements, every pass after the
first hits the L2 cache and NumPy's single thread beats a two-thread PyTorch
(``benchmarks/optim.py``). The scratch arrays are block-sized and reused across steps, so a
step allocates nothing parameter-sized (``tests/optim/test_memory.py``).

>>> import ember
>>> from ember.backends import backend_of
>>> p, g = ember.ones(5)._data, ember.full((5,), 2.0)._data
>>> xp = backend_of(p).xp
>>> for pb, gb, t in Workspace().blocks(xp, (p, g), 1):
...     _ = xp.multiply(gb, 0.5, out=t); pb -= t
>>> p.tolist()
[0.0, 0.0, 0.0, 0.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# 32K float32 = 128 KiB per array: five or six live blocks fit in a 1-2 MiB L2 cache.
BLOCK = 1 << 15


class Workspace:
    """Scratch arrays owned by one optimizer, grown on demand and reused across steps."""

    def __init__(self) -> None:
        self._bufs: dict[tuple, Any] = {}

    def scratch(self, xp: Any, n: int, dtype: Any, slot: int) -> Any:
        """A flat scratch array of ``n`` elements (contents undefined)."""
        key = (xp.__name__, str(dtype), slot)
        buf = self._bufs.get(key)
        if buf is None or buf.size < n:
            buf = self._bufs[key] = xp.empty(n, dtype=dtype)
        return buf[:n]

    def blocks(self, xp: Any, arrays: tuple, nscratch: int) -> Iterator[tuple]:
        """Yield ``(*blocks_of_arrays, *scratch)``: matching flat slices of ``arrays`` (the first
        is the one written, whose shape the others share) plus ``nscratch`` scratch arrays.

        Non-contiguous arrays, and devices other than the CPU (where one fused pass is what
        matters, not cache), get one block: the whole array.
        """
        first = arrays[0]
        n, dtype = first.size, first.dtype
        flat = xp.__name__ == "numpy" and all(a.flags.c_contiguous for a in arrays)
        if not flat:
            yield (*arrays, *(self.scratch(xp, n, dtype, s).reshape(first.shape)
                              for s in range(nscratch)))
            return
        arrays = tuple(a.reshape(-1) for a in arrays)
        step = min(n, BLOCK)
        scratch = tuple(self.scratch(xp, step, dtype, s) for s in range(nscratch))
        for i in range(0, n, step):
            j = min(i + step, n)
            yield (*(a[i:j] for a in arrays), *(s[:j - i] for s in scratch))


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
