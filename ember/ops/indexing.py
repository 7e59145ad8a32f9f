"""Indexing: ``tensor[key]``, ``tensor[key] = value``, ``nonzero`` and the masked ops.

``x[key]`` runs as at most two primitives: a basic-indexing view (ints, slices, None, ...) and
an advanced-indexing gather with integer index tensors (masks become index tensors). The
gradient of each is a scatter into zeros, itself a primitive whose gradient is indexing again,
so derivatives of every order work.

>>> import ember
>>> x = ember.arange(12.0).reshape(3, 4)
>>> x[1:, ::2].tolist()
[[4.0, 6.0], [8.0, 10.0]]
>>> x[[0, 2], [1, 3]].tolist()
[1.0, 11.0]
>>> x[ember.tensor([False, False, True])].tolist()
[[8.0, 9.0, 10.0, 11.0]]
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor, _make
from ._common import bind_methods, cast, ensure_tensor
from ._indexing_key import Key, parse_key, wrap_checked
from .registry import defop


def _adv_key(ndim: int, dims: tuple, arrays: tuple) -> tuple:
    key: list = [slice(None)] * ndim
    for d, a in zip(dims, arrays):
        key[d] = a
    return tuple(key)


# ----------------------------------------------------------------------------- basic (a view)
@defop("getitem_basic", view=True)
def _getitem_basic(ctx, x, *, key):
    return x[key]


@_getitem_basic.def_backward
def _(ctx, g, *, key):
    return (_put_basic(g, key=key, shape=ctx.in_shapes[0]),)


@_getitem_basic.def_jvp
def _(ctx, tangents, *, key):
    return _getitem_basic(tangents[0], key=key)


@defop("put_basic")
def _put_basic(ctx, g, *, key, shape):
    """Zeros of ``shape`` with ``g`` written at ``key`` (basic keys never repeat an element)."""
    out = ctx.xp.zeros(shape, dtype=g.dtype)
    out[key] = g
    return out


@_put_basic.def_backward
def _(ctx, g, *, key, shape):
    return (_getitem_basic(g, key=key),)


@_put_basic.def_jvp
def _(ctx, tangents, *, key, shape):
    return _put_basic(tangents[0], key=key, shape=shape)


# ----------------------------------------------------------------------------- advanced
@defop("getitem_adv")
def _getitem_adv(ctx, x, *index, dims):
    ctx.arrays = index  # int64 arrays made by wrap_checked, owned by this op
    return x[_adv_key(x.ndim, dims, index)]


@_getitem_adv.def_backward
def _(ctx, g, *, dims):
    index = _saved_index(ctx)
    return (_put_add_adv(g, *index, dims=dims, shape=ctx.in_shapes[0]),) + (None,) * len(index)


@_getitem_adv.def_jvp
def _(ctx, tangents, *, dims):
    return _getitem_adv(tangents[0], *ctx.inputs[1:], dims=dims)


@defop("put_add_adv")
def _put_add_adv(ctx, g, *index, dims, shape):
    """Zeros of ``shape`` with ``g`` added at the index (repeated indices accumulate)."""
    ctx.arrays = index
    out = ctx.xp.zeros(shape, dtype=g.dtype)
    if not (dims == (0,) and len(index) == 1
            and ctx.backend.kernels.index_add_rows(out, index[0], g)):
        ctx.xp.add.at(out, _adv_key(len(shape), dims, index), g)
    return out


@_put_add_adv.def_backward
def _(ctx, g, *, dims, shape):
    index = _saved_index(ctx)
    return (_getitem_adv(g, *index, dims=dims),) + (None,) * len(index)


@_put_add_adv.def_jvp
def _(ctx, tangents, *, dims, shape):
    return _put_add_adv(tangents[0], *ctx.inputs[1:], dims=dims, shape=shape)


def _saved_index(ctx) -> tuple:
    return tuple(_make(a) for a in ctx.arrays)


def gather_index(x: Tensor, dims: tuple, index: list) -> Tensor:
    """``x`` indexed at ``dims`` by checked int64 tensors ``index`` (the advanced step)."""
    if not dims:
        return x
    return _getitem_adv(x, *index, dims=dims)


def scatter_add_index(g: Tensor, dims: tuple, index: list, shape: tuple) -> Tensor:
    """Zeros of ``shape`` plus ``g`` added at the index: the adjoint of :func:`gather_index`."""
    return _put_add_adv(g, *index, dims=dims, shape=tuple(shape))


def checked_index(op: str, x: Tensor, key: Key, wrap: bool = True) -> tuple[Tensor, list]:
    """The step-1 view of ``key`` and its index tensors, range-checked and made int64."""
    view = x if _trivial(key.basic) else _getitem_basic(x, key=key.basic)
    index = [_make(wrap_checked(op, t, d, view.shape[d], wrap))
             for d, t in zip(key.dims, key.index)]
    return view, index


def _trivial(basic: tuple) -> bool:
    return all(k == slice(None) or k is Ellipsis for k in basic if not isinstance(k, int)) \
        and not any(isinstance(k, int) or k is None for k in basic)


def getitem(self: Tensor, key: Any) -> Tensor:
    """``self[key]``: basic indexing gives a view, index tensors and masks give a copy.

    >>> import ember
    >>> x = ember.arange(24).reshape(2, 3, 4)
    >>> x[0, :, [0, 1]].shape
    ember.Size([3, 2])
    >>> x[..., None, -1].shape
    ember.Size([2, 3, 1])
    """
    basic = _plain_basic_key(self, key)
    if basic is not None:
        return _getitem_basic(self, key=basic)
    k = parse_key(self, key)
    view, index = checked_index("__getitem__", self, k)
    return gather_index(view, k.dims, index)


def _plain_basic_key(x: Tensor, key: Any) -> tuple | None:
    """The step-1 key of the commonest indices, ``x[i]``, ``x[a:b]``, ``x[i, j]``, ``x[:, a:b]``
    (Python ints and slices with positive or no steps, at most one per dim), range-checked as
    ``parse_key`` would; None for anything else, which takes the general parse. Per-element
    loops (a dataset's ``__getitem__``) spent most of their time in the general parse."""
    items = key if type(key) is tuple else (key,)
    shape = x._data.shape
    if len(items) > len(shape):
        return None
    for d, item in enumerate(items):
        kind = type(item)
        if kind is int:
            if not -shape[d] <= item < shape[d]:
                return None  # parse_key raises the IndexError
        elif kind is not slice or not (item.step is None or type(item.step) is int
                                       and item.step > 0) or not (
                item.start is None or type(item.start) is int) or not (
                item.stop is None or type(item.stop) is int):
            return None
    return (*items, Ellipsis)  # Ellipsis: a 0-d result stays an array (a view)


# ----------------------------------------------------------------------------- setitem
@defop("index_put")
def _index_put(ctx, x, value, *index, basic, dims):
    """A copy of ``x`` with ``value`` written at ``x[basic][index]`` (the out-of-place form
    of ``x[key] = value``)."""
    ctx.arrays = index
    out = x.copy()
    target = out[basic]
    if dims:
        target[_adv_key(target.ndim, dims, index)] = value
    else:
        target[...] = value
    return out


@_index_put.def_backward
def _(ctx, g, *, basic, dims):
    index = _saved_index(ctx)
    need_x, need_v = ctx.needs_input_grad[:2]
    gx = gv = None
    if need_x:  # the written elements no longer depend on x
        gx = _index_put(g, _make(ctx.xp.zeros((), dtype=g._data.dtype)), *index, basic=basic,
                        dims=dims)
    if need_v:
        gv = sum_to(_select(g, basic, dims, index), ctx.in_shapes[1])
    return (gx, gv) + (None,) * len(index)


@_index_put.def_jvp
def _(ctx, tangents, *, basic, dims):
    x, value = ctx.inputs[:2]
    tx, tv = tangents[:2]
    from .creation import zeros_like

    # zeros_like, not ``_data * 0``: that turns a 0-d array into a NumPy scalar (and inf
    # into NaN)
    tx = tx if tx is not None else zeros_like(ctx.output)
    tv = tv if tv is not None else zeros_like(value)
    return _index_put(tx, tv, *ctx.inputs[2:], basic=basic, dims=dims)


def indexed_shape(shape: tuple, dims: tuple, index) -> tuple:
    """The shape of ``x[..index at dims..]`` for ``x`` of ``shape`` (NumPy placement)."""
    from ._common import broadcast_shapes

    if not dims:
        return tuple(shape)
    b = broadcast_shapes("__getitem__", *(tuple(i.shape) for i in index))
    rest = [s for d, s in enumerate(shape) if d not in dims]
    if list(dims) == list(range(dims[0], dims[0] + len(dims))):
        return tuple(rest[:dims[0]]) + b + tuple(rest[dims[0]:])
    return b + tuple(rest)


def _select(x: Tensor, basic: tuple, dims: tuple, index) -> Tensor:
    view = x if _trivial(basic) else _getitem_basic(x, key=basic)
    return gather_index(view, dims, list(index))


def sum_to(g: Tensor, shape: tuple) -> Tensor:
    """Sum ``g`` down to ``shape``, which broadcasts to it (possibly with extra leading 1s,
    as assignment allows: ``x[0] = v`` with ``v`` of shape ``(1, n)``)."""
    from .elementwise import unbroadcast

    if g.ndim < len(shape):
        g = g.reshape((1,) * (len(shape) - g.ndim) + tuple(g.shape))
    return unbroadcast(g, tuple(shape))


def index_put_key(op: str, self: Tensor, key: Any, value: Any, wrap: bool = True) -> Tensor:
    """The out-of-place ``self[key] = value``: a new tensor (in the graph)."""
    k = parse_key(self, key)
    view, index = checked_index(op, self.detach(), k, wrap)
    value = _value_for(op, self, value, indexed_shape(view.shape, k.dims, index))
    return _index_put(self, value, *index, basic=k.basic, dims=k.dims)


def _value_for(op: str, self: Tensor, value: Any, target: tuple) -> Tensor:
    from ._common import broadcast_shapes

    value = ensure_tensor(op, value, self)
    shape = tuple(value.shape)
    while len(shape) > len(target) and shape[0] == 1:
        shape = shape[1:]
    try:
        ok = len(shape) <= len(target) and broadcast_shapes(op, shape, target) == target
    except RuntimeError:
        ok = False
    if not ok:
        raise RuntimeError(
            f"{op}: shape mismatch: value tensor of shape {tuple(value.shape)} cannot be "
            f"broadcast to indexing result of shape {target}"
        )
    if value.dtype != self.dtype:
        value = cast(value, self.dtype)
    return value


def setitem(self: Tensor, key: Any, value: Any) -> None:
    """``self[key] = value``: an in-place write, differentiable with respect to both ``self``'s
    other elements and ``value``.

    >>> import ember
    >>> x = ember.zeros(2, 3)
    >>> x[0, [0, 2]] = 5
    >>> x[1:] = ember.tensor([1.0, 2.0, 3.0])
    >>> x.tolist()
    [[5.0, 0.0, 5.0], [1.0, 2.0, 3.0]]
    """
    from .inplace import _records, run_inplace

    records = _records(self, (value,), {})
    basic = None if records else _plain_basic_key(self, key)
    if basic is not None and type(value) is Tensor:
        target = self._data[basic]
        data = value._data
        if (type(data) is type(target) and data.shape == target.shape
                and data.dtype == target.dtype):
            target[...] = data  # the common x[i] = row, with nothing to check
            self._version[0] += 1
            return
    k = parse_key(self, key)
    if records:
        if (not k.dims and not (self._requires_grad and self.grad_fn is None)
                and self._fw is None and getattr(value, "_fw", None) is None
                and _write_through_view(self, key, value)):
            return
        run_inplace("__setitem__", self, lambda s, v: index_put_key("__setitem__", s, key, v),
                    (value,))
        return
    view, index = checked_index("__setitem__", self.detach(), k)
    target = view._data
    value = _value_for("__setitem__", self, value, indexed_shape(view.shape, k.dims, index))
    if k.dims:
        target[_adv_key(target.ndim, k.dims, tuple(i._data for i in index))] = value._data
    else:
        target[...] = value._data
    self._version[0] += 1


def _write_through_view(self: Tensor, key: Any, value: Any) -> bool:
    """``self[key] = value`` for a basic ``key`` as a write into the view ``self[key]``, as
    PyTorch's CopySlices records it: the forward touches only the view's elements, not a
    copy of all of ``self``'s. False where the view path does not apply (memory with gaps)."""
    from .inplace import copied
    from .inplace_view import inplace_on_view, refresh_if_stale

    view = self[key]
    value = _value_for("__setitem__", self, value, tuple(view.shape))
    if value.ndim > view.ndim:  # leading unit dims, which setitem drops
        value = value.reshape(tuple(value.shape)[value.ndim - view.ndim:])
    if view._base is None or inplace_on_view(
            "__setitem__", view, lambda _, v: copied(view, v), (value,), {},
            reads_self=False) is None:
        return False
    refresh_if_stale(self)  # self may be a view itself: it follows the write
    return True


# ----------------------------------------------------------------------------- nonzero
@defop("nonzero", differentiable=False)
def _nonzero(ctx, x):
    return ctx.xp.argwhere(x).astype(_dt.int64.np)


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """Indices of the non-zero elements: an ``(n, ndim)`` tensor, or one 1-d tensor per dim.

    >>> import ember
    >>> ember.nonzero(ember.tensor([[0, 1], [2, 0]])).tolist()
    [[0, 1], [1, 0]]
    >>> [t.tolist() for t in ember.nonzero(ember.tensor([0, 3, 4]), as_tuple=True)]
    [[1, 2]]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"nonzero: expected a Tensor, got {type(input).__name__}")
    if not as_tuple:
        return _nonzero(input)
    flat = input.reshape(1) if input.ndim == 0 else input  # torch treats 0-d as 1-d here
    found = _nonzero(flat)
    return tuple(found[:, d] for d in range(flat.ndim))


def argwhere(input: Tensor) -> Tensor:
    """Same as ``nonzero(input)``."""
    return nonzero(input)


bind_methods(__getitem__=getitem, __setitem__=setitem, nonzero=nonzero, argwhere=argwhere)

__all__ = ["nonzero", "argwhere"]
