"""The fused primitive behind every normalisation layer.

``standardize(x, dims, eps, center)`` returns ``(x - mean) / sqrt(var + eps)`` over ``dims``
(``center=False``: ``x / sqrt(mean(x^2) + eps)``, RMS normalisation), plus the mean and the
biased variance for running statistics. The composition of ember ops would make ~8 passes
over ``x`` forward and keep as many intermediates for backward; this makes three passes
forward and computes the standard closed-form gradient

    dx = invstd * (g - mean(g) - y * mean(g * y))        (without ``- mean(g)`` for RMS)

(``benchmarks/norm.py`` measures the difference). The backward is written in ember ops; when
a graph of the gradient is being recorded (``create_graph``), it rebuilds ``y`` and
``invstd`` from ``x`` with ember ops so the gradient is itself differentiable.

>>> import ember
>>> from ember.nn.functional._norm_prim import standardize
>>> y, mean, var = standardize(ember.tensor([[1.0, 3.0]]), dims=(1,), eps=0.0)
>>> y.tolist(), mean.tolist(), var.tolist()
([[-1.0, 1.0]], [[2.0]], [[1.0]])
"""

from __future__ import annotations

from ... import dtypes as _dt
from ...autograd.grad_mode import STATE as _GRAD
from ...ops.registry import defop
from ...tensor import Tensor, _make

_HALF = ("float16", "bfloat16")


@defop("standardize", save=(0,), save_output=True, nondiff_outputs=(1, 2))
def _standardize(ctx, x, *, dims, eps, center):
    xp = ctx.xp
    fused = ctx.backend.kernels.standardize(x, dims, eps, center)
    if fused is not None:
        y, mean, var, invstd = fused
        ctx.arrays = (invstd,)
        return y, mean, var
    # Half-precision inputs are normalised in float32, as PyTorch's kernels do.
    wide = x.astype(xp.float32) if x.dtype.name in _HALF else x
    if center:
        mean = wide.mean(axis=dims, keepdims=True)
        xc = wide - mean
    else:
        mean = xp.zeros((1,) * wide.ndim, dtype=wide.dtype)
        xc = wide
    var = (xc * xc).mean(axis=dims, keepdims=True)
    invstd = 1.0 / xp.sqrt(var + wide.dtype.type(eps))
    ctx.arrays = (invstd.astype(x.dtype, copy=False),)
    y = (xc * invstd).astype(x.dtype, copy=False)
    return y, mean.astype(x.dtype, copy=False), var.astype(x.dtype, copy=False)


def _rebuild(x: Tensor, dims: tuple, eps: float, center: bool) -> tuple[Tensor, Tensor]:
    """``y`` and ``invstd`` as ember ops of ``x`` (differentiable, for double backward)."""
    xc = x - x.mean(dims, keepdim=True) if center else x
    invstd = ((xc * xc).mean(dims, keepdim=True) + eps).rsqrt()
    return xc * invstd, invstd


@_standardize.def_backward
def _(ctx, g, *_unused, dims, eps, center):
    if g is None:
        return (None,)
    if _GRAD.grad_enabled:  # create_graph: the gradient must depend on x through the graph
        (x,) = ctx.saved
        y, invstd = _rebuild(x, dims, eps, center)
    else:
        y, invstd = ctx.output, _make(ctx.arrays[0])
        fused = ctx.backend.kernels.standardize_backward(g._data, y._data, invstd._data,
                                                        dims, center)
        if fused is not None:
            return (_make(fused),)
    inner = g - y * (g * y).mean(dims, keepdim=True)
    if center:
        inner = inner - g.mean(dims, keepdim=True)
    return (inner * invstd,)


@_standardize.def_jvp
def _(ctx, tangents, *, dims, eps, center):
    t = tangents[0]
    if t is None:
        return None
    y = ctx.outputs[0]
    invstd = _rebuild(ctx.inputs[0], dims, eps, center)[1]
    if center:
        t = t - t.mean(dims, keepdim=True)
    return ((t * invstd - y * (y * t * invstd).mean(dims, keepdim=True)), None, None)


def standardize(x: Tensor, dims: tuple, eps: float, center: bool = True
                ) -> tuple[Tensor, Tensor, Tensor]:
    """``(y, mean, biased var)`` over ``dims`` (kept as size-1 dims); see the module doc."""
    if x.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"normalization: expected a floating-point input, got {x.dtype}")
    return _standardize(x, dims=tuple(dims), eps=float(eps), center=bool(center))


@defop("norm_affine", save=(0, 1))
def _norm_affine(ctx, y, w, b, *, per_channel):
    fused = ctx.backend.kernels.norm_affine(y, w, b, per_channel)
    if fused is not None:
        return fused
    shape = _param_shape(y.ndim, w, per_channel)
    return y * w.reshape(shape) + b.reshape(shape)


def _param_shape(ndim: int, w, per_channel: bool) -> tuple:
    """How a weight broadcasts against the normalised tensor: over dim 1 (per channel) or
    over the trailing dims (layer norm)."""
    if per_channel:
        return (1, -1) + (1,) * (ndim - 2)
    return tuple(w.shape)


@_norm_affine.def_backward
def _(ctx, g, *, per_channel):
    y, w = ctx.saved
    need = ctx.needs_input_grad
    if not _GRAD.grad_enabled:
        fused = ctx.backend.kernels.norm_affine_backward(g._data, y._data, w._data,
                                                         per_channel)
        if fused is not None:
            return tuple(_make(a) if n else None for a, n in zip(fused, need))
    shape = _param_shape(y.ndim, w, per_channel)
    dims = (0,) + tuple(range(2, y.ndim)) if per_channel else tuple(range(y.ndim - w.ndim))
    gy = g * w.reshape(shape) if need[0] else None
    gw = (g * y).sum(dims).reshape(w.shape) if need[1] else None
    gb = g.sum(dims).reshape(w.shape) if need[2] else None
    return gy, gw, gb


@_norm_affine.def_jvp
def _(ctx, tangents, *, per_channel):
    y, w, _ = ctx.inputs
    ty, tw, tb = tangents
    shape = _param_shape(y.ndim, w, per_channel)
    terms = [t for t in (None if ty is None else ty * w.reshape(shape),
                         None if tw is None else y * tw.reshape(shape),
                         None if tb is None else tb.reshape(shape)) if t is not None]
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


def norm_affine(y: Tensor, weight: Tensor, bias: Tensor, per_channel: bool) -> Tensor:
    """``y * weight + bias`` in one primitive, the weight and bias broadcast over dim 1
    (``per_channel``, batch/group/instance norm) or over the trailing dims (layer norm).

    >>> import ember
    >>> norm_affine(ember.ones(2, 3), ember.full((3,), 2.0), ember.ones(3), False).tolist()
    [[3.0, 3.0, 3.0], [3.0, 3.0, 3.0]]
    """
    return _norm_affine(y, weight, bias, per_channel=bool(per_channel))
