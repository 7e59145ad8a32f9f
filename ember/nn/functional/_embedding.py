"""Embedding lookups: ``embedding``, ``embedding_bag`` and ``one_hot``.

``embedding`` is a primitive because its weight gradient is not plain indexing's: the row at
``padding_idx`` gets no gradient, and ``scale_grad_by_freq`` divides each row's gradient by
how often its index occurs in the batch. The backward is written with ``index_add`` so that
it differentiates again.

>>> import ember
>>> import ember.nn.functional as F
>>> F.embedding(ember.tensor([[0, 2]]), ember.eye(3)).tolist()
[[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]]
"""

from __future__ import annotations

from ... import dtypes as _dt
from ... import ops
from ...autograd.grad_mode import no_grad
from ...linalg import vector_norm
from ...ops.registry import defop
from ...tensor import Tensor

_INDEX_DTYPES = (_dt.int64, _dt.int32)


@defop("embedding", save=(1,))
def _embedding(ctx, weight, indices, *, padding_idx, scale_grad_by_freq):
    rows = ctx.backend.kernels.take_rows(weight, indices)  # indices checked by embedding
    return ctx.xp.take(weight, indices, axis=0) if rows is None else rows


@_embedding.def_backward
def _(ctx, g, *, padding_idx, scale_grad_by_freq):
    (indices,) = ctx.saved
    num = ctx.in_shapes[0][0]
    flat = indices.reshape(-1)
    row_shape = tuple(ctx.in_shapes[0][1:])
    rows = g.reshape((flat.shape[0],) + row_shape)
    if scale_grad_by_freq:
        counts = ops.bincount(flat, minlength=num).to(g.dtype)
        rows = rows / ops.index_select(counts, 0, flat).reshape((-1,) + (1,) * len(row_shape))
    if padding_idx is not None:
        keep = (flat != padding_idx).to(g.dtype)
        rows = rows * keep.reshape((-1,) + (1,) * len(row_shape))
    zeros = ops.zeros((num,) + row_shape, dtype=g.dtype, device=g.device)
    return ops.index_add(zeros, 0, flat, rows), None


@_embedding.def_jvp
def _(ctx, tangents, *, padding_idx, scale_grad_by_freq):
    tw = tangents[0]
    return None if tw is None else ops.index_select(tw, 0, ctx.inputs[1].reshape(-1)).reshape(
        tuple(ctx.inputs[1].shape) + tuple(tw.shape[1:]))


def _check_indices(op: str, input: Tensor, num: int) -> None:
    """Indices are labels: a negative or too-large one is an error, never wrapped."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected input to be a Tensor, got {type(input).__name__}")
    if input.dtype not in _INDEX_DTYPES:
        raise RuntimeError(f"{op}: expected input (the indices) of dtype int64 or int32, got "
                           f"{input.dtype}")
    if input.numel():
        indices = input._data  # the backend array's own min and max: ~8 us less than ops'
        low, high = int(indices.min()), int(indices.max())
        if low < 0 or high >= num:
            bad = low if low < 0 else high
            raise IndexError(f"{op}: index {bad} is out of range for num_embeddings={num} "
                             f"(valid indices are 0..{num - 1})")


def _padding_idx(op: str, padding_idx: int | None, num: int) -> int | None:
    if padding_idx is None:
        return None
    if not -num <= padding_idx < num:
        raise ValueError(f"{op}: padding_idx must be within num_embeddings={num}, got "
                         f"{padding_idx}")
    return padding_idx % num


def _check_weight(op: str, weight: Tensor) -> None:
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}: expected weight to be a Tensor, got {type(weight).__name__}")
    if weight.ndim != 2:
        raise RuntimeError(f"{op}: expected weight of shape (num_embeddings, embedding_dim), "
                           f"got {tuple(weight.shape)}")


def _renorm_(weight: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> None:
    """Rescale, in place and outside autograd, the looked-up rows whose norm exceeds
    ``max_norm`` (PyTorch's ``embedding_renorm_``, including its 1e-7)."""
    with no_grad():
        rows = ops.unique(indices.reshape(-1))
        picked = ops.index_select(weight, 0, rows)
        norms = vector_norm(picked, norm_type, dim=1, keepdim=True)
        scale = ops.where(norms > max_norm, max_norm / (norms + 1e-7), ops.ones_like(norms))
        weight.index_copy_(0, rows, picked * scale)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` at the indices ``input``: shape ``input.shape + (embedding_dim,)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> w = ember.ones(4, 2, requires_grad=True)
    >>> F.embedding(ember.tensor([1, 3, 1]), w, padding_idx=3).sum().backward()
    >>> w.grad[:, 0].tolist()
    [0.0, 2.0, 0.0, 0.0]
    """
    _check_weight("embedding", weight)
    num = weight.shape[0]
    _check_indices("embedding", input, num)
    if sparse:
        raise RuntimeError("embedding: sparse gradients are not supported in ember")
    pad = _padding_idx("embedding", padding_idx, num)
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    return _embedding(weight, input.to(_dt.int64), padding_idx=pad,
                      scale_grad_by_freq=bool(scale_grad_by_freq))


def _bags(input: Tensor, offsets: Tensor | None, include_last_offset: bool
          ) -> tuple[Tensor, Tensor, int]:
    """Flat indices, the bag of each index, and the number of bags."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f"embedding_bag: offsets must be None when input is 2D, got "
                             f"offsets of shape {tuple(offsets.shape)}")
        b, n = input.shape
        bag = ops.arange(b, device=input.device).repeat_interleave(n)
        return input.reshape(-1), bag, b
    if input.ndim != 1:
        raise ValueError(f"embedding_bag: expected input of 1 or 2 dims, got "
                         f"{tuple(input.shape)}")
    if offsets is None:
        raise ValueError("embedding_bag: offsets has to be a 1D Tensor but got None")
    if not isinstance(offsets, Tensor) or offsets.ndim != 1 or \
            offsets.dtype not in _INDEX_DTYPES:
        raise ValueError("embedding_bag: offsets has to be a 1D int64 Tensor")
    n_bags = offsets.shape[0] - (1 if include_last_offset else 0)
    if offsets.numel() and (int(offsets[0]) != 0 or bool((offsets[1:] < offsets[:-1]).any())
                            or int(offsets[-1]) > input.shape[0]):
        raise ValueError(f"embedding_bag: offsets must start at 0, be non-decreasing and "
                         f"stay within the input's {input.shape[0]} indices, got "
                         f"{offsets.tolist()}")
    starts = offsets[:n_bags].to(_dt.int64)
    positions = ops.arange(input.shape[0], device=input.device)
    bag = ops.searchsorted(starts, positions, right=True) - 1
    return input, bag, n_bags


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxes of bags of embeddings; empty bags give zeros.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> w = ember.arange(6.0).reshape(3, 2)
    >>> F.embedding_bag(ember.tensor([0, 2, 1]), w, ember.tensor([0, 2]), mode="sum").tolist()
    [[4.0, 6.0], [2.0, 3.0]]
    """
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"embedding_bag: mode has to be one of sum, mean or max, got {mode!r}")
    _check_weight("embedding_bag", weight)
    num, dim = weight.shape
    _check_indices("embedding_bag", input, num)
    if per_sample_weights is not None:
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"embedding_bag: per_sample_weights {tuple(per_sample_weights.shape)}"
                             f" must have the same shape as the input {tuple(input.shape)}")
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights is only supported "
                                      f"for mode='sum', got mode={mode!r}")
    pad = _padding_idx("embedding_bag", padding_idx, num)
    flat, bag, n_bags = _bags(input, offsets, include_last_offset)
    psw = None if per_sample_weights is None else per_sample_weights.reshape(-1)
    if pad is not None:  # padding entries take no part in the reduction (nor the mean's count)
        keep = ops.nonzero(flat != pad).reshape(-1)
        flat, bag = flat[keep], bag[keep]
        psw = None if psw is None else psw[keep]
    rows = embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq)
    if psw is not None:
        rows = rows * psw.unsqueeze(1)
    zeros = ops.zeros(n_bags, dim, dtype=weight.dtype, device=weight.device)
    if mode == "max":
        return ops.scatter_reduce(zeros, 0, bag.unsqueeze(1).expand(-1, dim), rows, "amax",
                                  include_self=False)
    out = ops.index_add(zeros, 0, bag, rows)
    if mode == "mean":
        counts = ops.bincount(bag, minlength=n_bags).clamp_min(1).to(weight.dtype)
        out = out / counts.unsqueeze(1)
    return out


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding: shape ``tensor.shape + (num_classes,)``; ``-1`` infers
    ``max + 1``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.one_hot(ember.tensor([0, 2])).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    if not isinstance(tensor, Tensor) or tensor.dtype is not _dt.int64:
        got = tensor.dtype if isinstance(tensor, Tensor) else type(tensor).__name__
        raise RuntimeError(f"one_hot: expected an int64 tensor of class indices, got {got}")
    if tensor.numel() and int(tensor.min()) < 0:
        raise RuntimeError(f"one_hot: class values must be non-negative, got "
                           f"{int(tensor.min())}")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("one_hot: can not infer the number of classes from an empty "
                               "tensor; pass num_classes")
        num_classes = int(tensor.max()) + 1
    if not isinstance(num_classes, int) or num_classes < 0:
        raise RuntimeError(f"one_hot: num_classes must be -1 or a non-negative int, got "
                           f"{num_classes!r}")
    if tensor.numel():
        high = int(tensor.max())
        if high >= num_classes:
            raise RuntimeError(f"one_hot: class values must be smaller than "
                               f"num_classes={num_classes}, got {high}")
    classes = ops.arange(num_classes, device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).to(_dt.int64)
