"""Where ``grid_sample`` reads and with which weights: the taps of each sampling point as
flat pixel indices and blend weights, ``(N, K, P)`` each, for the primitives of
``_grid_prim``.

All spatial dims are handled at once: the pixel coordinates are one ``(N, d, P)`` tensor
and the per-dim sizes broadcast as ``(1, d, 1)`` constants, so the composition costs a few
dozen small ops whatever ``d`` is. The weights are ember ops of the grid, so the grid
gradient (and its derivatives) come from autograd, with PyTorch's conventions: the clamp of
border/reflection padding passes gradient 1 strictly inside and 0 on and beyond the edges,
reflection flips its sign, and the integer tap positions carry none.

>>> import ember
>>> from ember.nn.functional._grid_taps import linear_taps
>>> index, weight = linear_taps(ember.tensor([[[0.25]]]), [2])
>>> index.tolist(), weight.tolist()
([[[0], [1]]], [[[0.75], [0.25]]])
"""

from __future__ import annotations

import math

from ... import dtypes as _dt
from ... import ops
from ...tensor import Tensor


def _per_dim(values: list[float], like: Tensor, trailing: int = 1) -> Tensor:
    """``values`` as a (1, d, 1, ...) constant of ``like``'s dtype and device."""
    shape = (1, len(values)) + (1,) * trailing
    return ops.tensor(values, dtype=like.dtype, device=like.device).reshape(shape)


def unnormalize(grid: Tensor, sizes: list[int], align_corners: bool) -> Tensor:
    """Pixel coordinates (N, d, P), dims in input order, of a grid (N, *out, d) whose last
    dim is (x, y[, z]): x indexes the last spatial dim."""
    n, nd = grid.shape[0], len(sizes)
    points = math.prod(grid.shape[1:-1])  # explicit: -1 is ambiguous for empty tensors
    coord = grid.reshape(n, points, nd).flip(-1).transpose(1, 2)
    if align_corners:
        return (coord + 1) * _per_dim([(s - 1) / 2 for s in sizes], coord)
    return ((coord + 1) * _per_dim([float(s) for s in sizes], coord) - 1) / 2


def _reflect(x: Tensor, low: Tensor, span: Tensor) -> Tensor:
    """Reflect ``x`` into ``[low, low + span]`` (PyTorch's reflect_coordinates). Non-finite
    ``x`` gives NaN."""
    x = (x - low).abs()
    extra = ops.fmod(x, span)
    flips = (x / span).floor().detach()
    even = ops.fmod(flips, 2) == 0
    return ops.where(even, extra + low, span - extra + low)


def _clip(x: Tensor, high: Tensor, nan_to: Tensor) -> Tensor:
    """Clamp ``x`` into ``[0, high]`` with PyTorch's gradient: 1 strictly inside, 0 at and
    beyond the bounds (clip_coordinates_set_grad treats the borders as outside, so a grid
    point on the edge pixel gets no grid gradient). NaN goes to ``nan_to``."""
    inside = (x > 0) & (x < high)
    # comparisons carry no graph: the bound values are constants
    edge = ops.where(x >= high, high, ops.where(x <= 0, 0.0, nan_to))
    return ops.where(inside, x, edge)


def pad(x: Tensor, sizes: list[int], padding_mode: str, align_corners: bool,
        nan_to: list[int]) -> Tensor:
    """PyTorch's compute_coordinates on pixel coordinates ``x`` (N, d, ...): reflected
    and/or clamped into the input under border and reflection padding; NaN goes to pixel
    ``nan_to[d]``."""
    trailing = x.ndim - 2
    if padding_mode == "reflection":
        if align_corners:  # reflect about the edge pixels' centres
            low = [0.0] * len(sizes)
            # a single pixel reflects everything to 0, as the clamp then does
            span = [max(s - 1, 1) for s in sizes]
        else:  # about the input's outer edges
            low = [-0.5] * len(sizes)
            span = [float(s) for s in sizes]
        x = _reflect(x, _per_dim(low, x, trailing), _per_dim(span, x, trailing))
    if padding_mode != "zeros":
        x = _clip(x, _per_dim([s - 1 for s in sizes], x, trailing),
                  _per_dim(nan_to, x, trailing))
    return x


def _combine(pos: Tensor, weights: Tensor | None, sizes: list[int]
             ) -> tuple[Tensor, Tensor | None]:
    """Flat indices and weights (N, T^d, P) of all tap combinations from integer-valued
    positions ``pos`` and weights (N, d, T, P) per dim (taps in row-major order, the last
    dim fastest, as PyTorch's nw, ne, sw, se). Taps outside the input (NaN and inf
    positions included) get weight 0 and index ``prod(sizes)``, which reads 0."""
    ok = (pos >= 0) & (pos <= _per_dim([s - 1 for s in sizes], pos, 2))
    idx = ops.where(ok, pos.detach(), 0.0).to(_dt.int64)
    n, points = pos.shape[0], pos.shape[-1]
    index, inside, weight = idx[:, 0], ok[:, 0], None if weights is None else weights[:, 0]
    for d in range(1, len(sizes)):
        shape = (n, index.shape[1] * pos.shape[2], points)  # explicit: size-0 tensors
        index = (index[:, :, None] * sizes[d] + idx[:, d, None]).reshape(shape)
        inside = (inside[:, :, None] & ok[:, d, None]).reshape(shape)
        if weight is not None:
            weight = (weight[:, :, None] * weights[:, d, None]).reshape(shape)
    index = ops.where(inside, index, math.prod(sizes))
    if weight is None:
        return index, inside
    return index, ops.where(inside, weight, 0.0)


def linear_taps(coords: Tensor, sizes: list[int]) -> tuple[Tensor, Tensor]:
    """Flat indices and weights (N, 2^d, P) of the corners around padded pixel
    coordinates ``coords`` (N, d, P): (bi/tri)linear interpolation."""
    low = coords.floor().detach()
    frac = coords - low
    pos = ops.stack([low, low + 1], dim=2)
    return _combine(pos, ops.stack([1 - frac, frac], dim=2), sizes)


def nearest_taps(coords: Tensor, sizes: list[int]) -> tuple[Tensor, Tensor]:
    """The flat index and weight (1 inside, 0 outside), (N, 1, P) each, of the pixel
    nearest to each point; halves round to even, as PyTorch's nearbyint."""
    index, inside = _combine(coords.round().unsqueeze(2), None, sizes)
    return index, inside.to(coords.dtype)


def _cubic_coefficients(t: Tensor) -> Tensor:
    """Keys' cubic convolution weights (A = -0.75, as PyTorch) of the 4 taps at offsets
    -1, 0, 1, 2 from the floor of a point at fraction ``t`` past it: (N, d, 4, P)."""
    a = -0.75

    def near(x: Tensor) -> Tensor:  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: Tensor) -> Tensor:  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return ops.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], dim=2)


def cubic_taps(pixels: Tensor, sizes: list[int], padding_mode: str, align_corners: bool
               ) -> tuple[Tensor, Tensor]:
    """Flat indices and weights (N, 4^d, P) of the 4x4 pixels around unpadded pixel
    coordinates ``pixels`` (N, d, P): bicubic interpolation. Each tap is padded on its
    own, as PyTorch's get_value_bounded, so the grid gradient comes from the weights only."""
    low = pixels.floor().detach()
    offsets = ops.tensor([-1.0, 0.0, 1.0, 2.0], dtype=pixels.dtype,
                         device=pixels.device).reshape(1, 1, 4, 1)
    pos = pad(low.unsqueeze(2) + offsets, sizes, padding_mode, align_corners,
              [0] * len(sizes))
    return _combine(pos, _cubic_coefficients(pixels - low), sizes)


def nan_where_nonfinite(result: Tensor, pixels: Tensor) -> Tensor:
    """NaN at the points with a non-finite coordinate, where PyTorch's 2-D kernel blends
    NaN weights (bilinear with zero padding, bicubic) into an output the taps leave 0."""
    bad = (~ops.isfinite(pixels.detach())).any(dim=1, keepdim=True)  # (N, 1, P)
    if not bool(bad.any()):
        return result
    return result + ops.where(bad, float("nan"), 0.0).to(result.dtype)
