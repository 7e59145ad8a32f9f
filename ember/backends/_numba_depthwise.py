"""Wrappers of the depthwise 2-D convolution kernels (``_numba_depthwise_kernels.py``), on
the same terms as those in ``_numba``: each returns its result, or None to let the caller
run its own array code (the column path, the reference the tests compare with).

A depthwise convolution (``groups == in_channels``, each output channel reading one input
channel) does ``prod(kernel)`` multiply-adds per output element, too little for a GEMM: on
64 images of 64 channels, 28x28, 3x3, the column path's 4096 one-row products took 127 ms
forward and backward, PyTorch 6 ms (``python -m benchmarks.conv``). A direct stencil over
each channel plane runs on every core with no column matrix.

``window`` is ``(stride, pad_before, dilation)``, each a pair ``(h, w)``.
"""

from __future__ import annotations

import numpy as np

from . import _numba as _base


def _geometry(window: tuple) -> np.ndarray:
    (sh, sw), (ph, pw), (dh, dw) = window
    return np.array([sh, sw, ph, pw, dh, dw], dtype=np.int64)


def _suits(x: np.ndarray, w: np.ndarray, window: tuple) -> bool:
    """Float32/float64 native 4-D input, an ``(O, 1, kh, kw)`` weight of its dtype with
    ``O`` a multiple of the channels, positive strides and dilations, large enough."""
    dtype = x.dtype
    if not (_base.ENABLED and isinstance(x, np.ndarray) and isinstance(w, np.ndarray)
            and x.ndim == 4 and w.ndim == 4 and dtype.char in "fd" and dtype.isnative
            and w.dtype == dtype and x.size >= _base.MIN_ELEMENTS):
        return False
    (sh, sw), (ph, pw), (dh, dw) = window
    return (w.shape[1] == 1 and x.shape[1] > 0 and w.shape[0] % x.shape[1] == 0
            and min(sh, sw, dh, dw) > 0 and min(ph, pw) >= 0)


def _parts(planes: int) -> int:
    """How many parts the stride-1 kernels split the planes into (at most 32, enough for
    the threads of most CPUs, each part with its own frames and partial sums)."""
    return max(1, min(planes, 32))


def _unit_stride(window: tuple) -> bool:
    return tuple(window[0]) == (1, 1)


@_base._declines_if_unusable
def depthwise_conv2d(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, window: tuple,
                     grid: tuple) -> np.ndarray | None:
    """The depthwise convolution of ``x (N, C, H, W)`` with ``w (O, 1, kh, kw)`` (+ ``bias
    (O,)``) over the output ``grid`` ``(OH, OW)``; None to decline."""
    if (not _suits(x, w, window) or min(grid) <= 0
            or (bias is not None and bias.shape != (w.shape[0],))):
        return None
    frames = _unit_stride(window)
    if not frames and not np.isfinite(w).all():
        return None  # the row loops skip padding taps, where PyTorch adds 0 * inf = NaN
    x, w = np.ascontiguousarray(x), np.ascontiguousarray(w)
    out = np.empty((x.shape[0], w.shape[0]) + tuple(grid), dtype=x.dtype)
    values = (np.zeros(w.shape[0], x.dtype) if bias is None
              else np.ascontiguousarray(bias, dtype=x.dtype))
    geom = _geometry(window)
    if frames:
        kernel = _base._kernel("depthwise_frame_forward")
        kernel(x, w, values, geom, out, _parts(x.shape[0] * x.shape[1]))
    else:
        _base._kernel("depthwise_rows_forward")(x, w, values, geom, out)
    return out


@_base._declines_if_unusable
def depthwise_conv2d_backward(g: np.ndarray, x: np.ndarray, w: np.ndarray, window: tuple,
                              needs: tuple) -> tuple | None:
    """``(dx, dw, db)`` of :func:`depthwise_conv2d` for the output gradient ``g``, each
    None where ``needs`` (three flags) does not ask for it; None to decline.

    Non-finite values. The frame kernels multiply the zeros of the gradient's frame margin
    by values no window reads, so a weight that is not finite sends the input gradient to
    the row kernel (exact: it adds what each output's window read); the row kernels skip
    padding taps, where PyTorch multiplies the padding's zeros in. So a weight or bias
    gradient that is not finite, which can come from either, is declined and the caller's
    column path (the reference) computes the whole backward."""
    if (not _suits(x, w, window) or g.ndim != 4 or g.dtype != x.dtype or min(g.shape) <= 0
            or g.shape[:2] != (x.shape[0], w.shape[0])):
        return None
    g, x, w = (np.ascontiguousarray(a) for a in (g, x, w))
    geom = _geometry(window)
    need_x, need_w, need_b = (bool(flag) for flag in needs)
    dx = np.empty_like(x) if need_x else np.empty((1, 1, 1, 1), x.dtype)
    dw, db = np.empty_like(w), np.empty(w.shape[0], x.dtype)
    frame_x = False  # whether the frame kernel computes dx (else the row kernel below)
    if _unit_stride(window):
        frame_x = need_x and bool(np.isfinite(w).all())
        parts = _parts(x.shape[0] * x.shape[1])
        dw_parts = np.zeros((parts, w.shape[0], w.shape[2] * w.shape[3]))
        db_parts = np.zeros((parts, w.shape[0]))
        _base._kernel("depthwise_frame_backward")(g, x, w, geom, dx, frame_x, need_w,
                                                  dw_parts, db_parts, parts)
        dw[...] = dw_parts.sum(0).reshape(w.shape)
        db[...] = db_parts.sum(0)
    elif need_w or need_b:
        _base._kernel("depthwise_rows_weight_grad")(g, x, geom, dw, db)
    if (need_w or need_b) and not (np.isfinite(dw).all() and np.isfinite(db).all()):
        return None
    if need_x and not frame_x:
        _base._kernel("depthwise_rows_input_grad")(g, w, geom, dx)
    return dx if need_x else None, dw if need_w else None, db if need_b else None
