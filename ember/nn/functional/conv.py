"""Convolutions: ``conv1d/2d/3d`` as one fused primitive (im2col + one batched GEMM), and
``conv_transpose1d/2d/3d``, ``unfold``, ``fold`` on the same column machinery
(``_im2col.py``).

Why fused: the column matrix is the big intermediate (C*K times the input); the primitive
keeps it for the weight gradient instead of recomputing it, and picks GEMM shapes whose
result is already in NCHW layout (see ``_conv``). Its backward is written in ember ops
(``matmul``, ``col2im``, ``im2col``), so double backward works.

>>> import ember
>>> import ember.nn.functional as F
>>> F.conv2d(ember.ones(1, 2, 5, 5), ember.ones(3, 2, 3, 3), padding=1).shape
ember.Size([1, 3, 5, 5])
"""

from __future__ import annotations

from typing import Any

from ...autograd.grad_mode import STATE as _GRAD
from ...ops.registry import defop
from ...tensor import Tensor, _make
from . import _conv_depthwise as _depthwise
from . import _conv_fast as _fast
from ._args import check_float, check_rank, ntuple
from ._conv_transpose import conv_transpose1d, conv_transpose2d, conv_transpose3d, fold, unfold
from ._im2col import Geometry, col2im, im2col, im2col_array

# What forward kept in ctx.arrays: the batched column matrix (N, C*K, L) of im2col, the
# fast path's zero-padded channel-first input (C, N, *padded), from which the backward
# rebuilds the columns a chunk at a time (the shifted path's flattened frames instead, see
# _conv_shift.py), or nothing (the depthwise kernels read x).
_BATCH_FIRST = "batch-first"
_CHANNEL_FIRST = "channel-first"
_DEPTHWISE = "depthwise"


# ----------------------------------------------------------------------------- primitive
@defop("convolution", save=(0, 1))
def _conv(ctx, x, w, *bias, geom: Geometry, groups: int):
    """``(N, C, *size)`` conv ``(O, C/groups, *kernel)`` -> ``(N, O, *grid)``."""
    xp = ctx.xp
    n, o = x.shape[0], w.shape[0]
    if _depthwise.applies(x.shape, w.shape, groups):
        out = _depthwise.forward(x, w, bias[0] if bias else None, geom)
        if out is not None:
            ctx.arrays = (None, _DEPTHWISE)
            return out
    if _fast.applies(geom, groups, x.shape):
        out, padded = _fast.forward(xp, x, w, bias[0] if bias else None, geom)
        ctx.arrays = (padded, _CHANNEL_FIRST)
        return out
    cols = im2col_array(xp, x, geom)  # (N, C*K, L)
    ckg = cols.shape[1] // groups
    # Batched GEMM over (batch, group): (g, O/g, C/g*K) @ (N, g, C/g*K, L) -> (N, g, O/g, L).
    # Putting the output channels on the rows makes the result NCHW with no transpose.
    out = xp.matmul(w.reshape(groups, o // groups, ckg), cols.reshape(n, groups, ckg, geom.length))
    out = out.reshape((n, o) + tuple(geom.grid))
    if bias:
        out += bias[0].reshape((o,) + (1,) * len(geom.grid))
    ctx.arrays = (cols, _BATCH_FIRST)
    return out


def input_grad(w: Tensor, g: Tensor, geom: Geometry, groups: int) -> Tensor:
    """The convolution's gradient with respect to its input: ``col2im`` of ``W^T g`` per
    group, in ember ops (so it can be differentiated again). Also ``nn.grad.conv*_input``."""
    n, o = g.shape[0], w.shape[0]
    ckg = w.numel() // o if o else 0  # C/g * prod(kernel)
    w_t = w.reshape(groups, o // groups, ckg).mT  # (g, C/g*K, O/g)
    gr = g.reshape(n, groups, o // groups, geom.length)  # (N, g, O/g, L)
    return col2im((w_t @ gr).reshape(n, groups * ckg, geom.length), geom=geom)


def weight_grad(cols: Tensor, g: Tensor, geom: Geometry, groups: int, w_shape: tuple
                ) -> Tensor:
    """The gradient with respect to the weight: ``g cols^T`` per group, summed over the
    batch, from the input's columns ``cols`` (N, C*K, L). Also ``nn.grad.conv*_weight``."""
    n, o = g.shape[0], w_shape[0]
    gr = g.reshape(n, groups, o // groups, geom.length)
    cols = cols.reshape(n, groups, cols.shape[1] // groups, geom.length)
    return (gr @ cols.mT).sum(0).reshape(tuple(w_shape))


@_conv.def_backward
def _(ctx, g, *, geom: Geometry, groups: int):
    x, w = ctx.saved
    needs = ctx.needs_input_grad
    kept, layout = ctx.arrays
    if not _GRAD.grad_enabled and layout is not _BATCH_FIRST:
        # No create_graph: the gradients are constants, so compute them on the arrays, from
        # the forward's padded channel-first input (see _conv_fast.py) or with the depthwise
        # kernels (which may decline: then the ember ops below run).
        flags = (needs[0], needs[1], len(needs) > 2 and needs[2])
        if layout is _CHANNEL_FIRST:
            grads = _fast.backward(ctx.xp, g._data, w._data, kept, geom, *flags)
        else:
            grads = _depthwise.backward(g._data, x._data, w._data, geom, flags)
        if grads is not None:
            return tuple(None if a is None else _make(a) for a in grads)[:len(needs)]
    dx = dw = db = None
    if needs[0]:
        dx = input_grad(w, g, geom, groups)
    if needs[1]:
        # Without create_graph the columns kept by forward are the exact constant; with it
        # (or when forward kept the channel-first layout), rebuild them through im2col so
        # the weight gradient stays differentiable in x.
        if _GRAD.grad_enabled or layout is not _BATCH_FIRST:
            cols_t = im2col(x, geom=geom)
        else:
            cols_t = _make(kept)
        dw = weight_grad(cols_t, g, geom, groups, w.shape)
    if len(needs) > 2 and needs[2]:
        db = g.sum((0,) + tuple(range(2, g.ndim)))
    return (dx, dw, db)[:len(needs)]


@_conv.def_jvp
def _(ctx, tangents, *, geom: Geometry, groups: int):
    x, w = ctx.inputs[0], ctx.inputs[1]
    out = None
    if tangents[0] is not None:
        out = _conv(tangents[0], w, geom=geom, groups=groups)
    if tangents[1] is not None:
        term = _conv(x, tangents[1], geom=geom, groups=groups)
        out = term if out is None else out + term
    if len(tangents) > 2 and tangents[2] is not None:
        tb = tangents[2].reshape((-1,) + (1,) * len(geom.grid))
        out = tb if out is None else out + tb
    return out


# ----------------------------------------------------------------------------- checks
def conv_padding(op: str, padding: Any, kernel: tuple, dilation: tuple, stride: tuple) -> tuple:
    """``padding`` (int, tuple, 'same', 'valid') as ``(before, after)`` pairs."""
    nd = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding != "same":
            raise ValueError(f"{op}: invalid padding string {padding!r}, expected one of "
                             f"'valid', 'same'")
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' is not supported for strided "
                             f"convolutions (stride={stride})")
        # Total d*(k-1); an odd total puts the extra element after, as PyTorch does.
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    pads = ntuple(op, "padding", padding, nd)
    if any(p < 0 for p in pads):
        raise RuntimeError(f"{op}: negative padding is not supported, got padding={pads}")
    return tuple((p, p) for p in pads)


def _check_conv(op: str, x: Tensor, weight: Tensor, bias: Tensor | None, groups: int,
                geom: Geometry) -> None:
    nd = len(geom.kernel)
    if weight.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-D weight (out_channels, "
                           f"in_channels/groups, *kernel), got shape {tuple(weight.shape)}")
    if groups <= 0:
        raise RuntimeError(f"{op}: groups must be a positive integer, got {groups}")
    c, o = x.shape[1], weight.shape[0]
    if weight.shape[1] * groups != c:
        raise RuntimeError(f"{op}: given groups={groups} and weight of shape "
                           f"{tuple(weight.shape)}, expected input of shape {tuple(x.shape)} "
                           f"to have {weight.shape[1] * groups} channels, got {c} channels")
    if o % groups:
        raise RuntimeError(f"{op}: out_channels ({o}) must be divisible by groups ({groups})")
    if bias is not None and tuple(bias.shape) != (o,):
        raise RuntimeError(f"{op}: expected bias of shape ({o},), got {tuple(bias.shape)}")
    for t in (weight, bias):
        if t is not None and t.dtype != x.dtype:
            raise RuntimeError(f"{op}: input ({x.dtype.name}, shape {tuple(x.shape)}) and "
                               f"weight/bias ({t.dtype.name}, shape {tuple(t.shape)}) must "
                               f"have the same dtype")
    eff = tuple(d * (k - 1) + 1 for k, d in zip(geom.kernel, geom.dilation))
    if any(e > p for e, p in zip(eff, geom.padded)):
        raise RuntimeError(f"{op}: padded input size per channel {geom.padded} is smaller "
                           f"than the (dilated) kernel size {eff}")
    for name, v in (("stride", geom.stride), ("dilation", geom.dilation)):
        if any(s <= 0 for s in v):
            raise RuntimeError(f"{op}: {name} must be positive, got {v}")


def conv_nd(op: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None,
            stride: Any, padding: Any, dilation: Any, groups: int) -> Tensor:
    """The shared body of ``conv1d/2d/3d``."""
    unbatched = check_rank(op, input, nd)
    check_float(op, input, weight, bias)
    x = input.unsqueeze(0) if unbatched else input
    stride_t = ntuple(op, "stride", stride, nd)
    dilation_t = ntuple(op, "dilation", dilation, nd)
    kernel = tuple(weight.shape[2:]) if weight.ndim == nd + 2 else (1,) * nd
    pads = conv_padding(op, padding, kernel, dilation_t, stride_t)
    geom = Geometry(tuple(x.shape[2:]), kernel, dilation_t, pads, stride_t)
    _check_conv(op, x, weight, bias, groups, geom)
    args = (x, weight) if bias is None else (x, weight, bias)
    out = _conv(*args, geom=geom, groups=int(groups))
    return out.squeeze(0) if unbatched else out


# ----------------------------------------------------------------------------- public
def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of ``(N, C, L)`` with ``(O, C/groups, k)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.conv1d(ember.ones(1, 1, 4), ember.ones(1, 1, 2)).tolist()
    [[[2.0, 2.0, 2.0]]]
    """
    return conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution of ``(N, C, H, W)`` with ``(O, C/groups, kh, kw)``; ``padding`` is
    an int, a pair, ``'valid'`` or ``'same'``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.conv2d(ember.ones(2, 4, 8, 8), ember.ones(6, 2, 3, 3), stride=2, groups=2).shape
    ember.Size([2, 6, 3, 3])
    """
    return conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-D convolution of ``(N, C, D, H, W)`` with ``(O, C/groups, kd, kh, kw)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.conv3d(ember.ones(1, 1, 3, 3, 3), ember.ones(1, 1, 3, 3, 3)).item()
    27.0
    """
    return conv_nd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_tbc(input: Tensor, weight: Tensor, bias: Tensor, pad: int = 0) -> Tensor:
    """1-D convolution of a time-first ``(T, B, C_in)`` sequence with a ``(k, C_in, C_out)``
    weight and ``(C_out,)`` bias, ``pad`` steps of zeros at both ends; ``(T', B, C_out)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.conv_tbc(ember.ones(4, 2, 3), ember.ones(2, 3, 5), ember.zeros(5), 1).shape
    ember.Size([5, 2, 5])
    """
    for name, t, rank, dims in (("Input", input, 3, "time, batch, in_channel"),
                                ("Weight tensor", weight, 3,
                                 "kernel_width, in_channels, out_channels"),
                                ("Bias", bias, 1, "out_channels")):
        if not isinstance(t, Tensor) or t.ndim != rank:
            got = tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__
            raise RuntimeError(f"conv_tbc: {name} must have {rank} dims: {dims}, got {got}")
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError(f"conv_tbc: Input dim 2 (input channels) is not == dim 1 in the "
                           f"weight tensor: input {tuple(input.shape)}, weight "
                           f"{tuple(weight.shape)}")
    if bias.shape[0] != weight.shape[2]:
        raise RuntimeError(f"conv_tbc: Bias size must equal dim 2 in the weight tensor (output "
                           f"channels): bias {tuple(bias.shape)}, weight {tuple(weight.shape)}")
    # The same cross-correlation as conv1d, with batch and channels moved in front of time.
    out = conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=int(pad))
    return out.permute(2, 0, 1)


__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "unfold", "fold", "conv_tbc"]
