"""The fast path of max pooling for non-overlapping windows: ``stride == kernel_size``,
no padding, no dilation, no ceil-mode window (trailing rows/columns that fill no window are
dropped, as in PyTorch).

Every input element then lies in at most one window, so:

* forward: the input is viewed as ``(N, C, O1, k1, O2, k2, ...)`` and reduced one window
  dim at a time, last dim first, with elementwise ``maximum``/``greater`` over the taps.
  The within-window argmax is kept as a small ``uint8`` (``taps <= 256``), not as global
  int64 indices; those are built only for ``return_indices``. Each level writes its
  results with the next level's tap axis outermost, so the next level reads contiguous
  slices.
* backward: a dense elementwise op, one pass per kernel tap: ``grad_in`` at tap ``t`` of a
  window is ``grad_out`` where the argmax is ``t``, else 0 (zeros for dropped trailing
  rows/columns). No ``ufunc.at`` scatter.

Ties follow PyTorch's loop ``if (val > maxval || isnan(val))`` over the window in
row-major order: the first maximum wins, and in a window holding NaN the last NaN wins.
Reducing the last dim first keeps that order: a later level picks the first row holding
the maximum and keeps that row's own first maximum (or the last NaN row and its last NaN).

The backward ``max_pool_spread`` is linear in ``grad_out``; its backward is
``max_pool_pick`` (the value at each window's argmax) and vice versa, so double backward
and forward mode stay on these ops.

>>> import ember
>>> out, taps = max_pool_blocks(ember.tensor([[[1.0, 3.0, 3.0, 2.0, 5.0]]]), kernel=(2,))
>>> out.tolist(), taps.tolist()
([[[3.0, 3.0]]], [[[1, 0]]])
"""

from __future__ import annotations

from ...ops._common import keep_where
from ...ops.registry import defop
from ...tensor import _make
from ._im2col import Geometry


def applies(geom: Geometry, shape: tuple) -> bool:
    """Whether max pooling with ``geom`` on an input of ``shape`` takes the fast path."""
    taps = 1
    for k in geom.kernel:
        taps *= k
    return (tuple(geom.stride) == tuple(geom.kernel) and taps <= 256
            and all(d == 1 for d in geom.dilation)
            and all(lo == 0 and hi == 0 for lo, hi in geom.pads)
            and tuple(geom.grid) == tuple(s // k for s, k in zip(geom.size, geom.kernel))
            and all(d > 0 for d in shape))


def _grid(size: tuple, kernel: tuple) -> tuple:
    return tuple(s // k for s, k in zip(size, kernel))


def _tap_slices(grid: tuple, kernel: tuple, tap: tuple) -> tuple:
    """The strided slice of the input that kernel tap ``tap`` reads, one element per window."""
    return (slice(None), slice(None)) + tuple(
        slice(a, a + o * k - k + 1, k) for a, o, k in zip(tap, grid, kernel))


def _taps(kernel: tuple) -> list:
    """All kernel taps in row-major order (tap ``t`` of the argmax is ``_taps(kernel)[t]``)."""
    taps = [()]
    for k in kernel:
        taps = [t + (a,) for t in taps for a in range(k)]
    return taps


def _blocks(xp, x, kernel: tuple):
    """``x`` ``(N, C, *size)`` as ``(N, C, O1, k1, O2, k2, ...)``, trailing rest dropped."""
    grid = _grid(x.shape[2:], kernel)
    x = x[(slice(None), slice(None)) + tuple(slice(0, o * k) for o, k in zip(grid, kernel))]
    shape = tuple(x.shape[:2])
    for o, k in zip(grid, kernel):
        shape += (o, k)
    return x.reshape(shape)


def _level_buffers(xp, shape: tuple, front: int | None, dtype):
    """Empty arrays of ``shape`` (values, taps) whose axis ``front`` is laid out outermost,
    so that slicing it, as the next level does, gives contiguous arrays."""
    def alloc(dt):
        if front is None:
            return xp.empty(shape, dtype=dt)
        rest = shape[:front] + shape[front + 1:]
        return xp.moveaxis(xp.empty((shape[front],) + rest, dtype=dt), 0, front)
    return alloc(dtype), alloc(xp.uint8)


def _reduce_level(xp, v, p, axis: int, inner: int, front: int | None, nan: bool):
    """Reduce window axis ``axis`` of values ``v`` (and within-window argmax ``p`` over the
    ``inner`` taps of the dims after it, or None at the first level): the max over the
    axis and the combined argmax ``a * inner + p[a]``, first maximum first. With ``nan``,
    windows holding NaN get the last NaN instead (see the module docstring)."""
    k = v.shape[axis]
    head = (slice(None),) * axis
    vs = [v[head + (a,)] for a in range(k)]
    ps = None if p is None else [p[head + (a,)] for a in range(k)]
    shape = vs[0].shape
    out, idx = _level_buffers(xp, shape, front, v.dtype)
    if k == 1:
        out[...] = vs[0]
        idx[...] = 0 if ps is None else ps[0]
        return out, idx
    gt = xp.greater(vs[1], vs[0])
    xp.maximum(vs[0], vs[1], out=out)
    if ps is None:
        idx[...] = gt
    else:  # idx = gt ? inner + p1 : p0, in uint8 arithmetic (wrap-around cancels)
        step = xp.subtract(ps[1], ps[0])
        step += inner
        step *= gt
        xp.add(ps[0], step, out=idx)
    for a in range(2, k):
        gt = xp.greater(vs[a], out)
        step = xp.subtract(a * inner, idx) if ps is None else xp.subtract(ps[a], idx)
        if ps is not None:
            step += a * inner
        step *= gt
        idx += step
        xp.maximum(out, vs[a], out=out)
    if nan:  # ascending taps: the last NaN of the window wins
        for a in range(k):
            xp.copyto(idx, a * inner if ps is None else ps[a] + a * inner,
                      where=xp.isnan(vs[a]))
    return out, idx


def block_max(xp, x, kernel: tuple, nan: bool = False):
    """Max over non-overlapping windows of ``x`` ``(N, C, *size)`` and the within-window
    argmax as ``uint8`` (row-major tap number), both ``(N, C, *grid)``."""
    v, p = _blocks(xp, x, kernel), None
    inner = 1
    for i in range(len(kernel) - 1, -1, -1):
        axis = 3 + 2 * i
        front = 3 + 2 * (i - 1) if i else None  # the next level's tap axis
        v, p = _reduce_level(xp, v, p, axis, inner, front, nan)
        inner *= kernel[i]
    if not nan and xp.isnan(v).any():  # NaN propagates into the max, so this finds any
        return block_max(xp, x, kernel, nan=True)
    return xp.ascontiguousarray(v), xp.ascontiguousarray(p)


def spread_array(xp, g, taps, kernel: tuple, size: tuple):
    """The adjoint of :func:`pick_array`: ``g`` ``(N, C, *grid)`` placed at each window's
    argmax in zeros of ``(N, C, *size)``."""
    grid = tuple(g.shape[2:])
    shape = tuple(g.shape[:2]) + tuple(size)
    full = all(o * k == s for o, k, s in zip(grid, kernel, size))
    out = xp.empty(shape, dtype=g.dtype) if full else xp.zeros(shape, dtype=g.dtype)
    for t, tap in enumerate(_taps(kernel)):
        # g where the argmax is this tap, else +0.0, bit for bit (also for inf/NaN in g)
        keep_where(xp, g, taps == t, out=out[_tap_slices(grid, kernel, tap)])
    return out


def pick_array(xp, y, taps, kernel: tuple):
    """The element of ``y`` ``(N, C, *size)`` at each window's argmax, ``(N, C, *grid)``."""
    grid = tuple(taps.shape[2:])
    out = xp.zeros(taps.shape, dtype=y.dtype)
    for t, tap in enumerate(_taps(kernel)):
        xp.copyto(out, y[_tap_slices(grid, kernel, tap)], where=taps == t)
    return out


def flat_indices(xp, taps, kernel: tuple, size: tuple):
    """PyTorch's ``return_indices``: the flat (over the spatial dims) input index of each
    window's argmax, int64."""
    grid = tuple(taps.shape[2:])
    nd = len(kernel)
    t = taps.astype(xp.int64)
    flat = None
    inner = 1
    for k in kernel:
        inner *= k
    for i, (o, k, s) in enumerate(zip(grid, kernel, size)):
        inner //= k
        shape = [1] * (2 + nd)
        shape[2 + i] = o
        pos = (xp.arange(o, dtype=xp.int64) * k).reshape(shape) + (t // inner) % k
        flat = pos if flat is None else flat * s + pos
    return flat


@defop("max_pool_blocks", nondiff_outputs=(1,))
def max_pool_blocks(ctx, x, *, kernel: tuple):
    """Max over non-overlapping windows of ``x`` ``(N, C, *size)`` and each window's argmax
    as a ``uint8`` row-major tap number, both ``(N, C, *grid)``."""
    fused = ctx.backend.kernels.max_pool2d(x, kernel)
    values, taps = block_max(ctx.xp, x, kernel) if fused is None else fused
    ctx.arrays = (taps,)
    return values, taps


@max_pool_blocks.def_backward
def _(ctx, g, _taps_grad, *, kernel: tuple):
    (taps,) = ctx.arrays
    return (max_pool_spread(g, _make(taps), kernel=kernel, size=tuple(ctx.in_shapes[0][2:])),)


@max_pool_blocks.def_jvp
def _(ctx, tangents, *, kernel: tuple):
    return max_pool_pick(tangents[0], ctx.outputs[1], kernel=kernel), None


@defop("max_pool_spread", save=(1,))
def max_pool_spread(ctx, g, taps, *, kernel: tuple, size: tuple):
    """``g`` ``(N, C, *grid)`` at each window's argmax ``taps``, zeros elsewhere."""
    out = ctx.backend.kernels.max_pool2d_spread(g, taps, kernel, size)
    return spread_array(ctx.xp, g, taps, kernel, size) if out is None else out


@max_pool_spread.def_backward
def _(ctx, gg, *, kernel: tuple, size: tuple):
    (taps,) = ctx.saved
    return max_pool_pick(gg, taps, kernel=kernel), None


@max_pool_spread.def_jvp
def _(ctx, tangents, *, kernel: tuple, size: tuple):
    return max_pool_spread(tangents[0], ctx.inputs[1], kernel=kernel, size=size)


@defop("max_pool_pick", save=(1,))
def max_pool_pick(ctx, y, taps, *, kernel: tuple):
    """The element of ``y`` ``(N, C, *size)`` at each window's argmax ``taps``."""
    return pick_array(ctx.xp, y, taps, kernel)


@max_pool_pick.def_backward
def _(ctx, g, *, kernel: tuple):
    (taps,) = ctx.saved
    return max_pool_spread(g, taps, kernel=kernel, size=tuple(ctx.in_shapes[0][2:])), None


@max_pool_pick.def_jvp
def _(ctx, tangents, *, kernel: tuple):
    return max_pool_pick(tangents[0], ctx.inputs[1], kernel=kernel)


@defop("max_pool_block_indices", differentiable=False)
def max_pool_block_indices(ctx, taps, *, kernel: tuple, size: tuple):
    """PyTorch's int64 ``return_indices`` from the ``uint8`` window argmax ``taps``."""
    return flat_indices(ctx.xp, taps, kernel, size)


__all__: list[str] = []
