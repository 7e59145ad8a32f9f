"""The numba compile settings the kernel modules share (``_numba_kernels.py``,
``_numba_depthwise_kernels.py``): every kernel is cached on disk and releases the GIL.

* ``jit``: a parallel kernel (``prange`` loops on every core), exact IEEE arithmetic.
* ``red``: the same for kernels that sum: ``reassoc`` lets LLVM vectorise a sum (reorder its
  additions) without assuming away NaN or inf.
* ``serial``: a kernel without threads, for arrays too small to be worth starting them.
"""

from __future__ import annotations

from numba import njit

jit = njit(parallel=True, cache=True, nogil=True)
red = njit(parallel=True, cache=True, nogil=True, fastmath={"reassoc"})
serial = njit(cache=True, nogil=True)
