"""Spatial transformers: ``affine_grid`` and ``grid_sample`` (4-D and 5-D inputs; modes
bilinear, nearest and, in 2-D, bicubic; padding zeros, border and reflection), as PyTorch's.

``affine_grid`` is a composition. ``grid_sample`` computes, as ember ops of the grid, the
flat pixel index and blend weight of each tap of each sampling point (``_grid_taps``), then
reads and blends every channel with one fused primitive (``_grid_prim.gather``), whose
adjoints (a ``bincount`` scatter and a gather-dot) are primitives too: the gradient reaches
the input through the scatter and the grid through the weights, as in PyTorch's kernel,
and gradients of any order and forward mode come from the three primitives.

>>> import ember
>>> import ember.nn.functional as F
>>> theta = ember.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
>>> x = ember.arange(4.0).reshape(1, 1, 2, 2)
>>> grid = F.affine_grid(theta, [1, 1, 2, 2], align_corners=False)
>>> F.grid_sample(x, grid, align_corners=False).flatten().tolist()
[0.0, 1.0, 2.0, 3.0]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

from ... import dtypes as _dt
from ... import ops
from ...tensor import Tensor
from . import _grid_taps as taps
from ._grid_prim import gather

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
    if mode == "bicubic" and nd != 2:
        raise RuntimeError(f"grid_sampler(): bicubic interpolation only supports 4D input, got "
                           f"{shapes}")


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` (``(N, C, H, W)`` or ``(N, C, D, H, W)``) at the normalised
    positions of ``grid`` (``(N, H', W', 2)`` or ``(N, D', H', W', 3)``, last dim
    ``(x, y[, z])`` in ``[-1, 1]``), bilinearly (trilinearly), at the nearest pixel, or
    bicubically (4-D only; Keys' kernel with ``A = -0.75``, as PyTorch).

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
    pixels = taps.unnormalize(grid, sizes, align_corners)  # (N, nd, P)
    if mode == "bicubic":
        index, weight = taps.cubic_taps(pixels, sizes, padding_mode, align_corners)
    else:
        # PyTorch's CPU kernels differ on NaN coordinates: the vectorised 2-D kernel clamps
        # them to pixel 0, the generic 3-D kernel's std::min/std::max order to the last pixel
        nan_to = [0 if nd == 2 else s - 1 for s in sizes]
        coords = taps.pad(pixels, sizes, padding_mode, align_corners, nan_to)
        if mode == "nearest":
            index, weight = taps.nearest_taps(coords, sizes)
        else:
            index, weight = taps.linear_taps(coords, sizes)
    result = gather(input.reshape(n, c, math.prod(sizes)), index, weight)
    if mode == "bicubic" or (mode == "bilinear" and nd == 2 and padding_mode == "zeros"):
        result = taps.nan_where_nonfinite(result, pixels)
    if mode == "nearest" and grid.requires_grad:
        # PyTorch's output depends on the grid with a zero gradient (not none)
        never = ops.zeros(result.shape[:2] + coords.shape[2:], dtype=_dt.bool_,
                          device=result.device)
        result = ops.where(never, coords.sum(dim=1, keepdim=True), result)
    return result.reshape(n, c, *out)
