"""numba kernels of the depthwise 2-D convolution (``groups == in_channels``), wrapped by
``_numba_depthwise.py``.

Each output channel ``o`` reads one input channel ``o // mult``; a window's taps are a
direct stencil, not a GEMM (a depthwise product per channel is a 1-row matrix, which BLAS
runs at a small fraction of its speed). Two families:

* stride 1 (``frame_*``): each input plane is copied into a zero-padded frame, flattened
  with the frame's width as row stride. Tap ``(kh, kw)`` of output position ``p = i * PW + j``
  then reads frame position ``p + off`` with ``off = kh * dh * PW + kw * dw``, so each tap is
  one long unit-stride loop over the whole plane (positions in the frame's right margin are
  computed and dropped). Measured on 64x64x28x28, 3x3: forward 2.2 ms, against 4.0 for the
  row loops below, whose 28-long rows leave the vector units idle.
* any stride (``rows_*``): one loop per output row and tap, over the columns it reads
  inside the image, skipping the padding (which PyTorch multiplies in: the wrappers decline
  the non-finite cases where that differs).

Every inner loop runs over slices indexed from 0: numba then knows the index is not
negative and drops its wrap-around test, which otherwise keeps LLVM from vectorising
(10.9 -> 4.0 ms on the forward above). ``window`` packs the geometry as int64 ``(stride_h,
stride_w, pad_top, pad_left, dilation_h, dilation_w)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._numba_jit import jit, red

# The weight gradient's dot products (``red`` kernels, ``dot_inline``) sum in the arrays'
# dtype over one plane or row; the totals are kept in float64.
inline = njit(cache=True, inline="always")
dot_inline = njit(cache=True, inline="always", fastmath={"reassoc"})


@inline
def _axpy(dst, src, wv):
    # dst += wv * src, two slices of one length
    for k in range(dst.shape[0]):
        dst[k] += wv * src[k]


@dot_inline
def _dot(a, b):
    # sum a * b over two non-empty slices of one length, in their dtype
    total = a[0] * b[0]
    for k in range(1, a.shape[0]):
        total += a[k] * b[k]
    return total


@dot_inline
def _total(a):
    # the sum of a non-empty slice, in its dtype
    total = a[0]
    for k in range(1, a.shape[0]):
        total += a[k]
    return total


@inline
def _span(part, parts, total):
    return part * total // parts, (part + 1) * total // parts


# ----------------------------------------------------------------------------- stride 1
@inline
def _frame_geometry(out_h, out_w, kh_n, kw_n, dh, dw):
    # (frame height, frame width, positions from the first output to the last): at stride
    # 1 the frame is the padded image, and output p's last tap reads p + the frame's reach
    frame_w = out_w + (kw_n - 1) * dw
    return out_h + (kh_n - 1) * dh, frame_w, (out_h - 1) * frame_w + out_w


@inline
def _fill_frame(frame, plane, top, left, frame_w):
    for y in range(plane.shape[0]):
        base = (y + top) * frame_w + left
        frame[base:base + plane.shape[1]] = plane[y]


@jit
def frame_forward_kernel(x, w, bias, window, out, parts):
    # out[n, o] at frame position p = bias[o] (zeros without one)
    #     + sum over taps of w[o, 0, kh, kw] * frame(x[n, o // mult])[p + off]
    n_img, channels = x.shape[0], x.shape[1]
    outs, kh_n, kw_n = w.shape[0], w.shape[2], w.shape[3]
    out_h, out_w = out.shape[2], out.shape[3]
    top, left, dh, dw = window[2], window[3], window[4], window[5]
    frame_h, frame_w, length = _frame_geometry(out_h, out_w, kh_n, kw_n, dh, dw)
    mult = outs // channels
    for part in prange(parts):
        frame = np.zeros(frame_h * frame_w, x.dtype)  # margins stay zero
        acc = np.empty(length, x.dtype)
        lo, hi = _span(part, parts, n_img * channels)
        for plane in range(lo, hi):
            n, c = plane // channels, plane % channels
            _fill_frame(frame, x[n, c], top, left, frame_w)
            for o in range(c * mult, (c + 1) * mult):
                acc[:] = bias[o]
                for kh in range(kh_n):
                    for kw in range(kw_n):
                        off = kh * dh * frame_w + kw * dw
                        _axpy(acc, frame[off:off + length], w[o, 0, kh, kw])
                for i in range(out_h):
                    out[n, o, i] = acc[i * frame_w:i * frame_w + out_w]


@red
def frame_backward_kernel(g, x, w, window, dx, need_x, need_w, dw_parts, db_parts, parts):
    # The adjoint of frame_forward_kernel on the same frames: the output gradient is laid
    # out with the frame's row stride (zero in the margin), so the weight gradient of a
    # tap is one dot product per plane and the input gradient one axpy per tap into a
    # frame-shaped buffer whose interior is then copied out. Partial sums per part.
    n_img, channels, height, width = x.shape
    outs, kh_n, kw_n = w.shape[0], w.shape[2], w.shape[3]
    out_h, out_w = g.shape[2], g.shape[3]
    top, left, dh, dw = window[2], window[3], window[4], window[5]
    frame_h, frame_w, length = _frame_geometry(out_h, out_w, kh_n, kw_n, dh, dw)
    mult = outs // channels
    for part in prange(parts):
        frame = np.zeros(frame_h * frame_w, x.dtype)
        dframe = np.zeros(frame_h * frame_w, x.dtype)
        grad = np.zeros(length, x.dtype)  # the margin stays zero
        lo, hi = _span(part, parts, n_img * channels)
        for plane in range(lo, hi):
            n, c = plane // channels, plane % channels
            if need_w:
                _fill_frame(frame, x[n, c], top, left, frame_w)
            if need_x:
                dframe[:] = 0
            for o in range(c * mult, (c + 1) * mult):
                for i in range(out_h):
                    grad[i * frame_w:i * frame_w + out_w] = g[n, o, i]
                db_parts[part, o] += _total(grad)
                for kh in range(kh_n):
                    for kw in range(kw_n):
                        off = kh * dh * frame_w + kw * dw
                        if need_w:
                            dw_parts[part, o, kh * kw_n + kw] += _dot(
                                grad, frame[off:off + length])
                        if need_x:
                            _axpy(dframe[off:off + length], grad, w[o, 0, kh, kw])
            if need_x:
                for y in range(height):
                    base = (y + top) * frame_w + left
                    dx[n, c, y] = dframe[base:base + width]


# ----------------------------------------------------------------------------- any stride
@inline
def _columns(kw, width, out_w, window):
    """``(first, stop, begin, end)``: the output columns ``first .. stop`` whose tap ``kw``
    reads inside the row (none when ``stop <= first``), and the input columns they read,
    ``begin:end`` with the window's column stride."""
    stride, start = window[1], kw * window[5] - window[3]
    first = 0 if start >= 0 else (-start + stride - 1) // stride
    stop = (width - 1 - start) // stride + 1 if width - 1 - start >= 0 else 0
    stop = min(stop, out_w)
    return first, stop, first * stride + start, (stop - 1) * stride + start + 1


@jit
def rows_forward_kernel(x, w, bias, window, out):
    n_img, channels, height, width = x.shape
    outs, kh_n, kw_n = w.shape[0], w.shape[2], w.shape[3]
    out_h, out_w = out.shape[2], out.shape[3]
    sh, sw, ph, dh = window[0], window[1], window[2], window[4]
    mult = outs // channels
    for plane in prange(n_img * outs):
        n, o = plane // outs, plane % outs
        c = o // mult
        for i in range(out_h):
            row = out[n, o, i]
            row[:] = bias[o]
            for kh in range(kh_n):
                y = i * sh - ph + kh * dh
                if 0 <= y < height:
                    for kw in range(kw_n):
                        first, stop, begin, end = _columns(kw, width, out_w, window)
                        if stop > first:
                            _axpy(row[first:stop], x[n, c, y, begin:end:sw], w[o, 0, kh, kw])


@jit
def rows_input_grad_kernel(g, w, window, dx):
    # one thread per input plane, so no two threads add into one element
    n_img, channels, height, width = dx.shape
    outs, kh_n, kw_n = w.shape[0], w.shape[2], w.shape[3]
    out_h, out_w = g.shape[2], g.shape[3]
    sh, sw, ph, dh = window[0], window[1], window[2], window[4]
    mult = outs // channels
    for plane in prange(n_img * channels):
        n, c = plane // channels, plane % channels
        dx[n, c] = 0
        for o in range(c * mult, (c + 1) * mult):
            for i in range(out_h):
                for kh in range(kh_n):
                    y = i * sh - ph + kh * dh
                    if 0 <= y < height:
                        for kw in range(kw_n):
                            first, stop, begin, end = _columns(kw, width, out_w, window)
                            if stop > first:
                                _axpy(dx[n, c, y, begin:end:sw], g[n, o, i, first:stop],
                                      w[o, 0, kh, kw])


@red
def rows_weight_grad_kernel(g, x, window, dw_out, db):
    # one thread per output channel; float64 totals
    n_img, channels, height, width = x.shape
    outs, kh_n, kw_n = dw_out.shape[0], dw_out.shape[2], dw_out.shape[3]
    out_h, out_w = g.shape[2], g.shape[3]
    sh, sw, ph, dh = window[0], window[1], window[2], window[4]
    mult = outs // channels
    for o in prange(outs):
        c = o // mult
        for kh in range(kh_n):
            for kw in range(kw_n):
                first, stop, begin, end = _columns(kw, width, out_w, window)
                total = 0.0
                for n in range(n_img if stop > first else 0):
                    for i in range(out_h):
                        y = i * sh - ph + kh * dh
                        if 0 <= y < height:
                            total += _dot(g[n, o, i, first:stop], x[n, c, y, begin:end:sw])
                dw_out[o, 0, kh, kw] = total
        bias_total = 0.0
        for n in range(n_img):
            for i in range(out_h):
                bias_total += _total(g[n, o, i])
        db[o] = bias_total


DEPTHWISE_KERNELS = {"depthwise_frame_forward": frame_forward_kernel,
                     "depthwise_frame_backward": frame_backward_kernel,
                     "depthwise_rows_forward": rows_forward_kernel,
                     "depthwise_rows_input_grad": rows_input_grad_kernel,
                     "depthwise_rows_weight_grad": rows_weight_grad_kernel}
