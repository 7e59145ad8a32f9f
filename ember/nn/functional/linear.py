"""Linear maps, embeddings and distances: ``linear``, ``bilinear``, ``embedding``,
``embedding_bag``, ``one_hot``, ``cosine_similarity``, ``pairwise_distance``, ``pdist``.

The embedding and distance functions live in ``_embedding.py`` and ``_distance.py``; this
module re-exports them, as ``torch.nn.functional`` does.

>>> import ember
>>> linear(ember.ones(2, 3), ember.ones(4, 3), ember.zeros(4)).shape
ember.Size([2, 4])
"""

from __future__ import annotations

import math

from ... import ops
from ...autograd.grad_mode import STATE as _GRAD
from ...ops._common import broadcast_shapes
from ...ops.activation import threshold_backward
from ...ops.distance import pdist
from ...ops.registry import defop, plain_ctx_for
from ...ops.shape import _view_strides, inverse_permutation
from ...tensor import Tensor, _make
from ._distance import cosine_similarity, pairwise_distance
from ._embedding import embedding, embedding_bag, one_hot


def _check_tensor(op: str, name: str, value: object) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(value).__name__}")
    return value


def _check_same_dtype(op: str, **tensors: Tensor | None) -> None:
    given = {k: t for k, t in tensors.items() if t is not None}
    if len({t.dtype for t in given.values()}) > 1:
        listed = ", ".join(f"{k} {t.dtype}" for k, t in given.items())
        raise RuntimeError(f"{op}: expected all tensors to have the same dtype, got {listed}")
    first = next(iter(given.values()))
    if not first.dtype.is_floating_point:
        raise RuntimeError(f"{op}: expected floating-point tensors, got {first.dtype}")


def _product(ctx, x, w, b, relu: bool):
    out = ctx.backend.matmul(x, w.T)
    if out.dtype != x.dtype:  # NumPy computes bfloat16 products in float32
        out = out.astype(x.dtype)
    if b is not None and ctx.backend.kernels.add_bias(out, b, relu):
        return out
    if b is not None:
        out += b
    if relu:
        ctx.xp.maximum(out, out.dtype.type(0), out=out)
    return out


@defop("linear", save=(0, 1), save_read_by={0: (1,), 1: (0,)})
def _linear(ctx, x, w, b=None):
    """``x @ w.T + b`` for a 2-D ``x``: one GEMM, the bias added in place."""
    return _product(ctx, x, w, b, relu=False)


@defop("linear_relu", save=(0, 1), save_read_by={0: (1,), 1: (0,)},
       save_output=True)
def _linear_relu(ctx, x, w, b=None):
    """``relu(x @ w.T + b)``: the bias and the ReLU in one pass over the GEMM's output, as
    PyTorch's ``addmm`` with a fused activation; the feed-forward blocks use it."""
    return _product(ctx, x, w, b, relu=True)


@_linear.def_backward
def _linear_grads(ctx, g):
    x, w = ctx.saved
    need = ctx.needs_input_grad  # two entries without a bias, three with one
    ga = g._data
    if _GRAD.grad_enabled or ga.dtype.char not in "fd":
        # create_graph (differentiable ember ops), or half precision (ember's sum
        # accumulates it in float32). The weight's gradient as g^T @ x comes out
        # row-major, laid out like the weight.
        grads = (g.mm(w) if need[0] else None, g.mT.mm(x) if need[1] else None)
        return grads if len(need) == 2 else (*grads, g.sum(0) if need[2] else None)
    # a plain float32/float64 backward: the same products on the arrays, not three ops
    matmul = ctx.backend.matmul
    grads = (_make(matmul(ga, w._data)) if need[0] else None,
             _make(matmul(ga.T, x._data)) if need[1] else None)
    return grads if len(need) == 2 else (*grads, _make(column_sums(ctx, ga)) if need[2]
                                         else None)


# From this many elements the bias gradient is summed as a product with a row of ones: a
# BLAS product runs on every core where NumPy's sum runs on one (1120x1000 float32, the
# LSTM workload's head: 59 us against 173; PyTorch's sum 65).
_SUM_AS_PRODUCT = 1 << 18


def column_sums(ctx, g):
    """``g.sum(0)`` of a 2-D float32/float64 ``g``."""
    rows = g.shape[0]
    if g.size < _SUM_AS_PRODUCT:
        return g.sum(0)
    return ctx.backend.matmul(ctx.xp.ones((1, rows), dtype=g.dtype), g)[0]


@_linear.def_jvp
def _linear_tangent(ctx, tangents):
    x, w = ctx.inputs[:2]
    tx, tw, tb = (*tangents, None)[:3]
    terms = [t for t in (None if tx is None else tx.mm(w.mT),
                         None if tw is None else x.mm(tw.mT), tb) if t is not None]
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


@_linear_relu.def_backward
def _(ctx, g):
    return _linear_grads(ctx, threshold_backward(g, ctx.output))


@_linear_relu.def_jvp
def _(ctx, tangents):
    return threshold_backward(_linear_tangent(ctx, tangents), ctx.output)


def _fast_case(input: Tensor, weight: Tensor, bias: Tensor | None) -> bool:
    """The common call, checked in a few attribute reads: same floating dtype, a 2-D
    weight matching the input's last dim, a 1-D bias of out_features."""
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor)):
        return False
    # the arrays' plain shape tuples: ember.Size indexing costs ~1 us a read
    x_shape, w_shape, dtype = input._data.shape, weight._data.shape, weight.dtype
    return (len(w_shape) == 2 and len(x_shape) >= 2 and x_shape[-1] == w_shape[1]
            and input.dtype is dtype and dtype.is_floating_point
            and (bias is None or (isinstance(bias, Tensor) and bias.dtype is dtype
                                  and bias._data.shape == (w_shape[0],))))


# Below this many elements a copy costs less than the two extra view ops (~3 us).
_PERMUTE_MIN_ELEMENTS = 1 << 14


def _rows_in_memory_order(x) -> tuple | None:
    """The permutation of ``x``'s leading dims that makes it C-contiguous, when ``x`` is not
    but is a permuted view of a contiguous array with unit-stride rows; else None.

    A linear map treats each row alike, so it can run on the rows in memory order (one
    GEMM on the array as it lies) and give its output the input's permutation, where
    flattening the view would copy it first.
    """
    if x.flags.c_contiguous or x.size < _PERMUTE_MIN_ELEMENTS:
        return None
    lead = sorted(range(x.ndim - 1), key=lambda d: -x.strides[d])
    order = (*lead, x.ndim - 1)
    return order if x.transpose(order).flags.c_contiguous else None


def _plain_rows(input: Tensor, weight: Tensor, bias: Tensor | None, relu: bool,
                in_memory_order: bool = False) -> Tensor | None:
    """:func:`_on_rows` straight from the arrays when no graph is recorded (under
    ``no_grad``): the primitives' own forward without ``apply``'s bookkeeping (~1 us of a
    7 us small linear) and the flattening as array reshapes, not view ops. None when a graph
    is recorded."""
    x = input._data
    w, b = weight._data, None if bias is None else bias._data
    ctx = plain_ctx_for(x, w) if b is None else plain_ctx_for(x, w, b)
    if ctx is None:
        return None
    if len(x.shape) == 2:
        return _make(_product(ctx, x, w, b, relu))
    order = _rows_in_memory_order(x) if in_memory_order else None
    if order is not None:
        x = x.transpose(order)
    rows = (math.prod(x.shape[:-1]), x.shape[-1])
    if not x.flags.c_contiguous and _view_strides(x.shape, x.strides, rows) is None:
        x = ctx.backend.contiguous(x)  # a copy either way: NumPy's reshape uses one core
    out = _product(ctx, x.reshape(rows), w, b, relu)
    out = out.reshape(*x.shape[:-1], w.shape[0])
    return _make(out if order is None else out.transpose(inverse_permutation(order)))


def _on_rows(primitive, input: Tensor, weight: Tensor, bias: Tensor | None,
             in_memory_order: bool = False) -> Tensor:
    """A 2-D linear ``primitive`` over any leading dims of ``input`` (checked by
    :func:`_fast_case`), the leading dims flattened. With ``in_memory_order`` a permuted
    input is taken as it lies and the output keeps its permutation (not C-contiguous, unlike
    PyTorch's ``linear``: for callers that consume the result themselves)."""
    args = (weight,) if bias is None else (weight, bias)
    x_shape = input._data.shape
    if len(x_shape) == 2:
        return primitive(input, *args)
    order = _rows_in_memory_order(input._data) if in_memory_order else None
    if order is not None:  # e.g. a (L, N, E) transpose of a (N, L, E) array
        input = input.permute(order)
    lead = input._data.shape[:-1]  # not reshape(-1, K): that fails for K = 0
    out = primitive(input.reshape(math.prod(lead), x_shape[-1]), *args)
    out = out.reshape(*input._data.shape[:-1], weight._data.shape[0])
    return out if order is None else out.permute(inverse_permutation(order))


def linear_in_memory_order(input: Tensor, weight: Tensor, bias: Tensor | None = None
                           ) -> Tensor:
    """``linear`` that runs a permuted input on its rows as they lie in memory, without
    flattening it into a copy; the output has the input's permutation.

    >>> import ember
    >>> x = ember.ones(2, 3, 4).transpose(0, 1)
    >>> tuple(linear_in_memory_order(x, ember.ones(5, 4)).shape)
    (3, 2, 5)
    """
    if _fast_case(input, weight, bias):
        out = _plain_rows(input, weight, bias, False, in_memory_order=True)
        return _on_rows(_linear, input, weight, bias, True) if out is None else out
    return linear(input, weight, bias)


def linear_relu(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``relu(linear(input, weight, bias))``, the bias and the ReLU fused into one pass.

    >>> import ember
    >>> linear_relu(ember.ones(2, 3), -ember.ones(4, 3), ember.ones(4)).tolist()
    [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    """
    if _fast_case(input, weight, bias):
        out = _plain_rows(input, weight, bias, True)
        return _on_rows(_linear_relu, input, weight, bias) if out is None else out
    return ops.relu(linear(input, weight, bias))


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.mT + bias`` over any leading dims of ``input``.

    The leading dims are flattened so the whole batch is one matrix product (``addmm`` when
    there is a bias), instead of a batched matmul plus a broadcast add.

    >>> import ember
    >>> linear(ember.ones(5, 2, 3), ember.ones(4, 3)).shape
    ember.Size([5, 2, 4])
    """
    if _fast_case(input, weight, bias):
        out = _plain_rows(input, weight, bias, False)
        return _on_rows(_linear, input, weight, bias) if out is None else out
    _check_tensor("linear", "input", input)
    _check_tensor("linear", "weight", weight)
    if bias is not None:
        _check_tensor("linear", "bias", bias)
    _check_same_dtype("linear", input=input, weight=weight, bias=bias)
    if weight.ndim not in (1, 2):
        raise RuntimeError(f"linear: expected weight of shape (out_features, in_features), "
                           f"got {tuple(weight.shape)}")
    in_features = weight.shape[-1]
    if input.ndim == 0 or input.shape[-1] != in_features:
        raise RuntimeError(
            f"linear: expected input of shape (..., {in_features}) to match weight "
            f"{tuple(weight.shape)} (in_features={in_features}), got {tuple(input.shape)}")
    if bias is not None:
        out_shape = (weight.shape[0],) if weight.ndim == 2 else ()
        try:
            ok = broadcast_shapes("linear", out_shape, tuple(bias.shape)) == out_shape
        except RuntimeError:
            ok = False
        if not ok:
            raise RuntimeError(f"linear: bias of shape {tuple(bias.shape)} does not match "
                               f"out_features {out_shape}")
    if weight.ndim == 2 and input.ndim >= 2:
        lead = input.shape[:-1]
        flat = input.reshape(-1, in_features) if input.ndim > 2 else input
        if bias is not None and bias.ndim == 1:
            out = ops.addmm(bias, flat, weight.t())
        else:
            out = flat.mm(weight.t())
            if bias is not None:
                out = out + bias
        return out.reshape(*lead, weight.shape[0]) if input.ndim > 2 else out
    out = ops.matmul(input, weight.t() if weight.ndim == 2 else weight)
    return out if bias is None else out + bias


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None
             ) -> Tensor:
    """``y[..., o] = x1[..., i] A[o, i, j] x2[..., j] + b[o]``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.bilinear(ember.ones(2, 3), ember.ones(2, 4), ember.ones(5, 3, 4)).shape
    ember.Size([2, 5])
    """
    for name, t in (("input1", input1), ("input2", input2), ("weight", weight)):
        _check_tensor("bilinear", name, t)
    _check_same_dtype("bilinear", input1=input1, input2=input2, weight=weight, bias=bias)
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear: expected weight of shape (out_features, in1_features, "
                           f"in2_features), got {tuple(weight.shape)}")
    out_f, in1, in2 = weight.shape
    if input1.ndim == 0 or input1.shape[-1] != in1 or input2.ndim == 0 \
            or input2.shape[-1] != in2 or input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear: expected input1 of shape (..., {in1}) and input2 of shape "
            f"(..., {in2}) with the same leading dims (weight {tuple(weight.shape)}), got "
            f"{tuple(input1.shape)} and {tuple(input2.shape)}")
    if bias is not None and tuple(bias.shape) != (out_f,):
        raise RuntimeError(f"bilinear: expected bias of shape ({out_f},), got "
                           f"{tuple(bias.shape)}")
    lead = input1.shape[:-1]
    x1, x2 = input1.reshape(-1, in1), input2.reshape(-1, in2)
    # Two matrix products: (B, in1) @ (in1, out*in2), then a row-wise dot with x2.
    t = x1.mm(weight.permute(1, 0, 2).reshape(in1, out_f * in2)).reshape(-1, out_f, in2)
    out = ops.matmul(t, x2.unsqueeze(-1)).squeeze(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(*lead, out_f)


__all__ = ["linear", "bilinear", "embedding", "embedding_bag", "one_hot",
           "cosine_similarity", "pairwise_distance", "pdist"]
