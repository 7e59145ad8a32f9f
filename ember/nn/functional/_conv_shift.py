"""The array-level convolution path for stride 1 and ``groups == 1`` with enough channels:
products over shifted windows of the flattened padded image, no column matrix at all.

How. The input is copied once into zero-padded channel-first frames, flattened to
``(C, N * size + tail)`` (the array the backward keeps). Along each axis a frame holds the
data and then ``max(before, after)`` zeros, not ``before + after``: the zeros after a row
(or image) are the zeros before the next one, since a window running off one side lands in
them. Kernel tap ``k`` of the output at frame position ``p`` reads position ``p + off[k]``;
so the output, computed at every frame position, is
``sum_k W_k @ frame[:, off[k]:off[k] + length]``: one GEMM per tap on a plain slice that
BLAS reads in place (``ember.backends._shifted``). Positions that are no output (the
frame's margins) are computed too and dropped; that waste is 29 * 29 / 28 ** 2 = 1.07 on
the 28x28 benchmark layer (30 * 30 / 28 ** 2 = 1.15 with both margins: shared margins took
forward 8.0-8.4 -> 7.5-7.6 ms and backward 15.8-15.9 -> 14.8-15.0). The path is only
taken where the waste with both margins, ``prod(padded) / prod(grid)``, stays small for
the channel count (``_LIMITS``). The forward first copies,
per chunk, the frame shifted by each tap along the last axis into one buffer of ``C * kw``
rows, so each product sums over those taps too: one GEMM per remaining tap (3 with
``K = 96`` instead of 9 with ``K = 32`` on the benchmark layer; forward 10.7 -> 9.2-9.3 ms).
The same in the backward measured no faster (17.3-18.6 ms either way), so it stays per tap.
The backward reuses the frame:

* the output gradient is written at the output positions of a zeroed frame-shaped buffer
  (with ``max(off)`` zeros in front), so every other position holds exactly zero;
* weight gradient of tap ``k``: ``G @ frame[:, off[k]:...].T`` (zero rows add nothing);
* input gradient at position ``q``: ``sum_k W_k.T @ G[:, q - off[k]]``, again one GEMM per
  tap on a slice, then the frame's interior is copied out.

Each part of the batch runs on its own core with single-threaded products
(``backends._parts``): MKL splits these thin products badly. Measured on 64x32x28x28 -> 64,
3x3, padding 1, 2 cores (benchmarks/RESULTS.md, round 4): forward 9.1 ms and backward 15.9
against 10.6 and 22.7 on the column path, which spends 8.5 ms building and scattering 58 MB
column matrices.

Exactness. Dropped positions read past a row's end, into the next row's data; their values
never reach the output.
In the backward their gradient is exactly zero, so they only add ``0 * x``: that is NaN
when the input holds an infinity there, so a weight gradient that is not finite is redone
on the column path, as is the input gradient when the weight is not finite.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

from ...backends import kernels_of
from ...backends._parts import run_parts
from ...backends._shifted import fast_for, shifted_matmul, shifted_matmul_weight
from ._im2col import Geometry, _taps

# Positions per product call: each tap's GEMM then accumulates into an output block that
# stays in cache (64 channels x 4096 positions is 1 MiB). Measured on the benchmark layer:
# 2048 -> 9.9 ms, 4096 -> 7.2, 8192 -> 7.5, all 57600 at once -> 8.7 (forward products).
_POSITIONS = 4096
# The forward's products (K = C * kw, below) run faster the longer they are, unlike the
# backward's: measured on the benchmark layer, forward wall time 1024 -> 13.1 ms, 2048 ->
# 10.9, 4096 -> 10.4, 8192 -> 9.5-9.9, 16384 -> 9.4, 32768 (a part's whole batch) -> 9.0.
# 16384 keeps the chunk's buffers (results 4 MiB, shifted copy 6 MiB at 64 and 3 x 32
# channels) moderate.
_FORWARD_POSITIONS = 16384
# Where this path runs: (fewest input and output channels, largest waste). With fewer
# channels each tap's product is too thin for BLAS, and the column path's one product of
# C * taps rows wins; the waste is ``prod(padded) / prod(grid)`` (both margins: the limits
# were measured before the frames shared them, and the smaller images' copies weigh more
# than the waste says: 16 channels of 7x7 ran 1.22x the column path's time even with
# shared margins, so the limits stay on this measure). Measured on 64 images,
# 3x3, 2 cores (forward + backward, this path / the column path): 16 channels at waste
# 1.31 0.93, 1.44 1.16, 1.65 1.32; 32 channels 0.75, 0.95, 0.99; 64 channels 0.82, 0.88,
# 0.81; 8 channels at 28x28 (waste 1.15) 1.37.
_LIMITS = ((32, 1.7), (16, 1.35))


class _Frame(NamedTuple):
    """Flat-position facts of one image's frame: its ``extent`` per axis and ``size``
    positions, each tap's ``offsets``, ``last`` (the last output position + 1), ``inner``
    (the first interior position), ``inner_span`` (from the first interior position to the
    last, + 1) and ``tail``, the positions the last image's windows read past its frame."""

    extent: tuple
    size: int
    offsets: tuple
    last: int
    inner: int
    inner_span: int
    tail: int


@functools.lru_cache(maxsize=64)
def _frame(geom: Geometry) -> _Frame:
    # Along each axis, an image's zeros after its data double as the next row's (or
    # image's) zeros before it: max(before, after) zeros between data rows instead of
    # their sum, as long as the output rows still fit.
    extent = tuple(max(n + max(pad), o) for n, pad, o in zip(geom.size, geom.pads, geom.grid))
    strides = [1] * len(extent)
    for i in range(len(strides) - 2, -1, -1):
        strides[i] = strides[i + 1] * extent[i + 1]
    offsets = tuple(sum(t * d * s for t, d, s in zip(tap, geom.dilation, strides))
                    for tap in _taps(geom.kernel))
    last = sum((o - 1) * s for o, s in zip(geom.grid, strides)) + 1
    inner = sum(lo * s for (lo, _), s in zip(geom.pads, strides))
    span = sum((n - 1) * s for n, s in zip(geom.size, strides)) + 1
    size = math.prod(extent)
    return _Frame(extent, size, offsets, last, inner, span, max(0, last + max(offsets) - size))


def applies(geom: Geometry, x_shape: tuple, out_channels: int, x) -> bool:
    """Whether this path handles a convolution ``_conv_fast`` takes (one group, nothing
    empty) of ``x``, an array of ``x_shape``: stride 1 only."""
    if any(s != 1 for s in geom.stride):
        return False
    channels, waste = min(x_shape[1], out_channels), math.prod(geom.padded) / math.prod(geom.grid)
    return any(channels >= least and waste <= most for least, most in _LIMITS) and fast_for(x)


def _images_per_chunk(frame: _Frame, n: int, limit: int = _POSITIONS) -> int:
    return max(1, min(n, limit // frame.size))


def _frames(buffer, channels_first: bool, base: int, m: int, extent: tuple):
    """The ``m`` frames of a flat buffer from ``base`` as a ``(C, m, *extent)`` view."""
    if channels_first:
        return buffer[:, base:base + m * math.prod(extent)].reshape(
            (buffer.shape[0], m) + extent)
    view = buffer[base:base + m * math.prod(extent)].reshape((m,) + extent + (-1,))
    return view.transpose((len(extent) + 1, 0) + tuple(range(1, len(extent) + 1)))


def _window(corner: tuple, size: tuple) -> tuple:
    return (slice(None), slice(None)) + tuple(slice(lo, lo + s) for lo, s in zip(corner, size))


def _fill(src, n0: int, m: int, dst, base: int, extent: tuple, corner: tuple, sums) -> None:
    """Images ``n0 .. n0+m`` of ``src`` into the frames of ``dst (C, positions)`` from
    ``base``, at ``corner`` of each; ``sums[c] +=`` their totals when given."""
    if kernels_of(src).frame_in(src, n0, m, dst, base, extent, corner, sums):
        return
    images = src[n0:n0 + m]
    _frames(dst, True, base, m, extent)[_window(corner, images.shape[2:])] = \
        images.swapaxes(0, 1)
    if sums is not None:
        sums += images.sum(axis=(0,) + tuple(range(2, images.ndim)))


def _drain(xp, src, positions_first: bool, base: int, extent: tuple, corner: tuple, dst,
           n0: int, m: int, bias) -> None:
    """The reverse of :func:`_fill` (``src`` positions-first or channels-first), into
    images ``n0 .. n0+m`` of ``dst``, plus ``bias[c]`` when given."""
    if kernels_of(dst).frame_out(src, positions_first, base, extent, corner, dst, n0, m,
                                 bias):
        return
    frames = _frames(src, not positions_first, base, m, extent)
    images = frames[_window(corner, dst.shape[2:])].swapaxes(0, 1)
    target = dst[n0:n0 + m]
    if bias is None:
        target[...] = images
    else:
        xp.add(images, bias.reshape((-1,) + (1,) * (dst.ndim - 2)), out=target)


def _windows(length: int, limit: int = _POSITIONS):
    """``(start, size)`` of each product call over ``length`` positions."""
    return ((p, min(limit, length - p)) for p in range(0, length, limit))


def forward(xp, x, w, bias, geom: Geometry):
    """``x (N, C, *size)`` conv ``w (O, C, *kernel)`` (+ ``bias``) -> ``(out, frame)``,
    ``frame`` being the zero-padded channel-first input ``(C, N * size + tail)`` the
    backward needs."""
    n, c = x.shape[:2]
    o, nd = w.shape[0], x.ndim - 2
    fr = _frame(geom)
    flat = xp.zeros((c, n * fr.size + fr.tail), dtype=x.dtype)
    row_taps = geom.kernel[-1]
    # The taps along the last axis join the product's inner dimension: rows (t, c) of the
    # chunk's ``expanded`` copy are the frame shifted by last-axis tap t, so each product
    # has C * kw rows to sum (one GEMM per remaining tap: 3 with K = 96, not 9 with K = 32,
    # on the benchmark layer; MKL runs K = 96 ~15% faster on one core).
    w_rows = xp.ascontiguousarray(  # (outer taps, O, kw * C), columns in (t, c) order
        w.reshape(o, c, -1, row_taps).transpose(2, 0, 3, 1)).reshape(-1, o, row_taps * c)
    outer, inner = fr.offsets[::row_taps], fr.offsets[:row_taps]
    reach = max(outer)
    out = xp.empty((n, o) + tuple(geom.grid), dtype=x.dtype)
    corner = tuple(lo for lo, _ in geom.pads)

    def images(lo: int, hi: int) -> None:
        _fill(x, lo, hi - lo, flat, lo * fr.size, fr.extent, corner, None)
        m = _images_per_chunk(fr, hi - lo, _FORWARD_POSITIONS)
        # Channels-first results, so the copy into NCHW moves whole rows.
        block = xp.empty((o, m * fr.size), dtype=x.dtype)
        expanded = xp.empty((row_taps * c, min(_FORWARD_POSITIONS, m * fr.size) + reach),
                            dtype=x.dtype)
        for n0 in range(lo, hi, m):
            mm = min(m, hi - n0)
            for p0, span in _windows((mm - 1) * fr.size + fr.last, _FORWARD_POSITIONS):
                base, width = n0 * fr.size + p0, span + reach
                for t, off in enumerate(inner):
                    expanded[t * c:(t + 1) * c, :width] = flat[:, base + off:base + off + width]
                shifted_matmul(w_rows, expanded[:, :width], outer, span, block[:, p0:p0 + span])
            _drain(xp, block, False, 0, fr.extent, (0,) * nd, out, n0, mm, bias)

    run_parts(n, images, split=fast_for(x))
    return out, flat


def backward(xp, g, w, frame, geom: Geometry, need_x: bool, need_w: bool,
             need_b: bool) -> tuple:
    """Gradients ``(dx, dw, db)`` from the output gradient ``g (N, O, *grid)`` and the
    forward's ``frame``; ``None`` where not needed, or where this path could not give the
    exact result (see the module docstring) and the caller must compute it."""
    n, o = g.shape[:2]
    c = w.shape[1]
    need_x = need_x and bool(xp.isfinite(w).all())
    dx = xp.empty((n, c) + tuple(geom.size), dtype=g.dtype) if need_x else None
    w_back = (xp.ascontiguousarray(w.reshape(o, c, -1).transpose(2, 1, 0))  # (K, C, O)
              if need_x else None)
    sums: list = []  # each part's (dw taps, db)

    def images(lo: int, hi: int) -> None:
        sums.append(_backward_images(xp, g, w_back, frame, geom, lo, hi, dx, need_w, need_b))

    run_parts(n, images, split=fast_for(g))
    dw = db = None
    if need_w:
        dw_taps = sum(part[0] for part in sums)
        dw = xp.ascontiguousarray(dw_taps.transpose(1, 2, 0)).reshape(w.shape)
        if not xp.isfinite(dw).all():
            dw = None  # possibly 0 * inf from a dropped position: the caller redoes it
    if need_b:
        db = sum(part[1] for part in sums)
    return dx, dw, db


def padded_input(xp, frame, geom: Geometry, n: int):
    """The forward's ``frame`` of ``n`` images in the column path's layout, ``(C, N,
    *padded)``, for a gradient that path must redo (see :func:`backward`)."""
    fr, c = _frame(geom), frame.shape[0]
    padded = xp.zeros((c, n) + tuple(geom.padded), dtype=frame.dtype)
    interior = tuple(slice(lo, lo + s) for (lo, _), s in zip(geom.pads, geom.size))
    images = frame[:, :n * fr.size].reshape((c, n) + fr.extent)
    padded[(slice(None), slice(None)) + interior] = images[(slice(None), slice(None)) + interior]
    return padded


def _backward_images(xp, g, w_back, flat, geom: Geometry, lo: int, hi: int, dx,
                     need_w: bool, need_b: bool) -> tuple:
    """The backward of images ``lo .. hi``: ``dx`` written in place for them (when given),
    their weight-gradient taps ``(K, O, C)`` and bias gradient returned."""
    o, c, nd = g.shape[1], flat.shape[0], g.ndim - 2
    fr = _frame(geom)
    halo = max(fr.offsets)
    m = _images_per_chunk(fr, hi - lo)
    # The output gradient at the output positions of a chunk of frames; zero elsewhere, and
    # for ``halo`` positions in front, where the input gradient's windows start.
    grads = xp.zeros((o, halo + m * fr.size), dtype=g.dtype)
    db = xp.zeros((o,), dtype=g.dtype) if need_b else None
    dw_taps = xp.zeros((len(fr.offsets), o, c), dtype=g.dtype) if need_w else None
    corner = tuple(lo for lo, _ in geom.pads)
    if dx is not None:
        back = tuple(halo - off for off in fr.offsets)
        dframe = xp.empty((c, m * fr.size), dtype=g.dtype)
    for n0 in range(lo, hi, m):
        mm = min(m, hi - n0)
        _fill(g, n0, mm, grads, halo, fr.extent, (0,) * nd, db)
        if need_w:
            for p0, span in _windows((mm - 1) * fr.size + fr.last):
                shifted_matmul_weight(grads[:, halo + p0:], flat[:, n0 * fr.size + p0:],
                                      fr.offsets, span, dw_taps, accumulate=True)
        if dx is not None:
            for q0, span in _windows((mm - 1) * fr.size + fr.inner_span):
                q = fr.inner + q0
                # source index q + back[k] is buffer position halo + q - off[k]
                shifted_matmul(w_back, grads[:, q:], back, span, dframe[:, q:q + span])
            _drain(xp, dframe, False, 0, fr.extent, corner, dx, n0, mm, None)
    return dw_taps, db


__all__: list[str] = []
