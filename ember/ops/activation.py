"""Activations that PyTorch also exposes at the top level (``torch.relu``).

``relu``'s backward is its own primitive (``threshold_backward``), like PyTorch's: one pass
that masks the gradient, instead of a comparison, a cast and a multiply.

>>> import ember
>>> ember.relu(ember.tensor([-1.0, 2.0])).tolist()
[0.0, 2.0]
"""

from __future__ import annotations

from ..tensor import Tensor
from ._common import bind_methods, keep_where
from .inplace import make_inplace
from .registry import defop, fast_unary


@defop("relu", save_output=True)
def _relu(ctx, x):
    out = ctx.backend.kernels.relu(x)
    return ctx.xp.maximum(x, _zero(x.dtype)) if out is None else out


_ZEROS: dict = {}


def _zero(dtype):
    """A cached zero scalar of ``dtype``: converting a Python 0 costs more than the max."""
    zero = _ZEROS.get(dtype)
    if zero is None:
        zero = _ZEROS[dtype] = dtype.type(0)
    return zero


@_relu.def_backward
def _(ctx, g):
    return (threshold_backward(g, ctx.output),)


@_relu.def_jvp
def _(ctx, tangents):
    return threshold_backward(tangents[0], ctx.output)


@defop("threshold_backward", save=(1,))
def threshold_backward(ctx, g, out):
    """``g`` where ``out > 0``, else 0 (branch-free for floats: see ``keep_where``)."""
    xp = ctx.xp
    if g.dtype.kind != "f" and g.dtype.name != "bfloat16" or g.shape != out.shape:
        return xp.where(out > 0, g, 0).astype(g.dtype, copy=False)
    result = ctx.backend.kernels.relu_backward(g, out)
    return keep_where(xp, g, out > 0) if result is None else result


@threshold_backward.def_backward
def _(ctx, gg):
    (out,) = ctx.saved
    return threshold_backward(gg, out), None


@threshold_backward.def_jvp
def _(ctx, tangents):
    tg, _ = tangents
    return None if tg is None else threshold_backward(tg, ctx.inputs[1])


def relu(input: Tensor) -> Tensor:
    """``max(input, 0)``; the gradient at 0 is 0, as in PyTorch."""
    if input.dtype.category == 0:
        raise TypeError("relu: not implemented for bool tensors")
    return _relu(input)


# Hot ops: a fast path for the no-graph case (registry.fast_unary) running the same
# primitive forward as the full path.
relu = fast_unary(relu, _relu.forward)
relu_ = make_inplace("relu_", relu)

bind_methods(relu=relu, relu_=relu_)

__all__ = ["relu", "relu_"]
