"""``index_put`` / ``index_put_`` and ``masked_scatter`` / ``masked_scatter_`` (compositions
of ember's indexing ops, so their gradients come from them), plus the in-place ``addmm_`` and
``logical_not_`` (built by ``make_inplace``).

>>> import ember
>>> x = ember.zeros(3)
>>> x.index_put((ember.tensor([0, 0, 2]),), ember.tensor(1.0), accumulate=True).tolist()
[2.0, 0.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import bind_methods, broadcast_shapes, ensure_tensor
from .inplace import make_inplace


def index_put(input: Tensor, indices: Sequence[Tensor], values: Tensor,
              accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` written at ``input[indices]`` (one index tensor
    per leading dim, integer or bool); with ``accumulate=True`` they are added instead, and
    repeated positions add up.

    >>> import ember
    >>> ember.zeros(2, 2).index_put((ember.tensor([1]), ember.tensor([0])), ember.tensor(5.0))
    tensor([[0., 0.],
            [5., 0.]])
    """
    from .indexing import _index_put, scatter_add_index

    x = ensure_tensor("index_put", input)
    if not isinstance(indices, (tuple, list)) or not all(isinstance(i, Tensor) for i in indices):
        got = [type(i).__name__ for i in indices] if isinstance(indices, (tuple, list)) else \
            type(indices).__name__
        raise TypeError(f"index_put: indices must be a tuple of Tensors, got {got}")
    if isinstance(values, Tensor) and values.dtype != x.dtype:
        raise RuntimeError(f"index_put: the values' dtype ({values.dtype.name}) must match the "
                           f"input's ({x.dtype.name}), as PyTorch requires")
    key = tuple(indices)
    k, index, target, v = _indexed("index_put", x, key, values)
    if not accumulate:  # _indexed parsed and checked the key and the values
        return _index_put(x, v, *index, basic=k.basic, dims=k.dims)
    return x + scatter_add_index(v.expand(*target), k.dims, index, tuple(x.shape))


def _indexed(op: str, x: Tensor, key: tuple, values: Any) -> tuple:
    """``(parsed key, index tensors, indexed shape, values)`` of ``x[key] = values``, where
    ``values`` must broadcast to the indexed shape without extra leading dims (setitem
    drops leading 1s; PyTorch's index_put does not)."""
    from ._indexing_key import parse_key
    from .indexing import _value_for, checked_index, indexed_shape

    k = parse_key(x, key)
    view, index = checked_index(op, x.detach(), k)
    target = indexed_shape(view.shape, k.dims, index)
    v = _value_for(op, x, values, target)
    if v.ndim > len(target):
        raise RuntimeError(f"{op}: shape mismatch: value tensor of shape {tuple(v.shape)} "
                           f"cannot be broadcast to indexing result of shape {target}")
    return k, index, target, v


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` (broadcast with ``mask``) whose elements where ``mask`` is True are
    replaced, in row-major order, by the first elements of ``source``.

    >>> import ember
    >>> m = ember.tensor([True, False, True])
    >>> ember.zeros(3).masked_scatter(m, ember.tensor([1.0, 2.0, 3.0])).tolist()
    [1.0, 0.0, 2.0]
    """
    from .indexing import index_put_key

    x = ensure_tensor("masked_scatter", input)
    if not isinstance(mask, Tensor) or mask.dtype is not _dt.bool_:
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_scatter: only supports boolean masks, got mask of {got}")
    if not isinstance(source, Tensor) or source.dtype != x.dtype:
        got = source.dtype.name if isinstance(source, Tensor) else type(source).__name__
        raise RuntimeError(f"masked_scatter: expected input and source to have the same "
                           f"dtype, got {x.dtype.name} and {got}")
    shape = broadcast_shapes("masked_scatter", x.shape, mask.shape)
    x, mask = x.expand(*shape), mask.expand(*shape)
    count = int(mask.sum().item())
    if source.numel() < count:
        raise RuntimeError(f"masked_scatter: source has {source.numel()} elements (shape "
                           f"{tuple(source.shape)}), fewer than the {count} True elements of "
                           f"the mask")
    return index_put_key("masked_scatter", x, mask, source.reshape(-1)[:count])


_masked_scatter_write = make_inplace("masked_scatter_", masked_scatter)


def _masked_scatter_(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """In-place ``masked_scatter``: the mask must broadcast to this tensor's shape."""
    if isinstance(mask, Tensor) and \
            broadcast_shapes("masked_scatter_", self.shape, mask.shape) != self.shape:
        raise RuntimeError(f"masked_scatter_: mask of shape {tuple(mask.shape)} can't be "
                           f"broadcast to the tensor's shape {tuple(self.shape)}")
    return _masked_scatter_write(self, mask, source)


def _addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1):
    from .linalg import addmm

    return addmm(input, mat1, mat2, beta=beta, alpha=alpha)


def _logical_not(input: Tensor) -> Tensor:
    from .compare import logical_not

    return logical_not(input)


index_put_ = make_inplace("index_put_", index_put)

bind_methods(index_put=index_put, index_put_=index_put_,
             masked_scatter=masked_scatter, masked_scatter_=_masked_scatter_,
             addmm_=make_inplace("addmm_", _addmm),
             logical_not_=make_inplace("logical_not_", _logical_not))

__all__ = ["index_put", "index_put_", "masked_scatter"]
