"""Spatial transformers: ``affine_grid`` and ``grid_sample`` (4-D and 5-D inputs; modes
bilinear and nearest; padding zeros, border and reflection), as PyTorch's.

Both are compositions of ember ops: ``grid_sample`` gathers the ``2^d`` corner values of
each sampling point and blends them with weights computed from the grid, so the gradient
reaches the input (through the gather) and the grid (through the weights) exactly as in
PyTorch's kernel, and second derivatives and the tracer come for free.

>>> import ember
>>> import ember.nn.functional as F
>>> theta = ember.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
>>> x = ember.arange(4.0).reshape(1, 1, 2, 2)
>>> grid = F.affine_grid(theta, [1, 1, 2, 2], align_corners=False)
>>> F.grid_sample(x, grid, align_corners=False).flatten().tolist()
[0.0, 1.0, 2.0, 3.0]
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence

from ... import dtypes as _dt
from ... import ops
from ...tensor import Tensor

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                  "old behavior is desired. See the documentation of grid_sample for details.")


def _align(align_corners: bool | None) -> bool:
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def _base_coords(n: int, align_corners: bool, like: Tensor) -> Tensor:
    """The normalised coordinates of ``n`` pixel centres (or corners) in ``[-1, 1]``,
    computed as PyTorch's linspace_from_neg_one: the rounding decides whether a point lands
    exactly on the edge pixel, where grid_sample's border gradient is 0."""
    if n <= 1:
        return ops.zeros(n, dtype=like.dtype, device=like.device)
    steps = ops.linspace(-1.0, 1.0, n, dtype=like.dtype, device=like.device)
    if align_corners:
        return steps
    return steps * (n - 1) / n


def _check_theta(theta: Tensor, size: Sequence[int]) -> int:
    if not isinstance(theta, Tensor):
        raise TypeError(f"affine_grid: theta must be a Tensor, got {type(theta).__name__}")
    if not theta.dtype.is_floating_point:
        raise ValueError(f"affine_grid: expected theta to have floating point type, but got "
                         f"{theta.dtype}")
    if len(size) not in (4, 5):
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {tuple(size)}.")
    nd = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (nd, nd + 1):
        raise ValueError(f"affine_grid: expected a batch of {nd}D affine matrices of shape "
                         f"Nx{nd}x{nd + 1} for size {tuple(size)}. Got {tuple(theta.shape)}.")
    if min(size) <= 0:
        raise ValueError(f"affine_grid: expected non-zero, positive output size. Got "
                         f"{tuple(size)}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"affine_grid: theta has batch size {theta.shape[0]} but size asks "
                           f"for {size[0]} (size {tuple(size)})")
    return nd


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None
                ) -> Tensor:
    """The sampling grid of a batch of affine maps ``theta`` (``(N, 2, 3)`` for an output of
    ``size`` ``(N, C, H, W)``, ``(N, 3, 4)`` for ``(N, C, D, H, W)``), for
    :func:`grid_sample`: ``(N, H, W, 2)`` or ``(N, D, H, W, 3)``, last dim ``(x, y[, z])``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> theta = ember.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> F.affine_grid(theta, (1, 1, 1, 2), align_corners=True).tolist()
    [[[[-1.0, 0.0], [1.0, 0.0]]]]
    """
    nd = _check_theta(theta, size)
    align_corners = _align(align_corners)
    spatial = [int(s) for s in size[2:]]
    axes = [_base_coords(n, align_corners, theta) for n in spatial]
    mesh = ops.meshgrid(*axes, indexing="ij")  # each of shape spatial, D/H/W order
    # homogeneous coordinates (x, y[, z], 1): x runs along the last spatial dim
    base = ops.stack([*reversed(mesh), ops.ones(spatial, dtype=theta.dtype,
                                                device=theta.device)], dim=-1)
    grid = base.reshape(1, -1, nd + 1) @ theta.mT
    return grid.reshape(int(size[0]), *spatial, nd)


def _reflect(x: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """Reflect ``x`` into ``[twice_low / 2, twice_high / 2]`` (PyTorch's reflect_coordinates;
    needs ``twice_low < twice_high``). Non-finite ``x`` gives NaN."""
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    x = (x - low).abs()
    extra = ops.fmod(x, span)
    flips = (x / span).floor().detach()
    even = ops.fmod(flips, 2) == 0
    return ops.where(even, extra + low, span - extra + low)


def _clip(x: Tensor, size: int, nan_to: int) -> Tensor:
    """Clamp ``x`` into ``[0, size - 1]`` with PyTorch's gradient: 1 strictly inside, 0 at
    and beyond the bounds (clip_coordinates_set_grad treats the borders as outside, so a
    grid point on the edge pixel gets no grid gradient). NaN goes to ``nan_to``."""
    inside = (x > 0) & (x < size - 1)
    # comparisons carry no graph: the bound values are constants
    edge = ops.where(x >= size - 1, float(size - 1), ops.where(x <= 0, 0.0, float(nan_to)))
    return ops.where(inside, x, edge.to(x.dtype))


def _source_index(coord: Tensor, size: int, padding_mode: str, align_corners: bool,
                  nan_to: int) -> Tensor:
    """Pixel coordinate of normalised ``coord`` along a dim of ``size``, after padding;
    under border and reflection padding NaN goes to pixel ``nan_to``."""
    if align_corners:
        x = (coord + 1) * ((size - 1) / 2)
    else:
        x = ((coord + 1) * size - 1) / 2
    if padding_mode == "reflection" and (size > 1 or not align_corners):
        # (a single pixel with align_corners reflects everything to 0, as the clip does)
        x = _reflect(x, 0, 2 * (size - 1)) if align_corners else _reflect(x, -1, 2 * size - 1)
    if padding_mode != "zeros":
        x = _clip(x, size, nan_to)
    return x


def _gather(flat: Tensor, pos: list[Tensor], sizes: list[int]) -> tuple[Tensor, Tensor]:
    """Values of ``flat`` (N, C, prod(sizes)) at integer-valued positions ``pos`` (one
    float tensor (N, *out) per spatial dim), shaped (N, C, points), and the mask
    (N, 1, points) of positions inside; the values outside (NaN and inf positions
    included) are read at index 0 and must be masked by the caller."""
    n, c = flat.shape[0], flat.shape[1]
    points = math.prod(pos[0].shape[1:])  # explicit: -1 is ambiguous for empty tensors
    index, inside = None, None
    for p, size in zip(pos, sizes):
        ok = (p >= 0) & (p <= size - 1)
        inside = ok if inside is None else inside & ok
    for p, size in zip(pos, sizes):
        i = ops.where(inside, p.detach(), 0.0).to(_dt.int64)
        index = i if index is None else index * size + i
    index = index.reshape(n, 1, points)
    values = flat.gather(2, index.expand(n, c, points))
    return values, inside.reshape(n, 1, points)


def _check_sample(input: Tensor, grid: Tensor, mode: str, padding_mode: str) -> None:
    op = "grid_sample"
    for name, t in (("input", input), ("grid", grid)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    shapes = f"input of shape {tuple(input.shape)} and grid of shape {tuple(grid.shape)}"
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError(f"{op}: expected a 4-D or 5-D input and a grid with as many dims, "
                           f"got {shapes}")
    nd = input.ndim - 2
    if grid.shape[-1] != nd:
        raise RuntimeError(f"{op}: expected grid to have size {nd} in last dimension, got "
                           f"{shapes}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"{op}: expected grid and input to have same batch size, got "
                           f"{shapes}")
    if any(s == 0 for s in input.shape[2:]):
        raise RuntimeError(f"{op}: expected input to have non-empty spatial dimensions, got "
                           f"{shapes}")
    if input.dtype is not grid.dtype or not input.dtype.is_floating_point:
        raise RuntimeError(f"{op}: expected input and grid of one floating dtype, got input "
                           f"{input.dtype} and grid {grid.dtype}")
    if input.device != grid.device:
        raise RuntimeError(f"{op}: expected input and grid on one device, got input on "
                           f"{input.device} and grid on {grid.device}")
    if mode == "bicubic":
        raise NotImplementedError(f"{op}: mode 'bicubic' is not supported in ember yet; use "
                                  "'bilinear' or 'nearest'")


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` (``(N, C, H, W)`` or ``(N, C, D, H, W)``) at the normalised
    positions of ``grid`` (``(N, H', W', 2)`` or ``(N, D', H', W', 3)``, last dim
    ``(x, y[, z])`` in ``[-1, 1]``), bilinearly (trilinearly) or at the nearest pixel.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> x = ember.tensor([[[[0.0, 2.0]]]])
    >>> F.grid_sample(x, ember.zeros(1, 1, 1, 2), align_corners=True).item()
    1.0
    """
    _check_sample(input, grid, mode, padding_mode)
    align_corners = _align(align_corners)
    nd = input.ndim - 2
    sizes = [int(s) for s in input.shape[2:]]
    n, c, out = input.shape[0], input.shape[1], tuple(grid.shape[1:-1])
    # PyTorch's CPU kernels differ on NaN coordinates: the vectorised 2-D kernel clamps
    # them to pixel 0, the generic 3-D kernel's std::min/std::max order to the last pixel
    nan_to = [0 if nd == 2 else s - 1 for s in sizes]
    # grid's last dim is (x, y[, z]): x indexes the last spatial dim
    coords = [_source_index(grid[..., nd - 1 - d], sizes[d], padding_mode, align_corners,
                            nan_to[d]) for d in range(nd)]
    flat = input.reshape(n, c, math.prod(sizes))
    zero = ops.zeros((), dtype=flat.dtype, device=flat.device)
    if mode == "nearest":
        # round half to even, as PyTorch's nearbyint
        values, inside = _gather(flat, [x.round() for x in coords], sizes)
        result = ops.where(inside, values, zero)
        if grid.requires_grad:
            # PyTorch's output depends on the grid with a zero gradient (not none)
            never = ops.zeros(result.shape, dtype=_dt.bool_, device=result.device)
            for x in coords:
                result = ops.where(never, x.reshape(n, 1, math.prod(out)), result)
        return result.reshape(n, c, *out)
    lows = [x.floor().detach() for x in coords]
    result = None
    for corner in itertools.product((0, 1), repeat=nd):
        weight = None
        for x, low, b in zip(coords, lows, corner):
            w = x - low if b else low + 1 - x
            weight = w if weight is None else weight * w
        values, inside = _gather(flat, [low + b for low, b in zip(lows, corner)], sizes)
        weight = weight.reshape(n, 1, math.prod(out))
        if nd == 2:
            term = ops.where(inside, values, zero) * weight
        else:
            # the 3-D kernel skips outside corners, so a NaN weight there adds nothing
            term = ops.where(inside, values * weight, zero)
        result = term if result is None else result + term
    return result.reshape(n, c, *out)
