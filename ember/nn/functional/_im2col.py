"""The N-d sliding-window machinery shared by convolution, transposed convolution and
``unfold``/``fold``: two linear primitives that are each other's adjoint.

* ``im2col(x)``: ``(N, C, *size)`` -> ``(N, C * prod(kernel), prod(grid))``, the column
  matrix, built from one strided view of the (zero-padded) input and one copy; no Python
  loop over pixels.
* ``col2im(cols)``: the adjoint, scatter-adding every kernel tap back into the image (a loop
  over the kernel taps, each a strided slice of the whole batch).

Both take a :class:`Geometry`. ``im2col``'s backward is ``col2im`` and vice versa, so any
number of backward passes stays inside these two ops.

>>> import ember
>>> g = Geometry(size=(3, 3), kernel=(2, 2), dilation=(1, 1), pads=((0, 0), (0, 0)),
...              stride=(1, 1))
>>> g.grid
(2, 2)
>>> im2col(ember.arange(9.0).reshape(1, 1, 3, 3), geom=g).shape
ember.Size([1, 4, 4])
"""

from __future__ import annotations

from typing import NamedTuple

from ...ops.registry import defop


class Geometry(NamedTuple):
    """Where the windows lie: spatial ``size`` of the image (unpadded), ``kernel``,
    ``dilation``, ``pads`` as ``(before, after)`` per dim, ``stride``. ``out`` overrides the
    window grid (transposed convolution with ``output_padding`` asks for exactly its
    input's grid)."""

    size: tuple
    kernel: tuple
    dilation: tuple
    pads: tuple
    stride: tuple
    out: tuple | None = None

    @property
    def padded(self) -> tuple:
        return tuple(s + lo + hi for s, (lo, hi) in zip(self.size, self.pads))

    @property
    def grid(self) -> tuple:
        if self.out is not None:
            return self.out
        return tuple((p - d * (k - 1) - 1) // s + 1 for p, k, d, s in
                     zip(self.padded, self.kernel, self.dilation, self.stride))

    @property
    def taps(self) -> int:
        n = 1
        for k in self.kernel:
            n *= k
        return n

    @property
    def length(self) -> int:
        n = 1
        for o in self.grid:
            n *= o
        return n


def _tap_slices(geom: Geometry, tap: tuple) -> tuple:
    """The slice of the padded image that kernel tap ``tap`` reads, over the whole grid."""
    return tuple(slice(k * d, k * d + s * (o - 1) + 1, s) for k, d, s, o in
                 zip(tap, geom.dilation, geom.stride, geom.grid))


def _taps(kernel: tuple):
    """All kernel taps in row-major order (the order of the column matrix's rows)."""
    taps = [()]
    for k in kernel:
        taps = [t + (i,) for t in taps for i in range(k)]
    return taps


def windows(xp, x, geom: Geometry, fill: float = 0.0):
    """A read-only strided view ``(N, C, *kernel, *grid)`` of ``x`` ``(N, C, *size)``,
    padded with ``fill``: element ``[n, c, *tap, *pos]`` is what kernel tap ``tap`` of the
    window at ``pos`` reads. No copy beyond the padding."""
    if any(lo or hi for lo, hi in geom.pads):
        x = xp.pad(x, ((0, 0), (0, 0)) + tuple(geom.pads), constant_values=fill)
    st = x.strides
    spatial = st[2:]
    shape = tuple(x.shape[:2]) + tuple(geom.kernel) + tuple(geom.grid)
    strides = (st[0], st[1]) + tuple(s * d for s, d in zip(spatial, geom.dilation)) + \
        tuple(s * t for s, t in zip(spatial, geom.stride))
    return xp.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)


def im2col_array(xp, x, geom: Geometry):
    """The column matrix of backend array ``x`` (see the module docstring)."""
    n, c = x.shape[:2]
    if min(geom.grid, default=1) <= 0 or x.size == 0:
        return xp.zeros((n, c * geom.taps, max(geom.length, 0)), dtype=x.dtype)
    # One copy of the window view into (N, C*K, L): rows ordered (channel, tap), columns
    # (output position), so the GEMM W (O, C*K) @ cols (C*K, L) yields (O, L), already the
    # NCHW output layout.
    return windows(xp, x, geom).reshape(n, c * geom.taps, geom.length)


def col2im_array(xp, cols, geom: Geometry):
    """The adjoint of :func:`im2col_array`: ``(N, C*K, L)`` -> ``(N, C, *size)``."""
    n, ck = cols.shape[:2]
    c = ck // geom.taps
    grid = geom.grid
    padded = xp.zeros((n, c) + geom.padded, dtype=cols.dtype)
    if cols.size:
        view = cols.reshape((n, c) + tuple(geom.kernel) + tuple(grid))
        for tap in _taps(geom.kernel):  # a loop over kernel taps, each a whole-batch slice
            padded[(slice(None), slice(None)) + _tap_slices(geom, tap)] += \
                view[(slice(None), slice(None)) + tap]
    if not any(lo or hi for lo, hi in geom.pads):
        return padded
    crop = tuple(slice(lo, lo + s) for (lo, _), s in zip(geom.pads, geom.size))
    return padded[(slice(None), slice(None)) + crop]


@defop("im2col")
def im2col(ctx, x, *, geom: Geometry):
    """Column matrix ``(N, C * prod(kernel), prod(grid))`` of ``x`` ``(N, C, *size)``."""
    return im2col_array(ctx.xp, x, geom)


@im2col.def_backward
def _(ctx, g, *, geom: Geometry):
    return (col2im(g, geom=geom),)


@im2col.def_jvp
def _(ctx, tangents, *, geom: Geometry):
    return im2col(tangents[0], geom=geom)


@defop("col2im")
def col2im(ctx, cols, *, geom: Geometry):
    """Sum the columns ``(N, C * prod(kernel), prod(grid))`` back into ``(N, C, *size)``."""
    out = col2im_array(ctx.xp, cols, geom)
    return out if out.flags.c_contiguous else out.copy()


@col2im.def_backward
def _(ctx, g, *, geom: Geometry):
    return (im2col(g, geom=geom),)


@col2im.def_jvp
def _(ctx, tangents, *, geom: Geometry):
    return col2im(tangents[0], geom=geom)


__all__: list[str] = []
