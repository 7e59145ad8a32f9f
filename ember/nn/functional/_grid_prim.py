"""The three primitives behind ``grid_sample``: weighted gathers of the input's pixels and
their adjoints.

``grid_sample`` reads, for each output point ``p`` of batch ``n``, ``K`` taps (the ``2^d``
corners of bilinear/trilinear sampling, the 16 of bicubic, the one pixel of nearest) at
flat pixel positions ``index[n, k, p]`` and blends them with ``weight[n, k, p]``. The
weights are cheap functions of the grid (one value per point, not per channel) and stay an
ember composition; the per-channel work is three linear maps, each a primitive:

* ``gather(flat, index, weight)[n, c, p] = sum_k flat[n, c, index[n, k, p]] * weight[n, k, p]``
* ``scatter(g, index, weight)[n, c, l] =
  sum_{k, p: index[n, k, p] = l} g[n, c, p] * weight[n, k, p]``
* ``gather_dot(flat, index, g)[n, k, p] = sum_c flat[n, c, index[n, k, p]] * g[n, c, p]``

Each is linear in both of its tensor arguments and its gradients are the other two, so the
set is closed under differentiation: gradients of any order and forward mode come out of
the three. ``scatter`` sums with ``bincount`` (a sort-free histogram, several times faster
than ``add.at``), a few channels per call so that the keys stay in cache.

>>> import ember
>>> from ember.nn.functional._grid_prim import gather
>>> flat = ember.tensor([[[1.0, 2.0, 4.0]]])
>>> gather(flat, ember.tensor([[[0], [2], [3]]]), ember.tensor([[[0.5], [0.25], [1.0]]])
... ).tolist()
[[[1.5]]]
"""

from __future__ import annotations

from ...ops.registry import defop
from ...tensor import Tensor

_KEYS_PER_CALL = 1 << 15  # bincount entries per call: larger calls run 2-4x slower per key


def _rows(xp, index, length: int):
    """``index`` (N, K, P) as row numbers of the (N * (length + 1), C) channels-last table
    (each image's pixels and its zero pad)."""
    n = index.shape[0]
    return xp.arange(n, dtype=index.dtype).reshape(n, 1, 1) * (length + 1) + index


def _taps(xp, flat, index):
    """``flat[n, :, index[n, k, p]]`` laid out (N, K, P, C): whole channel rows per tap;
    index ``L`` reads zeros."""
    n, c, length = flat.shape
    table = xp.zeros((n, length + 1, c), dtype=flat.dtype)
    table[:, :length] = flat.transpose(0, 2, 1)
    return xp.take(table.reshape(n * (length + 1), c), _rows(xp, index, length), axis=0)


@defop("grid_sample_gather", save=(0, 1, 2))
def _gather(ctx, flat, index, weight):
    xp = ctx.xp
    # einsum sums the short tap and channel axes 2-4x faster than a product and .sum
    return xp.einsum("nkpc,nkp->ncp", _taps(xp, flat, index), weight)


@_gather.def_backward
def _(ctx, g):
    flat, index, weight = ctx.saved
    need = ctx.needs_input_grad
    return (scatter(g, index, weight, flat.shape[2]) if need[0] else None, None,
            gather_dot(flat, index, g) if need[2] else None)


@_gather.def_jvp
def _(ctx, tangents):
    flat, index, weight = ctx.inputs
    return _sum(gather(tangents[0], index, weight) if tangents[0] is not None else None,
                gather(flat, index, tangents[2]) if tangents[2] is not None else None)


@defop("grid_sample_scatter", save=(0, 1, 2))
def _scatter(ctx, g, index, weight, *, length):
    xp = ctx.xp
    n, c, _ = g.shape
    keys = _rows(xp, index, length).reshape(-1)
    bins = n * (length + 1)  # the pad's bins collect the taps outside, then are dropped
    out = xp.empty((c, bins), dtype=g.dtype)
    step = max(1, _KEYS_PER_CALL // max(keys.size, 1))
    for c0 in range(0, c, step):
        chunk = min(step, c - c0)
        # channel j of the chunk counts into bins j * n * length + key
        vals = g[:, c0:c0 + chunk, None, :] * weight[:, None]  # (N, chunk, K, P)
        vals = vals.transpose(1, 0, 2, 3).reshape(-1)
        spread = xp.arange(chunk, dtype=keys.dtype)[:, None] * bins + keys
        out[c0:c0 + chunk] = xp.bincount(spread.reshape(-1), weights=vals,
                                         minlength=chunk * bins).reshape(chunk, -1)
    return xp.ascontiguousarray(out.reshape(c, n, length + 1)[:, :, :length]
                                .transpose(1, 0, 2))


@_scatter.def_backward
def _(ctx, grad, *, length):
    g, index, weight = ctx.saved
    need = ctx.needs_input_grad
    return (gather(grad, index, weight) if need[0] else None, None,
            gather_dot(grad, index, g) if need[2] else None)


@_scatter.def_jvp
def _(ctx, tangents, *, length):
    g, index, weight = ctx.inputs
    return _sum(scatter(tangents[0], index, weight, length) if tangents[0] is not None
                else None,
                scatter(g, index, tangents[2], length) if tangents[2] is not None else None)


@defop("grid_sample_gather_dot", save=(0, 1, 2))
def _gather_dot(ctx, flat, index, g):
    xp = ctx.xp
    return xp.einsum("nkpc,ncp->nkp", _taps(xp, flat, index), g)


@_gather_dot.def_backward
def _(ctx, grad):
    flat, index, g = ctx.saved
    need = ctx.needs_input_grad
    return (scatter(g, index, grad, flat.shape[2]) if need[0] else None, None,
            gather(flat, index, grad) if need[2] else None)


@_gather_dot.def_jvp
def _(ctx, tangents):
    flat, index, g = ctx.inputs
    return _sum(gather_dot(tangents[0], index, g) if tangents[0] is not None else None,
                gather_dot(flat, index, tangents[2]) if tangents[2] is not None else None)


def _sum(a: Tensor | None, b: Tensor | None) -> Tensor | None:
    return b if a is None else a if b is None else a + b


def gather(flat: Tensor, index: Tensor, weight: Tensor) -> Tensor:
    """``sum_k flat[n, c, index[n, k, p]] * weight[n, k, p]``: (N, C, L), (N, K, P) int64
    and (N, K, P) give (N, C, P). Indices lie in ``[0, L]``; index ``L`` (a tap outside the
    input) reads 0, so a non-finite pixel is never blended in with weight 0."""
    return _gather(flat, index, weight)


def scatter(g: Tensor, index: Tensor, weight: Tensor, length: int) -> Tensor:
    """The adjoint of :func:`gather` in ``flat``: (N, C, P) spread into (N, C, ``length``)."""
    return _scatter(g, index, weight, length=int(length))


def gather_dot(flat: Tensor, index: Tensor, g: Tensor) -> Tensor:
    """The adjoint of :func:`gather` in ``weight``: (N, C, L) and (N, C, P) give
    (N, K, P)."""
    return _gather_dot(flat, index, g)
