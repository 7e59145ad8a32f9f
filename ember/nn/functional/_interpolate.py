"""``interpolate``: every mode is separable, so it resamples one spatial dim at a time with
``index_select`` of neighbouring samples and constant weights (PyTorch's source-index and
cubic-coefficient rules, computed in Python per output index).

>>> import ember
>>> import ember.nn.functional as F
>>> F.interpolate(ember.tensor([[[1.0, 2.0]]]), scale_factor=2, mode="linear").tolist()
[[[1.0, 1.25, 1.75, 2.0]]]
"""

from __future__ import annotations

import math
from typing import Any

from ...tensor import Tensor

_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")


def _source(dst: int, scale: float, align_corners: bool, in_size: int, out_size: int,
            cubic: bool) -> float:
    if align_corners:
        return dst * (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    src = (dst + 0.5) * scale - 0.5
    return src if cubic or src >= 0 else 0.0


def _cubic(t: float) -> list:
    a = -0.75  # PyTorch's (and Keys') cubic convolution coefficient

    def near(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _taps(mode: str, in_size: int, out_size: int, scale: float, align_corners: bool):
    """Per output index, the source indices and their weights (lists of equal length)."""
    taps = []
    for d in range(out_size):
        if mode in ("nearest", "nearest-exact"):
            shift = 0.5 if mode == "nearest-exact" else 0.0
            taps.append(([min(int(math.floor((d + shift) * scale)), in_size - 1)], [1.0]))
        elif mode == "bicubic":
            src = _source(d, scale, align_corners, in_size, out_size, True)
            i = math.floor(src)
            idx = [min(max(i - 1 + k, 0), in_size - 1) for k in range(4)]
            taps.append((idx, _cubic(src - i)))
        else:
            src = _source(d, scale, align_corners, in_size, out_size, False)
            i0 = min(int(src), in_size - 1)
            i1 = min(i0 + 1, in_size - 1)
            w = src - i0
            taps.append(([i0, i1], [1.0 - w, w]))
    return taps


def _resample_dim(x: Tensor, dim: int, taps: list) -> Tensor:
    import ember

    out = None
    for k in range(len(taps[0][0])):
        idx = ember.tensor([t[0][k] for t in taps], dtype=ember.int64, device=x.device)
        picked = x.index_select(dim, idx)
        if len(taps[0][0]) == 1:
            return picked
        shape = [1] * x.ndim
        shape[dim] = len(taps)
        w = ember.tensor([t[1][k] for t in taps], dtype=x.dtype, device=x.device)
        term = picked * w.reshape(shape)
        out = term if out is None else out + term
    return out


def _sizes(x: Tensor, nd: int, size: Any, scale_factor: Any,
           recompute_scale_factor: bool | None) -> tuple[list, list]:
    """Output sizes, and the scale (input per output) each dim's source index uses."""
    in_sizes = list(x.shape[2:])
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: exactly one of size or scale_factor should be defined, "
                         f"got size={size!r}, scale_factor={scale_factor!r}")
    if size is not None:
        sizes = list(size) if isinstance(size, (list, tuple)) else [size] * nd
        if len(sizes) != nd:
            raise ValueError(f"interpolate: input of shape {tuple(x.shape)} has {nd} spatial "
                             f"dims, but size={size!r}")
        out = [int(s) for s in sizes]
        return out, [i / o if o else 0.0 for i, o in zip(in_sizes, out)]
    factors = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else \
        [scale_factor] * nd
    if len(factors) != nd:
        raise ValueError(f"interpolate: input of shape {tuple(x.shape)} has {nd} spatial "
                         f"dims, but scale_factor={scale_factor!r}")
    out = [int(math.floor(float(i) * float(f))) for i, f in zip(in_sizes, factors)]
    if recompute_scale_factor:
        return out, [i / o if o else 0.0 for i, o in zip(in_sizes, out)]
    return out, [1.0 / float(f) for f in factors]


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize ``(N, C, *spatial)`` (1-3 spatial dims) to ``size`` or by ``scale_factor``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.interpolate(ember.ones(1, 2, 3, 4), size=(5, 6), mode="bicubic").shape
    ember.Size([1, 2, 5, 6])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate: expected a Tensor, got {type(input).__name__}")
    if mode not in _MODES:
        raise ValueError(f"interpolate: unknown mode {mode!r}, expected one of {_MODES}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    nd = input.ndim - 2
    if nd not in (1, 2, 3) or (mode in _DIMS and _DIMS[mode] != nd):
        want = f"{_DIMS[mode] + 2}-D" if mode in _DIMS else "3-D, 4-D or 5-D"
        raise ValueError(f"interpolate: mode {mode!r} expects a {want} input (N, C, ...), "
                         f"got shape {tuple(input.shape)}")
    if align_corners is not None and mode not in _DIMS:
        raise ValueError("interpolate: align_corners can only be set with the interpolating "
                         "modes linear, bilinear, bicubic and trilinear")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"interpolate: expected a floating-point input, got "
                           f"{input.dtype.name}")
    out_sizes, scales = _sizes(input, nd, size, scale_factor, recompute_scale_factor)
    if any(o <= 0 for o in out_sizes):
        raise ValueError(f"interpolate: output size {tuple(out_sizes)} must be positive "
                         f"(input shape {tuple(input.shape)})")
    if mode == "area":
        from ._adaptive import _adaptive_avg

        return _adaptive_avg(f"adaptive_avg_pool{nd}d", nd, input, tuple(out_sizes))
    x = input
    for i, (n_in, n_out, scale) in enumerate(zip(input.shape[2:], out_sizes, scales)):
        if mode in _DIMS and align_corners is None and n_in == n_out and scale == 1.0:
            continue  # identity along this dim
        x = _resample_dim(x, 2 + i, _taps(mode, n_in, n_out, scale, bool(align_corners)))
    return x if x is not input else input.clone()


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None,
             mode: str = "nearest", align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]
