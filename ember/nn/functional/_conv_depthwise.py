"""The array-level path of depthwise 1-D and 2-D convolutions (``groups == in_channels``,
``out_channels`` a multiple of it): a direct stencil per channel plane, from the backend's
kernels (``Kernels.depthwise_conv2d``; numba on the CPU). A 1-D convolution runs as a 2-D
one of height 1.

Why: the column path runs one ``(O/g, K) @ (K, L)`` product per group and image, each a
single row for a depthwise layer, far below BLAS's speed; on 64 images of 64 channels,
28x28, 3x3, forward and backward took 127 ms there, PyTorch 5.7-6.4 ms, and 6.8-8.2 ms
here (``python -m benchmarks.conv``, ``benchmarks/RESULTS.md`` round 8).

Each function returns None when the kernels decline (no numba, small inputs, other
dtypes); ``conv.py`` then runs the column path, which stays the reference.
"""

from __future__ import annotations

from ...backends import kernels_of
from ._im2col import Geometry


def _window(geom: Geometry) -> tuple | None:
    """``((stride, pad_before, dilation) pairs, grid pair)`` of a 1-D or 2-D geometry."""
    if geom.out is not None or len(geom.kernel) not in (1, 2):
        return None
    pads = tuple(lo for lo, _ in geom.pads)
    if len(geom.kernel) == 1:  # a row of height 1: no padding or stride along the height
        return ((1,) + geom.stride, (0,) + pads, (1,) + geom.dilation), (1,) + geom.grid
    return (geom.stride, pads, geom.dilation), geom.grid


def _as_2d(a):
    return a.reshape(a.shape[:2] + (1,) + a.shape[2:]) if a.ndim == 3 else a


def applies(x_shape: tuple, w_shape: tuple, groups: int) -> bool:
    """Whether a convolution is depthwise: one input channel per group."""
    return groups > 1 and groups == x_shape[1] and w_shape[1] == 1


def forward(x, w, bias, geom: Geometry):
    """``(N, C, *size)`` depthwise-conv ``(O, 1, *kernel)`` (+ ``bias``), or None."""
    spec = _window(geom)
    if spec is None:
        return None
    out = kernels_of(x).depthwise_conv2d(_as_2d(x), _as_2d(w), bias, *spec)
    return None if out is None else out.reshape((x.shape[0], w.shape[0]) + tuple(geom.grid))


def backward(g, x, w, geom: Geometry, needs: tuple) -> tuple | None:
    """``(dx, dw, db)`` for the output gradient ``g`` (None where not needed), or None."""
    spec = _window(geom)
    if spec is None:
        return None
    grads = kernels_of(g).depthwise_conv2d_backward(_as_2d(g), _as_2d(x), _as_2d(w),
                                                    spec[0], needs)
    if grads is None:
        return None
    dx, dw, db = grads
    return (None if dx is None else dx.reshape(x.shape),
            None if dw is None else dw.reshape(w.shape), db)


__all__: list[str] = []
