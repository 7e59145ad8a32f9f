"""Fractional max pooling (Graham, 2014), as ``torch.nn.functional.fractional_max_pool2d``
and ``fractional_max_pool3d``.

Each (sample, channel) plane draws one number ``u`` in [0, 1) per spatial dim (or takes it
from ``_random_samples``), and its windows start at ATen's pseudo-random sequence:
``alpha = (input - pool) / (output - 1)``, ``start_i = int((i + u) * alpha) - int(u * alpha)``
and the last start ``input - pool``, computed in the input's dtype as ATen does, so the same
samples pick the same windows as PyTorch. The maximum of a window is its first largest
element, or its last NaN; the indices are flat within the plane. The values are a gather of
the input at those indices, so gradients (of any order) scatter back to the maxima.

>>> import ember
>>> import ember.nn.functional as F
>>> x = ember.arange(16.0).reshape(1, 1, 4, 4)
>>> F.fractional_max_pool2d(x, 2, output_size=2, _random_samples=ember.zeros(1, 1, 2)).tolist()
[[[[5.0, 7.0], [13.0, 15.0]]]]
"""

from __future__ import annotations

import math
from typing import Any

from ... import dtypes as _dt
from ... import ops
from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from ._args import check_float, ntuple

_DIMS = {2: ("height", "width"), 3: ("time", "height", "width")}
# Which entry of a plane's samples drives each spatial dim: ATen reads (width, height) in
# 2-D but (time, height, width) in 3-D.
_SAMPLE_OF_DIM = {2: (1, 0), 3: (0, 1, 2)}


def _sizes(op: str, nd: int, x: Tensor, kernel_size: Any, output_size: Any,
           output_ratio: Any) -> tuple[tuple, tuple]:
    kernel = ntuple(op, "kernel_size", kernel_size, nd)
    if output_size is None and output_ratio is None:
        raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if isinstance(output_ratio, (list, tuple)) and len(output_ratio) > nd:
            raise ValueError(f"{op} requires output_ratio to either be a single Int or tuple "
                             f"of Ints, got {output_ratio}")
        ratio = tuple(output_ratio) if isinstance(output_ratio, (list, tuple)) \
            else (output_ratio,) * nd
        ratio = ratio * nd if len(ratio) == 1 else ratio
        output_size = tuple(int(s * r) for s, r in zip(x.shape[-nd:], ratio))
    out = ntuple(op, "output_size", output_size, nd)
    if any(k <= 0 for k in kernel) or any(o < 0 for o in out):
        raise RuntimeError(f"{op}: expected positive kernel_size and non-negative "
                           f"output_size, got kernel_size={kernel}, output_size={out}")
    # ATen's bound: output + pool - 1 <= input in 2-D, but strictly below the input in 3-D.
    strict = nd == 3
    for name, size, k, o in zip(_DIMS[nd], x.shape[-nd:], kernel, out):
        if o + k - 1 > size - strict:
            raise RuntimeError(f"{op}: pool {name} {k} too large relative to input {name} "
                               f"{size} (output {name} {o}: needs output + pool - 1 "
                               f"{'<' if strict else '<='} input)")
    return kernel, out


def _check(op: str, nd: int, x: Tensor, samples: Tensor | None) -> None:
    check_float(op, x)
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: expected a {nd + 1}D (unbatched) or {nd + 2}D (batched) "
                           f"input, got shape {tuple(x.shape)}")
    if any(s == 0 for s in x.shape[-nd - 1:]):
        raise RuntimeError(f"{op}: expected input to have non-zero size for non-batch "
                           f"dimensions, got shape {tuple(x.shape)}")
    if samples is None:
        return
    n = x.shape[0] if x.ndim == nd + 2 else 1
    if not isinstance(samples, Tensor) or samples.ndim != 3:
        got = tuple(samples.shape) if isinstance(samples, Tensor) else type(samples).__name__
        raise RuntimeError(f"{op}: expected _random_samples to have 3 dimensions (N, C, {nd}), "
                           f"got {got}")
    if samples.dtype != x.dtype:
        raise RuntimeError(f"{op}: expected _random_samples to have the same dtype as input "
                           f"({x.dtype}), got {samples.dtype}")
    if samples.shape[0] < n or samples.shape[1] != x.shape[-nd - 1] or samples.shape[2] != nd:
        raise RuntimeError(f"{op}: expected _random_samples of shape (at least {n}, "
                           f"{x.shape[-nd - 1]}, {nd}) for an input of shape "
                           f"{tuple(x.shape)}, got {tuple(samples.shape)}")


def _starts(u: Tensor, size: int, out: int, pool: int) -> Tensor:
    """Window starts ``(N, C, out)`` along one dim from samples ``u`` ``(N, C)``, with ATen's
    arithmetic in ``u``'s dtype (``int()`` truncates; every value is non-negative)."""
    last = ops.full(tuple(u.shape) + (1,), size - pool, dtype=_dt.int64, device=u.device)
    if out <= 1:
        return last[..., :out]
    alpha = ops.full((), size - pool, dtype=u.dtype, device=u.device) / (out - 1)
    i = ops.arange(out - 1, device=u.device).to(u.dtype)
    u = u.unsqueeze(-1)
    starts = ((i + u) * alpha).to(_dt.int64) - (u * alpha).to(_dt.int64)
    return ops.cat([starts, last], dim=-1)


def _window_indices(u: Tensor, size: tuple, kernel: tuple, out: tuple) -> Tensor:
    """Flat in-plane indices ``(N, C, prod(out), prod(kernel))`` of every window element."""
    nd = len(size)
    n, c = u.shape[0], u.shape[1]
    flat = None
    for d in range(nd):
        step = math.prod(size[d + 1:])
        start = _starts(u[:, :, _SAMPLE_OF_DIM[nd][d]], size[d], out[d], kernel[d])
        shape_o = [n, c] + [1] * (2 * nd)
        shape_o[2 + d] = out[d]
        shape_k = [1, 1] + [1] * (2 * nd)
        shape_k[2 + nd + d] = kernel[d]
        term = (start.reshape(shape_o) + ops.arange(kernel[d], device=u.device)
                .reshape(shape_k)) * step
        flat = term if flat is None else flat + term
    n_out, n_k = math.prod(out), math.prod(kernel)
    return flat.expand(n, c, *out, *kernel).reshape(n, c, n_out, n_k)


def fractional_max_pool_nd(op: str, nd: int, input: Tensor, kernel_size: Any,
                           output_size: Any, output_ratio: Any,
                           _random_samples: Tensor | None) -> tuple[Tensor, Tensor]:
    """The shared body: ``(values, indices)``."""
    _check(op, nd, input, _random_samples)
    kernel, out = _sizes(op, nd, input, kernel_size, output_size, output_ratio)
    unbatched = input.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    n, c, size = x.shape[0], x.shape[1], tuple(x.shape[2:])
    u = _random_samples
    if u is None:
        u = ops.rand(n, c, nd, dtype=x.dtype, device=x.device)
    with no_grad():
        windows = _window_indices(u[:n].detach(), size, kernel, out)  # (N, C, O, K)
        n_out, n_k = windows.shape[2], windows.shape[3]
        flat = x.detach().reshape(n, c, math.prod(size))
        vals = flat.gather(2, windows.reshape(n, c, n_out * n_k)).reshape(n, c, n_out, n_k)
        nan = vals.isnan()
        last_nan = (n_k - 1) - nan.flip(-1).to(_dt.int64).argmax(-1)
        pick = ops.where(nan.any(-1), last_nan, vals.argmax(-1))  # argmax: the first maximum
        indices = windows.gather(3, pick.unsqueeze(-1)).reshape(n, c, n_out)
    values = x.reshape(n, c, flat.shape[2]).gather(2, indices).reshape((n, c) + out)
    indices = indices.reshape((n, c) + out)
    if unbatched:
        return values.squeeze(0), indices.squeeze(0)
    return values, indices


def fractional_max_pool2d_with_indices(
        input: Tensor, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
        return_indices: bool = False, _random_samples: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """2-D fractional max pooling of ``(N, C, H, W)`` or ``(C, H, W)``: ``(values, indices)``
    whatever ``return_indices`` says, as in PyTorch. Give ``output_size`` or
    ``output_ratio``; ``_random_samples`` ``(N, C, 2)`` holds each plane's (width, height)
    samples in [0, 1).

    >>> import ember
    >>> import ember.nn.functional as F
    >>> x = ember.arange(9.0).reshape(1, 3, 3)
    >>> F.fractional_max_pool2d_with_indices(x, 2, 1, _random_samples=ember.zeros(1, 1, 2))
    (tensor([[[8.]]]), tensor([[[8]]]))
    """
    return fractional_max_pool_nd("fractional_max_pool2d", 2, input, kernel_size, output_size,
                                  output_ratio, _random_samples)


def fractional_max_pool2d(input: Tensor, kernel_size: Any, output_size: Any = None,
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Tensor | None = None) -> Any:
    """2-D fractional max pooling; with ``return_indices`` also the flat in-plane indices.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.fractional_max_pool2d(ember.randn(2, 3, 9, 9), 2, output_ratio=0.5).shape
    ember.Size([2, 3, 4, 4])
    """
    values, indices = fractional_max_pool2d_with_indices(input, kernel_size, output_size,
                                                         output_ratio, True, _random_samples)
    return (values, indices) if return_indices else values


def fractional_max_pool3d_with_indices(
        input: Tensor, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
        return_indices: bool = False, _random_samples: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """3-D fractional max pooling of ``(N, C, T, H, W)`` or ``(C, T, H, W)``:
    ``(values, indices)``; ``_random_samples`` ``(N, C, 3)`` holds the (time, height, width)
    samples.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> x = ember.arange(27.0).reshape(1, 3, 3, 3)
    >>> F.fractional_max_pool3d_with_indices(x, 2, 1, _random_samples=ember.zeros(1, 1, 3))
    (tensor([[[[26.]]]]), tensor([[[[26]]]]))
    """
    return fractional_max_pool_nd("fractional_max_pool3d", 3, input, kernel_size, output_size,
                                  output_ratio, _random_samples)


def fractional_max_pool3d(input: Tensor, kernel_size: Any, output_size: Any = None,
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Tensor | None = None) -> Any:
    """3-D fractional max pooling; with ``return_indices`` also the flat in-plane indices.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.fractional_max_pool3d(ember.randn(1, 2, 6, 6, 6), 2, output_size=3).shape
    ember.Size([1, 2, 3, 3, 3])
    """
    values, indices = fractional_max_pool3d_with_indices(input, kernel_size, output_size,
                                                         output_ratio, True, _random_samples)
    return (values, indices) if return_indices else values
