"""Wrappers of the padded-frame copies of the shifted-product convolution
(``nn/functional/_conv_shift.py``), on the same terms as those in ``_numba``: each returns
True when done, or None to let the caller run its NumPy code.

A frame buffer holds images as flattened, zero-padded, channel-first frames: position
``base + i * PH * PW + row * PW + col`` of channel ``c``: column ``p`` of row ``c`` of a
``(C, positions)`` buffer, or row ``p``, column ``c`` of a positions-first ``(positions, C)``
one. The copies move 2-D images in and
out of it with the batch and channel axes swapped, which NumPy does on one core through a
strided view.
"""

from __future__ import annotations

import numpy as np

from . import _numba as _base


def _frames_fit(images: np.ndarray, n0: int, m: int, buffer: np.ndarray, channels_axis: int,
                base: int, padded: tuple, corner: tuple) -> bool:
    """Whether images ``n0 .. n0+m`` of ``images (N, C, H, W)``, placed at ``corner`` of
    ``m`` frames of ``padded`` size from ``base``, lie inside ``buffer``; and the dtypes
    and layouts suit the kernels."""
    dtype = images.dtype
    if not (_base.ENABLED and images.ndim == 4 and buffer.ndim == 2 and len(padded) == 2
            and all(isinstance(v, int) for v in padded + corner + (n0, m, base))
            and buffer.dtype == dtype and dtype.char in "fd" and dtype.isnative
            and images.flags.c_contiguous and buffer.flags.c_contiguous
            and images.size >= _base.MIN_ELEMENTS):
        return False
    n, c, height, width = images.shape
    (top, left), (frame_h, frame_w) = corner, padded
    positions = buffer.shape[1 - channels_axis]
    return (buffer.shape[channels_axis] == c and 0 <= n0 and 0 < m and n0 + m <= n
            and 0 <= base and 0 <= top and 0 <= left and top + height <= frame_h
            and left + width <= frame_w and base + m * frame_h * frame_w <= positions)


def _per_channel_ok(values: np.ndarray | None, images: np.ndarray) -> bool:
    return values is None or (values.dtype == images.dtype and values.flags.writeable
                              and values.shape == (images.shape[1],))


@_base._declines_if_unusable
def frame_in(src: np.ndarray, n0: int, m: int, dst: np.ndarray, base: int, padded: tuple,
             corner: tuple, sums: np.ndarray | None) -> bool | None:
    """Images ``n0 .. n0+m`` of ``src (N, C, H, W)`` into the frames of ``dst (C,
    positions)`` from ``base``, at ``corner`` of each; ``sums[c] +=`` their totals when
    given."""
    if (not _frames_fit(src, n0, m, dst, 0, base, padded, corner)
            or not dst.flags.writeable or not _per_channel_ok(sums, src)):
        return None
    placeholder = sums if sums is not None else np.zeros(src.shape[1], src.dtype)
    _base._kernel("frame_in")(src, n0, m, dst, base, padded[1], padded[0] * padded[1],
                              corner[0], corner[1], placeholder, sums is not None,
                              src.dtype.type(0))
    return True


@_base._declines_if_unusable
def frame_out(src: np.ndarray, positions_first: bool, base: int, padded: tuple,
              corner: tuple, dst: np.ndarray, n0: int, m: int,
              bias: np.ndarray | None) -> bool | None:
    """The reverse copy: the ``m`` frames of ``src`` from ``base`` (``(positions, C)`` when
    ``positions_first``, else ``(C, positions)``), read at ``corner``, into images
    ``n0 .. n0+m`` of ``dst (N, C, H, W)`` (+ ``bias[c]``)."""
    if (not _frames_fit(dst, n0, m, src, 1 if positions_first else 0, base, padded, corner)
            or not dst.flags.writeable or not _per_channel_ok(bias, dst)):
        return None
    placeholder = bias if bias is not None else np.zeros(dst.shape[1], dst.dtype)
    _base._kernel("frame_out")(src, bool(positions_first), base, padded[1],
                               padded[0] * padded[1], corner[0], corner[1], dst, n0, m,
                               placeholder, bias is not None)
    return True
