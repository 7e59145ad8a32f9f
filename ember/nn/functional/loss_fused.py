"""The fused cross entropy for class indices (no weight, no label smoothing): one primitive
computing ``logsumexp(x) - x[target]`` per sample, whose backward is ``softmax(x) - onehot``.

It skips materialising the (N, C) log-softmax and the gather/where/take graph of the
composition; ``benchmarks/nn_cross_entropy.py`` measures the gain. Where the backend has
row kernels (``softmax_xent_forward`` and ``softmax_xent_backward``: numba on the CPU,
float32, serial for small batches) the forward is one pass that keeps only each row's shift
and log-sum-exp, and the backward recomputes the softmax from them in one pass; otherwise
the forward keeps the softmax for the backward.
With ``create_graph`` the backward is written in differentiable ember ops (``softmax``),
so double backward works.
"""

from __future__ import annotations

from ...autograd.grad_mode import STATE as _GRAD
from ...ops.registry import defop
from ...tensor import Tensor, _make
from .activation_softmax import _quiet, _shifted, softmax


@defop("cross_entropy_indices", save=(0, 1))
def _ce_indices(ctx, x, target, *, ignore_index, reduction):
    xp = ctx.xp
    fused = ctx.backend.kernels.softmax_xent_forward(x, target, ignore_index)
    if fused is not None:  # the backward recomputes the softmax from the row statistics
        shift, logsum, loss, count = fused
        if ctx.needs_input_grad:  # a recording ctx: keep what backward needs
            ctx.arrays = ((shift, logsum), count)
    else:
        valid = target != ignore_index
        safe = xp.where(valid, target, 0)
        rows = xp.arange(x.shape[0])  # fancy indexing: take_along_axis is ~7 us slower
        count = int(valid.sum())
        with _quiet(xp):
            s = _shifted(xp, x, 1)
            probs = xp.exp(s)
            total = probs.sum(axis=1, keepdims=True)
            loss = xp.where(valid, xp.log(total[:, 0]) - s[rows, safe], 0)
            probs /= total
        if ctx.needs_input_grad:
            ctx.arrays = (probs.astype(x.dtype, copy=False), count)
    if reduction == "sum":
        loss = loss.sum()
    elif reduction == "mean":  # all targets ignored: nan, as in PyTorch
        loss = loss.sum() / count if count else xp.asarray(xp.nan)
    return xp.asarray(loss).astype(x.dtype, copy=False)


@_ce_indices.def_backward
def _(ctx, g, *, ignore_index, reduction):
    x, target = ctx.saved
    kept, count = ctx.arrays
    xp, dtype = ctx.xp, x._data.dtype
    valid = target._data != ignore_index
    safe = xp.where(valid, target._data, 0)
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
    shape = logits._data.shape  # plain tuples: ember.Size costs ~0.3 us a read
    if len(shape) == 2:
        flat = logits
    else:
        class_dim = 0 if len(shape) == 1 else 1
        flat = logits.movedim(class_dim, -1).reshape(-1, shape[class_dim])
    flat_target = target if len(target._data.shape) == 1 else target.reshape(-1)
    loss = _ce_indices(flat, flat_target, ignore_index=ignore_index, reduction=reduction)
    return loss.reshape(target.shape) if reduction == "none" else loss


__all__: list[str] = []
