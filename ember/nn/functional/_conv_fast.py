"""The array-level fast path of ``convolution`` (``conv.py``) for ``groups == 1``, any stride:
channel-first columns built a chunk of images at a time, GEMMs with the batch folded in,
and the scatter-add of ``col2im`` split over two threads.

Why. The old path copied the whole column matrix ``(N, C*K, L)`` (58 MB for the 64x32x28x28
3x3 case) and its gradient twin into fresh memory; at that size the page faults of a fresh
buffer cost about as much as the copy (measured 9.3 ms fresh vs 4.3 ms into a reused
buffer for 58 MB). Here:

* the input is copied once into a zero-padded channel-first image ``(C, N, *padded)``;
  each kernel tap of a chunk's columns ``(C, K, m, *grid)`` is one shifted slice of it,
  and the rows ``(c, tap)`` are the weight's own order;
* one column buffer (~8 MiB) is reused by every chunk, so it stays in cache from the copy
  to the GEMM and faults only once per call;
* forward: ``W (O, C*K) @ cols`` batched over the chunk's images writes NCHW output in
  place (bias added while the chunk is in cache);
* backward: the padded input is kept instead of the columns (7 MB, not 58 MB), and the
  columns are rebuilt per chunk (4 ms, cheaper than faulting in 58 MB); the weight
  gradient is ``cols @ g^T`` over the chunk's ``m*L`` positions, the input gradient is one
  GEMM for the column gradient and a scatter-add of whole-tap slices.

Only the scatter-add and the layout copies use the helper thread: the column copy is
bandwidth-bound (no gain from a second thread), the scatter-add is bound by NumPy's
per-row overhead (8.2 -> 5.8 ms on two threads).

Where ``_conv_shift.applies`` (enough channels, little padding, products on MKL), forward
and backward hand the work to that path, which builds no column matrix at all.

Only arrays are handled here; ``conv.py`` decides when this path applies and keeps the
differentiable (``create_graph``) backward on the ``im2col``/``col2im`` primitives.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from ...backends import kernels_of, matmul
from ...backends._parts import run_parts
from . import _conv_shift as _shift
from ._im2col import Geometry, _tap_slices, _taps

# Below this many elements a copy is faster than handing half of it to another thread.
_SPLIT_MIN = 1 << 18
# Target size of one chunk's column buffer: a few MiB, so it stays in the last-level cache
# between the copy that writes it and the GEMM that reads it. The backward holds two such
# buffers (columns and their gradient): on the benchmark CNN step 4 MiB ran as fast as 8
# (21.0 vs 22.0 ms) with a peak 47.8 -> 31.5 MiB; 2 MiB saved 2 MiB more but cost ~1.5 ms.
_CHUNK_BYTES = 4 << 20


def split_channels(xp, channels: int, size: int, fn: Callable[[slice], None]) -> None:
    """Run ``fn(channel_slice)`` over the channel range, split between the cores when the
    work is large and on the CPU (CuPy kernels are asynchronous already). The parts write
    disjoint channels, so they need no locking."""
    large = xp.__name__ == "numpy" and size >= _SPLIT_MIN

    def part(lo: int, hi: int) -> None:
        fn(slice(lo, hi))

    run_parts(channels, part, split=large)


def applies(geom: Geometry, groups: int, x_shape: tuple) -> bool:
    """Whether the fast path handles this convolution. Grouped convolutions keep the old
    batched per-group GEMM (the channel-first columns would need one GEMM per group and
    image). Strided ones run here too: 64x64x28x28 -> 128, 3x3, stride 2 took 65 ms
    forward and backward on the old path, 34-37 here (PyTorch 20-21). Empty inputs and
    grids go to the old path, which handles them."""
    return (groups == 1 and geom.out is None
            and min(geom.grid, default=1) > 0 and all(d > 0 for d in x_shape))


def _interior(geom: Geometry) -> tuple:
    return tuple(slice(lo, lo + s) for (lo, _), s in zip(geom.pads, geom.size))


def _channel_first(shape: tuple) -> tuple:
    """Axis order that swaps the batch and channel axes of an ``(N, C, *spatial)`` array."""
    return (1, 0) + tuple(range(2, len(shape)))


def _chunk(n: int, per_image: int) -> int:
    """Images per chunk: enough that each GEMM stays large, few enough that a chunk's
    columns (about ``_CHUNK_BYTES``) stay in cache and their buffer is reused."""
    return max(1, min(n, _CHUNK_BYTES // max(per_image, 1)))


def forward(xp, x, w, bias, geom: Geometry):
    """``x (N, C, *size)`` conv ``w (O, C, *kernel)`` (+ ``bias (O,)`` or ``None``) ->
    ``(out (N, O, *grid), padded)``; ``padded`` (the zero-padded channel-first input) is what
    the backward needs."""
    if _shift.applies(geom, x.shape, w.shape[0], x):
        return _shift.forward(xp, x, w, bias, geom)
    n, c = x.shape[:2]
    o = w.shape[0]
    taps, grid, length = _taps(geom.kernel), tuple(geom.grid), geom.length
    ck = c * len(taps)
    padded = xp.zeros((c, n) + tuple(geom.padded), dtype=x.dtype)
    x_cf = x.transpose(_channel_first(x.shape))
    interior = _interior(geom)

    def pad(ch: slice) -> None:
        padded[(ch, slice(None)) + interior] = x_cf[ch]

    split_channels(xp, c, x.size, pad)
    out = xp.empty((n, o) + grid, dtype=x.dtype)
    out3 = out.reshape(n, o, length)
    w2 = w.reshape(o, ck)
    b = _chunk(n, ck * length * x.itemsize)
    cols = xp.empty((c, len(taps), b) + grid, dtype=x.dtype)
    for n0 in range(0, n, b):
        m = min(b, n - n0)
        chunk = _columns(xp, padded, geom, taps, n0, m, cols)
        # Batched over the chunk's images, (O, C*K) @ (C*K, L): the result is NCHW already
        # and lands in ``out`` without a temporary.
        matmul(w2, chunk.reshape(ck, m, length).transpose(1, 0, 2), out=out3[n0:n0 + m])
        if bias is not None and not kernels_of(x).add_bias(out3[n0:n0 + m], bias):
            out3[n0:n0 + m] += bias[:, None]  # while the chunk's output is still in cache
    return out, padded


def _columns(xp, padded, geom: Geometry, taps: list, n0: int, m: int, buf):
    """Columns ``(C, K, m, *grid)`` of images ``n0 .. n0+m`` of the padded channel-first
    input, written into (the first ``m`` images of) ``buf``, which is reused across chunks:
    fresh buffers this size cost as much in page faults as the copy itself."""
    # A partial last chunk uses the front of the buffer: still a strided 2-D matrix per
    # (tap row, image) that BLAS reads directly.
    cols = buf[:, :, :m]
    images = slice(n0, n0 + m)
    if len(taps[0]) == 2 and kernels_of(padded).im2col2d(padded, buf, n0, m, _offsets(geom),
                                                          geom.stride):
        return cols

    def fill(ch: slice) -> None:
        for k, tap in enumerate(taps):
            cols[ch, k] = padded[(ch, images) + _tap_slices(geom, tap)]

    # Not split over threads: this copy is bound by memory bandwidth (measured 4.1 ms on one
    # thread, 4.2 ms on two) and the second thread only fights OpenBLAS's spinning workers.
    fill(slice(None))
    return cols


def backward(xp, g, w, padded, geom: Geometry, need_x: bool, need_w: bool,
             need_b: bool) -> tuple:
    """Gradients ``(dx, dw, db)`` (``None`` where not needed) from the output gradient
    ``g (N, O, *grid)`` and the forward's ``padded`` input."""
    done = (None, None, None)
    x_shape = (g.shape[0], w.shape[1]) + tuple(geom.size)
    if _shift.applies(geom, x_shape, w.shape[0], g):
        done = _shift.backward(xp, g, w, padded, geom, need_x, need_w, need_b)
        need_x, need_w, need_b = (need and grad is None for need, grad in
                                  zip((need_x, need_w, need_b), done))
        if not (need_x or need_w or need_b):
            return done
        padded = _shift.padded_input(xp, padded, geom, g.shape[0])
    rest = _column_backward(xp, g, w, padded, geom, need_x, need_w, need_b)
    return tuple(a if a is not None else b for a, b in zip(done, rest))


def _column_backward(xp, g, w, padded, geom: Geometry, need_x: bool, need_w: bool,
                     need_b: bool) -> tuple:
    """:func:`backward` on the column matrix, a chunk of images at a time."""
    n, o = g.shape[:2]
    c = w.shape[1]
    taps, grid, length = _taps(geom.kernel), tuple(geom.grid), geom.length
    ck = c * len(taps)
    b = _chunk(n, ck * length * g.itemsize)
    g3 = g.reshape(n, o, length)
    w2 = w.reshape(o, ck)
    w2t = xp.ascontiguousarray(w2.T)
    gt = xp.empty((o, b, length), dtype=g.dtype)
    cols = xp.empty((c, len(taps), b) + grid, dtype=g.dtype) if need_w else None
    dcols = xp.empty((ck, b * length), dtype=g.dtype) if need_x else None
    dwt = xp.zeros((ck, o), dtype=g.dtype) if need_w else None
    db = xp.zeros((o,), dtype=g.dtype) if need_b else None
    dpad = xp.zeros((c, n) + tuple(geom.padded), dtype=g.dtype) if need_x else None
    for n0 in range(0, n, b):
        m = min(b, n - n0)
        if m != b:  # the last, smaller chunk gets buffers of its own size
            gt = xp.empty((o, m, length), dtype=g.dtype)
            dcols = xp.empty((ck, m * length), dtype=g.dtype) if need_x else None
        summed = kernels_of(g).channels_first_chunk(g3, n0, gt, db)
        if not summed:
            gt[...] = g3[n0:n0 + m].transpose(1, 0, 2)
        # (O, m*L): the chunk's images join the positions, so each GEMM is one 2-D product.
        g2 = gt.reshape(o, m * length)
        if need_b and not summed:
            db += g2.sum(1)
        if need_w:
            chunk = _columns(xp, padded, geom, taps, n0, m, cols)
            # (C*K, m*L) @ (m*L, O): measured ~20% faster than the (O, C*K) orientation.
            dwt += matmul(chunk.reshape(ck, m * length), g2.T)
        if need_x:
            matmul(w2t, g2, out=dcols)
            _scatter(xp, dpad, dcols.reshape((c, len(taps), m) + grid), geom, taps, n0, m)
    dx = dw = None
    if need_w:
        dw = xp.ascontiguousarray(dwt.T).reshape(w.shape)
    if need_x:
        inner = dpad[(slice(None), slice(None)) + _interior(geom)]
        dx = xp.empty((n, c) + tuple(geom.size), dtype=g.dtype)
        dx_cf = dx.transpose(_channel_first(dx.shape))

        def crop(ch: slice) -> None:
            dx_cf[ch] = inner[ch]

        split_channels(xp, c, dx.size, crop)
    return dx, dw, db


@functools.lru_cache(maxsize=64)
def _offsets(geom: Geometry) -> tuple:
    """Each tap's offset into the padded image (dilation applied), in tap order; cached per
    geometry rather than rebuilt for every chunk."""
    return tuple(tuple(t * d for t, d in zip(tap, geom.dilation)) for tap in _taps(geom.kernel))


def _scatter(xp, dpad, dcols, geom: Geometry, taps: list, n0: int, m: int) -> None:
    """``col2im`` of one chunk: add every tap's ``(C, m, *grid)`` block into its shifted
    window of the padded channel-first input gradient, split by channel over threads."""
    images = slice(n0, n0 + m)
    if len(taps[0]) == 2 and kernels_of(dpad).col2im2d(dpad, dcols, n0, m, _offsets(geom),
                                                        geom.stride):
        return

    def add(ch: slice) -> None:
        for k, tap in enumerate(taps):
            dpad[(ch, images) + _tap_slices(geom, tap)] += dcols[ch, k]

    split_channels(xp, dpad.shape[0], dcols.size, add)


__all__: list[str] = []
