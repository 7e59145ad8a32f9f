"""``cdist``'s difference path (any ``p``, and ``p = 2`` for few rows) as two primitives:
the distances, and their gradient with respect to one input.

Both walk the rows of ``x1`` a few at a time, so the ``(rows, R, M)`` differences they
build stay in cache instead of a ``(B, P, R, M)`` tensor going through memory once per
elementwise op, with the coordinates leading so the sum over them adds whole planes.
The gradient of the distances with respect to ``x2`` is the same primitive with the roles
of the inputs swapped (the derivative of a norm is odd in the difference). The gradient
primitive's own backward, only used for second derivatives, is a composition that
materialises the differences.

>>> import ember
>>> from ember.ops.distance_p import pnorm_cdist
>>> pnorm_cdist(ember.tensor([[[0.0, 0.0]]]), ember.tensor([[[3.0, -4.0]]]), 1.0).tolist()
[[[7.0]]]
"""

from __future__ import annotations

import math

from ..tensor import Tensor
from .registry import defop

_CHUNK = 1 << 15  # difference elements per step: 128 KB of float32 stays in L2 cache


def _row_steps(b: int, r: int, m: int, p_rows: int):
    step = max(1, _CHUNK // max(b * r * m, 1))
    for i0 in range(0, p_rows, step):
        yield i0, min(i0 + step, p_rows)


def _coordinates_first(xp, x):
    """(B, rows, M) as a contiguous (B, M, rows): each step then reads whole rows."""
    return xp.ascontiguousarray(x.transpose(0, 2, 1))


def _norm(xp, diff, p: float):
    """The ``p``-norm over axis 1 of differences ``diff`` (B, M, rows, R), overwritten."""
    if p == 2:
        return xp.sqrt(xp.square(diff, out=diff).sum(axis=1))
    a = xp.abs(diff, out=diff)
    if p == 1:
        return a.sum(axis=1)
    if p == math.inf:
        return a.max(axis=1)
    if p == 0:
        return (a != 0).sum(axis=1)
    return xp.power(a, p, out=a).sum(axis=1) ** (1 / p)


def _sign(xp, x):
    """``sign(x)`` as int8 (0 at 0 and NaN): about twice as fast as the float ``sign``."""
    return (x > 0).view(xp.int8) - (x < 0).view(xp.int8)


def _phi(xp, diff, dist, p: float):
    """The derivative of the distance with respect to the difference, PyTorch's
    _cdist_backward: 0 where the distance is 0, and for ``p < 1`` also where the
    difference is 0 (``sign(0) * 0 ** (p - 1)`` would be 0 * inf). Overwrites ``diff``."""
    if p == 1:
        return _sign(xp, diff)
    if p == math.inf:
        return _sign(xp, diff) * (xp.abs(diff, out=diff) == dist)
    if p == 2:
        phi = xp.divide(diff, dist, out=diff)
    else:
        sign = xp.sign(diff)
        a = xp.abs(diff, out=diff)
        phi = sign * a ** (p - 1) / dist ** (p - 1)
        if p < 1:
            return xp.where((dist == 0) | (a == 0), 0, phi)
    return xp.where(dist == 0, 0, phi)


@defop("cdist_pnorm", save=(0, 1), save_output=True)
def _cdist(ctx, x1, x2, *, p):
    xp = ctx.xp
    b, rows, m = x1.shape
    r = x2.shape[1]
    x1t, x2t = _coordinates_first(xp, x1), _coordinates_first(xp, x2)
    out = xp.empty((b, rows, r), dtype=x1.dtype)
    for i0, i1 in _row_steps(b, r, m, rows):
        out[:, i0:i1] = _norm(xp, x1t[:, :, i0:i1, None] - x2t[:, :, None, :], p)
    return out


@_cdist.def_backward
def _(ctx, g, *, p):
    x1, x2 = ctx.saved
    dist = ctx.output
    need = ctx.needs_input_grad
    if p == 0:  # piecewise constant: zero gradients, as PyTorch's
        from .creation import zeros_like

        return (zeros_like(x1) if need[0] else None, zeros_like(x2) if need[1] else None)
    return (_cdist_grad(g, x1, x2, dist, p=p) if need[0] else None,
            _cdist_grad(g.mT, x2, x1, dist.mT, p=p) if need[1] else None)


@_cdist.def_jvp
def _(ctx, tangents, *, p):
    x1, x2 = ctx.inputs
    phi = _phi_composite(x1, x2, ctx.output, p)
    out = None
    if tangents[0] is not None:
        out = (phi * tangents[0].unsqueeze(-2)).sum(-1)
    if tangents[1] is not None:
        t2 = (phi * tangents[1].unsqueeze(-3)).sum(-1)
        out = -t2 if out is None else out - t2
    return out


@defop("cdist_pnorm_grad", save=(0, 1, 2, 3))
def _cdist_grad(ctx, g, x1, x2, dist, *, p):
    xp = ctx.xp
    b, rows, m = x1.shape
    r = x2.shape[1]
    x1t, x2t = _coordinates_first(xp, x1), _coordinates_first(xp, x2)
    # (the gradient of x2 comes with g and dist transposed)
    g, dist = xp.ascontiguousarray(g), xp.ascontiguousarray(dist)
    out = xp.empty((b, rows, m), dtype=x1.dtype)
    for i0, i1 in _row_steps(b, r, m, rows):
        phi = _phi(xp, x1t[:, :, i0:i1, None] - x2t[:, :, None, :], dist[:, None, i0:i1], p)
        out[:, i0:i1] = xp.einsum("bmij,bij->bim", phi, g[:, i0:i1])
    return out


@_cdist_grad.def_backward
def _(ctx, h, *, p):
    from .elementwise import where

    g, x1, x2, dist = ctx.saved
    phi = _phi_composite(x1, x2, dist, p)  # (B, P, R, M)
    hr = h.unsqueeze(-2)
    dg = (phi * hr).sum(-1)
    if p in (1, math.inf):  # piecewise constant in x1, x2 and the distance
        return dg, None, None, None
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    zero = dist.unsqueeze(-1) == 0
    if p < 1:  # phi is held at 0 where the difference is 0, so is its slope
        zero = zero | (diff == 0)
    # d phi / d diff = (p - 1) |diff|^(p - 2) / dist^(p - 1), 0 at zero distance
    slope = where(zero, 0.0, (p - 1) * diff.abs() ** (p - 2)
                  / dist.unsqueeze(-1) ** (p - 1)) * g.unsqueeze(-1) * hr
    # d phi / d dist = (1 - p) phi / dist
    ddist = where(dist == 0, 0.0, g * (1 - p) / dist * dg)
    return dg, slope.sum(-2), -slope.sum(-3), ddist


def _phi_composite(x1: Tensor, x2: Tensor, dist: Tensor, p: float) -> Tensor:
    """``_phi`` as ember ops, (B, P, R, M): for second derivatives and forward mode."""
    from .elementwise import where

    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    d = dist.unsqueeze(-1)
    if p == 0:
        return diff * 0
    if p == 1:
        return diff.sign()
    if p == math.inf:
        return diff.sign() * (diff.abs() == d).to(diff.dtype)
    if p < 1:  # 0 where the difference is 0 (PyTorch's rule), without 0 * inf anywhere
        safe = where(diff == 0, 1.0, diff.abs())
        return where(d == 0, 0.0, diff.sign() * safe ** (p - 1) / d ** (p - 1))
    phi = diff / d if p == 2 else diff.sign() * diff.abs() ** (p - 1) / d ** (p - 1)
    return where(d == 0, 0.0, phi)


def pnorm_cdist(x1: Tensor, x2: Tensor, p: float) -> Tensor:
    """The ``p``-norm distances (B, P, R) between the rows of ``x1`` (B, P, M) and ``x2``
    (B, R, M), one batch dim, ``M >= 1`` (``cdist`` checks and reshapes)."""
    return _cdist(x1, x2, p=float(p))
