"""Padding, interpolation and pixel shuffling.

``pad``'s constant mode is one primitive (backward: a slice); reflect, replicate and
circular modes, and every interpolation mode, are exact compositions of ``index_select``
(whose backward is ``index_add``) with per-dim constant weights: interpolation is separable.

>>> import ember
>>> import ember.nn.functional as F
>>> F.pad(ember.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect").tolist()
[[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
"""

from __future__ import annotations

from typing import Any

from ...ops.registry import defop
from ...tensor import Tensor
from ._interpolate import interpolate, upsample, upsample_bilinear, upsample_nearest
from ._unpool import channel_shuffle, native_channel_shuffle


@defop("constant_pad_nd")
def _constant_pad(ctx, x, *, pads: tuple, value: float):
    """``pads``: non-negative ``(before, after)`` per dim of ``x``."""
    return ctx.xp.pad(x, pads, constant_values=value)


@_constant_pad.def_backward
def _(ctx, g, *, pads: tuple, value: float):
    return (g[tuple(slice(lo, g.shape[i] - hi) for i, (lo, hi) in enumerate(pads))],)


@_constant_pad.def_jvp
def _(ctx, tangents, *, pads: tuple, value: float):
    return _constant_pad(tangents[0], pads=pads, value=0.0)


def _pairs(op: str, x: Tensor, pad: Any) -> list:
    """``pad`` (last dim first, as PyTorch) as ``(before, after)`` per dim of ``x``."""
    if not isinstance(pad, (list, tuple)) or len(pad) % 2:
        raise ValueError(f"{op}: padding length must be divisible by 2, got {pad!r}")
    if len(pad) // 2 > x.ndim:
        raise ValueError(f"{op}: padding length {len(pad)} is too large for an input of "
                         f"shape {tuple(x.shape)} ({x.ndim}-D)")
    pairs = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        pairs[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return pairs


def _index_pad(op: str, x: Tensor, pairs: list, mode: str) -> Tensor:
    import ember

    for dim, (lo, hi) in enumerate(pairs):
        if not (lo or hi):
            continue
        n = x.shape[dim]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise ValueError(f"{op}: padding ({lo}, {hi}) should be smaller than the input "
                             f"size {n} of dim {dim} for reflect padding (input shape "
                             f"{tuple(x.shape)})")
        if mode == "circular" and (lo > n or hi > n):
            raise ValueError(f"{op}: padding ({lo}, {hi}) should be at most the input size "
                             f"{n} of dim {dim} for circular padding")
        if n == 0:
            raise ValueError(f"{op}: cannot {mode}-pad an empty dim {dim} (shape "
                             f"{tuple(x.shape)})")
        if mode == "reflect":
            idx = [abs(i) if i < n else 2 * (n - 1) - i for i in range(-lo, n + hi)]
        elif mode == "replicate":
            idx = [min(max(i, 0), n - 1) for i in range(-lo, n + hi)]
        else:
            idx = [i % n for i in range(-lo, n + hi)]
        x = x.index_select(dim, ember.tensor(idx, dtype=ember.int64, device=x.device))
    return x


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad ``input``; ``pad`` lists ``(before, after)`` amounts from the last dim backwards.
    Modes: ``'constant'`` (any dims, negative amounts crop), ``'reflect'``, ``'replicate'``,
    ``'circular'`` (the last 1-3 dims of a batched or unbatched input).

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.pad(ember.ones(1, 2, 2), (1, 1, 0, 1), value=5.0).shape
    ember.Size([1, 3, 4])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pad: expected input to be a Tensor, got {type(input).__name__}")
    pairs = _pairs("pad", input, pad)
    if mode == "constant":
        # Negative amounts crop: slice first, then pad the rest.
        crop = tuple(slice(max(-lo, 0), input.shape[i] - max(-hi, 0))
                     for i, (lo, hi) in enumerate(pairs))
        x = input[crop] if any(lo < 0 or hi < 0 for lo, hi in pairs) else input
        positive = tuple((max(lo, 0), max(hi, 0)) for lo, hi in pairs)
        if not any(lo or hi for lo, hi in positive):
            return x if x is not input else input.clone()
        return _constant_pad(x, pads=positive, value=0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"pad: unknown mode {mode!r}, expected 'constant', 'reflect', "
                         f"'replicate' or 'circular'")
    k = len(pad) // 2
    if k > 3 or input.ndim not in (k + 1, k + 2):
        raise ValueError(f"pad: {mode} padding of the last {k} dims expects a {k + 1}-D or "
                         f"{k + 2}-D input (and at most 3 padded dims), got shape "
                         f"{tuple(input.shape)}")
    if value is not None and value != 0:
        raise ValueError(f"pad: padding mode {mode!r} does not take a value, got {value}")
    if any(lo < 0 or hi < 0 for lo, hi in pairs) and mode != "circular":
        raise ValueError(f"pad: negative padding is only supported in constant and circular "
                         f"modes, got {tuple(pad)}")
    return _index_pad("pad", input, pairs, mode)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """``(*, C * r^2, H, W)`` -> ``(*, C, H * r, W * r)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.pixel_shuffle(ember.ones(1, 8, 2, 3), 2).shape
    ember.Size([1, 2, 4, 6])
    """
    r = int(upscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle: expected an input with at least 3 dims, got "
                           f"shape {tuple(input.shape)}")
    *batch, c, h, w = input.shape
    if r <= 0 or c % (r * r):
        raise RuntimeError(f"pixel_shuffle: the channel count {c} of input shape "
                           f"{tuple(input.shape)} must be divisible by upscale_factor^2 = "
                           f"{r * r}")
    b = len(batch)
    x = input.reshape(*batch, c // (r * r), r, r, h, w)
    x = x.permute(*range(b), b, b + 3, b + 1, b + 4, b + 2)
    return x.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """``(*, C, H * r, W * r)`` -> ``(*, C * r^2, H, W)``, the inverse of pixel_shuffle.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.pixel_unshuffle(ember.ones(1, 2, 4, 6), 2).shape
    ember.Size([1, 8, 2, 3])
    """
    r = int(downscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle: expected an input with at least 3 dims, got "
                           f"shape {tuple(input.shape)}")
    *batch, c, h, w = input.shape
    if r <= 0 or h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle: height {h} and width {w} of input shape "
                           f"{tuple(input.shape)} must be divisible by downscale_factor {r}")
    b = len(batch)
    x = input.reshape(*batch, c, h // r, r, w // r, r)
    x = x.permute(*range(b), b, b + 2, b + 4, b + 1, b + 3)
    return x.reshape(*batch, c * r * r, h // r, w // r)


__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
           "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle"]
