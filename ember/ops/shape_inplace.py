"""In-place shape changes (``squeeze_``, ``unsqueeze_``, ``t_``, ``transpose_``,
``swapdims_``/``swapaxes_``, ``as_strided_``), ``as_strided`` itself, and ``resize_``.

An in-place view op gives the tensor the layout of the view op's result, keeping its
memory (so a view's base still sees writes through it) and, in a graph, taking the view
op's node as its history; as in PyTorch it bumps the version counter, and a leaf that
requires grad refuses it. ``as_strided`` views the tensor's storage, which in ember is the
memory of the root tensor that it views (see ``storage_offset``).

>>> import ember
>>> x = ember.zeros(2, 3)
>>> x.t_().shape, x.unsqueeze_(0).shape, x.squeeze_().shape
(ember.Size([3, 2]), ember.Size([1, 3, 2]), ember.Size([3, 2]))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..autograd.forward_ad import _remember as remember_dual
from ..autograd.grad_mode import STATE as _GRAD
from ..backends import backend_of
from ..tensor import Tensor, _make
from ._common import bind_methods
from .registry import defop
from .shape import squeeze, swapaxes, swapdims, t, transpose, unsqueeze
from .tensor_meta import storage_offset


def _refuse_leaf(name: str, self: Tensor) -> None:
    if not _GRAD.grad_enabled:
        return
    if self._requires_grad and self.grad_fn is None:
        raise RuntimeError(
            f"{name}: a leaf Variable that requires grad (shape {tuple(self.shape)}) is being "
            "used in an in-place operation; do it under ember.no_grad() or on a clone()")
    base = self._base  # a differentiable view (not one of a detach()) of such a leaf
    if (self._requires_grad and base is not None and base._requires_grad
            and base.grad_fn is None):
        raise RuntimeError(
            f"{name}: a view of a leaf Variable that requires grad (view shape "
            f"{tuple(self.shape)}, leaf shape {tuple(base.shape)}) is being used in an "
            "in-place operation; do it under ember.no_grad() or on a clone()")


def inplace_view(name: str, self: Tensor, fn: Callable, *args: Any) -> Tensor:
    """Give ``self`` the layout of the view ``fn(self, *args)``: the same memory, and the
    view op's node as its history when a graph is recorded."""
    _refuse_leaf(name, self)
    out = fn(self, *args)
    current = self._base_version == self._version[0]
    self._data = out._data
    if out.grad_fn is not None:
        self.grad_fn, self._out_index = out.grad_fn, out._out_index
    if out._fw is not None:
        self._fw = out._fw
        remember_dual(self)
    self._version[0] += 1
    if self._base is not None and current:
        # the history just taken already reads the base as it is now
        self._base_version = self._version[0]
    return self


def squeeze_(self: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """In-place ``squeeze``.

    >>> import ember
    >>> ember.zeros(1, 2, 1).squeeze_(0).shape
    ember.Size([2, 1])
    """
    return inplace_view("squeeze_", self, squeeze, dim)


def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    """In-place ``unsqueeze``.

    >>> import ember
    >>> ember.zeros(2).unsqueeze_(-1).shape
    ember.Size([2, 1])
    """
    return inplace_view("unsqueeze_", self, unsqueeze, dim)


def t_(self: Tensor) -> Tensor:
    """In-place ``t`` (tensors of at most 2 dimensions).

    >>> import ember
    >>> ember.zeros(2, 3).t_().shape
    ember.Size([3, 2])
    """
    return inplace_view("t_", self, t)


def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """In-place ``transpose``.

    >>> import ember
    >>> ember.zeros(2, 3, 4).transpose_(0, 2).shape
    ember.Size([4, 3, 2])
    """
    return inplace_view("transpose_", self, transpose, dim0, dim1)


def swapdims_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """In-place ``swapdims`` (``transpose_``).

    >>> import ember
    >>> ember.zeros(2, 3).swapdims_(0, 1).shape
    ember.Size([3, 2])
    """
    return inplace_view("swapdims_", self, swapdims, dim0, dim1)


def swapaxes_(self: Tensor, axis0: int, axis1: int) -> Tensor:
    """In-place ``swapaxes`` (``transpose_``).

    >>> import ember
    >>> ember.zeros(2, 3).swapaxes_(1, 0).shape
    ember.Size([3, 2])
    """
    return inplace_view("swapaxes_", self, swapaxes, axis0, axis1)


# ----------------------------------------------------------------------------- as_strided
def _storage(self: Tensor, positions: bool = True) -> tuple[Any, Any, bool, int]:
    """``(memory, positions, shares, first)``: the 1-D storage ``self`` lives in, the
    storage position of each of its elements (its shape; None unless ``positions`` is asked
    for where the storage is shared), whether ``memory`` is the tensor's own, and the
    position of its first element. Where its root's memory has gaps (a tensor made from a
    strided NumPy array), the storage is a row-major copy of the root, as PyTorch, which
    never has such roots, would hold the values."""
    root = self._base if self._base is not None else self
    backend = backend_of(self._data)
    xp, data, item = backend.xp, self._data, self._data.itemsize
    offset = storage_offset(self)
    if root._data.flags.c_contiguous:
        where = _positions(xp, data.shape, [s // item for s in data.strides],
                           offset) if positions else None
        return root._data.reshape(-1), where, True, offset
    ids, start = _layout_ids(xp, root._data)
    strides = tuple(s // item * ids.itemsize for s in data.strides)
    where = xp.lib.stride_tricks.as_strided(ids[start + offset:], data.shape, strides).copy()
    first = int(where.reshape(-1)[0]) if where.size else 0
    return xp.ascontiguousarray(root._data).reshape(-1), where, False, first


def _layout_ids(xp: Any, root: Any) -> tuple[Any, int]:
    """``(ids, start)``: an int64 buffer laid out as ``root``'s memory, whose element
    ``start`` stands for ``root``'s first, holding each element's row-major index in
    ``root`` (-1 in the gaps), so that a view of ``root`` read through it with the view's
    strides gives those indices."""
    item = root.itemsize
    steps = [(n - 1) * s // item for n, s in zip(root.shape, root.strides)] if root.size else []
    start = -sum(d for d in steps if d < 0)
    ids = xp.full(start + sum(d for d in steps if d > 0) + 1, -1, dtype=xp.int64)
    strides = tuple(s // item * ids.itemsize for s in root.strides)
    xp.lib.stride_tricks.as_strided(ids[start:], root.shape, strides)[...] = xp.arange(
        root.size, dtype=xp.int64).reshape(root.shape)
    return ids, start


def _positions(xp: Any, size: Sequence[int], stride: Sequence[int], offset: int) -> Any:
    """The storage position of each element of the layout ``(size, stride, offset)``."""
    pos = xp.full(tuple(size), offset, dtype=xp.int64)
    for d, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = n
        pos = pos + (xp.arange(n, dtype=xp.int64) * s).reshape(shape)
    return pos


@defop("as_strided", view=True)
def _as_strided(ctx, x, *, size, stride, storage_offset, memory, in_pos, shares):
    item = x.itemsize
    return ctx.xp.lib.stride_tricks.as_strided(memory[storage_offset:], size,
                                               tuple(s * item for s in stride),
                                               writeable=shares)


def _read_positions(memory: Any, size: tuple, stride: tuple, offset: int) -> Tensor:
    return _make(_positions(backend_of(memory).xp, size, stride, offset))


@_as_strided.def_backward
def _(ctx, g, *, size, stride, storage_offset, memory, in_pos, shares):
    # PyTorch's as_strided_backward: sum the gradient into the storage positions the output
    # read, then read it back at the input's positions, divided by how many input elements
    # share a position where the input itself overlaps (an expanded tensor)
    from .creation import zeros

    out_pos = _read_positions(memory, size, stride, storage_offset)
    flat = zeros(memory.size, dtype=g.dtype, device=g.device)
    flat = flat.index_add(0, out_pos.reshape(-1), g.reshape(-1))
    g_in = flat.take(_make(in_pos))
    xp = backend_of(memory).xp
    counts = xp.bincount(in_pos.reshape(-1), minlength=memory.size)[in_pos]
    if counts.size and counts.max() > 1:
        g_in = g_in / _make(counts).to(g.dtype)
    return (g_in,)


@_as_strided.def_jvp
def _(ctx, tangents, *, size, stride, storage_offset, memory, in_pos, shares):
    # the tangent laid out where the input lies in the storage (zero elsewhere), read as
    # the output reads the storage
    from .creation import zeros

    t_in = tangents[0]
    flat = zeros(memory.size, dtype=t_in.dtype, device=t_in.device)
    flat = flat.index_copy(0, _make(in_pos.reshape(-1)), t_in.reshape(-1))
    return flat.take(_read_positions(memory, size, stride, storage_offset))


def _check_layout(name: str, self: Tensor, size: tuple, stride: tuple, offset: int,
                  storage: int) -> None:
    if len(size) != len(stride):
        raise RuntimeError(f"{name}: mismatch in length of strides and shape: size {list(size)}"
                           f" has {len(size)} dims, stride {list(stride)} has {len(stride)}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"{name}: Trying to create tensor with negative dimension: "
                           f"{list(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"{name}: as_strided: Negative strides are not supported at the "
                           f"moment, got strides: {list(stride)}")
    if offset < 0:
        raise RuntimeError(f"{name}: Tensor: invalid storage offset {offset}")
    needed = 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if needed > storage:
        item = self._data.itemsize
        raise RuntimeError(
            f"{name}: setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
            f"{offset}, and itemsize {item} requiring a storage size of {needed * item} are "
            f"out of bounds for storage of size {storage * item} (tensor of shape "
            f"{tuple(self.shape)})")


def as_strided(input: Tensor, size: Sequence[int], stride: Sequence[int],
               storage_offset: int | None = None) -> Tensor:
    """A view of ``input``'s storage with the given sizes, element strides and storage
    offset (default: ``input``'s own). Its gradient is PyTorch's: the output's gradient
    summed into the storage positions it reads, read back at the input's positions.

    >>> import ember
    >>> x = ember.arange(6.0)
    >>> x.as_strided((2, 2), (1, 2), 1).tolist()
    [[1.0, 3.0], [2.0, 4.0]]
    """
    # the input's storage positions are for the backward and forward mode only
    tracked = input._fw is not None or (_GRAD.grad_enabled and input._requires_grad)
    memory, in_pos, shares, first = _storage(input, positions=tracked)
    size, stride = tuple(int(n) for n in size), tuple(int(s) for s in stride)
    offset = first if storage_offset is None else int(storage_offset)
    _check_layout("as_strided", input, size, stride, offset, memory.size)
    return _as_strided(input, size=size, stride=stride, storage_offset=offset, memory=memory,
                       in_pos=in_pos, shares=shares)


def as_strided_(self: Tensor, size: Sequence[int], stride: Sequence[int],
                storage_offset: int | None = None) -> Tensor:
    """In-place ``as_strided``: this tensor takes the new layout over its storage.

    >>> import ember
    >>> ember.arange(6.0).as_strided_((2, 3), (1, 2)).tolist()
    [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]]
    """
    return inplace_view("as_strided_", self, as_strided, size, stride, storage_offset)


# ----------------------------------------------------------------------------- resize
def resize_(self: Tensor, *sizes: Any, memory_format: Any = None) -> Tensor:
    """Give this tensor shape ``sizes``, contiguous over its storage from its storage
    offset, as PyTorch does: elements that fit keep the storage's values (those of its
    root tensor, in memory order); a larger size moves the tensor into new memory holding
    the old storage's values first (the rest is zero). Resizing to the current shape
    changes nothing (a transposed tensor stays transposed). Tensors that require grad are
    refused.

    >>> import ember
    >>> x = ember.arange(6.0)
    >>> x.resize_(2, 2).tolist(), x.resize_(3).tolist()
    ([[0.0, 1.0], [2.0, 3.0]], [0.0, 1.0, 2.0])
    """
    if len(sizes) == 1 and not isinstance(sizes[0], int):
        sizes = tuple(sizes[0])
    size = tuple(int(n) for n in sizes)
    if self._requires_grad:
        raise RuntimeError(f"resize_: cannot resize variables that require grad (shape "
                           f"{tuple(self.shape)}); resize a detach()ed tensor")
    if any(n < 0 for n in size):
        raise RuntimeError(f"resize_: Trying to create tensor with negative dimension: "
                           f"{list(size)}")
    if size == tuple(self.shape):  # as PyTorch: a no-op that keeps the strides and version
        return self
    memory, _, shares, offset = _storage(self, positions=False)
    numel = 1
    for n in size:
        numel *= n
    if shares and offset + numel <= memory.size:
        self._data = memory[offset:offset + numel].reshape(size)
    else:
        xp = backend_of(memory).xp
        fresh = xp.zeros(offset + numel, dtype=memory.dtype)
        kept = min(memory.size, offset + numel)
        fresh[:kept] = memory[:kept]
        self._data = fresh[offset:].reshape(size)
        # its own memory now: no longer a view of the root, nor sharing its version counter
        self._base, self._base_version, self._version = None, 0, [self._version[0]]
    self._version[0] += 1
    return self


def resize_as_(self: Tensor, the_template: Tensor, *, memory_format: Any = None) -> Tensor:
    """``resize_`` to ``the_template``'s shape.

    >>> import ember
    >>> ember.zeros(6).resize_as_(ember.ones(2, 3)).shape
    ember.Size([2, 3])
    """
    if not isinstance(the_template, Tensor):
        raise TypeError(f"resize_as_(): argument 'the_template' (position 2) must be Tensor, "
                        f"not {type(the_template).__name__}")
    return resize_(self, tuple(the_template.shape))


bind_methods(squeeze_=squeeze_, unsqueeze_=unsqueeze_, t_=t_, transpose_=transpose_,
             swapdims_=swapdims_, swapaxes_=swapaxes_, as_strided=as_strided,
             as_strided_=as_strided_, resize_=resize_, resize_as_=resize_as_)

__all__ = ["as_strided", "as_strided_", "resize_as_"]
