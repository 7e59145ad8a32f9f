"""Fused, multithreaded CPU kernels compiled by numba, when it is installed (optional).

NumPy runs each elementwise op on one core and one op per pass over memory; PyTorch's CPU
kernels use every core and fuse a comparison with its select. On the benchmark machine
(2 cores) a numba ``prange`` loop ran ReLU's backward (compare and select in one pass) 2.8x
faster than NumPy's two passes, and a row-wise layer norm 2.4x (benchmarks/RESULTS.md).

Each function here takes plain arrays and returns its result, or None when it declines:
numba missing or turned off (``EMBER_KERNELS=numpy``), an array too small for threads to
pay (under ``MIN_ELEMENTS``), a dtype other than float32/float64, or a layout it does not
handle. The caller then runs its NumPy code, which stays the reference: the tests run
both and compare them bit for bit.

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


def set_enabled(flag: bool) -> bool:
    """Use the numba kernels (when numba is installed) or NumPy; returns the previous value.

    >>> previous = set_enabled(False); _ = set_enabled(previous)
    """
    global ENABLED
    previous = ENABLED
    ENABLED = bool(flag) and importlib.util.find_spec("numba") is not None
    return previous


def _compile() -> dict[str, Any]:
    """Define the kernels (numba compiles each at its first call, per dtype)."""
    from numba import njit, prange

    jit = njit(parallel=True, cache=True, nogil=True)

    # ``zero`` is passed in, typed like the arrays, so no select mixes float widths.
    @jit
    def relu_kernel(x, out, zero):
        for i in prange(x.size):
            v = x[i]
            # NumPy's maximum(x, 0): NaN passes through, -0.0 becomes +0.0
            out[i] = v if v > zero or v != v else zero

    @jit
    def relu_backward_kernel(g, y, out, zero):
        for i in prange(g.size):
            out[i] = g[i] if y[i] > zero else zero

    @jit
    def pool2d_kernel(x, kh, kw, out, taps):
        # x (M, H, W), out/taps (M, OH, OW); PyTorch's rule: a later tap wins if it is
        # greater or NaN (first maximum first; the last NaN in a window with NaN)
        m_count, oh, ow = out.shape
        for m in prange(m_count):
            for i in range(oh):
                for j in range(ow):
                    r0, c0 = i * kh, j * kw
                    best = x[m, r0, c0]
                    arg = 0
                    for a in range(kh):
                        for b in range(kw):
                            v = x[m, r0 + a, c0 + b]
                            if v > best or v != v:
                                best = v
                                arg = a * kw + b
                    out[m, i, j] = best
                    taps[m, i, j] = arg

    @jit
    def pool2x2_kernel(x, out, taps):
        # the common 2x2 window unrolled: the same rule, ~1.25x faster than pool2d_kernel
        m_count, oh, ow = out.shape
        for m in prange(m_count):
            for i in range(oh):
                r0 = 2 * i
                for j in range(ow):
                    c0 = 2 * j
                    best = x[m, r0, c0]
                    arg = 0
                    v = x[m, r0, c0 + 1]
                    if v > best or v != v:
                        best = v
                        arg = 1
                    v = x[m, r0 + 1, c0]
                    if v > best or v != v:
                        best = v
                        arg = 2
                    v = x[m, r0 + 1, c0 + 1]
                    if v > best or v != v:
                        best = v
                        arg = 3
                    out[m, i, j] = best
                    taps[m, i, j] = arg

    @jit
    def spread2x2_kernel(g, taps, out, zero):
        # 2x2 windows tiling ``out`` exactly: ~2.4x faster than spread2d_kernel
        m_count, oh, ow = g.shape
        for m in prange(m_count):
            for i in range(oh):
                for j in range(ow):
                    t = taps[m, i, j]
                    v = g[m, i, j]
                    out[m, 2 * i, 2 * j] = v if t == 0 else zero
                    out[m, 2 * i, 2 * j + 1] = v if t == 1 else zero
                    out[m, 2 * i + 1, 2 * j] = v if t == 2 else zero
                    out[m, 2 * i + 1, 2 * j + 1] = v if t == 3 else zero

    @jit
    def spread2d_kernel(g, taps, kh, kw, out, zero):
        # out (M, H, W): each window's kh*kw elements get g at its argmax tap, zero
        # elsewhere; rows/columns past the last whole window are zero
        m_count, height, width = out.shape
        oh, ow = g.shape[1], g.shape[2]
        for m in prange(m_count):
            for i in range(oh):
                for a in range(kh):
                    r = i * kh + a
                    for j in range(ow):
                        t = taps[m, i, j] - a * kw
                        v = g[m, i, j]
                        for b in range(kw):
                            out[m, r, j * kw + b] = v if t == b else zero
                    for c in range(ow * kw, width):
                        out[m, r, c] = zero
            for r in range(oh * kh, height):
                for c in range(width):
                    out[m, r, c] = zero

    @jit
    def im2col2d_kernel(padded, cols, n0, m, offsets):
        # cols[c, k, i, y, x] = padded[c, n0 + i, y + dy_k, x + dx_k], channels in parallel
        channels, taps = cols.shape[0], cols.shape[1]
        oh, ow = cols.shape[3], cols.shape[4]
        for c in prange(channels):
            for k in range(taps):
                dy, dx = offsets[k, 0], offsets[k, 1]
                for i in range(m):
                    for y in range(oh):
                        for x in range(ow):
                            cols[c, k, i, y, x] = padded[c, n0 + i, y + dy, x + dx]

    @jit
    def col2im2d_kernel(dpad, dcols, n0, m, offsets):
        # dpad[c, n0 + i, y + dy_k, x + dx_k] += dcols[c, k, i, y, x]; a channel's taps run
        # in order on one thread, so no two threads add into the same element
        channels, taps = dcols.shape[0], dcols.shape[1]
        oh, ow = dcols.shape[3], dcols.shape[4]
        for c in prange(channels):
            for k in range(taps):
                dy, dx = offsets[k, 0], offsets[k, 1]
                for i in range(m):
                    for y in range(oh):
                        for x in range(ow):
                            dpad[c, n0 + i, y + dy, x + dx] += dcols[c, k, i, y, x]

    @jit
    def index_add_rows_kernel(out, index, rows, block):
        # out[index[i]] += rows[i] for i in order (NumPy's add.at order, so the sums are
        # the same bit for bit); threads split the columns, never the rows, so no two
        # threads add into one element
        n, width = rows.shape
        for part in prange((width + block - 1) // block):
            lo = part * block
            hi = min(lo + block, width)
            for i in range(n):
                r = index[i]
                for j in range(lo, hi):
                    out[r, j] += rows[i, j]

    # Normalisation statistics: sums in float64 (more accurate than NumPy's pairwise float32
    # sums); ``reassoc`` lets LLVM vectorise the sums without assuming away NaN or inf.
    red = njit(parallel=True, cache=True, nogil=True, fastmath={"reassoc"})

    @red
    def standardize_kernel(x, eps, center, y, mean, var, invstd):
        # x, y (N, C, L): statistics per c over the N and L axes (rows: N = 1)
        n_count, channels, length = x.shape
        count = n_count * length
        for c in prange(channels):
            mu = 0.0
            if center:
                total = 0.0
                for n in range(n_count):
                    for k in range(length):
                        total += x[n, c, k]
                mu = total / count
            sq = 0.0
            for n in range(n_count):
                for k in range(length):
                    d = x[n, c, k] - mu
                    sq += d * d
            v = sq / count
            inv = 1.0 / np.sqrt(v + eps)
            for n in range(n_count):
                for k in range(length):
                    y[n, c, k] = (x[n, c, k] - mu) * inv
            mean[c], var[c], invstd[c] = mu, v, inv

    @red
    def standardize_backward_kernel(g, y, invstd, center, dx):
        # dx = invstd * (g - mean(g) - y * mean(g * y)) per c (without mean(g) for RMS)
        n_count, channels, length = g.shape
        count = n_count * length
        for c in prange(channels):
            sg = 0.0
            sgy = 0.0
            for n in range(n_count):
                for k in range(length):
                    sg += g[n, c, k]
                    sgy += g[n, c, k] * y[n, c, k]
            mg = sg / count if center else 0.0
            mgy = sgy / count
            inv = invstd[c]
            for n in range(n_count):
                for k in range(length):
                    dx[n, c, k] = inv * (g[n, c, k] - mg - y[n, c, k] * mgy)

    # Optimizer updates: the NumPy code's operations in its order, each rounded to the
    # array dtype (scalars arrive in that dtype), so the results are the same bit for bit.
    @jit
    def adam_kernel(p, g, m, v, decay, use_decay, wd, maximize, w, w_low, b2, c2, eps, val):
        for i in prange(p.size):
            pi = p[i] * decay if use_decay else p[i]
            gi = g[i]
            if wd != 0:
                t = pi * wd
                gi = t - gi if maximize else t + gi
            elif maximize:
                gi = -gi
            mi = m[i]
            d = gi - mi
            mi = mi + d * w if w_low else gi - d * w
            vi = v[i] * b2 + gi * c2 * gi
            p[i] = pi + mi / (np.sqrt(vi) + eps) * val
            m[i] = mi
            v[i] = vi

    @jit
    def sgd_momentum_kernel(p, g, buf, wd, maximize, momentum, alpha, plain_alpha, nesterov,
                            neg_lr):
        for i in prange(p.size):
            pi = p[i]
            gi = g[i]
            if wd != 0:
                t = pi * wd
                gi = t - gi if maximize else t + gi
            elif maximize:
                gi = -gi
            b = buf[i] * momentum
            b = b + gi if plain_alpha else b + gi * alpha
            buf[i] = b
            u = (b * momentum + gi) * neg_lr if nesterov else b * neg_lr
            p[i] = pi + u

    @jit
    def affine_channel_kernel(y, w, b, out):
        # y, out (N, C, L); w, b (C,)
        n_count, channels, length = y.shape
        for c in prange(channels):
            wc, bc = w[c], b[c]
            for n in range(n_count):
                for k in range(length):
                    out[n, c, k] = y[n, c, k] * wc + bc

    @jit
    def affine_rows_kernel(y, w, b, out):
        # y, out (R, D); w, b (D,)
        rows, width = y.shape
        for r in prange(rows):
            for d in range(width):
                out[r, d] = y[r, d] * w[d] + b[d]

    @red
    def affine_channel_backward_kernel(g, y, w, gy, gw, gb):
        # per channel c: gy = g w[c]; gw[c] = sum(g y); gb[c] = sum(g)
        n_count, channels, length = g.shape
        for c in prange(channels):
            sw = 0.0
            sb = 0.0
            wc = w[c]
            for n in range(n_count):
                for k in range(length):
                    gv = g[n, c, k]
                    gy[n, c, k] = gv * wc
                    sw += gv * y[n, c, k]
                    sb += gv
            gw[c] = sw
            gb[c] = sb

    @red
    def affine_rows_backward_kernel(g, y, w, gy, gw, gb, block):
        # rows (R, D), w (D,): threads split the columns; sums over rows in float64
        rows, width = g.shape
        for part in prange((width + block - 1) // block):
            lo = part * block
            hi = min(lo + block, width)
            sw = np.zeros(hi - lo)
            sb = np.zeros(hi - lo)
            for r in range(rows):
                for d in range(lo, hi):
                    gv = g[r, d]
                    gy[r, d] = gv * w[d]
                    sw[d - lo] += gv * y[r, d]
                    sb[d - lo] += gv
            for d in range(lo, hi):
                gw[d] = sw[d - lo]
                gb[d] = sb[d - lo]

    @jit
    def bias_channels_kernel(x, bias):
        # x (N, C, L) += bias[c], in place
        n_count, channels, length = x.shape
        for c in prange(channels):
            bc = bias[c]
            for n in range(n_count):
                for k in range(length):
                    x[n, c, k] += bc

    @jit
    def channels_first_kernel(g, n0, out, sums, with_sums):
        # out[c, i, k] = g[n0 + i, c, k] for the chunk's images; sums[c] += their total
        channels, m, length = out.shape
        for c in prange(channels):
            total = 0.0
            for i in range(m):
                for k in range(length):
                    v = g[n0 + i, c, k]
                    out[c, i, k] = v
                    total += v
            if with_sums:
                sums[c] += total

    return {"bias_channels": bias_channels_kernel, "channels_first": channels_first_kernel,
            "affine_channel": affine_channel_kernel, "affine_rows": affine_rows_kernel,
            "affine_channel_backward": affine_channel_backward_kernel,
            "affine_rows_backward": affine_rows_backward_kernel,
            "adam": adam_kernel, "sgd_momentum": sgd_momentum_kernel,
            "standardize": standardize_kernel,
            "standardize_backward": standardize_backward_kernel,
            "index_add_rows": index_add_rows_kernel, "relu": relu_kernel,
            "relu_backward": relu_backward_kernel, "pool2d": pool2d_kernel,
            "pool2x2": pool2x2_kernel, "spread2d": spread2d_kernel,
            "spread2x2": spread2x2_kernel, "im2col2d": im2col2d_kernel,
            "col2im2d": col2im2d_kernel}


def _kernel(name: str):
    if not _kernels:
        try:
            from numba import config

            if config.DISABLE_JIT:  # the kernels would run as Python loops
                raise ImportError("NUMBA_DISABLE_JIT is set")
            _kernels.update(_compile())
        except Exception:  # numba cannot be imported or used (e.g. built for another NumPy)
            global ENABLED
            ENABLED = False
            raise _Declined from None
    return _kernels[name]


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


@_declines_if_unusable
def relu(x: np.ndarray) -> np.ndarray | None:
    """``maximum(x, 0)`` (NaN kept, -0.0 to +0.0, as NumPy's), or None to let NumPy do it."""
    if not ENABLED or x.size < MIN_ELEMENTS or not _flat_ok(x):
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


def _conv_ok(padded: np.ndarray, cols: np.ndarray, offsets: np.ndarray) -> bool:
    return (ENABLED and padded.ndim == 4 and cols.ndim == 5 and cols.size >= MIN_ELEMENTS
            and padded.dtype == cols.dtype and padded.dtype.char in "fd"
            and padded.dtype.isnative and padded.flags.c_contiguous
            and cols.flags.c_contiguous and offsets.shape == (cols.shape[1], 2))


@_declines_if_unusable
def im2col2d(padded: np.ndarray, cols: np.ndarray, n0: int, m: int,
             offsets: np.ndarray) -> bool | None:
    """Fill the first ``m`` images of the column buffer ``cols`` ``(C, K, B, OH, OW)`` from
    images ``n0 .. n0+m`` of the channel-first ``padded`` ``(C, N, PH, PW)``; tap ``k``
    reads at offset ``offsets[k]`` (int64 (dy, dx)). True when done, None to decline."""
    if not _conv_ok(padded, cols, offsets):
        return None
    _kernel("im2col2d")(padded, cols, n0, m, offsets)
    return True


@_declines_if_unusable
def col2im2d(dpad: np.ndarray, dcols: np.ndarray, n0: int, m: int,
             offsets: np.ndarray) -> bool | None:
    """The adjoint of :func:`im2col2d`: add ``dcols`` ``(C, K, m, OH, OW)`` into images
    ``n0 .. n0+m`` of ``dpad`` at each tap's offset. True when done, None to decline."""
    if not _conv_ok(dpad, dcols, offsets):
        return None
    _kernel("col2im2d")(dpad, dcols, n0, m, offsets)
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
                                        gy.reshape(layout), gw, gb, 64)
    return gy, gw.astype(g.dtype).reshape(w.shape), gb.astype(g.dtype).reshape(w.shape)


@_declines_if_unusable
def add_channel_bias(x: np.ndarray, bias: np.ndarray) -> bool | None:
    """``x (N, C, L) += bias[c]`` in place (a convolution's bias); True when done."""
    if (not ENABLED or x.size < MIN_ELEMENTS or x.ndim != 3 or not _flat_ok(x)
            or bias.shape != (x.shape[1],) or bias.dtype != x.dtype
            or not x.flags.writeable):
        return None
    _kernel("bias_channels")(x, np.ascontiguousarray(bias))
    return True


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
