"""Matrix products through Intel MKL when the ``mkl`` package is installed (optional).

NumPy's wheels multiply matrices with OpenBLAS. On the benchmark machine (2 AVX-512 cores)
OpenBLAS ran the shapes of a training step at 215-340 GFLOP/s where MKL, the library
PyTorch's CPU build uses, ran them at 340-400, near the cores' peak: 1.15-2x faster (see
benchmarks/RESULTS.md). ``pip install ember[fast]`` installs Intel's ``mkl`` wheel; this
module finds its ``mkl_rt`` library and calls ``cblas_?gemm`` and
``cblas_?gemm_batch_strided`` through ctypes on the arrays' memory; batched views whose
batch dims no single stride walks (attention's heads split out of a projection, or an
``out`` with the heads merged) go through ``cblas_?gemm_batch`` with an array of pointers
to each matrix. Nothing else changes: an operand layout BLAS cannot take, a small product
(where the ~8 us of a ctypes call and its checks cost more than MKL saves) or a missing
library leaves the product to NumPy.
Two MKL settings change, through MKL's and Intel OpenMP's own calls (the process
environment is left alone; a user's KMP_BLOCKTIME or MKL_DISABLE_FAST_MM wins): the
workers' spin time (1 ms) and the packing-buffer cache (off); see below.

``EMBER_BLAS=numpy`` turns the MKL path off before ember is imported; :func:`set_enabled`
does it at run time.

>>> import numpy as np
>>> a = np.ones((256, 256), np.float32)
>>> float(matmul(a, a)[0, 0]) if enabled() else 256.0
256.0
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

# CBLAS enums
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
# Products with fewer multiply-adds stay with NumPy. The ctypes call and its checks cost
# ~8 us (32x64x64: NumPy 1.7 us, MKL 9.2 us), so MKL only pays from ~1M multiply-adds; but
# from 2^18 up OpenBLAS wakes its own worker thread, which then fights MKL's (still
# spinning after the previous product) for the second core: the MLP step took 14.6 ms
# instead of 2.6. So every product OpenBLAS would thread goes to MKL, and OpenBLAS's
# threads stay asleep.
MIN_MULTIPLY_ADDS = 1 << 18
# How long (ms) MKL's OpenMP workers spin for more work before sleeping, unless the user
# set KMP_BLOCKTIME. Intel's default, 200 ms, keeps a worker on the second core through
# the single-threaded NumPy stretches of a step, where ember's own threads (or another
# library's) need it; 1 ms was as fast as 200 on the benchmark MLP and CNN steps.
_BLOCKTIME_MS = "1"
_INT32_MAX = (1 << 31) - 1

_lib = None  # the loaded mkl_rt, or None
ENABLED = False  # read by the CPU backend on every product; change it with set_enabled
_gemm: dict[str, object] = {}
_gemm_batch: dict[str, object] = {}
_gemm_pointers: dict[str, object] = {}  # cblas_?gemm_batch, where this MKL has it
# ``cblas_?gemm`` called from a function compiled by numba, set by the numba kernels'
# module when it is imported: (trans_a, trans_b, m, n, k, a, lda, b, ldb, out, ldc) -> True
# when done, None to use ctypes. A ctypes call with its argument conversions and the
# arrays' ``.ctypes.data`` costs ~4.5 us; the compiled call ~1.5 (benchmarks/RESULTS.md).
compiled_gemm: Any = None


def _library_path() -> str | None:
    """The mkl_rt shared library of the installed ``mkl`` distribution, if any."""
    try:
        from importlib import metadata

        dist = metadata.distribution("mkl")
    except Exception:  # not installed (PackageNotFoundError) or unreadable metadata
        return None
    names = ("libmkl_rt.so", "mkl_rt", "libmkl_rt.dylib")
    for file in dist.files or ():
        if any(Path(str(file)).name.startswith(n) for n in names):
            return str(dist.locate_file(file))
    return None


def _declare(lib, name: str, batched: bool):
    fn = getattr(lib, name)
    i, p = ctypes.c_int, ctypes.c_void_p
    scalar = ctypes.c_float if name.startswith("cblas_s") else ctypes.c_double
    if batched:  # layout, ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, count
        # the strides are MKL_INT too: 32-bit under the LP64 interface pinned below
        fn.argtypes = [i, i, i, i, i, i, scalar, p, i, i, p, i, i, scalar, p, i, i, i]
    else:  # layout, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc
        fn.argtypes = [i, i, i, i, i, i, scalar, p, i, p, i, scalar, p, i]
    fn.restype = None
    return fn


def _declare_pointer_batch(lib, name: str):
    """``cblas_?gemm_batch``: the layout, then arrays (one entry per group, or one pointer
    per matrix), the group count and the group sizes."""
    fn = getattr(lib, name)
    fn.argtypes = [ctypes.c_int] + [ctypes.c_void_p] * 13 + [ctypes.c_int, ctypes.c_void_p]
    fn.restype = None
    return fn


def _load() -> None:
    global _lib, ENABLED
    if os.environ.get("EMBER_BLAS", "").lower() == "numpy" or sys.platform == "darwin":
        return
    path = _library_path()
    if path is None:
        return
    try:
        lib = ctypes.CDLL(path)
        for char in "fd":
            prefix = "cblas_s" if char == "f" else "cblas_d"
            _gemm[char] = _declare(lib, prefix + "gemm", batched=False)
            _gemm_batch[char] = _declare(lib, prefix + "gemm_batch_strided", batched=True)
        # The signatures above use 32-bit integers (LP64): pin that interface, whatever
        # MKL_INTERFACE_LAYER says (ILP64 would read them as 64-bit and crash).
        lib.MKL_Set_Interface_Layer(0)
        # MKL keeps its GEMM packing buffers for reuse unless told not to: ~4 MiB more
        # peak memory in the benchmark CNN step, for no measured speed (22.5 vs 21.9 ms).
        if "MKL_DISABLE_FAST_MM" not in os.environ:
            lib.MKL_Disable_Fast_MM()
    except (OSError, AttributeError):  # a broken or too old install: NumPy does the work
        _gemm.clear()
        _gemm_batch.clear()
        return
    try:  # without it, batches no single stride walks stay with NumPy
        for char, prefix in (("f", "cblas_s"), ("d", "cblas_d")):
            _gemm_pointers[char] = _declare_pointer_batch(lib, prefix + "gemm_batch")
    except AttributeError:
        _gemm_pointers.clear()
    _set_blocktime(Path(path).parent)
    _lib, ENABLED = lib, True


def _set_blocktime(folder: Path) -> None:
    """Intel OpenMP's spin time, unless the user set KMP_BLOCKTIME, through
    ``kmp_set_defaults`` (before MKL's first parallel region; the process environment is
    left alone). Where the runtime is not found, Intel's default stays."""
    if "KMP_BLOCKTIME" in os.environ:
        return
    for name in ("libiomp5.so", "libiomp5md.dll"):
        if (folder / name).exists():
            try:
                ctypes.CDLL(str(folder / name)).kmp_set_defaults(
                    f"KMP_BLOCKTIME={_BLOCKTIME_MS}".encode())
            except (OSError, AttributeError):
                pass
            return


def enabled() -> bool:
    """Whether matrix products go to MKL."""
    return ENABLED


class KernelFunctions(NamedTuple):
    """MKL entry points as ctypes functions that compiled kernels (numba) take as arguments
    and call, array pointers passed as integers. A recurrence packs its weight once and
    multiplies by it every step (``pack``/``compute``: MKL's packed API, made for RNNs; the
    plain call repacks the weight at each product); ``gemm`` and ``dgemm`` are the plain
    float32 and float64 calls; ``set_threads`` is ``MKL_Set_Num_Threads_Local``."""

    pack: Any
    compute: Any
    set_threads: Any
    gemm: Any
    dgemm: Any


_kernel_functions: KernelFunctions | None = None
B_MATRIX = 162  # CBLAS enum: the packed operand of MKL's packed products is B


def kernel_functions() -> KernelFunctions | None:
    """The :class:`KernelFunctions`, or None when products do not go to MKL."""
    global _kernel_functions
    if not ENABLED:
        return None
    if _kernel_functions is None:
        i, size, real = ctypes.c_int, ctypes.c_size_t, ctypes.c_float
        pack = ctypes.CFUNCTYPE(None, i, i, i, i, i, i, real, size, i, size)(
            ("cblas_sgemm_pack", _lib))
        compute = ctypes.CFUNCTYPE(None, i, i, i, i, i, i, size, i, size, i, real, size, i)(
            ("cblas_sgemm_compute", _lib))
        threads = ctypes.CFUNCTYPE(i, i)(("MKL_Set_Num_Threads_Local", _lib))
        gemm, dgemm = (ctypes.CFUNCTYPE(None, i, i, i, i, i, i, scalar, size, i, size, i,
                                        scalar, size, i)((name, _lib))
                       for scalar, name in ((real, "cblas_sgemm"),
                                            (ctypes.c_double, "cblas_dgemm")))
        _kernel_functions = KernelFunctions(pack, compute, threads, gemm, dgemm)
    return _kernel_functions


def packed_size(m: int, n: int, k: int) -> int:
    """Bytes of the packed B operand of an ``(m, k) @ (k, n)`` float32 product."""
    fn = _lib.cblas_sgemm_pack_get_size
    fn.restype = ctypes.c_size_t
    fn.argtypes = [ctypes.c_int] * 4
    return int(fn(B_MATRIX, m, n, k))


def set_enabled(flag: bool) -> bool:
    """Route products to MKL (when it loaded) or to NumPy; returns the previous setting.

    >>> previous = set_enabled(False); _ = set_enabled(previous)
    """
    global ENABLED
    previous = ENABLED
    ENABLED = bool(flag) and _lib is not None
    return previous


def _operand(x: np.ndarray, itemsize: int) -> tuple[int, int] | None:
    """(transpose flag, leading dimension) of the matrix in the last two dims of ``x``, or
    None when neither dimension is unit-stride (BLAS needs one of them to be)."""
    rows, cols = x.shape[-2:]
    s_row, s_col = x.strides[-2:]
    if s_col == itemsize and s_row % itemsize == 0 and s_row >= cols * itemsize:
        return _NO_TRANS, s_row // itemsize
    if s_row == itemsize and s_col % itemsize == 0 and s_col >= rows * itemsize:
        return _TRANS, s_col // itemsize
    return None


def _batch_stride(x: np.ndarray, batch: tuple[int, ...], itemsize: int) -> int | None:
    """One element stride that walks ``x``'s batch dims (broadcast to ``batch``) in order,
    or None when they cannot be walked with a single stride."""
    x = np.broadcast_to(x, batch + x.shape[-2:]) if x.shape[:-2] != batch else x
    strides = [s for s, n in zip(x.strides[:-2], batch) if n != 1]
    sizes = [n for n in batch if n != 1]
    if not strides:
        return 0
    for k in range(len(strides) - 1):
        if strides[k] != strides[k + 1] * sizes[k + 1]:
            return None
    if strides[-1] < 0 or strides[-1] % itemsize:
        return None
    return strides[-1] // itemsize


def _self_overlapping(x: np.ndarray) -> bool:
    """Whether two elements of ``x`` may share an address. False when its dims, ordered by
    stride, nest (each stride spans all the elements of the smaller ones), as in every
    sliced or permuted view of a contiguous array; a rarer interleaving that happens not
    to collide counts as overlapping (NumPy then takes the product)."""
    span = x.itemsize
    for stride, size in sorted((abs(s), n) for s, n in zip(x.strides, x.shape) if n > 1):
        if stride < span:
            return True
        span += stride * (size - 1)
    return False


def _out_leading_dim(out: np.ndarray, a: np.ndarray, b: np.ndarray, shape: tuple[int, ...],
                     dtype: np.dtype) -> int | None:
    """The row stride in elements (ldc) of an ``out`` MKL can write ``a @ b`` into, or None:
    it needs the product's shape and dtype, unit-stride rows, no memory shared with ``a``
    or ``b`` (MKL reads them while writing) and no two elements on one address (a
    broadcast ``out``: threads would race on it)."""
    if (out.shape != shape or out.dtype != dtype or not out.flags.writeable
            or np.may_share_memory(out, a) or np.may_share_memory(out, b)):
        return None
    if out.flags.c_contiguous:
        return shape[-1]
    itemsize = dtype.itemsize
    s_row, s_col = out.strides[-2:]
    if (s_col != itemsize or s_row % itemsize or s_row < shape[-1] * itemsize
            or _self_overlapping(out)):
        return None
    return s_row // itemsize


def _matrix_addresses(x: np.ndarray, batch: tuple[int, ...]) -> np.ndarray:
    """The address of each matrix of ``x`` broadcast to ``batch``, in the batch's C order:
    a pointer array for ``cblas_?gemm_batch``. Any batch strides do (unrelated, negative,
    zero): each address is explicit, and inside ``x``'s memory."""
    strides = np.broadcast_to(x, batch + x.shape[-2:]).strides[:-2]
    offsets = np.zeros((), np.intp)
    for size, stride in zip(batch, strides):
        offsets = np.add.outer(offsets, np.arange(size, dtype=np.intp) * stride)
    return x.ctypes.data + offsets.ravel()


def _pointer_batch(a: np.ndarray, op_a: tuple[int, int], b: np.ndarray,
                   op_b: tuple[int, int], out: np.ndarray, ldc: int) -> None:
    """``out[i] = a[i] @ b[i]`` over the batch through ``cblas_?gemm_batch``: one group of
    same-shape products, each matrix found through its own pointer."""
    m, k, n, batch = a.shape[-2], a.shape[-1], b.shape[-1], out.shape[:-2]
    real = ctypes.c_float if out.dtype.char == "f" else ctypes.c_double
    # the arrays must outlive the call: MKL reads the addresses from their memory
    pa, pb, pc = (_matrix_addresses(x, batch) for x in (a, b, out))

    def one_group(value: int | float, kind=ctypes.c_int) -> object:
        return ctypes.byref(kind(value))  # a per-group array, here of one group

    _gemm_pointers[out.dtype.char](
        _ROW_MAJOR, one_group(op_a[0]), one_group(op_b[0]), one_group(m), one_group(n),
        one_group(k), one_group(1.0, real), pa.ctypes.data, one_group(op_a[1]),
        pb.ctypes.data, one_group(op_b[1]), one_group(0.0, real), pc.ctypes.data,
        one_group(ldc), 1, one_group(pc.size))


def _batched(a: np.ndarray, op_a: tuple[int, int], b: np.ndarray, op_b: tuple[int, int],
             out: np.ndarray, ldc: int, batch: tuple[int, ...]) -> bool:
    """``out[i] = a[i] @ b[i]`` over ``batch``: one strided call where a single stride walks
    each operand's batch, else pointer arrays; False when MKL cannot take it."""
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    count = int(np.prod(batch))
    if count > _INT32_MAX:
        return False
    strides = [_batch_stride(x, batch, out.itemsize) for x in (a, b, out)]
    if count == 1:  # MKL checks stridec >= ldc*m (below) even for a single product
        strides[2] = ldc * m
    # MKL's strides are 32-bit, and it refuses C matrices that interleave (stridec < ldc*m)
    if None not in strides and max(strides) <= _INT32_MAX and strides[2] >= ldc * m:
        _gemm_batch[out.dtype.char](_ROW_MAJOR, op_a[0], op_b[0], m, n, k, 1.0,
                                    a.ctypes.data, op_a[1], strides[0], b.ctypes.data,
                                    op_b[1], strides[1], 0.0, out.ctypes.data, ldc,
                                    strides[2], count)
        return True
    if out.dtype.char not in _gemm_pointers:  # batch strides the strided call cannot take
        return False
    _pointer_batch(a, op_a, b, op_b, out, ldc)
    return True


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray | None:
    """``a @ b`` through MKL, or None when this product should go to NumPy instead.

    Takes same-dtype float32/float64 operands of two or more dims (NumPy's broadcasting of
    the batch dims, any batch strides) and an optional ``out`` of the result's shape and
    dtype: a view with unit-stride rows will do (see :func:`_out_leading_dim`).
    """
    dtype = a.dtype
    if not ENABLED or b.dtype != dtype or dtype.char not in "fd" or not dtype.isnative:
        return None
    if a.ndim < 2 or b.ndim < 2:
        return None
    m, k = a.shape[-2:]
    k2, n = b.shape[-2:]
    if k != k2 or m * n * k < MIN_MULTIPLY_ADDS or max(m, n, k) > _INT32_MAX:
        return None
    itemsize = dtype.itemsize
    op_a, op_b = _operand(a, itemsize), _operand(b, itemsize)
    if op_a is None or op_b is None or max(op_a[1], op_b[1]) > _INT32_MAX:
        return None
    batch = ()
    if a.ndim > 2 or b.ndim > 2:
        try:
            batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            return None  # NumPy raises its own error
    shape = batch + (m, n)
    if out is None:
        out, ldc = np.empty(shape, dtype), n
    else:
        ldc = _out_leading_dim(out, a, b, shape, dtype)
        if ldc is None or ldc > _INT32_MAX:
            return None
    if not batch:
        if compiled_gemm is None or not compiled_gemm(op_a[0], op_b[0], m, n, k, a, op_a[1],
                                                      b, op_b[1], out, ldc):
            _gemm[dtype.char](_ROW_MAJOR, op_a[0], op_b[0], m, n, k, 1.0, a.ctypes.data,
                              op_a[1], b.ctypes.data, op_b[1], 0.0, out.ctypes.data, ldc)
        return out
    return out if _batched(a, op_a, b, op_b, out, ldc, batch) else None


_load()
