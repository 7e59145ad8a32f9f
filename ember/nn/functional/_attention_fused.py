"""A fused primitive for ``scaled_dot_product_attention`` (used by ``attention.py``).

``softmax(Q K^T * scale + mask) V`` in one op: one GEMM writes the scores, the mask is applied
in place (``copyto`` with a cached upper-triangular index for ``is_causal``, the negated bool
mask for a bool mask, no additive ``-inf`` tensor), the softmax runs in place on the same
buffer (or, where the backend has a fused row-softmax kernel, into one new array), and only
the probabilities ``P`` are kept for the backward. The composition
allocates a new score-sized array for the bias add, the shift, the exponential and, in the
backward, three more.

Backward, with ``D = rowsum(dO * O)`` (equal to ``rowsum(dP * P)`` but over ``(..., L, Ev)``
instead of the score tensor)::

    dV = P^T dO,  dP = dO V^T,  dS = P * (dP - D),  dQ = dS K * scale,  dK = dS^T Q * scale

For a first-order backward these run on the arrays: ``P`` is the saved array, ``dS`` is
formed in place, and each gradient is written in its input's memory layout. With
``create_graph=True`` they are written in ember ops and ``P`` is recomputed by the
differentiable composition, so that the second derivative also flows through ``P``.
"""

from __future__ import annotations

from ...autograd.grad_mode import STATE as _GRAD
from ...backends import matmul
from ...ops.registry import defop
from ...tensor import Tensor, _make
from .activation_softmax import _quiet, softmax

_TRIU: dict = {}


def _upper(xp, length: int, source: int):
    """The cached ``(L, S)`` bool array that is True above the diagonal (masked out)."""
    key = (xp.__name__, length, source)
    mask = _TRIU.get(key)
    if mask is None:
        mask = _TRIU[key] = xp.triu(xp.ones((length, source), dtype=bool), 1)
    return mask


def _probs(backend, q, k, mask, scale: float, causal: bool, kind: str):
    xp = backend.xp
    kt = xp.swapaxes(k, -1, -2)
    if kind == "float" or not 0 < q.dtype.type(scale) < float("inf"):
        # the scale first: a float mask adds to scaled scores, and -inf * 0 would be NaN
        # (a scale that rounds to 0 in q's dtype included)
        s, scale = matmul(q * q.dtype.type(scale), kt), 1.0
    else:  # a positive scale commutes with the -inf masking: the softmax applies it
        s = matmul(q, kt)
    if causal:
        xp.copyto(s, -xp.inf, where=_upper(xp, s.shape[-2], s.shape[-1]))
    elif kind == "bool":
        xp.copyto(s, -xp.inf, where=xp.logical_not(mask))
    elif kind == "float":
        s += mask
    p = backend.kernels.softmax_rows(s, scale)
    if p is None:
        if scale != 1.0:
            s *= s.dtype.type(scale)
        with _quiet(xp):
            m = xp.max(s, axis=-1, keepdims=True)
            s -= xp.where(xp.isfinite(m), m, 0)  # a fully masked row gives nan (fixed below)
            xp.exp(s, out=s)
            s *= 1.0 / xp.sum(s, axis=-1, keepdims=True)
        p = s
    dead = dead_rows(xp, mask, kind)
    if dead is not None:
        xp.copyto(p, 0, where=dead)
    return p


def dead_rows(xp, mask, kind: str):
    """Where a mask leaves a query no key at all (a bool row all False, a float row all
    -inf): a bool array broadcasting to the scores, or None when there is no such row.
    PyTorch's attention gives those rows zero weights (so a zero output and no gradient),
    where a plain softmax would give NaN."""
    if kind == "bool":
        dead = xp.logical_not(mask.any(axis=-1, keepdims=True))
    elif kind == "float":
        dead = (mask == -xp.inf).all(axis=-1, keepdims=True)
    else:
        return None
    return dead if dead.any() else None


def _forward(ctx, q, k, v, *mask, scale, causal, kind):
    if not kind:  # no mask operand: the backend may run it all in one kernel
        fused = ctx.backend.kernels.attention(q, k, v, scale, causal,
                                              any(ctx.needs_input_grad))
        if fused is not None:
            ctx.arrays = (fused[1],)
            return fused[0]
    p = _probs(ctx.backend, q, k, mask[0] if mask else None, scale, causal, kind)
    ctx.arrays = (p,)
    # The output takes q's memory layout: for heads split off a projection as views, the
    # merged (L, N, E) result is then a view of it, not a copy.
    return matmul(p, v, _laid_out_like(ctx.xp, q) if q.shape[-1] == v.shape[-1] else None)


def _laid_out_like(xp, x):
    """A new array with ``x``'s shape and memory order, or None (a plain C-contiguous one
    will do) when ``x`` is C-contiguous or its rows are not unit-stride (BLAS could not
    write such an output in place)."""
    if x.flags.c_contiguous or x.strides[-1] != x.itemsize:
        return None
    return xp.empty_like(x)


sdpa = defop("scaled_dot_product_attention_fused", save=(0, 1, 2), save_output=True)(_forward)
sdpa_masked = defop("scaled_dot_product_attention_fused_masked", save=(0, 1, 2, 3),
                    save_output=True)(_forward)


def _composed_probs(xp, q: Tensor, k: Tensor, mask: Tensor | None, scale: float,
                    causal: bool, kind: str) -> Tensor:
    """``P`` in differentiable ember ops (for a backward that is differentiated again)."""
    scores = (q * scale) @ k.transpose(-2, -1)
    if causal:
        scores = scores.masked_fill(_make(_upper(xp, scores.shape[-2], scores.shape[-1])),
                                    float("-inf"))
    elif kind == "bool":
        scores = scores.masked_fill(mask.logical_not(), float("-inf"))
    elif kind == "float":
        scores = scores + mask
    return softmax_live_rows(scores, dead_rows(xp, None if mask is None else mask._data, kind))


def softmax_live_rows(scores: Tensor, dead) -> Tensor:
    """``softmax(scores, -1)`` with zero weights in the rows ``dead`` marks (a bool array or
    None: see :func:`dead_rows`), differentiable: the scores there are made finite first, as
    softmax's gradient of a NaN row is NaN."""
    if dead is None:
        return softmax(scores, dim=-1)
    dead = _make(dead)
    return softmax(scores.masked_fill(dead, 0.0), dim=-1).masked_fill(dead, 0.0)


def _sum_to(t: Tensor, shape: tuple) -> Tensor:
    lead = t.dim() - len(shape)
    if lead:
        t = t.sum(tuple(range(lead)))
    dims = tuple(i for i, n in enumerate(shape) if n == 1 and t.shape[i] != 1)
    return t.sum(dims, keepdim=True) if dims else t


def _backward(ctx, g, *, scale, causal, kind):
    saved = ctx.saved
    q, k, v = saved[:3]
    needs = ctx.needs_input_grad
    if not _GRAD.grad_enabled:
        grads, ds = _plain_backward(ctx.xp, g._data, ctx.output._data, ctx.arrays[0],
                                    q._data, k._data, v._data, needs, scale)
        ds = _make(ds)
    else:  # create_graph: P must carry its own graph
        d = (g * ctx.output).sum(-1, keepdim=True)  # rowsum(dP * P) = rowsum(dO * O)
        p = _composed_probs(ctx.xp, q, k, saved[3] if len(saved) > 3 else None, scale,
                            causal, kind)
        ds = p * (g @ v.transpose(-2, -1) - d)
        grads = ((ds @ k) * scale if needs[0] else None,
                 (ds.transpose(-2, -1) @ q) * scale if needs[1] else None,
                 p.transpose(-2, -1) @ g if needs[2] else None)
    if len(needs) == 3:
        return grads
    return (*grads, _sum_to(ds, ctx.in_shapes[3]) if needs[3] else None)


def _plain_backward(xp, g, out, p, q, k, v, needs, scale: float) -> tuple:
    """The first-order backward on the arrays (the same formulas as the create_graph branch
    of :func:`_backward`): ``dS`` formed in place on ``dP``'s buffer (``P`` is a constant
    here), and each input's gradient laid out like that input, so that heads split off a
    projection as views take their gradients back as views. Returns ``(dq, dk, dv), dS``."""
    d = (g * out).sum(-1, keepdims=True)  # rowsum(dP * P) = rowsum(dO * O)
    ds = matmul(g, xp.swapaxes(v, -1, -2))
    ds -= d
    ds *= p

    def product(a, b, like, factor: float = 1.0):
        result = matmul(a, b, _laid_out_like(xp, like))
        if factor != 1.0:
            result *= result.dtype.type(factor)
        return _make(result)

    return (product(ds, k, q, scale) if needs[0] else None,
            product(xp.swapaxes(ds, -1, -2), q, k, scale) if needs[1] else None,
            product(xp.swapaxes(p, -1, -2), g, v) if needs[2] else None), ds


sdpa.def_backward(_backward)
sdpa_masked.def_backward(_backward)
