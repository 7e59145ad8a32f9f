"""Host-side image kernels for :mod:`ember.data.transforms`, on HWC NumPy arrays (uint8 or
float). Results keep the input dtype; uint8 results are rounded and clipped.

>>> import numpy as np
>>> resize(np.arange(4.0).reshape(2, 2, 1), (4, 4))[:, :, 0][0].tolist()
[0.0, 0.25, 0.75, 1.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

# ITU-R 601-2 luma, the weights torchvision's rgb_to_grayscale uses.
_LUMA = np.array([0.299, 0.587, 0.114])


def bound(img: np.ndarray) -> float:
    """The largest channel value: 255 for uint8 images, 1 for float ones."""
    return 255.0 if img.dtype == np.uint8 else 1.0


def finish(out: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Cast a float64 result back to ``like``'s dtype (uint8: round half to even, clip)."""
    if like.dtype == np.uint8:
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return out.astype(like.dtype, copy=False)


def fill_pixel(fill: Any, channels: int) -> np.ndarray:
    """``fill`` (a number or one value per channel) as a float64 pixel."""
    values = np.atleast_1d(np.asarray(fill, dtype=np.float64))
    if values.size not in (1, channels):
        raise ValueError(f"fill must be a number or have one value per channel ({channels}), "
                         f"got {fill!r}")
    return np.broadcast_to(values, (channels,))


def pad(img: np.ndarray, left: int, top: int, right: int, bottom: int, fill: Any = 0,
        mode: str = "constant") -> np.ndarray:
    """Pad the height and width of an HWC image."""
    widths = ((top, bottom), (left, right), (0, 0))
    if mode != "constant":
        return np.pad(img, widths, mode=mode)
    out = np.empty((img.shape[0] + top + bottom, img.shape[1] + left + right, img.shape[2]),
                   img.dtype)
    out[...] = fill_pixel(fill, img.shape[2]).astype(img.dtype)
    out[top:top + img.shape[0], left:left + img.shape[1]] = img
    return out


def _source_index(out_size: int, in_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PyTorch's bilinear source coordinates (``align_corners=False``): the two neighbours
    of each output pixel and the weight of the second."""
    src = (np.arange(out_size) + 0.5) * (in_size / out_size) - 0.5
    src = np.maximum(src, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    i1 = np.minimum(i0 + 1, in_size - 1)
    return i0, i1, src - i0


def resize(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resize to ``(height, width)``, matching ``F.interpolate(mode="bilinear",
    align_corners=False, antialias=False)``."""
    y0, y1, wy = _source_index(size[0], img.shape[0])
    x0, x1, wx = _source_index(size[1], img.shape[1])
    a = img.astype(np.float64)
    top = a[y0][:, x0] * (1 - wx)[None, :, None] + a[y0][:, x1] * wx[None, :, None]
    bottom = a[y1][:, x0] * (1 - wx)[None, :, None] + a[y1][:, x1] * wx[None, :, None]
    return finish(top * (1 - wy)[:, None, None] + bottom * wy[:, None, None], img)


def rotate(img: np.ndarray, angle: float, interpolation: str, fill: Any,
           center: Sequence[float] | None = None) -> np.ndarray:
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` (x, y; default the
    image centre ``((W-1)/2, (H-1)/2)``), keeping the size; pixels that come from outside
    the image (and, for bilinear, outside neighbours) take ``fill``."""
    h, w, c = img.shape
    cx, cy = ((w - 1) / 2, (h - 1) / 2) if center is None else center
    theta = np.deg2rad(angle)
    cos, sin = np.cos(theta), np.sin(theta)
    yo, xo = np.mgrid[0:h, 0:w].astype(np.float64)
    xo, yo = xo - cx, yo - cy
    # Inverse map (rows grow downwards): where each output pixel comes from.
    xs = cos * xo - sin * yo + cx
    ys = sin * xo + cos * yo + cy
    a = img.astype(np.float64)
    background = fill_pixel(fill, c)

    def sample(yi: np.ndarray, xi: np.ndarray) -> np.ndarray:
        inside = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
        out = a[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
        out[~inside] = background
        return out

    if interpolation == "nearest":
        return finish(sample(np.floor(ys + 0.5).astype(np.int64),
                             np.floor(xs + 0.5).astype(np.int64)), img)
    if interpolation != "bilinear":
        raise ValueError(f"interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
    # Snap to the grid within rounding error, so a 90 degree turn is exact.
    xs = np.where(np.abs(xs - np.rint(xs)) < 1e-9, np.rint(xs), xs)
    ys = np.where(np.abs(ys - np.rint(ys)) < 1e-9, np.rint(ys), ys)
    x0, y0 = np.floor(xs).astype(np.int64), np.floor(ys).astype(np.int64)
    wx, wy = (xs - x0)[..., None], (ys - y0)[..., None]
    out = (sample(y0, x0) * (1 - wx) * (1 - wy) + sample(y0, x0 + 1) * wx * (1 - wy)
           + sample(y0 + 1, x0) * (1 - wx) * wy + sample(y0 + 1, x0 + 1) * wx * wy)
    return finish(out, img)


def grayscale(a: np.ndarray) -> np.ndarray:
    """Per-pixel luma (H, W, 1) of a float64 image with 1 or 3 channels."""
    if a.shape[2] == 1:
        return a
    if a.shape[2] != 3:
        raise ValueError(f"expected 1 or 3 channels, got {a.shape[2]}")
    return (a @ _LUMA)[..., None]


def blend(a: np.ndarray, b: Any, factor: float, top: float) -> np.ndarray:
    """``factor * a + (1 - factor) * b``, clipped to ``[0, top]``."""
    return np.clip(factor * a + (1 - factor) * b, 0, top)


def adjust(img: np.ndarray, brightness: float | None, contrast: float | None,
           saturation: float | None, order: Sequence[int]) -> np.ndarray:
    """Brightness, contrast and saturation (in ``order``: 0, 1, 2) by the given factors,
    computed in float64 (torchvision's uint8 path truncates in between; this rounds once)."""
    a, top = img.astype(np.float64), bound(img)
    for k in order:
        if k == 0 and brightness is not None:
            a = blend(a, 0.0, brightness, top)
        elif k == 1 and contrast is not None:
            a = blend(a, grayscale(a).mean(), contrast, top)
        elif k == 2 and saturation is not None:
            a = blend(a, grayscale(a), saturation, top)
    return finish(a, img)
