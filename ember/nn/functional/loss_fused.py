"""The fused cross entropy for class indices (no weight, no label smoothing): one primitive
computing ``logsumexp(x) - x[target]`` per sample, whose backward is ``softmax(x) - onehot``.

It skips materialising the (N, C) log-softmax and the gather/where/take graph of the
composition; ``benchmarks/nn_cross_entropy.py`` measures the gain. Without ``create_graph``
the backward reuses the softmax computed in forward; with it, the backward is written in
differentiable ember ops (``softmax``), so double backward works.
"""

from __future__ import annotations

from ...autograd.grad_mode import STATE as _GRAD
from ...ops.registry import defop
from ...tensor import Tensor, _make
from .activation_softmax import _quiet, _shifted, softmax


@defop("cross_entropy_indices", save=(0,))
def _ce_indices(ctx, x, target, *, ignore_index, reduction):
    xp = ctx.xp
    valid = target != ignore_index
    safe = xp.where(valid, target, 0)
    with _quiet(xp):
        s = _shifted(xp, x, 1)
        e = xp.exp(s)
        total = e.sum(axis=1, keepdims=True)
        rows = xp.arange(x.shape[0])  # fancy indexing: NumPy's take_along_axis is ~7 us slower
        picked = s[rows, safe]
        loss = xp.where(valid, xp.log(total[:, 0]) - picked, 0)
    count = int(valid.sum()) if reduction == "mean" else 0
    if ctx.needs_input_grad:  # a recording ctx: keep what backward needs
        e /= total
        ctx.arrays = (e.astype(x.dtype, copy=False), valid, safe, count)
    if reduction == "sum":
        loss = loss.sum()
    elif reduction == "mean":  # all targets ignored: nan, as in PyTorch
        loss = loss.sum() / count if count else xp.asarray(xp.nan)
    return xp.asarray(loss).astype(x.dtype, copy=False)


@_ce_indices.def_backward
def _(ctx, g, *, ignore_index, reduction):
    (x,) = ctx.saved
    probs, valid, safe, count = ctx.arrays
    xp = ctx.xp
    onehot = xp.zeros(probs.shape, probs.dtype)
    onehot[xp.arange(probs.shape[0]), safe] = 1
    p = softmax(x, 1) if _GRAD.grad_enabled else _make(probs)  # differentiable if needed
    weight = valid.astype(probs.dtype)
    if reduction == "mean":  # a zero gradient when every target is ignored (not nan)
        weight *= (1.0 / count) if count else 0.0
    scale = (g * _make(weight)).unsqueeze(1) if reduction == "none" else g * _make(weight)[:, None]
    return (p - _make(onehot)) * scale, None


def cross_entropy_indices(logits: Tensor, target: Tensor, ignore_index: int,
                          reduction: str) -> Tensor:
    """Checked (N, C, d...) logits and targets -> the reduced loss, through one primitive
    (the reduction is part of it: one recorded op per call)."""
    class_dim = 0 if logits.ndim == 1 else 1
    n_classes = logits.shape[class_dim]
    flat = logits.movedim(class_dim, -1).reshape(-1, n_classes) if logits.ndim != 2 else logits
    flat_target = target if target.ndim == 1 else target.reshape(-1)
    loss = _ce_indices(flat, flat_target, ignore_index=ignore_index, reduction=reduction)
    return loss.reshape(target.shape) if reduction == "none" else loss


__all__: list[str] = []
