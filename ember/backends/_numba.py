"""Fused, multithreaded CPU kernels compiled by numba, when it is installed (optional).

NumPy runs each elementwise op on one core and one op per pass over memory; PyTorch's CPU
kernels use every core and fuse a comparison with its select. On the benchmark machine
(2 cores) a numba ``prange`` loop ran ReLU's backward (compare and select in one pass) 2.8x
faster than NumPy's two passes, and a row-wise layer norm 2.4x (benchmarks/RESULTS.md).

Each function here takes plain arrays and returns its result, or None when it declines:
numba missing or turned off (``EMBER_KERNELS=numpy``), an array too small for threads to
pay (under ``MIN_ELEMENTS``), a dtype other than float32/float64, or a layout it does not
handle; also in forked child processes (GNU OpenMP, numba's threading layer here, does
not survive a fork) and when numba cannot be imported. The caller then runs its NumPy code,
which stays the reference: the tests run both and compare them, bit for bit where the
operation is exact (normalisation statistics are summed in float64 here, so those agree
to rounding).

``pip install ember[fast]`` installs numba. It is imported, and each kernel compiled (cached
on disk), on first use, so importing ember stays fast.

>>> import numpy as np
>>> out = relu(np.array([-1.0, 2.0]))
>>> out is None or out.tolist() == [0.0, 2.0]
True
"""

from __future__ import annotations

import functools
import importlib.util
import os
from typing import Any

import numpy as np

# Below this many elements NumPy's single pass beats starting the threads (a parallel
# launch costs ~5-10 us on 2 cores).
MIN_ELEMENTS = 1 << 16

ENABLED = (os.environ.get("EMBER_KERNELS", "").lower() != "numpy"
           and importlib.util.find_spec("numba") is not None)
_kernels: dict[str, Any] = {}
_threads: int | None = None  # ember.set_num_threads's count, applied once numba is loaded


def set_threads(n: int) -> None:
    """Run numba's parallel kernels on ``n`` threads (at most the pool numba started with).
    numba's count is per calling thread: this sets the caller's, now if the kernels are
    loaded, else when they load."""
    global _threads
    _threads = n
    if _kernels:
        import numba

        numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))


def set_enabled(flag: bool) -> bool:
    """Use the numba kernels (when numba is installed) or NumPy; returns the previous value.

    >>> previous = set_enabled(False); _ = set_enabled(previous)
    """
    global ENABLED
    previous = ENABLED
    ENABLED = bool(flag) and importlib.util.find_spec("numba") is not None
    return previous


def loaded() -> bool:
    """Whether numba and the kernels are imported and usable (importing them on first call).

    >>> isinstance(loaded(), bool)
    True
    """
    if not ENABLED:
        return False
    try:
        _kernel("relu")
    except _Declined:
        return False
    return True


def _kernel(name: str):
    if not _kernels:
        try:
            from numba import config

            if config.DISABLE_JIT:  # the kernels would run as Python loops
                raise ImportError("NUMBA_DISABLE_JIT is set")
            from ._numba_kernels import KERNELS

            _kernels.update(KERNELS)
            if _threads is not None:
                set_threads(_threads)
        except Exception:  # numba cannot be imported or used (e.g. built for another NumPy)
            global ENABLED
            ENABLED = False
            raise _Declined from None
    return _kernels[name]


def _sized_kernel(name: str, x):
    """The threaded kernel ``name``, or its ``_serial`` twin for an ``x`` under
    ``MIN_ELEMENTS`` (too small to be worth starting the threads)."""
    return _kernel(name if x.size >= MIN_ELEMENTS else name + "_serial")


class _Declined(Exception):
    """Raised by :func:`_kernel` when numba turns out to be unusable; the wrappers then
    decline, and every later call does so at the ``ENABLED`` check."""


def _declines_if_unusable(wrapper):
    """Make a wrapper return None, as when it declines, if numba cannot be used."""
    @functools.wraps(wrapper)
    def checked(*args, **kwargs):
        try:
            return wrapper(*args, **kwargs)
        except _Declined:
            return None
    return checked


def _disable_in_child() -> None:
    # GNU OpenMP (numba's threading layer here) cannot run in a process forked after it
    # started its threads: the child is terminated at its first parallel kernel. Forked
    # children (DataLoader workers, multiprocessing) use the NumPy code instead.
    global ENABLED
    ENABLED = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_disable_in_child)


def _flat_ok(*arrays) -> bool:
    """Same float32/float64 dtype, C-contiguous, native byte order, big enough."""
    first = arrays[0]
    dtype = first.dtype
    if dtype.char not in "fd" or not dtype.isnative or first.size < MIN_ELEMENTS:
        return False
    for a in arrays:
        if a.dtype != dtype or not a.flags.c_contiguous or a.shape != first.shape:
            return False
    return True


# The elementwise arithmetic the ``arithmetic`` kernel runs, by op name.
ARITHMETIC = {"add": 0, "sub": 1, "mul": 2, "div": 3}


@_declines_if_unusable
def arithmetic(name: str, x: np.ndarray, y: np.ndarray,
               out: np.ndarray | None = None) -> np.ndarray | None:
    """``x + y``, ``x - y``, ``x * y`` or ``x / y`` (``name`` in :data:`ARITHMETIC`) of two
    same-shape arrays on every core, into a new array or ``out`` (an in-place op passes
    ``x``); or None to let NumPy do it (broadcasting, other dtypes or layouts, arrays under
    ``2 * MIN_ELEMENTS``: one add took NumPy 22 us and the kernel 9 on 2 cores at 131072
    float32 elements, and about as long at 65536; an ``out`` that overlaps an operand
    without being that very array, where NumPy's buffering keeps the inputs intact)."""
    if (not ENABLED or name not in ARITHMETIC or x.size < 2 * MIN_ELEMENTS
            or not _flat_ok(x, y)):
        return None
    if out is None:
        out = np.empty_like(x)
    elif (not _flat_ok(out, x) or not out.flags.writeable
          or any(np.may_share_memory(out, a) and out.ctypes.data != a.ctypes.data
                 for a in (x, y))):
        return None
    _kernel("arithmetic")(x.reshape(-1), y.reshape(-1), out.reshape(-1), ARITHMETIC[name])
    return out


# NumPy's maximum of an array and a scalar runs a slower loop than that of two arrays: on
# float32, 2048 elements took 0.80 us against 0.44, 65536 took 12.1 against 8.4 (and 1M
# took 295 against 438, so only small arrays use this). ReLUs under MIN_ELEMENTS take their
# zeros from these read-only arrays, one per shape and dtype, at most _ZEROS_BYTES in all.
_ZEROS: dict = {}
_ZEROS_BYTES = 4 << 20


def _zeros_like(x: np.ndarray) -> np.ndarray:
    """Read-only zeros of ``x``'s shape and dtype, kept in ``_ZEROS``."""
    if x.nbytes + sum(z.nbytes for z in tuple(_ZEROS.values())) > _ZEROS_BYTES:
        _ZEROS.clear()
    zeros = np.zeros(x.shape, x.dtype)
    zeros.flags.writeable = False
    _ZEROS[(x.shape, x.dtype)] = zeros
    return zeros


def relu(x: np.ndarray) -> np.ndarray | None:
    """``maximum(x, 0)`` (NaN kept, -0.0 to +0.0, as NumPy's), or None to let NumPy do it.
    Under ``MIN_ELEMENTS``, NumPy's maximum against cached zeros (see ``_zeros_like``)."""
    if not ENABLED:
        return None
    if x.size < MIN_ELEMENTS:  # before the kernel's wrapper: this runs per small ReLU
        zeros = _ZEROS.get((x.shape, x.dtype))
        return np.maximum(x, _zeros_like(x) if zeros is None else zeros)
    return _relu_threads(x)


@_declines_if_unusable
def _relu_threads(x: np.ndarray) -> np.ndarray | None:
    if not _flat_ok(x):
        return None
    out = np.empty_like(x)
    _kernel("relu")(x.reshape(-1), out.reshape(-1), x.dtype.type(0))
    return out


@_declines_if_unusable
def relu_backward(g: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """``g`` where ``y > 0``, else +0.0, or None to let NumPy do it."""
    if not ENABLED or g.size < MIN_ELEMENTS or not _flat_ok(g, y):
        return None
    out = np.empty_like(g)
    _kernel("relu_backward")(g.reshape(-1), y.reshape(-1), out.reshape(-1), g.dtype.type(0))
    return out


@_declines_if_unusable
def max_pool2d(x: np.ndarray, kernel: tuple) -> tuple[np.ndarray, np.ndarray] | None:
    """Max over non-overlapping ``kernel`` windows of ``x`` ``(N, C, H, W)`` and each
    window's row-major argmax tap as uint8, or None to let NumPy do it."""
    if not ENABLED or len(kernel) != 2 or x.ndim != 4 or not _flat_ok(x):
        return None
    n, c, height, width = x.shape
    kh, kw = kernel
    grid = (height // kh, width // kw)
    out = np.empty((n, c) + grid, x.dtype)
    taps = np.empty((n, c) + grid, np.uint8)
    x3, out3, taps3 = (x.reshape(n * c, height, width), out.reshape((n * c,) + grid),
                       taps.reshape((n * c,) + grid))
    if tuple(kernel) == (2, 2):
        _kernel("pool2x2")(x3, out3, taps3)
    else:
        _kernel("pool2d")(x3, kh, kw, out3, taps3)
    return out, taps


@_declines_if_unusable
def max_pool2d_spread(g: np.ndarray, taps: np.ndarray, kernel: tuple,
                      size: tuple) -> np.ndarray | None:
    """The adjoint of :func:`max_pool2d`: ``g`` at each window's argmax, zeros elsewhere,
    in ``(N, C, *size)``; or None to let NumPy do it."""
    if (not ENABLED or len(kernel) != 2 or g.ndim != 4 or taps.shape != g.shape
            or taps.dtype != np.uint8 or g.dtype.char not in "fd" or not g.dtype.isnative):
        return None
    n, c = g.shape[:2]
    m = n * c
    if m * size[0] * size[1] < MIN_ELEMENTS:
        return None
    g, taps = np.ascontiguousarray(g), np.ascontiguousarray(taps)  # small: the pooled grid
    out = np.empty((n, c) + tuple(size), g.dtype)
    g3, taps3 = g.reshape((m,) + g.shape[2:]), taps.reshape((m,) + g.shape[2:])
    out3, zero = out.reshape((m,) + tuple(size)), g.dtype.type(0)
    if tuple(kernel) == (2, 2) and tuple(size) == (2 * g.shape[2], 2 * g.shape[3]):
        _kernel("spread2x2")(g3, taps3, out3, zero)
    else:
        _kernel("spread2d")(g3, taps3, kernel[0], kernel[1], out3, zero)
    return out


def _conv_ok(padded: np.ndarray, cols: np.ndarray, offsets: tuple) -> bool:
    return (ENABLED and padded.ndim == 4 and cols.ndim == 5 and cols.size >= MIN_ELEMENTS
            and padded.dtype == cols.dtype and padded.dtype.char in "fd"
            and padded.dtype.isnative and padded.flags.c_contiguous
            and cols.flags.c_contiguous and len(offsets) == cols.shape[1]
            and all(len(o) == 2 for o in offsets))


@functools.lru_cache(maxsize=64)
def _offset_array(offsets: tuple) -> np.ndarray:
    return np.asarray(offsets, dtype=np.int64)


@_declines_if_unusable
def im2col2d(padded: np.ndarray, cols: np.ndarray, n0: int, m: int, offsets: tuple,
             stride: tuple = (1, 1)) -> bool | None:
    """Fill the first ``m`` images of the column buffer ``cols`` ``(C, K, B, OH, OW)`` from
    images ``n0 .. n0+m`` of the channel-first ``padded`` ``(C, N, PH, PW)``; tap ``k``
    reads output position ``(y, x)`` at ``(y * sy + dy, x * sx + dx)``, ``offsets[k]``
    being ``(dy, dx)`` and ``stride`` ``(sy, sx)``. True when done, None to decline."""
    if not _conv_ok(padded, cols, offsets):
        return None
    _kernel("im2col2d")(padded, cols, n0, m, _offset_array(offsets), *stride)
    return True


@_declines_if_unusable
def col2im2d(dpad: np.ndarray, dcols: np.ndarray, n0: int, m: int, offsets: tuple,
             stride: tuple = (1, 1)) -> bool | None:
    """The adjoint of :func:`im2col2d`: add ``dcols`` ``(C, K, m, OH, OW)`` into images
    ``n0 .. n0+m`` of ``dpad`` where each tap read. True when done, None to decline."""
    if not _conv_ok(dpad, dcols, offsets):
        return None
    _kernel("col2im2d")(dpad, dcols, n0, m, _offset_array(offsets), *stride)
    return True


@_declines_if_unusable
def index_add_rows(out: np.ndarray, index: np.ndarray, rows: np.ndarray) -> bool | None:
    """``out[index[i]] += rows[i]`` for every ``i`` in order (NumPy's ``add.at`` on axis 0)
    for 2-D ``out`` and ``rows``; True when done, None to decline (also for any index
    outside ``0 .. len(out)-1``, which NumPy then handles or reports)."""
    if (not ENABLED or out.ndim != 2 or rows.ndim != 2 or index.ndim != 1
            or rows.shape != (index.shape[0], out.shape[1]) or rows.size < MIN_ELEMENTS
            or out.dtype != rows.dtype or out.dtype.char not in "fd"
            or not out.dtype.isnative or not out.flags.c_contiguous
            or index.dtype.kind not in "iu" or not index.size):
        return None
    if index.min() < 0 or index.max() >= out.shape[0]:
        return None
    # 64-column blocks: a 256-byte row stretch per thread stays vectorized
    _kernel("index_add_rows")(out, index, np.ascontiguousarray(rows), 64)
    return True


@_declines_if_unusable
def take_rows(table: np.ndarray, index: np.ndarray) -> np.ndarray | None:
    """``table[index]`` (NumPy's ``take`` on axis 0) for a 2-D float ``table`` and integer
    indices already checked to lie in ``0 .. len(table)-1``, rows copied on every core (a
    2048-row lookup of 256 float32 columns: 87 -> 31 us); None to decline."""
    width = table.shape[-1] if table.ndim == 2 else 0
    if (not ENABLED or index.size * width < MIN_ELEMENTS or table.dtype.char not in "fd"
            or not table.dtype.isnative or not table.flags.c_contiguous
            or index.dtype.kind not in "iu"):
        return None
    out = np.empty(index.shape + (width,), table.dtype)
    _kernel("take_rows")(table, np.ascontiguousarray(index).reshape(-1),
                         out.reshape(-1, width))
    return out


def _norm_layout(shape: tuple, dims: tuple) -> tuple[int, int, int] | None:
    """``(N, C, L)`` such that ``x.reshape(N, C, L)`` puts the reduced dims on N and L:
    trailing dims (layer/RMS norm: N = 1, one "channel" per row) or every dim but 1 (batch
    norm); None for other reductions."""
    ndim = len(shape)
    if not dims:
        return None
    first = min(dims)
    size = int(np.prod(shape))
    if tuple(dims) == tuple(range(first, ndim)) and first > 0:
        rows = int(np.prod(shape[:first]))
        return 1, rows, size // max(rows, 1)
    if ndim >= 2 and tuple(dims) == (0,) + tuple(range(2, ndim)):
        return shape[0], shape[1], int(np.prod(shape[2:]))
    return None


@_declines_if_unusable
def standardize(x: np.ndarray, dims: tuple, eps: float, center: bool):
    """``(y, mean, var, invstd)`` of ember's ``standardize`` primitive (statistics in the
    keepdims shape), or None to let NumPy do it."""
    if not ENABLED or x.size < MIN_ELEMENTS or not _flat_ok(x):
        return None
    layout = _norm_layout(x.shape, dims)
    if layout is None:
        return None
    channels = layout[1]
    y = np.empty_like(x)
    stats = [np.empty(channels, np.float64) for _ in range(3)]
    _kernel("standardize")(x.reshape(layout), eps, center, y.reshape(layout), *stats)
    kept = tuple(1 if i in dims else d for i, d in enumerate(x.shape))
    mean, var, invstd = (a.astype(x.dtype).reshape(kept) for a in stats)
    if not center:  # as the NumPy code: RMS normalisation has no mean
        mean = np.zeros((1,) * x.ndim, x.dtype)
    return y, mean, var, invstd


@_declines_if_unusable
def layer_norm(x: np.ndarray, dims: tuple, eps: float, w: np.ndarray, b: np.ndarray):
    """``standardize(x)[0] * w + b`` over the trailing ``dims`` in one pass, keeping no
    statistics (inference), or None to let the two primitives run."""
    if not ENABLED or x.size < MIN_ELEMENTS or not _flat_ok(x):
        return None
    layout = _norm_layout(x.shape, dims)
    if (layout is None or layout[0] != 1 or w.dtype != x.dtype or b.dtype != x.dtype
            or w.size != layout[2] or b.size != layout[2]):
        return None
    out = np.empty_like(x)
    _kernel("layer_norm_rows")(x.reshape(layout), eps, np.ascontiguousarray(w).reshape(-1),
                               np.ascontiguousarray(b).reshape(-1), out.reshape(layout))
    return out


@_declines_if_unusable
def standardize_backward(g: np.ndarray, y: np.ndarray, invstd: np.ndarray, dims: tuple,
                         center: bool) -> np.ndarray | None:
    """The closed-form input gradient of ``standardize``, or None to let NumPy do it."""
    if not ENABLED or g.size < MIN_ELEMENTS or not _flat_ok(g, y):
        return None
    layout = _norm_layout(g.shape, dims)
    if layout is None or invstd.size != layout[1] or invstd.dtype != g.dtype:
        return None
    dx = np.empty_like(g)
    _kernel("standardize_backward")(g.reshape(layout), y.reshape(layout),
                                    invstd.reshape(-1), center, dx.reshape(layout))
    return dx


def _update_ok(*arrays) -> bool:
    return ENABLED and arrays[0].size >= MIN_ELEMENTS and _flat_ok(*arrays) and all(
        a.flags.writeable for a in arrays)


@_declines_if_unusable
def adam(p, g, m, v, *, decay: float | None, wd: float, maximize: bool, beta1: float,
         beta2: float, eps_scaled: float, value: float) -> bool | None:
    """One Adam/AdamW step in place (``ember.optim.Adam``'s NumPy update, same formulas and
    rounding), without amsgrad; True when done, None to decline."""
    if not _update_ok(p, g, m, v):
        return None
    f = p.dtype.type
    weight = 1 - beta1
    _kernel("adam")(p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1),
                    f(1.0 if decay is None else decay), decay is not None, f(wd), maximize,
                    f(weight if weight < 0.5 else 1 - weight), weight < 0.5, f(beta2),
                    f(1 - beta2), f(eps_scaled), f(value))
    return True


@_declines_if_unusable
def sgd_momentum(p, g, buf, *, wd: float, maximize: bool, momentum: float, alpha: float,
                 nesterov: bool, lr: float) -> bool | None:
    """One SGD-with-momentum step after the first, in place (``ember.optim.SGD``'s NumPy
    update); True when done, None to decline."""
    if not _update_ok(p, g, buf):
        return None
    f = p.dtype.type
    _kernel("sgd_momentum")(p.reshape(-1), g.reshape(-1), buf.reshape(-1), f(wd), maximize,
                            f(momentum), f(alpha), alpha == 1, nesterov, f(-lr))
    return True


def _affine_layout(y: np.ndarray, w: np.ndarray, per_channel: bool):
    """``(N, C, L)`` for a per-channel affine (weight over dim 1), or ``(R, D)`` rows with
    the weight over the trailing ``D`` (layer norm); None for other shapes."""
    if per_channel:
        if y.ndim < 2 or w.shape != (y.shape[1],):
            return None
        return (y.shape[0], y.shape[1], y.size // max(y.shape[0] * y.shape[1], 1))
    if w.ndim > y.ndim or y.shape[y.ndim - w.ndim:] != w.shape:
        return None
    return (y.size // max(w.size, 1), w.size)


@_declines_if_unusable
def norm_affine(y, w, b, per_channel: bool):
    """``y * w + b`` with the weight and bias over dim 1 (``per_channel``) or over the
    trailing dims; None to let NumPy do it."""
    if (not ENABLED or y.size < MIN_ELEMENTS or not _flat_ok(y)
            or not (w.dtype == b.dtype == y.dtype) or w.shape != b.shape):
        return None
    layout = _affine_layout(y, w, per_channel)
    if layout is None:
        return None
    out = np.empty_like(y)
    wf, bf = np.ascontiguousarray(w).reshape(-1), np.ascontiguousarray(b).reshape(-1)
    name = "affine_channel" if per_channel else "affine_rows"
    _kernel(name)(y.reshape(layout), wf, bf, out.reshape(layout))
    return out


@_declines_if_unusable
def norm_affine_backward(g, y, w, per_channel: bool):
    """``(d y, d w, d b)`` of :func:`norm_affine` for upstream ``g``; None to decline."""
    if not ENABLED or g.size < MIN_ELEMENTS or not _flat_ok(g, y) or w.dtype != g.dtype:
        return None
    layout = _affine_layout(g, w, per_channel)
    if layout is None:
        return None
    gy = np.empty_like(g)
    gw, gb = np.empty(w.size, np.float64), np.empty(w.size, np.float64)
    wf = np.ascontiguousarray(w).reshape(-1)
    if per_channel:
        _kernel("affine_channel_backward")(g.reshape(layout), y.reshape(layout), wf,
                                           gy.reshape(layout), gw, gb)
    else:
        _kernel("affine_rows_backward")(g.reshape(layout), y.reshape(layout), wf,
                                        gy.reshape(layout), gw, gb, 8)
    return gy, gw.astype(g.dtype).reshape(w.shape), gb.astype(g.dtype).reshape(w.shape)


@_declines_if_unusable
def channels_first_chunk(g: np.ndarray, n0: int, out: np.ndarray,
                         sums: np.ndarray | None) -> bool | None:
    """``out (C, m, L) = g[n0:n0+m] (N, C, L)`` with the image and channel axes swapped,
    and, when ``sums`` is given, ``sums[c] +=`` the chunk's total per channel (a
    convolution's bias gradient). True when done."""
    if (not ENABLED or out.size < MIN_ELEMENTS or g.ndim != 3 or out.ndim != 3
            or not _flat_ok(out) or g.dtype != out.dtype or not g.flags.c_contiguous
            or (sums is not None and (sums.dtype != g.dtype or sums.shape != (g.shape[1],)))):
        return None
    placeholder = sums if sums is not None else np.zeros(g.shape[1], g.dtype)
    _kernel("channels_first")(g, n0, out, placeholder, sums is not None)
    return True


@_declines_if_unusable
def add_bias(x: np.ndarray, bias: np.ndarray, relu: bool = False) -> bool | None:
    """``x += bias`` in place, the bias over axis 1 of ``x`` ``(R, D)`` (a linear layer) or
    ``(N, C, L)`` (a convolution, per chunk), then ``relu`` in the same pass when asked
    (rows only); True when done. Under ``MIN_ELEMENTS`` only the rows with ReLU run, without
    threads (32x64 float32: 1.3 us in all, where NumPy's add and maximum take 1.9; a bias
    alone is as fast in NumPy)."""
    dtype = x.dtype
    layout_ok = x.ndim == 2 if relu else x.ndim in (2, 3) and x.size >= MIN_ELEMENTS
    if (not ENABLED or not layout_ok or not x.size or dtype.char not in "fd"
            or not dtype.isnative or not x.flags.c_contiguous or bias.shape != (x.shape[1],)
            or bias.dtype != dtype or not x.flags.writeable):
        return None
    bias = np.ascontiguousarray(bias)
    if relu:
        _sized_kernel("bias_relu_rows", x)(x, bias, dtype.type(0))
    else:
        _kernel("bias_rows" if x.ndim == 2 else "bias_channels")(x, bias)
    return True


# Wrappers of the LSTM, softmax cross-entropy, convolution-frame, depthwise convolution
# and block-swapping copy kernels, kept in modules of their own.
from ._numba_depthwise import depthwise_conv2d, depthwise_conv2d_backward  # noqa: E402, F401
from ._numba_frames import frame_in, frame_out  # noqa: E402, F401
from ._numba_fused import (  # noqa: E402, F401
    attention,
    lstm_backward,
    lstm_forward,
    lstm_infer,
    softmax_rows,
    softmax_xent_backward,
    softmax_xent_forward,
)
from ._numba_layout import swapped_copy  # noqa: E402, F401
