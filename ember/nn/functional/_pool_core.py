"""Pooling machinery: window geometry (with ``ceil_mode``), the argmax primitive behind max
pooling, and the window-sum primitive behind average pooling.

Max pooling is ``gather(x, argmax indices)``: the indices come from a non-differentiable
primitive over a strided window view, and ``gather``'s backward (a scatter-add) routes the
gradient to the argmax, as PyTorch does; its backward is again a ``gather``, so double
backward works with no extra code.

>>> g = pool_geometry("max_pool2d", (5, 5), (2, 2), (2, 2), (0, 0), (1, 1), True)
>>> g.grid, g.pads
((3, 3), ((0, 1), (0, 1)))
"""

from __future__ import annotations

from ...ops.registry import defop
from ._im2col import Geometry, col2im, windows


def pool_geometry(op: str, size: tuple, kernel: tuple, stride: tuple, padding: tuple,
                  dilation: tuple, ceil_mode: bool) -> Geometry:
    """PyTorch's pooling output size; with ``ceil_mode`` the last window may hang over the
    end, so the padding after is widened to hold it (and ``out`` fixes the grid)."""
    for name, v in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        if any(e <= 0 for e in v):
            raise RuntimeError(f"{op}: {name} must be greater than zero, got {v}")
    grid, pads = [], []
    for s, k, st, p, d in zip(size, kernel, stride, padding, dilation):
        eff = d * (k - 1) + 1
        if p < 0 or p > eff // 2:
            raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, "
                               f"got padding={padding}, kernel_size={kernel}, "
                               f"dilation={dilation}")
        o = (s + 2 * p - eff + (st - 1 if ceil_mode else 0)) // st + 1
        if ceil_mode and (o - 1) * st >= s + p:  # the last window must start inside
            o -= 1
        if o <= 0:
            raise RuntimeError(f"{op}: output size is too small: input size {size}, "
                               f"kernel_size={kernel}, padding={padding}, "
                               f"dilation={dilation} give output {o}")
        grid.append(o)
        pads.append((p, max(p, (o - 1) * st + eff - s - p)))
    return Geometry(tuple(size), tuple(kernel), tuple(dilation), tuple(pads), tuple(stride),
                    out=tuple(grid))


@defop("max_pool_indices", differentiable=False)
def max_pool_indices(ctx, x, *, geom: Geometry):
    """Flat (over the spatial dims) input index of each window's maximum, ``(N, C, *grid)``.
    As PyTorch's loop ``if (val > maxval || isnan(val))``: the first maximum in kernel
    order, and in a window holding NaN the last NaN."""
    xp = ctx.xp
    n, c = x.shape[:2]
    fill = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
    view = windows(xp, x, geom, fill).reshape(n, c, geom.taps, geom.length)
    tap = xp.argmax(view, axis=2)  # first maximum in kernel order (first NaN, if any)
    if x.dtype.kind == "f" and xp.isnan(x).any():
        nan = xp.isnan(view)
        last = geom.taps - 1 - xp.argmax(nan[:, :, ::-1], axis=2)
        tap = xp.where(nan.any(axis=2), last, tap)
    taps = xp.unravel_index(tap, geom.kernel)
    cells = xp.unravel_index(xp.arange(geom.length), geom.grid)
    flat = xp.zeros(tap.shape, dtype=xp.int64)
    for i, (size, d, s, (lo, _)) in enumerate(zip(geom.size, geom.dilation, geom.stride,
                                                   geom.pads)):
        flat = flat * size + (cells[i] * s - lo + taps[i] * d)
    return flat.reshape((n, c) + tuple(geom.grid))


@defop("window_sum")
def window_sum(ctx, x, *, geom: Geometry):
    """The sum of each (zero-padded) window, ``(N, C, *grid)``."""
    view = windows(ctx.xp, x, geom)
    return view.sum(axis=tuple(range(2, 2 + len(geom.kernel))))


@window_sum.def_backward
def _(ctx, g, *, geom: Geometry):
    n, c = g.shape[:2]
    cols = g.reshape(n, c, 1, geom.length).expand(n, c, geom.taps, geom.length)
    return (col2im(cols.reshape(n, c * geom.taps, geom.length), geom=geom),)


@window_sum.def_jvp
def _(ctx, tangents, *, geom: Geometry):
    return window_sum(tangents[0], geom=geom)


def window_counts(geom: Geometry, include_pad: bool) -> list:
    """Per spatial dim, the number of elements each window covers: inside the input, or
    inside input plus its (declared, not ceil-mode) padding."""
    counts = []
    for s, k, st, (lo, _), o in zip(geom.size, geom.kernel, geom.stride, geom.pads,
                                    geom.grid):
        low, high = (-lo, s + lo) if include_pad else (0, s)
        counts.append([min(i * st - lo + k, high) - max(i * st - lo, low) for i in range(o)])
    return counts


__all__: list[str] = []
