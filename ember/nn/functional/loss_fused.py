"""The fused cross entropy for class indices (no weight, no label smoothing): one primitive
computing ``logsumexp(x) - x[target]`` per sample, whose backward is ``softmax(x) - onehot``.

It skips materialising the (N, C) log-softmax and the gather/where/take graph of the
composition; ``benchmarks/nn_cross_entropy.py`` measures the gain. Where the backend has
row kernels (``log_softmax_stats`` and ``softmax_xent_backward``: numba on the CPU, float32)
the forward keeps only each row's shift and log-sum-exp and the backward recomputes the
softmax from them in one pass; otherwise the forward keeps the softmax for the backward.
With ``create_graph`` the backward is written in differentiable ember ops (``softmax``),
so double backward works.
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
    rows = xp.arange(x.shape[0])  # fancy indexing: NumPy's take_along_axis is ~7 us slower
    count = int(valid.sum()) if reduction == "mean" else 0
    stats = ctx.backend.kernels.log_softmax_stats(x)
    if stats is not None:  # fused: the backward recomputes the softmax from these
        shift, logsum = stats
        with _quiet(xp):
            loss = xp.where(valid, logsum - (x[rows, safe] - shift), 0)
        probs = None
    else:
        with _quiet(xp):
            s = _shifted(xp, x, 1)
            probs = xp.exp(s)
            total = probs.sum(axis=1, keepdims=True)
            loss = xp.where(valid, xp.log(total[:, 0]) - s[rows, safe], 0)
            probs /= total
    if ctx.needs_input_grad:  # a recording ctx: keep what backward needs
        kept = stats if probs is None else probs.astype(x.dtype, copy=False)
        ctx.arrays = (kept, valid, safe, count)
    if reduction == "sum":
        loss = loss.sum()
    elif reduction == "mean":  # all targets ignored: nan, as in PyTorch
        loss = loss.sum() / count if count else xp.asarray(xp.nan)
    return xp.asarray(loss).astype(x.dtype, copy=False)


@_ce_indices.def_backward
def _(ctx, g, *, ignore_index, reduction):
    (x,) = ctx.saved
    kept, valid, safe, count = ctx.arrays
    xp, dtype = ctx.xp, x._data.dtype
    weight = valid.astype(dtype)
    if reduction == "mean":  # a zero gradient when every target is ignored (not nan)
        weight *= (1.0 / count) if count else 0.0
    scale = g * _make(weight)  # per row: (N,) for "none", else g broadcast over rows
    if isinstance(kept, tuple) and not _GRAD.grad_enabled:
        grad = ctx.backend.kernels.softmax_xent_backward(
            x._data, *kept, safe, xp.ascontiguousarray(scale._data, dtype=dtype))
        if grad is not None:
            return _make(grad), None
    if _GRAD.grad_enabled or isinstance(kept, tuple):  # differentiable when create_graph
        p = softmax(x, 1)
    else:
        p = _make(kept)
    onehot = xp.zeros(x.shape, dtype)
    onehot[xp.arange(x.shape[0]), safe] = 1
    return (p - _make(onehot)) * scale.unsqueeze(1), None


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
